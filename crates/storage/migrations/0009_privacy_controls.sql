-- The rest of the privacy core: restriction (GDPR Art. 18) and objection (Art. 21) of a person,
-- the notices to recipients after an erasure, rectification or restriction (Art. 19), marketing
-- campaigns (sent only with consent, P22), and first-party page views (P6, P14, P15).

-- A restriction stops every processing of the person's data but storage; an objection stops one
-- purpose. A person is an account, or, without one, a keyed hash of their email address.
CREATE TABLE processing_limits (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('restriction', 'objection')),
    -- the purpose objected to; '' for a restriction, which covers every purpose
    purpose TEXT NOT NULL,
    customer_id UUID REFERENCES customers (id) ON DELETE CASCADE,
    -- HMAC of the normalised email under the installation's key: never the address itself
    email_key TEXT,
    -- the request that granted it, if one did
    request_id UUID,
    started_at BIGINT NOT NULL,
    -- when it ends; may be ahead of now, as the person is told before a restriction is lifted
    lifted_at BIGINT,
    -- when the person was told it would be lifted (Art. 18(3))
    lift_notice_at BIGINT,
    CHECK (customer_id IS NOT NULL OR email_key IS NOT NULL)
);

CREATE INDEX processing_limits_by_customer ON processing_limits (customer_id, kind);
CREATE INDEX processing_limits_by_email ON processing_limits (email_key, kind);

-- Who was told of an erasure, rectification or restriction (Art. 19), when and how.
CREATE TABLE recipient_notices (
    id UUID PRIMARY KEY,
    request_id UUID NOT NULL REFERENCES privacy_requests (id) ON DELETE CASCADE,
    -- a recipient id of the policy
    recipient TEXT NOT NULL,
    -- 'email' (to its privacy contact), 'in_place' (the host of our own database) or
    -- 'no_contact' (no privacy contact in the policy: staff tell it by other means)
    method TEXT NOT NULL,
    -- the references the recipient already holds (payment ids, order numbers), nothing more
    reference TEXT NOT NULL,
    notified_at BIGINT NOT NULL
);

CREATE INDEX recipient_notices_by_request ON recipient_notices (request_id);

-- A marketing email written by staff; queued to each customer who consents at that moment.
CREATE TABLE marketing_campaigns (
    id UUID PRIMARY KEY,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    queued BIGINT NOT NULL
);

-- Page views of the shop's own analytics: no IP address, no user agent, no account. The
-- per-tab session id is removed after the policy's 30 days, leaving no linkage.
CREATE TABLE page_views (
    id UUID PRIMARY KEY,
    at BIGINT NOT NULL,
    -- the route's template, e.g. /products/{slug}
    path TEXT NOT NULL,
    lang TEXT NOT NULL,
    -- the referring site's host only, when another site
    referrer_host TEXT,
    sid TEXT
);

CREATE INDEX page_views_linked ON page_views (at) WHERE sid IS NOT NULL;
