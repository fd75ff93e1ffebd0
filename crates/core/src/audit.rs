//! The audit log's hash chain (M8, P18): every entry carries the SHA-256 of its own fields and of
//! the entry before it, so editing, removing or reordering any entry breaks every link after it.
//!
//! Entries hold identifiers (staff id, record kind and id), never copies of personal data.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as it is hashed and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// UTC microseconds.
    pub at: i64,
    /// `staff:<uuid>`, `cli` or `api-token`.
    pub actor: String,
    /// What was done: `customer.view`, `order.refund`, `privacy.export`…
    pub action: String,
    /// The kind of record touched (`customer`, `order`, `privacy_request`, `staff`, …).
    pub subject_kind: String,
    /// Its identifier (a UUID or an order number), never its contents.
    pub subject_id: String,
    /// The client address the action came from.
    pub client: String,
    /// Why, for sensitive actions (exports, erasures, refunds).
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The SHA-256 (hex) of every field but `hash`, in a fixed order and encoding.
    pub fn compute_hash(&self) -> String {
        let fields = (
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.subject_kind,
            &self.subject_id,
            &self.client,
            &self.reason,
            &self.prev_hash,
        );
        // A JSON array of strings and integers has one encoding: stable across versions.
        let canonical = serde_json::to_vec(&fields).unwrap_or_default();
        hex_lower(&Sha256::digest(&canonical))
    }

    /// Seals an entry onto the chain whose last entry is `(prev_seq, prev_hash)`.
    pub fn seal(mut self, prev: Option<(i64, &str)>) -> AuditEntry {
        let (seq, prev_hash) = match prev {
            Some((seq, hash)) => (seq + 1, hash.to_string()),
            None => (1, GENESIS.to_string()),
        };
        self.seq = seq;
        self.prev_hash = prev_hash;
        self.hash = self.compute_hash();
        self
    }
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's fields no longer match its hash: it was edited.
    Altered { seq: i64 },
    /// The entry does not follow the one before it: entries before it were removed or reordered.
    Missing { expected_seq: i64, found_seq: i64 },
    /// The entry points to a predecessor whose hash differs (the predecessor was replaced).
    Unlinked { seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(f, "entry {seq} was altered (its hash no longer matches)"),
            ChainBreak::Missing { expected_seq, found_seq } => {
                write!(f, "entry {expected_seq} is missing (the next entry found is {found_seq})")
            }
            ChainBreak::Unlinked { seq } => {
                write!(f, "entry {seq} does not link to the entry before it (an entry was replaced)")
            }
        }
    }
}

/// Walks a chain in `seq` order, feeding entries one by one (so millions never sit in memory).
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS.to_string() }
    }
}

impl ChainVerifier {
    /// Starts after a known good head (for checking only what was appended since).
    pub fn after(seq: i64, hash: &str) -> Self {
        Self { expected_seq: seq + 1, prev_hash: hash.to_string() }
    }

    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::Missing { expected_seq: self.expected_seq, found_seq: entry.seq });
        }
        if entry.compute_hash() != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: entry.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// The last verified entry: `(seq, hash)`; `(0, GENESIS)` for an empty log.
    pub fn head(&self) -> (i64, &str) {
        (self.expected_seq - 1, &self.prev_hash)
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at: 1_700_000_000_000_000,
            actor: "staff:0190".into(),
            action: action.into(),
            subject_kind: "customer".into(),
            subject_id: "0191".into(),
            client: "127.0.0.1".into(),
            reason: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            out.push(entry(&format!("customer.view.{i}")).seal(prev));
        }
        out
    }

    fn verify(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::default();
        entries.iter().try_for_each(|e| v.check(e))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c), Ok(()));
        assert_eq!(c[0].prev_hash, GENESIS);
        assert_eq!(c[4].seq, 5);
    }

    #[test]
    fn an_edited_field_is_found_at_its_entry() {
        let mut c = chain(5);
        c[2].subject_id = "someone-else".into();
        assert_eq!(verify(&c), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].action = "nothing.to.see".into();
        c[2].hash = c[2].compute_hash();
        assert_eq!(verify(&c), Err(ChainBreak::Unlinked { seq: 4 }));
    }

    #[test]
    fn a_removed_entry_is_reported_missing() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c), Err(ChainBreak::Missing { expected_seq: 2, found_seq: 3 }));
    }

    #[test]
    fn the_reason_is_part_of_the_hash() {
        let mut c = chain(2);
        c[1].reason = Some("export for request".into());
        assert_eq!(verify(&c), Err(ChainBreak::Altered { seq: 2 }));
    }
}
