-- The language a staff member reads the back office in (NULL: the browser's, else the shop's).
ALTER TABLE staff ADD COLUMN language TEXT;
