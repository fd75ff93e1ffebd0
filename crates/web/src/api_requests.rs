//! Rights requests and their clocks. Staff log the requests that arrive by email or WhatsApp
//! (P21) and see every open one with its deadline; account holders file theirs from their
//! account. Each request is due one month after receipt at the latest (never later than the
//! policy's promise), extendable once by two months with a notice, with the policy's
//! five-business-day aim alongside (P17).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use luxevault_core::order::Actor;
use luxevault_core::requests::{Channel, RequestKind, deadline, target};
use luxevault_core::{Email, Timestamp};
use luxevault_storage::{Accounts, DbError, NewPrivacyRequest, PrivacyRequestRow, PrivacyRequests};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_admin::{Operator, audit_api_call};
use crate::customer::{ClientAddr, SignedIn};
use crate::error::{ApiError, ApiJson};
use crate::limits::Person;
use crate::outbox::{EmailJob, queue_email};
use crate::state::AppState;

pub(crate) fn view(row: &PrivacyRequestRow, now: Timestamp, with_contact: bool) -> Value {
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
) -> Result<Uuid, DbError> {
    let rights = &state.policy().policy.rights;
    let request = NewPrivacyRequest {
        status: "open",
        code: None,
        kind: kind.as_str(),
        channel: channel.as_str(),
        customer_id: customer,
        contact,
        received_at: received,
        due_at: deadline(received, rights.answer_within_days, false, 0),
        target_at: target(received, rights.target_business_days),
    };
    PrivacyRequests::create(state.db(), &request, state.clock().now()).await
}

/// Why a staff action on a request was not taken (HTTP-free: the API and the back office
/// answer each in their own way). Messages hold no personal data.
#[derive(Debug)]
pub enum RequestError {
    Invalid(&'static str, &'static str),
    Conflict(&'static str, &'static str),
    NotFound,
    Db(DbError),
}

impl From<DbError> for RequestError {
    fn from(error: DbError) -> Self {
        Self::Db(error)
    }
}

impl RequestError {
    pub fn message(&self) -> &'static str {
        match self {
            Self::Invalid(_, message) | Self::Conflict(_, message) => message,
            Self::NotFound => "No such request.",
            Self::Db(_) => "The shop is unavailable for a moment; try again.",
        }
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Invalid(code, message) => invalid(code, message),
            RequestError::Conflict(code, message) => ApiError::new(StatusCode::CONFLICT, code, message.to_string()),
            RequestError::NotFound => ApiError::not_found("No such request."),
            RequestError::Db(error) => ApiError::from(error),
        }
    }
}

/// Logs a request that arrived by email or WhatsApp (P21); its clock starts on the day it
/// arrived (`received_on`, YYYY-MM-DD; today when absent).
pub async fn log_received(
    state: &AppState,
    kind: &str,
    channel: &str,
    contact: &str,
    received_on: Option<&str>,
) -> Result<PrivacyRequestRow, RequestError> {
    let kind = RequestKind::parse(kind)
        .ok_or(RequestError::Invalid("invalid_kind", "kind must be one of the seven rights"))?;
    let channel = Channel::parse(channel)
        .ok_or(RequestError::Invalid("invalid_channel", "channel must be email, whatsapp or web"))?;
    let contact = contact.trim();
    if contact.is_empty() || contact.chars().count() > 254 || contact.chars().any(char::is_control) {
        return Err(RequestError::Invalid(
            "invalid_contact",
            "contact must be the email address or number the request came from",
        ));
    }
    let now = state.clock().now();
    let received = match received_on {
        Some(day) => Timestamp::from_date(day)
            .ok_or(RequestError::Invalid("invalid_date", "received_on must be a date YYYY-MM-DD"))?,
        None => now,
    };
    if received > now {
        return Err(RequestError::Invalid("invalid_date", "received_on cannot be in the future"));
    }
    let id = open_request(state, kind, channel, None, contact, received).await?;
    tracing::info!(request = %id, kind = kind.as_str(), channel = channel.as_str(), "privacy request logged");
    PrivacyRequests::by_id(state.db(), id).await?.ok_or(RequestError::NotFound)
}

