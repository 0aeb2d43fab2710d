package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Service is the chat channel of one process: the participant API, the
// live chats this process holds, and the flow and agent hooks into them.
// It is safe for concurrent use.
type Service struct {
	cfg Config
	be  Backend
	ln  Listener
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session // active chats held here, by contact ID
	creds    credCache           // credentials read from the Backend

	closed   atomic.Bool    // set under mu; read anywhere
	wg       sync.WaitGroup // WebSocket writers; Add under mu (track)
	warnOnce sync.Once      // the derived WebSocket URL is one chatjs refuses
}

// New returns a Service over a Backend. ln may be nil.
func New(cfg Config, be Backend, ln Listener) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if be == nil {
		return nil, errors.New("chat: a Backend is required")
	}
	if ln == nil {
		ln = NopListener{}
	}
	cfg = cfg.withDefaults()
	return &Service{
		cfg:      cfg,
		be:       be,
		ln:       ln,
		log:      cfg.Logger.With("component", "chat"),
		sessions: map[string]*session{},
	}, nil
}

// Run removes expired credentials every minute until ctx ends, then closes
// the service. The participant API works without it.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Close()
			return nil
		case <-t.C:
			if n, err := s.be.DeleteExpiredCredentials(ctx, s.cfg.Now()); err != nil {
				s.log.Warn("removing expired chat credentials", "err", err)
			} else if n > 0 {
				s.log.Debug("removed expired chat credentials", "count", n)
			}
		}
	}
}

// Close stops the service: timers stop, WebSockets close with 1001 (going
// away, so chatjs reconnects, possibly to another process), flow and agent
// inboxes return ErrClosed. Chats are not ended: their state is in the
// Backend. Close is safe to call more than once and waits for the
// service's goroutines.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.closed.Store(true)
	sessions := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.sessions = map[string]*session{}
	s.mu.Unlock()
	for _, ss := range sessions {
		ss.shutdown()
	}
	s.wg.Wait()
}

// track counts a goroutine that Close waits for; false once closed.
func (s *Service) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return false
	}
	s.wg.Add(1)
	return true
}

// Active returns how many chats this process holds, for draining.
func (s *Service) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// StartChatRequest is a chat to start for a contact that the contact layer
// has created.
type StartChatRequest struct {
	InstanceID string
	// ContactID is the chat contact's ID; required.
	ContactID string
	// InitialContactID is the first contact of a transfer chain; the
	// ContactID when empty.
	InitialContactID string
	// DisplayName is the customer's name as agents see it; "Customer" when
	// empty. At most 256 characters.
	DisplayName string
}

// StartChatResult is what the customer needs to join a chat, as Connect's
// StartChatContact answers it: the API that starts chats returns it as is.
type StartChatResult struct {
	ContactID        string `json:"ContactId"`
	ParticipantID    string `json:"ParticipantId"`
	ParticipantToken string `json:"ParticipantToken"`
}

// StartChat creates the chat of a contact and its customer participant, and
// posts the customer's participant.joined event. The participant token it
// returns is valid for the life of the chat; only its hash is stored.
func (s *Service) StartChat(ctx context.Context, req StartChatRequest) (StartChatResult, error) {
	if s.closed.Load() {
		return StartChatResult{}, ErrClosed
	}
	if req.ContactID == "" {
		return StartChatResult{}, errors.New("chat: StartChat needs a ContactID")
	}
	name := strings.TrimSpace(req.DisplayName)
	if name == "" {
		name = "Customer"
	}
	if len([]rune(name)) > 256 {
		return StartChatResult{}, validation("DisplayName is longer than 256 characters.")
	}
	initial := req.InitialContactID
	if initial == "" {
		initial = req.ContactID
	}
	now := s.cfg.Now()
	rec := ChatRecord{ContactID: req.ContactID, InitialContactID: initial, InstanceID: req.InstanceID, StartedAt: now}
	if err := s.be.CreateChat(ctx, rec); err != nil {
		return StartChatResult{}, err
	}
	cust := ParticipantRecord{ParticipantID: uuid.NewString(), ContactID: req.ContactID, Role: RoleCustomer, DisplayName: name, JoinedAt: now}
	if err := s.be.PutParticipant(ctx, cust); err != nil {
		return StartChatResult{}, err
	}
	token, hash := newToken(KindParticipant)
	if err := s.be.PutCredential(ctx, Credential{Hash: hash, Kind: KindParticipant, ContactID: req.ContactID, ParticipantID: cust.ParticipantID}); err != nil {
		return StartChatResult{}, err
	}
	ss := s.newSession(rec, []ParticipantRecord{cust}, nil)
	if err := s.hold(ss); err != nil {
		ss.shutdown()
		return StartChatResult{}, err
	}
	if _, err := ss.post(ctx, ss.participants[cust.ParticipantID], Item{Type: TypeEvent, ContentType: EventParticipantJoined}); err != nil {
		return StartChatResult{}, err
	}
	ss.log.Info("chat started", "participant", cust.ParticipantID)
	return StartChatResult{ContactID: req.ContactID, ParticipantID: cust.ParticipantID, ParticipantToken: token}, nil
}

// EndChat ends a chat: it posts chat.ended, closes the customer's
// WebSockets once they have it, and tells the Listener. reason is one of the
// Reason constants. Ending a chat that has ended already is not an error.
func (s *Service) EndChat(ctx context.Context, contactID, reason string) error {
	ss, err := s.session(ctx, contactID)
	if errors.Is(err, ErrChatEnded) {
		return nil
	}
	if err != nil {
		return err
	}
	return ss.end(ctx, reason, nil, "")
}

// Transcript returns a chat's transcript in order, receipts folded into
// their messages: what an agent joining the chat is shown.
func (s *Service) Transcript(ctx context.Context, contactID string) ([]Item, error) {
	items, err := s.be.Items(ctx, contactID)
	if err != nil {
		return nil, err
	}
	return foldReceipts(items), nil
}

// hold registers a new session; it fails if the service is closed.
func (s *Service) hold(ss *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	s.sessions[ss.contactID] = ss
	return nil
}

// release forgets an ended session.
func (s *Service) release(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[ss.contactID] == ss {
		delete(s.sessions, ss.contactID)
	}
}

// session returns the live session of an active chat, loading it from the
// Backend when this process does not hold it yet (after a restart, or when
// the chat started in another process). ErrChatEnded if the chat has
// ended.
func (s *Service) session(ctx context.Context, contactID string) (*session, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.mu.Lock()
	ss := s.sessions[contactID]
	s.mu.Unlock()
	if ss != nil {
		return ss, nil
	}
	rec, err := s.be.Chat(ctx, contactID)
	if err != nil {
		return nil, err
	}
	if rec.Ended() {
		return nil, ErrChatEnded
	}
	parts, err := s.be.Participants(ctx, contactID)
	if err != nil {
		return nil, fmt.Errorf("chat %s: loading participants: %w", contactID, err)
	}
	items, err := s.be.Items(ctx, contactID)
	if err != nil {
		return nil, fmt.Errorf("chat %s: loading items: %w", contactID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if ss := s.sessions[contactID]; ss != nil {
		return ss, nil
	}
	ss = s.newSession(rec, parts, items)
	s.sessions[contactID] = ss
	ss.log.Info("chat loaded from the backend")
	return ss, nil
}
