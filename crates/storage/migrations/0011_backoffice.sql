-- The back office's data: uploaded images (metadata already stripped, see core::media), and the
-- indexes its lists, searches and reports need at 100,000 customers and 200,000 orders.
-- This is the SQLite text; PostgreSQL runs 0011_backoffice.postgres.sql (BYTEA, "C" collation).

CREATE TABLE media (
    id UUID PRIMARY KEY,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes BLOB NOT NULL,
    byte_size BIGINT NOT NULL,
    -- lowercase hex SHA-256 of the bytes: the same picture uploaded twice is stored once
    sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Orders, newest first, paged by (created_at, id); the same within one state.
CREATE INDEX orders_by_placed ON orders (created_at, id);
DROP INDEX orders_by_status;
CREATE INDEX orders_by_status ON orders (status, created_at, id);
-- Search by the customer's email: an exact or prefix range on the lowercase form. lower() is
-- ASCII-only here, as on PostgreSQL under the "C" collation, so both backends match alike.
CREATE INDEX orders_by_email ON orders (lower(email), created_at);

-- Customers, newest first, paged by (created_at, id). Search uses the unique username_key and
-- email_key indexes (byte order, so a prefix is a range).
CREATE INDEX customers_by_created ON customers (created_at, id);
