-- +goose Up
-- SIP trunks (core.Trunk), a kind like every instance-scoped one (the shape
-- of 00001). The digest password is the write-only secret.
CREATE TABLE trunks (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    name TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, UNIQUE (instance_id, name));

-- +goose Down
DELETE FROM resource_refs WHERE from_kind = 'trunk' OR to_kind = 'trunk';
DROP TABLE trunks;
