-- The retention engine: what it has done to each record, and the purge log of each run (counts
-- per rule, never personal data).

ALTER TABLE orders ADD COLUMN anonymised_at BIGINT;

ALTER TABLE customers ADD COLUMN inactivity_warned_at BIGINT;

CREATE TABLE retention_runs (
    id UUID PRIMARY KEY,
    rule TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    -- the moment the rule was applied as of (a preview may look ahead)
    as_of BIGINT NOT NULL,
    dry_run BOOLEAN NOT NULL,
    action TEXT NOT NULL,
    affected BIGINT NOT NULL
);

CREATE INDEX retention_runs_by_time ON retention_runs (started_at);
CREATE INDEX customers_by_activity ON customers (last_active_at);
