//! The retention engine's SQL: each rule's records past their horizon, counted (for a preview)
//! or anonymised / deleted in batches, and the purge log.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

/// Rows changed per statement: short write transactions, so the shop keeps serving meanwhile.
const BATCH: i64 = 500;

// Past the horizon, or complete and asked to be erased.
const ORDERS_DUE: &str = "SELECT COUNT(*) FROM orders WHERE anonymised_at IS NULL AND (created_at < $1 OR \
     (erasure_requested_at IS NOT NULL AND status IN ('fulfilled', 'cancelled', 'refunded')))";
// Amounts, lines, dates and the country stay (accounting and tax law); who and where go.
// The request digest (of name and address) and the payment references (which lead to the
// provider's record of the person) go too.
const ANONYMISE_ORDERS: &str = "UPDATE orders SET name = '', email = '', email_key = '', phone = '', address_line1 = '', \
     address_line2 = '', city = '', postcode = '', customer_id = NULL, request_hash = '', \
     payment_session_id = NULL, payment_id = NULL, payment_url = NULL, anonymised_at = $2 \
     WHERE id IN (SELECT id FROM orders WHERE anonymised_at IS NULL AND (created_at < $1 OR \
     (erasure_requested_at IS NOT NULL AND status IN ('fulfilled', 'cancelled', 'refunded'))) ORDER BY created_at LIMIT $3)";
// Staff's free text on the history of anonymised orders goes with their personal data.
const ERASE_STAFF_REASONS: &str = "UPDATE order_events SET reason = $1 WHERE actor LIKE 'staff:%' AND reason <> '' \
     AND reason <> $1 AND order_id IN (SELECT id FROM orders WHERE anonymised_at IS NOT NULL)";
// Staff's refund reasons and the provider's refund ids of anonymised orders go with them too.
const ERASE_REFUND_REASONS: &str = "UPDATE order_refunds SET reason = $1, provider_refund_id = NULL \
     WHERE (reason <> '' AND reason <> $1 OR provider_refund_id IS NOT NULL) \
     AND order_id IN (SELECT id FROM orders WHERE anonymised_at IS NOT NULL)";
// A restricted account (Art. 18) is neither warned nor deleted: the person asked us to keep it.
const ACCOUNTS_TO_WARN: &str = "SELECT id FROM customers WHERE last_active_at < $1 AND inactivity_warned_at IS NULL \
     AND NOT EXISTS (SELECT 1 FROM processing_limits l WHERE l.customer_id = customers.id AND l.kind = 'restriction' \
     AND (l.lifted_at IS NULL OR l.lifted_at > $3)) ORDER BY last_active_at LIMIT $2";
const COUNT_TO_WARN: &str = "SELECT COUNT(*) FROM customers WHERE last_active_at < $1 AND inactivity_warned_at IS NULL \
     AND NOT EXISTS (SELECT 1 FROM processing_limits l WHERE l.customer_id = customers.id AND l.kind = 'restriction' \
     AND (l.lifted_at IS NULL OR l.lifted_at > $2))";
const MARK_WARNED: &str =
    "UPDATE customers SET inactivity_warned_at = $2 WHERE id = $1 AND inactivity_warned_at IS NULL";
// Deleted only when inactive past the horizon AND warned at least the notice period ago.
const ACCOUNTS_DUE: &str = "SELECT COUNT(*) FROM customers WHERE last_active_at < $1 AND inactivity_warned_at IS NOT NULL \
     AND inactivity_warned_at < $2 AND NOT EXISTS (SELECT 1 FROM processing_limits l WHERE l.customer_id = customers.id \
     AND l.kind = 'restriction' AND (l.lifted_at IS NULL OR l.lifted_at > $3))";
const DUE_ACCOUNT_IDS: &str = "SELECT id FROM customers WHERE last_active_at < $1 \
     AND inactivity_warned_at IS NOT NULL AND inactivity_warned_at < $2 AND NOT EXISTS (SELECT 1 FROM processing_limits l \
     WHERE l.customer_id = customers.id AND l.kind = 'restriction' AND (l.lifted_at IS NULL OR l.lifted_at > $4)) \
     ORDER BY last_active_at LIMIT $3";
const DELETE_ACCOUNT: &str = "DELETE FROM customers WHERE id = $1";
const LOG_RUN: &str = "INSERT INTO retention_runs (id, rule, started_at, as_of, dry_run, action, affected) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const RAN_SINCE: &str = "SELECT COUNT(*) FROM retention_runs WHERE dry_run = FALSE AND started_at >= $1";
const RUNS: &str = "SELECT rule, started_at, as_of, dry_run, action, affected FROM retention_runs \
     ORDER BY started_at DESC, rule LIMIT $1";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("retention.orders_due", ORDERS_DUE),
    ("retention.anonymise_orders", ANONYMISE_ORDERS),
    ("retention.erase_staff_reasons", ERASE_STAFF_REASONS),
    ("retention.erase_refund_reasons", ERASE_REFUND_REASONS),
    ("retention.accounts_to_warn", ACCOUNTS_TO_WARN),
    ("retention.count_to_warn", COUNT_TO_WARN),
    ("retention.mark_warned", MARK_WARNED),
    ("retention.accounts_due", ACCOUNTS_DUE),
    ("retention.due_account_ids", DUE_ACCOUNT_IDS),
    ("retention.delete_account", DELETE_ACCOUNT),
    ("retention.log_run", LOG_RUN),
    ("retention.runs", RUNS),
    ("retention.ran_since", RAN_SINCE),
];

