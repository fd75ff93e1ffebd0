//! Orders in the back office: a plain list of the newest, and an order's page — lines, amounts,
//! history, payment — with the moves the member's role allows. Personal data on the page
//! (contact, shipping address) shows only to roles that may see it, and opening the page is
//! written to the audit log first. Moves go through `luxevault_shop::orders::moves::move_order`, the same code as
//! the admin-token API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::country_names::country_name;
use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::staff::Permission;
use luxevault_core::{Currency, Lang, Money, Timestamp};
use luxevault_storage::{BackOffice, Cursor, DEFAULT_PAGE_SIZE, OrderFilter, OrderSearch, Orders, Staff};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, message, page, unavailable};
use crate::state::AppState;
use luxevault_shop::orders::moves::{OrderMove, OrderMoveError, move_order, valid_reason};

/// An amount as staff read it (the shop's default language).
pub(crate) fn amount(state: &AppState, minor: i64, currency: &str) -> String {
    let lang: Lang = state.settings().default_lang().clone();
    Currency::from_code(currency).map(|c| Money::new(minor, c).format(&lang)).unwrap_or_else(|_| minor.to_string())
}

/// `2026-11-22 11:00 CET`: a timestamp in the shop's time zone.
pub(crate) fn when(state: &AppState, at: Timestamp) -> String {
    super::locale::when(state, at)
}

/// The id in a path, or a 404 page that says nothing more.
pub(crate) fn parse_id(state: &AppState, staff: &StaffContext, id: &str, what: &str) -> Result<Uuid, Halt> {
    Uuid::parse_str(id).map_err(|_| not_found(state, staff, what))
}

/// `what` names the thing in the key `admin.not_found.<what>` ("There is no such order.").
pub(crate) fn not_found(state: &AppState, staff: &StaffContext, what: &str) -> Halt {
    let text = staff.t(state, &format!("admin.not_found.{what}"));
    Halt::from(message(state, StatusCode::NOT_FOUND, Some(staff), &staff.t(state, "admin.not_found.title"), &text))
}

/// How a payment stands, from the order's status (a key under `admin.payment.`).
fn payment_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::AwaitingPayment => "admin.payment.awaiting",
        OrderStatus::Authorised => "admin.payment.held",
        OrderStatus::Confirmed | OrderStatus::Fulfilled => "admin.payment.captured",
        OrderStatus::Cancelled => "admin.payment.released",
        OrderStatus::Refunded => "admin.payment.refunded",
    }
}

/// A state as staff read it, in their language.
pub(crate) fn status_label(state: &AppState, staff: &StaffContext, status: &str) -> String {
    staff.t(state, &format!("admin.status.{status}"))
}

#[derive(Deserialize, Default)]
pub struct OrderQuery {
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) currency: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub(crate) from: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub(crate) to: String,
    /// An order number, or the start of a customer's email.
    #[serde(default)]
    pub(crate) q: String,
    /// The cursor of the next page.
    #[serde(default)]
    pub(crate) after: String,
}

/// Orders, newest first, filtered by state, currency, dates and an order number or the start of
/// an email, a page at a time (keyset pagination: fast on the 100,000th order as on the first).
/// Names show to roles that may see a contact or an address; searching by email only to roles
/// that may see contacts. A search or a list showing names is written to the audit log.
pub async fn list(
    State(state): State<AppState>,
    staff: StaffContext,
    Query(mut query): Query<OrderQuery>,
) -> PageResult {
    // A search term may be an email: it travels in a posted form, never in the address bar.
    query.q.clear();
    list_orders(&state, &staff, &query).await
}

/// The same list, searched: the form posts the search (with the CSRF token).
pub async fn search(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<OrderQuery>) -> PageResult {
    list_orders(&state, &staff, &form).await
}

