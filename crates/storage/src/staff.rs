//! Staff members, their back-office sessions and their second factor.

use luxevault_core::ids::new_id;
use luxevault_core::{Pii, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

// Any conflict (the username or the email taken) writes nothing and is answered as "taken".
const INSERT: &str = "INSERT INTO staff (id, username, display_name, role, password_hash, active, created_at, updated_at, \
     email) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6, $7) ON CONFLICT DO NOTHING";
const BY_USERNAME: &str = "SELECT id, username, display_name, role, password_hash, totp_secret, pending_totp_secret, \
     totp_last_step, active, created_at, last_login_at, language FROM staff WHERE username = $1";
const BY_ID: &str = "SELECT id, username, display_name, role, password_hash, totp_secret, pending_totp_secret, \
     totp_last_step, active, created_at, last_login_at, language FROM staff WHERE id = $1";
const ALL: &str = "SELECT id, username, display_name, role, password_hash, totp_secret, pending_totp_secret, \
     totp_last_step, active, created_at, last_login_at, language FROM staff ORDER BY active DESC, username";
const COUNT_OWNERS: &str = "SELECT COUNT(*) FROM staff WHERE role = 'owner' AND active = TRUE";
const SET_ROLE: &str = "UPDATE staff SET role = $2, updated_at = $3 WHERE id = $1";
const SET_LANGUAGE: &str = "UPDATE staff SET language = $2, updated_at = $3 WHERE id = $1";
const SET_ACTIVE: &str = "UPDATE staff SET active = $2, updated_at = $3 WHERE id = $1";
const SET_PASSWORD: &str = "UPDATE staff SET password_hash = $2, updated_at = $3 WHERE id = $1";
const SET_PENDING_TOTP: &str = "UPDATE staff SET pending_totp_secret = $2, updated_at = $3 WHERE id = $1";
const CONFIRM_TOTP: &str = "UPDATE staff SET totp_secret = pending_totp_secret, pending_totp_secret = NULL, \
     totp_last_step = $2, updated_at = $3 WHERE id = $1 AND pending_totp_secret IS NOT NULL";
const RESET_TOTP: &str = "UPDATE staff SET totp_secret = NULL, pending_totp_secret = NULL, totp_last_step = 0, updated_at = $2 WHERE id = $1";
// A code is accepted once: the step only moves forward, and only one request can move it.
const USE_TOTP_STEP: &str = "UPDATE staff SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2";
const LOGGED_IN: &str = "UPDATE staff SET last_login_at = $2 WHERE id = $1";
const DELETE_CODES: &str = "DELETE FROM staff_recovery_codes WHERE staff_id = $1";
const INSERT_CODE: &str = "INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES ($1, $2)";
const USE_CODE: &str =
    "UPDATE staff_recovery_codes SET used_at = $3 WHERE staff_id = $1 AND code_hash = $2 AND used_at IS NULL";
const CODES_LEFT: &str = "SELECT COUNT(*) FROM staff_recovery_codes WHERE staff_id = $1 AND used_at IS NULL";

const INSERT_SESSION: &str = "INSERT INTO staff_sessions (token_hash, staff_id, stage, created_at, last_seen_at, \
     client_addr, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6)";
const SESSION: &str = "SELECT s.token_hash, s.staff_id, s.stage, s.created_at, s.last_seen_at, s.client_addr, s.user_agent \
     FROM staff_sessions s WHERE s.token_hash = $1";
const TOUCH_SESSION: &str = "UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1";
const SET_STAGE: &str = "UPDATE staff_sessions SET stage = $2, last_seen_at = $3 WHERE token_hash = $1";
const DELETE_SESSION: &str = "DELETE FROM staff_sessions WHERE token_hash = $1";
const DELETE_SESSION_OF: &str = "DELETE FROM staff_sessions WHERE token_hash = $1 AND staff_id = $2";
const DELETE_SESSIONS_OF: &str = "DELETE FROM staff_sessions WHERE staff_id = $1";
const SESSIONS_OF: &str = "SELECT token_hash, staff_id, stage, created_at, last_seen_at, client_addr, user_agent \
     FROM staff_sessions WHERE staff_id = $1 ORDER BY last_seen_at DESC";
const EXPIRE_SESSIONS: &str = "DELETE FROM staff_sessions WHERE last_seen_at < $1 OR created_at < $2";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("staff.insert", INSERT),
    ("staff.by_username", BY_USERNAME),
    ("staff.by_id", BY_ID),
    ("staff.all", ALL),
    ("staff.count_owners", COUNT_OWNERS),
    ("staff.set_role", SET_ROLE),
    ("staff.set_active", SET_ACTIVE),
    ("staff.set_language", SET_LANGUAGE),
    ("staff.set_password", SET_PASSWORD),
    ("staff.set_pending_totp", SET_PENDING_TOTP),
    ("staff.confirm_totp", CONFIRM_TOTP),
    ("staff.reset_totp", RESET_TOTP),
    ("staff.use_totp_step", USE_TOTP_STEP),
    ("staff.logged_in", LOGGED_IN),
    ("staff.delete_codes", DELETE_CODES),
    ("staff.insert_code", INSERT_CODE),
    ("staff.use_code", USE_CODE),
    ("staff.codes_left", CODES_LEFT),
    ("staff.insert_session", INSERT_SESSION),
    ("staff.session", SESSION),
    ("staff.touch_session", TOUCH_SESSION),
    ("staff.set_stage", SET_STAGE),
    ("staff.delete_session", DELETE_SESSION),
    ("staff.delete_session_of", DELETE_SESSION_OF),
    ("staff.delete_sessions_of", DELETE_SESSIONS_OF),
    ("staff.sessions_of", SESSIONS_OF),
    ("staff.expire_sessions", EXPIRE_SESSIONS),
];

