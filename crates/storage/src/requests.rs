//! Rights requests and their clocks.

use luxevault_core::ids::new_id;
use luxevault_core::{Pii, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const INSERT: &str = "INSERT INTO privacy_requests (id, kind, channel, customer_id, contact, status, received_at, due_at, target_at, \
     code_hash, code_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const VERIFICATION: &str =
    "SELECT code_hash, code_expires_at, code_attempts, status FROM privacy_requests WHERE id = $1";
const COUNT_ATTEMPT: &str = "UPDATE privacy_requests SET code_attempts = code_attempts + 1 WHERE id = $1";
// The clock was paused while waiting for the proof: the deadline moves by the time waited.
const VERIFY: &str = "UPDATE privacy_requests SET status = 'open', verified_at = $2, due_at = due_at + ($2 - received_at), \
     code_hash = NULL WHERE id = $1 AND status = 'awaiting_verification'";
// Staff proved the person (a call-back to the number on the orders): who, how and when; the
// request stays open (its clock never paused: staff logged it as received).
const VERIFY_BY_STAFF: &str = "UPDATE privacy_requests SET verified_at = $2, verified_by = $3, verification_method = $4 \
     WHERE id = $1 AND status IN ('open', 'extended') AND verified_at IS NULL";
const SET_ARCHIVE: &str = "UPDATE privacy_requests SET archive_token_hash = $2, archive_expires_at = $3 WHERE id = $1";
const ARCHIVE: &str = "SELECT archive_token_hash, archive_expires_at FROM privacy_requests WHERE id = $1";
// The contact was kept only to build the copy behind the link: it goes with the link.
const EXPIRE_ARCHIVES: &str = "UPDATE privacy_requests SET archive_token_hash = NULL, archive_expires_at = NULL, contact = '' \
     WHERE archive_expires_at IS NOT NULL AND archive_expires_at < $1";
const COUNT_EXPIRED_ARCHIVES: &str =
    "SELECT COUNT(*) FROM privacy_requests WHERE archive_expires_at IS NOT NULL AND archive_expires_at < $1";
const OPEN: &str = "SELECT id, kind, channel, customer_id, contact, status, received_at, due_at, target_at, extended_at, \
     extension_reason, completed_at, outcome, verified_at, verified_by, verification_method FROM privacy_requests WHERE status IN ('open', 'extended') ORDER BY due_at, id";
const BY_ID: &str = "SELECT id, kind, channel, customer_id, contact, status, received_at, due_at, target_at, extended_at, \
     extension_reason, completed_at, outcome, verified_at, verified_by, verification_method FROM privacy_requests WHERE id = $1";
const OF_CUSTOMER: &str = "SELECT id, kind, channel, customer_id, contact, status, received_at, due_at, target_at, extended_at, \
     extension_reason, completed_at, outcome, verified_at, verified_by, verification_method FROM privacy_requests WHERE customer_id = $1 ORDER BY received_at DESC";
const EXTEND: &str = "UPDATE privacy_requests SET status = 'extended', due_at = $2, extended_at = $3, extension_reason = $4 \
     WHERE id = $1 AND status = 'open'";
// An erasure's contact is the very address erased: the request keeps only its facts (kind,
// channel, dates, outcome) once closed.
const CLOSE: &str = "UPDATE privacy_requests SET status = $2, completed_at = $3, outcome = $4, \
     contact = CASE WHEN kind = 'erasure' THEN '' ELSE contact END \
     WHERE id = $1 AND status IN ('open', 'extended')";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("requests.insert", INSERT),
    ("requests.open", OPEN),
    ("requests.by_id", BY_ID),
    ("requests.of_customer", OF_CUSTOMER),
    ("requests.extend", EXTEND),
    ("requests.close", CLOSE),
    ("requests.verification", VERIFICATION),
    ("requests.count_attempt", COUNT_ATTEMPT),
    ("requests.verify", VERIFY),
    ("requests.verify_by_staff", VERIFY_BY_STAFF),
    ("requests.set_archive", SET_ARCHIVE),
    ("requests.archive", ARCHIVE),
    ("requests.expire_archives", EXPIRE_ARCHIVES),
    ("requests.count_expired_archives", COUNT_EXPIRED_ARCHIVES),
];

