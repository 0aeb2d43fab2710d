-- +goose Up
-- The SIP registrar's bindings (sip.Bindings, store.SIPBindings): one row per
-- address of record ("<instanceID>/<userID>" for agents' desk phones), so
-- registrations survive a restart and every process on the database sees
-- them. body is the AOR's bindings as a JSON array; expires_at is the latest
-- of their expiries (the row is dead after it, and swept); version is the
-- optimistic-concurrency token every write checks and changes (random on
-- insert, then incremented, so a row deleted and inserted again never
-- repeats a version a writer may still hold).
CREATE TABLE sip_bindings (
    aor        TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sip_bindings_expiry ON sip_bindings (expires_at);

-- +goose Down
DROP TABLE sip_bindings;
