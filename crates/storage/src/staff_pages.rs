//! Read-only queries behind the back office's customer, message and consent pages (the searchable
//! lists are in `backoffice.rs`).

use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const CUSTOMER_SESSIONS: &str = "SELECT COUNT(*) FROM customer_sessions WHERE customer_id = $1";
// Queued, retrying or given-up jobs whose payload names one record (ids only in payloads).
const JOBS_NAMING: &str = "SELECT id, kind, payload, run_at, attempts, max_attempts, failed_at, created_at FROM jobs \
     WHERE kind = $1 AND payload LIKE $2 ORDER BY created_at DESC LIMIT $3";
// Whether the holder is still an account: an erased account's proofs stay, naming no one.
const CONSENT_LEDGER: &str = "SELECT id, holder_id, EXISTS (SELECT 1 FROM customers c WHERE c.id = consents.holder_id) \
     AS holder_is_account, purpose, granted, at, policy_version, source, method FROM consents \
     WHERE at < $1 OR (at = $1 AND id < $2) ORDER BY at DESC, id DESC LIMIT $3";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("staff_pages.customer_sessions", CUSTOMER_SESSIONS),
    ("staff_pages.jobs_naming", JOBS_NAMING),
    ("staff_pages.consent_ledger", CONSENT_LEDGER),
];

/// A job still in the queue (sent jobs are deleted): what is waiting or was given up.
#[derive(Debug, Clone, FromRow)]
pub struct QueuedJob {
    pub id: Uuid,
    pub kind: String,
    /// JSON with ids (and, for a reset or a code, the secret it carries: never show it).
    pub payload: String,
    pub run_at: i64,
    pub attempts: i32,
    pub max_attempts: i32,
    pub failed_at: Option<i64>,
    pub created_at: i64,
}

/// One record of the consent ledger with whose it is.
#[derive(Debug, Clone, FromRow)]
pub struct LedgerRecord {
    pub id: Uuid,
    /// The account's id while it exists; after erasure, an id that names no one.
    pub holder_id: Uuid,
    pub holder_is_account: bool,
    pub purpose: String,
    pub granted: bool,
    pub at: i64,
    pub policy_version: String,
    pub source: String,
    pub method: String,
}

pub struct StaffPages;

impl StaffPages {
    /// How many signed-in sessions a customer has.
    pub async fn customer_sessions(db: &Db, customer: Uuid) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(CUSTOMER_SESSIONS).bind(customer).fetch_one(pool).await)?)
    }

    /// Jobs of `kind` whose payload names `id`, newest first.
    pub async fn jobs_naming(db: &Db, kind: &str, id: Uuid, limit: i64) -> Result<Vec<QueuedJob>, DbError> {
        let pattern = format!("%{id}%");
        Ok(on_db!(db, pool => sqlx::query_as(JOBS_NAMING).bind(kind).bind(&pattern).bind(limit).fetch_all(pool).await)?)
    }

    /// The consent ledger, newest first, from before the cursor `(at, id)` (none: from the newest).
    pub async fn consent_ledger(
        db: &Db,
        before: Option<(i64, Uuid)>,
        limit: i64,
    ) -> Result<Vec<LedgerRecord>, DbError> {
        let (at, id) = before.unwrap_or((i64::MAX, Uuid::max()));
        Ok(on_db!(db, pool => sqlx::query_as(CONSENT_LEDGER).bind(at).bind(id).bind(limit).fetch_all(pool).await)?)
    }
}
