-- What a real catalog carries beyond the demo: variant identifiers and customs facts, a third
-- option (material), the product's tax class, publication (draft or scheduled), SEO texts and
-- image alt texts per language.

ALTER TABLE variants ADD COLUMN material TEXT;
ALTER TABLE variants ADD COLUMN barcode TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN weight_grams BIGINT NOT NULL DEFAULT 0 CHECK (weight_grams >= 0);
-- Harmonized System code and ISO country of origin, for customs declarations
ALTER TABLE variants ADD COLUMN hs_code TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN origin_country TEXT NOT NULL DEFAULT '';

ALTER TABLE products ADD COLUMN tax_class TEXT NOT NULL DEFAULT 'standard';
-- NULL: a draft; otherwise shown from this time on (a future time schedules the publication)
ALTER TABLE products ADD COLUMN published_at BIGINT;
UPDATE products SET published_at = created_at;

ALTER TABLE product_texts ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE product_texts ADD COLUMN seo_description TEXT NOT NULL DEFAULT '';

CREATE TABLE product_image_alts (
    product_id UUID NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    lang TEXT NOT NULL,
    alt TEXT NOT NULL,
    PRIMARY KEY (product_id, position, lang)
);
