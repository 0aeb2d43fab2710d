-- +goose Up
-- Agent (and console) login sessions (internal/agent.Authenticator), so a
-- session outlives a restart of the process that issued it and is valid on
-- every process sharing the database. token_hash is the hex SHA-256 of the
-- token, never the token. body is the session's JSON (user, display name).
CREATE TABLE agent_sessions (
    token_hash  TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX agent_sessions_expiry ON agent_sessions (expires_at);
CREATE INDEX agent_sessions_user ON agent_sessions (instance_id, user_id);

-- +goose Down
DROP TABLE agent_sessions;
