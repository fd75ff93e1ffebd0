//! Orders over the JSON API: checkout (`POST /api/v1/orders`) and the customer's order history.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use luxevault_core::Lang;
use luxevault_core::checkout::ContactInput;
use luxevault_storage::Orders;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::catalog::QuoteLineRequest;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::{ClientAddr, MaybeSignedIn, SignedIn};
use crate::state::AppState;
use luxevault_shop::orders::view::{OrderView, order_for_viewer, order_view};
use luxevault_shop::orders::{self as shop, PlaceError, PlaceOrder};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    #[serde(default)]
    pub lang: Option<String>,
    pub currency: String,
    pub lines: Vec<QuoteLineRequest>,
    /// Exactly the order data of the privacy policy: name, email, phone, address_line1,
    /// address_line2 (optional), city, postcode, country (ISO 3166-1 alpha-2).
    #[schema(value_type = Object)]
    pub contact: ContactInput,
    /// The delivery chosen among the cart quote's `delivery.options` (its `code`); the first
    /// offered when absent.
    #[serde(default)]
    pub delivery: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlacedOrder {
    pub id: Uuid,
    pub number: String,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentStart {
    /// `demo` or `stripe`.
    pub provider: String,
    /// True for the demo provider and Stripe test keys: no money moves.
    pub test_mode: bool,
    /// Where to send the customer to pay.
    pub redirect_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlaceOrderResponse {
    pub order: PlacedOrder,
    pub payment: PaymentStart,
}

/// The `Idempotency-Key` of a request that may carry one (staff's moves): `None` without the
/// header, the same checks as an order's placement with it.
pub(super) fn optional_idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(_) => idempotency_key(headers).map(Some),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().trim();
    let ok =
        (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(key.to_string())
    } else {
        Err(ApiError::bad_request(
            "idempotency_key_required",
            "Send an Idempotency-Key header of 16 to 128 letters, digits, '-' or '_', the same for every retry.",
        ))
    }
}

fn with_details(error: ApiError, details: Value) -> ApiError {
    ApiError { details: Some(details), ..error }
}

/// Places an order and opens its payment. Send the same `Idempotency-Key` for retries and
/// double clicks: they return the one order (200) instead of a second (201).
#[utoipa::path(post, path = "/api/v1/orders", request_body = PlaceOrderRequest, tag = "orders", security((), ("session_token" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per checkout attempt; the same for its retries.")),
    responses((status = 201, body = PlaceOrderResponse), (status = 200, description = "A repeat of the same request", body = PlaceOrderResponse),
        (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn place_order(
    State(state): State<AppState>,
    MaybeSignedIn(customer): MaybeSignedIn,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PlaceOrderRequest>,
) -> Result<(StatusCode, Json<PlaceOrderResponse>), ApiError> {
    let key = idempotency_key(&headers)?;
    let lang = request
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .filter(|l| state.settings().langs.contains(l))
        .unwrap_or_else(|| state.settings().default_lang().clone());
    let contact = request.contact.validate().map_err(|fields| {
        with_details(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields", "Some details need attention."),
            json!({"fields": fields}),
        )
    })?;
    let message_lang = lang.clone();
    let place = PlaceOrder {
        lang,
        currency: &request.currency,
        lines: request.lines.into_iter().map(|l| (l.sku, l.quantity)).collect(),
        contact,
        customer: customer.map(|c| c.id),
        idempotency_key: &key,
        delivery: request.delivery.as_deref(),
    };
    let placed = shop::place_order(&state, place).await.map_err(|error| match error {
        PlaceError::UnsupportedCurrency => {
            ApiError::bad_request("unsupported_currency", "This currency is not offered.")
        }
        PlaceError::EmptyCart => ApiError::bad_request("empty_cart", "The bag is empty."),
        PlaceError::CartChanged(skus) => with_details(
            ApiError::new(
                StatusCode::CONFLICT,
                "cart_changed",
                "Some pieces in your bag have changed. Please review your bag.",
            ),
            json!({"skus": skus}),
        ),
        PlaceError::OutOfStock(skus) => with_details(
            ApiError::new(StatusCode::CONFLICT, "out_of_stock", "Some pieces were just taken. Please review your bag."),
            json!({"skus": skus}),
        ),
        PlaceError::KeyReused => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "This checkout was already used for another order. Reload the page to start again.",
        ),
        PlaceError::PaymentUnavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "payment_unavailable",
            "Payment cannot be opened just now. Nothing was charged; please try again in a moment.",
        ),
        PlaceError::Delivery(problem) => ApiError::new(
            StatusCode::CONFLICT,
            problem.message_key().trim_start_matches("delivery."),
            state.translations().text(&message_lang, problem.message_key(), &[]),
        ),
        PlaceError::Db(db) => db.into(),
    })?;
    let status = if placed.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        Json(PlaceOrderResponse {
            order: PlacedOrder {
                id: placed.order.id,
                number: placed.order.number,
                status: placed.order.status.as_str().into(),
            },
            payment: PaymentStart {
                provider: state.payments().name().into(),
                test_mode: state.payments().is_test(),
                redirect_url: placed.redirect_url,
            },
        }),
    ))
}

