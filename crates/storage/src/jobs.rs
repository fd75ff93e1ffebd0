//! The job queue: work done after the request (sending email, capturing a payment), retried
//! with backoff until it succeeds or gives up, safe with several app nodes on one database.
//!
//! A job is claimed by a lease (`locked_until`): the claim re-checks the lease in the outer
//! `WHERE`, which under PostgreSQL's READ COMMITTED makes two nodes' claims of one row exclusive,
//! and a node that dies mid-job leaves a lease that simply expires. Leases are short and renewed
//! while the job runs; a claim is known by its attempt number, so a node whose lease lapsed and
//! was taken over cannot renew the new holder's.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

pub(crate) const ENQUEUE: &str = "INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, attempts, max_attempts, created_at) \
     VALUES ($1, $2, $3, $4, $5, 0, $6, $7) ON CONFLICT DO NOTHING";
const CLAIM: &str = "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id = (\
     SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
     ORDER BY run_at LIMIT 1) AND failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
     RETURNING id, kind, payload, attempts, max_attempts";
const RENEW: &str = "UPDATE jobs SET locked_until = $3 WHERE id = $1 AND attempts = $2 AND failed_at IS NULL";
const COMPLETE: &str = "DELETE FROM jobs WHERE id = $1";
const RETRY: &str = "UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1";
const GIVE_UP: &str = "UPDATE jobs SET failed_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1";
const PENDING: &str = "SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL AND kind = $1";
const FAILED: &str = "SELECT COUNT(*) FROM jobs WHERE failed_at IS NOT NULL AND kind = $1";
// The payload is JSON holding ids as hyphenated UUIDs: `$2` is `%<uuid>%`.
const DROP_MENTIONING: &str = "DELETE FROM jobs WHERE kind = $1 AND payload LIKE $2";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("jobs.enqueue", ENQUEUE),
    ("jobs.claim", CLAIM),
    ("jobs.renew", RENEW),
    ("jobs.complete", COMPLETE),
    ("jobs.retry", RETRY),
    ("jobs.give_up", GIVE_UP),
    ("jobs.pending", PENDING),
    ("jobs.failed", FAILED),
    ("jobs.drop_mentioning", DROP_MENTIONING),
];

#[derive(Debug, Clone, FromRow)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    /// JSON with ids and settings only.
    pub payload: String,
    /// Including this run.
    pub attempts: i32,
    pub max_attempts: i32,
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    /// A job with the same key is not queued twice (e.g. "email:order_confirmation:<order id>").
    pub dedupe_key: Option<String>,
    pub run_at: Timestamp,
    pub max_attempts: i32,
}

pub struct Jobs;

impl Jobs {
    /// Queues a job; returns `false` when its dedupe key was queued already.
    pub async fn enqueue(db: &Db, job: &NewJob<'_>, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(ENQUEUE)
            .bind(new_id(now))
            .bind(job.kind)
            .bind(&job.payload)
            .bind(&job.dedupe_key)
            .bind(job.run_at.as_micros())
            .bind(job.max_attempts)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Takes the next due job for `lease_seconds`.
    pub async fn claim(db: &Db, now: Timestamp, lease_seconds: i64) -> Result<Option<Job>, DbError> {
        let until = now.plus_seconds(lease_seconds).as_micros();
        Ok(on_db!(db, pool => sqlx::query_as(CLAIM).bind(now.as_micros()).bind(until).fetch_optional(pool).await)?)
    }

    /// Extends the lease of a claimed job still running; `false` when the claim is no longer
    /// ours (the lease lapsed and another node took the job).
    pub async fn renew(db: &Db, job: &Job, now: Timestamp, lease_seconds: i64) -> Result<bool, DbError> {
        let until = now.plus_seconds(lease_seconds).as_micros();
        let n = on_db!(db, pool => sqlx::query(RENEW).bind(job.id).bind(job.attempts).bind(until).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn complete(db: &Db, id: Uuid) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(COMPLETE).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Schedules another attempt; `error` is a sentence without personal data.
    pub async fn retry(db: &Db, id: Uuid, at: Timestamp, error: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(RETRY).bind(id).bind(at.as_micros()).bind(error).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stops retrying; the job stays for an operator to see.
    pub async fn give_up(db: &Db, id: Uuid, now: Timestamp, error: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(GIVE_UP).bind(id).bind(now.as_micros()).bind(error).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes the queued (or given-up) jobs of `kind` whose payload names `id`: an erased
    /// person's email is not sent, nor kept for an operator to see. Returns how many.
    pub async fn drop_mentioning(db: &Db, kind: &str, id: Uuid) -> Result<u64, DbError> {
        let pattern = format!("%{}%", id.hyphenated());
        Ok(
            on_db!(db, pool => sqlx::query(DROP_MENTIONING).bind(kind).bind(&pattern).execute(pool).await.map(|r| r.rows_affected()))?,
        )
    }

    pub async fn pending(db: &Db, kind: &str) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(PENDING).bind(kind).fetch_one(pool).await)?)
    }

    pub async fn failed(db: &Db, kind: &str) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(FAILED).bind(kind).fetch_one(pool).await)?)
    }
}
