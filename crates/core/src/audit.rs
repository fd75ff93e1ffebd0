//! The audit log's hash chain (M8, P18): every entry carries the SHA-256 of its own fields and of
//! the entry before it, so editing, removing or reordering any entry breaks every link after it.
//!
//! Entries hold identifiers (staff id, record kind and id), never copies of personal data.
//!
//! A plain SHA-256 chain only shows edits by someone who did not recompute the hashes; a database
//! writer can recompute them all. So entries are now *keyed*: their hash is an HMAC-SHA256 under
//! the audit key, which is kept outside the database (`LUXEVAULT_AUDIT_KEY` or
//! `<data_dir>/audit.key`), written `k1:<hex>`. Entries written before the key existed keep
//! their plain hashes and still verify; once one keyed entry is seen, an unkeyed one after it is
//! a rewrite ([`ChainBreak::Downgraded`]). What a writer who deletes the end of the table would
//! get away with is caught by the anchors kept outside it (`shop::staff::audit_trail`).

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a keyed entry's hash starts with.
pub const KEYED_PREFIX: &str = "k1:";

/// The secret that keys the chain. Never stored in the database; redacted in `Debug`.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// At least 32 bytes of secret.
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() >= 32).then_some(Self(bytes))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

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
    /// The SHA-256 (hex) of every field but `hash`, in a fixed order and encoding (entries
    /// written before the audit key).
    pub fn compute_hash(&self) -> String {
        hex_lower(&Sha256::digest(self.canonical()))
    }

    /// `k1:` and the HMAC-SHA256 (hex) of the same fields under the audit key.
    pub fn compute_mac(&self, key: &AuditKey) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else { return String::new() };
        mac.update(&self.canonical());
        format!("{KEYED_PREFIX}{}", hex_lower(&mac.finalize().into_bytes()))
    }

    pub fn is_keyed(&self) -> bool {
        self.hash.starts_with(KEYED_PREFIX)
    }

    fn canonical(&self) -> Vec<u8> {
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
        serde_json::to_vec(&fields).unwrap_or_default()
    }

    /// Seals an entry onto the chain whose last entry is `(prev_seq, prev_hash)`, keyed when
    /// there is a key.
    pub fn seal_with(self, prev: Option<(i64, &str)>, key: Option<&AuditKey>) -> AuditEntry {
        let mut sealed = self.seal(prev);
        if let Some(key) = key {
            sealed.hash = sealed.compute_mac(key);
        }
        sealed
    }

    /// Seals an entry onto the chain whose last entry is `(prev_seq, prev_hash)`, unkeyed.
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
    /// An unkeyed entry where entries must be keyed (after a keyed one, or from the recorded
    /// start of keying): rewritten by someone without the key.
    Downgraded { seq: i64 },
    /// A keyed entry, and no key to check it with.
    KeyNeeded { seq: i64 },
    /// The table ends before, or disagrees with, a head anchored outside it: its end was cut or
    /// rewritten.
    Anchor { seq: i64, table_ends_at: i64 },
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
            ChainBreak::Downgraded { seq } => {
                write!(f, "entry {seq} is not keyed where entries are (it was rewritten without the audit key)")
            }
            ChainBreak::KeyNeeded { seq } => {
                write!(
                    f,
                    "entry {seq} is keyed and no audit key is configured to check it (set LUXEVAULT_AUDIT_KEY or keep <data_dir>/audit.key)"
                )
            }
            ChainBreak::Anchor { seq, table_ends_at } if table_ends_at < seq => write!(
                f,
                "the log ends at entry {table_ends_at}, but entry {seq} was anchored outside the database (its end was cut)"
            ),
            ChainBreak::Anchor { seq, .. } => {
                write!(f, "entry {seq} differs from the head anchored outside the database (it was rewritten)")
            }
        }
    }
}

/// Walks a chain in `seq` order, feeding entries one by one (so millions never sit in memory).
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    key: Option<AuditKey>,
    /// Entries from this seq on must be keyed (recorded outside the database).
    keyed_from: Option<i64>,
    /// The first keyed entry seen.
    first_keyed: Option<i64>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS.to_string(), key: None, keyed_from: None, first_keyed: None }
    }
}

impl ChainVerifier {
    /// Starts after a known good head (for checking only what was appended since).
    pub fn after(seq: i64, hash: &str) -> Self {
        Self { expected_seq: seq + 1, prev_hash: hash.to_string(), ..Self::default() }
    }

