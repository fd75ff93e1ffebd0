//! Customer authentication: Argon2id password hashes, random bearer session tokens of which only
//! a hash is stored, and throttling of guesses. The bar is OWASP ASVS 5.0 V6/V7 level 2.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use luxevault_core::Timestamp;
use luxevault_storage::{Accounts, Db, DbError, ThrottleRow};
use sha2::{Digest, Sha256};

/// Sessions end after this long without use…
pub const SESSION_IDLE_DAYS: i64 = 30;
/// …and after this long in any case.
pub const SESSION_ABSOLUTE_DAYS: i64 = 90;
/// A password-reset link works this long, once.
pub const RESET_TOKEN_MINUTES: i64 = 60;

/// Guessing limits: per account (keyed by a hash of the email) and per client address.
pub const ACCOUNT_FAILURES_ALLOWED: i32 = 5;
pub const ADDRESS_FAILURES_ALLOWED: i32 = 30;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
pub const THROTTLE_BLOCK_MINUTES: i64 = 15;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed")]
    Hashing,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Hashes a password with Argon2id (default parameters: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|_| AuthError::Hashing)
    })
    .await
    .map_err(|_| AuthError::Hashing)?
}

/// Checks a password against a stored hash. For unknown accounts pass `None`: a hash is still
/// computed, so the answer takes as long and an attacker cannot tell who has an account.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_string());
        let ok = Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok();
        ok && known
    })
    .await
    .unwrap_or(false)
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

/// A throttle key that names no one: a hash of the subject.
pub fn throttle_key(kind: &str, subject: &str) -> String {
    format!("{kind}:{}", &token_hash(subject)[..32])
}

/// Whether the key is blocked now; returns when it is unblocked.
pub async fn blocked_until(db: &Db, key: &str, now: Timestamp) -> Result<Option<Timestamp>, DbError> {
    Ok(Accounts::throttle(db, key).await?.map(|t| Timestamp(t.blocked_until)).filter(|until| *until > now))
}

/// Counts a failure; blocks the key once `allowed` failures fall within the window.
pub async fn record_failure(db: &Db, key: &str, allowed: i32, now: Timestamp) -> Result<(), DbError> {
    let window = THROTTLE_WINDOW_MINUTES * 60;
    let row = Accounts::throttle(db, key).await?;
    let mut row = match row {
        Some(r) if Timestamp(r.window_started_at).plus_seconds(window) > now => r,
        _ => ThrottleRow { failures: 0, window_started_at: now.as_micros(), blocked_until: 0 },
    };
    row.failures += 1;
    if row.failures >= allowed {
        row.blocked_until = now.plus_seconds(THROTTLE_BLOCK_MINUTES * 60).as_micros();
        row.failures = 0;
        row.window_started_at = now.as_micros();
    }
    Accounts::save_throttle(db, key, row).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_never_contain_the_password() {
        let hash = hash_password("la soie du matin".into()).await.unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("soie"));
        assert!(verify_password("la soie du matin".into(), Some(hash.clone())).await);
        assert!(!verify_password("la soie du soir".into(), Some(hash)).await);
        assert!(!verify_password("anything".into(), None).await, "unknown accounts never verify");
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token().unwrap_or_default(), new_token().unwrap_or_default());
        assert_eq!(a.len(), 64, "256 bits");
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(!throttle_key("login", "jeanne@example.fr").contains("jeanne"));
    }
}