/// Extends a request by two months, once, and queues the notice telling the person why.
pub async fn extend_request(state: &AppState, id: Uuid, reason: &str) -> Result<PrivacyRequestRow, RequestError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(RequestError::Invalid("reason_required", "Give the reason, in a sentence the person will read."));
    }
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or(RequestError::NotFound)?;
    let now = state.clock().now();
    if now > row.due_at {
        return Err(RequestError::Conflict("too_late", "The deadline has passed: it can no longer be extended."));
    }
    let due = deadline(row.received_at, state.policy().policy.rights.answer_within_days, true, 0);
    if !PrivacyRequests::extend(state.db(), id, due, reason, now).await? {
        return Err(RequestError::Conflict("not_open", "Only an open request can be extended, and only once."));
    }
    queue_email(state.db(), &EmailJob::RequestExtended { request_id: id }, now).await?;
    PrivacyRequests::by_id(state.db(), id).await?.ok_or(RequestError::NotFound)
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
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<LogRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let row =
        log_received(&state, &request.kind, &request.channel, &request.contact, request.received_on.as_deref()).await?;
    audit_api_call(&state, client, "privacy_request.log", "privacy_request", &row.id.to_string(), None).await?;
    Ok((StatusCode::CREATED, Json(view(&row, state.clock().now(), true))))
}

/// Every request still to answer, the most urgent first, with days left and overdue flags.
#[utoipa::path(get, path = "/api/v1/admin/privacy-requests", tag = "staff",
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
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests/{id}/extend", tag = "staff", params(("id" = Uuid, Path)), request_body = Extension,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    ApiJson(extension): ApiJson<Extension>,
) -> Result<Json<Value>, ApiError> {
    audit_api_call(&state, client, "privacy_request.extend", "privacy_request", &id.to_string(), None).await?;
    let row = extend_request(&state, id, &extension.reason).await?;
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
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests/{id}/complete", tag = "staff", params(("id" = Uuid, Path)), request_body = Completion,
    responses((status = 200), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    ApiJson(completion): ApiJson<Completion>,
) -> Result<Json<Value>, ApiError> {
    let action = if completion.refused { "privacy_request.refuse" } else { "privacy_request.complete" };
    audit_api_call(&state, client, action, "privacy_request", &id.to_string(), None).await?;
    complete_request(&state, id, &completion.outcome, completion.refused, Actor::Staff("api-token".into()))
        .await
        .map(Json)
}

/// Closes a request as completed (or refused, with the reason), for the API and the back office
/// alike. Completing an erasure or a restriction carries it out and tells the recipients of the
/// person's data (Art. 19); the answer is the request's view, with `notified` when any were told.
pub async fn complete_request(
    state: &AppState,
    id: Uuid,
    outcome: &str,
    refused: bool,
    actor: Actor,
) -> Result<Value, ApiError> {
    let outcome = outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 1000 {
        return Err(invalid("outcome_required", "Say what was done, or why not."));
    }
    let now = state.clock().now();
    let status = if refused { "refused" } else { "completed" };
    let row = PrivacyRequests::by_id(state.db(), id).await?;
    let granting = !refused
        && row.as_ref().is_some_and(|r| {
            r.kind == RequestKind::Restriction.as_str() && matches!(r.status.as_str(), "open" | "extended")
        });
    if let (true, Some(row)) = (granting, &row) {
        // A restriction granted by staff: the person (their account and their address) is
        // flagged, the recipients are told, and the request closes with both.
        let email = Email::parse(row.contact.expose()).ok();
        let mut person = match &email {
            Some(email) => Person::of_email(state, email).await?,
            None => Person::default(),
        };
        if let Some(customer) = row.customer_id {
            person.customer = Some(customer);
        }
        if person.customer.is_none() && person.email_key.is_none() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "no_person",
                "This request names no account or email address to restrict; restrict by hand and record it.",
            ));
        }
        let notified = crate::api_limits::grant_restriction(state, id, &person, email.as_ref(), Some(outcome)).await?;
        let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
        let mut answer = view(&row, now, true);
        if let Some(map) = answer.as_object_mut() {
            map.insert("notified".into(), Value::Array(notified));
        }
        return Ok(answer);
    }
    let erasing = !refused
        && row.as_ref().is_some_and(|r| {
            r.kind == RequestKind::Erasure.as_str() && matches!(r.status.as_str(), "open" | "extended")
        });
    if let (true, Some(row)) = (erasing, &row) {
        return complete_erasure(state, row, outcome, actor).await;
    }
    if !PrivacyRequests::close(state.db(), id, status, outcome, now).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_open",
            "This request is already closed, or does not exist.",
        ));
    }
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    Ok(view(&row, now, true))
}

