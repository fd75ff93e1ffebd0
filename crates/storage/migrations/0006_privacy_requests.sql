-- Requests of people exercising their rights, with their clocks (P17, P21).

CREATE TABLE privacy_requests (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- the account, when the person has one and proved it
    customer_id UUID REFERENCES customers (id) ON DELETE SET NULL,
    -- where to answer a person without an account (email or WhatsApp number)
    contact TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'extended', 'completed', 'refused')),
    received_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    target_at BIGINT NOT NULL,
    extended_at BIGINT,
    -- why more time was needed: told to the person
    extension_reason TEXT,
    completed_at BIGINT,
    -- what was done (or why not), for the record
    outcome TEXT
);

CREATE INDEX privacy_requests_by_due ON privacy_requests (status, due_at);
