//! What a headless front end or an ERP reads with the admin token: products (drafts and
//! retired pieces too), orders and customers, each a page at a time with an opaque cursor and
//! filters. Orders and customers hold personal data: every page read is written to the audit
//! log (actor `api-token`) before it is answered.

use axum::Json;
use axum::extract::{Query, State};
use luxevault_core::order::OrderStatus;
use luxevault_core::{Currency, Money, Timestamp};
use luxevault_storage::{BackOffice, Cursor, DEFAULT_PAGE_SIZE, OrderFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::admin::audit_api_call;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ClientAddr, Operator};
use crate::state::AppState;

fn cursor(text: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Cursor::decode(t)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("bad_cursor", "The cursor is not one this API gave out.")),
    }
}

fn day(text: Option<&str>, field: &str) -> Result<Option<Timestamp>, ApiError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Timestamp::from_date(t)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("bad_date", format!("{field} must be a date such as 2026-12-31."))),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Amount {
    pub currency: String,
    pub amount_minor: i64,
    /// Major units with the currency's decimals, e.g. `2450.00`, `398000` (JPY).
    pub amount: String,
}

fn amount(minor: i64, currency: &str) -> Amount {
    let decimal = Currency::from_code(currency).map(|c| Money::new(minor, c).to_major_string()).unwrap_or_default();
    Amount { currency: currency.to_string(), amount_minor: minor, amount: decimal }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// `awaiting_payment`, `authorised`, `confirmed`, `fulfilled`, `cancelled` or `refunded`.
    status: Option<String>,
    /// ISO 4217 code.
    currency: Option<String>,
    /// Placed on or after this day (UTC, YYYY-MM-DD).
    from: Option<String>,
    /// Placed before the end of this day (UTC, YYYY-MM-DD).
    to: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1 to 100; 50 when absent.
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderListItem {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub total: Amount,
    pub country: String,
    pub customer_id: Option<Uuid>,
    pub name: String,
    pub email: String,
    /// RFC 3339, UTC.
    pub placed_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderListItem>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Orders, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "staff", security(("admin_token" = [])), params(OrderListQuery),
    responses((status = 200, description = "A page of orders", body = OrderList), (status = 400, description = "A bad filter or cursor", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody)))]
