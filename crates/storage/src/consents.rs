//! The consent ledger: append-only. Nothing here updates a record; a withdrawal is a new record.
//! A record names its holder (the account's id): the proofs outlive an erased account, naming
//! no one, until the retention rule's year after withdrawal has passed.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const RECORD: &str = "INSERT INTO consents (id, holder_id, purpose, granted, at, policy_version, source, method) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const OF_CUSTOMER: &str = "SELECT purpose, granted, at, policy_version, source, method FROM consents \
     WHERE holder_id = $1 ORDER BY at, id";
const CURRENT: &str =
    "SELECT granted FROM consents WHERE holder_id = $1 AND purpose = $2 ORDER BY at DESC, id DESC LIMIT 1";
// The purposes whose latest record for the holder says granted.
const GRANTED_PURPOSES: &str = "SELECT c.purpose FROM consents c WHERE c.holder_id = $1 AND c.granted = TRUE \
     AND NOT EXISTS (SELECT 1 FROM consents later WHERE later.holder_id = c.holder_id AND later.purpose = c.purpose \
     AND (later.at > c.at OR (later.at = c.at AND later.id > c.id))) ORDER BY c.purpose";
// Every record of a (holder, purpose) whose latest record is a withdrawal made before $1.
const COUNT_EXPIRED: &str = "SELECT COUNT(*) FROM consents c WHERE EXISTS (SELECT 1 FROM consents w WHERE w.holder_id = c.holder_id \
     AND w.purpose = c.purpose AND w.granted = FALSE AND w.at < $1 AND NOT EXISTS (SELECT 1 FROM consents later \
     WHERE later.holder_id = w.holder_id AND later.purpose = w.purpose AND later.at > w.at))";
const DELETE_EXPIRED: &str = "DELETE FROM consents WHERE id IN (SELECT c.id FROM consents c WHERE EXISTS (SELECT 1 FROM consents w \
     WHERE w.holder_id = c.holder_id AND w.purpose = c.purpose AND w.granted = FALSE AND w.at < $1 \
     AND NOT EXISTS (SELECT 1 FROM consents later WHERE later.holder_id = w.holder_id AND later.purpose = w.purpose \
     AND later.at > w.at)))";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("consents.record", RECORD),
    ("consents.of_customer", OF_CUSTOMER),
    ("consents.current", CURRENT),
    ("consents.granted_purposes", GRANTED_PURPOSES),
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
    /// The account's id.
    pub holder: Uuid,
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
            .bind(consent.holder)
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

    /// Records a withdrawal of every consent the holder still gives — when the account goes
    /// (erasure, retention), so that its proofs start the year the policy keeps them. Returns
    /// the purposes withdrawn.
    pub async fn withdraw_all(
        db: &Db,
        holder: Uuid,
        policy_version: &str,
        source: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, DbError> {
        let purposes: Vec<String> =
            on_db!(db, pool => sqlx::query_scalar(GRANTED_PURPOSES).bind(holder).fetch_all(pool).await)?;
        for purpose in &purposes {
            let withdrawal =
                NewConsent { holder, purpose, granted: false, policy_version, source, method: "account_closed" };
            Self::record(db, &withdrawal, now).await?;
        }
        Ok(purposes)
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
