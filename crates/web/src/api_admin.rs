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
use luxevault_storage::{OrderRow, Orders, Transition};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use uuid::Uuid;

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

fn reason(action: &StaffAction) -> Result<String, ApiError> {
    let reason = action.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            "Give a reason of 1 to 200 characters.",
        ));
    }
    Ok(reason.to_string())
}

async fn order(state: &AppState, id: Uuid) -> Result<OrderRow, ApiError> {
    Orders::by_id(state.db(), id).await?.ok_or_else(|| ApiError::not_found("No such order."))
}

fn conflict(order: &OrderRow, action: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "wrong_status",
        format!("An order that is {} cannot be {action}.", order.status.as_str()),
    )
}

fn provider_error(error: PaymentError) -> ApiError {
    match error {
        PaymentError::Unavailable(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "payment_unavailable",
            "The payment provider is unavailable; try again.",
        ),
        other => {
            ApiError::new(StatusCode::BAD_GATEWAY, "payment_refused", format!("The payment provider refused: {other}"))
        }
    }
}

async fn answer(state: &AppState, id: Uuid) -> Result<Json<Value>, ApiError> {
    let order = order(state, id).await?;
    Ok(Json(json!({"id": order.id, "number": order.number, "status": order.status.as_str()})))
}

/// Captures a held order's authorised payment.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/capture", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn capture(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    reason(&action)?;
    let found = order(&state, id).await?;
    if found.status != OrderStatus::Authorised {
        return Err(conflict(&found, "captured"));
    }
    let payment =
        found.payment_id.clone().ok_or_else(|| conflict(&found, "captured before its payment id is known"))?;
    state
        .payments()
        .capture(&payment, found.total_minor, &format!("order-{id}-capture"))
        .await
        .map_err(provider_error)?;
    shop::payment_captured(&state, id, Actor::Staff(ACTOR.into())).await?;
    answer(&state, id).await
}

/// Cancels an order that is not paid yet (the authorisation is released) and gives its stock back.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/cancel", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    let found = order(&state, id).await?;
    match (found.status, found.payment_id.as_deref()) {
        (OrderStatus::Authorised, Some(payment)) => {
            state.payments().cancel(payment, &format!("order-{id}-cancel")).await.map_err(provider_error)?;
        }
        (OrderStatus::AwaitingPayment | OrderStatus::Authorised, _) => {}
        _ => return Err(conflict(&found, "cancelled (refund it instead)")),
    }
    shop::order_cancelled(&state, id, Actor::Staff(ACTOR.into()), &why).await?;
    answer(&state, id).await
}

/// Refunds a paid order in full.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/refund", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    reason(&action)?;
    let found = order(&state, id).await?;
    if !matches!(found.status, OrderStatus::Confirmed | OrderStatus::Fulfilled) {
        return Err(conflict(&found, "refunded"));
    }
    let payment = found.payment_id.clone().ok_or_else(|| conflict(&found, "refunded without a payment"))?;
    state.payments().refund(&payment, None, &format!("order-{id}-refund")).await.map_err(provider_error)?;
    shop::order_refunded(&state, id, Actor::Staff(ACTOR.into())).await?;
    answer(&state, id).await
}

/// Marks a confirmed order as handed to the carrier.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/fulfil", tag = "staff", params(("id" = Uuid, Path)), request_body = StaffAction,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn fulfil(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<StaffAction>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(&action)?;
    let found = order(&state, id).await?;
    let now = state.clock().now();
    match Orders::transition(state.db(), id, OrderStatus::Fulfilled, &Actor::Staff(ACTOR.into()), &why, now).await? {
        Transition::Applied { .. } => answer(&state, id).await,
        _ => Err(conflict(&found, "fulfilled")),
    }
}