#[derive(FromRow)]
struct StaffRecord {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    password_hash: String,
    totp_secret: Option<String>,
    pending_totp_secret: Option<String>,
    totp_last_step: i64,
    active: bool,
    created_at: i64,
    last_login_at: Option<i64>,
    language: Option<String>,
}

/// A staff member as stored. Secrets are wrapped so a stray `{:?}` cannot print them.
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: Pii<String>,
    pub totp_secret: Option<Pii<String>>,
    pub pending_totp_secret: Option<Pii<String>>,
    pub totp_last_step: i64,
    pub active: bool,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    /// The language the member chose for the back office (`fr`), if any.
    pub language: Option<String>,
}

impl From<StaffRecord> for StaffRow {
    fn from(r: StaffRecord) -> Self {
        Self {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            password_hash: Pii::new(r.password_hash),
            totp_secret: r.totp_secret.map(Pii::new),
            pending_totp_secret: r.pending_totp_secret.map(Pii::new),
            totp_last_step: r.totp_last_step,
            active: r.active,
            created_at: Timestamp(r.created_at),
            last_login_at: r.last_login_at.map(Timestamp),
            language: r.language,
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct StaffSessionRow {
    pub token_hash: String,
    pub staff_id: Uuid,
    pub stage: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub client_addr: String,
    pub user_agent: String,
}

pub struct NewStaff<'a> {
    pub username: &'a str,
    /// Lowercase; empty for none.
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

pub struct Staff;

impl Staff {
    /// Creates a member; `None` when the username is taken.
    pub async fn create(db: &Db, member: &NewStaff<'_>, now: Timestamp) -> Result<Option<Uuid>, DbError> {
        let id = new_id(now);
        let n = on_db!(db, pool => sqlx::query(INSERT)
            .bind(id)
            .bind(member.username)
            .bind(member.display_name)
            .bind(member.role)
            .bind(member.password_hash)
            .bind(now.as_micros())
            .bind(member.email)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok((n == 1).then_some(id))
    }

    pub async fn by_username(db: &Db, username: &str) -> Result<Option<StaffRow>, DbError> {
        let row: Option<StaffRecord> =
            on_db!(db, pool => sqlx::query_as(BY_USERNAME).bind(username).fetch_optional(pool).await)?;
        Ok(row.map(StaffRow::from))
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<StaffRow>, DbError> {
        let row: Option<StaffRecord> = on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(StaffRow::from))
    }

    pub async fn all(db: &Db) -> Result<Vec<StaffRow>, DbError> {
        let rows: Vec<StaffRecord> = on_db!(db, pool => sqlx::query_as(ALL).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(StaffRow::from).collect())
    }

    pub async fn active_owners(db: &Db) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(COUNT_OWNERS).fetch_one(pool).await)?)
    }

    /// Changes a member's role; their sessions end so the new rights apply at once.
    pub async fn set_role(db: &Db, id: Uuid, role: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SET_ROLE).bind(id).bind(role).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(DELETE_SESSIONS_OF).bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Disables or re-enables a member; disabling ends their sessions.
    pub async fn set_active(db: &Db, id: Uuid, active: bool, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SET_ACTIVE).bind(id).bind(active).bind(now.as_micros()).execute(&mut *tx).await?;
            if !active {
                sqlx::query(DELETE_SESSIONS_OF).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// The language a member reads the back office in; `None` goes back to the browser's.
    pub async fn set_language(db: &Db, id: Uuid, language: Option<&str>, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_LANGUAGE).bind(id).bind(language).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_password(db: &Db, id: Uuid, password_hash: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_PASSWORD).bind(id).bind(password_hash).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Keeps a new TOTP secret aside until the member proves their app has it.
    pub async fn set_pending_totp(db: &Db, id: Uuid, secret: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_PENDING_TOTP).bind(id).bind(secret).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Makes the pending secret the member's second factor and replaces their recovery codes,
    /// in one transaction.
    pub async fn confirm_totp(
        db: &Db,
        id: Uuid,
        step: i64,
        recovery_code_hashes: &[String],
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let confirmed = on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(CONFIRM_TOTP).bind(id).bind(step).bind(now.as_micros()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query(DELETE_CODES).bind(id).execute(&mut *tx).await?;
                for hash in recovery_code_hashes {
                    sqlx::query(INSERT_CODE).bind(id).bind(hash).execute(&mut *tx).await?;
                }
            }
            tx.commit().await.map(|()| n == 1)
        })?;
        Ok(confirmed)
    }

