//! The breach register.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const INSERT: &str = "INSERT INTO breaches (id, discovered_at, occurred_at, nature, categories, people_affected, \
     consequences, measures, risk, recorded_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)";
const ALL: &str = "SELECT id, discovered_at, occurred_at, nature, categories, people_affected, consequences, measures, \
     risk, authority_notified_at, authority_reference, people_notified_at, people_notice, recorded_by, created_at \
     FROM breaches ORDER BY discovered_at DESC, id DESC LIMIT $1";
const BY_ID: &str = "SELECT id, discovered_at, occurred_at, nature, categories, people_affected, consequences, measures, \
     risk, authority_notified_at, authority_reference, people_notified_at, people_notice, recorded_by, created_at \
     FROM breaches WHERE id = $1";
const AUTHORITY_NOTIFIED: &str = "UPDATE breaches SET authority_notified_at = $2, authority_reference = $3, \
     updated_at = $4 WHERE id = $1 AND authority_notified_at IS NULL";
const PEOPLE_NOTIFIED: &str = "UPDATE breaches SET people_notified_at = $2, people_notice = $3, updated_at = $4 \
     WHERE id = $1 AND people_notified_at IS NULL";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("breaches.insert", INSERT),
    ("breaches.all", ALL),
    ("breaches.by_id", BY_ID),
    ("breaches.authority_notified", AUTHORITY_NOTIFIED),
    ("breaches.people_notified", PEOPLE_NOTIFIED),
];

#[derive(Debug, Clone, FromRow)]
pub struct BreachRow {
    pub id: Uuid,
    pub discovered_at: i64,
    pub occurred_at: Option<i64>,
    pub nature: String,
    pub categories: String,
    pub people_affected: i64,
    pub consequences: String,
    pub measures: String,
    pub risk: String,
    pub authority_notified_at: Option<i64>,
    pub authority_reference: Option<String>,
    pub people_notified_at: Option<i64>,
    pub people_notice: Option<String>,
    pub recorded_by: Uuid,
    pub created_at: i64,
}

pub struct NewBreach<'a> {
    pub discovered_at: Timestamp,
    pub occurred_at: Option<Timestamp>,
    pub nature: &'a str,
    pub categories: &'a str,
    pub people_affected: i64,
    pub consequences: &'a str,
    pub measures: &'a str,
    pub risk: &'a str,
    pub recorded_by: Uuid,
}

pub struct Breaches;

impl Breaches {
    pub async fn record(db: &Db, breach: &NewBreach<'_>, now: Timestamp) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT)
            .bind(id)
            .bind(breach.discovered_at.as_micros())
            .bind(breach.occurred_at.map(Timestamp::as_micros))
            .bind(breach.nature)
            .bind(breach.categories)
            .bind(breach.people_affected)
            .bind(breach.consequences)
            .bind(breach.measures)
            .bind(breach.risk)
            .bind(breach.recorded_by)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// The newest `limit` breaches, by discovery.
    pub async fn recent(db: &Db, limit: i64) -> Result<Vec<BreachRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ALL).bind(limit).fetch_all(pool).await)?)
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<BreachRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?)
    }

    /// Records the notice to the authority (once); `false` if it was already recorded.
    pub async fn authority_notified(
        db: &Db,
        id: Uuid,
        at: Timestamp,
        reference: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(AUTHORITY_NOTIFIED).bind(id).bind(at.as_micros()).bind(reference).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records how and when the people were told (once).
    pub async fn people_notified(
        db: &Db,
        id: Uuid,
        at: Timestamp,
        notice: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(PEOPLE_NOTIFIED).bind(id).bind(at.as_micros()).bind(notice).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
