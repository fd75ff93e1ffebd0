//! `POST /webhooks/stripe`: events from Stripe, verified exactly as Stripe signs them, applied
//! once each, never moving an order backwards. A bad signature is refused with 400 and logged
//! without the payload (which may carry a customer's details).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use luxevault_core::Timestamp;
use luxevault_integrations::payments::stripe::webhook;
use luxevault_shop::orders::payment_events;

use crate::state::AppState;

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
    match payment_events::apply_stripe_event(&state, &event).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            // Stripe retries non-2xx answers: nothing is lost.
            tracing::error!(event = %event.id, error = %error, "could not apply a Stripe event; Stripe will retry");
            (StatusCode::INTERNAL_SERVER_ERROR, "retry later")
        }
    }
}
