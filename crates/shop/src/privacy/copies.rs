//! The copies of a person's data held beyond its rows: the messages still queued (their jobs
//! name the account or the order), the `.eml` files the mailer wrote to the outbox when no SMTP
//! server was configured (they carry the name and address as sent), and the database's own
//! leftovers of erased rows. Erasure reaches them all.

use std::path::Path;

use luxevault_storage::Jobs;
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::outbox::EMAIL_JOB;

/// Deletes the queued emails naming any of `ids` (the account, the erased orders) and every
/// outbox message addressed to one of `addresses`. Returns how many messages were removed.
pub async fn erase(shop: &Shop, ids: &[Uuid], addresses: &[String]) -> Result<u64, ShopError> {
    let mut removed = 0;
    for id in ids {
        removed += Jobs::drop_mentioning(shop.db(), EMAIL_JOB, *id).await?;
    }
    if let Some(dir) = &shop.commerce().mail_outbox {
        removed += erase_from_outbox(dir, addresses).await?;
    }
    Ok(removed)
}

/// Clears staff's free text in the audit notes about these records (a refund's reason may name
/// the person); the hash chain holds only the notes' references, so it still verifies.
pub async fn erase_staff_notes(shop: &Shop, subject_kind: &str, ids: &[Uuid]) -> Result<(), ShopError> {
    let now = shop.clock().now().as_micros();
    for id in ids {
        luxevault_storage::AuditLog::erase_notes(shop.db(), subject_kind, &id.to_string(), now).await?;
    }
    Ok(())
}

/// The last step of every erasure: the database's copies of what was erased leave its files
/// (SQLite's log; PostgreSQL's dead tuples wait for VACUUM).
pub async fn scrub(shop: &Shop) -> Result<(), ShopError> {
    Ok(shop.db().scrub_freed_space().await?)
}

/// Every message (and half-written temporary file) in `dir` that contains one of the addresses,
/// compared without case as mail addresses are.
async fn erase_from_outbox(dir: &Path, addresses: &[String]) -> Result<u64, ShopError> {
    let needles: Vec<Vec<u8>> =
        addresses.iter().map(|a| a.trim().to_ascii_lowercase().into_bytes()).filter(|a| !a.is_empty()).collect();
    if needles.is_empty() {
        return Ok(0);
    }
    let unreadable = |e: std::io::Error| {
        tracing::error!(error = %e.kind(), "the mail outbox cannot be cleaned");
        ShopError::Internal
    };
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(unreadable(e)),
    };
    let mut removed = 0;
    while let Some(entry) = entries.next_entry().await.map_err(unreadable)? {
        let path = entry.path();
        let is_message = path.extension().is_some_and(|x| x == "eml" || x == "tmp");
        if !is_message || !entry.file_type().await.map_err(unreadable)?.is_file() {
            continue;
        }
        let text = tokio::fs::read(&path).await.map_err(unreadable)?.to_ascii_lowercase();
        if needles.iter().any(|n| contains(&text, n)) {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(unreadable(e)),
            }
        }
    }
    Ok(removed)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_persons_messages_leave_the_outbox() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text);
        write("a.eml", "To: Ann <Ann@Example.test>\r\n\r\nDear Ann").unwrap_or_else(|e| panic!("{e}"));
        write(".b.tmp", "To: ann@example.test\r\n").unwrap_or_else(|e| panic!("{e}"));
        write("c.eml", "To: bob@example.test\r\n").unwrap_or_else(|e| panic!("{e}"));
        write("notes.txt", "ann@example.test").unwrap_or_else(|e| panic!("{e}"));
        let removed =
            erase_from_outbox(dir.path(), &["ann@example.test".into()]).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(removed, 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        left.sort();
        assert_eq!(left, ["c.eml", "notes.txt"]);
        let missing = dir.path().join("none");
        assert_eq!(erase_from_outbox(&missing, &["ann@example.test".into()]).await.ok(), Some(0));
    }
}
