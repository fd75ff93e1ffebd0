-- A boutique's own shop: who it is (set by `luxevault init`), where it ships and at what rate, the
-- tax it charges, and what each order kept of both.

CREATE TABLE shop_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    -- the seller on invoices: legal entity, postal address (lines separated by newlines), VAT number
    legal_name TEXT NOT NULL,
    address TEXT NOT NULL,
    vat_number TEXT NOT NULL,
    -- ISO 3166-1 alpha-2: where the house is established (its home VAT rate)
    country TEXT NOT NULL CHECK (length(country) = 2),
    -- IANA name, e.g. Europe/Paris: the day of the dashboard and every time staff read
    time_zone TEXT NOT NULL,
    -- offered languages, default first, comma-separated
    languages TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A shipping zone: the countries it covers, and how tax and duties work there.
CREATE TABLE shipping_zones (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- ISO codes, comma-separated; '*' is the rest of the world
    countries TEXT NOT NULL,
    -- 'included': prices include the destination's VAT (the EU way); 'excluded': tax is added (an
    -- estimate line, e.g. US sales tax); 'none': no tax is collected (export)
    tax_mode TEXT NOT NULL CHECK (tax_mode IN ('included', 'excluded', 'none')),
    -- delivered duty paid: the house pays import duties; otherwise the client pays them on arrival
    duties_paid BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);

-- A way to deliver in a zone, with its rate in one currency.
CREATE TABLE shipping_rates (
    id UUID PRIMARY KEY,
    zone_id UUID NOT NULL REFERENCES shipping_zones (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    -- 'flat', 'weight' (amount per started kilogram above the first), 'pickup' (at the boutique)
    kind TEXT NOT NULL CHECK (kind IN ('flat', 'weight', 'pickup')),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    per_kg_minor BIGINT NOT NULL CHECK (per_kg_minor >= 0),
    -- free when the order's goods reach this amount (same currency); NULL: never free
    free_above_minor BIGINT CHECK (free_above_minor >= 0),
    position INTEGER NOT NULL,
    UNIQUE (zone_id, code, currency)
);

-- Tax rates per destination country and product tax class, in basis points (1900 = 19 %).
CREATE TABLE tax_rates (
    country TEXT NOT NULL CHECK (length(country) = 2),
    tax_class TEXT NOT NULL,
    rate_bp INTEGER NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    name TEXT NOT NULL,
    PRIMARY KEY (country, tax_class)
);

-- What an order was charged for delivery, and its tax lines (one per rate).
ALTER TABLE orders ADD COLUMN shipping_code TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN shipping_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN shipping_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_included BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE orders ADD COLUMN duties_paid BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE order_tax_lines (
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    rate_bp INTEGER NOT NULL,
    base_minor BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);
