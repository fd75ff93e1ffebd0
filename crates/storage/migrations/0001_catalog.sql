-- The catalog: currencies and rates, colours, collections, products, variants, local prices.
-- Portable DDL: runs unchanged on SQLite and PostgreSQL. Times are BIGINT UTC microseconds,
-- money is BIGINT minor units, ids are application-generated UUIDv7.

CREATE TABLE catalog_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE currencies (
    code TEXT PRIMARY KEY CHECK (length(code) = 3),
    -- units of this currency per one unit of the base currency, an exact decimal
    rate TEXT NOT NULL,
    rounding_minor BIGINT NOT NULL CHECK (rounding_minor > 0),
    is_base BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE colours (
    code TEXT PRIMARY KEY,
    hex TEXT NOT NULL
);

CREATE TABLE colour_names (
    colour_code TEXT NOT NULL REFERENCES colours (code) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (colour_code, lang)
);

CREATE TABLE collections (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    image TEXT,
    position INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE collection_texts (
    collection_id UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (collection_id, lang)
);

CREATE TABLE products (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    availability TEXT NOT NULL CHECK (availability IN ('active', 'retired')),
    featured BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE product_texts (
    product_id UUID NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    name TEXT NOT NULL,
    subtitle TEXT NOT NULL,
    -- paragraphs separated by a blank line
    description TEXT NOT NULL,
    -- one detail per line
    details TEXT NOT NULL,
    PRIMARY KEY (product_id, lang)
);

CREATE TABLE product_collections (
    product_id UUID NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    collection_id UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (product_id, collection_id)
);

CREATE TABLE product_images (
    product_id UUID NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    src TEXT NOT NULL,
    PRIMARY KEY (product_id, position)
);

CREATE TABLE variants (
    id UUID PRIMARY KEY,
    product_id UUID NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku TEXT NOT NULL UNIQUE,
    colour_code TEXT REFERENCES colours (code),
    size TEXT,
    stock BIGINT NOT NULL CHECK (stock >= 0),
    availability TEXT NOT NULL CHECK (availability IN ('active', 'retired')),
    position INTEGER NOT NULL
);

CREATE INDEX variants_by_product ON variants (product_id, position);

CREATE TABLE product_prices (
    product_id UUID NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    currency TEXT NOT NULL REFERENCES currencies (code),
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (product_id, currency)
);
