//! Probes for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve: the database answers.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db().ping().await {
        Ok(()) => match state.ensure_open().await {
            Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
            // Up, but with nothing to sell in: a load balancer should not send shoppers yet.
            Err(luxevault_storage::DbError::NotOpen) => (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({"status": "not_open", "reason": "the shop has no base currency yet: run `luxevault init`"}),
                ),
            ),
            Err(error) => {
                tracing::warn!(error = %error, "readiness check failed");
                (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "reason": "database"})))
            }
        },
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "reason": "database"})))
        }
    }
}
