-- Requests of people exercising their rights, with their clocks (P17, P21).

CREATE TABLE privacy_requests (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- the account, when the person has one and proved it
    customer_id UUID REFERENCES customers (id) ON DELETE SET NULL,
    -- where to answer a person without an account (email or WhatsApp number)
    contact TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('awaiting_verification', 'open', 'extended', 'completed', 'refused')),
    received_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    target_at BIGINT NOT NULL,
    extended_at BIGINT,
    -- why more time was needed: told to the person
    extension_reason TEXT,
    completed_at BIGINT,
    -- what was done (or why not), for the record
    outcome TEXT,
    -- proof of identity for people without an account: a one-time code sent to the contact
    code_hash TEXT,
    code_expires_at BIGINT,
    code_attempts INTEGER NOT NULL DEFAULT 0,
    verified_at BIGINT,
    -- the download link of an access request's copy (its token's hash) and its expiry
    archive_token_hash TEXT,
    archive_expires_at BIGINT
);

CREATE INDEX privacy_requests_by_due ON privacy_requests (status, due_at);