/// The list's filters from the form or the address bar, and what was wrong with them (keys).
/// Dates are the shop's local dates: "from 2026-12-04" starts at midnight in the shop.
pub(crate) fn order_filter(
    state: &AppState,
    staff: &StaffContext,
    query: &OrderQuery,
) -> (OrderFilter, Vec<&'static str>) {
    let shows_email = staff.allows(Permission::ViewCustomerContact);
    let mut problems: Vec<&'static str> = Vec::new();
    let status = match query.status.trim() {
        "" => None,
        text => OrderStatus::parse(text).or_else(|| {
            problems.push("admin.orders.bad_state");
            None
        }),
    };
    let currency = match query.currency.trim() {
        "" => None,
        text => Some(text.to_ascii_uppercase()).filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic())),
    };
    let day = |text: &str, problems: &mut Vec<&'static str>| match text.trim() {
        "" => None,
        text => super::locale::local_date(state, text).or_else(|| {
            if !problems.contains(&"admin.filter.bad_date") {
                problems.push("admin.filter.bad_date");
            }
            None
        }),
    };
    let placed_from = day(&query.from, &mut problems);
    let placed_before = day(&query.to, &mut problems).map(|t| state.settings().time_zone.days_after(t, 1));
    let search = match query.q.trim() {
        "" => None,
        text => match OrderSearch::parse(text) {
            Some(OrderSearch::EmailPrefix(_)) if !shows_email => {
                problems.push("admin.orders.number_only");
                None
            }
            Some(search) => Some(search),
            None => {
                problems.push("admin.orders.bad_search");
                None
            }
        },
    };
    (OrderFilter { status, currency, placed_from, placed_before, search }, problems)
}

async fn list_orders(state: &AppState, staff: &StaffContext, query: &OrderQuery) -> PageResult {
    staff.require(Permission::ViewOrders)?;
    let shows_names = staff.allows(Permission::ViewCustomerContact) || staff.allows(Permission::ViewShippingAddress);
    let shows_email = staff.allows(Permission::ViewCustomerContact);
    let (filter, problems) = order_filter(state, staff, query);
    let currency = filter.currency.clone();
    let search = filter.search.clone();
    let after = Cursor::decode(query.after.trim());
    if shows_names || search.is_some() {
        let what = if search.is_some() { "orders.search" } else { "orders.list" };
        staff.audit(state, what, "order", "*", None).await?;
    }
    let found = BackOffice::orders(state.db(), &filter, after, DEFAULT_PAGE_SIZE).await.map_err(|_| unavailable())?;
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|o| {
            json!({
                "id": o.id, "number": o.number, "status": o.status.as_str(),
                "status_label": status_label(state, staff, o.status.as_str()), "placed": when(state, o.placed_at),
                "total": amount(state, o.total_minor, &o.currency), "country": country_name(&staff.lang, &o.country),
                "name": shows_names.then(|| o.name.expose().clone()),
                "email": shows_email.then(|| o.email.expose().clone()),
            })
        })
        .collect();
    // The next page keeps the filters (posted again when there is a search term).
    let next = found.next.map(|cursor| {
        json!({
            "status": query.status.trim(), "currency": query.currency.trim(), "from": query.from.trim(),
            "to": query.to.trim(), "q": query.q.trim(), "after": cursor.encode(),
            "href": format!("/admin/orders?{}", serde_urlencoded::to_string([
                ("status", query.status.trim()), ("currency", query.currency.trim()), ("from", query.from.trim()),
                ("to", query.to.trim()), ("after", &cursor.encode()),
            ]).unwrap_or_default()),
        })
    });
    let currencies: Vec<String> = match state.catalog().await {
        Ok(catalog) => catalog.currencies.offered().iter().map(|o| o.currency.code().to_string()).collect(),
        Err(_) => Vec::new(),
    };
    let data = json!({
        "orders": rows,
        "next": next,
        "first_page": query.after.trim().is_empty(),
        "shows_names": shows_names,
        "shows_email": shows_email,
        "count": staff.count(state, "admin.orders.count", found.items.len() as i64),
        "can_export": staff.allows(Permission::ExportOrders),
        "zone": state.settings().time_zone.name(),
        "problems": problems.iter().map(|k| staff.t(state, k)).collect::<Vec<_>>(),
        "states": OrderStatus::ALL.iter().map(|s| json!({"id": s.as_str(), "label": status_label(state, staff, s.as_str())})).collect::<Vec<_>>(),
        "currencies": currencies,
        "filter": {"status": query.status.trim(), "currency": currency.unwrap_or_default(), "from": query.from.trim(),
                   "to": query.to.trim(), "q": query.q.trim()},
    });
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let title = staff.t(state, "admin.orders.title");
    Ok(super::render(state, status, Some(staff), "admin/orders.html", &title, "/admin/orders", data))
}