    /// Checks keyed entries with `key`; with `keyed_from`, requires every entry from there on to be keyed.
    pub fn with_key(mut self, key: Option<AuditKey>, keyed_from: Option<i64>) -> Self {
        self.key = key;
        self.keyed_from = keyed_from;
        self
    }

    /// Where keyed entries start in the chain walked so far (the boundary with the older,
    /// unkeyed entries).
    pub fn first_keyed(&self) -> Option<i64> {
        self.first_keyed
    }

    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::Missing { expected_seq: self.expected_seq, found_seq: entry.seq });
        }
        if entry.is_keyed() {
            let key = self.key.as_ref().ok_or(ChainBreak::KeyNeeded { seq: entry.seq })?;
            if entry.compute_mac(key) != entry.hash {
                return Err(ChainBreak::Altered { seq: entry.seq });
            }
            self.first_keyed.get_or_insert(entry.seq);
        } else {
            let must_be_keyed = self.first_keyed.is_some() || self.keyed_from.is_some_and(|from| entry.seq >= from);
            if must_be_keyed {
                return Err(ChainBreak::Downgraded { seq: entry.seq });
            }
            if entry.compute_hash() != entry.hash {
                return Err(ChainBreak::Altered { seq: entry.seq });
            }
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

    fn key(byte: u8) -> AuditKey {
        AuditKey::new(vec![byte; 32]).unwrap_or_else(|| panic!("a 32-byte key"))
    }

    /// Two legacy entries, then three keyed ones.
    fn mixed() -> Vec<AuditEntry> {
        let mut out = chain(2);
        for i in 0..3 {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            out.push(entry(&format!("order.refund.{i}")).seal_with(prev, Some(&key(7))));
        }
        out
    }

    fn verify_keyed(entries: &[AuditEntry], keyed_from: Option<i64>) -> Result<Option<i64>, ChainBreak> {
        let mut v = ChainVerifier::default().with_key(Some(key(7)), keyed_from);
        entries.iter().try_for_each(|e| v.check(e)).map(|()| v.first_keyed())
    }

    #[test]
    fn legacy_entries_verify_before_the_keyed_ones_start() {
        let c = mixed();
        assert!(!c[1].is_keyed() && c[2].is_keyed() && c[2].hash.starts_with(KEYED_PREFIX));
        assert_eq!(verify_keyed(&c, Some(3)), Ok(Some(3)), "the boundary is entry 3");
        assert_eq!(verify_keyed(&chain(3), None), Ok(None), "an old chain alone still verifies");
    }

    #[test]
    fn a_writer_without_the_key_cannot_rewrite_keyed_entries() {
        // Rehashing with the plain hash: an unkeyed entry after keyed ones.
        let mut c = mixed();
        c[3].subject_id = "someone-else".into();
        c[3].hash = c[3].compute_hash();
        c[4].prev_hash = c[3].hash.clone();
        c[4].hash = c[4].compute_hash();
        assert_eq!(verify_keyed(&c, None), Err(ChainBreak::Downgraded { seq: 4 }));
        // Rewriting every keyed entry as plain: caught by the boundary kept outside the database.
        let mut plain = chain(5);
        plain[4].action = "nothing.to.see".into();
        let plain: Vec<AuditEntry> = plain.into_iter().fold(Vec::new(), |mut out, e| {
            let prev = out.last().map(|p: &AuditEntry| (p.seq, p.hash.clone()));
            out.push(e.seal(prev.as_ref().map(|(s, h)| (*s, h.as_str()))));
            out
        });
        assert_eq!(verify_keyed(&plain, Some(3)), Err(ChainBreak::Downgraded { seq: 3 }));
        // Another key is no key.
        let mut forged = mixed();
        forged[3].hash = forged[3].compute_mac(&key(8));
        assert_eq!(verify_keyed(&forged, None), Err(ChainBreak::Altered { seq: 4 }));
        // And without any key, keyed entries cannot be taken on trust.
        let mut v = ChainVerifier::default();
        assert_eq!(mixed().iter().try_for_each(|e| v.check(e)), Err(ChainBreak::KeyNeeded { seq: 3 }));
    }

    #[test]
    fn the_reason_is_part_of_the_hash() {
        let mut c = chain(2);
        c[1].reason = Some("export for request".into());
        assert_eq!(verify(&c), Err(ChainBreak::Altered { seq: 2 }));
    }
}
