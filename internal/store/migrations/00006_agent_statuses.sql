-- +goose Up
-- Agent statuses (core.AgentStatus), a kind like every instance-scoped one
-- (the shape of 00001). New instances get their system statuses, Available
-- (ROUTABLE) and Offline (OFFLINE), from the store when they are created;
-- instances that already exist get them here. Their IDs are the instance's
-- UUIDv7 with a fixed last 12 hex digits, so they are valid UUIDv7s made
-- at the instance's creation time, which no generated ID can repeat.
CREATE TABLE agent_statuses (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    name TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, UNIQUE (instance_id, name));

INSERT INTO agent_statuses (id, instance_id, name, version, body, secret, created_at, updated_at)
SELECT substr(id, 1, 24) || '000000000001', id, 'Available', 1,
       '{"name":"Available","description":"Takes contacts","type":"ROUTABLE","state":"ENABLED","displayOrder":1}',
       '', created_at, created_at
FROM instances;
INSERT INTO agent_statuses (id, instance_id, name, version, body, secret, created_at, updated_at)
SELECT substr(id, 1, 24) || '000000000002', id, 'Offline', 1,
       '{"name":"Offline","description":"Logged out of routing","type":"OFFLINE","state":"ENABLED","displayOrder":2}',
       '', created_at, created_at
FROM instances;

-- +goose Down
DELETE FROM resource_refs WHERE from_kind = 'agent-status' OR to_kind = 'agent-status';
DROP TABLE agent_statuses;
