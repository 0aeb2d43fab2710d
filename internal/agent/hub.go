package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/google/uuid"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// Router is the subset of *routing.Router the hub uses.
type Router interface {
	SetStatus(ctx context.Context, agentID, status string) error
	Accept(ctx context.Context, agentID, contactID string) error
	Reject(ctx context.Context, agentID, contactID string) error
	EndContact(ctx context.Context, contactID string) error
	CompleteACW(ctx context.Context, agentID, contactID string) error
	Transfer(ctx context.Context, contactID string, to routing.Target) error
	Agent(ctx context.Context, id string) (routing.AgentSnapshot, error)
}

// Contacts is the subset of *contact.Manager the hub uses: offer
// attributes, and the agent's own hang-up and end of after-contact work.
type Contacts interface {
	Get(ctx context.Context, instanceID, id string) (*contact.Contact, error)
	Disconnect(ctx context.Context, instanceID, id string, reason contact.DisconnectReason) (*contact.Contact, error)
	CompleteAfterContactWork(ctx context.Context, instanceID, id string) (*contact.Contact, error)
	UpdateData(ctx context.Context, instanceID, id string, u contact.DataUpdate) (*contact.Contact, error)
}

// MaxNotes bounds completeAcw's notes (runes).
const MaxNotes = 4096

// Chats lets agents take part in chat contacts. ChatService adapts a
// *chat.Service.
type Chats interface {
	Join(ctx context.Context, contactID string, req chat.JoinRequest) (ChatMember, error)
	EndChat(ctx context.Context, contactID, reason string) error
	// Transcript returns the chat's items in order (receipts folded into
	// their messages), for a console that takes over a chat it has not
	// followed: after a reload, or in another browser.
	Transcript(ctx context.Context, contactID string) ([]chat.Item, error)
}

// ChatMember is the subset of *chat.Member the hub uses.
type ChatMember interface {
	Send(ctx context.Context, contentType, content string) (chat.Item, error)
	Typing(ctx context.Context) error
	Read(ctx context.Context, messageID string) error
	Delivered(ctx context.Context, messageID string) error
	Next(ctx context.Context) (chat.Item, error)
	Leave(ctx context.Context) error
}

// Transferer carries out an agent's transfer of a connected contact as
// Amazon Connect models it: the contact ends for the agent (after-contact
// work) and a new, related contact goes to the target. It returns the new
// contact's ID. Without one, the hub moves the contact in the router (to a
// queue or an agent only) and it keeps its ID.
type Transferer interface {
	Transfer(ctx context.Context, agentID, contactID string, to TransferTarget) (nextContactID string, err error)
}

// Voice is the agents' audio and call controls, implemented by the wiring
// (internal/app): the WebRTC softphone's signalling, and the controls of a
// call connected to the agent. The hub has checked that the agent holds
// the contact, connected, on the voice channel; errors wrap ErrNoVoice,
// ErrRTC or the router's and contact manager's errors.
type Voice interface {
	RTCOffer(ctx context.Context, agentID, sdp string) (answer string, err error)
	RTCCandidate(ctx context.Context, agentID string, c ICECandidate) error
	Hold(ctx context.Context, agentID, contactID string, on bool) error
	Mute(ctx context.Context, agentID, contactID string, on bool) error
	SendDigits(ctx context.Context, agentID, contactID, digits string) error
	// Dial places an outbound call from the agent to phoneNumber through
	// the instance's trunk, with the caller ID of queueID (or of the
	// agent's routing profile's default outbound queue), and returns the
	// new contact's ID.
	Dial(ctx context.Context, agentID, phoneNumber, queueID string) (contactID string, err error)
	// Consult puts the caller of contactID on hold and calls a third
	// party for the agent; it returns the consultation's new contact.
	Consult(ctx context.Context, agentID, contactID string, to TransferTarget) (nextContactID string, err error)
	// Conference joins the caller, the agent and the consulted party.
	Conference(ctx context.Context, agentID, contactID string) error
	// CancelConsult drops the consulted party; the caller stays on hold.
	CancelConsult(ctx context.Context, agentID, contactID string) error
}

