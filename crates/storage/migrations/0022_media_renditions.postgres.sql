-- Smaller copies of stored product images for srcset (480, 960, 1600 pixels wide), made once on
-- first request. Empty bytes: the original is no wider, and is served itself.
CREATE TABLE media_renditions (
    media_id UUID NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    width INTEGER NOT NULL,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (media_id, width)
);
