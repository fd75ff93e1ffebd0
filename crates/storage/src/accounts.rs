//! Customer accounts, their sessions, password resets and login throttles.

use luxevault_core::ids::new_id;
use luxevault_core::{Email, Pii, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const INSERT_CUSTOMER: &str = "INSERT INTO customers (id, username, username_key, email, email_key, password_hash, lang, \
     created_at, last_active_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) \
     ON CONFLICT DO NOTHING";
const CUSTOMER_BY_EMAIL: &str = "SELECT id, username, email, password_hash, lang FROM customers WHERE email_key = $1";
const CUSTOMER_BY_ID: &str = "SELECT id, username, email, password_hash, lang FROM customers WHERE id = $1";
const USERNAME_TAKEN: &str = "SELECT COUNT(*) FROM customers WHERE username_key = $1";
const SET_PASSWORD: &str = "UPDATE customers SET password_hash = $2, password_changed_at = $3 WHERE id = $1";
// Activity also withdraws an inactivity warning: the two-year clock starts again.
const TOUCH_CUSTOMER: &str =
    "UPDATE customers SET last_active_at = $2, inactivity_warned_at = NULL WHERE id = $1 AND last_active_at < $2";

const ACCOUNT_DATES: &str = "SELECT created_at, last_active_at, password_changed_at FROM customers WHERE id = $1";
const SESSIONS_OF: &str = "SELECT customer_id, created_at, last_seen_at, expires_at FROM customer_sessions WHERE customer_id = $1 ORDER BY created_at";
const DELETE_CUSTOMER: &str = "DELETE FROM customers WHERE id = $1";
const UPDATE_DETAILS: &str =
    "UPDATE customers SET username = $2, username_key = $3, email = $4, email_key = $5, lang = $6 WHERE id = $1";
const INSERT_SESSION: &str = "INSERT INTO customer_sessions (token_hash, customer_id, created_at, last_seen_at, expires_at) \
     VALUES ($1, $2, $3, $3, $4)";
const SESSION: &str =
    "SELECT customer_id, created_at, last_seen_at, expires_at FROM customer_sessions WHERE token_hash = $1";
const TOUCH_SESSION: &str = "UPDATE customer_sessions SET last_seen_at = $2 WHERE token_hash = $1";
const DELETE_SESSION: &str = "DELETE FROM customer_sessions WHERE token_hash = $1";
const DELETE_SESSIONS_OF: &str = "DELETE FROM customer_sessions WHERE customer_id = $1";

const INSERT_RESET: &str =
    "INSERT INTO password_resets (token_hash, customer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
const TAKE_RESET: &str = "UPDATE password_resets SET used_at = $2 \
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING customer_id";
const PEEK_RESET: &str =
    "SELECT customer_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
const CLEAR_RESETS_OF: &str = "DELETE FROM password_resets WHERE customer_id = $1";

const CLEAR_THROTTLE: &str = "DELETE FROM throttles WHERE key = $1";
// One atomic step, so parallel guesses cannot overwrite each other's count.
const COUNT_ATTEMPT: &str = "INSERT INTO throttles (key, failures, window_started_at, blocked_until) VALUES ($1, 1, $2, 0) \
     ON CONFLICT (key) DO UPDATE SET \
     failures = CASE WHEN throttles.window_started_at < $3 THEN 1 ELSE throttles.failures + 1 END, \
     window_started_at = CASE WHEN throttles.window_started_at < $3 THEN $2 ELSE throttles.window_started_at END \
     RETURNING failures, window_started_at, blocked_until";
const BLOCK: &str = "UPDATE throttles SET blocked_until = $2 WHERE key = $1";
// A right password was counted before it was checked: it is taken back, so only failures count.
const UNCOUNT_ATTEMPT: &str = "UPDATE throttles SET failures = failures - 1 WHERE key = $1 AND failures > 0";
// A client that signed in to an account: a row of its own (no failures, never blocked) whose
// window start is when it last signed in.
const MARK_KNOWN: &str = "INSERT INTO throttles (key, failures, window_started_at, blocked_until) VALUES ($1, 0, $2, 0) \
     ON CONFLICT (key) DO UPDATE SET window_started_at = $2";
const KNOWN_SINCE: &str = "SELECT window_started_at FROM throttles WHERE key = $1";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("accounts.insert_customer", INSERT_CUSTOMER),
    ("accounts.customer_by_email", CUSTOMER_BY_EMAIL),
    ("accounts.customer_by_id", CUSTOMER_BY_ID),
    ("accounts.username_taken", USERNAME_TAKEN),
    ("accounts.set_password", SET_PASSWORD),
    ("accounts.touch_customer", TOUCH_CUSTOMER),
    ("accounts.insert_session", INSERT_SESSION),
    ("accounts.account_dates", ACCOUNT_DATES),
    ("accounts.sessions_of", SESSIONS_OF),
    ("accounts.delete_customer", DELETE_CUSTOMER),
    ("accounts.update_details", UPDATE_DETAILS),
    ("accounts.session", SESSION),
    ("accounts.touch_session", TOUCH_SESSION),
    ("accounts.delete_session", DELETE_SESSION),
    ("accounts.delete_sessions_of", DELETE_SESSIONS_OF),
    ("accounts.insert_reset", INSERT_RESET),
    ("accounts.take_reset", TAKE_RESET),
    ("accounts.clear_resets_of", CLEAR_RESETS_OF),
    ("accounts.peek_reset", PEEK_RESET),
    ("accounts.clear_throttle", CLEAR_THROTTLE),
    ("accounts.count_attempt", COUNT_ATTEMPT),
    ("accounts.block", BLOCK),
    ("accounts.uncount_attempt", UNCOUNT_ATTEMPT),
    ("accounts.mark_known_client", MARK_KNOWN),
    ("accounts.known_client_since", KNOWN_SINCE),
];

