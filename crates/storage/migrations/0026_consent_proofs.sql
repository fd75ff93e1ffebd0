-- Consent proofs outlive the account (policy: "marketing consent records: until consent
-- withdrawn + 1 year"). The ledger no longer cascades with the customer: its records name a
-- holder, the account's id while the account exists; once the account is erased nothing maps
-- that id to a person (anonymised orders keep no customer id), so what stays is a proof of what
-- was agreed, when and how, detached from identity. The retention rule removes it a year after
-- the withdrawal that erasure records.

CREATE TABLE consent_proofs (
    id UUID PRIMARY KEY,
    holder_id UUID NOT NULL,
    purpose TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    at BIGINT NOT NULL,
    policy_version TEXT NOT NULL,
    source TEXT NOT NULL,
    method TEXT NOT NULL
);

INSERT INTO consent_proofs (id, holder_id, purpose, granted, at, policy_version, source, method)
    SELECT id, customer_id, purpose, granted, at, policy_version, source, method FROM consents;

DROP TABLE consents;

ALTER TABLE consent_proofs RENAME TO consents;

CREATE INDEX consents_by_holder ON consents (holder_id, purpose, at);
