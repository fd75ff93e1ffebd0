//! Writing the audit log (M8, P18): who looked at or changed which record, when, from where, and
//! why for sensitive actions. HTTP-free, so the back office, the admin-token API and the CLI
//! record the same way. Entries carry identifiers only, never the personal data itself.
//!
//! Two defences against someone who can write to the database (M8): entries are keyed with the
//! audit key (`core::audit`), which that writer lacks; and the chain's head is *anchored* outside
//! the database — a line in `<data_dir>/audit-anchors.log` and in the log — at start and every
//! [`ANCHOR_EVERY`] entries, so a table cut short or rewritten at its end no longer matches what
//! was anchored ([`verify`]). The anchors file also records where keyed entries start
//! (`keyed-from=SEQ`), so older entries cannot be passed off as pre-key ones.
//!
//! The key and the anchors are the process's own ([`install`], at start, by the binary): every
//! door records through [`record`], several of them (the CLI, staff members' changes) without a
//! `Shop`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use luxevault_core::Timestamp;
use luxevault_core::audit::{AuditEntry, AuditKey, ChainBreak};
use luxevault_storage::{AuditLog, Db, DbError};

/// How many entries between two anchors of the head.
pub const ANCHOR_EVERY: i64 = 100;

/// The audit key and where the head is anchored.
#[derive(Debug, Clone)]
pub struct Seal {
    pub key: AuditKey,
    pub anchors: PathBuf,
}

static SEAL: RwLock<Option<Arc<Seal>>> = RwLock::new(None);

/// Makes `seal` the process's: entries recorded from now on are keyed and anchored.
pub fn install(seal: Seal) {
    if let Ok(mut slot) = SEAL.write() {
        *slot = Some(Arc::new(seal));
    }
}

fn seal() -> Option<Arc<Seal>> {
    SEAL.read().ok().and_then(|s| s.clone())
}

/// The key in use, for tools that append entries themselves.
pub fn installed_key() -> Option<AuditKey> {
    seal().map(|s| s.key.clone())
}

/// A head written down outside the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// When, as RFC 3339 (a label for people; not checked).
    pub at: String,
    pub seq: i64,
    pub hash: String,
}

/// What the anchors file holds.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    /// From this entry on, every entry is keyed.
    pub keyed_from: Option<i64>,
    pub heads: Vec<Anchor>,
}

/// Reads the anchors file (none yet: empty). Lines are `<at> seq=<n> hash=<h>` and
/// `<at> keyed-from=<n>`; anything else is ignored.
pub fn read_anchors(path: &Path) -> std::io::Result<Anchors> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Anchors::default()),
        Err(e) => return Err(e),
    };
    let mut anchors = Anchors::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let at = words.next().unwrap_or_default().to_string();
        let fields: Vec<(&str, &str)> = words.filter_map(|w| w.split_once('=')).collect();
        let field = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        if let Some(from) = field("keyed-from").and_then(|v| v.parse().ok()) {
            anchors.keyed_from.get_or_insert(from);
        } else if let (Some(seq), Some(hash)) = (field("seq").and_then(|v| v.parse().ok()), field("hash")) {
            anchors.heads.push(Anchor { at, seq, hash: hash.to_string() });
        }
    }
    Ok(anchors)
}

/// The anchors file as it stands, for the back office: where keying starts and the newest
/// `limit` heads, newest first. Empty when no key is installed or nothing is anchored yet.
pub fn recorded_anchors(limit: usize) -> Anchors {
    let Some(seal) = seal() else { return Anchors::default() };
    let mut anchors = read_anchors(&seal.anchors).unwrap_or_default();
    anchors.heads.reverse();
    anchors.heads.truncate(limit);
    anchors
}

fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_data()
}

fn anchor(seal: &Seal, now: Timestamp, seq: i64, hash: &str) {
    match append_line(&seal.anchors, &format!("{} seq={seq} hash={hash}", now.to_rfc3339())) {
        Ok(()) => tracing::info!(seq, hash, "audit log head anchored"),
        Err(error) => tracing::error!(error = %error, seq, "could not anchor the audit log head"),
    }
}

