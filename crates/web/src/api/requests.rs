//! Rights requests over the JSON API (P17, P21): staff log the requests that arrive by email or
//! WhatsApp and see every open one with its deadline; account holders file theirs from their
//! account; people without an account prove their address with an emailed code. The rules and
//! clocks are `luxevault_shop::privacy::requests`; here each answer is presented.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::Timestamp;
use luxevault_core::order::Actor;
use luxevault_shop::privacy::requests::{self, Closed, Verified};
use luxevault_storage::PrivacyRequests;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::admin::{Operator, audit_api_call};
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::{ClientAddr, SignedIn};
use crate::present::request_view as view;
use crate::state::AppState;

/// A request after a staff action or a filing, with who was told and what was kept when any.
pub(crate) fn closed_view(closed: &Closed, now: Timestamp, with_contact: bool) -> Value {
    let mut answer = view(&closed.request, now, with_contact);
    if let Some(map) = answer.as_object_mut() {
        if let Some(kept) = &closed.kept {
            map.insert("kept".into(), json!(kept));
        }
        if let Some(notified) = &closed.notified {
            map.insert("notified".into(), json!(notified));
        }
    }
    answer
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
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests", tag = "staff", security(("admin_token" = [])), request_body = LogRequest,
    responses((status = 201, description = "The request with its deadline"), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn log_request(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<LogRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let row = requests::log_received(
        &state,
        &request.kind,
        &request.channel,
        &request.contact,
        request.received_on.as_deref(),
    )
    .await?;
    audit_api_call(&state, client, "privacy_request.log", "privacy_request", &row.id.to_string(), None).await?;
    Ok((StatusCode::CREATED, Json(view(&row, state.clock().now(), true))))
}

/// Every request still to answer, the most urgent first, with days left and overdue flags.
#[utoipa::path(get, path = "/api/v1/admin/privacy-requests", tag = "staff", security(("admin_token" = [])),
    responses((status = 200, description = "{requests: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn open_requests(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
) -> Result<Json<Value>, ApiError> {
    audit_api_call(&state, client, "privacy_requests.view", "privacy_request", "*", None).await?;
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
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests/{id}/extend", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = Extension,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(extension): ApiJson<Extension>,
) -> Result<Json<Value>, ApiError> {
    audit_api_call(&state, client, "privacy_request.extend", "privacy_request", &id.to_string(), None).await?;
    let row = requests::extend_request(&state, id, &extension.reason).await?;
    Ok(Json(view(&row, state.clock().now(), true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    /// What was done, or why the request was refused (recorded; no personal data).
    pub outcome: String,
    #[serde(default)]
    pub refused: bool,
}

/// Closes a request as completed (or refused, with the reason). Completing an erasure or a
/// restriction carries it out and tells the recipients of the person's data (Art. 19).
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests/{id}/complete", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = Completion,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(completion): ApiJson<Completion>,
) -> Result<Json<Value>, ApiError> {
    let action = if completion.refused { "privacy_request.refuse" } else { "privacy_request.complete" };
    audit_api_call(&state, client, action, "privacy_request", &id.to_string(), None).await?;
    let closed = requests::complete_request(
        &state,
        id,
        &completion.outcome,
        completion.refused,
        Actor::Staff("api-token".into()),
    )
    .await?;
    Ok(Json(closed_view(&closed, state.clock().now(), true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    pub kind: String,
}

/// Files a request from the account (identity proven by the session); answered at the account's
/// email address.
#[utoipa::path(post, path = "/api/v1/account/requests", tag = "rights", security(("session_token" = [])), request_body = FileRequest,
    responses((status = 201, description = "The request with its deadline"), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<FileRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let closed = requests::file_for_account(&state, customer.id, &request.kind).await?;
    let answer = closed_view(&closed, state.clock().now(), false);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The account's requests and where each stands.
#[utoipa::path(get, path = "/api/v1/account/requests", tag = "rights", security(("session_token" = [])),
    responses((status = 200, description = "{requests: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn mine(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<Value>, ApiError> {
    let now = state.clock().now();
    let rows = PrivacyRequests::of_customer(state.db(), customer.id).await?;
    Ok(Json(json!({"requests": rows.iter().map(|r| view(r, now, false)).collect::<Vec<_>>()})))
}

// ---------------------------------------------------------------------------------------------
// People without an account: the request is made on the privacy centre with an email address;
// a one-time code sent there proves they hold it (the clock waits meanwhile); an access request
// then gets a download link that expires, an erasure is carried out at once.

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestRequest {
    pub kind: String,
    #[schema(value_type = String)]
    pub email: luxevault_core::Pii<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// Starts a request about the data held under an email address; a code goes to that address.
/// The answer is the same whether or not the house holds anything under it.
#[utoipa::path(post, path = "/api/v1/privacy/requests", tag = "rights", request_body = GuestRequest,
    responses((status = 202, description = "{request_id, message}"), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn start_guest(
    State(state): State<AppState>,
    crate::extract::ClientAddr(addr): crate::extract::ClientAddr,
    ApiJson(request): ApiJson<GuestRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = requests::start_for_address(&state, &request.kind, request.email.expose(), request.lang, addr).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"request_id": id, "message": "We sent a code to this address. Enter it here to go on."})),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeProof {
    pub code: String,
    /// Language of the answer's sentences; the shop's default when absent.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Checks the code; then an access or portability request gets its download link, an erasure
/// is carried out (and the person told what was kept and why), other rights go to staff.
#[utoipa::path(post, path = "/api/v1/privacy/requests/{id}/verify", tag = "rights", params(("id" = Uuid, Path)), request_body = CodeProof,
    responses((status = 200, description = "What happens next"), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn verify_guest(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(proof): ApiJson<CodeProof>,
) -> Result<Json<Value>, ApiError> {
    let answer = match requests::verify_address(&state, id, &proof.code, proof.lang.as_deref()).await? {
        Verified::Archive { token, expires } => json!({
            "status": "ready",
            // The token goes in the body of the download's POST, never in a URL.
            "download_url": format!("/api/v1/privacy/requests/{id}/archive"),
            "download_token": token,
            "expires_at": expires.to_rfc3339(),
        }),
        Verified::Erased(erasure) => json!({
            "status": "completed", "erased": erasure.erased, "kept": erasure.kept, "notified": erasure.notified,
        }),
        Verified::Restricted(notified) => json!({"status": "completed", "restricted": true, "notified": notified}),
        Verified::Open { due_at } => json!({
            "status": "open", "due_at": due_at.to_rfc3339(), "message": "We will answer you by email by this date.",
        }),
    };
    Ok(Json(answer))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveToken {
    /// The `download_token` the verification answered with.
    token: String,
}

/// The copy of the data held under the request's address, while its link is valid. The token
/// is posted (a URL's query is written down by servers, proxies and browsers).
#[utoipa::path(post, path = "/api/v1/privacy/requests/{id}/archive", tag = "rights", params(("id" = Uuid, Path)), request_body = ArchiveToken,
    responses((status = 200, description = "The archive (application/zip: data.json, CSV files, index.html), as an attachment"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ArchiveToken>,
) -> Result<axum::response::Response, ApiError> {
    let document = requests::archive_behind_link(&state, id, Some(&body.token)).await?;
    Ok(crate::api::rights::archive_response(document))
}
