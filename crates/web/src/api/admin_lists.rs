//! What a headless front end or an ERP reads with the admin token: products (drafts and
//! retired pieces too), orders and customers, each a page at a time with an opaque cursor and
//! filters. Orders and customers hold personal data: every page read is written to the audit
//! log (actor `api-token`) before it is answered. Writes (create a product, publish it, set a
//! variant's stock) go through the same catalog use cases as the back office.

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
    /// What was refunded of the total so far (partial refunds included).
    pub refunded: Amount,
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
            refunded: amount(o.refunded_minor, &o.currency),
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
        if p.availability == luxevault_core::catalog::Availability::Retired { "retired" } else { p.publication(now) }
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

// ---- writes: what an ERP pushes into the catalog ------------------------------------------

use luxevault_shop::catalog::admin::{self as catalog_admin, ProductInput, Publication, TextInput, VariantInput};
use luxevault_shop::staff::members::Actor;

use crate::error::{ApiJson, ApiPath};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductText {
    /// A language the shop offers, e.g. `en`.
    pub lang: String,
    pub name: String,
    #[serde(default)]
    pub subtitle: String,
    /// Markdown; a blank line separates paragraphs.
    #[serde(default)]
    pub description: String,
    /// One detail per line.
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub seo_title: String,
    #[serde(default)]
    pub seo_description: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductVariant {
    pub sku: String,
    #[serde(default)]
    pub size: String,
    /// A colour code of the shop's palette.
    #[serde(default)]
    pub colour: String,
    #[serde(default)]
    pub material: String,
    #[serde(default)]
    pub barcode: String,
    #[serde(default)]
    pub weight_grams: i64,
    #[serde(default)]
    pub hs_code: String,
    #[serde(default)]
    pub origin_country: String,
    #[serde(default)]
    pub stock: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub handle: String,
    /// In the base currency, major units: `1250` or `1250.00`.
    pub price: String,
    /// `standard` when absent.
    #[serde(default)]
    pub tax_class: Option<String>,
    pub texts: Vec<NewProductText>,
    pub variants: Vec<NewProductVariant>,
    /// Collection handles.
    #[serde(default)]
    pub collections: Vec<String>,
    /// Publish at once; otherwise the product is a draft.
    #[serde(default)]
    pub publish: bool,
}

#[derive(Serialize, ToSchema)]
pub struct WrittenProduct {
    pub handle: String,
    pub status: String,
}

fn api_actor(client: Option<std::net::IpAddr>) -> String {
    client.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into())
}

/// Creates a product with its variants (a draft unless `publish`).
#[utoipa::path(post, path = "/api/v1/admin/products", tag = "staff", security(("admin_token" = [])), request_body = NewProduct,
    responses((status = 201, description = "Created", body = WrittenProduct), (status = 400, description = "A malformed body", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody), (status = 422, description = "A value the catalog refuses, said in a sentence", body = ErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<NewProduct>,
) -> Result<(axum::http::StatusCode, Json<WrittenProduct>), ApiError> {
    let catalog = state.catalog().await?;
    let base = catalog.currencies.base();
    let price = Money::parse_major(body.price.trim(), base)
        .map_err(|_| ApiError::bad_request("bad_price", format!("price must be an amount in {base}, e.g. 1250.00.")))?;
    let input = ProductInput {
        handle: body.handle,
        texts: body
            .texts
            .into_iter()
            .map(|t| TextInput {
                lang: t.lang,
                name: t.name,
                subtitle: t.subtitle,
                description: t.description,
                details: t.details,
                seo_title: t.seo_title,
                seo_description: t.seo_description,
            })
            .collect(),
        price,
        tax_class: body.tax_class.unwrap_or_else(|| luxevault_core::tax::STANDARD.to_string()),
        variants: body
            .variants
            .into_iter()
            .map(|v| VariantInput {
                sku: v.sku,
                size: v.size,
                colour: v.colour,
                material: v.material,
                barcode: v.barcode,
                weight_grams: v.weight_grams,
                hs_code: v.hs_code,
                origin_country: v.origin_country,
                stock: v.stock,
            })
            .collect(),
        collections: body.collections,
    };
    let client = api_actor(client);
    let by = Actor { actor: crate::api::admin::API_AUDIT_ACTOR, client: &client };
    let handle = catalog_admin::create_product(&state, by, &input).await?;
    if body.publish {
        let by = Actor { actor: crate::api::admin::API_AUDIT_ACTOR, client: &client };
        catalog_admin::set_publication(&state, by, &handle, Publication::Now).await?;
    }
    let status = if body.publish { "published" } else { "draft" }.to_string();
    Ok((axum::http::StatusCode::CREATED, Json(WrittenProduct { handle, status })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationChange {
    /// `now`, `draft`, or an RFC 3339 time to schedule it.
    pub publish: String,
}

/// Publishes a product now, schedules it, or makes it a draft again.
#[utoipa::path(post, path = "/api/v1/admin/products/{slug}/publication", tag = "staff", security(("admin_token" = [])),
    params(("slug" = String, Path)), request_body = PublicationChange,
    responses((status = 200, description = "Done", body = WrittenProduct), (status = 400, description = "Not now, draft or a time", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody), (status = 404, description = "No such product", body = ErrorBody)))]
pub async fn set_publication(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(handle): ApiPath<String>,
    ApiJson(body): ApiJson<PublicationChange>,
) -> Result<Json<WrittenProduct>, ApiError> {
    let (publication, status) = match body.publish.trim() {
        "now" => (Publication::Now, "published"),
        "draft" => (Publication::Draft, "draft"),
        time => {
            let at = luxevault_core::local_time::parse_instant(time).ok_or_else(|| {
                ApiError::bad_request(
                    "bad_publication",
                    "publish is now, draft or an RFC 3339 time such as 2027-01-15T09:00:00+01:00.",
                )
            })?;
            let status = if at > state.clock().now() { "scheduled" } else { "published" };
            (Publication::At(at), status)
        }
    };
    let client = api_actor(client);
    let by = Actor { actor: crate::api::admin::API_AUDIT_ACTOR, client: &client };
    catalog_admin::set_publication(&state, by, &handle, publication).await?;
    Ok(Json(WrittenProduct { handle, status: status.to_string() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    pub stock: i64,
    /// Take the variant off sale (or back on it).
    #[serde(default)]
    pub retired: bool,
}

/// Sets a variant's stock, as an ERP or a till counts it.
#[utoipa::path(put, path = "/api/v1/admin/products/{slug}/variants/{sku}/stock", tag = "staff", security(("admin_token" = [])),
    params(("slug" = String, Path), ("sku" = String, Path)), request_body = StockChange,
    responses((status = 204, description = "Set"), (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No such variant", body = ErrorBody), (status = 422, description = "A stock out of bounds", body = ErrorBody)))]
pub async fn set_stock(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath((handle, sku)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<StockChange>,
) -> Result<axum::http::StatusCode, ApiError> {
    let client = api_actor(client);
    let by = Actor { actor: crate::api::admin::API_AUDIT_ACTOR, client: &client };
    let availability = if body.retired {
        luxevault_core::catalog::Availability::Retired
    } else {
        luxevault_core::catalog::Availability::Active
    };
    catalog_admin::set_variant_stock(&state, by, &handle, &sku, body.stock, availability).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