/// One line of the purge log: counts, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RetentionOutcome {
    pub rule: String,
    pub started_at: i64,
    pub as_of: i64,
    pub dry_run: bool,
    /// e.g. "anonymised", "deleted", "warned".
    pub action: String,
    pub affected: i64,
}

pub struct RetentionStore;

/// Runs a batched statement (`$1`, `$2`, then the batch size as `$3`) until it changes nothing;
/// returns the rows changed.
async fn in_batches(db: &Db, sql: &'static str, first: i64, second: i64) -> Result<i64, DbError> {
    let mut total = 0i64;
    loop {
        let n = on_db!(db, pool => sqlx::query(sql)
            .bind(first)
            .bind(second)
            .bind(BATCH)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        total = total.saturating_add(i64::try_from(n).unwrap_or(i64::MAX));
        if n == 0 {
            return Ok(total);
        }
    }
}

impl RetentionStore {
    /// Orders placed before `cutoff` and not yet anonymised.
    pub async fn orders_due(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(ORDERS_DUE).bind(cutoff.as_micros()).fetch_one(pool).await)?)
    }

    /// Anonymises every order placed before `cutoff`, batch by batch; returns how many.
    pub async fn anonymise_orders(db: &Db, cutoff: Timestamp, now: Timestamp) -> Result<i64, DbError> {
        let n = in_batches(db, ANONYMISE_ORDERS, cutoff.as_micros(), now.as_micros()).await?;
        on_db!(db, pool => sqlx::query(ERASE_STAFF_REASONS).bind(crate::orders::ERASED_REASON).execute(pool).await.map(|r| r.rows_affected()))?;
        // The notes of their alterations go with them.
        crate::Sizing::erase_notes_of_anonymised(db).await?;
        on_db!(db, pool => sqlx::query(ERASE_REFUND_REASONS).bind(crate::orders::ERASED_REASON).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Accounts inactive since before `cutoff` that have not been warned yet.
    /// (Restricted accounts as of `as_of` are left alone.)
    pub async fn accounts_to_warn(
        db: &Db,
        cutoff: Timestamp,
        limit: i64,
        as_of: Timestamp,
    ) -> Result<Vec<Uuid>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(ACCOUNTS_TO_WARN)
            .bind(cutoff.as_micros())
            .bind(limit)
            .bind(as_of.as_micros())
            .fetch_all(pool)
            .await)?)
    }

    pub async fn count_to_warn(db: &Db, cutoff: Timestamp, as_of: Timestamp) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(COUNT_TO_WARN)
            .bind(cutoff.as_micros())
            .bind(as_of.as_micros())
            .fetch_one(pool)
            .await)?)
    }

    pub async fn mark_warned(db: &Db, customer: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(MARK_WARNED).bind(customer).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Accounts inactive since before `cutoff` and warned before `warned_before`.
    pub async fn accounts_due(
        db: &Db,
        cutoff: Timestamp,
        warned_before: Timestamp,
        as_of: Timestamp,
    ) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(ACCOUNTS_DUE)
            .bind(cutoff.as_micros())
            .bind(warned_before.as_micros())
            .bind(as_of.as_micros())
            .fetch_one(pool)
            .await)?)
    }

    /// Deletes those accounts (their sessions and reset links go with them; their orders stay,
    /// no longer linked to an account). Each account's consents are withdrawn first, so their
    /// proofs stay for the policy's year after withdrawal, naming no one.
    pub async fn delete_accounts(
        db: &Db,
        cutoff: Timestamp,
        warned_before: Timestamp,
        as_of: Timestamp,
        policy_version: &str,
        now: Timestamp,
    ) -> Result<i64, DbError> {
        let mut total = 0i64;
        loop {
            let ids: Vec<Uuid> = on_db!(db, pool => sqlx::query_scalar(DUE_ACCOUNT_IDS)
                .bind(cutoff.as_micros())
                .bind(warned_before.as_micros())
                .bind(BATCH)
                .bind(as_of.as_micros())
                .fetch_all(pool)
                .await)?;
            if ids.is_empty() {
                return Ok(total);
            }
            for id in ids {
                crate::Consents::withdraw_all(db, id, policy_version, "retention", now).await?;
                let n = on_db!(db, pool => sqlx::query(DELETE_ACCOUNT).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
                total = total.saturating_add(i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
    }

    /// Writes one line of the purge log.
    pub async fn log(db: &Db, outcome: &RetentionOutcome, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(LOG_RUN)
            .bind(new_id(now))
            .bind(&outcome.rule)
            .bind(outcome.started_at)
            .bind(outcome.as_of)
            .bind(outcome.dry_run)
            .bind(&outcome.action)
            .bind(outcome.affected)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Whether a real (not dry) run has been logged since `since`.
    pub async fn ran_since(db: &Db, since: Timestamp) -> Result<bool, DbError> {
        let n: i64 = on_db!(db, pool => sqlx::query_scalar(RAN_SINCE).bind(since.as_micros()).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// The latest purge-log lines.
    pub async fn runs(db: &Db, limit: i64) -> Result<Vec<RetentionOutcome>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(RUNS).bind(limit).fetch_all(pool).await)?)
    }
}