pub async fn orders(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Query(query): Query<OrderListQuery>,
) -> Result<Json<OrderList>, ApiError> {
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(OrderStatus::parse(s).ok_or_else(|| ApiError::bad_request("bad_status", "Unknown order status."))?)
        }
    };
    let currency = match query.currency.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            Currency::from_code(c)
                .map_err(|_| ApiError::bad_request("bad_currency", "currency must be an ISO 4217 code."))?
                .to_string(),
        ),
    };
    let filter = OrderFilter {
        status,
        currency,
        placed_from: day(query.from.as_deref(), "from")?,
        placed_before: day(query.to.as_deref(), "to")?.map(|d| d.plus_days(1)),
        search: None,
    };
    let after = cursor(query.cursor.as_deref())?;
    audit_api_call(&state, client, "orders.list", "orders", "", None).await?;
    let page = BackOffice::orders(state.db(), &filter, after, query.limit.unwrap_or(DEFAULT_PAGE_SIZE)).await?;
    let orders = page
        .items
        .into_iter()
        .map(|o| OrderListItem {
            id: o.id,
            number: o.number,
            status: o.status.as_str().to_string(),
            total: amount(o.total_minor, &o.currency),
            country: o.country,
            customer_id: o.customer_id,
            name: o.name.expose().clone(),
            email: o.email.expose().clone(),
            placed_at: o.placed_at.to_rfc3339(),
        })
        .collect();
    Ok(Json(OrderList { orders, next_cursor: page.next.map(|c| c.encode()) }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// The start of an email address or username.
    q: Option<String>,
    cursor: Option<String>,
    /// 1 to 100; 50 when absent.
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerListItem {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub lang: String,
    pub created_at: String,
    pub last_active_at: String,
    pub order_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerList {
    pub customers: Vec<CustomerListItem>,
    pub next_cursor: Option<String>,
}

/// Customer accounts, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/admin/customers", tag = "staff", security(("admin_token" = [])), params(CustomerListQuery),
    responses((status = 200, description = "A page of customers", body = CustomerList), (status = 400, description = "A bad cursor", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody)))]
pub async fn customers(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Query(query): Query<CustomerListQuery>,
) -> Result<Json<CustomerList>, ApiError> {
    let after = cursor(query.cursor.as_deref())?;
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    if search.as_ref().is_some_and(|q| q.chars().count() > 254) {
        return Err(ApiError::bad_request("bad_search", "q is longer than an email address can be."));
    }
    audit_api_call(&state, client, "customers.list", "customers", "", None).await?;
    let page =
        BackOffice::customers(state.db(), search.as_deref(), after, query.limit.unwrap_or(DEFAULT_PAGE_SIZE)).await?;
    let customers = page
        .items
        .into_iter()
        .map(|c| CustomerListItem {
            id: c.id,
            username: c.username.expose().clone(),
            email: c.email.expose().clone(),
            lang: c.lang,
            created_at: c.created_at.to_rfc3339(),
            last_active_at: c.last_active_at.to_rfc3339(),
            order_count: c.order_count,
        })
        .collect();
    Ok(Json(CustomerList { customers, next_cursor: page.next.map(|c| c.encode()) }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListQuery {
    /// `published`, `scheduled`, `draft` or `retired`; every product when absent.
    status: Option<String>,
    /// The handle after which the page starts (`next_cursor` of the previous page).
    cursor: Option<String>,
    /// 1 to 100; 50 when absent.
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminVariant {
    pub sku: String,
    pub size: Option<String>,
    pub colour: Option<String>,
    pub material: Option<String>,
    pub barcode: String,
    pub weight_grams: i64,
    pub hs_code: String,
    pub origin_country: String,
    pub stock: i64,
    pub retired: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AdminProduct {
    pub handle: String,
    /// `published`, `scheduled`, `draft` or `retired`.
    pub status: String,
    pub published_at: Option<String>,
    pub tax_class: String,
    pub prices: Vec<Amount>,
    pub variants: Vec<AdminVariant>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminProductList {
    pub products: Vec<AdminProduct>,
    pub next_cursor: Option<String>,
}

/// Every product with its variants, stock and customs facts, drafts and retired pieces too,
/// by handle.
#[utoipa::path(get, path = "/api/v1/admin/products", tag = "staff", security(("admin_token" = [])), params(ProductListQuery),
    responses((status = 200, description = "A page of products", body = AdminProductList), (status = 400, description = "A bad filter", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody)))]
pub async fn products(
    State(state): State<AppState>,
    _: Operator,
    Query(query): Query<ProductListQuery>,
) -> Result<Json<AdminProductList>, ApiError> {
    let wanted = query.status.as_deref().filter(|s| !s.is_empty());
    if wanted.is_some_and(|s| !["published", "scheduled", "draft", "retired"].contains(&s)) {
        return Err(ApiError::bad_request("bad_status", "status is published, scheduled, draft or retired."));
    }
    let catalog = match state.catalog().await {
        Err(luxevault_storage::DbError::NotOpen) => {
            return Ok(Json(AdminProductList { products: Vec::new(), next_cursor: None }));
        }
        other => other?,
    };
    let now = state.clock().now();
    let limit = usize::try_from(query.limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, 100)).unwrap_or(50);
    let after = query.cursor.unwrap_or_default();
    let status_of = |p: &luxevault_core::catalog::snapshot::Product| {
        if p.availability == luxevault_core::catalog::Availability::Retired {
            "retired"
        } else {
            match p.published_at {
                None => "draft",
                Some(at) if at > now => "scheduled",
                Some(_) => "published",
            }
        }
    };
    let mut chosen: Vec<_> = catalog
        .products
        .iter()
        .filter(|p| p.slug.as_str() > after.as_str())
        .filter(|p| wanted.is_none_or(|w| w == status_of(p)))
        .collect();
    chosen.sort_by(|a, b| a.slug.cmp(&b.slug));
    let more = chosen.len() > limit;
    chosen.truncate(limit);
    let next_cursor = if more { chosen.last().map(|p| p.slug.clone()) } else { None };
    let products = chosen
        .into_iter()
        .map(|p| AdminProduct {
            handle: p.slug.clone(),
            status: status_of(p).to_string(),
            published_at: p.published_at.map(|t| t.to_rfc3339()),
            tax_class: p.tax_class.clone(),
            prices: p.prices.iter().map(|m| amount(m.minor(), m.currency().code())).collect(),
            variants: p
                .variants
                .iter()
                .map(|v| AdminVariant {
                    sku: v.sku.clone(),
                    size: v.size.clone(),
                    colour: v.colour.clone(),
                    material: v.material.clone(),
                    barcode: v.barcode.clone(),
                    weight_grams: v.weight_grams,
                    hs_code: v.hs_code.clone(),
                    origin_country: v.origin_country.clone(),
                    stock: v.stock,
                    retired: v.availability == luxevault_core::catalog::Availability::Retired,
                })
                .collect(),
        })
        .collect();
    Ok(Json(AdminProductList { products, next_cursor }))
}
