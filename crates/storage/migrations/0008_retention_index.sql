-- The retention sweep picks orders not yet anonymised by age, batch after batch: without this
-- index every batch scanned and sorted the whole table.
CREATE INDEX orders_to_anonymise ON orders (created_at) WHERE anonymised_at IS NULL;
