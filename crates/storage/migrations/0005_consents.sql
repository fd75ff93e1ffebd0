-- The consent ledger: append-only records of consent given or withdrawn, with the proof of each
-- (when, on which page, how, under which version of the policy). The current state of a consent
-- is its latest record.

CREATE TABLE consents (
    id UUID PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    at BIGINT NOT NULL,
    policy_version TEXT NOT NULL,
    -- where it was given or withdrawn, e.g. "/account" or "email"
    source TEXT NOT NULL,
    -- how, e.g. "checkbox", "api", "unsubscribe_link"
    method TEXT NOT NULL
);

CREATE INDEX consents_by_customer ON consents (customer_id, purpose, at);

-- An order whose customer asked for erasure while it was on its way: anonymised once complete.
ALTER TABLE orders ADD COLUMN erasure_requested_at BIGINT;
