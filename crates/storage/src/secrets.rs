//! Secrets the installation makes for itself on first use and shares between its nodes through
//! the database (e.g. the key that signs order links in emails).

use luxevault_core::Timestamp;

use crate::{Db, DbError, on_db};

const GET: &str = "SELECT value FROM instance_secrets WHERE name = $1";
const INSERT: &str =
    "INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[("secrets.get", GET), ("secrets.insert", INSERT)];

pub struct InstanceSecrets;

impl InstanceSecrets {
    /// The named secret; `fresh` is stored if there is none yet. Two nodes racing agree on the
    /// first one written.
    pub async fn get_or_create(db: &Db, name: &str, fresh: &str, now: Timestamp) -> Result<String, DbError> {
        on_db!(db, pool => sqlx::query(INSERT).bind(name).bind(fresh).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        let value: String = on_db!(db, pool => sqlx::query_scalar(GET).bind(name).fetch_one(pool).await)?;
        Ok(value)
    }
}
