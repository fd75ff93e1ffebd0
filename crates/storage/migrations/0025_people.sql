-- People as staff find them: by the phone number of their orders, and proven by a call-back.

-- A privacy request that gives only a phone number finds the orders placed with it: the number
-- as digits with its leading '+', the separators checkout allows (space, dash, dot, brackets)
-- removed. The same expression is in storage::orders (FOR_PHONE), so both backends use this.
CREATE INDEX orders_by_phone_key ON orders (
    REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''));

-- How a request's person was proven to be who they say, when staff did it (a call-back to the
-- number already on the orders): who did it ('staff:<id>') and the method. verified_at (0006)
-- says when. Never a code.
ALTER TABLE privacy_requests ADD COLUMN verified_by TEXT;
ALTER TABLE privacy_requests ADD COLUMN verification_method TEXT;