#[derive(FromRow)]
struct RequestRecord {
    id: Uuid,
    kind: String,
    channel: String,
    customer_id: Option<Uuid>,
    contact: String,
    status: String,
    received_at: i64,
    due_at: i64,
    target_at: i64,
    extended_at: Option<i64>,
    extension_reason: Option<String>,
    completed_at: Option<i64>,
    outcome: Option<String>,
    verified_at: Option<i64>,
    verified_by: Option<String>,
    verification_method: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PrivacyRequestRow {
    pub id: Uuid,
    pub kind: String,
    pub channel: String,
    pub customer_id: Option<Uuid>,
    pub contact: Pii<String>,
    pub status: String,
    pub received_at: Timestamp,
    pub due_at: Timestamp,
    pub target_at: Timestamp,
    pub extended_at: Option<Timestamp>,
    pub extension_reason: Option<String>,
    pub completed_at: Option<Timestamp>,
    pub outcome: Option<String>,
    /// When the person was proven (an emailed code, or staff's call-back).
    pub verified_at: Option<Timestamp>,
    /// Who proved them, when staff did (`staff:<id>`).
    pub verified_by: Option<String>,
    /// How staff proved them (`call_back`), when they did.
    pub verification_method: Option<String>,
}

impl From<RequestRecord> for PrivacyRequestRow {
    fn from(r: RequestRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            channel: r.channel,
            customer_id: r.customer_id,
            contact: Pii::new(r.contact),
            status: r.status,
            received_at: Timestamp(r.received_at),
            due_at: Timestamp(r.due_at),
            target_at: Timestamp(r.target_at),
            extended_at: r.extended_at.map(Timestamp),
            extension_reason: r.extension_reason,
            completed_at: r.completed_at.map(Timestamp),
            outcome: r.outcome,
            verified_at: r.verified_at.map(Timestamp),
            verified_by: r.verified_by,
            verification_method: r.verification_method,
        }
    }
}

pub struct NewPrivacyRequest<'a> {
    /// `awaiting_verification` for a person who must first prove the address, else `open`.
    pub status: &'a str,
    /// The hash of the one-time code sent to the contact, and until when it works.
    pub code: Option<(&'a str, Timestamp)>,
    pub kind: &'a str,
    pub channel: &'a str,
    pub customer_id: Option<Uuid>,
    pub contact: &'a str,
    pub received_at: Timestamp,
    pub due_at: Timestamp,
    pub target_at: Timestamp,
}

pub struct PrivacyRequests;

impl PrivacyRequests {
    pub async fn create(db: &Db, request: &NewPrivacyRequest<'_>, now: Timestamp) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT)
            .bind(id)
            .bind(request.kind)
            .bind(request.channel)
            .bind(request.customer_id)
            .bind(request.contact)
            .bind(request.status)
            .bind(request.received_at.as_micros())
            .bind(request.due_at.as_micros())
            .bind(request.target_at.as_micros())
            .bind(request.code.map(|(hash, _)| hash))
            .bind(request.code.map(|(_, until)| until.as_micros()))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// Requests still to answer, the most urgent first.
    pub async fn open(db: &Db) -> Result<Vec<PrivacyRequestRow>, DbError> {
        let rows: Vec<RequestRecord> = on_db!(db, pool => sqlx::query_as(OPEN).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(PrivacyRequestRow::from).collect())
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<PrivacyRequestRow>, DbError> {
        let row: Option<RequestRecord> = on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(PrivacyRequestRow::from))
    }

    pub async fn of_customer(db: &Db, customer: Uuid) -> Result<Vec<PrivacyRequestRow>, DbError> {
        let rows: Vec<RequestRecord> =
            on_db!(db, pool => sqlx::query_as(OF_CUSTOMER).bind(customer).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(PrivacyRequestRow::from).collect())
    }

    /// Extends an open request once; `false` when it was not open (already extended or closed).
    pub async fn extend(db: &Db, id: Uuid, due: Timestamp, reason: &str, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(EXTEND)
            .bind(id)
            .bind(due.as_micros())
            .bind(now.as_micros())
            .bind(reason)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The code's hash, expiry, attempts so far and the request's status.
    pub async fn verification(
        db: &Db,
        id: Uuid,
    ) -> Result<Option<(Option<String>, Option<i64>, i32, String)>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(VERIFICATION).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn count_attempt(db: &Db, id: Uuid) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(COUNT_ATTEMPT).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Marks the person proven; the deadline moves by the time spent waiting.
    pub async fn verify(db: &Db, id: Uuid, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(VERIFY).bind(id).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records that staff proved the person of an open request (`by`: `staff:<id>`, `method`:
    /// how); `false` when it is not open or was proven already.
    pub async fn verify_by_staff(db: &Db, id: Uuid, by: &str, method: &str, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(VERIFY_BY_STAFF)
            .bind(id)
            .bind(now.as_micros())
            .bind(by)
            .bind(method)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn set_archive(db: &Db, id: Uuid, token_hash: &str, expires: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_ARCHIVE).bind(id).bind(token_hash).bind(expires.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The download link's token hash and expiry, if any.
    pub async fn archive(db: &Db, id: Uuid) -> Result<Option<(Option<String>, Option<i64>)>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ARCHIVE).bind(id).fetch_optional(pool).await)?)
    }

    /// Withdraws download links past their expiry (retention rule `request_archives`).
    pub async fn expire_archives(db: &Db, now: Timestamp, dry_run: bool) -> Result<i64, DbError> {
        if dry_run {
            return Ok(
                on_db!(db, pool => sqlx::query_scalar(COUNT_EXPIRED_ARCHIVES).bind(now.as_micros()).fetch_one(pool).await)?,
            );
        }
        let n = on_db!(db, pool => sqlx::query(EXPIRE_ARCHIVES).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Closes a request as completed or refused, with what was done.
    pub async fn close(db: &Db, id: Uuid, status: &str, outcome: &str, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(CLOSE)
            .bind(id)
            .bind(status)
            .bind(now.as_micros())
            .bind(outcome)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