/// An erasure request logged by staff, the person's identity checked by them: the account using
/// the address (or the request's account) is erased, the orders placed with the address are
/// anonymised as the person's own erasure would, the recipients that received the data are told
/// (Art. 19), and the request closes with what staff said and who was told.
async fn complete_erasure(
    state: &AppState,
    row: &PrivacyRequestRow,
    outcome: &str,
    actor: Actor,
) -> Result<Value, ApiError> {
    let now = state.clock().now();
    let email = Email::parse(row.contact.expose()).ok();
    let account = match &email {
        Some(email) => Accounts::by_email(state.db(), email).await?.map(|a| a.id),
        None => None,
    }
    .or(row.customer_id);
    if account.is_none() && email.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_person",
            "This request names no account or email address to erase; erase by hand and record it.",
        ));
    }
    let orders = crate::api_limits::orders_of(state, account, email.as_ref()).await?;
    let received = crate::notices::received(state, &orders, account.is_some()).await?;
    let notified = crate::notices::notify(state, row.id, &received).await?;
    let mut in_progress = Vec::new();
    if let Some(customer) = account {
        let of_account: Vec<_> = orders.iter().filter(|o| o.customer_id == Some(customer)).cloned().collect();
        in_progress
            .extend(crate::api_rights::erase_account_data(state, customer, &of_account, now, actor.clone()).await?.1);
    }
    if let Some(email) = &email {
        for number in crate::api_rights::erase_orders_of_email(state, &email.normalized(), now).await? {
            if !in_progress.contains(&number) {
                in_progress.push(number);
            }
        }
    }
    let names: Vec<&str> = notified.iter().filter_map(|n| n["recipient"].as_str()).collect();
    let record = if names.is_empty() {
        outcome.to_string()
    } else {
        format!("{outcome}; recipients notified: {}", names.join(", "))
    };
    if !PrivacyRequests::close(state.db(), row.id, "completed", &record, now).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "not_open", "This request is already closed."));
    }
    tracing::info!(request = %row.id, kept = in_progress.len(), "erasure carried out on a logged request");
    let closed = PrivacyRequests::by_id(state.db(), row.id).await?.ok_or_else(ApiError::internal)?;
    let mut answer = view(&closed, now, true);
    if let Some(map) = answer.as_object_mut() {
        let lang = state.settings().default_lang().clone();
        map.insert("kept".into(), Value::Array(crate::api_rights::kept_explained(state, &lang, &in_progress)));
        map.insert("notified".into(), Value::Array(notified));
    }
    Ok(answer)
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
    // A restriction needs no weighing when the holder asks for it: granted at once (Art. 18).
    let notified = if kind == RequestKind::Restriction {
        let person = Person::of_account(&state, customer.id).await?;
        let email = Email::parse(account.email.expose()).ok();
        Some(crate::api_limits::grant_restriction(&state, id, &person, email.as_ref(), None).await?)
    } else {
        None
    };
    let row = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    let mut answer = view(&row, now, false);
    if let (Some(notified), Some(map)) = (notified, answer.as_object_mut()) {
        map.insert("notified".into(), Value::Array(notified));
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The account's requests and where each stands.
#[utoipa::path(get, path = "/api/v1/account/requests", tag = "rights",
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

/// How long a code works, and how many tries it allows.
const CODE_MINUTES: i64 = 15;
const CODE_ATTEMPTS: i32 = 5;
/// How long an access request's download link works: the policy's `request_archives` rule.
fn archive_days(state: &AppState) -> i64 {
    state.policy().policy.retention_rule("request_archives").map(|r| i64::from(r.keep_days)).unwrap_or(7)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestRequest {
    pub kind: String,
    #[schema(value_type = String)]
    pub email: luxevault_core::Pii<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

fn six_digits() -> Result<String, ApiError> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::internal())?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

/// Starts a request about the data held under an email address; a code goes to that address.
/// The answer is the same whether or not the house holds anything under it.
#[utoipa::path(post, path = "/api/v1/privacy/requests", tag = "rights", request_body = GuestRequest,
    responses((status = 202, description = "{request_id, message}"), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn start_guest(
    State(state): State<AppState>,
    crate::customer::ClientAddr(addr): crate::customer::ClientAddr,
    ApiJson(request): ApiJson<GuestRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = RequestKind::parse(&request.kind)
        .ok_or_else(|| invalid("invalid_kind", "kind must be one of the seven rights"))?;
    let email = luxevault_core::Email::parse(request.email.expose())
        .map_err(|_| invalid("invalid_email", "This is not an email address."))?;
    let now = state.clock().now();
    let key = crate::auth::throttle_key(
        state.order_link_key(),
        "request:address",
        &addr.map(|a| a.to_string()).unwrap_or_default(),
    );
    let per_email = crate::auth::throttle_key(state.order_link_key(), "request:email", &email.normalized());
    if !crate::auth::attempt(state.db(), &key, crate::auth::ADDRESS_ATTEMPTS_ALLOWED, now).await?
        || !crate::auth::attempt(state.db(), &per_email, 3, now).await?
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many requests. Please wait a few minutes.",
        ));
    }
    let code = six_digits()?;
    let code_hash = crate::auth::token_hash(&code);
    let rights = &state.policy().policy.rights;
    let new = NewPrivacyRequest {
        status: "awaiting_verification",
        code: Some((&code_hash, now.plus_seconds(CODE_MINUTES * 60))),
        kind: kind.as_str(),
        channel: Channel::Web.as_str(),
        customer_id: None,
        contact: &email.normalized(),
        received_at: now,
        due_at: deadline(now, rights.answer_within_days, false, 0),
        target_at: target(now, rights.target_business_days),
    };
    let id = PrivacyRequests::create(state.db(), &new, now).await?;
    let lang = request.lang.unwrap_or_default();
    queue_email(state.db(), &EmailJob::RequestCode { request_id: id, code, lang }, now).await?;
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
    Path(id): Path<Uuid>,
    ApiJson(proof): ApiJson<CodeProof>,
) -> Result<Json<Value>, ApiError> {
    use subtle::ConstantTimeEq;
    let wrong =
        || ApiError::bad_request("invalid_code", "This code is not right, or has expired. You can ask for a new one.");
    let now = state.clock().now();
    let (hash, expires, attempts, status) = PrivacyRequests::verification(state.db(), id).await?.ok_or_else(wrong)?;
    if status != "awaiting_verification" {
        return Err(wrong());
    }
    if attempts >= CODE_ATTEMPTS {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many tries: ask for a new code.",
        ));
    }
    PrivacyRequests::count_attempt(state.db(), id).await?;
    let given = crate::auth::token_hash(proof.code.trim());
    let matches = hash.as_deref().is_some_and(|h| bool::from(h.as_bytes().ct_eq(given.as_bytes())));
    if !matches || expires.is_none_or(|e| Timestamp(e) <= now) {
        return Err(wrong());
    }
    if !PrivacyRequests::verify(state.db(), id, now).await? {
        return Err(wrong());
    }
    let request = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(ApiError::internal)?;
    match RequestKind::parse(&request.kind) {
        Some(RequestKind::Access | RequestKind::Portability) => {
            let token = crate::auth::new_token()?;
            let expires = now.plus_days(archive_days(&state));
            PrivacyRequests::set_archive(state.db(), id, &crate::auth::token_hash(&token), expires).await?;
            PrivacyRequests::close(state.db(), id, "completed", "copy made available for download", now).await?;
            Ok(Json(json!({
                "status": "ready",
                "download_url": format!("/api/v1/privacy/requests/{id}/archive?token={token}"),
                "expires_at": expires.to_rfc3339(),
            })))
        }
        Some(RequestKind::Erasure) => {
            let lang = proof
                .lang
                .as_deref()
                .and_then(luxevault_core::Lang::parse)
                .filter(|l| state.settings().langs.contains(l))
                .unwrap_or_else(|| state.settings().default_lang().clone());
            let outcome = crate::api_rights::erase_by_email(&state, id, request.contact.expose(), &lang, now).await?;
            let notified: Vec<&str> =
                outcome["notified"].as_array().into_iter().flatten().filter_map(|n| n["recipient"].as_str()).collect();
            let record = if notified.is_empty() {
                "orders anonymised; orders on their way kept until complete".to_string()
            } else {
                format!(
                    "orders anonymised; orders on their way kept until complete; recipients notified: {}",
                    notified.join(", ")
                )
            };
            PrivacyRequests::close(state.db(), id, "completed", &record, now).await?;
            Ok(Json(json!({
                "status": "completed", "erased": outcome["erased"], "kept": outcome["kept"], "notified": outcome["notified"],
            })))
        }
        Some(RequestKind::Restriction) => {
            let email = Email::parse(request.contact.expose()).map_err(|_| ApiError::internal())?;
            let person = Person::of_email(&state, &email).await?;
            let notified = crate::api_limits::grant_restriction(&state, id, &person, Some(&email), None).await?;
            Ok(Json(json!({"status": "completed", "restricted": true, "notified": notified})))
        }
        _ => Ok(Json(
            json!({"status": "open", "due_at": request.due_at.to_rfc3339(), "message": "We will answer you by email by this date."}),
        )),
    }
}

