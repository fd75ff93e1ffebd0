-- Customer accounts and their sessions, orders with their lines and history, payment events
-- received, and the job queue (outgoing email, payment capture).

CREATE TABLE customers (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL,
    -- lowercase forms, for unique look-ups on both backends without ILIKE or collations
    username_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    -- Argon2id PHC string; the password itself is never stored (P3)
    password_hash TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE customer_sessions (
    -- SHA-256 (hex) of the bearer token the browser keeps in localStorage as lg_session
    token_hash TEXT PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX customer_sessions_by_customer ON customer_sessions (customer_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE throttles (
    -- e.g. "login:account:<sha256>"; never a raw email or address
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);

CREATE TABLE order_counters (
    series TEXT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE orders (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    customer_id UUID REFERENCES customers (id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'authorised', 'confirmed', 'fulfilled', 'cancelled', 'refunded')),
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    lang TEXT NOT NULL,
    -- the order data of the privacy policy (P2), and nothing more
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    address_line1 TEXT NOT NULL,
    address_line2 TEXT NOT NULL,
    city TEXT NOT NULL,
    postcode TEXT NOT NULL,
    country TEXT NOT NULL,
    payment_provider TEXT NOT NULL,
    payment_session_id TEXT,
    payment_id TEXT,
    -- where the customer pays (the provider's hosted page), so a retried checkout is sent back
    payment_url TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX orders_by_customer ON orders (customer_id, created_at);
CREATE INDEX orders_by_payment ON orders (payment_id);
CREATE INDEX orders_by_session ON orders (payment_session_id);
CREATE INDEX orders_by_status ON orders (status, created_at);

CREATE TABLE order_lines (
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    product_slug TEXT NOT NULL,
    name TEXT NOT NULL,
    variant_label TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE order_events (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);

CREATE INDEX order_events_by_order ON order_events (order_id, at);

CREATE TABLE payment_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- Keys this installation generates for itself (e.g. to sign order links), shared by every node.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    -- ids and settings only; messages are rendered from the records when sent
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    failed_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE INDEX jobs_due ON jobs (failed_at, run_at);
