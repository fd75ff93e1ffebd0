//! Writing the audit log (M8, P18): who looked at or changed which record, when, from where, and
//! why for sensitive actions. HTTP-free, so the back office, the admin-token API and the CLI
//! record the same way. Entries carry identifiers only, never the personal data itself.

use luxevault_core::Timestamp;
use luxevault_core::audit::AuditEntry;
use luxevault_storage::{AuditLog, Db, DbError};

/// One thing that happened, before it is sealed onto the chain.
pub struct AuditEvent<'a> {
    pub actor: &'a str,
    pub client: &'a str,
    pub action: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: &'a str,
    pub reason: Option<&'a str>,
}

/// Appends the event; the caller refuses to show or change anything when this fails, so no
/// access goes unrecorded.
pub async fn record(db: &Db, now: Timestamp, event: AuditEvent<'_>) -> Result<AuditEntry, DbError> {
    let entry = AuditEntry {
        seq: 0,
        at: now.as_micros(),
        actor: event.actor.to_string(),
        action: event.action.to_string(),
        subject_kind: event.subject_kind.to_string(),
        subject_id: event.subject_id.to_string(),
        client: event.client.to_string(),
        reason: event.reason.map(|r| r.chars().take(500).collect()),
        prev_hash: String::new(),
        hash: String::new(),
    };
    AuditLog::append(db, entry).await
}

/// The result of walking the whole chain.
#[derive(Debug)]
pub struct Verification {
    pub entries: i64,
    pub head: (i64, String),
    pub broken: Option<luxevault_core::audit::ChainBreak>,
}

/// Walks the chain from the first entry in batches and reports the first break, if any.
pub async fn verify(db: &Db) -> Result<Verification, DbError> {
    let mut verifier = luxevault_core::audit::ChainVerifier::default();
    let mut entries = 0;
    let mut after = 0;
    loop {
        let batch = AuditLog::after(db, after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for entry in &batch {
            if let Err(broken) = verifier.check(entry) {
                let (seq, hash) = verifier.head();
                return Ok(Verification { entries, head: (seq, hash.to_string()), broken: Some(broken) });
            }
            entries += 1;
        }
    }
    let (seq, hash) = verifier.head();
    Ok(Verification { entries, head: (seq, hash.to_string()), broken: None })
}

/// Records the entry of an action before it is done, or refuses the action: nothing is shown or
/// changed unrecorded (M8).
pub async fn record_or_refuse(db: &Db, now: Timestamp, event: AuditEvent<'_>) -> Result<(), crate::ShopError> {
    record(db, now, event).await.map(|_| ()).map_err(|error| {
        tracing::error!(error = %error, "audit log append failed");
        crate::ShopError::Unavailable
    })
}
