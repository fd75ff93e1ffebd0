//! Staff operations on orders, over the JSON API with the operator's admin token
//! (`Authorization: Bearer <admin_token>`), until the back office brings staff accounts and
//! roles: capture a held order, cancel, refund, mark fulfilled. Every move is recorded with its
//! reason in the order's history. A move sent with an `Idempotency-Key` header is answered
//! once: a retry with the same key gets the first answer back (and makes no second move).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luxevault_core::order::Actor;
use luxevault_core::{Currency, Money};
use luxevault_integrations::payments::PaymentError;
use luxevault_shop::idempotency::{self, Claim};
use luxevault_shop::orders::moves::{OrderMove, OrderMoveError, move_order, refund_order, valid_reason};
use luxevault_shop::staff::audit_trail::{self, AuditEvent};
use luxevault_storage::Orders;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::ClientAddr;
pub use crate::extract::Operator;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffAction {
    /// Why, for the order's history (no personal data).
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundAction {
    /// Why, for the order's history (no personal data).
    pub reason: String,
    /// How much to refund, a decimal amount in the order's currency ("120.50"); what remains
    /// refundable when absent. Several partial refunds may follow one another, never together
    /// above what was captured.
    #[serde(default)]
    pub amount: Option<String>,
}

const ACTOR: &str = "admin-token";

fn reason(text: &str) -> Result<String, ApiError> {
    valid_reason(text).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "reason_required", "Give a reason of 1 to 200 characters.")
    })
}

impl From<OrderMoveError> for ApiError {
    fn from(error: OrderMoveError) -> Self {
        let message = error.message();
        match error {
            OrderMoveError::NotFound => ApiError::not_found(message),
            OrderMoveError::WrongStatus { .. } => ApiError::new(StatusCode::CONFLICT, "wrong_status", message),
            OrderMoveError::Amount { .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_amount", message),
            OrderMoveError::Provider(PaymentError::Unavailable(_)) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "payment_unavailable", message)
            }
            OrderMoveError::Provider(_) => ApiError::new(StatusCode::BAD_GATEWAY, "payment_refused", message),
            OrderMoveError::Db(error) => ApiError::from(error),
        }
    }
}

/// Writes the audit entry of an admin-token call (actor `api-token`); refuses the call (503)
/// when the log cannot be written, so no use of the token goes unrecorded.
pub async fn audit_api_call(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    action: &str,
    subject_kind: &str,
    subject_id: &str,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    let client = client.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
    let event = AuditEvent { actor: API_AUDIT_ACTOR, client: &client, action, subject_kind, subject_id, reason };
    Ok(audit_trail::record_or_refuse(state.db(), state.clock().now(), event).await?)
}

/// The audit log's name for the holder of the admin token.
pub const API_AUDIT_ACTOR: &str = "api-token";

/// Where the admin API's move answers are kept under their Idempotency-Key.
const MOVES_SCOPE: &str = "api.admin.order_moves";
/// The largest answer kept for a replay (a move's answer is a few hundred bytes).
const MAX_ANSWER: usize = 64 * 1024;

/// A move as asked: which, on which order, why, and (a refund) how much.
struct Asked<'a> {
    id: Uuid,
    action: OrderMove,
    reason: &'a str,
    amount: Option<&'a str>,
}

