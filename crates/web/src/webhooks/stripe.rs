//! `POST /webhooks/stripe`: events from Stripe, verified exactly as Stripe signs them, applied
//! once each, never moving an order backwards. A bad signature is refused with 400 and logged
//! without the payload (which may carry a customer's details).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use luxevault_core::Timestamp;
use luxevault_core::order::Actor;
use luxevault_integrations::payments::stripe::webhook::{self, PaymentUpdate, StripeEvent};
use luxevault_storage::{DbError, OrderRow, Orders};
use uuid::Uuid;

use crate::state::AppState;
use luxevault_shop::orders as shop;

const PROVIDER: &str = "stripe";

pub async fn stripe(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let Some(secret) = state.commerce().stripe_webhook_secret.as_deref() else {
        return (StatusCode::NOT_FOUND, "Stripe is not configured");
    };
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let now = state.clock().now().as_micros() / Timestamp::MICROS_PER_SECOND;
    if let Err(error) = webhook::verify(&body, signature, secret, now, webhook::DEFAULT_TOLERANCE_SECS) {
        tracing::warn!(error = %error, bytes = body.len(), "refused a Stripe webhook with a bad signature");
        return (StatusCode::BAD_REQUEST, "bad signature");
    }
    let event = match webhook::parse_event(&body) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(error = %error, "refused a signed Stripe webhook that does not parse");
            return (StatusCode::BAD_REQUEST, "unreadable event");
        }
    };
    match apply(&state, &event).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            // Stripe retries non-2xx answers: nothing is lost.
            tracing::error!(event = %event.id, error = %error, "could not apply a Stripe event; Stripe will retry");
            (StatusCode::INTERNAL_SERVER_ERROR, "retry later")
        }
    }
}

async fn order_for(
    state: &AppState,
    payment_id: Option<&str>,
    order_id: Option<Uuid>,
) -> Result<Option<OrderRow>, DbError> {
    if let Some(payment_id) = payment_id
        && let Some(order) = Orders::by_payment_id(state.db(), payment_id).await?
    {
        return Ok(Some(order));
    }
    match order_id {
        Some(id) => Orders::by_id(state.db(), id).await,
        None => Ok(None),
    }
}

/// Applies an event once. Every step is idempotent as well, so a redelivery racing the first
/// delivery does no harm.
async fn apply(state: &AppState, event: &StripeEvent) -> Result<(), DbError> {
    let db = state.db();
    if Orders::payment_event_seen(db, PROVIDER, &event.id).await? {
        return Ok(());
    }
    let now = state.clock().now();
    let actor = Actor::Provider(PROVIDER);
    match &event.update {
        PaymentUpdate::CheckoutCompleted { session_id, payment_id, order_id, .. } => {
            let order = match Orders::by_session_id(db, session_id).await? {
                Some(order) => Some(order),
                None => order_for(state, None, *order_id).await?,
            };
            if let (Some(order), Some(payment_id)) = (order, payment_id) {
                Orders::set_payment_id(db, order.id, payment_id, now).await?;
            }
        }
        PaymentUpdate::Authorized { payment_id, order_id, .. } => {
            if let Some(order) = order_for(state, Some(payment_id), *order_id).await? {
                Orders::set_payment_id(db, order.id, payment_id, now).await?;
                shop::payment_authorised(state, &order, Some(payment_id), actor).await?;
            }
        }
        PaymentUpdate::Captured { payment_id, order_id, .. } => {
            if let Some(order) = order_for(state, Some(payment_id), *order_id).await? {
                shop::payment_captured(state, order.id, actor).await?;
            }
        }
        PaymentUpdate::Canceled { payment_id, order_id } => {
            if let Some(order) = order_for(state, Some(payment_id), *order_id).await? {
                shop::order_cancelled(state, order.id, actor, "payment cancelled at Stripe").await?;
            }
        }
        PaymentUpdate::CheckoutExpired { session_id, order_id } => {
            let order = match Orders::by_session_id(db, session_id).await? {
                Some(order) => Some(order),
                None => order_for(state, None, *order_id).await?,
            };
            if let Some(order) = order {
                shop::order_cancelled(state, order.id, actor, "payment page expired").await?;
            }
        }
        PaymentUpdate::Refunded { payment_id, fully, .. } => {
            if *fully && let Some(order) = order_for(state, Some(payment_id), None).await? {
                shop::order_refunded(state, order.id, actor).await?;
            }
        }
        PaymentUpdate::Failed { .. } | PaymentUpdate::Other => {}
    }
    Orders::record_payment_event(db, PROVIDER, &event.id, &event.event_type, now).await?;
    Ok(())
}
