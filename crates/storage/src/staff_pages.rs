//! Read-only queries behind the back office's customer, message and consent pages. Lists here
//! are plain (newest first, a limit or a cursor); the searchable lists live elsewhere.

use luxevault_core::Pii;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const RECENT_CUSTOMERS: &str = "SELECT id, username, created_at, last_active_at FROM customers \
     ORDER BY created_at DESC, id DESC LIMIT $1";
const CUSTOMER_SESSIONS: &str = "SELECT COUNT(*) FROM customer_sessions WHERE customer_id = $1";
// Queued, retrying or given-up jobs whose payload names one record (ids only in payloads).
const JOBS_NAMING: &str = "SELECT id, kind, payload, run_at, attempts, max_attempts, failed_at, created_at FROM jobs \
     WHERE kind = $1 AND payload LIKE $2 ORDER BY created_at DESC LIMIT $3";
const CONSENT_LEDGER: &str = "SELECT id, customer_id, purpose, granted, at, policy_version, source, method FROM consents \
     WHERE at < $1 OR (at = $1 AND id < $2) ORDER BY at DESC, id DESC LIMIT $3";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("staff_pages.recent_customers", RECENT_CUSTOMERS),
    ("staff_pages.customer_sessions", CUSTOMER_SESSIONS),
    ("staff_pages.jobs_naming", JOBS_NAMING),
    ("staff_pages.consent_ledger", CONSENT_LEDGER),
];

#[derive(FromRow)]
struct CustomerSummaryRecord {
    id: Uuid,
    username: String,
    created_at: i64,
    last_active_at: i64,
}

/// A customer in the back office's plain list.
#[derive(Debug, Clone)]
pub struct CustomerSummary {
    pub id: Uuid,
    pub username: Pii<String>,
    pub created_at: i64,
    pub last_active_at: i64,
}

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
    pub customer_id: Uuid,
    pub purpose: String,
    pub granted: bool,
    pub at: i64,
    pub policy_version: String,
    pub source: String,
    pub method: String,
}

pub struct StaffPages;

impl StaffPages {
    /// The newest customer accounts.
    pub async fn recent_customers(db: &Db, limit: i64) -> Result<Vec<CustomerSummary>, DbError> {
        let rows: Vec<CustomerSummaryRecord> =
            on_db!(db, pool => sqlx::query_as(RECENT_CUSTOMERS).bind(limit).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| CustomerSummary {
                id: r.id,
                username: Pii::new(r.username),
                created_at: r.created_at,
                last_active_at: r.last_active_at,
            })
            .collect())
    }

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