#[derive(FromRow)]
struct CustomerRecord {
    id: Uuid,
    username: String,
    email: String,
    password_hash: String,
    lang: String,
}

#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub id: Uuid,
    pub username: Pii<String>,
    pub email: Pii<String>,
    /// The Argon2id PHC string.
    pub password_hash: String,
    pub lang: String,
}

impl From<CustomerRecord> for CustomerRow {
    fn from(r: CustomerRecord) -> Self {
        Self {
            id: r.id,
            username: Pii::new(r.username),
            email: Pii::new(r.email),
            password_hash: r.password_hash,
            lang: r.lang,
        }
    }
}

#[derive(Debug, Clone, Copy, FromRow)]
pub struct SessionRow {
    pub customer_id: Uuid,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateAccount {
    Created(Uuid),
    UsernameTaken,
    EmailTaken,
}

pub struct NewCustomer<'a> {
    pub username: &'a str,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub lang: &'a str,
}

/// A counter of failures over a window, for throttling guesses.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct ThrottleRow {
    pub failures: i32,
    pub window_started_at: i64,
    pub blocked_until: i64,
}

pub struct Accounts;

impl Accounts {
    /// Creates an account; reports which unique key was taken instead of failing.
    pub async fn create(db: &Db, customer: &NewCustomer<'_>, now: Timestamp) -> Result<CreateAccount, DbError> {
        let id = new_id(now);
        let username_key = customer.username.to_lowercase();
        let inserted = on_db!(db, pool => sqlx::query(INSERT_CUSTOMER)
            .bind(id)
            .bind(customer.username)
            .bind(&username_key)
            .bind(customer.email.expose())
            .bind(customer.email.normalized())
            .bind(customer.password_hash)
            .bind(customer.lang)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        if inserted == 1 {
            return Ok(CreateAccount::Created(id));
        }
        let taken: i64 =
            on_db!(db, pool => sqlx::query_scalar(USERNAME_TAKEN).bind(&username_key).fetch_one(pool).await)?;
        Ok(if taken > 0 { CreateAccount::UsernameTaken } else { CreateAccount::EmailTaken })
    }

    pub async fn by_email(db: &Db, email: &Email) -> Result<Option<CustomerRow>, DbError> {
        let row: Option<CustomerRecord> =
            on_db!(db, pool => sqlx::query_as(CUSTOMER_BY_EMAIL).bind(email.normalized()).fetch_optional(pool).await)?;
        Ok(row.map(CustomerRow::from))
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<CustomerRow>, DbError> {
        let row: Option<CustomerRecord> =
            on_db!(db, pool => sqlx::query_as(CUSTOMER_BY_ID).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(CustomerRow::from))
    }

    /// Sets a new password hash, ends every session and every pending reset of the account.
    pub async fn set_password(db: &Db, id: Uuid, password_hash: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SET_PASSWORD).bind(id).bind(password_hash).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(DELETE_SESSIONS_OF).bind(id).execute(&mut *tx).await?;
            sqlx::query(CLEAR_RESETS_OF).bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn touch(db: &Db, id: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(TOUCH_CUSTOMER).bind(id).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// When the account was created, last used, and its password last changed (µs).
    pub async fn dates(db: &Db, id: Uuid) -> Result<Option<(i64, i64, i64)>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ACCOUNT_DATES).bind(id).fetch_optional(pool).await)?)
    }

    /// The account's open sessions (their metadata; tokens are not kept).
    pub async fn sessions_of(db: &Db, customer: Uuid) -> Result<Vec<SessionRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SESSIONS_OF).bind(customer).fetch_all(pool).await)?)
    }

    /// Deletes the account; its sessions, reset links and consents go with it, its orders stay
    /// without the link.
    pub async fn delete(db: &Db, id: Uuid) -> Result<bool, DbError> {
        let n =
            on_db!(db, pool => sqlx::query(DELETE_CUSTOMER).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Corrects the account's details (rectification); reports a username or email already
    /// used by another account instead of failing.
    pub async fn update_details(
        db: &Db,
        id: Uuid,
        username: &str,
        email: &Email,
        lang: &str,
    ) -> Result<CreateAccount, DbError> {
        let result = on_db!(db, pool => sqlx::query(UPDATE_DETAILS)
            .bind(id)
            .bind(username)
            .bind(username.to_lowercase())
            .bind(email.expose())
            .bind(email.normalized())
            .bind(lang)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match result {
            Ok(_) => Ok(CreateAccount::Created(id)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                let taken: i64 = on_db!(db, pool => sqlx::query_scalar(USERNAME_TAKEN).bind(username.to_lowercase()).fetch_one(pool).await)?;
                // The username is taken by another account only if it is not this one's own.
                let own = Self::by_id(db, id)
                    .await?
                    .is_some_and(|c| c.username.expose().to_lowercase() == username.to_lowercase());
                Ok(if taken > 0 && !own { CreateAccount::UsernameTaken } else { CreateAccount::EmailTaken })
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn insert_session(
        db: &Db,
        token_hash: &str,
        customer: Uuid,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(INSERT_SESSION)
            .bind(token_hash)
            .bind(customer)
            .bind(now.as_micros())
            .bind(expires.as_micros())
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn session(db: &Db, token_hash: &str) -> Result<Option<SessionRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SESSION).bind(token_hash).fetch_optional(pool).await)?)
    }

    pub async fn touch_session(db: &Db, token_hash: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(TOUCH_SESSION).bind(token_hash).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(DELETE_SESSION).bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends every session of the account, on every device.
    pub async fn delete_sessions_of(db: &Db, customer: Uuid) -> Result<u64, DbError> {
        Ok(
            on_db!(db, pool => sqlx::query(DELETE_SESSIONS_OF).bind(customer).execute(pool).await.map(|r| r.rows_affected()))?,
        )
    }

    pub async fn insert_reset(
        db: &Db,
        token_hash: &str,
        customer: Uuid,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(INSERT_RESET)
            .bind(token_hash)
            .bind(customer)
            .bind(now.as_micros())
            .bind(expires.as_micros())
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The account of a usable reset token, without using it.
    pub async fn peek_reset(db: &Db, token_hash: &str, now: Timestamp) -> Result<Option<Uuid>, DbError> {
        Ok(
            on_db!(db, pool => sqlx::query_scalar(PEEK_RESET).bind(token_hash).bind(now.as_micros()).fetch_optional(pool).await)?,
        )
    }

    /// Uses a reset token: returns its account once, if the token is known, unused and unexpired.
    pub async fn take_reset(db: &Db, token_hash: &str, now: Timestamp) -> Result<Option<Uuid>, DbError> {
        Ok(
            on_db!(db, pool => sqlx::query_scalar(TAKE_RESET).bind(token_hash).bind(now.as_micros()).fetch_optional(pool).await)?,
        )
    }

    /// Counts one attempt within the window that started after `window_start` (or opens a new
    /// window at `now`); returns the counter as it now stands.
    pub async fn count_attempt(
        db: &Db,
        key: &str,
        now: Timestamp,
        window_start: Timestamp,
    ) -> Result<ThrottleRow, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(COUNT_ATTEMPT)
            .bind(key)
            .bind(now.as_micros())
            .bind(window_start.as_micros())
            .fetch_one(pool)
            .await)?)
    }

    pub async fn block(db: &Db, key: &str, until: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(BLOCK).bind(key).bind(until.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Takes back one counted attempt (it was a right password).
    pub async fn uncount_attempt(db: &Db, key: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(UNCOUNT_ATTEMPT).bind(key).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records that the client behind `key` signed in at `now`.
    pub async fn mark_known_client(db: &Db, key: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(MARK_KNOWN).bind(key).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// When the client behind `key` last signed in, if ever.
    pub async fn known_client_since(db: &Db, key: &str) -> Result<Option<Timestamp>, DbError> {
        let at: Option<i64> = on_db!(db, pool => sqlx::query_scalar(KNOWN_SINCE).bind(key).fetch_optional(pool).await)?;
        Ok(at.map(Timestamp))
    }

    pub async fn clear_throttle(db: &Db, key: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(CLEAR_THROTTLE).bind(key).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
