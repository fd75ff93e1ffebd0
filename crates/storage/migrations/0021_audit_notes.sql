-- Staff's free text about an audited action (a refund's reason) lives here, outside the hash
-- chain: the chained entry holds only `reference`, so erasure can clear the text about a
-- person's records without breaking the chain.
CREATE TABLE audit_notes (
    reference TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    erased_at BIGINT
);

CREATE INDEX audit_notes_by_subject ON audit_notes (subject_kind, subject_id);
