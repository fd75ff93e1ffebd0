//! The archive of published privacy-policy versions.

use luxevault_core::Timestamp;
use sqlx::FromRow;

use crate::{Db, DbError, on_db};

const LATEST: &str = "SELECT version, effective, content_hash, published_at, changes FROM policy_versions ORDER BY published_at DESC, version DESC LIMIT 1";
const LATEST_CONTENT: &str = "SELECT content FROM policy_versions ORDER BY published_at DESC, version DESC LIMIT 1";
const BY_VERSION: &str = "SELECT content FROM policy_versions WHERE version = $1";
const HASH_OF: &str = "SELECT content_hash FROM policy_versions WHERE version = $1";
const LIST: &str = "SELECT version, effective, content_hash, published_at, changes FROM policy_versions \
     ORDER BY published_at DESC, version DESC";
const INSERT: &str = "INSERT INTO policy_versions (version, effective, content_hash, content, published_at, changes) \
     VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("policies.latest", LATEST),
    ("policies.by_version", BY_VERSION),
    ("policies.hash_of", HASH_OF),
    ("policies.list", LIST),
    ("policies.insert", INSERT),
    ("policies.latest_content", LATEST_CONTENT),
];

#[derive(Debug, Clone, FromRow)]
pub struct PolicyVersionRow {
    pub version: String,
    pub effective: String,
    pub content_hash: String,
    pub published_at: i64,
    /// JSON array of the sections that changed from the version before.
    pub changes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publish {
    /// This version is new: archived now.
    Published,
    /// Already archived with the same content.
    Unchanged,
    /// A version of this name was archived with other content: the file changed without a new
    /// version label.
    Conflict,
}

pub struct PolicyVersions;

/// The top-level sections whose content differs between two published documents, as a JSON
/// array ("[]" for the first version, which changes nothing: it is the start).
fn changed_sections(previous: Option<&str>, current: &str) -> String {
    let parse =
        |text: &str| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).unwrap_or_default();
    let Some(previous) = previous.map(parse) else { return "[]".into() };
    let current = parse(current);
    let mut keys: Vec<&String> = previous.keys().chain(current.keys()).collect();
    keys.sort();
    keys.dedup();
    let changed: Vec<&String> = keys
        .into_iter()
        .filter(|k| !matches!(k.as_str(), "version" | "effective") && previous.get(*k) != current.get(*k))
        .collect();
    serde_json::to_string(&changed).unwrap_or_else(|_| "[]".into())
}

impl PolicyVersions {
    /// Archives the policy if this version is new.
    pub async fn publish(
        db: &Db,
        version: &str,
        effective: &str,
        hash: &str,
        content: &str,
        now: Timestamp,
    ) -> Result<Publish, DbError> {
        let existing: Option<String> =
            on_db!(db, pool => sqlx::query_scalar(HASH_OF).bind(version).fetch_optional(pool).await)?;
        match existing {
            Some(stored) if stored == hash => Ok(Publish::Unchanged),
            Some(_) => Ok(Publish::Conflict),
            None => {
                let previous: Option<String> =
                    on_db!(db, pool => sqlx::query_scalar(LATEST_CONTENT).fetch_optional(pool).await)?;
                let changes = changed_sections(previous.as_deref(), content);
                let inserted = on_db!(db, pool => sqlx::query(INSERT)
                    .bind(version)
                    .bind(effective)
                    .bind(hash)
                    .bind(content)
                    .bind(now.as_micros())
                    .bind(changes)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected()));
                match inserted {
                    Ok(_) => Ok(Publish::Published),
                    // Another node published it at the same moment.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Publish::Unchanged),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    pub async fn list(db: &Db) -> Result<Vec<PolicyVersionRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(LIST).fetch_all(pool).await)?)
    }

    pub async fn latest(db: &Db) -> Result<Option<PolicyVersionRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(LATEST).fetch_optional(pool).await)?)
    }

    /// The archived JSON of a version.
    pub async fn content(db: &Db, version: &str) -> Result<Option<String>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(BY_VERSION).bind(version).fetch_optional(pool).await)?)
    }
}
