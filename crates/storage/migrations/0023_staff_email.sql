-- Every member has an email (the brief's `staff create --email E`); members made before it have
-- none until they give one. One member per address.
ALTER TABLE staff ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX staff_by_email ON staff (email) WHERE email <> '';
