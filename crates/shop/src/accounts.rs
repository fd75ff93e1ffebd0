//! Customer accounts (P3, P16, P18): registration, sign-in and out, password change and reset,
//! corrections of the account's details. Passwords are only ever kept as Argon2id hashes and
//! never echoed or logged; answers never tell whether an email has an account (sign-in, reset);
//! guesses are throttled so that an attacker is slowed but cannot lock the customer out
//! (`auth::begin_sign_in`), counted before the check so that parallel guesses cannot outrun the
//! limit.

use std::net::IpAddr;

use luxevault_core::account::{PasswordProblem, check_password, is_valid_username};
use luxevault_core::{Email, Lang, Pii};
use luxevault_storage::{Accounts, CreateAccount, NewCustomer};
use uuid::Uuid;

use crate::Shop;
use crate::auth::{self, bad_credentials, reauthenticate, too_many};
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};

/// An account as its holder sees it.
#[derive(Debug, Clone)]
pub struct Account {
    pub username: Pii<String>,
    pub email: Pii<String>,
    pub lang: String,
}

/// A signed-in session: the bearer token (only its hash is kept) and when it ends.
#[derive(Debug)]
pub struct Session {
    pub token: String,
    /// UTC microseconds.
    pub expires_at: i64,
    pub account: Account,
}

/// What a person fills in to open an account.
pub struct Registration<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: Pii<String>,
    pub lang: Option<&'a str>,
    /// Marketing email only when the person ticked it (P22): never assumed.
    pub marketing_opt_in: bool,
    pub client: Option<IpAddr>,
}

fn lang_or_default(shop: &Shop, requested: Option<&str>) -> Lang {
    requested
        .and_then(Lang::parse)
        .filter(|l| shop.settings().langs.contains(l))
        .unwrap_or_else(|| shop.settings().default_lang().clone())
}

