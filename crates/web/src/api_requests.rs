//! Rights requests and their clocks. Staff log the requests that arrive by email or WhatsApp
//! (P21) and see every open one with its deadline; account holders file theirs from their
//! account. Each request is due one month after receipt at the latest (never later than the
//! policy's promise), extendable once by two months with a notice, with the policy's
//! five-business-day aim alongside (P17).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use luxevault_core::Timestamp;
use luxevault_core::requests::{Channel, RequestKind, deadline, target};
use luxevault_storage::{Accounts, NewPrivacyRequest, PrivacyRequestRow, PrivacyRequests};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_admin::Operator;
use crate::customer::SignedIn;
use crate::error::{ApiError, ApiJson};
use crate::outbox::{EmailJob, queue_email};
use crate::state::AppState;

fn view(row: &PrivacyRequestRow, now: Timestamp, with_contact: bool) -> Value {
    let days_left = (row.due_at.as_micros() - now.as_micros()).div_euclid(Timestamp::MICROS_PER_DAY);
    let open = matches!(row.status.as_str(), "open" | "extended");
    let mut value = json!({
        "id": row.id, "kind": row.kind, "channel": row.channel, "status": row.status,
        "received_at": row.received_at.to_rfc3339(), "due_at": row.due_at.to_rfc3339(), "target_at": row.target_at.to_rfc3339(),
        "days_left": if open { Some(days_left) } else { None },
        "overdue": open && now > row.due_at,
        "extension_reason": row.extension_reason, "completed_at": row.completed_at.map(|t| t.to_rfc3339()), "outcome": row.outcome,
    });
    if with_contact && let Some(map) = value.as_object_mut() {
        map.insert("contact".into(), Value::String(row.contact.expose().clone()));
    }
    value
}

fn invalid(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message.to_string())
}

