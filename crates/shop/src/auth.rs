//! Customer authentication: Argon2id password hashes, random bearer session tokens of which only
//! a hash is stored, and throttling of guesses. The bar is OWASP ASVS 5.0 V6/V7 level 2.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
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

/// Guessing limits: per account (keyed by a hash of the email) and per client address.
pub const ACCOUNT_ATTEMPTS_ALLOWED: i32 = 5;
/// Per client address (a shop behind a proxy shares it between customers: generous).
pub const ADDRESS_ATTEMPTS_ALLOWED: i32 = 100;
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
            AuthError::Busy => ShopError::Unavailable,
            AuthError::Hashing => {
                tracing::error!("password hashing failed");
                ShopError::Internal
            }
        }
    }
}

/// Argon2 takes 19 MiB and real CPU per check: a burst of sign-ins (or an attacker) must queue,
/// not take the machine's memory. About one check per core runs at once.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(2);
        tokio::sync::Semaphore::new(cores.clamp(2, 16))
    })
}

async fn hashing_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AuthError> {
    tokio::time::timeout(std::time::Duration::from_secs(5), hashing_slots().acquire())
        .await
        .map_err(|_| AuthError::Busy)?
        .map_err(|_| AuthError::Busy)
}

/// Hashes a password with Argon2id (default parameters: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> Result<String, AuthError> {
    let _slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|_| AuthError::Hashing)
    })
    .await
    .map_err(|_| AuthError::Hashing)?
}

/// Checks a password against a stored hash. For unknown accounts pass `None`: a hash is still
/// computed, so the answer takes as long and an attacker cannot tell who has an account.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool, AuthError> {
    let _slot = hashing_slot().await?;
    let checked = tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_string());
        let ok = Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok();
        ok && known
    })
    .await
    .unwrap_or(false);
    Ok(checked)
}

/// An Argon2id hash (same parameters as real ones) of a random secret nobody knows, verified
/// against for unknown emails.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = new_token().unwrap_or_else(|_| "luxevault-dummy-secret".into());
        Argon2::default().hash_password(secret.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
    })
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
    let key = throttle_key(shop.order_link_key(), "login:account", &row.email.expose().to_lowercase());
    if !attempt(shop.db(), &key, ACCOUNT_ATTEMPTS_ALLOWED, now).await? {
        return Err(too_many());
    }
    if !verify_password(password.into_inner(), Some(row.password_hash.clone())).await? {
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
        let hash = hash_password("la soie du matin".into()).await.unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("soie"));
        assert!(verify_password("la soie du matin".into(), Some(hash.clone())).await.unwrap_or(false));
        assert!(!verify_password("la soie du soir".into(), Some(hash)).await.unwrap_or(true));
        assert!(!verify_password("anything".into(), None).await.unwrap_or(true), "unknown accounts never verify");
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
