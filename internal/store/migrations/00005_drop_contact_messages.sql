-- +goose Up
-- contact_messages (00002) was meant to hold chat transcripts next to the
-- contacts, but nothing ever wrote to it: the chat service (internal/chat)
-- stores every item of a chat in chat_items (00003) and serves transcripts
-- from there, to participants and to the contacts API alike. Drop the unused
-- duplicate so there is one place a transcript lives. contacts.transcript_seq
-- is left in place (dropping a column is not portable to older SQLite).
DROP TABLE contact_messages;

-- +goose Down
-- The table exactly as 00002 created it (empty: it never held anything).
CREATE TABLE contact_messages (
    contact_id       TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    id               TEXT NOT NULL UNIQUE,
    instance_id      TEXT NOT NULL,
    item_type        TEXT NOT NULL,
    participant_role TEXT NOT NULL,
    participant_id   TEXT NOT NULL DEFAULT '',
    display_name     TEXT NOT NULL DEFAULT '',
    content_type     TEXT NOT NULL,
    content          TEXT NOT NULL,
    sent_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (contact_id, seq)
);
