package chat

import (
	"strings"
	"time"
)

// ItemType is what a transcript item is (Item.Type).
type ItemType string

// The item types chatjs understands.
const (
	TypeMessage ItemType = "MESSAGE"
	TypeEvent   ItemType = "EVENT"
	// TypeMessageMetadata carries a delivered or read receipt for a message.
	TypeMessageMetadata ItemType = "MESSAGEMETADATA"
	TypeAttachment      ItemType = "ATTACHMENT"
)

// Role is a participant's role (Item.ParticipantRole).
type Role string

// The participant roles of the Participant Service.
const (
	RoleCustomer   Role = "CUSTOMER"
	RoleAgent      Role = "AGENT"
	RoleSystem     Role = "SYSTEM"
	RoleSupervisor Role = "SUPERVISOR"
	RoleCustomBot  Role = "CUSTOM_BOT"
)

// Content types of messages.
const (
	ContentTextPlain           = "text/plain"
	ContentTextMarkdown        = "text/markdown"
	ContentJSON                = "application/json"
	ContentInteractive         = "application/vnd.amazonaws.connect.message.interactive"
	ContentInteractiveResponse = "application/vnd.amazonaws.connect.message.interactive.response"
)

// Content types of events.
const (
	EventTyping                 = "application/vnd.amazonaws.connect.event.typing"
	EventConnectionAcknowledged = "application/vnd.amazonaws.connect.event.connection.acknowledged"
	EventMessageDelivered       = "application/vnd.amazonaws.connect.event.message.delivered"
	EventMessageRead            = "application/vnd.amazonaws.connect.event.message.read"
	EventParticipantJoined      = "application/vnd.amazonaws.connect.event.participant.joined"
	EventParticipantLeft        = "application/vnd.amazonaws.connect.event.participant.left"
	EventParticipantIdle        = "application/vnd.amazonaws.connect.event.participant.idle"
	EventParticipantReturned    = "application/vnd.amazonaws.connect.event.participant.returned"
	EventAutoDisconnection      = "application/vnd.amazonaws.connect.event.participant.autodisconnection"
	EventTransferSucceeded      = "application/vnd.amazonaws.connect.event.transfer.succeeded"
	EventTransferFailed         = "application/vnd.amazonaws.connect.event.transfer.failed"
	EventChatEnded              = "application/vnd.amazonaws.connect.event.chat.ended"
)

// Display names Connect gives to flow and bot messages.
const (
	DisplayNameSystem = "SYSTEM_MESSAGE"
	DisplayNameBot    = "BOT"
)

// TimeFormat is how AbsoluteTime is written: ISO 8601 in UTC with
// milliseconds, as the Participant Service writes it.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime writes t as an AbsoluteTime.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Item is one entry of a chat: a message, an event or a receipt. Its JSON
// is the Participant Service's transcript item, which is also what the
// WebSocket delivers (as a string) on the aws/chat topic.
type Item struct {
	AbsoluteTime     string           `json:"AbsoluteTime"`
	Content          string           `json:"Content,omitempty"`
	ContentType      string           `json:"ContentType,omitempty"`
	ID               string           `json:"Id"`
	Type             ItemType         `json:"Type"`
	ParticipantID    string           `json:"ParticipantId,omitempty"`
	DisplayName      string           `json:"DisplayName,omitempty"`
	ParticipantRole  Role             `json:"ParticipantRole,omitempty"`
	MessageMetadata  *MessageMetadata `json:"MessageMetadata,omitempty"`
	ContactID        string           `json:"ContactId,omitempty"`
	InitialContactID string           `json:"InitialContactId,omitempty"`
}

// MessageMetadata is the receipts of a message.
type MessageMetadata struct {
	MessageID string    `json:"MessageId"`
	Receipts  []Receipt `json:"Receipts,omitempty"`
}

// Receipt says when a participant received or read a message.
type Receipt struct {
	DeliveredTimestamp     string `json:"DeliveredTimestamp,omitempty"`
	ReadTimestamp          string `json:"ReadTimestamp,omitempty"`
	RecipientParticipantID string `json:"RecipientParticipantId"`
}

// IsMessage reports whether the item is a message (not an event or a
// receipt).
func (it Item) IsMessage() bool { return it.Type == TypeMessage }

// Is reports whether the item is an event of the given content type.
func (it Item) Is(contentType string) bool {
	return it.Type == TypeEvent && it.ContentType == contentType
}

// inTranscript reports whether the item is kept in the transcript. Typing
// indicators and connection acknowledgements are transient, as in Connect;
// receipts are kept and folded into their messages when read.
func (it Item) inTranscript() bool {
	if it.Type != TypeEvent {
		return true
	}
	switch it.ContentType {
	case EventTyping, EventConnectionAcknowledged:
		return false
	}
	return true
}

// Text is the message content as plain text for the flow engine: the
// content of text messages, the JSON of others.
func (it Item) Text() string { return strings.TrimSpace(it.Content) }
