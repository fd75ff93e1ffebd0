//! Consents over the JSON API (P10, P22, item 6 of the privacy core): a signed-in customer sees
//! every record of their consent ledger — its proof — and gives or withdraws a consent in the
//! same one step. The ledger's rules are `luxevault_shop::consent`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::Timestamp;
use luxevault_shop::consent;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson};
use crate::extract::SignedIn;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    /// A purpose of the policy whose legal basis is consent, e.g. `marketing`.
    pub purpose: String,
    pub granted: bool,
    /// Where the customer acted, e.g. `/account` (a path of the shop, no personal data).
    pub source: String,
}

/// The customer's consents: the state of each consent purpose and every record behind it.
#[utoipa::path(get, path = "/api/v1/account/consents", tag = "account", security(("session_token" = [])),
    responses((status = 200, description = "{current: {purpose: bool}, records: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<Value>, ApiError> {
    let (states, records) = consent::ledger(&state, customer.id).await?;
    let current: serde_json::Map<String, Value> = states.into_iter().map(|(p, g)| (p, Value::Bool(g))).collect();
    let records: Vec<Value> = records
        .into_iter()
        .map(|r| {
            json!({
                "purpose": r.purpose, "granted": r.granted, "at": Timestamp(r.at).to_rfc3339(),
                "policy_version": r.policy_version, "source": r.source, "method": r.method,
            })
        })
        .collect();
    Ok(Json(json!({"current": current, "records": records})))
}

/// Gives or withdraws a consent; withdrawing is exactly as easy as giving.
#[utoipa::path(post, path = "/api/v1/account/consents", request_body = ConsentChange, tag = "account", security(("session_token" = [])),
    responses((status = 201, description = "Recorded"), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(change): ApiJson<ConsentChange>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    consent::record(&state, customer.id, &change.purpose, change.granted, &change.source, "api").await?;
    Ok((StatusCode::CREATED, Json(json!({"purpose": change.purpose, "granted": change.granted}))))
}
