//! Customer authentication: Argon2id password hashes, random bearer session tokens of which only
//! a hash is stored, and throttling of guesses. The bar is OWASP ASVS 5.0 V6/V7 level 2.
//!
//! Throttling must slow an attacker without letting anyone lock the real person out (OWASP's
//! "Blocking Brute Force Attacks": lock the attacker's client, not the account). Each sign-in
//! counts, before the password is checked, against:
//! - the pair of this account and this client (5 failures per window): one client guessing at
//!   one account waits;
//! - only for a client that has never signed in to the account (in the last 90 days): the
//!   account's budget shared by all such clients (10), so guesses from many addresses stay
//!   bounded, and the address's budget across accounts (100), against credential stuffing.
//!   A client that signed in before skips both: neither guesses from elsewhere nor a busy
//!   shared address refuse its right password. A right password takes its counts back.
//!
//! A "client" is an address (an IPv6 one by its /64, which one subscriber holds), as the edge
//! tells it: behind a reverse proxy on the same machine or listed in `trusted_proxies`, the
//! address the proxy reports. Nothing is kept in the browser for it (the storefront sets no
//! cookies, and its one session key lives only until sign-out). What stays possible: behind a
//! proxy elsewhere that is not listed, every client shares the proxy's address; and a person on
//! a new address while their account is under attack waits, or resets the password (which
//! starts the account's budget again: the guesses were at the old password).

mod hashing;

pub use hashing::{HashingLimits, PasswordHashers};
use luxevault_core::Pii;
use luxevault_core::Timestamp;
use luxevault_storage::{Accounts, Db, DbError};
use sha2::{Digest, Sha256};

use crate::Shop;
use crate::error::ShopError;

/// Sessions end after this long without use…
pub const SESSION_IDLE_DAYS: i64 = 30;
/// …and after this long in any case.
pub const SESSION_ABSOLUTE_DAYS: i64 = 90;
/// A password-reset link works this long, once.
pub const RESET_TOKEN_MINUTES: i64 = 60;

/// Re-authentication guesses per account (a signed-in session asking again).
pub const ACCOUNT_ATTEMPTS_ALLOWED: i32 = 5;
/// Per client address, for registration and reset requests.
pub const ADDRESS_ATTEMPTS_ALLOWED: i32 = 100;
/// A client stays known to an account this long after it last signed in.
pub const KNOWN_CLIENT_DAYS: i64 = 90;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
pub const THROTTLE_BLOCK_MINUTES: i64 = 15;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed")]
    Hashing,
    /// Every hashing slot is taken: the server is saturated, the client should retry.
    #[error("too many password checks at once")]
    Busy,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<AuthError> for ShopError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Db(db) => ShopError::Db(db),
            AuthError::Busy => ShopError::Busy,
            AuthError::Hashing => {
                tracing::error!("password hashing failed");
                ShopError::Internal
            }
        }
    }
}

/// Hashes a password with Argon2id (19 MiB, 2 passes) in one of the shop's verifiers.
pub async fn hash_password(hashers: &PasswordHashers, password: String) -> Result<String, AuthError> {
    hashers.hash(password).await
}

/// Checks a password against a stored hash. For unknown accounts pass `None`: a hash is still
/// computed, so the answer takes as long and an attacker cannot tell who has an account.
pub async fn verify_password(
    hashers: &PasswordHashers,
    password: String,
    stored: Option<String>,
) -> Result<bool, AuthError> {
    hashers.verify(password, stored).await
}

/// A new secret token: 256 random bits, hex-encoded.
pub fn new_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| AuthError::Hashing)?;
    Ok(hex::encode(bytes))
}

/// What the database keeps of a token: its SHA-256. A leaked table yields no usable token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A throttle key that names no one: an HMAC of the subject (an email, an address) under the
/// installation's key, so a leaked table cannot be reversed by hashing every IPv4 address.
pub fn throttle_key(instance_key: &[u8], kind: &str, subject: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(instance_key) else { return format!("{kind}:-") };
    mac.update(b"throttle:");
    mac.update(subject.as_bytes());
    format!("{kind}:{}", &hex::encode(mac.finalize().into_bytes())[..32])
}