/// The signed-in customer's orders, newest first.
#[utoipa::path(get, path = "/api/v1/account/orders", tag = "orders", security(("session_token" = [])), params(("lang" = Option<String>, Query, description = "Language of labels and amounts")),
    responses((status = 200, description = "{orders: [order]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn my_orders(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    Query(query): Query<LangQuery>,
) -> Result<Json<Value>, ApiError> {
    let lang = query.lang.as_deref().and_then(Lang::parse).filter(|l| state.settings().langs.contains(l));
    let mut orders = Vec::new();
    for order in Orders::for_customer(state.db(), customer.id, 100).await? {
        orders.push(order_view(&state, &order, lang.as_ref()).await?);
    }
    Ok(Json(json!({"orders": orders})))
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The header that carries an order link's key (`orders::link`): never the query string, which
/// servers, proxies and browsers write down.
pub const ORDER_KEY_HEADER: &str = "x-order-key";

/// One order, for its owner (session token) or whoever holds a current key of its emailed link
/// (the `#key=` of the link, sent in the `X-Order-Key` header). A genuine key older than 30 days
/// is answered `400 link_expired`: ask for a fresh link.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security((), ("session_token" = []), ("order_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The order"), (status = 400, description = "The link's key has expired (`link_expired`)", body = crate::error::ErrorBody),
        (status = 404, description = "No order matches (or it is not yours to see)", body = crate::error::ErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    MaybeSignedIn(customer): MaybeSignedIn,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Json<OrderView>, ApiError> {
    let key = headers.get(ORDER_KEY_HEADER).and_then(|v| v.to_str().ok());
    Ok(Json(order_for_viewer(&state, id, customer.map(|c| c.id), key).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreshLinkRequest {
    /// The address the order was placed with.
    #[schema(value_type = String)]
    pub email: luxevault_core::Pii<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FreshLinkAnswer {
    pub message: String,
}

/// Mails a fresh 30-day link to the order's own address when `email` is that address. The
/// answer is the same whether or not the order exists and the address matches.
#[utoipa::path(post, path = "/api/v1/orders/{id}/link", tag = "orders", params(("id" = Uuid, Path)), request_body = FreshLinkRequest,
    responses((status = 202, body = FreshLinkAnswer), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn fresh_link(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<FreshLinkRequest>,
) -> Result<(StatusCode, Json<FreshLinkAnswer>), ApiError> {
    luxevault_shop::orders::link::send_fresh_link(&state, id, request.email.expose(), client).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(FreshLinkAnswer {
            message: "If this is the address the order was placed with, a fresh link to it is on its way.".into(),
        }),
    ))
}
