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
use luxevault_shop::idempotency::{self, Claim};
use luxevault_shop::orders::moves::{OrderMove, OrderMoveError, move_order, refund_order, valid_reason};
use luxevault_storage::Refunds;

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

/// How a payment stands, from the order's status and what was refunded of it (a key under
/// `admin.payment.`).
fn payment_status(status: OrderStatus, refunded_minor: i64) -> &'static str {
    match status {
        OrderStatus::AwaitingPayment => "admin.payment.awaiting",
        OrderStatus::Authorised => "admin.payment.held",
        OrderStatus::Confirmed | OrderStatus::Fulfilled if refunded_minor > 0 => "admin.payment.partly_refunded",
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
    let shows_reasons = shows_history_reasons(&staff);
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
                "to": status_label(&state, &staff, &e.to_status), "actor": actor,
                "reason": shows_reasons.then_some(e.reason),
            })
        })
        .collect();
    let (contact, shipping) = parcel_and_contact(&staff, &order);
    let correction = correction_form(&staff, &order);
    let payment_ids = staff
        .allows(Permission::ViewPayments)
        .then(|| json!({"session": order.payment_session_id, "payment": order.payment_id}));
    let member_name = |actor: &str| match actor.strip_prefix("staff:") {
        Some(who) => members
            .iter()
            .find(|m| m.id.to_string() == who)
            .map(|m| format!("staff: {}", m.username))
            .unwrap_or_else(|| actor.to_string()),
        None => actor.to_string(),
    };
    let refunds: Vec<Value> = Refunds::for_order(db, id)
        .await
        .map_err(|_| unavailable())?
        .into_iter()
        .map(|r| {
            json!({
                "at": when(&state, Timestamp(r.created_at)), "amount": amount(&state, r.amount_minor, &order.currency),
                "state": staff.t(&state, &format!("admin.order.refund.state.{}", r.state)),
                "by": member_name(&r.actor), "reason": r.reason,
            })
        })
        .collect();
    let refund_currency = Currency::from_code(&order.currency).ok();
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
            "payment_provider": order.payment_provider,
            "payment_status": staff.t(&state, payment_status(status, order.refunded_minor)),
            "refunded": (order.refunded_minor > 0).then(|| amount(&state, order.refunded_minor, &order.currency)),
            "refundable": amount(&state, order.refundable_minor(), &order.currency),
            "refundable_decimal": refund_currency.map(|c| Money::new(order.refundable_minor(), c).to_major_string()),
        },
        "refunds": refunds,
        // One-time keys for the move forms: a double submit or a resent form is answered once.
        "once": {"capture": once_token(), "cancel": once_token(), "fulfil": once_token(), "refund": once_token()},
        "lines": lines,
        "events": events,
        "contact": contact,
        "shipping": shipping,
        "payment_ids": payment_ids,
        "alterations": alterations,
        "can": can,
        "correction": correction,
        "shows_reasons": shows_reasons,
    });
    let title = staff.t_with(&state, "admin.order.title", &[("number", &order.number)]);
    Ok(page(&state, &staff, "admin/order.html", &title, "/admin/orders", data))
}

/// The history's reasons are staff's free text, which may name people beyond the parcel (who
/// called, why a refund): they show to roles that see the contact or the payments, never to
/// fulfilment, which sees the moves and when (M5).
fn shows_history_reasons(staff: &StaffContext) -> bool {
    staff.allows(Permission::ViewCustomerContact) || staff.allows(Permission::ViewPayments)
}

/// What of the person the order page shows. The contact (name, email, phone) to roles that may
/// see it; the parcel's recipient — the name and phone a carrier's label needs, and the address —
/// to roles that see the shipping address (fulfilment among them, M5), never the email.
fn parcel_and_contact(staff: &StaffContext, order: &luxevault_storage::OrderRow) -> (Option<Value>, Option<Value>) {
    let contact = staff
        .allows(Permission::ViewCustomerContact)
        .then(|| json!({"name": order.name.expose(), "email": order.email.expose(), "phone": order.phone.expose()}));
    let shipping = staff.allows(Permission::ViewShippingAddress).then(|| {
        json!({
            "recipient": order.name.expose(), "phone": order.phone.expose(),
            "line1": order.address_line1.expose(), "line2": order.address_line2.expose(),
            "city": order.city.expose(), "postcode": order.postcode.expose(), "country": country_name(&staff.lang, &order.country),
        })
    });
    (contact, shipping)
}