    /// Removes a member's second factor (an owner does this for a lost phone); they enrol again
    /// at their next sign-in, and their sessions end.
    pub async fn reset_totp(db: &Db, id: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(RESET_TOTP).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(DELETE_CODES).bind(id).execute(&mut *tx).await?;
            sqlx::query(DELETE_SESSIONS_OF).bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Records that a code of `step` was used; `false` when that step (or a later one) was
    /// already used — a replayed code.
    pub async fn use_totp_step(db: &Db, id: Uuid, step: i64) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(USE_TOTP_STEP).bind(id).bind(step).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Spends a recovery code; `false` when it is unknown or spent.
    pub async fn use_recovery_code(db: &Db, id: Uuid, code_hash: &str, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(USE_CODE).bind(id).bind(code_hash).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn recovery_codes_left(db: &Db, id: Uuid) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(CODES_LEFT).bind(id).fetch_one(pool).await)?)
    }

    pub async fn logged_in(db: &Db, id: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(LOGGED_IN).bind(id).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn insert_session(
        db: &Db,
        token_hash: &str,
        staff_id: Uuid,
        stage: &str,
        client_addr: &str,
        user_agent: &str,
        now: Timestamp,
    ) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(INSERT_SESSION)
            .bind(token_hash)
            .bind(staff_id)
            .bind(stage)
            .bind(now.as_micros())
            .bind(client_addr)
            .bind(user_agent)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn session(db: &Db, token_hash: &str) -> Result<Option<StaffSessionRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SESSION).bind(token_hash).fetch_optional(pool).await)?)
    }

    pub async fn touch_session(db: &Db, token_hash: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(TOUCH_SESSION).bind(token_hash).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_stage(db: &Db, token_hash: &str, stage: &str, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_STAGE).bind(token_hash).bind(stage).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(DELETE_SESSION).bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends one of the member's own sessions; `false` if it is not theirs.
    pub async fn end_session_of(db: &Db, token_hash: &str, staff_id: Uuid) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(DELETE_SESSION_OF).bind(token_hash).bind(staff_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn sessions_of(db: &Db, staff_id: Uuid) -> Result<Vec<StaffSessionRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SESSIONS_OF).bind(staff_id).fetch_all(pool).await)?)
    }

    /// Deletes sessions idle since `idle_before` or started before `started_before`.
    pub async fn expire_sessions(db: &Db, idle_before: Timestamp, started_before: Timestamp) -> Result<u64, DbError> {
        Ok(
            on_db!(db, pool => sqlx::query(EXPIRE_SESSIONS).bind(idle_before.as_micros()).bind(started_before.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?,
        )
    }
}
