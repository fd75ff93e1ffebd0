//! The consent ledger: append-only. Nothing here updates a record; a withdrawal is a new record.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const RECORD: &str = "INSERT INTO consents (id, customer_id, purpose, granted, at, policy_version, source, method) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const OF_CUSTOMER: &str = "SELECT purpose, granted, at, policy_version, source, method FROM consents \
     WHERE customer_id = $1 ORDER BY at, id";
const CURRENT: &str =
    "SELECT granted FROM consents WHERE customer_id = $1 AND purpose = $2 ORDER BY at DESC, id DESC LIMIT 1";
// Every record of a (customer, purpose) whose latest record is a withdrawal made before $1.
const COUNT_EXPIRED: &str = "SELECT COUNT(*) FROM consents c WHERE EXISTS (SELECT 1 FROM consents w WHERE w.customer_id = c.customer_id \
     AND w.purpose = c.purpose AND w.granted = FALSE AND w.at < $1 AND NOT EXISTS (SELECT 1 FROM consents later \
     WHERE later.customer_id = w.customer_id AND later.purpose = w.purpose AND later.at > w.at))";
const DELETE_EXPIRED: &str = "DELETE FROM consents WHERE id IN (SELECT c.id FROM consents c WHERE EXISTS (SELECT 1 FROM consents w \
     WHERE w.customer_id = c.customer_id AND w.purpose = c.purpose AND w.granted = FALSE AND w.at < $1 \
     AND NOT EXISTS (SELECT 1 FROM consents later WHERE later.customer_id = w.customer_id AND later.purpose = w.purpose \
     AND later.at > w.at)))";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("consents.record", RECORD),
    ("consents.of_customer", OF_CUSTOMER),
    ("consents.current", CURRENT),
    ("consents.count_expired", COUNT_EXPIRED),
    ("consents.delete_expired", DELETE_EXPIRED),
];

/// One record of the ledger, as its proof.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ConsentRecord {
    pub purpose: String,
    pub granted: bool,
    pub at: i64,
    pub policy_version: String,
    pub source: String,
    pub method: String,
}

pub struct NewConsent<'a> {
    pub customer: Uuid,
    pub purpose: &'a str,
    pub granted: bool,
    pub policy_version: &'a str,
    pub source: &'a str,
    pub method: &'a str,
}

pub struct Consents;

impl Consents {
    pub async fn record(db: &Db, consent: &NewConsent<'_>, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(RECORD)
            .bind(new_id(now))
            .bind(consent.customer)
            .bind(consent.purpose)
            .bind(consent.granted)
            .bind(now.as_micros())
            .bind(consent.policy_version)
            .bind(consent.source)
            .bind(consent.method)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every record of a customer, oldest first: the proof of their consents.
    pub async fn of_customer(db: &Db, customer: Uuid) -> Result<Vec<ConsentRecord>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(OF_CUSTOMER).bind(customer).fetch_all(pool).await)?)
    }

    /// Whether the customer consents now: their latest record says granted. No record: no.
    pub async fn is_granted(db: &Db, customer: Uuid, purpose: &str) -> Result<bool, DbError> {
        let latest: Option<bool> =
            on_db!(db, pool => sqlx::query_scalar(CURRENT).bind(customer).bind(purpose).fetch_optional(pool).await)?;
        Ok(latest.unwrap_or(false))
    }

    /// Records of consents withdrawn before `cutoff` (and not given again since).
    pub async fn count_expired(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(COUNT_EXPIRED).bind(cutoff.as_micros()).fetch_one(pool).await)?)
    }

    pub async fn delete_expired(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        let n = on_db!(db, pool => sqlx::query(DELETE_EXPIRED).bind(cutoff.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