/// Who may correct an order's contact: roles that see it and may correct it (Art. 16).
fn may_correct(staff: &StaffContext) -> bool {
    staff.allows(Permission::ViewCustomerContact) && staff.allows(Permission::CorrectCustomerData)
}

/// The rectification form's first values, for roles that may correct (none on an erased order).
fn correction_form(staff: &StaffContext, order: &luxevault_storage::OrderRow) -> Option<Value> {
    if !may_correct(staff) || order.email.expose().is_empty() {
        return None;
    }
    Some(json!({
        "name": order.name.expose(), "email": order.email.expose(), "phone": order.phone.expose(),
        "line1": order.address_line1.expose(), "line2": order.address_line2.expose(),
        "city": order.city.expose(), "postcode": order.postcode.expose(),
        "address": luxevault_shop::orders::contact::address_correctable(order.status),
    }))
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    reason: String,
}

/// Corrects the order's contact (and its address before the parcel leaves), through the use
/// case the admin API calls: checked as at checkout, audited, the recipients told (Art. 19).
/// The address fields are absent from the form once the parcel has left: the order's own stay.
pub async fn correct_contact(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<ContactForm>,
) -> PageResult {
    use luxevault_core::Pii;
    use luxevault_shop::orders::contact::{ContactCorrection, Corrector, correct_order_contact};
    staff.require(Permission::ViewCustomerContact)?;
    staff.require(Permission::CorrectCustomerData)?;
    let id = parse_id(&state, &staff, &id, "order")?;
    let order = Orders::by_id(state.db(), id)
        .await
        .map_err(|_| unavailable())?
        .ok_or_else(|| not_found(&state, &staff, "order"))?;
    let mut correction = ContactCorrection::of(&order);
    correction.name = Pii::new(form.name);
    correction.email = Pii::new(form.email);
    correction.phone = Pii::new(form.phone);
    if luxevault_shop::orders::contact::address_correctable(order.status) {
        correction.address_line1 = Pii::new(form.line1);
        correction.address_line2 = Pii::new(form.line2);
        correction.city = Pii::new(form.city);
        correction.postcode = Pii::new(form.postcode);
    }
    let actor = staff.actor();
    let who = Corrector { actor: &actor, client: &staff.client };
    match correct_order_contact(&state, id, &correction, &form.channel, &form.reason, &who).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/orders/{id}")).into_response()),
        Err(error) => {
            let error = crate::error::ApiError::from(error);
            Err(Halt::from(message(
                &state,
                error.status,
                Some(&staff),
                &staff.t(&state, "admin.not_done"),
                &error.message,
            )))
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    reason: String,
    /// A refund's amount in the order's currency, as staff type it; all that remains when empty.
    #[serde(default)]
    amount: String,
    /// The form's one-time key, rendered with the page (the move's idempotency key).
    #[serde(default)]
    once: String,
}

/// A fresh one-time key for a move form.
fn once_token() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Where the back office keeps its move answers under their one-time keys: one scope per
/// member, so a key is only ever theirs.
fn once_scope(staff: &StaffContext) -> String {
    format!("backoffice.order_moves:{}", staff.member.id)
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

async fn make_move(state: &AppState, staff: &StaffContext, id: &str, spec: MoveSpec, form: &MoveForm) -> PageResult {
    staff.require(spec.permission)?;
    let id = parse_id(state, staff, id, "order")?;
    let reason = match valid_reason(&form.reason) {
        Some(reason) => reason,
        None if spec.reason_required || !form.reason.trim().is_empty() => {
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
    let amount = form.amount.trim();
    let amount = (spec.action == OrderMove::Refund && !amount.is_empty()).then_some(amount);
    // A form sent twice (a double click, a resend after a lost answer) is answered once.
    let key = form.once.trim();
    let key =
        (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let key = key.then(|| form.once.trim().to_string());
    let scope = once_scope(staff);
    if let Some(key) = &key {
        let digest =
            idempotency::request_digest(&[spec.action.audit_action(), &id.to_string(), &reason, amount.unwrap_or("")]);
        let said = |text_key: &str| {
            Err(Halt::from(message(
                state,
                StatusCode::CONFLICT,
                Some(staff),
                &staff.t(state, "admin.not_done"),
                &staff.t(state, text_key),
            )))
        };
        match idempotency::claim(state, &scope, key, &digest).await.map_err(|_| unavailable())? {
            Claim::Fresh => {}
            Claim::Replay { status, body } => return replayed(state, staff, id, status, &body),
            Claim::Mismatch => return said("admin.order.once.other"),
            Claim::InFlight => return said("admin.order.once.in_flight"),
        }
    }
    let outcome = run_move(state, staff, id, &spec, &reason, amount).await;
    if let Some(key) = &key {
        // A move made is kept, so the form's second sending lands on the order; a refusal
        // changed nothing and is not kept, so the member may go back, correct the form and
        // send it again.
        let kept = match &outcome {
            Ok(()) => idempotency::finish(state, &scope, key, StatusCode::SEE_OTHER.as_u16(), "").await,
            Err(_) => idempotency::forget(state, &scope, key).await,
        };
        if kept.is_err() {
            tracing::warn!(order = %id, "could not keep the answer of a back-office move");
        }
    }
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/admin/orders/{id}")).into_response()),
        Err((status, text)) => Err(not_done(state, staff, status, &text)),
    }
}

fn not_done(state: &AppState, staff: &StaffContext, status: StatusCode, text: &str) -> Halt {
    Halt::from(message(state, status, Some(staff), &staff.t(state, "admin.not_done"), text))
}

/// The answer a form's first sending got, again: back to the order (or, from a stored refusal,
/// the same sentence).
fn replayed(state: &AppState, staff: &StaffContext, id: Uuid, status: i32, text: &str) -> PageResult {
    let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    if status.is_redirection() {
        return Ok(Redirect::to(&format!("/admin/orders/{id}")).into_response());
    }
    Err(not_done(state, staff, status, text))
}

/// Makes the move; on failure, the status and the sentence for staff (in their language).
async fn run_move(
    state: &AppState,
    staff: &StaffContext,
    id: Uuid,
    spec: &MoveSpec,
    reason: &str,
    typed: Option<&str>,
) -> Result<(), (StatusCode, String)> {
    // A refund's amount, typed in the order's currency (`1250.00`, `1 250,00`).
    let minor = match typed {
        None => None,
        Some(text) => {
            let order = Orders::by_id(state.db(), id)
                .await
                .map_err(|_| (StatusCode::SERVICE_UNAVAILABLE, staff.t(state, "admin.unavailable")))?
                .ok_or_else(|| (StatusCode::NOT_FOUND, staff.t(state, "admin.not_found.order")))?;
            let parsed = Currency::from_code(&order.currency)
                .ok()
                .and_then(|currency| super::locale::parse_amount(text, currency).ok());
            match parsed {
                Some(money) => Some(money.minor()),
                None => {
                    let text = staff.t_with(state, "admin.order.refund.bad_amount", &[("currency", &order.currency)]);
                    return Err((StatusCode::UNPROCESSABLE_ENTITY, text));
                }
            }
        }
    };
    let audit_reason = spec.reason_required.then_some(reason);
    staff
        .audit(state, spec.action.audit_action(), "order", &id.to_string(), audit_reason)
        .await
        .map_err(|_| (StatusCode::SERVICE_UNAVAILABLE, staff.t(state, "admin.unavailable")))?;
    let actor = Actor::Staff(staff.member.id.to_string());
    let moved = match (spec.action, minor) {
        (OrderMove::Refund, Some(minor)) => refund_order(state, id, Some(minor), actor, reason).await,
        _ => move_order(state, id, spec.action, actor, reason).await,
    };
    let error = match moved {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    let status = match &error {
        OrderMoveError::NotFound => StatusCode::NOT_FOUND,
        OrderMoveError::WrongStatus { .. } => StatusCode::CONFLICT,
        OrderMoveError::Amount { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        OrderMoveError::Provider(_) => StatusCode::BAD_GATEWAY,
        OrderMoveError::Db(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    let text = match &error {
        OrderMoveError::NotFound => staff.t(state, "admin.not_found.order"),
        OrderMoveError::WrongStatus { status, .. } => {
            staff.t_with(state, "admin.order.wrong_status", &[("status", &status_label(state, staff, status.as_str()))])
        }
        OrderMoveError::Amount { refundable, currency } => {
            staff.t_with(state, "admin.order.refund.too_much", &[("refundable", &amount(state, *refundable, currency))])
        }
        OrderMoveError::Provider(_) => {
            staff.t_with(state, "admin.order.provider_failed", &[("detail", &error.message())])
        }
        OrderMoveError::Db(_) => staff.t(state, "admin.unavailable"),
    };
    Err((status, text))
}

pub async fn capture(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, CAPTURE, &form).await
}

pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, CANCEL, &form).await
}

pub async fn fulfil(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, FULFIL, &form).await
}

pub async fn refund(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    make_move(&state, &staff, &id, REFUND, &form).await
}