async fn open_request(
    state: &AppState,
    kind: RequestKind,
    channel: Channel,
    customer: Option<Uuid>,
    contact: &str,
    received: Timestamp,
) -> Result<Uuid, ApiError> {
    let rights = &state.policy().policy.rights;
    let request = NewPrivacyRequest {
        kind: kind.as_str(),
        channel: channel.as_str(),
        customer_id: customer,
        contact,
        received_at: received,
        due_at: deadline(received, rights.answer_within_days, false, 0),
        target_at: target(received, rights.target_business_days),
    };
    Ok(PrivacyRequests::create(state.db(), &request, state.clock().now()).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogRequest {
    /// access, portability, rectification, erasure, restriction, objection, withdraw_consent
    pub kind: String,
    /// email, whatsapp or web
    pub channel: String,
    /// Where to answer: the email address or WhatsApp number it came from.
    pub contact: String,
    /// The day it arrived (YYYY-MM-DD), when logged later; today when absent.
    #[serde(default)]
    pub received_on: Option<String>,
}

/// Logs a request that arrived by email or WhatsApp; its clock starts on the day it arrived.
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests", tag = "staff", request_body = LogRequest,
    responses((status = 201, description = "The request with its deadline"), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn log_request(
    State(state): State<AppState>,
    _: Operator,
    ApiJson(request): ApiJson<LogRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = RequestKind::parse(&request.kind)
        .ok_or_else(|| invalid("invalid_kind", "kind must be one of the seven rights"))?;
    let channel = Channel::parse(&request.channel)
        .ok_or_else(|| invalid("invalid_channel", "channel must be email, whatsapp or web"))?;
    let contact = request.contact.trim();
    if contact.is_empty() || contact.chars().count() > 254 || contact.chars().any(char::is_control) {
        return Err(invalid("invalid_contact", "contact must be the email address or number the request came from"));
    }
    let now = state.clock().now();
    let received = match request.received_on.as_deref() {
        Some(day) => {
            Timestamp::from_date(day).ok_or_else(|| invalid("invalid_date", "received_on must be a date YYYY-MM-DD"))?
        }
        None => now,
    };
    if received > now {
        return Err(invalid("invalid_date", "received_on cannot be in the future"));
    }
    let id = open_request(&state, kind, channel, None, contact, received).await?;
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    tracing::info!(request = %id, kind = kind.as_str(), channel = channel.as_str(), "privacy request logged");
    Ok((StatusCode::CREATED, Json(view(&row, now, true))))
}

/// Every request still to answer, the most urgent first, with days left and overdue flags.
#[utoipa::path(get, path = "/api/v1/admin/privacy-requests", tag = "staff",
    responses((status = 200, description = "{requests: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn open_requests(State(state): State<AppState>, _: Operator) -> Result<Json<Value>, ApiError> {
    let now = state.clock().now();
    let rows = PrivacyRequests::open(state.db()).await?;
    Ok(Json(json!({"requests": rows.iter().map(|r| view(r, now, true)).collect::<Vec<_>>()})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// Why more time is needed; told to the person.
    pub reason: String,
}

/// Extends a request by two months, once, and tells the person why and until when.
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests/{id}/extend", tag = "staff", params(("id" = Uuid, Path)), request_body = Extension,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<Uuid>,
    ApiJson(extension): ApiJson<Extension>,
) -> Result<Json<Value>, ApiError> {
    let reason = extension.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(invalid("reason_required", "Give the reason, in a sentence the person will read."));
    }
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(|| ApiError::not_found("No such request."))?;
    let now = state.clock().now();
    if now > row.due_at {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_late",
            "The deadline has passed: it can no longer be extended.",
        ));
    }
    let due = deadline(row.received_at, state.policy().policy.rights.answer_within_days, true, 0);
    if !PrivacyRequests::extend(state.db(), id, due, reason, now).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_open",
            "Only an open request can be extended, and only once.",
        ));
    }
    queue_email(state.db(), &EmailJob::RequestExtended { request_id: id }, now).await?;
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    Ok(Json(view(&row, now, true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    /// What was done, or why the request was refused (recorded; no personal data).
    pub outcome: String,
    #[serde(default)]
    pub refused: bool,
}

/// Closes a request as completed (or refused, with the reason).
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests/{id}/complete", tag = "staff", params(("id" = Uuid, Path)), request_body = Completion,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<Uuid>,
    ApiJson(completion): ApiJson<Completion>,
) -> Result<Json<Value>, ApiError> {
    let outcome = completion.outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 1000 {
        return Err(invalid("outcome_required", "Say what was done, or why not."));
    }
    let now = state.clock().now();
    let status = if completion.refused { "refused" } else { "completed" };
    if !PrivacyRequests::close(state.db(), id, status, outcome, now).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_open",
            "This request is already closed, or does not exist.",
        ));
    }
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    Ok(Json(view(&row, now, true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    pub kind: String,
}

/// Files a request from the account (identity proven by the session); answered at the account's
/// email address.
#[utoipa::path(post, path = "/api/v1/account/requests", tag = "rights", request_body = FileRequest,
    responses((status = 201, description = "The request with its deadline"), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<FileRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = RequestKind::parse(&request.kind)
        .ok_or_else(|| invalid("invalid_kind", "kind must be one of the seven rights"))?;
    let account =
        Accounts::by_id(state.db(), customer.id).await?.ok_or_else(|| ApiError::not_found("No such account."))?;
    let now = state.clock().now();
    let id = open_request(&state, kind, Channel::Web, Some(customer.id), account.email.expose(), now).await?;
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(view(&row, now, false))))
}

/// The account's requests and where each stands.
#[utoipa::path(get, path = "/api/v1/account/requests", tag = "rights",
    responses((status = 200, description = "{requests: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn mine(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<Value>, ApiError> {
    let now = state.clock().now();
    let rows = PrivacyRequests::of_customer(state.db(), customer.id).await?;
    Ok(Json(json!({"requests": rows.iter().map(|r| view(r, now, false)).collect::<Vec<_>>()})))
}
