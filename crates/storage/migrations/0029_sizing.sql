-- Fitting and sizing (M2's own category): a client's sizing profile and the alterations made to
-- the pieces they ordered.

-- One profile per client: a registered customer, or a guest known by their email address
-- (lowercased in full Unicode by the shop, as orders are keyed). Deleted with the account; a
-- guest's is deleted 2 years after the last visit (retention rule `sizing_profiles`).
CREATE TABLE sizing_profiles (
    id UUID PRIMARY KEY,
    customer_id UUID UNIQUE REFERENCES customers (id) ON DELETE CASCADE,
    email_key TEXT UNIQUE,
    -- whole millimetres
    height_mm INTEGER,
    chest_mm INTEGER,
    waist_mm INTEGER,
    hips_mm INTEGER,
    inseam_mm INTEGER,
    shoulder_mm INTEGER,
    sleeve_mm INTEGER,
    neck_mm INTEGER,
    -- tenths of a size, so that half sizes stay exact (EU 38.5 is 385)
    shoe_eu_tenths INTEGER,
    shoe_uk_tenths INTEGER,
    -- EU/ISO ring size: the inner circumference in millimetres
    ring_eu INTEGER,
    fit TEXT CHECK (fit IN ('slim', 'regular', 'relaxed')),
    -- staff's free text, through the sensitive-data guard
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- the client's last visit (an appointment completed, or the profile taken or updated)
    last_visit_at BIGINT NOT NULL,
    CHECK (customer_id IS NOT NULL OR email_key IS NOT NULL)
);

CREATE INDEX sizing_profiles_by_visit ON sizing_profiles (last_visit_at) WHERE customer_id IS NULL;

-- An alteration of one line of an order: requested -> in_work -> ready -> collected, never back.
CREATE TABLE alterations (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('hem', 'sleeves', 'waist', 'shoulders', 'taper', 'other')),
    -- staff's free text, through the guard; cleared when the order is anonymised
    note TEXT NOT NULL DEFAULT '',
    -- the day promised to the client, YYYY-MM-DD in the shop's time zone
    promised_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'in_work', 'ready', 'collected')),
    opened_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (order_id, line_position) REFERENCES order_lines (order_id, position) ON DELETE CASCADE
);

CREATE INDEX alterations_by_order ON alterations (order_id, created_at);
