//! First-party page views (P6, P14): no IP address, no user agent, no account; the per-tab
//! session id goes after the policy's 30 days (retention rule `analytics`), so nothing links
//! the views of one visit any more.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

/// Rows changed per statement.
const BATCH: i64 = 500;

const INSERT: &str = "INSERT INTO page_views (id, at, path, lang, referrer_host, sid) VALUES ($1, $2, $3, $4, $5, $6)";
const COUNT_LINKED: &str = "SELECT COUNT(*) FROM page_views WHERE sid IS NOT NULL AND at < $1";
const ANONYMISE: &str = "UPDATE page_views SET sid = NULL WHERE id IN (SELECT id FROM page_views \
     WHERE sid IS NOT NULL AND at < $1 ORDER BY at LIMIT $2)";
const RECENT: &str = "SELECT id, at, path, lang, referrer_host, sid FROM page_views ORDER BY at DESC, id DESC LIMIT $1";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("analytics.insert", INSERT),
    ("analytics.count_linked", COUNT_LINKED),
    ("analytics.anonymise", ANONYMISE),
    ("analytics.recent", RECENT),
];

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PageViewRow {
    pub id: Uuid,
    pub at: i64,
    pub path: String,
    pub lang: String,
    pub referrer_host: Option<String>,
    pub sid: Option<String>,
}

pub struct NewPageView<'a> {
    pub path: &'a str,
    pub lang: &'a str,
    pub referrer_host: Option<&'a str>,
    pub sid: Option<&'a str>,
}

pub struct PageViews;

impl PageViews {
    pub async fn record(db: &Db, view: &NewPageView<'_>, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(INSERT)
            .bind(new_id(now))
            .bind(now.as_micros())
            .bind(view.path)
            .bind(view.lang)
            .bind(view.referrer_host)
            .bind(view.sid)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Views before `cutoff` still linked to a visit.
    pub async fn count_linked(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(COUNT_LINKED).bind(cutoff.as_micros()).fetch_one(pool).await)?)
    }

    /// Removes the session id of every view before `cutoff`, batch by batch; returns how many.
    pub async fn anonymise(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        let mut total = 0i64;
        loop {
            let n = on_db!(db, pool => sqlx::query(ANONYMISE)
                .bind(cutoff.as_micros())
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

    /// The latest views, newest first.
    pub async fn recent(db: &Db, limit: i64) -> Result<Vec<PageViewRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(RECENT).bind(limit).fetch_all(pool).await)?)
    }
}