fn password_error(problem: PasswordProblem) -> ShopError {
    ShopError::invalid("weak_password", format!("{}.", capitalise(&problem.to_string())))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn invalid_email() -> ShopError {
    ShopError::invalid("invalid_email", "This is not an email address.")
}

fn check_username(username: &str) -> Result<(), ShopError> {
    // A username is shown to staff and kept for years: a card number typed there is refused.
    if is_valid_username(username) && !luxevault_core::sensitive::has_card_number(username) {
        Ok(())
    } else {
        Err(ShopError::invalid(
            "invalid_username",
            "Choose a username of 3 to 32 letters, digits, dots, hyphens or underscores.",
        ))
    }
}

fn address_key(shop: &Shop, kind: &str, client: Option<IpAddr>) -> String {
    auth::throttle_key(shop.order_link_key(), kind, &auth::client_subject(client))
}

async fn open_session(shop: &Shop, customer: Uuid, account: Account) -> Result<Session, ShopError> {
    let token = auth::new_token()?;
    let now = shop.clock().now();
    let expires = now.plus_days(auth::SESSION_ABSOLUTE_DAYS);
    Accounts::insert_session(shop.db(), &auth::token_hash(&token), customer, now, expires).await?;
    Ok(Session { token, expires_at: expires.as_micros(), account })
}

/// Opens an account and signs it in; the welcome email is queued, and the marketing consent is
/// recorded with its proof when (and only when) the person ticked it.
pub async fn register(shop: &Shop, registration: Registration<'_>) -> Result<Session, ShopError> {
    let address_key = address_key(shop, "register:address", registration.client);
    if !auth::attempt(shop.db(), &address_key, auth::ADDRESS_ATTEMPTS_ALLOWED, shop.clock().now()).await? {
        return Err(too_many());
    }
    let username = registration.username.trim().to_string();
    check_username(&username)?;
    let email = Email::parse(registration.email).map_err(|_| invalid_email())?;
    check_password(registration.password.expose(), &[&username, email.expose()]).map_err(password_error)?;
    if registration.marketing_opt_in && !crate::consent::is_consent_purpose(shop, "marketing") {
        // Refused before anything is created, so a retry does not meet its own account.
        return Err(ShopError::invalid("not_a_consent_purpose", "This shop's policy offers no marketing to agree to."));
    }
    let lang = lang_or_default(shop, registration.lang);
    let hash = auth::hash_password(shop.hashers(), registration.password.into_inner()).await?;
    let now = shop.clock().now();
    let customer = NewCustomer { username: &username, email: &email, password_hash: &hash, lang: lang.as_str() };
    let id = match Accounts::create(shop.db(), &customer, now).await? {
        CreateAccount::Created(id) => id,
        CreateAccount::UsernameTaken => {
            return Err(ShopError::conflict("username_taken", "This username is taken; choose another."));
        }
        // Registration is the one place an address's account can be inferred; the answer points
        // to sign-in and reset, and registrations are throttled like sign-ins.
        CreateAccount::EmailTaken => {
            return Err(ShopError::conflict(
                "account_exists",
                "An account already uses this email. Sign in, or reset your password.",
            ));
        }
    };
    queue_email(shop.db(), &EmailJob::Welcome { customer_id: id }, now).await?;
    auth::known_from(shop, SIGN_IN_DOOR, &email.normalized(), &auth::client_subject(registration.client)).await?;
    if registration.marketing_opt_in {
        // The page the customer ticked the box on, in their language.
        let page = format!("{}/account", shop.settings().prefix(&lang));
        crate::consent::record(shop, id, "marketing", true, &page, "checkbox").await?;
    }
    tracing::info!(customer = %id, "account created");
    let account =
        Account { username: Pii::new(username), email: Pii::new(email.expose().to_string()), lang: lang.to_string() };
    open_session(shop, id, account).await
}

/// Signs in. Unknown emails and wrong passwords get the same answer, in the same time.
pub async fn sign_in(
    shop: &Shop,
    email: &str,
    password: Pii<String>,
    client: Option<IpAddr>,
) -> Result<Session, ShopError> {
    let now = shop.clock().now();
    let email = Email::parse(email).map_err(|_| bad_credentials())?;
    // Counted before the password is checked: parallel guesses cannot outrun the limit.
    let attempt = auth::begin_sign_in(
        shop,
        SIGN_IN_DOOR,
        &email.normalized(),
        &auth::client_subject(client),
        auth::CUSTOMER_SIGN_IN,
    )
    .await?;
    let customer = Accounts::by_email(shop.db(), &email).await?;
    let stored = customer.as_ref().map(|c| c.password_hash.clone());
    if !auth::verify_password(shop.hashers(), password.into_inner(), stored).await? {
        return Err(bad_credentials());
    }
    let Some(customer) = customer else { return Err(bad_credentials()) };
    auth::signed_in(shop, attempt).await?;
    Accounts::touch(shop.db(), customer.id, now).await?;
    let account = Account { username: customer.username, email: customer.email, lang: customer.lang };
    open_session(shop, customer.id, account).await
}

/// The throttles' name for the storefront's sign-in.
const SIGN_IN_DOOR: &str = "login";

/// Ends one session (by the hash of its token).
pub async fn sign_out(shop: &Shop, session_hash: &str) -> Result<(), ShopError> {
    Ok(Accounts::delete_session(shop.db(), session_hash).await?)
}

/// Ends every session of the account, on every device.
pub async fn sign_out_everywhere(shop: &Shop, customer: Uuid) -> Result<(), ShopError> {
    Accounts::delete_sessions_of(shop.db(), customer).await?;
    Ok(())
}

/// The signed-in account.
pub async fn account(shop: &Shop, customer: Uuid) -> Result<Account, ShopError> {
    let row = Accounts::by_id(shop.db(), customer).await?.ok_or_else(|| ShopError::not_found("No such account."))?;
    Ok(Account { username: row.username, email: row.email, lang: row.lang })
}

/// Changes the password after the current one is given again: every session ends, and a fresh
/// one is returned for this device.
pub async fn change_password(
    shop: &Shop,
    customer: Uuid,
    current: Pii<String>,
    new: Pii<String>,
) -> Result<Session, ShopError> {
    let now = shop.clock().now();
    let row = reauthenticate(shop, customer, current, "The current password is not right.").await?;
    check_password(new.expose(), &[row.username.expose(), row.email.expose()]).map_err(password_error)?;
    let hash = auth::hash_password(shop.hashers(), new.into_inner()).await?;
    Accounts::set_password(shop.db(), customer, &hash, now).await?;
    if let Ok(email) = Email::parse(row.email.expose()) {
        auth::password_replaced(shop, SIGN_IN_DOOR, &email.normalized()).await?;
    }
    let account = Account { username: row.username, email: row.email, lang: row.lang };
    open_session(shop, customer, account).await
}

/// Sends a single-use reset link if the email has an account; the caller answers the same
/// either way. At most a few links per address per window: no mail-bombing a customer.
pub async fn request_reset(shop: &Shop, email: &str, client: Option<IpAddr>) -> Result<(), ShopError> {
    let now = shop.clock().now();
    let address_key = address_key(shop, "reset:address", client);
    if !auth::attempt(shop.db(), &address_key, auth::ADDRESS_ATTEMPTS_ALLOWED, now).await? {
        return Err(too_many());
    }
    let Ok(email) = Email::parse(email) else { return Ok(()) };
    let account_key = auth::throttle_key(shop.order_link_key(), "reset:account", &email.normalized());
    let allowed = auth::attempt(shop.db(), &account_key, 3, now).await?;
    if let (true, Some(customer)) = (allowed, Accounts::by_email(shop.db(), &email).await?) {
        let token = auth::new_token()?;
        let expires = now.plus_seconds(auth::RESET_TOKEN_MINUTES * 60);
        Accounts::insert_reset(shop.db(), &auth::token_hash(&token), customer.id, now, expires).await?;
        queue_email(shop.db(), &EmailJob::PasswordReset { customer_id: customer.id, token }, now).await?;
    }
    Ok(())
}

/// Sets a new password with a reset link's token; the link then stops working and every
/// session of the account ends. A rejected password keeps the link usable.
pub async fn confirm_reset(shop: &Shop, token: &str, new: Pii<String>) -> Result<(), ShopError> {
    let now = shop.clock().now();
    let invalid =
        || ShopError::rejected("invalid_token", "This link has expired or was already used. Ask for a new one.");
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    if new.expose().chars().count() < luxevault_core::account::MIN_PASSWORD_CHARS {
        return Err(password_error(PasswordProblem::TooShort));
    }
    let hash_of_token = auth::token_hash(token);
    let customer = Accounts::peek_reset(shop.db(), &hash_of_token, now).await?.ok_or_else(invalid)?;
    let row = Accounts::by_id(shop.db(), customer).await?.ok_or_else(invalid)?;
    check_password(new.expose(), &[row.username.expose(), row.email.expose()]).map_err(password_error)?;
    let hash = auth::hash_password(shop.hashers(), new.into_inner()).await?;
    let taken = Accounts::take_reset(shop.db(), &hash_of_token, now).await?.ok_or_else(invalid)?;
    Accounts::set_password(shop.db(), taken, &hash, now).await?;
    if let Ok(email) = Email::parse(row.email.expose()) {
        auth::password_replaced(shop, SIGN_IN_DOOR, &email.normalized()).await?;
    }
    Ok(())
}

/// A correction of the account's details; what is absent stays as it is.
pub struct DetailsChange {
    /// The password again: changing where the account is reached needs a fresh proof.
    pub password: Pii<String>,
    pub username: Option<Pii<String>>,
    pub email: Option<Pii<String>>,
    pub lang: Option<String>,
}

/// Corrects the account's username, email or language (rectification, P16); the recipients that
/// received the old details are told (Art. 19).
pub async fn change_details(shop: &Shop, customer: Uuid, change: DetailsChange) -> Result<Account, ShopError> {
    let row = reauthenticate(shop, customer, change.password, "The password is not right.").await?;
    let username =
        change.username.map(|u| u.expose().trim().to_string()).unwrap_or_else(|| row.username.expose().clone());
    check_username(&username)?;
    let email_text = change.email.map(|e| e.into_inner()).unwrap_or_else(|| row.email.expose().clone());
    let email = Email::parse(&email_text).map_err(|_| invalid_email())?;
    let lang = match change.lang.as_deref() {
        Some(code) => Lang::parse(code)
            .filter(|l| shop.settings().langs.contains(l))
            .ok_or_else(|| ShopError::invalid("unsupported_language", "This language is not offered."))?
            .to_string(),
        None => row.lang.clone(),
    };
    match Accounts::update_details(shop.db(), customer, &username, &email, &lang).await? {
        CreateAccount::Created(_) => {}
        CreateAccount::UsernameTaken => {
            return Err(ShopError::conflict("username_taken", "This username is taken; choose another."));
        }
        CreateAccount::EmailTaken => {
            return Err(ShopError::conflict("account_exists", "Another account already uses this email."));
        }
    }
    if username != *row.username.expose() || email.expose() != row.email.expose() {
        crate::privacy::notices::account_rectified(shop, customer).await?;
    }
    tracing::info!(customer = %customer, "account details corrected");
    Ok(Account { username: Pii::new(username), email: Pii::new(email.expose().to_string()), lang })
}
