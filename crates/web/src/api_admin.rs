//! Staff operations on orders, over the JSON API with the operator's admin token
//! (`Authorization: Bearer <admin_token>`), until the back office brings staff accounts and
//! roles: capture a held order, cancel, refund, mark fulfilled. Every move is recorded with its
//! reason in the order's history.

use axum::Json;
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use luxevault_core::order::{Actor, OrderStatus};
use luxevault_integrations::payments::PaymentError;
use luxevault_storage::{DbError, OrderRow, Orders, Transition};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit_trail::{self, AuditEvent};
use crate::customer::ClientAddr;
use crate::error::{ApiError, ApiJson};
use crate::shop;
use crate::state::AppState;

/// The operator, proven by the admin token.
pub struct Operator;

impl<S> FromRequestParts<S> for Operator
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let Some(expected) = state.commerce().admin_token.as_deref() else {
            return Err(ApiError::not_found("Staff operations are not enabled (no admin_token configured)."));
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compare digests in constant time: neither length nor prefix leaks.
        let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
        if given.is_empty() || !bool::from(a.ct_eq(&b)) {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "not_authorised", "A valid admin token is required."));
        }
        Ok(Operator)
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffAction {
    /// Why, for the order's history (no personal data).
    pub reason: String,
}

const ACTOR: &str = "admin-token";

/// A staff reason as recorded: trimmed, 1 to 200 characters.
pub fn valid_reason(text: &str) -> Option<String> {
    let reason = text.trim();
    (!reason.is_empty() && reason.chars().count() <= 200).then(|| reason.to_string())
}

fn reason(action: &StaffAction) -> Result<String, ApiError> {
    valid_reason(&action.reason).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "reason_required", "Give a reason of 1 to 200 characters.")
    })
}

/// A move staff can make on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderMove {
    Capture,
    Cancel,
    Refund,
    Fulfil,
}

impl OrderMove {
    /// The audit log's action for this move.
    pub fn audit_action(self) -> &'static str {
        match self {
            OrderMove::Capture => "order.capture",
            OrderMove::Cancel => "order.cancel",
            OrderMove::Refund => "order.refund",
            OrderMove::Fulfil => "order.fulfil",
        }
    }
}

/// Why a move was not made.
#[derive(Debug)]
pub enum OrderMoveError {
    NotFound,
    /// The order's status does not allow it; `what` finishes "An order that is … cannot be …".
    WrongStatus {
        status: OrderStatus,
        what: &'static str,
    },
    Provider(PaymentError),
    Db(DbError),
}

impl From<DbError> for OrderMoveError {
    fn from(error: DbError) -> Self {
        Self::Db(error)
    }
}

impl OrderMoveError {
    /// One sentence for staff, without personal data.
    pub fn message(&self) -> String {
        match self {
            Self::NotFound => "No such order.".into(),
            Self::WrongStatus { status, what } => format!("An order that is {} cannot be {what}.", status.as_str()),
            Self::Provider(PaymentError::Unavailable(_)) => "The payment provider is unavailable; try again.".into(),
            Self::Provider(other) => format!("The payment provider refused: {other}"),
            Self::Db(_) => "The shop is unavailable for a moment; try again.".into(),
        }
    }
}

impl From<OrderMoveError> for ApiError {
    fn from(error: OrderMoveError) -> Self {
        let message = error.message();
        match error {
            OrderMoveError::NotFound => ApiError::not_found(message),
            OrderMoveError::WrongStatus { .. } => ApiError::new(StatusCode::CONFLICT, "wrong_status", message),
            OrderMoveError::Provider(PaymentError::Unavailable(_)) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "payment_unavailable", message)
            }
            OrderMoveError::Provider(_) => ApiError::new(StatusCode::BAD_GATEWAY, "payment_refused", message),
            OrderMoveError::Db(error) => ApiError::from(error),
        }
    }
}

/// Makes a staff move on an order — the one implementation behind the admin-token API and the
/// back office: capture a held payment, cancel an unpaid order (releasing the authorisation),
/// refund a paid one in full, mark a confirmed one fulfilled. `reason` goes to the order's
/// history where the move records one.
pub async fn move_order(
    state: &AppState,
    id: Uuid,
    action: OrderMove,
    actor: Actor,
    reason: &str,
) -> Result<OrderRow, OrderMoveError> {
    let found = Orders::by_id(state.db(), id).await?.ok_or(OrderMoveError::NotFound)?;
    let wrong = |what: &'static str| OrderMoveError::WrongStatus { status: found.status, what };
    match action {
        OrderMove::Capture => {
            if found.status != OrderStatus::Authorised {
                return Err(wrong("captured"));
            }
            let payment = found.payment_id.clone().ok_or_else(|| wrong("captured before its payment id is known"))?;
            state
                .payments()
                .capture(&payment, found.total_minor, &format!("order-{id}-capture"))
                .await
                .map_err(OrderMoveError::Provider)?;
            shop::payment_captured(state, id, actor).await?;
        }
        OrderMove::Cancel => {
            match (found.status, found.payment_id.as_deref()) {
                (OrderStatus::Authorised, Some(payment)) => {
                    state
                        .payments()
                        .cancel(payment, &format!("order-{id}-cancel"))
                        .await
                        .map_err(OrderMoveError::Provider)?;
                }
                (OrderStatus::AwaitingPayment | OrderStatus::Authorised, _) => {}
                _ => return Err(wrong("cancelled (refund it instead)")),
            }
            shop::order_cancelled(state, id, actor, reason).await?;
        }
        OrderMove::Refund => {
            if !matches!(found.status, OrderStatus::Confirmed | OrderStatus::Fulfilled) {
                return Err(wrong("refunded"));
            }
            let payment = found.payment_id.clone().ok_or_else(|| wrong("refunded without a payment"))?;
            state
                .payments()
                .refund(&payment, None, &format!("order-{id}-refund"))
                .await
                .map_err(OrderMoveError::Provider)?;
            shop::order_refunded_because(state, id, actor, reason).await?;
        }
        OrderMove::Fulfil => {
            let now = state.clock().now();
            match Orders::transition(state.db(), id, OrderStatus::Fulfilled, &actor, reason, now).await? {
                Transition::Applied { .. } => {}
                _ => return Err(wrong("fulfilled")),
            }
        }
    }
    Orders::by_id(state.db(), id).await?.ok_or(OrderMoveError::NotFound)
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
    audit_trail::record(state.db(), state.clock().now(), event).await.map(|_| ()).map_err(|error| {
        tracing::error!(error = %error, "audit log append failed");
        ApiError::unavailable()
    })
}

/// The audit log's name for the holder of the admin token.
pub const API_AUDIT_ACTOR: &str = "api-token";

async fn api_move(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    id: Uuid,
    action: OrderMove,
    why: &str,
) -> Result<Json<Value>, ApiError> {
    audit_api_call(state, client, action.audit_action(), "order", &id.to_string(), Some(why)).await?;
    let order = move_order(state, id, action, Actor::Staff(ACTOR.into()), why).await?;
    Ok(Json(json!({"id": order.id, "number": order.number, "status": order.status.as_str()})))
}

/// Captures a held order's authorised payment.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/capture", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn capture(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Capture, &why).await
}

/// Cancels an order that is not paid yet (the authorisation is released) and gives its stock back.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/cancel", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Cancel, &why).await
}

/// Refunds a paid order in full.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/refund", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Refund, &why).await
}

/// Marks a confirmed order as handed to the carrier.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/fulfil", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn fulfil(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Fulfil, &why).await
}
