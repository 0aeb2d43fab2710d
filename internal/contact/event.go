package contact

import (
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus"
)

// EventType names a contact event. The types Amazon Connect publishes keep
// their Connect names; the others are Switchboard's.
type EventType string

// Contact events, published on bus.ContactEvents in the order they happened
// for each contact.
const (
	// EventInitiated: the contact was created (also a transfer's new contact).
	EventInitiated EventType = "INITIATED"
	// EventFlowStarted (Switchboard): a flow started running for the contact.
	EventFlowStarted EventType = "FLOW_STARTED"
	// EventDataUpdated: attributes, tags, name, description, recording or
	// analytics settings changed.
	EventDataUpdated EventType = "CONTACT_DATA_UPDATED"
	// EventQueued: the contact entered a queue (or moved to another one).
	EventQueued EventType = "QUEUED"
	// EventOffered (Switchboard): the contact was offered to an agent.
	EventOffered EventType = "OFFERED"
	// EventReturnedToQueue (Switchboard): the agent missed or rejected the
	// offer; the contact waits in its queue again.
	EventReturnedToQueue EventType = "RETURNED_TO_QUEUE"
	// EventConnectedToAgent: an agent accepted the contact.
	EventConnectedToAgent EventType = "CONNECTED_TO_AGENT"
	// EventTransferred (Switchboard): the contact was transferred; its
	// NextContactID names the new contact, which has its own INITIATED.
	EventTransferred EventType = "TRANSFERRED"
	// EventDisconnected: the customer's side of the contact ended.
	EventDisconnected EventType = "DISCONNECTED"
	// EventCompleted: the contact is over, after-contact work included; its
	// record is written in the same transaction.
	EventCompleted EventType = "COMPLETED"
)

// EventTypes lists every contact event type.
func EventTypes() []EventType {
	return []EventType{EventInitiated, EventFlowStarted, EventDataUpdated, EventQueued, EventOffered,
		EventReturnedToQueue, EventConnectedToAgent, EventTransferred, EventDisconnected, EventCompleted}
}

// RecordType is the event type of contact records on bus.ContactRecords.
const RecordType = "CONTACT_RECORD"

// Event is the payload (bus.Envelope.Data) of a contact event. The
// envelope's ID is the event's ID: it increases with each event of a
// contact, whichever process wrote it.
type Event struct {
	EventType  EventType `json:"eventType"`
	ContactID  string    `json:"contactId"`
	InstanceID string    `json:"instanceId"`
	// Version is the contact's version after the change.
	Version        int64     `json:"version"`
	EventTimestamp time.Time `json:"eventTimestamp"`
	// Contact is the contact as the change left it.
	Contact *Contact `json:"contact"`
}

// Record is a contact record (CTR): the contact as it ended, with the time
// the record was written. It is the payload of RecordType events.
type Record struct {
	Contact
	RecordedAt time.Time `json:"recordedAt"`
	// Transcript, for a chat, says where its transcript is kept: under the
	// contact that started the chat (contacts a transfer made continue it),
	// read with GET /api/v1/instances/{id}/contacts/{contactId}/transcript
	// or the participant API.
	Transcript *TranscriptRef `json:"transcript,omitempty"`
}

// TranscriptRef locates a chat's transcript.
type TranscriptRef struct {
	// ChatContactID is the contact the chat is kept under.
	ChatContactID string `json:"chatContactId"`
}

// Streams the package publishes on.
var (
	eventStream  = bus.ContactEvents
	recordStream = bus.ContactRecords
)
