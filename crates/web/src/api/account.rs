//! Customer accounts over the JSON API: register, sign in and out, change or reset the password,
//! correct the account's details. The rules (throttles, answers that never tell whether an email
//! has an account, passwords never echoed) are `luxevault_shop::accounts`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::Pii;
use luxevault_shop::accounts::{self, Account, Registration, Session};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson};
use crate::extract::{ClientAddr, SignedIn};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(value_type = String)]
    pub username: Pii<String>,
    #[schema(value_type = String)]
    pub email: Pii<String>,
    #[schema(value_type = String)]
    pub password: Pii<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// Marketing email, only when the customer ticked it (P22): never assumed.
    #[serde(default)]
    pub marketing_opt_in: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(value_type = String)]
    pub email: Pii<String>,
    #[schema(value_type = String)]
    pub password: Pii<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    /// Keep it in localStorage as `lg_session` and send it as `Authorization: Bearer …`.
    pub token: String,
    /// UTC microseconds.
    pub expires_at: i64,
    pub account: AccountView,
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    #[schema(value_type = String)]
    pub username: Pii<String>,
    #[schema(value_type = String)]
    pub email: Pii<String>,
    pub lang: String,
}

impl From<Account> for AccountView {
    fn from(account: Account) -> Self {
        Self { username: account.username, email: account.email, lang: account.lang }
    }
}

impl From<Session> for SessionResponse {
    fn from(session: Session) -> Self {
        Self { token: session.token, expires_at: session.expires_at, account: session.account.into() }
    }
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/api/v1/account/register", request_body = RegisterRequest, tag = "account",
    responses((status = 201, body = SessionResponse), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let RegisterRequest { username, email, password, lang, marketing_opt_in } = request;
    let registration = Registration {
        username: username.expose(),
        email: email.expose(),
        password,
        lang: lang.as_deref(),
        marketing_opt_in,
        client: addr,
    };
    let session = accounts::register(&state, registration).await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}

/// Signs in. Unknown emails and wrong passwords get the same answer, in the same time.
#[utoipa::path(post, path = "/api/v1/account/login", request_body = LoginRequest, tag = "account",
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    Ok(Json(accounts::sign_in(&state, request.email.expose(), request.password, addr).await?.into()))
}

/// Ends this session.
#[utoipa::path(post, path = "/api/v1/account/logout", tag = "account", security(("session_token" = [])), responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<StatusCode, ApiError> {
    accounts::sign_out(&state, &customer.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the account, on every device, this one included.
#[utoipa::path(post, path = "/api/v1/account/logout-everywhere", tag = "account", security(("session_token" = [])), responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
) -> Result<StatusCode, ApiError> {
    accounts::sign_out_everywhere(&state, customer.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/account", tag = "account", security(("session_token" = [])), responses((status = 200, body = AccountView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<AccountView>, ApiError> {
    Ok(Json(accounts::account(&state, customer.id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String)]
    pub current_password: Pii<String>,
    #[schema(value_type = String)]
    pub new_password: Pii<String>,
}

/// Changes the password: every session ends, and a fresh one is returned for this device.
#[utoipa::path(post, path = "/api/v1/account/password", request_body = ChangePasswordRequest, tag = "account", security(("session_token" = [])),
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let session =
        accounts::change_password(&state, customer.id, request.current_password, request.new_password).await?;
    Ok(Json(session.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(value_type = String)]
    pub email: Pii<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub message: String,
}

/// Sends a single-use reset link if the email has an account. The answer is the same either way.
#[utoipa::path(post, path = "/api/v1/account/password-reset", request_body = ResetRequest, tag = "account",
    responses((status = 202, body = Accepted), (status = 429, body = crate::error::ErrorBody)))]
pub async fn request_reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    accounts::request_reset(&state, request.email.expose(), addr).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: "If this email has an account, a link to choose a new password is on its way.".into(),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmRequest {
    pub token: String,
    #[schema(value_type = String)]
    pub new_password: Pii<String>,
}

/// Sets a new password with a reset link's token; the link then stops working and every
/// session of the account ends.
#[utoipa::path(post, path = "/api/v1/account/password-reset/confirm", request_body = ResetConfirmRequest, tag = "account",
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ResetConfirmRequest>,
) -> Result<StatusCode, ApiError> {
    accounts::confirm_reset(&state, &request.token, request.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsChange {
    /// The password again: changing where the account is reached needs a fresh proof.
    #[schema(value_type = String)]
    pub password: Pii<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub username: Option<Pii<String>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Option<Pii<String>>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// Corrects the account's username, email or language (rectification, P16).
#[utoipa::path(post, path = "/api/v1/account/details", request_body = DetailsChange, tag = "rights", security(("session_token" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_details(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(change): ApiJson<DetailsChange>,
) -> Result<Json<AccountView>, ApiError> {
    let change = accounts::DetailsChange {
        password: change.password,
        username: change.username,
        email: change.email,
        lang: change.lang,
    };
    Ok(Json(accounts::change_details(&state, customer.id, change).await?.into()))
}
