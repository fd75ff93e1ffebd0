//! The audit log: append-only, hash-chained (`core::audit`). There is no UPDATE or DELETE
//! statement for `audit_log` anywhere in the application. Staff's free text about an entry lives
//! beside the chain in `audit_notes`, which erasure may clear (the chain covers its reference).

use luxevault_core::audit::{AuditEntry, AuditKey};
use sqlx::FromRow;

use crate::{Db, DbError, on_db};

const HEAD: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
const INSERT: &str = "INSERT INTO audit_log (seq, at, actor, action, subject_kind, subject_id, client, reason, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const AFTER: &str = "SELECT seq, at, actor, action, subject_kind, subject_id, client, reason, prev_hash, hash \
     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";
// Filters are optional: a NULL parameter matches everything. The viewer shows a note's text in
// place of its reference (an entry read this way is for reading, not for verifying).
const PAGE: &str = "SELECT a.seq, a.at, a.actor, a.action, a.subject_kind, a.subject_id, a.client, \
     COALESCE(n.reason, a.reason) AS reason, a.prev_hash, a.hash \
     FROM audit_log a LEFT JOIN audit_notes n ON n.reference = a.reason WHERE a.seq < $1 \
     AND (CAST($2 AS TEXT) IS NULL OR a.actor = $2) AND (CAST($3 AS TEXT) IS NULL OR a.subject_kind = $3) \
     AND (CAST($4 AS TEXT) IS NULL OR a.subject_id = $4) \
     AND (CAST($5 AS TEXT) IS NULL OR a.action = $5) ORDER BY a.seq DESC LIMIT $6";
const INSERT_NOTE: &str =
    "INSERT INTO audit_notes (reference, subject_kind, subject_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)";
// Erasure: the text about a person's records goes; the reference the chain covers stays.
const ERASE_NOTES: &str = "UPDATE audit_notes SET reason = $3, erased_at = $4 \
     WHERE subject_kind = $1 AND subject_id = $2 AND erased_at IS NULL";

// Looks at personal data per staff member since a time: the basis of the anomaly alert (M8).
const READS_SINCE: &str = "SELECT actor, COUNT(*) AS n FROM audit_log WHERE at >= $1 AND actor LIKE 'staff:%' \
     AND subject_kind IN ('customer', 'order', 'privacy_request') GROUP BY actor HAVING COUNT(*) > $2 ORDER BY n DESC";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("audit.head", HEAD),
    ("audit.insert", INSERT),
    ("audit.after", AFTER),
    ("audit.page", PAGE),
    ("audit.reads_since", READS_SINCE),
    ("audit.insert_note", INSERT_NOTE),
    ("audit.erase_notes", ERASE_NOTES),
];

/// What an erased note reads as in the viewer.
pub const ERASED_NOTE: &str = "(erased with the person's data)";
/// What a chained entry's reason holds when its text is a note: `note:<uuid>`.
pub const NOTE_PREFIX: &str = "note:";

#[derive(FromRow)]
struct AuditRecord {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    subject_kind: String,
    subject_id: String,
    client: String,
    reason: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject_kind: r.subject_kind,
            subject_id: r.subject_id,
            client: r.client,
            reason: r.reason,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Filters of the audit viewer.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub action: Option<String>,
}

pub struct AuditLog;

impl AuditLog {
    /// Appends an entry (its `seq`, `prev_hash` and `hash` are set here, keyed with `key` when
    /// given) and returns it sealed.
    ///
    /// Two writers may read the same head: the primary key on `seq` lets only one of them insert,
    /// and the other re-reads the head and tries again, so the chain never forks.
    ///
    /// The entry's reason (staff's free text) is not chained: it is written to `audit_notes`
    /// in the same transaction, and the entry chains its reference instead.
    pub async fn append(db: &Db, mut entry: AuditEntry, key: Option<&AuditKey>) -> Result<AuditEntry, DbError> {
        let note = entry.reason.take().map(|text| {
            let reference =
                format!("{NOTE_PREFIX}{}", luxevault_core::ids::new_id(luxevault_core::Timestamp(entry.at)));
            entry.reason = Some(reference.clone());
            (reference, text)
        });
        let mut last_error = None;
        for attempt in 0..20u64 {
            let result: Result<AuditEntry, DbError> = on_db!(db, pool => {
                async {
                    let mut tx = pool.begin().await?;
                    let head: Option<(i64, String)> = sqlx::query_as(HEAD).fetch_optional(&mut *tx).await?;
                    let sealed = entry.clone().seal_with(head.as_ref().map(|(s, h)| (*s, h.as_str())), key);
                    if let Some((reference, text)) = &note {
                        sqlx::query(INSERT_NOTE)
                            .bind(reference)
                            .bind(&sealed.subject_kind)
                            .bind(&sealed.subject_id)
                            .bind(text)
                            .bind(sealed.at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(INSERT)
                        .bind(sealed.seq)
                        .bind(sealed.at)
                        .bind(&sealed.actor)
                        .bind(&sealed.action)
                        .bind(&sealed.subject_kind)
                        .bind(&sealed.subject_id)
                        .bind(&sealed.client)
                        .bind(&sealed.reason)
                        .bind(&sealed.prev_hash)
                        .bind(&sealed.hash)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok::<_, DbError>(sealed)
                }
                .await
            });
            match result {
                Ok(sealed) => return Ok(sealed),
                Err(e) if is_conflict(&e) || e.is_busy() => {
                    last_error = Some(e);
                    tokio::time::sleep(std::time::Duration::from_millis(2 + attempt * 3)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| DbError::Invalid("audit log append failed".into())))
    }

    /// Up to `limit` entries after `seq`, oldest first (for `audit verify`, in batches).
    pub async fn after(db: &Db, seq: i64, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows: Vec<AuditRecord> =
            on_db!(db, pool => sqlx::query_as(AFTER).bind(seq).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Newest first, before `before_seq` (the cursor), filtered.
    pub async fn page(db: &Db, filter: &AuditFilter, before_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows: Vec<AuditRecord> = on_db!(db, pool => sqlx::query_as(PAGE)
            .bind(before_seq)
            .bind(filter.actor.as_deref())
            .bind(filter.subject_kind.as_deref())
            .bind(filter.subject_id.as_deref())
            .bind(filter.action.as_deref())
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Staff members who opened more than `threshold` customer, order or request records since
    /// `since` (UTC µs), with their counts, busiest first.
    pub async fn heavy_readers(db: &Db, since: i64, threshold: i64) -> Result<Vec<(String, i64)>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(READS_SINCE).bind(since).bind(threshold).fetch_all(pool).await)?)
    }

    /// Clears staff's free text about a record (erasure), leaving the chain whole. Returns how
    /// many notes were cleared.
    pub async fn erase_notes(db: &Db, subject_kind: &str, subject_id: &str, now: i64) -> Result<u64, DbError> {
        Ok(on_db!(db, pool => sqlx::query(ERASE_NOTES)
            .bind(subject_kind)
            .bind(subject_id)
            .bind(ERASED_NOTE)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?)
    }

    pub async fn head(db: &Db) -> Result<Option<(i64, String)>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(HEAD).fetch_optional(pool).await)?)
    }
}

/// A unique-key violation: another writer took the sequence number first.
fn is_conflict(e: &DbError) -> bool {
    match e {
        DbError::Sqlx(sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("23505" | "1555" | "2067"))
        }
        _ => false,
    }
}
