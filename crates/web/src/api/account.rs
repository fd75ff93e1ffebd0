//! Customer accounts over the JSON API: register, sign in and out, change or reset the password.
//! Answers never tell whether an email has an account (sign-in and reset), passwords are never
//! echoed or logged, and guesses are throttled per account and per client address.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use luxevault_core::account::{check_password, is_valid_username};
use luxevault_core::{Email, Lang, Pii};
use luxevault_storage::{Accounts, CreateAccount, NewCustomer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson};
use crate::extract::{ClientAddr, SignedIn};
use crate::state::AppState;
use luxevault_shop::auth::reauthenticate;
use luxevault_shop::auth::{self, AuthError};
use luxevault_shop::outbox::{EmailJob, queue_email};

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Db(db) => db.into(),
            AuthError::Busy => ApiError::unavailable(),
            AuthError::Hashing => {
                tracing::error!("password hashing failed");
                ApiError::internal()
            }
        }
    }
}

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

fn lang_or_default(state: &AppState, requested: Option<&str>) -> Lang {
    requested
        .and_then(Lang::parse)
        .filter(|l| state.settings().langs.contains(l))
        .unwrap_or_else(|| state.settings().default_lang().clone())
}

fn password_error(problem: luxevault_core::account::PasswordProblem) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak_password", format!("{}.", capitalise(&problem.to_string())))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

async fn open_session(state: &AppState, customer: uuid::Uuid) -> Result<(String, i64), ApiError> {
    let token = auth::new_token()?;
    let now = state.clock().now();
    let expires = now.plus_days(auth::SESSION_ABSOLUTE_DAYS);
    Accounts::insert_session(state.db(), &auth::token_hash(&token), customer, now, expires).await?;
    Ok((token, expires.as_micros()))
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/api/v1/account/register", request_body = RegisterRequest, tag = "account",
    responses((status = 201, body = SessionResponse), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let address_key = address_key(&state, "register:address", addr);
    if !auth::attempt(state.db(), &address_key, auth::ADDRESS_ATTEMPTS_ALLOWED, state.clock().now()).await? {
        return Err(too_many());
    }
    let username = request.username.expose().trim().to_string();
    check_username(&username)?;
    let email = Email::parse(request.email.expose()).map_err(|_| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", "This is not an email address.")
    })?;
    check_password(request.password.expose(), &[&username, email.expose()]).map_err(password_error)?;
    let lang = lang_or_default(&state, request.lang.as_deref());
    let hash = auth::hash_password(request.password.into_inner()).await?;
    let now = state.clock().now();
    let created = Accounts::create(
        state.db(),
        &NewCustomer { username: &username, email: &email, password_hash: &hash, lang: lang.as_str() },
        now,
    )
    .await?;
    let id = match created {
        CreateAccount::Created(id) => id,
        CreateAccount::UsernameTaken => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                "This username is taken; choose another.",
            ));
        }
        // Registration is the one place an address's account can be inferred; the answer points
        // to sign-in and reset, and registrations are throttled like sign-ins.
        CreateAccount::EmailTaken => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "account_exists",
                "An account already uses this email. Sign in, or reset your password.",
            ));
        }
    };
    queue_email(state.db(), &EmailJob::Welcome { customer_id: id }, now).await?;
    if request.marketing_opt_in {
        // The page the customer ticked the box on, in their language.
        let page = format!("{}/account", state.settings().prefix(&lang));
        luxevault_shop::consent::record(&state, id, "marketing", true, &page, "checkbox").await?;
    }
    let (token, expires_at) = open_session(&state, id).await?;
    tracing::info!(customer = %id, "account created");
    Ok((
        StatusCode::CREATED,
        Json(SessionResponse {
            token,
            expires_at,
            account: AccountView {
                username: Pii::new(username),
                email: Pii::new(email.expose().to_string()),
                lang: lang.to_string(),
            },
        }),
    ))
}

fn address_key(state: &AppState, kind: &str, addr: Option<std::net::IpAddr>) -> String {
    auth::throttle_key(state.order_link_key(), kind, &addr.map(|a| a.to_string()).unwrap_or_default())
}

fn check_username(username: &str) -> Result<(), ApiError> {
    if is_valid_username(username) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_username",
            "Choose a username of 3 to 32 letters, digits, dots, hyphens or underscores.",
        ))
    }
}

fn too_many() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Too many attempts. Please wait a few minutes and try again.",
    )
}

fn bad_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "This email and password do not match an account.")
}

/// Signs in. Unknown emails and wrong passwords get the same answer, in the same time.
#[utoipa::path(post, path = "/api/v1/account/login", request_body = LoginRequest, tag = "account",
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let now = state.clock().now();
    let email = Email::parse(request.email.expose()).map_err(|_| bad_credentials())?;
    let account_key = auth::throttle_key(state.order_link_key(), "login:account", &email.normalized());
    let address_key = address_key(&state, "login:address", addr);
    // Counted before the password is checked: parallel guesses cannot outrun the limit.
    if !auth::attempt(state.db(), &address_key, auth::ADDRESS_ATTEMPTS_ALLOWED, now).await?
        || !auth::attempt(state.db(), &account_key, auth::ACCOUNT_ATTEMPTS_ALLOWED, now).await?
    {
        return Err(too_many());
    }
    let customer = Accounts::by_email(state.db(), &email).await?;
    let stored = customer.as_ref().map(|c| c.password_hash.clone());
    if !auth::verify_password(request.password.into_inner(), stored).await? {
        return Err(bad_credentials());
    }
    let Some(customer) = customer else { return Err(bad_credentials()) };
    Accounts::clear_throttle(state.db(), &account_key).await?;
    Accounts::touch(state.db(), customer.id, now).await?;
    let (token, expires_at) = open_session(&state, customer.id).await?;
    Ok(Json(SessionResponse {
        token,
        expires_at,
        account: AccountView { username: customer.username, email: customer.email, lang: customer.lang },
    }))
}

