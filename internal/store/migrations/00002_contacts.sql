-- +goose Up
-- Contacts, their records and transcripts, the transactional event outbox,
-- and webhook subscriptions with their delivery queue. Portable SQL as in
-- 00001: TEXT ids made by the application, TIMESTAMP in UTC, JSON as TEXT.

-- A contact as it lives: the columns that queries filter on, and the whole
-- document (internal/contact.Contact) in body. version is the optimistic
-- concurrency counter; last_event_id the ID of the newest event written to
-- the outbox for the contact, so the next one can be made to sort after it
-- whatever the clock of the process writing it; transcript_seq the sequence
-- number of the newest transcript message.
CREATE TABLE contacts (
    id             TEXT PRIMARY KEY,
    instance_id    TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    state          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    queue_id       TEXT NOT NULL DEFAULT '',
    agent_id       TEXT NOT NULL DEFAULT '',
    initiated_at   TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    version        BIGINT NOT NULL,
    last_event_id  TEXT NOT NULL DEFAULT '',
    transcript_seq BIGINT NOT NULL DEFAULT 0,
    body           TEXT NOT NULL
);
-- Routing rebuilds its queues from the contacts in a state (QUEUED, OFFERED)
-- and its agents' occupancy from the contacts an agent holds.
CREATE INDEX contacts_state ON contacts (instance_id, state, queue_id);
CREATE INDEX contacts_agent ON contacts (instance_id, agent_id);
CREATE INDEX contacts_initiated ON contacts (instance_id, initiated_at);

-- One contact record (CTR) per contact: the primary key makes a second write
-- for the same contact a no-op, however it is attempted. No foreign key to
-- contacts: records outlive the live rows.
CREATE TABLE contact_records (
    contact_id      TEXT PRIMARY KEY,
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    queue_id        TEXT NOT NULL DEFAULT '',
    agent_id        TEXT NOT NULL DEFAULT '',
    initiated_at    TIMESTAMP NOT NULL,
    disconnected_at TIMESTAMP,
    recorded_at     TIMESTAMP NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX contact_records_instance ON contact_records (instance_id, contact_id);
CREATE INDEX contact_records_initiated ON contact_records (instance_id, initiated_at);

-- Transcript items (chat messages and events), append-only, numbered per
-- contact from 1 in the order they were written.
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

-- Transactional outbox: an event is written here in the transaction that
-- makes it true and published to the bus by the relay, with its id as the
-- JetStream message ID. payload is the bus envelope's data. A row is pending
-- while sent_at is NULL; error is set when the relay gave up on it.
CREATE TABLE event_outbox (
    id          TEXT PRIMARY KEY,
    stream      TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    event_time  TIMESTAMP NOT NULL,
    payload     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_outbox_pending ON event_outbox (id) WHERE sent_at IS NULL;
CREATE INDEX event_outbox_sent ON event_outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Leases let one relay at a time publish, so events keep their order when
-- several processes share the database.
CREATE TABLE event_outbox_leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- Webhook subscriptions have the shape of every instance-scoped resource.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    name TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, UNIQUE (instance_id, name));

-- One row per (subscription, event): the delivery queue, its retry state and,
-- once given up (status FAILED), the dead letter. Rows of one subscription
-- and order_key (a contact or agent ID) are delivered one at a time in id
-- order.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    order_key       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_key ON webhook_deliveries (subscription_id, order_key, id) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (status, updated_at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE event_outbox_leases;
DROP TABLE event_outbox;
DROP TABLE contact_messages;
DROP TABLE contact_records;
DROP TABLE contacts;