/// Answers a move once per `Idempotency-Key` when the client sends one: the first answer
/// (status and body) is kept, a retry with the same key and the same request gets it back without
/// a second move, the same key with another request (another move, order, reason or amount) is
/// refused with 422. Answers of a passing failure (5xx) are not kept: the retry runs again.
async fn once(
    state: &AppState,
    headers: &HeaderMap,
    asked: &Asked<'_>,
    run: impl Future<Output = Result<Json<Value>, ApiError>>,
) -> Result<Response, ApiError> {
    let Some(key) = super::orders::optional_idempotency_key(headers)? else {
        return Ok(run.await.into_response());
    };
    let id = asked.id.to_string();
    let digest =
        idempotency::request_digest(&[asked.action.audit_action(), &id, asked.reason, asked.amount.unwrap_or("")]);
    match idempotency::claim(state, MOVES_SCOPE, &key, &digest).await? {
        Claim::Fresh => {}
        Claim::Replay { status, body } => {
            let status =
                u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(response);
        }
        Claim::Mismatch => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for another request (another move, order, reason or amount). \
                 Send a new key for a new request, and the same key only to retry the same one.",
            ));
        }
        Claim::InFlight => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still being answered; retry in a moment.",
            ));
        }
    }
    let (parts, body) = run.await.into_response().into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ANSWER).await.unwrap_or_default();
    if parts.status.is_server_error() {
        idempotency::forget(state, MOVES_SCOPE, &key).await?;
    } else {
        idempotency::finish(state, MOVES_SCOPE, &key, parts.status.as_u16(), &String::from_utf8_lossy(&bytes)).await?;
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

async fn api_move(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    asked: &Asked<'_>,
) -> Result<Json<Value>, ApiError> {
    let (id, action, why) = (asked.id, asked.action, asked.reason);
    audit_api_call(state, client, action.audit_action(), "order", &id.to_string(), Some(why)).await?;
    let actor = Actor::Staff(ACTOR.into());
    let order = match (action, asked.amount) {
        (OrderMove::Refund, Some(text)) => {
            let minor = refund_amount(state, id, text).await?;
            refund_order(state, id, Some(minor), actor, why).await?
        }
        _ => move_order(state, id, action, actor, why).await?,
    };
    let refunded = Currency::from_code(&order.currency)
        .map(|c| Money::new(order.refunded_minor, c).to_major_string())
        .unwrap_or_default();
    let refundable = Currency::from_code(&order.currency)
        .map(|c| Money::new(order.refundable_minor(), c).to_major_string())
        .unwrap_or_default();
    Ok(Json(json!({
        "id": order.id, "number": order.number, "status": order.status.as_str(),
        "refunded": {"amount": refunded, "currency": order.currency},
        "refundable": {"amount": refundable, "currency": order.currency},
    })))
}

/// A refund's amount, a decimal in the order's currency, in minor units.
async fn refund_amount(state: &AppState, id: Uuid, text: &str) -> Result<i64, ApiError> {
    let order = Orders::by_id(state.db(), id).await?.ok_or_else(|| ApiError::from(OrderMoveError::NotFound))?;
    let currency = Currency::from_code(&order.currency).map_err(|_| ApiError::from(OrderMoveError::NotFound))?;
    Money::parse_major(text.trim(), currency).map(|m| m.minor()).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_amount",
            format!(
                "Give the amount as a decimal number in {} with at most {} decimals, like \"120.50\".",
                currency.code(),
                currency.exponent()
            ),
        )
    })
}

/// Captures a held order's authorised payment.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/capture", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Optional, 16 to 128 letters, digits, - or _: a retry with the same key gets the first answer back and makes no second move; the same key with another request gets 422.")), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn capture(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Response, ApiError> {
    let why = reason(&action.reason)?;
    let asked = Asked { id, action: OrderMove::Capture, reason: &why, amount: None };
    once(&state, &headers, &asked, api_move(&state, client, &asked)).await
}

/// Cancels an order that is not paid yet (the authorisation is released) and gives its stock back.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/cancel", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Optional, 16 to 128 letters, digits, - or _: a retry with the same key gets the first answer back and makes no second move; the same key with another request gets 422.")), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Response, ApiError> {
    let why = reason(&action.reason)?;
    let asked = Asked { id, action: OrderMove::Cancel, reason: &why, amount: None };
    once(&state, &headers, &asked, api_move(&state, client, &asked)).await
}

/// Refunds a paid order, in full or in part (`amount`). The order is `refunded` once its refunds
/// reach its total; until then it stays confirmed or fulfilled, and the answer says what was
/// refunded and what remains refundable. An amount above what remains is refused (422) and
/// nothing is asked of the payment provider.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/refund", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Optional, 16 to 128 letters, digits, - or _: a retry with the same key gets the first answer back and makes no second move; the same key with another request gets 422.")), request_body = RefundAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<RefundAction>,
) -> Result<Response, ApiError> {
    let why = reason(&action.reason)?;
    let amount = action.amount.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let asked = Asked { id, action: OrderMove::Refund, reason: &why, amount };
    once(&state, &headers, &asked, api_move(&state, client, &asked)).await
}

/// Marks a confirmed order as handed to the carrier.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/fulfil", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Optional, 16 to 128 letters, digits, - or _: a retry with the same key gets the first answer back and makes no second move; the same key with another request gets 422.")), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn fulfil(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Response, ApiError> {
    let why = reason(&action.reason)?;
    let asked = Asked { id, action: OrderMove::Fulfil, reason: &why, amount: None };
    once(&state, &headers, &asked, api_move(&state, client, &asked)).await
}