#[derive(Deserialize)]
pub struct ArchiveToken {
    token: Option<String>,
}

/// The copy of the data held under the request's address, while its link is valid.
#[utoipa::path(get, path = "/api/v1/privacy/requests/{id}/archive", tag = "rights", params(("id" = Uuid, Path), ("token" = String, Query)),
    responses((status = 200, description = "The archive (application/zip: data.json, CSV files, index.html), as an attachment"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    axum::extract::Query(query): axum::extract::Query<ArchiveToken>,
) -> Result<axum::response::Response, ApiError> {
    use subtle::ConstantTimeEq;
    let gone = || ApiError::not_found("This link has expired. Make a new request from the privacy centre.");
    let now = state.clock().now();
    let (hash, expires) = PrivacyRequests::archive(state.db(), id).await?.ok_or_else(gone)?;
    let given = crate::auth::token_hash(query.token.as_deref().unwrap_or_default());
    let valid = hash.as_deref().is_some_and(|h| bool::from(h.as_bytes().ct_eq(given.as_bytes())))
        && expires.is_some_and(|e| Timestamp(e) > now);
    if !valid {
        return Err(gone());
    }
    let request = PrivacyRequests::by_id(state.db(), id).await?.ok_or_else(gone)?;
    let document = crate::api_rights::document_for_email(&state, request.contact.expose(), &request).await?;
    crate::api_rights::archive_response(&state, &document, state.settings().default_lang())
}