/// Failures allowed per throttle window at one sign-in door.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    /// One client against one account.
    pub per_client: i32,
    /// All the clients that never signed in to the account, together.
    pub per_account: i32,
    /// One address against any account, for clients it is not known to.
    pub per_address: i32,
    /// What a refused try is told.
    pub refusal: &'static str,
}

/// The storefront's sign-in.
pub const CUSTOMER_SIGN_IN: SignInLimits = SignInLimits {
    per_client: 5,
    per_account: 10,
    per_address: 100,
    refusal: "Too many attempts. Please wait 15 minutes and try again, or reset your password.",
};

/// The throttle subject of a client address: an IPv6 address by its /64 (one subscriber's
/// network), so that rotating through it buys no fresh budget.
pub fn client_subject(client: Option<std::net::IpAddr>) -> String {
    match client {
        Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        Some(address) => address.to_string(),
        None => String::new(),
    }
}

/// A sign-in under way: what was counted, to take back if the password is right.
#[derive(Debug)]
pub struct SignInAttempt {
    pair: String,
    known: String,
    /// The account's and the address's keys, counted for a client the account does not know.
    unknown: Option<(String, String)>,
}

/// Counts a sign-in at `door` (e.g. "login") to `account` (a normalised email or username)
/// from `client` (see [`client_subject`]), before the password is checked; refused with
/// [`too_many`]-style `ShopError::Throttled` when a budget is spent. See the module's comment.
pub async fn begin_sign_in(
    shop: &Shop,
    door: &str,
    account: &str,
    client: &str,
    limits: SignInLimits,
) -> Result<SignInAttempt, ShopError> {
    let db = shop.db();
    let now = shop.clock().now();
    let key = |kind: &str, subject: &str| throttle_key(shop.order_link_key(), &format!("{door}:{kind}"), subject);
    let pair_subject = format!("{account}\n{client}");
    let (pair, known) = (key("client", &pair_subject), key("known", &pair_subject));
    let is_known =
        Accounts::known_client_since(db, &known).await?.is_some_and(|at| at.plus_days(KNOWN_CLIENT_DAYS) > now);
    let mut allowed = attempt(db, &pair, limits.per_client, now).await?;
    let unknown = if is_known {
        None
    } else {
        let (account_key, address_key) = (key("account", account), key("address", client));
        allowed &= attempt(db, &account_key, limits.per_account, now).await?;
        allowed &= attempt(db, &address_key, limits.per_address, now).await?;
        Some((account_key, address_key))
    };
    if !allowed {
        return Err(ShopError::throttled(limits.refusal));
    }
    Ok(SignInAttempt { pair, known, unknown })
}

/// The password was right: its counts are taken back and the client is known to the account
/// from now on.
pub async fn signed_in(shop: &Shop, attempt: SignInAttempt) -> Result<(), DbError> {
    let db = shop.db();
    Accounts::clear_throttle(db, &attempt.pair).await?;
    if let Some((account_key, address_key)) = &attempt.unknown {
        Accounts::uncount_attempt(db, account_key).await?;
        Accounts::uncount_attempt(db, address_key).await?;
    }
    Accounts::mark_known_client(db, &attempt.known, shop.clock().now()).await
}

/// The client that just chose the account's password (it registered) is known to it.
pub async fn known_from(shop: &Shop, door: &str, account: &str, client: &str) -> Result<(), DbError> {
    let key = throttle_key(shop.order_link_key(), &format!("{door}:known"), &format!("{account}\n{client}"));
    Accounts::mark_known_client(shop.db(), &key, shop.clock().now()).await
}

/// A new password for the account at `door`: guesses from unknown clients were at the old one,
/// so their shared budget starts again.
pub async fn password_replaced(shop: &Shop, door: &str, account: &str) -> Result<(), DbError> {
    let key = throttle_key(shop.order_link_key(), &format!("{door}:account"), account);
    Accounts::clear_throttle(shop.db(), &key).await
}

