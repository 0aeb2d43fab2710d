-- +goose Up
-- Chats of the chat service (internal/chat), so they outlive a process and
-- are seen by every process sharing the database. Portable SQL as in 00001:
-- TEXT ids made by the application, TIMESTAMP in UTC, JSON as TEXT.

-- A chat per contact. No foreign key to contacts or instances: the chat
-- service is a layer below them and may run without them. item_seq is the
-- sequence number of the newest item of the chat, participant_seq that of
-- the newest participant; appends increment them, so the row lock orders
-- concurrent writers on PostgreSQL. ended_at is NULL while the chat is
-- active.
CREATE TABLE chats (
    contact_id         TEXT PRIMARY KEY,
    initial_contact_id TEXT NOT NULL,
    instance_id        TEXT NOT NULL,
    started_at         TIMESTAMP NOT NULL,
    ended_at           TIMESTAMP,
    end_reason         TEXT NOT NULL DEFAULT '',
    item_seq           BIGINT NOT NULL DEFAULT 0,
    participant_seq    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX chats_instance ON chats (instance_id, started_at);

-- Participants, numbered per chat in the order they joined. left_at is NULL
-- while the participant is in the chat.
CREATE TABLE chat_participants (
    participant_id TEXT PRIMARY KEY,
    contact_id     TEXT NOT NULL REFERENCES chats(contact_id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL,
    role           TEXT NOT NULL,
    display_name   TEXT NOT NULL DEFAULT '',
    joined_at      TIMESTAMP NOT NULL,
    left_at        TIMESTAMP,
    UNIQUE (contact_id, seq)
);

-- Token credentials: the hex SHA-256 of a token (never the token) and the
-- participant it grants. expires_at is NULL for participant tokens, valid
-- for the life of the chat.
CREATE TABLE chat_credentials (
    token_hash     TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    contact_id     TEXT NOT NULL REFERENCES chats(contact_id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    expires_at     TIMESTAMP
);
CREATE INDEX chat_credentials_expiry ON chat_credentials (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX chat_credentials_contact ON chat_credentials (contact_id);

-- Transcript items, append-only, numbered per chat from 1 in the order they
-- were appended. body is the item's JSON (chat.Item); the columns beside it
-- are what queries may filter on.
CREATE TABLE chat_items (
    contact_id TEXT NOT NULL REFERENCES chats(contact_id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    id         TEXT NOT NULL,
    item_type  TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (contact_id, seq)
);

-- +goose Down
DROP TABLE chat_items;
DROP TABLE chat_credentials;
DROP TABLE chat_participants;
DROP TABLE chats;
