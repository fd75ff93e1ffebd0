//! The published privacy policy as data: `/privacy.json` (the policy in force, with the
//! controller from configuration) and the archive of every version published.

use axum::Json;
use axum::extract::State;
use luxevault_storage::PolicyVersions;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiPath};
use crate::state::AppState;
use luxevault_shop::privacy::policy::published_document;

pub async fn current(State(state): State<AppState>) -> Json<Value> {
    Json(published_document(&state))
}

/// Every version ever published, newest first.
pub async fn versions(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let list: Vec<Value> = PolicyVersions::list(state.db())
        .await?
        .into_iter()
        .map(|v| {
            json!({
                "version": v.version,
                "effective": v.effective,
                "published_at": luxevault_core::Timestamp(v.published_at).to_rfc3339(),
                "changes": serde_json::from_str::<Value>(&v.changes).unwrap_or(Value::Array(Vec::new())),
                "href": format!("/privacy/versions/{}", v.version),
            })
        })
        .collect();
    Ok(Json(json!({"current": state.policy().policy.version, "versions": list})))
}

/// One archived version, as it was published.
pub async fn version(
    State(state): State<AppState>,
    ApiPath(version): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let content = PolicyVersions::content(state.db(), &version)
        .await?
        .ok_or_else(|| ApiError::not_found("No policy version has this name."))?;
    let value: Value = serde_json::from_str(&content).map_err(|_| ApiError::internal())?;
    Ok(Json(value))
}
