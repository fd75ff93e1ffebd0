//! Consents over the JSON API (P10, P22, item 6 of the privacy core): a signed-in customer sees
//! every record of their consent ledger — its proof — and gives or withdraws a consent in the
//! same one step. Only purposes whose legal basis is consent can be consented to.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::Timestamp;
use luxevault_core::policy::LegalBasis;
use luxevault_storage::{Consents, NewConsent};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

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

/// Whether `purpose` is one the policy bases on consent.
pub fn is_consent_purpose(state: &AppState, purpose: &str) -> bool {
    state.policy().policy.purposes.iter().any(|p| p.id == purpose && p.legal_basis == LegalBasis::Consent)
}

/// Records a consent given or withdrawn, under the policy version in force.
pub async fn record(
    state: &AppState,
    customer: Uuid,
    purpose: &str,
    granted: bool,
    source: &str,
    method: &str,
) -> Result<(), ApiError> {
    let consent =
        NewConsent { customer, purpose, granted, policy_version: &state.policy().policy.version, source, method };
    Consents::record(state.db(), &consent, state.clock().now()).await?;
    Ok(())
}

/// The customer's consents: the state of each consent purpose and every record behind it.
#[utoipa::path(get, path = "/api/v1/account/consents", tag = "account",
    responses((status = 200, description = "{current: {purpose: bool}, records: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<Value>, ApiError> {
    let records = Consents::of_customer(state.db(), customer.id).await?;
    let mut current = serde_json::Map::new();
    for purpose in state.policy().policy.purposes.iter().filter(|p| p.legal_basis == LegalBasis::Consent) {
        current
            .insert(purpose.id.clone(), Value::Bool(Consents::is_granted(state.db(), customer.id, &purpose.id).await?));
    }
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
#[utoipa::path(post, path = "/api/v1/account/consents", request_body = ConsentChange, tag = "account",
    responses((status = 201, description = "Recorded"), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(change): ApiJson<ConsentChange>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !is_consent_purpose(&state, &change.purpose) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_consent_purpose",
            "This purpose does not rest on consent; see the privacy policy for its legal basis.",
        ));
    }
    let source = change.source.trim();
    let source_ok = source.starts_with('/') && source.len() <= 200 && !source.contains(['?', '#', ' ']);
    if !source_ok {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_source",
            "source must be a path of the shop, e.g. /account.",
        ));
    }
    record(&state, customer.id, &change.purpose, change.granted, source, "api").await?;
    Ok((StatusCode::CREATED, Json(json!({"purpose": change.purpose, "granted": change.granted}))))
}