/// An order's page.
pub async fn detail(State(state): State<AppState>, staff: StaffContext, Path(id): Path<String>) -> PageResult {
    staff.require(Permission::ViewOrders)?;
    let id = parse_id(&state, &staff, &id, "order")?;
    let db = state.db();
    let order =
        Orders::by_id(db, id).await.map_err(|_| unavailable())?.ok_or_else(|| not_found(&state, &staff, "order"))?;
    staff.audit(&state, "order.view", "order", &id.to_string(), None).await?;
    let line_rows = Orders::lines(db, id).await.map_err(|_| unavailable())?;
    let alterations = super::sizing::order_block(&state, &staff, id, &line_rows).await?;
    let lines: Vec<Value> = line_rows
        .into_iter()
        .map(|l| {
            json!({
                "name": l.name, "variant": l.variant_label, "sku": l.sku, "quantity": l.quantity,
                "unit": amount(&state, l.unit_minor, &order.currency), "total": amount(&state, l.total_minor, &order.currency),
            })
        })
        .collect();
    let members = Staff::all(db).await.map_err(|_| unavailable())?;
    let events: Vec<Value> = Orders::events(db, id)
        .await
        .map_err(|_| unavailable())?
        .into_iter()
        .map(|e| {
            // Staff appear by username; the history itself keeps their id.
            let actor = match e.actor.strip_prefix("staff:") {
                Some(who) => members
                    .iter()
                    .find(|m| m.id.to_string() == who)
                    .map(|m| format!("staff: {}", m.username))
                    .unwrap_or_else(|| e.actor.clone()),
                None => e.actor.clone(),
            };
            json!({
                "at": when(&state, Timestamp(e.at)),
                "from": e.from_status.as_deref().map(|s| status_label(&state, &staff, s)),
                "to": status_label(&state, &staff, &e.to_status), "actor": actor, "reason": e.reason,
            })
        })
        .collect();
    let contact = staff
        .allows(Permission::ViewCustomerContact)
        .then(|| json!({"name": order.name.expose(), "email": order.email.expose(), "phone": order.phone.expose()}));
    let shipping = staff.allows(Permission::ViewShippingAddress).then(|| {
        json!({
            "line1": order.address_line1.expose(), "line2": order.address_line2.expose(),
            "city": order.city.expose(), "postcode": order.postcode.expose(), "country": country_name(&staff.lang, &order.country),
        })
    });
    let payment_ids = staff
        .allows(Permission::ViewPayments)
        .then(|| json!({"session": order.payment_session_id, "payment": order.payment_id}));
    let status = order.status;
    let can = json!({
        "capture": status == OrderStatus::Authorised && staff.allows(Permission::ManageOrders),
        "cancel": matches!(status, OrderStatus::AwaitingPayment | OrderStatus::Authorised) && staff.allows(Permission::ManageOrders),
        "fulfil": status == OrderStatus::Confirmed && staff.allows(Permission::FulfilOrders),
        "refund": matches!(status, OrderStatus::Confirmed | OrderStatus::Fulfilled) && staff.allows(Permission::RefundOrders),
    });
    let data = json!({
        "order": {
            "id": order.id, "number": order.number, "status": status.as_str(),
            "status_label": status_label(&state, &staff, status.as_str()), "placed": when(&state, order.created_at),
            "updated": when(&state, order.updated_at), "currency": order.currency, "country": country_name(&staff.lang, &order.country),
            "subtotal": amount(&state, order.subtotal_minor, &order.currency),
            "total": amount(&state, order.total_minor, &order.currency),
            "customer_id": if staff.allows(Permission::ViewCustomers) { order.customer_id } else { None },
            "payment_provider": order.payment_provider, "payment_status": staff.t(&state, payment_status(status)),
        },
        "lines": lines,
        "events": events,
        "contact": contact,
        "shipping": shipping,
        "payment_ids": payment_ids,
        "alterations": alterations,
        "can": can,
    });
    let title = staff.t_with(&state, "admin.order.title", &[("number", &order.number)]);
    Ok(page(&state, &staff, "admin/order.html", &title, "/admin/orders", data))
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    reason: String,
}

