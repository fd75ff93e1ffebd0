//! The answers of requests made under an Idempotency-Key (staff's order moves): the first
//! request claims the key with a digest of what it asks, and stores its answer when it has one;
//! a retry with the same key and the same digest gets that answer back, a different digest is
//! told apart. Kept a day.

use luxevault_core::Timestamp;
use sqlx::FromRow;

use crate::{Db, DbError, on_db};

const EXPIRE: &str = "DELETE FROM request_replays WHERE created_at < $1";
const CLAIM: &str = "INSERT INTO request_replays (scope, idem_key, request_hash, status, body, created_at) \
     VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT DO NOTHING";
const FIND: &str =
    "SELECT request_hash, status, body, created_at FROM request_replays WHERE scope = $1 AND idem_key = $2";
// A first request that never answered (its process died) leaves its claim; after a while a retry
// takes it over.
const TAKE_OVER: &str = "UPDATE request_replays SET created_at = $4 WHERE scope = $1 AND idem_key = $2 \
     AND request_hash = $3 AND status IS NULL AND created_at < $5";
const FINISH: &str =
    "UPDATE request_replays SET status = $3, body = $4 WHERE scope = $1 AND idem_key = $2 AND status IS NULL";
const FORGET: &str = "DELETE FROM request_replays WHERE scope = $1 AND idem_key = $2 AND status IS NULL";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("replays.expire", EXPIRE),
    ("replays.claim", CLAIM),
    ("replays.find", FIND),
    ("replays.take_over", TAKE_OVER),
    ("replays.finish", FINISH),
    ("replays.forget", FORGET),
];

/// How long a stored answer is replayed.
const KEPT_MICROS: i64 = 24 * 3_600 * Timestamp::MICROS_PER_SECOND;
/// How long an unanswered claim holds off its retries.
const CLAIM_MICROS: i64 = 60 * Timestamp::MICROS_PER_SECOND;

#[derive(FromRow)]
struct ReplayRecord {
    request_hash: String,
    status: Option<i32>,
    body: Option<String>,
    created_at: i64,
}

/// What a request under a key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The first under this key: answer it, then [`Replays::finish`] (or [`Replays::forget`]).
    Fresh,
    /// A retry: this is the first request's answer.
    Replay { status: i32, body: String },
    /// The key was used for a different request.
    Mismatch,
    /// The first request under this key is still being answered.
    InFlight,
}

pub struct Replays;

impl Replays {
    pub async fn claim(db: &Db, scope: &str, key: &str, request_hash: &str, now: Timestamp) -> Result<Claim, DbError> {
        let at = now.as_micros();
        on_db!(db, pool => sqlx::query(EXPIRE).bind(at - KEPT_MICROS).execute(pool).await.map(|r| r.rows_affected()))?;
        let claimed = on_db!(db, pool => sqlx::query(CLAIM)
            .bind(scope)
            .bind(key)
            .bind(request_hash)
            .bind(at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        if claimed > 0 {
            return Ok(Claim::Fresh);
        }
        let found: Option<ReplayRecord> =
            on_db!(db, pool => sqlx::query_as(FIND).bind(scope).bind(key).fetch_optional(pool).await)?;
        let Some(found) = found else { return Ok(Claim::InFlight) };
        if found.request_hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        match (found.status, found.body) {
            (Some(status), Some(body)) => Ok(Claim::Replay { status, body }),
            _ if found.created_at < at - CLAIM_MICROS => {
                let taken = on_db!(db, pool => sqlx::query(TAKE_OVER)
                    .bind(scope)
                    .bind(key)
                    .bind(request_hash)
                    .bind(at)
                    .bind(at - CLAIM_MICROS)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected()))?;
                Ok(if taken > 0 { Claim::Fresh } else { Claim::InFlight })
            }
            _ => Ok(Claim::InFlight),
        }
    }

    /// Stores the answer of the request that claimed the key.
    pub async fn finish(db: &Db, scope: &str, key: &str, status: i32, body: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(FINISH).bind(scope).bind(key).bind(status).bind(body).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives the key back unanswered (the request failed for a passing reason): a retry runs again.
    pub async fn forget(db: &Db, scope: &str, key: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(FORGET).bind(scope).bind(key).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
