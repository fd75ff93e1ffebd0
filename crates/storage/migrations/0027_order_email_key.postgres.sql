-- As 0027_order_email_key.sql; byte order (COLLATE "C") so that an address prefix is a range,
-- as for customers.email_key (0011).
ALTER TABLE orders ADD COLUMN email_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE orders SET email_key = lower(email);
DROP INDEX orders_by_email;
CREATE INDEX orders_by_email_key ON orders (email_key, created_at);
