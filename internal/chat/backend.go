package chat

import (
	"context"
	"time"
)

// Backend keeps the chat state that must outlive a process or be seen by
// every process: chats, participants, hashed tokens and transcript items.
// Lookups that find nothing return an error wrapping ErrNotFound.
//
// A chat is written by the one process that holds its session, so a Backend
// needs no cross-row transactions; items of one chat are appended in order
// by one goroutine at a time. MemoryBackend implements it; the store layer
// implements it over SQL.
type Backend interface {
	// CreateChat stores a new chat; ErrChatExists if the contact has one.
	CreateChat(ctx context.Context, c ChatRecord) error
	// Chat returns a chat by contact ID.
	Chat(ctx context.Context, contactID string) (ChatRecord, error)
	// EndChat marks a chat ended with a reason (one of the Reason
	// constants), once: a second call leaves the first reason.
	EndChat(ctx context.Context, contactID, reason string, at time.Time) error

	// PutParticipant stores or replaces a participant (by ParticipantID).
	PutParticipant(ctx context.Context, p ParticipantRecord) error
	// Participant returns a participant by ID.
	Participant(ctx context.Context, participantID string) (ParticipantRecord, error)
	// Participants returns a chat's participants in the order they joined.
	Participants(ctx context.Context, contactID string) ([]ParticipantRecord, error)

	// PutCredential stores a token's hash and what it grants.
	PutCredential(ctx context.Context, c Credential) error
	// Credential returns the credential stored under a token hash.
	Credential(ctx context.Context, h TokenHash) (Credential, error)
	// DeleteExpiredCredentials removes credentials that expired before
	// the given time (never those without an expiry).
	DeleteExpiredCredentials(ctx context.Context, before time.Time) (int, error)

	// AppendItem adds an item to a chat's transcript.
	AppendItem(ctx context.Context, it Item) error
	// Items returns a chat's transcript items in the order they were
	// appended.
	Items(ctx context.Context, contactID string) ([]Item, error)
}

// ChatRecord is a chat as the Backend keeps it.
type ChatRecord struct {
	ContactID        string
	InitialContactID string
	InstanceID       string
	StartedAt        time.Time
	// EndedAt is zero while the chat is active.
	EndedAt   time.Time
	EndReason string
}

// Ended reports whether the chat has ended.
func (c ChatRecord) Ended() bool { return !c.EndedAt.IsZero() }

// ParticipantRecord is a participant as the Backend keeps it.
type ParticipantRecord struct {
	ParticipantID string
	ContactID     string
	Role          Role
	DisplayName   string
	JoinedAt      time.Time
	// LeftAt is zero while the participant is in the chat.
	LeftAt time.Time
}

// Left reports whether the participant has left.
func (p ParticipantRecord) Left() bool { return !p.LeftAt.IsZero() }

// Credential is a token's hash and what it grants: a participant of one
// contact. Tokens are never stored, only their hashes.
type Credential struct {
	Hash          TokenHash
	Kind          TokenKind
	ContactID     string
	ParticipantID string
	// ExpiresAt is zero for participant tokens, which are valid for the
	// life of the chat.
	ExpiresAt time.Time
}

// expired reports whether the credential has expired at now.
func (c Credential) expired(now time.Time) bool {
	return !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)
}

// Listener hears what happens in chats: the contact layer ends contacts
// and writes records from it, the agent layer and webhooks follow items.
// Methods are called synchronously, outside any chat lock, from the
// goroutine that caused the event: they must return quickly.
type Listener interface {
	// ItemPosted is called for every item posted to a chat, typing
	// indicators included, after it is stored and delivered.
	ItemPosted(ctx context.Context, it Item)
	// ParticipantConnected is called the first time a participant can
	// receive items live: the customer's WebSocket subscribed to aws/chat,
	// or the customer acknowledged the connection (ConnectParticipant, or
	// a connection.acknowledged event).
	ParticipantConnected(ctx context.Context, contactID, participantID string)
	// ChatEnded is called once when a chat ends, with one of the Reason
	// constants.
	ChatEnded(ctx context.Context, contactID, reason string)
}

// NopListener ignores everything.
type NopListener struct{}

func (NopListener) ItemPosted(context.Context, Item)                     {}
func (NopListener) ParticipantConnected(context.Context, string, string) {}
func (NopListener) ChatEnded(context.Context, string, string)            {}

// Why a chat ended, as a contact record's DisconnectReason.
const (
	ReasonCustomerDisconnect = "CUSTOMER_DISCONNECT"
	ReasonAgentDisconnect    = "AGENT_DISCONNECT"
	ReasonFlowDisconnect     = "CONTACT_FLOW_DISCONNECT"
	// ReasonIdle: the customer sent nothing for Config.InactivityTimeout.
	ReasonIdle = "IDLE_DISCONNECT"
	// ReasonExpired: the chat reached Config.MaxDuration.
	ReasonExpired = "EXPIRED"
	ReasonAPI     = "API"
	ReasonOther   = "OTHER"
)
