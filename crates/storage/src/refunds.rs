//! Refunds of an order, one record each, and the order's refunded total. A refund is reserved
//! first — a conditional UPDATE that never lets the refunded total pass the order's total, in the
//! transaction that writes the record — then asked of the provider, then settled or released.
//! Two refunds racing can never together return more than was taken, on either database: the
//! UPDATE takes the order's row (PostgreSQL re-checks its condition on the newest row; SQLite
//! serialises writers).

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::jobs::NewJob;
use crate::{Db, DbError, on_db};

const RESERVE: &str = "UPDATE orders SET refunded_minor = refunded_minor + $2, updated_at = $3 \
     WHERE id = $1 AND status IN ('confirmed', 'fulfilled') AND $2 > 0 AND refunded_minor + $2 <= total_minor";
const INSERT: &str = "INSERT INTO order_refunds (id, order_id, amount_minor, reason, state, provider_refund_id, actor, \
     created_at) VALUES ($1, $2, $3, $4, 'pending', NULL, $5, $6)";
const SETTLE: &str = "UPDATE order_refunds SET state = 'done', provider_refund_id = $2, settled_at = $3 \
     WHERE id = $1 AND state = 'pending'";
const FAIL: &str = "UPDATE order_refunds SET state = 'failed', settled_at = $2 WHERE id = $1 AND state = 'pending'";
const UNRESERVE: &str = "UPDATE orders SET refunded_minor = refunded_minor - $2, updated_at = $3 \
     WHERE id = $1 AND refunded_minor >= $2";
const FOR_ORDER: &str = "SELECT id, order_id, amount_minor, reason, state, provider_refund_id, actor, created_at \
     FROM order_refunds WHERE order_id = $1 ORDER BY created_at, id";
const BY_ID: &str = "SELECT id, order_id, amount_minor, reason, state, provider_refund_id, actor, created_at \
     FROM order_refunds WHERE id = $1";
// What the provider says was refunded in all (its dashboard too): taken when higher, never lowered,
// never above the total.
const PROVIDER_TOTAL: &str = "UPDATE orders SET refunded_minor = CASE WHEN $2 > total_minor THEN total_minor ELSE $2 END, \
     updated_at = $3 WHERE id = $1 AND refunded_minor < $2 AND refunded_minor < total_minor";
/// Erasure: staff's reasons and the provider's refund ids go with the order's personal data;
/// the amounts and dates stay (accounting law).
pub(crate) const ERASE_FOR_ORDER: &str =
    "UPDATE order_refunds SET reason = $2, provider_refund_id = NULL WHERE order_id = $1";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("refunds.reserve", RESERVE),
    ("refunds.insert", INSERT),
    ("refunds.settle", SETTLE),
    ("refunds.fail", FAIL),
    ("refunds.unreserve", UNRESERVE),
    ("refunds.for_order", FOR_ORDER),
    ("refunds.by_id", BY_ID),
    ("refunds.provider_total", PROVIDER_TOTAL),
    ("refunds.erase_for_order", ERASE_FOR_ORDER),
];

/// One refund as recorded. `reason` is staff's free text, already guarded.
#[derive(Debug, Clone, FromRow)]
pub struct RefundRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub reason: String,
    /// `pending` (asked of the provider), `done`, or `failed` (released, nothing refunded).
    pub state: String,
    pub provider_refund_id: Option<String>,
    pub actor: String,
    pub created_at: i64,
}

pub struct Refunds;

impl Refunds {
    /// Reserves `amount_minor` of an order's refundable money and records the refund as pending,
    /// in one transaction. `None` when the order is not refundable (not captured, or already
    /// refunded) or the amount is not positive or above what remains: nothing was written.
    pub async fn reserve(
        db: &Db,
        order_id: Uuid,
        amount_minor: i64,
        reason: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<Option<Uuid>, DbError> {
        let id = new_id(now);
        let at = now.as_micros();
        let reserved = on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let taken = sqlx::query(RESERVE).bind(order_id).bind(amount_minor).bind(at).execute(&mut *tx).await?;
            if taken.rows_affected() == 0 {
                tx.rollback().await?;
                false
            } else {
                sqlx::query(INSERT)
                    .bind(id)
                    .bind(order_id)
                    .bind(amount_minor)
                    .bind(reason)
                    .bind(actor)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                true
            }
        });
        Ok(reserved.then_some(id))
    }

    /// The provider refunded it: the refund is done, and its jobs (the customer's email) are
    /// queued in the same transaction.
    pub async fn settle(
        db: &Db,
        refund_id: Uuid,
        provider_refund_id: &str,
        jobs: &[NewJob<'_>],
        now: Timestamp,
    ) -> Result<(), DbError> {
        let at = now.as_micros();
        on_db!(db, pool => async {
            let mut tx = pool.begin().await?;
            let settled = sqlx::query(SETTLE).bind(refund_id).bind(provider_refund_id).bind(at).execute(&mut *tx).await?;
            if settled.rows_affected() > 0 {
                for job in jobs {
                    sqlx::query(crate::jobs::ENQUEUE)
                        .bind(new_id(now))
                        .bind(job.kind)
                        .bind(&job.payload)
                        .bind(&job.dedupe_key)
                        .bind(job.run_at.as_micros())
                        .bind(job.max_attempts)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// The provider did not refund it: the refund failed and its reservation is given back.
    pub async fn release(db: &Db, refund_id: Uuid, now: Timestamp) -> Result<(), DbError> {
        let Some(refund) = Self::by_id(db, refund_id).await? else { return Ok(()) };
        let at = now.as_micros();
        on_db!(db, pool => async {
            let mut tx = pool.begin().await?;
            let failed = sqlx::query(FAIL).bind(refund_id).bind(at).execute(&mut *tx).await?;
            if failed.rows_affected() > 0 {
                sqlx::query(UNRESERVE).bind(refund.order_id).bind(refund.amount_minor).bind(at).execute(&mut *tx).await?;
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    pub async fn by_id(db: &Db, refund_id: Uuid) -> Result<Option<RefundRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BY_ID).bind(refund_id).fetch_optional(pool).await)?)
    }

    /// An order's refunds, oldest first.
    pub async fn for_order(db: &Db, order_id: Uuid) -> Result<Vec<RefundRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(FOR_ORDER).bind(order_id).fetch_all(pool).await)?)
    }

    /// The provider reports `refunded_minor` refunded in all: the order's refunded total becomes
    /// that when it is higher (never lower, never above the total). `true` when it moved.
    pub async fn provider_total(db: &Db, order_id: Uuid, refunded_minor: i64, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(PROVIDER_TOTAL)
            .bind(order_id)
            .bind(refunded_minor)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