/// At start: records where keyed entries begin (once), and anchors the head as it is.
pub async fn anchor_at_start(db: &Db, now: Timestamp) -> Result<(), DbError> {
    let Some(seal) = seal() else { return Ok(()) };
    let head = AuditLog::head(db).await?;
    let recorded = read_anchors(&seal.anchors).map_err(|e| DbError::Invalid(format!("audit anchors: {e}")))?;
    if recorded.keyed_from.is_none() {
        let from = head.as_ref().map_or(1, |(seq, _)| seq + 1);
        append_line(&seal.anchors, &format!("{} keyed-from={from}", now.to_rfc3339()))
            .map_err(|e| DbError::Invalid(format!("audit anchors: {e}")))?;
    }
    if let Some((seq, hash)) = head {
        anchor(&seal, now, seq, &hash);
    }
    Ok(())
}

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
    let seal = seal();
    let sealed = AuditLog::append(db, entry, seal.as_ref().map(|s| &s.key)).await?;
    if let Some(seal) = seal.filter(|_| sealed.seq % ANCHOR_EVERY == 0) {
        anchor(&seal, now, sealed.seq, &sealed.hash);
    }
    Ok(sealed)
}

/// The result of walking the whole chain.
#[derive(Debug)]
pub struct Verification {
    pub entries: i64,
    pub head: (i64, String),
    pub broken: Option<ChainBreak>,
    /// Where keyed entries start (`None`: none yet, every entry predates the key).
    pub keyed_from: Option<i64>,
    /// The last head anchored outside the database, which the table matched.
    pub anchored: Option<Anchor>,
}

/// Walks the chain from the first entry in batches and reports the first break, if any: an
/// entry altered, missing or unkeyed where keys are due, or a table that ends before — or
/// disagrees with — a head anchored outside it.
pub async fn verify(db: &Db) -> Result<Verification, DbError> {
    let seal = seal();
    let anchors = match &seal {
        Some(seal) => read_anchors(&seal.anchors).map_err(|e| DbError::Invalid(format!("audit anchors: {e}")))?,
        None => Anchors::default(),
    };
    // Every anchor counts, not only the newest per seq: a table cut and grown again differs
    // from what was anchored at those seqs before.
    let mut by_seq: std::collections::HashMap<i64, Vec<&Anchor>> = std::collections::HashMap::new();
    for anchor in &anchors.heads {
        by_seq.entry(anchor.seq).or_default().push(anchor);
    }
    let last_anchor = anchors.heads.iter().max_by_key(|a| a.seq).cloned();
    let mut verifier = luxevault_core::audit::ChainVerifier::default()
        .with_key(seal.as_ref().map(|s| s.key.clone()), anchors.keyed_from);
    let mut entries = 0;
    let mut after = 0;
    let report = |verifier: &luxevault_core::audit::ChainVerifier, entries, broken| {
        let (seq, hash) = verifier.head();
        Verification {
            entries,
            head: (seq, hash.to_string()),
            broken,
            keyed_from: verifier.first_keyed(),
            anchored: last_anchor.clone(),
        }
    };
    loop {
        let batch = AuditLog::after(db, after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for entry in &batch {
            let mut checked = verifier.check(entry);
            if checked.is_ok() && by_seq.get(&entry.seq).is_some_and(|all| all.iter().any(|a| a.hash != entry.hash)) {
                checked = Err(ChainBreak::Anchor { seq: entry.seq, table_ends_at: entry.seq });
            }
            if let Err(broken) = checked {
                return Ok(report(&verifier, entries, Some(broken)));
            }
            entries += 1;
        }
    }
    let (head_seq, _) = verifier.head();
    let cut = last_anchor.as_ref().filter(|a| a.seq > head_seq);
    let broken = cut.map(|a| ChainBreak::Anchor { seq: a.seq, table_ends_at: head_seq });
    Ok(report(&verifier, entries, broken))
}

/// Records the entry of an action before it is done, or refuses the action: nothing is shown or
/// changed unrecorded (M8).
pub async fn record_or_refuse(db: &Db, now: Timestamp, event: AuditEvent<'_>) -> Result<(), crate::ShopError> {
    record(db, now, event).await.map(|_| ()).map_err(|error| {
        tracing::error!(error = %error, "audit log append failed");
        crate::ShopError::Unavailable
    })
}
