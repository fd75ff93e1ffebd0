//! Staff operations on orders, over the JSON API with the operator's admin token
//! (`Authorization: Bearer <admin_token>`), until the back office brings staff accounts and
//! roles: capture a held order, cancel, refund, mark fulfilled. Every move is recorded with its
//! reason in the order's history.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::order::Actor;
use luxevault_integrations::payments::PaymentError;
use luxevault_shop::orders::moves::{OrderMove, OrderMoveError, move_order, valid_reason};
use luxevault_shop::staff::audit_trail::{self, AuditEvent};
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

const ACTOR: &str = "admin-token";

fn reason(action: &StaffAction) -> Result<String, ApiError> {
    valid_reason(&action.reason).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "reason_required", "Give a reason of 1 to 200 characters.")
    })
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
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/capture", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn capture(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Capture, &why).await
}

/// Cancels an order that is not paid yet (the authorisation is released) and gives its stock back.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/cancel", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Cancel, &why).await
}

/// Refunds a paid order in full.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/refund", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Refund, &why).await
}

/// Marks a confirmed order as handed to the carrier.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/fulfil", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn fulfil(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    api_move(&state, client, id, OrderMove::Fulfil, &why).await
}
