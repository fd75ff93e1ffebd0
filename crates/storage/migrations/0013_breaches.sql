-- The breach register (P19, GDPR Art. 33(5)): every personal-data breach, its assessment and who
-- was told when. Descriptions are about the incident; they name no customer.

CREATE TABLE breaches (
    id UUID PRIMARY KEY,
    discovered_at BIGINT NOT NULL,
    occurred_at BIGINT,
    nature TEXT NOT NULL,
    -- data categories of the policy file, comma-separated
    categories TEXT NOT NULL,
    people_affected BIGINT NOT NULL CHECK (people_affected >= 0),
    consequences TEXT NOT NULL,
    measures TEXT NOT NULL,
    risk TEXT NOT NULL CHECK (risk IN ('unlikely', 'risk', 'high')),
    authority_notified_at BIGINT,
    authority_reference TEXT,
    people_notified_at BIGINT,
    people_notice TEXT,
    recorded_by UUID NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX breaches_by_discovery ON breaches (discovered_at);