// Errors a Voice returns for the no_voice and rtc_failed codes (wrapped,
// with a message safe to show).
var (
	ErrNoVoice = errors.New("voice unavailable")
	ErrRTC     = errors.New("webrtc")
)

// TransferTarget is where an agent transfers a contact: exactly one of a
// queue, an agent (its personal queue), a quick connect (a queue or an
// agent, and the transfer flow it names), or a flow.
type TransferTarget struct {
	QueueID, AgentID, QuickConnectID, FlowID string
	// PhoneNumber is an external number (E.164), for calls.
	PhoneNumber string
}

func (t TransferTarget) count() int {
	n := 0
	for _, s := range []string{t.QueueID, t.AgentID, t.QuickConnectID, t.FlowID, t.PhoneNumber} {
		if s != "" {
			n++
		}
	}
	return n
}

// ChatService adapts a *chat.Service to Chats.
func ChatService(s *chat.Service) Chats { return chatService{s} }

type chatService struct{ s *chat.Service }

func (c chatService) Join(ctx context.Context, contactID string, req chat.JoinRequest) (ChatMember, error) {
	m, err := c.s.Join(ctx, contactID, req)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (c chatService) EndChat(ctx context.Context, contactID, reason string) error {
	return c.s.EndChat(ctx, contactID, reason)
}

func (c chatService) Transcript(ctx context.Context, contactID string) ([]chat.Item, error) {
	return c.s.Transcript(ctx, contactID)
}

// Directory is what an agent's console lists: the statuses it can choose
// and the quick connects it can transfer or consult to, as Amazon Connect
// Streams gives the CCP (agent.getAgentStates(), agent.getEndpoints()).
// The wiring (internal/app) reads them from the store, so a status or a
// quick connect created a moment ago is listed at once.
type Directory interface {
	// Statuses are the statuses an agent can choose now, in the order the
	// console lists them: Available, Offline and the enabled custom ones.
	Statuses(ctx context.Context) ([]StatusInfo, error)
	// QuickConnects are the quick connects the agent (a user ID) is
	// offered, ordered by name: those associated with the queues of its
	// routing profile, as Streams' agent.getEndpoints(agent.getAllQueueARNs()).
	// The Transferer refuses a transfer or consultation to any other.
	QuickConnects(ctx context.Context, agentID string) ([]QuickConnectInfo, error)
}

// StatusInfo is a status an agent can choose (welcome's statuses): Name is
// what setState sends; Type is ROUTABLE (Available), CUSTOM or OFFLINE.
type StatusInfo struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// QuickConnectInfo is a transfer or consultation target an agent picks
// from a list (listQuickConnects): a queue, a user (the agent's personal
// queue) or an external phone number, as core.QuickConnect.
type QuickConnectInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is QUEUE, USER or PHONE_NUMBER; the field of that type is set.
	Type        string `json:"type"`
	QueueID     string `json:"queueId,omitempty"`
	UserID      string `json:"userId,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// systemStatuses are the statuses every instance has, by the names the
// router knows them.
var systemStatuses = []StatusInfo{
	{Name: routing.StatusAvailable, Type: core.AgentStatusRoutable},
	{Name: routing.StatusOffline, Type: core.AgentStatusOffline},
}

// statuses lists the statuses an agent can choose, for welcome: the
// directory's, with Available first and Offline last if it lacks them
// (the router always knows those two); only those two without a directory
// or when it fails, since a console must still be able to go Available.
func (h *Hub) statuses(ctx context.Context) []StatusInfo {
	var list []StatusInfo
	if h.cfg.Directory != nil {
		var err error
		if list, err = h.cfg.Directory.Statuses(ctx); err != nil {
			h.log.Warn("list agent statuses for welcome", "err", err)
			list = nil
		}
	}
	has := func(name string) bool {
		return slices.ContainsFunc(list, func(s StatusInfo) bool { return s.Name == name })
	}
	out := make([]StatusInfo, 0, len(list)+2)
	if !has(routing.StatusAvailable) {
		out = append(out, systemStatuses[0])
	}
	out = append(out, list...)
	if !has(routing.StatusOffline) {
		out = append(out, systemStatuses[1])
	}
	return out
}

// Defaults for Config.
const (
	DefaultGracePeriod     = 30 * time.Second
	DefaultIdleTimeout     = 60 * time.Second
	DefaultHelloTimeout    = 10 * time.Second
	DefaultMaxMessageBytes = 64 << 10
	DefaultReplayBuffer    = 256
)

// Config configures a Hub.
type Config struct {
	// InstanceID is the instance whose agents the hub serves; sessions of
	// other instances are refused.
	InstanceID string
	Router     Router
	Contacts   Contacts
	Chats      Chats
	// Directory, if set, lists the statuses (welcome) and quick connects
	// (listQuickConnects) agents choose from; without it agents get
	// Available and Offline and no quick connects.
	Directory Directory
	// Transfers, if set, carries out transfers (see Transferer).
	Transfers Transferer
	// Voice, if set, serves the softphone and the call controls; without
	// it they are refused with no_voice.
	Voice Voice
	// Sync, if set, brings the router's configuration up to date with the
	// store. hello calls it once when the router does not know the agent
	// yet: a user created a moment ago (the router learns of it
	// asynchronously) can log in at once.
	Sync func(ctx context.Context) error
	Auth *Authenticator
	// Clock times the grace period; nil means the system clock. Use the
	// router's ManualClock in tests.
	Clock routing.Clock
	// GracePeriod is how long an agent whose connection dropped keeps its
	// status and offers before it is set Offline.
	GracePeriod time.Duration
	// IdleTimeout closes a connection that sent nothing (heartbeats
	// included) for this long, in real time.
	IdleTimeout time.Duration
	// HelloTimeout closes a connection that does not say hello in time.
	HelloTimeout time.Duration
	// MaxMessageBytes is the largest client frame accepted; larger frames
	// are answered with too_large (up to 16× that; beyond, the connection
	// is closed).
	MaxMessageBytes int
	// ReplayBuffer is how many events per agent are kept for resume.
	ReplayBuffer int
	Logger       *slog.Logger
}

// Hub serves the agent WebSocket API of one instance: it relays agents'
// actions to the router, the contact manager and chats, and turns router
// events (it is the router's Sink, or part of it) into messages for the
// agent concerned. See docs/agent-api.md.
type Hub struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	agents map[string]*agentState
}

// agentState is what the hub keeps per agent, across connections.
type agentState struct {
	id string

	mu       sync.Mutex
	name     string // display name in chats
	username string
	seq      uint64
	buf      []Message // the last events, for resume (oldest first)
	conn     *conn     // the current connection, nil when none
	graceGen uint64    // invalidates a pending grace timer
	members  map[string]*member
	joinMu   sync.Mutex // serialises joining chats (see member)
}

// member is the agent's presence in one chat.
type member struct {
	m      ChatMember
	cancel context.CancelFunc
}

// New returns a Hub.
func New(cfg Config) *Hub {
	if cfg.Clock == nil {
		cfg.Clock = sysClock{}
	}
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = DefaultGracePeriod
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.HelloTimeout <= 0 {
		cfg.HelloTimeout = DefaultHelloTimeout
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.ReplayBuffer <= 0 {
		cfg.ReplayBuffer = DefaultReplayBuffer
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		cfg: cfg, log: cfg.Logger.With("component", "agent", "instance", cfg.InstanceID),
		ctx: ctx, cancel: cancel, agents: map[string]*agentState{},
	}
}

// Close closes every connection, leaves every chat and stops the grace
// timers. Agents keep their router state.
func (h *Hub) Close() {
	h.cancel()
	h.mu.Lock()
	as := make([]*agentState, 0, len(h.agents))
	for _, a := range h.agents {
		as = append(as, a)
	}
	h.mu.Unlock()
	for _, a := range as {
		a.mu.Lock()
		if a.conn != nil {
			a.conn.close()
			a.conn = nil
		}
		a.graceGen++
		a.mu.Unlock()
	}
	h.wg.Wait()
}

// Online reports whether the agent has a live connection.
func (h *Hub) Online(agentID string) bool {
	a := h.agent(agentID, false)
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conn != nil
}

func (h *Hub) agent(id string, create bool) *agentState {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := h.agents[id]
	if a == nil && create {
		a = &agentState{id: id, name: id, members: map[string]*member{}}
		h.agents[id] = a
	}
	return a
}

// Emit implements routing.Sink: events about an agent become messages in
// its stream.
func (h *Hub) Emit(e routing.Event) {
	if e.AgentID == "" {
		return
	}
	if h.cfg.InstanceID != "" && e.InstanceID != "" && e.InstanceID != h.cfg.InstanceID {
		return
	}
	a := h.agent(e.AgentID, true)
	base := Message{
		Time: e.Time, ContactID: e.ContactID, Channel: e.Channel, QueueID: e.QueueID,
		PersonalQueue: e.PersonalQueue, Reason: e.Reason,
	}
	var msgs []Message
	switch e.Type {
	case routing.EventAgentState:
		msgs = append(msgs, Message{Type: TypeState, Time: e.Time, Status: e.Status, System: e.System, Reason: e.Reason})
	case routing.EventOffered:
		m := base
		m.Type, m.AutoAccepted, m.ExpiresAt = TypeOffer, e.AutoAccepted, e.Deadline
		m.Attributes = h.attributes(e.ContactID)
		msgs = append(msgs, m)
	case routing.EventConnected:
		m := base
		m.Type, m.AutoAccepted = TypeContactConnected, e.AutoAccepted
		msgs = append(msgs, m)
		if e.Channel == string(contact.Chat) && h.cfg.Chats != nil {
			h.wg.Go(func() { h.joinChat(a, e.ContactID) })
		}
	case routing.EventRejected:
		m := base
		m.Type, m.Reason = TypeOfferWithdrawn, routing.ReasonRejected
		msgs = append(msgs, m)
	case routing.EventOfferRescinded:
		m := base
		m.Type = TypeOfferWithdrawn
		msgs = append(msgs, m)
	case routing.EventMissed:
		m := base
		m.Type = TypeMissed
		msgs = append(msgs, m)
	case routing.EventContactError:
		m := base
		m.Type = TypeContactError
		msgs = append(msgs, m)
	case routing.EventACWStarted:
		ended := base
		ended.Type = TypeContactEnded
		acw := base
		acw.Type, acw.ExpiresAt, acw.Reason = TypeACWStarted, e.Deadline, ""
		msgs = append(msgs, ended, acw)
		h.leaveChat(a, e.ContactID)
	case routing.EventACWEnded:
		m := base
		m.Type = TypeACWEnded
		msgs = append(msgs, m)
		h.leaveChat(a, e.ContactID)
	default:
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range msgs {
		h.pushLocked(a, m)
	}
}

// pushLocked numbers an event, keeps it for resume and sends it to the
// agent's connection if any.
func (h *Hub) pushLocked(a *agentState, m Message) {
	a.seq++
	m.V, m.Seq = Version, a.seq
	if len(a.buf) >= h.cfg.ReplayBuffer {
		n := copy(a.buf, a.buf[1:])
		a.buf = a.buf[:n]
	}
	a.buf = append(a.buf, m)
	if a.conn != nil {
		a.conn.send(m)
	}
}

// Hold tells an agent that the customer of contactID went on or off hold.
func (h *Hub) Hold(agentID, contactID string, onHold bool) {
	if agentID == "" {
		return
	}
	a := h.agent(agentID, true)
	h.push(a, Message{Type: TypeContactHold, Time: h.cfg.Clock.Now(), ContactID: contactID, Channel: string(contact.Voice), OnHold: &onHold})
}

// ConsultFailed tells an agent that the consultation nextContactID of
// contactID could not reach its party.
func (h *Hub) ConsultFailed(agentID, contactID, nextContactID, why string) {
	if agentID == "" {
		return
	}
	h.push(h.agent(agentID, true), Message{Type: TypeConsultFailed, Time: h.cfg.Clock.Now(), ContactID: contactID,
		Channel: string(contact.Voice), NextContactID: nextContactID, Reason: why})
}

// push adds an event to an agent's stream.
func (h *Hub) push(a *agentState, m Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h.pushLocked(a, m)
}

func (h *Hub) attributes(contactID string) map[string]string {
	if h.cfg.Contacts == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Second)
	defer cancel()
	c, err := h.cfg.Contacts.Get(ctx, h.cfg.InstanceID, contactID)
	if err != nil {
		h.log.Debug("offer attributes", "contact", contactID, "err", err)
		return nil
	}
	return c.Attributes
}

// joinChat makes the agent a member of a chat and relays what the others
// post. Called when a chat contact connects; sendMessage joins too if this
// has not happened yet.
func (h *Hub) joinChat(a *agentState, contactID string) {
	if _, err := h.member(a, contactID); err != nil {
		level := slog.LevelWarn
		if errors.Is(err, chat.ErrChatEnded) { // the customer left meanwhile
			level = slog.LevelDebug
		}
		h.log.Log(h.ctx, level, "agent joins chat", "agent", a.id, "contact", contactID, "err", err)
	}
}

// member returns the agent's membership of a chat, joining it if needed.
func (h *Hub) member(a *agentState, contactID string) (ChatMember, error) {
	// One join at a time per agent: the agent's participant ID is the same
	// for every join of a chat, so a second concurrent join would attach to
	// the first's participant, and leaving to undo it would remove both.
	a.joinMu.Lock()
	defer a.joinMu.Unlock()
	a.mu.Lock()
	if m := a.members[contactID]; m != nil {
		a.mu.Unlock()
		return m.m, nil
	}
	name := a.name
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	cm, err := h.cfg.Chats.Join(ctx, h.chatID(ctx, contactID), chat.JoinRequest{Role: chat.RoleAgent, DisplayName: name,
		ParticipantID: agentParticipantID(contactID, a.id)})
	cancel()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	rctx, rcancel := context.WithCancel(h.ctx)
	a.members[contactID] = &member{m: cm, cancel: rcancel}
	a.mu.Unlock()
	h.wg.Go(func() { h.relay(rctx, a, contactID, cm) })
	return cm, nil
}

// chatID is the chat a chat contact takes part in: the chat is the
// contact's first one's (its InitialContactId), which the contacts a
// transfer creates continue.
func (h *Hub) chatID(ctx context.Context, contactID string) string {
	if h.cfg.Contacts == nil {
		return contactID
	}
	c, err := h.cfg.Contacts.Get(ctx, h.cfg.InstanceID, contactID)
	if err != nil || c.InitialContactID == "" {
		return contactID
	}
	return c.InitialContactID
}

// agentParticipantID is the agent's participant ID in a chat: the same
// whenever the agent (re)joins it, so that an agent whose console or
// whose server restarted rejoins as the participant it was.
func agentParticipantID(contactID, agentID string) string {
	return uuid.NewSHA1(agentParticipantSpace, []byte(contactID+"\x00"+agentID)).String()
}

var agentParticipantSpace = uuid.MustParse("5b0e6a4e-6f2c-4b7e-9a55-7d1c2f0c3a10")

// relay turns what other participants post into message, typing and
// receipt events, until the chat ends or the agent leaves it.
func (h *Hub) relay(ctx context.Context, a *agentState, contactID string, cm ChatMember) {
	for {
		it, err := cm.Next(ctx)
		if err != nil {
			return
		}
		switch {
		case it.Type == chat.TypeMessage:
			cm := chatMessage(it)
			h.push(a, Message{Type: TypeMessage, ContactID: contactID, ChatMessage: &cm})
		case it.Type == chat.TypeEvent && it.ContentType == chat.EventTyping:
			h.push(a, Message{Type: TypeTyping, ContactID: contactID, Participant: string(it.ParticipantRole)})
		case it.Type == chat.TypeMessageMetadata && it.MessageMetadata != nil:
			for _, r := range it.MessageMetadata.Receipts {
				h.push(a, Message{Type: TypeReceipt, ContactID: contactID, MessageID: it.MessageMetadata.MessageID,
					Participant: string(it.ParticipantRole), DeliveredAt: r.DeliveredTimestamp, ReadAt: r.ReadTimestamp})
			}
		}
	}
}

// chatMessage is a chat message item as the agent API shows it.
func chatMessage(it chat.Item) ChatMessage {
	return ChatMessage{
		ID: it.ID, ParticipantRole: string(it.ParticipantRole), DisplayName: it.DisplayName,
		ContentType: it.ContentType, Content: it.Content, Time: it.AbsoluteTime,
	}
}

// transcript returns the messages of a chat contact the agent is connected
// to or wrapping up, oldest first, its own (marked Own: it posts as the
// same participant whenever it joins) and earlier agents' included: what a
// console that reloaded shows. Events and receipts are left out
// (receipts that arrive later still come as receipt events).
func (h *Hub) transcript(ctx context.Context, a *agentState, contactID string) (Message, error) {
	s, err := h.slot(ctx, a, contactID)
	if err != nil {
		return Message{}, err
	}
	if s.State != routing.SlotConnected && s.State != routing.SlotAfterContactWork {
		return Message{}, fail(CodeNotConnected, fmt.Sprintf("contact %s is %s, not connected", contactID, s.State))
	}
	if s.Channel != string(contact.Chat) || h.cfg.Chats == nil {
		return Message{}, fail(CodeNotChat, "contact "+contactID+" is not a chat")
	}
	items, err := h.cfg.Chats.Transcript(ctx, h.chatID(ctx, contactID))
	if err != nil {
		h.log.Warn("agent reads chat transcript", "agent", a.id, "contact", contactID, "err", err)
		return Message{}, &codeError{code: CodeChatFailed, msg: "the transcript could not be read: " + err.Error()}
	}
	self := agentParticipantID(contactID, a.id)
	msgs := make([]ChatMessage, 0, len(items))
	for _, it := range items {
		if it.Type == chat.TypeMessage {
			m := chatMessage(it)
			m.Own = it.ParticipantID == self
			msgs = append(msgs, m)
		}
	}
	return Message{Messages: msgs}, nil
}

// quickConnects lists the quick connects the agent is offered
// (listQuickConnects).
func (h *Hub) quickConnects(ctx context.Context, agentID string) (Message, error) {
	list := []QuickConnectInfo{}
	if h.cfg.Directory != nil {
		l, err := h.cfg.Directory.QuickConnects(ctx, agentID)
		if err != nil {
			h.log.Warn("list quick connects", "agent", agentID, "err", err)
			return Message{}, fmt.Errorf("list quick connects: %w", err)
		}
		if l != nil {
			list = l
		}
	}
	return Message{QuickConnects: list}, nil
}

// receipt posts the agent's read (or delivered) receipt for a message of
// a connected chat contact.
func (h *Hub) receipt(ctx context.Context, a *agentState, req request) (Message, error) {
	if req.MessageID == "" {
		return Message{}, fail(CodeInvalid, "messageId is required")
	}
	m, err := h.chatMember(ctx, a, req.ContactID)
	if err != nil {
		return Message{}, err
	}
	if req.Type == TypeRead {
		err = m.Read(ctx, req.MessageID)
	} else {
		err = m.Delivered(ctx, req.MessageID)
	}
	switch {
	case err == nil:
		return Message{}, nil
	case errors.Is(err, chat.ErrNotFound):
		return Message{}, fail(CodeInvalid, "message "+req.MessageID+" is not in this chat")
	}
	return Message{}, &codeError{code: CodeChatFailed, msg: err.Error()}
}

// leaveChat ends the agent's membership of a chat (after-contact work
// started: the contact ended or was transferred away).
func (h *Hub) leaveChat(a *agentState, contactID string) {
	a.mu.Lock()
	m := a.members[contactID]
	delete(a.members, contactID)
	a.mu.Unlock()
	if m == nil {
		return
	}
	m.cancel()
	h.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.m.Leave(ctx); err != nil && !errors.Is(err, chat.ErrParticipantLeft) {
			h.log.Debug("agent leaves chat", "agent", a.id, "contact", contactID, "err", err)
		}
	})
}

// encode marshals a message (never fails for Message).
func encode(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// The real implementations satisfy the interfaces.
var (
	_ Router       = (*routing.Router)(nil)
	_ Contacts     = (*contact.Manager)(nil)
	_ ChatMember   = (*chat.Member)(nil)
	_ routing.Sink = (*Hub)(nil)
)
