package contact

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// ParticipantRole is who wrote a transcript item, as in Connect's chat API.
type ParticipantRole string

// Participant roles.
const (
	RoleCustomer ParticipantRole = "CUSTOMER"
	RoleAgent    ParticipantRole = "AGENT"
	RoleSystem   ParticipantRole = "SYSTEM"
	RoleBot      ParticipantRole = "CUSTOM_BOT"
)

// ItemType is the kind of transcript item.
type ItemType string

// Transcript item types.
const (
	ItemMessage    ItemType = "MESSAGE"    // text someone sent
	ItemEvent      ItemType = "EVENT"      // joined, left, typing, ...
	ItemAttachment ItemType = "ATTACHMENT" // a file (Content describes it)
)

// MaxMessageBytes bounds a transcript item's content, as Connect's SendMessage does.
const MaxMessageBytes = 16 << 10

// Message is one item of a contact's transcript.
type Message struct {
	ID              string          `json:"id"`
	ContactID       string          `json:"contactId"`
	Seq             int64           `json:"seq"` // 1, 2, 3... in the order items were appended
	Type            ItemType        `json:"type"`
	ParticipantRole ParticipantRole `json:"participantRole"`
	ParticipantID   string          `json:"participantId,omitempty"`
	DisplayName     string          `json:"displayName,omitempty"`
	ContentType     string          `json:"contentType"`
	Content         string          `json:"content"`
	Timestamp       time.Time       `json:"timestamp"`
}

// AppendMessage adds an item at the end of a contact's transcript and
// returns it with its sequence number and time. Type defaults to MESSAGE and
// ContentType to text/plain. msg.ID, when set, makes the append idempotent:
// appending an ID the contact already has returns the stored item. A contact
// that has ended takes no more items.
func (m *Manager) AppendMessage(ctx context.Context, instanceID, contactID string, msg Message) (*Message, error) {
	if msg.Type == "" {
		msg.Type = ItemMessage
	}
	if msg.ContentType == "" {
		msg.ContentType = "text/plain"
	}
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	if !slices.Contains(validItemTypes, msg.Type) {
		add("type", "must be MESSAGE, EVENT or ATTACHMENT")
	}
	if !slices.Contains(validRoles, msg.ParticipantRole) {
		add("participantRole", "must be CUSTOMER, AGENT, SYSTEM or CUSTOM_BOT")
	}
	if msg.Type == ItemMessage && msg.Content == "" {
		add("content", "is required for a MESSAGE")
	}
	if len(msg.Content) > MaxMessageBytes {
		add("content", "must be at most 16384 bytes")
	}
	if len(msg.ContentType) > 256 || len(msg.DisplayName) > 256 || len(msg.ParticipantID) > 256 || len(msg.ID) > 128 {
		add("message", "id, contentType, displayName and participantId must be at most 256 characters (id 128)")
	}
	if len(errs) > 0 {
		return nil, &core.ValidationError{Errors: errs}
	}
	var out store.MessageRow
	err := m.st.InContactTx(ctx, func(tx *store.ContactTx) error {
		if msg.ID != "" {
			prev, err := tx.GetMessage(ctx, instanceID, msg.ID)
			switch {
			case err == nil && prev.ContactID == contactID:
				out = prev
				return nil
			case err == nil:
				return &store.ConflictError{Field: "id", Msg: "is the ID of a message of another contact"}
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		seq, state, err := tx.NextMessageSeq(ctx, instanceID, contactID)
		if err != nil {
			return err
		}
		if !State(state).Active() {
			return &TransitionError{ContactID: contactID, Op: "append to the transcript", State: State(state)}
		}
		id := msg.ID
		if id == "" {
			id = store.NewID()
		}
		out = store.MessageRow{ContactID: contactID, Seq: seq, ID: id, InstanceID: instanceID, Type: string(msg.Type),
			ParticipantRole: string(msg.ParticipantRole), ParticipantID: msg.ParticipantID, DisplayName: msg.DisplayName,
			ContentType: msg.ContentType, Content: msg.Content, SentAt: m.clock()}
		return tx.InsertMessage(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	r := fromMessageRow(out)
	return &r, nil
}

// Transcript returns up to max items (100 when max is 0, at most 1000) of a
// contact's transcript after sequence number afterSeq (0 for the start), in
// order.
func (m *Manager) Transcript(ctx context.Context, instanceID, contactID string, afterSeq int64, max int) ([]Message, error) {
	rows, err := m.st.ListMessages(ctx, instanceID, contactID, afterSeq, max)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if _, err := m.st.GetContact(ctx, instanceID, contactID); err != nil {
			return nil, err
		}
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = fromMessageRow(r)
	}
	return out, nil
}

func fromMessageRow(r store.MessageRow) Message {
	return Message{ID: r.ID, ContactID: r.ContactID, Seq: r.Seq, Type: ItemType(r.Type),
		ParticipantRole: ParticipantRole(r.ParticipantRole), ParticipantID: r.ParticipantID, DisplayName: r.DisplayName,
		ContentType: r.ContentType, Content: r.Content, Timestamp: r.SentAt}
}
