-- Orders found by email address case-insensitively beyond ASCII: lower() in SQL folds only
-- A-Z on SQLite (and on PostgreSQL under the C locale), so "Élodie@…" and "élodie@…" were two
-- people to a guest's access or erasure request. The key is the address lowercased by the
-- application (Unicode), as customers.email_key is; rows written before are re-keyed by the
-- application once this step has run (storage/src/migrations.rs).
ALTER TABLE orders ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE orders SET email_key = lower(email);
DROP INDEX orders_by_email;
CREATE INDEX orders_by_email_key ON orders (email_key, created_at);