/// Ends this session.
#[utoipa::path(post, path = "/api/v1/account/logout", tag = "account", responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<StatusCode, ApiError> {
    Accounts::delete_session(state.db(), &customer.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the account, on every device, this one included.
#[utoipa::path(post, path = "/api/v1/account/logout-everywhere", tag = "account", responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
) -> Result<StatusCode, ApiError> {
    Accounts::delete_sessions_of(state.db(), customer.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/account", tag = "account", responses((status = 200, body = AccountView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<AccountView>, ApiError> {
    let row = Accounts::by_id(state.db(), customer.id).await?.ok_or_else(|| ApiError::not_found("No such account."))?;
    Ok(Json(AccountView { username: row.username, email: row.email, lang: row.lang }))
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
#[utoipa::path(post, path = "/api/v1/account/password", request_body = ChangePasswordRequest, tag = "account",
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let now = state.clock().now();
    let row =
        reauthenticate(&state, customer.id, request.current_password, "The current password is not right.").await?;
    check_password(request.new_password.expose(), &[row.username.expose(), row.email.expose()])
        .map_err(password_error)?;
    let hash = auth::hash_password(request.new_password.into_inner()).await?;
    Accounts::set_password(state.db(), customer.id, &hash, now).await?;
    let (token, expires_at) = open_session(&state, customer.id).await?;
    Ok(Json(SessionResponse {
        token,
        expires_at,
        account: AccountView { username: row.username, email: row.email, lang: row.lang },
    }))
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
    let now = state.clock().now();
    let address_key = address_key(&state, "reset:address", addr);
    if !auth::attempt(state.db(), &address_key, auth::ADDRESS_ATTEMPTS_ALLOWED, now).await? {
        return Err(too_many());
    }
    if let Ok(email) = Email::parse(request.email.expose()) {
        // At most a few links per address per window: no mail-bombing a customer. The answer
        // stays the same either way.
        let account_key = auth::throttle_key(state.order_link_key(), "reset:account", &email.normalized());
        let allowed = auth::attempt(state.db(), &account_key, 3, now).await?;
        if let (true, Some(customer)) = (allowed, Accounts::by_email(state.db(), &email).await?) {
            let token = auth::new_token()?;
            let expires = now.plus_seconds(auth::RESET_TOKEN_MINUTES * 60);
            Accounts::insert_reset(state.db(), &auth::token_hash(&token), customer.id, now, expires).await?;
            queue_email(state.db(), &EmailJob::PasswordReset { customer_id: customer.id, token }, now).await?;
        }
    }
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
    let now = state.clock().now();
    let invalid =
        || ApiError::bad_request("invalid_token", "This link has expired or was already used. Ask for a new one.");
    if request.token.len() != 64 || !request.token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    if request.new_password.expose().chars().count() < luxevault_core::account::MIN_PASSWORD_CHARS {
        return Err(password_error(luxevault_core::account::PasswordProblem::TooShort));
    }
    let hash_of_token = auth::token_hash(&request.token);
    // Check the new password before the link is used up: a rejected password keeps the link.
    let customer = Accounts::peek_reset(state.db(), &hash_of_token, now).await?.ok_or_else(invalid)?;
    let row = Accounts::by_id(state.db(), customer).await?.ok_or_else(invalid)?;
    check_password(request.new_password.expose(), &[row.username.expose(), row.email.expose()])
        .map_err(password_error)?;
    let hash = auth::hash_password(request.new_password.into_inner()).await?;
    let taken = Accounts::take_reset(state.db(), &hash_of_token, now).await?.ok_or_else(invalid)?;
    Accounts::set_password(state.db(), taken, &hash, now).await?;
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
#[utoipa::path(post, path = "/api/v1/account/details", request_body = DetailsChange, tag = "rights",
    responses((status = 200, body = AccountView), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_details(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(change): ApiJson<DetailsChange>,
) -> Result<Json<AccountView>, ApiError> {
    let row = reauthenticate(&state, customer.id, change.password, "The password is not right.").await?;
    let username =
        change.username.map(|u| u.expose().trim().to_string()).unwrap_or_else(|| row.username.expose().clone());
    check_username(&username)?;
    let email_text = change.email.map(|e| e.into_inner()).unwrap_or_else(|| row.email.expose().clone());
    let email = Email::parse(&email_text).map_err(|_| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", "This is not an email address.")
    })?;
    let lang = match change.lang.as_deref() {
        Some(code) => Lang::parse(code)
            .filter(|l| state.settings().langs.contains(l))
            .ok_or_else(|| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unsupported_language", "This language is not offered.")
            })?
            .to_string(),
        None => row.lang.clone(),
    };
    match Accounts::update_details(state.db(), customer.id, &username, &email, &lang).await? {
        CreateAccount::Created(_) => {}
        CreateAccount::UsernameTaken => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                "This username is taken; choose another.",
            ));
        }
        CreateAccount::EmailTaken => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "account_exists",
                "Another account already uses this email.",
            ));
        }
    }
    // Art. 19: who received the old details is told of the correction.
    if username != *row.username.expose() || email.expose() != row.email.expose() {
        luxevault_shop::privacy::notices::account_rectified(&state, customer.id).await?;
    }
    tracing::info!(customer = %customer.id, "account details corrected");
    Ok(Json(AccountView { username: Pii::new(username), email: Pii::new(email.expose().to_string()), lang }))
}
