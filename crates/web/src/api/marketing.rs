//! Marketing email (P22): a campaign written by staff (admin token) is queued to every customer
//! whose consent ledger says yes at that moment and who has neither restricted their data
//! (Art. 18) nor objected to marketing (Art. 21(2)), an account or their address alike; each
//! email is checked again when it is sent. Erased customers have no account left to write to.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::api::admin::Operator;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use luxevault_shop::marketing::send_campaign;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// The subject line (1–150 characters, one line).
    pub subject: String,
    /// The text (1–10,000 characters); a line to withdraw consent is added below it.
    pub body: String,
}

/// Sends a marketing email to every customer who opted in and may receive it (P22).
#[utoipa::path(post, path = "/api/v1/admin/marketing/campaigns", tag = "staff", security(("admin_token" = [])), request_body = NewCampaign,
    responses((status = 201, description = "{id, queued}: the campaign and how many emails were queued"),
        (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    _: Operator,
    ApiJson(campaign): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (id, queued) = send_campaign(&state, &campaign.subject, &campaign.body).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "queued": queued}))))
}
