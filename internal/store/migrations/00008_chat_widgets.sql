-- +goose Up
-- Chat widgets (core.ChatWidget), a kind like every instance-scoped one (the
-- shape of 00001). The security key that signs the widget's tokens is the
-- write-only secret. The public routes find a widget by its id alone (the
-- primary key), across instances.
CREATE TABLE chat_widgets (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    name TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, UNIQUE (instance_id, name));

-- +goose Down
DELETE FROM resource_refs WHERE from_kind = 'chat-widget' OR to_kind = 'chat-widget';
DROP TABLE chat_widgets;
