//! Marketing campaigns (P22): written by staff, queued only to customers whose latest marketing
//! consent is a grant and who have neither restricted their data nor objected to marketing.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const INSERT: &str =
    "INSERT INTO marketing_campaigns (id, subject, body, created_at, queued) VALUES ($1, $2, $3, $4, 0)";
const SET_QUEUED: &str = "UPDATE marketing_campaigns SET queued = $2 WHERE id = $1";
const BY_ID: &str = "SELECT id, subject, body, created_at, queued FROM marketing_campaigns WHERE id = $1";
// The consent ledger's latest record for marketing says granted, and no restriction or
// objection to marketing is in force at $1.
const AUDIENCE: &str = "SELECT c.id FROM customers c WHERE (SELECT k.granted FROM consents k WHERE k.holder_id = c.id \
     AND k.purpose = 'marketing' ORDER BY k.at DESC, k.id DESC LIMIT 1) = TRUE AND NOT EXISTS (SELECT 1 FROM \
     processing_limits l WHERE l.customer_id = c.id AND (l.kind = 'restriction' OR (l.kind = 'objection' AND \
     l.purpose = 'marketing')) AND (l.lifted_at IS NULL OR l.lifted_at > $1)) ORDER BY c.id";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("marketing.insert", INSERT),
    ("marketing.set_queued", SET_QUEUED),
    ("marketing.by_id", BY_ID),
    ("marketing.audience", AUDIENCE),
];

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CampaignRow {
    pub id: Uuid,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub queued: i64,
}

pub struct Marketing;

impl Marketing {
    pub async fn create(db: &Db, subject: &str, body: &str, now: Timestamp) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT)
            .bind(id)
            .bind(subject)
            .bind(body)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn set_queued(db: &Db, id: Uuid, queued: i64) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_QUEUED).bind(id).bind(queued).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<CampaignRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?)
    }

    /// Customers who may receive marketing email at `at`, as far as the database can tell (the
    /// register of people without an account is checked by the caller).
    pub async fn audience(db: &Db, at: Timestamp) -> Result<Vec<Uuid>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(AUDIENCE).bind(at.as_micros()).fetch_all(pool).await)?)
    }
}
