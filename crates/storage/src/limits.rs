//! Restriction (GDPR Art. 18) and objection (Art. 21) of a person, and the notices sent to the
//! recipients of their data after an erasure, rectification or restriction (Art. 19).
//!
//! A limit is in force from `started_at` until `lifted_at` (absent, or still ahead: the person
//! is told before a restriction is lifted). A person is an account or, without one, the keyed
//! hash of an email address.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const INSERT: &str = "INSERT INTO processing_limits (id, kind, purpose, customer_id, email_key, request_id, started_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
// In force at $3 for the account $1 or the email key $2 (either may be NULL).
const IN_FORCE: &str = "SELECT id, kind, purpose, customer_id, request_id, started_at, lifted_at, lift_notice_at \
     FROM processing_limits WHERE (customer_id = $1 OR email_key = $2) AND (lifted_at IS NULL OR lifted_at > $3) \
     ORDER BY started_at, id";
const BY_ID: &str = "SELECT id, kind, purpose, customer_id, request_id, started_at, lifted_at, lift_notice_at \
     FROM processing_limits WHERE id = $1";
// Ends a limit at $2 (now, or a day ahead after the notice); only one still in force.
const LIFT: &str = "UPDATE processing_limits SET lifted_at = $2, lift_notice_at = $3 \
     WHERE id = $1 AND (lifted_at IS NULL OR lifted_at > $4)";
const ACTIVE_RESTRICTIONS: &str = "SELECT id, kind, purpose, customer_id, request_id, started_at, lifted_at, lift_notice_at \
     FROM processing_limits WHERE kind = 'restriction' AND (lifted_at IS NULL OR lifted_at > $1) ORDER BY started_at, id";
// Every limit of a person, lifted or not: part of their copy (Art. 15).
const OF_PERSON: &str = "SELECT id, kind, purpose, customer_id, request_id, started_at, lifted_at, lift_notice_at \
     FROM processing_limits WHERE customer_id = $1 OR email_key = $2 ORDER BY started_at, id";
const EMAIL_KEY_OF: &str = "SELECT email_key FROM processing_limits WHERE id = $1";
const INSERT_NOTICE: &str = "INSERT INTO recipient_notices (id, request_id, recipient, method, reference, notified_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const NOTICES: &str = "SELECT id, request_id, recipient, method, reference, notified_at FROM recipient_notices WHERE request_id = $1 \
     ORDER BY recipient";
const NOTICE: &str =
    "SELECT id, request_id, recipient, method, reference, notified_at FROM recipient_notices WHERE id = $1";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("limits.insert", INSERT),
    ("limits.in_force", IN_FORCE),
    ("limits.by_id", BY_ID),
    ("limits.lift", LIFT),
    ("limits.active_restrictions", ACTIVE_RESTRICTIONS),
    ("limits.of_person", OF_PERSON),
    ("limits.email_key_of", EMAIL_KEY_OF),
    ("limits.insert_notice", INSERT_NOTICE),
    ("limits.notices", NOTICES),
    ("limits.notice", NOTICE),
];

/// One restriction or objection.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LimitRow {
    pub id: Uuid,
    /// `restriction` or `objection`.
    pub kind: String,
    /// The purpose objected to; empty for a restriction.
    pub purpose: String,
    pub customer_id: Option<Uuid>,
    pub request_id: Option<Uuid>,
    pub started_at: i64,
    pub lifted_at: Option<i64>,
    pub lift_notice_at: Option<i64>,
}

pub struct NewLimit<'a> {
    pub kind: &'a str,
    pub purpose: &'a str,
    pub customer: Option<Uuid>,
    /// The keyed hash of the person's email, for a person without an account.
    pub email_key: Option<&'a str>,
    pub request: Option<Uuid>,
}

/// One notice to a recipient (Art. 19).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct NoticeRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub recipient: String,
    pub method: String,
    pub reference: String,
    pub notified_at: i64,
}

pub struct Limits;

impl Limits {
    pub async fn add(db: &Db, limit: &NewLimit<'_>, now: Timestamp) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT)
            .bind(id)
            .bind(limit.kind)
            .bind(limit.purpose)
            .bind(limit.customer)
            .bind(limit.email_key)
            .bind(limit.request)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// The limits in force at `at` on the account and/or the email key.
    pub async fn in_force(
        db: &Db,
        customer: Option<Uuid>,
        email_key: Option<&str>,
        at: Timestamp,
    ) -> Result<Vec<LimitRow>, DbError> {
        if customer.is_none() && email_key.is_none() {
            return Ok(Vec::new());
        }
        Ok(on_db!(db, pool => sqlx::query_as(IN_FORCE)
            .bind(customer)
            .bind(email_key)
            .bind(at.as_micros())
            .fetch_all(pool)
            .await)?)
    }

    /// Every restriction and objection of the account and/or the email key, lifted or not.
    pub async fn of_person(db: &Db, customer: Option<Uuid>, email_key: Option<&str>) -> Result<Vec<LimitRow>, DbError> {
        if customer.is_none() && email_key.is_none() {
            return Ok(Vec::new());
        }
        Ok(on_db!(db, pool => sqlx::query_as(OF_PERSON).bind(customer).bind(email_key).fetch_all(pool).await)?)
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<LimitRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?)
    }

    /// The email key a limit was recorded under, if any (never shown, only compared).
    pub async fn email_key_of(db: &Db, id: Uuid) -> Result<Option<String>, DbError> {
        let key: Option<Option<String>> =
            on_db!(db, pool => sqlx::query_scalar(EMAIL_KEY_OF).bind(id).fetch_optional(pool).await)?;
        Ok(key.flatten())
    }

    /// Ends a limit in force at `now` at `until` (now, or later after a notice); `false` when
    /// it was not in force.
    pub async fn lift(
        db: &Db,
        id: Uuid,
        until: Timestamp,
        notice: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(LIFT)
            .bind(id)
            .bind(until.as_micros())
            .bind(notice.map(|t| t.as_micros()))
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Every restriction in force at `at`, for staff.
    pub async fn active_restrictions(db: &Db, at: Timestamp) -> Result<Vec<LimitRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ACTIVE_RESTRICTIONS).bind(at.as_micros()).fetch_all(pool).await)?)
    }

    /// Records that a recipient was told of a request (Art. 19).
    pub async fn add_notice(
        db: &Db,
        request: Uuid,
        recipient: &str,
        method: &str,
        reference: &str,
        now: Timestamp,
    ) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT_NOTICE)
            .bind(id)
            .bind(request)
            .bind(recipient)
            .bind(method)
            .bind(reference)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn notices(db: &Db, request: Uuid) -> Result<Vec<NoticeRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(NOTICES).bind(request).fetch_all(pool).await)?)
    }

    pub async fn notice(db: &Db, id: Uuid) -> Result<Option<NoticeRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(NOTICE).bind(id).fetch_optional(pool).await)?)
    }
}
