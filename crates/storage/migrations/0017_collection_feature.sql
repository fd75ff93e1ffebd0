-- A collection may put one product first on its page (the house's pick); emptied when that
-- product is deleted.
ALTER TABLE collections ADD COLUMN featured_product_id UUID REFERENCES products (id) ON DELETE SET NULL;