/// A move as the back office offers it: who may make it and whether it needs a reason.
struct MoveSpec {
    action: OrderMove,
    permission: Permission,
    reason_required: bool,
    /// Written to the order's history when no reason is given (where none is required): a key,
    /// read in the shop's default language, since the history is the house's record.
    default_reason: &'static str,
}

const CAPTURE: MoveSpec = MoveSpec {
    action: OrderMove::Capture,
    permission: Permission::ManageOrders,
    reason_required: false,
    default_reason: "admin.order.captured_note",
};
const CANCEL: MoveSpec = MoveSpec {
    action: OrderMove::Cancel,
    permission: Permission::ManageOrders,
    reason_required: true,
    default_reason: "",
};
const FULFIL: MoveSpec = MoveSpec {
    action: OrderMove::Fulfil,
    permission: Permission::FulfilOrders,
    reason_required: false,
    default_reason: "admin.order.fulfilled_note",
};
const REFUND: MoveSpec = MoveSpec {
    action: OrderMove::Refund,
    permission: Permission::RefundOrders,
    reason_required: true,
    default_reason: "",
};

async fn make_move(state: &AppState, staff: &StaffContext, id: &str, spec: MoveSpec, reason: &str) -> PageResult {
    staff.require(spec.permission)?;
    let id = parse_id(state, staff, id, "order")?;
    let reason = match valid_reason(reason) {
        Some(reason) => reason,
        None if spec.reason_required || !reason.trim().is_empty() => {
            return Err(Halt::from(message(
                state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(staff),
                &staff.t(state, "admin.order.reason_needed.title"),
                &staff.t(state, "admin.order.reason_needed.text"),
            )));
        }
        None if spec.default_reason.is_empty() => String::new(),
        None => state.translations().text(state.settings().default_lang(), spec.default_reason, &[]),
    };
    let audit_reason = spec.reason_required.then_some(reason.as_str());
    staff.audit(state, spec.action.audit_action(), "order", &id.to_string(), audit_reason).await?;
    match move_order(state, id, spec.action, Actor::Staff(staff.member.id.to_string()), &reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/orders/{id}")).into_response()),
        Err(error) => {
            let status = match &error {
                OrderMoveError::NotFound => StatusCode::NOT_FOUND,
                OrderMoveError::WrongStatus { .. } => StatusCode::CONFLICT,
                OrderMoveError::Provider(_) => StatusCode::BAD_GATEWAY,
                OrderMoveError::Db(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            let text = match &error {
                OrderMoveError::NotFound => staff.t(state, "admin.not_found.order"),
                OrderMoveError::WrongStatus { status, .. } => staff.t_with(
                    state,
                    "admin.order.wrong_status",
                    &[("status", &status_label(state, staff, status.as_str()))],
                ),
                OrderMoveError::Provider(_) => {
                    staff.t_with(state, "admin.order.provider_failed", &[("detail", &error.message())])
                }
                OrderMoveError::Db(_) => staff.t(state, "admin.unavailable"),
            };
            Err(Halt::from(message(state, status, Some(staff), &staff.t(state, "admin.not_done"), &text)))
        }
    }
}

pub async fn capture(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, CAPTURE, &form.reason).await
}

pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, CANCEL, &form.reason).await
}

pub async fn fulfil(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, FULFIL, &form.reason).await
}

pub async fn refund(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, REFUND, &form.reason).await
}
