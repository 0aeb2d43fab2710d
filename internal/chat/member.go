package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Member is a participant other than the customer — an agent, a
// supervisor, a custom bot — taking part in a chat through the Service
// rather than the participant API. The agent API relays between a Member
// and the agent's console: Send and SendEvent post what the agent types,
// Next returns what the others post.
//
// A Member is used by one goroutine for reading (Next) and any number for
// posting.
type Member struct {
	ss *session
	p  *participant
	in *inbox
}

// JoinRequest is a participant joining a chat.
type JoinRequest struct {
	// Role is AGENT, SUPERVISOR or CUSTOM_BOT.
	Role Role
	// DisplayName is shown to the customer (the agent's name); required.
	DisplayName string
	// ParticipantID is the member's ID; a new one when empty. A member
	// that is still in the chat with this ID and role (an agent whose
	// process restarted, or whose console reconnected) is rejoined: no
	// second participant.joined is posted.
	ParticipantID string
}

// memberInboxSize bounds what a member that does not read keeps: past it
// the oldest items are dropped (the transcript still has them).
const memberInboxSize = 1024

// Join adds a participant to an active chat and posts its
// participant.joined event, which the customer's chatjs shows (for an
// agent: "<name> has joined the chat").
func (s *Service) Join(ctx context.Context, contactID string, req JoinRequest) (*Member, error) {
	switch req.Role {
	case RoleAgent, RoleSupervisor, RoleCustomBot:
	default:
		return nil, fmt.Errorf("chat: cannot join with role %q", req.Role)
	}
	if req.DisplayName == "" {
		return nil, errors.New("chat: a member needs a DisplayName")
	}
	ss, err := s.session(ctx, contactID)
	if err != nil {
		return nil, err
	}
	id := req.ParticipantID
	if id == "" {
		id = uuid.NewString()
	}
	m := &Member{ss: ss}
	m.in = newInbox(memberInboxSize, func(it Item) bool { return it.ParticipantID != id })
	ss.addInbox(m.in)
	if req.ParticipantID != "" {
		if p, err := ss.participant(id); err == nil && p.rec.Role == req.Role {
			m.p = p
			return m, nil
		}
	}
	p, err := ss.join(ctx, ParticipantRecord{ParticipantID: id, ContactID: contactID, Role: req.Role, DisplayName: req.DisplayName, JoinedAt: s.cfg.Now()}, false)
	if err != nil {
		ss.removeInbox(m.in)
		return nil, err
	}
	m.p = p
	return m, nil
}

// ParticipantID is the member's participant ID.
func (m *Member) ParticipantID() string { return m.p.rec.ParticipantID }

// ContactID is the chat's contact ID.
func (m *Member) ContactID() string { return m.ss.contactID }

// Send posts a message. contentType is text/plain (when empty),
// text/markdown, application/json or an interactive message type.
func (m *Member) Send(ctx context.Context, contentType, content string) (Item, error) {
	if contentType == "" {
		contentType = ContentTextPlain
	}
	if err := m.ss.svc.checkMessage(contentType, content, true); err != nil {
		return Item{}, err
	}
	return m.ss.post(ctx, m.p, Item{Type: TypeMessage, ContentType: contentType, Content: content})
}

// Typing posts a typing indicator.
func (m *Member) Typing(ctx context.Context) error {
	_, err := m.ss.post(ctx, m.p, Item{Type: TypeEvent, ContentType: EventTyping})
	return err
}

// Read posts the member's read receipt for a message.
func (m *Member) Read(ctx context.Context, messageID string) error {
	_, _, err := m.ss.receipt(ctx, m.p, messageID, true)
	return err
}

// Delivered posts the member's delivered receipt for a message.
func (m *Member) Delivered(ctx context.Context, messageID string) error {
	_, _, err := m.ss.receipt(ctx, m.p, messageID, false)
	return err
}

// PostEvent posts another event as the member, e.g. transfer.succeeded.
func (m *Member) PostEvent(ctx context.Context, contentType, content string) (Item, error) {
	return m.ss.post(ctx, m.p, Item{Type: TypeEvent, ContentType: contentType, Content: content})
}

// Next returns the next item another participant posted — messages,
// events, typing, receipts — waiting until one comes, ctx ends, or the
// chat ends (ErrChatEnded, after the chat.ended item) or the service
// closes (ErrClosed).
func (m *Member) Next(ctx context.Context) (Item, error) { return m.in.next(ctx) }

// Done is closed when the chat ends or the service closes.
func (m *Member) Done() <-chan struct{} { return m.ss.done }

// Leave posts the member's participant.left event and empties and stops
// its inbox: Next returns ErrParticipantLeft from then on. The chat goes
// on: whoever owns the contact decides whether it ends (Service.EndChat).
func (m *Member) Leave(ctx context.Context) error {
	m.ss.removeInbox(m.in)
	m.in.clear()
	m.in.close(ErrParticipantLeft)
	err := m.ss.leave(ctx, m.p)
	if errors.Is(err, ErrChatEnded) {
		return nil
	}
	return err
}
