// Package contact holds contacts — one customer interaction on one channel
// (VOICE, CHAT, TASK) — their lifecycle, their events and their contact
// records (CTRs), modelled on Amazon Connect's. Chat transcripts are not
// kept here: the chat service (internal/chat) stores and serves them.
//
// # Lifecycle
//
// A Manager moves a contact through these states; any other move is refused
// with a *TransitionError (errors.Is ErrInvalidTransition):
//
//	INITIATED ──StartFlow──► IN_FLOW ──Enqueue──► QUEUED ──Offer──► OFFERED ──ConnectAgent──► CONNECTED
//	    │ Enqueue (API tasks)   │ StartFlow          │ Enqueue         │ ReturnToQueue            │ Disconnect
//	    │ ConnectAgent (agent   │ (flow → flow)      │ (other queue)   ▼ (missed/rejected)        ▼
//	    │  outbound call)       │                    │              QUEUED               AFTER_CONTACT_WORK
//	    │                       │                    │ ConnectAgent (auto-accept)                 │ CompleteAfterContactWork
//	    └───────────────────────┴─ Disconnect, End ──┴──────────────────────────────────────────► ENDED
//
// Disconnect is the customer's side ending: a contact with an agent goes to
// AFTER_CONTACT_WORK, any other ends. End ends a contact from any state,
// skipping after-contact work (API stop, expiry). Both are idempotent, as is
// CompleteAfterContactWork on an ended contact. Transfer (from IN_FLOW,
// QUEUED, CONNECTED) creates a new contact, InitiationMethod TRANSFER (or
// QUEUE_TRANSFER), linked both ways (PreviousContactID, NextContactID) and
// sharing InitialContactID; the old one goes to after-contact work if an
// agent had it and ends otherwise.
//
// # Events
//
// Every change emits events on bus.ContactEvents (type Event, with the
// contact as the change left it): INITIATED, FLOW_STARTED, QUEUED, OFFERED,
// RETURNED_TO_QUEUE, CONNECTED_TO_AGENT, TRANSFERRED, DISCONNECTED, COMPLETED
// and CONTACT_DATA_UPDATED. The names Connect uses keep Connect's meaning:
// DISCONNECTED when the customer's side ends, COMPLETED when the contact is
// over, after-contact work included (right after DISCONNECTED when there is
// none). Every contact emits INITIATED, DISCONNECTED and COMPLETED exactly
// once.
//
// # Contact records
//
// The record is written when the contact reaches ENDED — at the end of
// after-contact work, or at once for a contact that had no agent — so it has
// the after-contact work timestamps, as Connect's CTR does. It goes to the
// contact_records table (one row per contact: a second write is a no-op) and
// to bus.ContactRecords (type CONTACT_RECORD) in the transaction that ends
// the contact.
//
// # Transactional outbox
//
// The Manager never publishes. Each change is one database transaction that
// writes the contact, its events and its record to an outbox table; a Relay
// publishes the outbox in ID order with the event ID as the JetStream
// message ID and then marks the rows sent. An event is therefore published
// if and only if its change committed, even if the process dies in between,
// and once (JetStream drops a re-publish of the same ID). Event IDs are
// UUIDv7s made to increase per contact whichever process writes them
// (nextEventID), so a contact's events reach the bus in order.
//
// # Concurrency
//
// Each change reads the contact and writes it back only if its version is
// unchanged; on a conflict (PostgreSQL with several writers) it reads again
// and re-decides, so two concurrent End calls write one record and emit one
// COMPLETED.
package contact
