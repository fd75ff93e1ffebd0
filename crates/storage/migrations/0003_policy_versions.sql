-- Every published version of the privacy policy, kept readable for good (M12).

CREATE TABLE policy_versions (
    version TEXT PRIMARY KEY,
    effective TEXT NOT NULL,
    -- SHA-256 of the canonical JSON, to notice an edit that forgot to change the version
    content_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    published_at BIGINT NOT NULL
);