/// Counts an attempt against `key` before the work is done, and says whether it may go on:
/// at most `allowed` attempts per window, then the key is blocked for a while. Counting first
/// and atomically means parallel requests cannot slip past the limit.
pub async fn attempt(db: &Db, key: &str, allowed: i32, now: Timestamp) -> Result<bool, DbError> {
    let window_start = Timestamp(now.as_micros() - THROTTLE_WINDOW_MINUTES * 60 * Timestamp::MICROS_PER_SECOND);
    let row = Accounts::count_attempt(db, key, now, window_start).await?;
    if Timestamp(row.blocked_until) > now {
        return Ok(false);
    }
    if row.failures > allowed {
        Accounts::block(db, key, now.plus_seconds(THROTTLE_BLOCK_MINUTES * 60)).await?;
        return Ok(false);
    }
    Ok(true)
}

/// A signed-in customer proves it is still them (password change, corrections, copy, erasure):
/// the password is checked under the same throttle as signing in, and a right one starts the
/// count again. Returns the account.
pub async fn reauthenticate(
    shop: &Shop,
    customer: uuid::Uuid,
    password: Pii<String>,
    wrong: &'static str,
) -> Result<luxevault_storage::CustomerRow, ShopError> {
    let now = shop.clock().now();
    let row = Accounts::by_id(shop.db(), customer).await?.ok_or_else(bad_credentials)?;
    // Its own budget: guesses at the sign-in page cannot stop a signed-in customer here.
    let key = throttle_key(shop.order_link_key(), "reauth:account", &customer.to_string());
    if !attempt(shop.db(), &key, ACCOUNT_ATTEMPTS_ALLOWED, now).await? {
        return Err(too_many());
    }
    if !verify_password(shop.hashers(), password.into_inner(), Some(row.password_hash.clone())).await? {
        return Err(ShopError::Unauthenticated { code: "invalid_credentials", message: wrong.into() });
    }
    Accounts::clear_throttle(shop.db(), &key).await?;
    Ok(row)
}

/// Too many guesses: the same answer wherever a password is checked.
pub fn too_many() -> ShopError {
    ShopError::throttled("Too many attempts. Please wait a few minutes and try again.")
}

/// Unknown email or wrong password: one answer for both, so an address is never confirmed.
pub fn bad_credentials() -> ShopError {
    ShopError::Unauthenticated {
        code: "invalid_credentials",
        message: "This email and password do not match an account.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_never_contain_the_password() {
        let hashers = PasswordHashers::start(HashingLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        let hash = hash_password(&hashers, "la soie du matin".into()).await.unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("soie"));
        assert!(verify_password(&hashers, "la soie du matin".into(), Some(hash.clone())).await.unwrap_or(false));
        assert!(!verify_password(&hashers, "la soie du soir".into(), Some(hash)).await.unwrap_or(true));
        let unknown = verify_password(&hashers, "anything".into(), None).await.unwrap_or(true);
        assert!(!unknown, "unknown accounts never verify");
    }

    #[test]
    fn an_ipv6_client_is_its_64_network() {
        let subject = |text: &str| client_subject(text.parse().ok());
        assert_eq!(subject("2001:db8:1:2:aaaa::1"), subject("2001:db8:1:2:bbbb::9"), "one subscriber's /64");
        assert_ne!(subject("2001:db8:1:2::1"), subject("2001:db8:1:3::1"));
        assert_eq!(subject("::ffff:198.51.100.4"), "198.51.100.4");
        assert_eq!(subject("198.51.100.4"), "198.51.100.4");
        assert_eq!(client_subject(None), "");
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token().unwrap_or_default(), new_token().unwrap_or_default());
        assert_eq!(a.len(), 64, "256 bits");
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        let key = throttle_key(b"instance", "login", "jeanne@example.fr");
        assert!(!key.contains("jeanne"));
        assert_ne!(key, throttle_key(b"another", "login", "jeanne@example.fr"), "keyed per installation");
    }
}
