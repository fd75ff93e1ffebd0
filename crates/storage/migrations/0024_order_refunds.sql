-- Partial refunds (issue 11): each refund is a record, and the order keeps the total refunded.
-- `refunded_minor` is reserved before the provider is asked (a conditional UPDATE that never lets
-- it pass `total_minor`), so two refunds racing can never together return more than was taken.
ALTER TABLE orders ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET refunded_minor = total_minor WHERE status = 'refunded';

-- One row per refund staff asked for. `reason` is staff's free text (guarded before it is stored)
-- and goes with the person's data when the order is anonymised, like `order_events.reason`;
-- the provider's refund id goes with the other payment references.
CREATE TABLE order_refunds (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount_minor BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- 'pending' while the provider is asked, then 'done' or 'failed' (the reservation released).
    state TEXT NOT NULL,
    provider_refund_id TEXT,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    settled_at BIGINT
);

CREATE INDEX order_refunds_by_order ON order_refunds (order_id, created_at);

-- The answers of requests made under an Idempotency-Key (the admin API's order moves, the back
-- office's move forms): a retry with the same key gets the first answer back instead of a second
-- move. `status` is NULL while the first request is still being answered.
CREATE TABLE request_replays (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE INDEX request_replays_by_age ON request_replays (created_at);
