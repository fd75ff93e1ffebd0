-- PostgreSQL's text of 0011_backoffice.sql: BYTEA for the image bytes, and the "C" collation on
-- the columns searched by prefix, so a prefix is a byte range an index can serve (under a
-- language collation "ab" < "a.c" < "ac" and a range is not a prefix) and lower() is ASCII-only
-- as SQLite's is. Equality and uniqueness are unchanged.

CREATE TABLE media (
    id UUID PRIMARY KEY,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes BYTEA NOT NULL,
    byte_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE INDEX orders_by_placed ON orders (created_at, id);
DROP INDEX orders_by_status;
CREATE INDEX orders_by_status ON orders (status, created_at, id);
ALTER TABLE orders ALTER COLUMN email TYPE TEXT COLLATE "C";
CREATE INDEX orders_by_email ON orders (lower(email), created_at);

ALTER TABLE customers ALTER COLUMN username_key TYPE TEXT COLLATE "C";
ALTER TABLE customers ALTER COLUMN email_key TYPE TEXT COLLATE "C";
CREATE INDEX customers_by_created ON customers (created_at, id);
