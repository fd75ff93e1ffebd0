//! Marketing email (P22): a campaign written by staff (admin token) is queued to every customer
//! whose consent ledger says yes at that moment and who has neither restricted their data
//! (Art. 18) nor objected to marketing (Art. 21(2)), an account or their address alike; each
//! email is checked again when it is sent. Erased customers have no account left to write to.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::Email;
use luxevault_storage::{Accounts, Marketing};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_admin::Operator;
use crate::error::{ApiError, ApiJson};
use crate::limits::{Person, may_process};
use crate::outbox::{EmailJob, queue_email};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// The subject line (1–150 characters, one line).
    pub subject: String,
    /// The text (1–10,000 characters); a line to withdraw consent is added below it.
    pub body: String,
}

/// Queues a campaign to everyone who may receive it now; returns how many.
pub async fn send_campaign(state: &AppState, subject: &str, body: &str) -> Result<(Uuid, i64), ApiError> {
    let now = state.clock().now();
    let db = state.db();
    let id = Marketing::create(db, subject, body, now).await?;
    let mut queued = 0i64;
    for customer in Marketing::audience(db, now).await? {
        // The database has checked the account's consent, restriction and objection; the
        // register of addresses (a restriction asked for without signing in) is checked here.
        let Some(row) = Accounts::by_id(db, customer).await? else { continue };
        let email = Email::parse(row.email.expose()).ok();
        let person = Person { customer: Some(customer), email_key: email.map(|e| crate::limits::email_key(state, &e)) };
        if !may_process(state, &person, "marketing", now).await? {
            continue;
        }
        if queue_email(db, &EmailJob::Marketing { campaign_id: id, customer_id: customer }, now).await? {
            queued += 1;
        }
    }
    Marketing::set_queued(db, id, queued).await?;
    tracing::info!(campaign = %id, queued, "marketing campaign queued");
    Ok((id, queued))
}

/// Sends a marketing email to every customer who opted in and may receive it (P22).
#[utoipa::path(post, path = "/api/v1/admin/marketing/campaigns", tag = "staff", request_body = NewCampaign,
    responses((status = 201, description = "{id, queued}: the campaign and how many emails were queued"),
        (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    _: Operator,
    ApiJson(campaign): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let subject = campaign.subject.trim();
    let body = campaign.body.trim();
    if subject.is_empty() || subject.chars().count() > 150 || subject.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_subject",
            "The subject is one line of 1 to 150 characters.",
        ));
    }
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "The text is 1 to 10,000 characters.",
        ));
    }
    let (id, queued) = send_campaign(&state, subject, body).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "queued": queued}))))
}
