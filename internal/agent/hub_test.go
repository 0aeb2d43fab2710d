package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const inst = "inst-1"

// --- fakes ---

type fakeUsers struct{ byName map[string]*core.User }

func (f *fakeUsers) GetByName(_ context.Context, instanceID, name string) (*core.User, error) {
	u := f.byName[name]
	if u == nil || u.InstanceID != instanceID {
		return nil, store.ErrNotFound
	}
	return u, nil
}

type fakeContacts struct {
	mu    sync.Mutex
	calls []string
	attrs map[string]map[string]string
	// initial is a contact's InitialContactId (a transfer's new contact
	// continues its first contact's chat).
	initial map[string]string
	// connected counts the completions refused as the contact still
	// CONNECTED (its hang-up not yet recorded), by contact.
	connected map[string]int
}

func (f *fakeContacts) Get(_ context.Context, _, id string) (*contact.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &contact.Contact{ID: id, Attributes: f.attrs[id], InitialContactID: f.initial[id]}, nil
}

func (f *fakeContacts) Disconnect(_ context.Context, _, id string, reason contact.DisconnectReason) (*contact.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "disconnect "+id+" "+string(reason))
	return &contact.Contact{ID: id}, nil
}

func (f *fakeContacts) CompleteAfterContactWork(_ context.Context, _, id string) (*contact.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "complete "+id)
	if f.connected[id] > 0 {
		f.connected[id]--
		return nil, &contact.TransitionError{ContactID: id, Op: "complete after-contact work", State: contact.Connected}
	}
	return &contact.Contact{ID: id}, nil
}

func (f *fakeContacts) UpdateData(_ context.Context, _, id string, u contact.DataUpdate) (*contact.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.Description != nil {
		f.calls = append(f.calls, "notes "+id+" "+*u.Description)
	}
	return &contact.Contact{ID: id}, nil
}

func (f *fakeContacts) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

type fakeChats struct {
	mu      sync.Mutex
	members map[string]*fakeMember
	ended   []string
	// transcripts are the chats' items by chat (initial contact) ID; a
	// chat in transcriptErr fails to give its transcript.
	transcripts   map[string][]chat.Item
	transcriptErr map[string]error
	asked         []string // the chats whose transcript was read
}

func (f *fakeChats) Transcript(_ context.Context, contactID string) ([]chat.Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, contactID)
	if err := f.transcriptErr[contactID]; err != nil {
		return nil, err
	}
	return f.transcripts[contactID], nil
}

func (f *fakeChats) Join(_ context.Context, contactID string, req chat.JoinRequest) (ChatMember, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := &fakeMember{name: req.DisplayName, in: make(chan chat.Item, 16), left: make(chan struct{})}
	f.members[contactID] = m
	return m, nil
}

func (f *fakeChats) EndChat(_ context.Context, contactID, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, contactID)
	return nil
}

func (f *fakeChats) member(t *testing.T, contactID string) *fakeMember {
	t.Helper()
	var m *fakeMember
	eventually(t, "agent joined chat "+contactID, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		m = f.members[contactID]
		return m != nil
	})
	return m
}

type fakeMember struct {
	name string
	in   chan chat.Item

	mu       sync.Mutex
	sent     []string
	typing   int
	receipts []string // "read <id>", "delivered <id>"
	left     chan struct{}
	leftOnce sync.Once
}

func (m *fakeMember) Send(_ context.Context, contentType, content string) (chat.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, contentType+":"+content)
	return chat.Item{ID: "msg-" + content, Type: chat.TypeMessage}, nil
}

func (m *fakeMember) Typing(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.typing++
	return nil
}

// unknownMessage is a message ID the fake chat does not have.
const unknownMessage = "no-such-message"

func (m *fakeMember) Read(_ context.Context, messageID string) error {
	return m.receipt("read", messageID)
}

func (m *fakeMember) Delivered(_ context.Context, messageID string) error {
	return m.receipt("delivered", messageID)
}

func (m *fakeMember) receipt(kind, messageID string) error {
	if messageID == unknownMessage {
		return fmt.Errorf("ResourceNotFoundException: The message does not exist in this chat.: %w", chat.ErrNotFound)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.receipts = append(m.receipts, kind+" "+messageID)
	return nil
}

func (m *fakeMember) Next(ctx context.Context) (chat.Item, error) {
	select {
	case it := <-m.in:
		return it, nil
	case <-m.left:
		return chat.Item{}, chat.ErrParticipantLeft
	case <-ctx.Done():
		return chat.Item{}, ctx.Err()
	}
}

func (m *fakeMember) Leave(context.Context) error {
	m.leftOnce.Do(func() { close(m.left) })
	return nil
}

// fakeDirectory lists what the test sets: quick connects per agent; err
// fails every call.
type fakeDirectory struct {
	mu            sync.Mutex
	statuses      []StatusInfo
	quickConnects map[string][]QuickConnectInfo
	err           error
}

func (f *fakeDirectory) Statuses(context.Context) ([]StatusInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.statuses), f.err
}

func (f *fakeDirectory) QuickConnects(_ context.Context, agentID string) ([]QuickConnectInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.quickConnects[agentID]), f.err
}

func (f *fakeDirectory) set(statuses []StatusInfo, qcs map[string][]QuickConnectInfo, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses, f.quickConnects, f.err = statuses, qcs, err
}

// --- harness ---

type env struct {
	t        *testing.T
	ctx      context.Context
	clock    *routing.ManualClock
	router   *routing.Router
	hub      *Hub
	auth     *Authenticator
	contacts *fakeContacts
	chats    *fakeChats
	dir      *fakeDirectory
	url      string
}

const grace = 10 * time.Second

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	clock := routing.NewManualClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	var hub *Hub
	r := routing.New(routing.Config{
		InstanceID: inst, Clock: clock, OfferTimeout: 5 * time.Minute,
		Sink: routing.SinkFunc(func(e routing.Event) { hub.Emit(e) }),
	})
	users := &fakeUsers{byName: map[string]*core.User{}}
	hash, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*core.User{
		{Meta: core.Meta{ID: "u-ana", InstanceID: inst}, Username: "ana", FirstName: "Ana", LastName: "Silva", RoutingProfileID: "p1"},
		{Meta: core.Meta{ID: "u-bob", InstanceID: inst}, Username: "bob", RoutingProfileID: "p1"},
		{Meta: core.Meta{ID: "u-cat", InstanceID: inst}, Username: "cat", RoutingProfileID: "p1", AutoAccept: true},
		{Meta: core.Meta{ID: "u-dan", InstanceID: "inst-2"}, Username: "dan", RoutingProfileID: "p1"},
	} {
		u.PasswordHash = hash
		users.byName[u.Username] = u
	}
	contacts := &fakeContacts{attrs: map[string]map[string]string{}, initial: map[string]string{}}
	chats := &fakeChats{members: map[string]*fakeMember{}, transcripts: map[string][]chat.Item{}, transcriptErr: map[string]error{}}
	dir := &fakeDirectory{}
	a := NewAuthenticator(users, AuthConfig{Clock: clock, TTL: time.Hour})
	hub = New(Config{
		InstanceID: inst, Router: r, Contacts: contacts, Chats: chats, Directory: dir, Auth: a, Clock: clock,
		GracePeriod: grace, MaxMessageBytes: 4096,
	})
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	srv := httptest.NewServer(hub)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		hub.Close()
		cancel()
		<-done
		srv.Close()
	})
	must(t, r.UpsertQueue(ctx, routing.Queue{ID: "q1"}))
	must(t, r.UpsertProfile(ctx, routing.Profile{
		ID: "p1",
		Queues: []routing.ProfileQueue{
			{QueueID: "q1", Channel: "CHAT", Priority: 1},
			{QueueID: "q1", Channel: "VOICE", Priority: 1},
		},
		Channels: []routing.ChannelLimit{{Channel: "CHAT", Concurrency: 2}, {Channel: "VOICE", Concurrency: 1}},
	}))
	for _, u := range users.byName {
		if u.InstanceID != inst {
			continue
		}
		must(t, r.UpsertAgent(ctx, routing.AgentFromUser(u)))
	}
	return &env{t: t, ctx: ctx, clock: clock, router: r, hub: hub, auth: a, contacts: contacts, chats: chats, dir: dir,
		url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (e *env) login(user string) string {
	e.t.Helper()
	tok, _, err := e.auth.Login(e.ctx, inst, user, "correct horse")
	must(e.t, err)
	return tok
}

func (e *env) enqueue(id, channel string) {
	e.t.Helper()
	must(e.t, e.router.Enqueue(e.ctx, routing.Contact{ID: id, QueueID: "q1", Channel: channel, EnqueuedAt: e.clock.Now()}))
}

func (e *env) agentState(id string) routing.AgentSnapshot {
	e.t.Helper()
	s, err := e.router.Agent(e.ctx, id)
	must(e.t, err)
	return s
}

type client struct {
	t       *testing.T
	ws      *websocket.Conn
	pending []Message
	n       int
	lastSeq uint64
}

func (e *env) dial() *client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, e.url, nil)
	must(e.t, err)
	ws.SetReadLimit(1 << 20)
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.CloseNow() })
	return c
}

// connect dials, says hello and returns the client and the welcome.
func (e *env) connect(user string) (*client, Message) {
	e.t.Helper()
	c := e.dial()
	w := c.call(map[string]any{"type": "hello", "token": e.login(user)})
	if w.Type != TypeWelcome {
		e.t.Fatalf("hello: got %+v", w)
	}
	return c, w
}

func (c *client) raw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(c.t, c.ws.Write(ctx, websocket.MessageText, []byte(s)))
}

// call sends a request (adding v and an id) and returns its reply.
func (c *client) call(m map[string]any) Message {
	c.t.Helper()
	c.n++
	id := "r" + string(rune('0'+c.n%10)) + strings.Repeat("x", c.n/10)
	if _, ok := m["v"]; !ok {
		m["v"] = 1
	}
	m["id"] = id
	b, _ := json.Marshal(m)
	c.raw(string(b))
	return c.expectFunc("reply to "+id, func(m Message) bool { return m.Re == id })
}

func (c *client) read() Message {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m Message
	must(c.t, json.Unmarshal(data, &m))
	if m.V != 1 {
		c.t.Fatalf("message without v:1: %s", data)
	}
	if m.Seq != 0 {
		if m.Seq != c.lastSeq+1 && c.lastSeq != 0 {
			c.t.Fatalf("seq %d after %d: %s", m.Seq, c.lastSeq, data)
		}
		c.lastSeq = m.Seq
	}
	return m
}

func (c *client) expectFunc(what string, ok func(Message) bool) Message {
	c.t.Helper()
	for i, m := range c.pending {
		if ok(m) {
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			return m
		}
	}
	for {
		m := c.read()
		if ok(m) {
			return m
		}
		c.pending = append(c.pending, m)
	}
}

// expect returns the next event of a type (for a contact, if not empty).
func (c *client) expect(typ, contactID string) Message {
	c.t.Helper()
	return c.expectFunc(typ+" "+contactID, func(m Message) bool {
		return m.Re == "" && m.Type == typ && (contactID == "" || m.ContactID == contactID)
	})
}

func ack(t *testing.T, m Message) Message {
	t.Helper()
	if m.Type != TypeAck {
		t.Fatalf("want ack, got %s %s: %s", m.Type, m.Code, m.Error)
	}
	return m
}

func wantError(t *testing.T, m Message, code string) {
	t.Helper()
	if m.Type != TypeError || m.Code != code {
		t.Fatalf("want error %s, got %+v", code, m)
	}
}

// --- tests ---

func TestLogin(t *testing.T) {
	e := newEnv(t)
	tok, s, err := e.auth.Login(e.ctx, inst, "ana", "correct horse")
	must(t, err)
	if !strings.HasPrefix(tok, TokenPrefix) || s.UserID != "u-ana" || s.DisplayName != "Ana Silva" {
		t.Fatalf("login: %q %+v", tok, s)
	}
	if got, err := e.auth.Session(tok); err != nil || got.UserID != "u-ana" {
		t.Fatalf("session: %+v %v", got, err)
	}
	for _, tc := range [][3]string{{inst, "ana", "wrong password"}, {inst, "nobody", "correct horse"}, {"other", "ana", "correct horse"}, {inst, "ana", ""}} {
		if _, _, err := e.auth.Login(e.ctx, tc[0], tc[1], tc[2]); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("login %v: %v", tc, err)
		}
	}
	e.clock.Advance(time.Hour)
	if _, err := e.auth.Session(tok); !errors.Is(err, ErrInvalidSession) {
		t.Fatalf("expired session: %v", err)
	}
	tok = e.login("ana")
	e.auth.Logout(tok)
	if _, err := e.auth.Session(tok); !errors.Is(err, ErrInvalidSession) {
		t.Fatalf("after logout: %v", err)
	}
	c := e.dial()
	wantError(t, c.call(map[string]any{"type": "hello", "token": tok}), CodeUnauthenticated)
	wantError(t, c.call(map[string]any{"type": "setState", "status": "Available"}), CodeUnauthenticated)
	// A hub refuses sessions of another instance.
	tok, _, err = e.auth.Login(e.ctx, "inst-2", "dan", "correct horse")
	must(t, err)
	wantError(t, c.call(map[string]any{"type": "hello", "token": tok}), CodeUnavailable)
}

func TestChatContactLifecycle(t *testing.T) {
	e := newEnv(t)
	e.contacts.attrs["chat-1"] = map[string]string{"customerName": "Jo"}
	c, w := e.connect("ana")
	if w.Agent.ID != "u-ana" || w.State.Status != routing.StatusOffline || w.Profile.RoutingProfileID != "p1" || len(w.Contacts) != 0 {
		t.Fatalf("welcome: %+v %+v %+v", w.Agent, w.State, w.Profile)
	}
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	if st := c.expect(TypeState, ""); st.Status != routing.StatusAvailable {
		t.Fatalf("state: %+v", st)
	}
	wantError(t, c.call(map[string]any{"type": "setState", "status": "Dancing"}), CodeInvalidStatus)

	e.enqueue("chat-1", "CHAT")
	off := c.expect(TypeOffer, "chat-1")
	if off.Channel != "CHAT" || off.QueueID != "q1" || off.ExpiresAt.IsZero() || off.Attributes["customerName"] != "Jo" || off.AutoAccepted {
		t.Fatalf("offer: %+v", off)
	}
	wantError(t, c.call(map[string]any{"type": "endContact", "contactId": "chat-1"}), CodeNotConnected)
	wantError(t, c.call(map[string]any{"type": "completeAcw", "contactId": "chat-1"}), CodeNoACW)
	ack(t, c.call(map[string]any{"type": "accept", "contactId": "chat-1"}))
	c.expect(TypeContactConnected, "chat-1")
	wantError(t, c.call(map[string]any{"type": "accept", "contactId": "chat-1"}), CodeNoOffer)

	m := e.chats.member(t, "chat-1")
	if m.name != "Ana Silva" {
		t.Fatalf("member name %q", m.name)
	}
	m.in <- chat.Item{ID: "i1", Type: chat.TypeMessage, ParticipantRole: chat.RoleCustomer, ContentType: "text/plain", Content: "hello?"}
	m.in <- chat.Item{ID: "i2", Type: chat.TypeEvent, ParticipantRole: chat.RoleCustomer, ContentType: chat.EventTyping}
	if got := c.expect(TypeMessage, "chat-1"); got.ChatMessage == nil || got.ChatMessage.Content != "hello?" || got.ChatMessage.ParticipantRole != "CUSTOMER" {
		t.Fatalf("message: %+v", got)
	}
	if got := c.expect(TypeTyping, "chat-1"); got.Participant != "CUSTOMER" {
		t.Fatalf("typing: %+v", got)
	}

	if a := ack(t, c.call(map[string]any{"type": "sendMessage", "contactId": "chat-1", "content": "hi Jo", "contentType": "text/plain"})); a.MessageID != "msg-hi Jo" {
		t.Fatalf("sendMessage ack: %+v", a)
	}
	ack(t, c.call(map[string]any{"type": "typing", "contactId": "chat-1"}))
	wantError(t, c.call(map[string]any{"type": "sendMessage", "contactId": "chat-1"}), CodeInvalid)
	m.mu.Lock()
	sent, typing := m.sent, m.typing
	m.mu.Unlock()
	if len(sent) != 1 || sent[0] != "text/plain:hi Jo" || typing != 1 {
		t.Fatalf("chat got %v, typing %d", sent, typing)
	}

	ack(t, c.call(map[string]any{"type": "endContact", "contactId": "chat-1"}))
	c.expect(TypeContactEnded, "chat-1")
	c.expect(TypeACWStarted, "chat-1")
	if got := e.agentState("u-ana").Slots; len(got) != 1 || got[0].State != routing.SlotAfterContactWork {
		t.Fatalf("slots after end: %+v", got)
	}
	<-m.left // the agent left the chat
	// The contact's hang-up is not recorded yet (a call's goroutine may
	// record it after the router's ACW started): the completion is retried
	// until the contact takes it.
	e.contacts.mu.Lock()
	e.contacts.connected = map[string]int{"chat-1": 2}
	e.contacts.mu.Unlock()
	ack(t, c.call(map[string]any{"type": "completeAcw", "contactId": "chat-1", "notes": "Refund promised."}))
	if got := c.expect(TypeACWEnded, "chat-1"); got.Reason != routing.ReasonCompleted {
		t.Fatalf("acwEnded: %+v", got)
	}
	want := "disconnect chat-1 AGENT_DISCONNECT|notes chat-1 Refund promised.|complete chat-1|complete chat-1|complete chat-1"
	deadline := time.Now().Add(5 * time.Second)
	for strings.Join(e.contacts.log(), "|") != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.contacts.log(); strings.Join(got, "|") != want {
		t.Fatalf("contact calls: %v, want %s", got, want)
	}
	time.Sleep(120 * time.Millisecond) // no completion after the one taken
	if got := e.contacts.log(); len(got) != 5 {
		t.Fatalf("contact calls after success: %v", got)
	}
	e.chats.mu.Lock()
	ended := e.chats.ended
	e.chats.mu.Unlock()
	if len(ended) != 1 || ended[0] != "chat-1" {
		t.Fatalf("chats ended: %v", ended)
	}
	if got := e.agentState("u-ana").Slots; len(got) != 0 {
		t.Fatalf("slots after ACW: %+v", got)
	}
	ack(t, c.call(map[string]any{"type": "heartbeat"}))
}

func TestAutoAcceptAndTransfer(t *testing.T) {
	e := newEnv(t)
	c, _ := e.connect("cat")
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("call-1", "VOICE")
	if off := c.expect(TypeOffer, "call-1"); !off.AutoAccepted || !off.ExpiresAt.IsZero() {
		t.Fatalf("offer: %+v", off)
	}
	if got := c.expect(TypeContactConnected, "call-1"); !got.AutoAccepted {
		t.Fatalf("connected: %+v", got)
	}
	wantError(t, c.call(map[string]any{"type": "sendMessage", "contactId": "call-1", "content": "x"}), CodeNotChat)
	wantError(t, c.call(map[string]any{"type": "read", "contactId": "call-1", "messageId": "m1"}), CodeNotChat)
	wantError(t, c.call(map[string]any{"type": "transfer", "contactId": "call-1"}), CodeInvalid)
	wantError(t, c.call(map[string]any{"type": "transfer", "contactId": "call-1", "queueId": "nope"}), CodeUnknownTarget)
	ack(t, c.call(map[string]any{"type": "transfer", "contactId": "call-1", "agentId": "u-bob"}))
	c.expect(TypeACWStarted, "call-1")
	cs, err := e.router.Contact(e.ctx, "call-1")
	must(t, err)
	if cs.AgentID != "u-bob" || cs.State != routing.ContactWaiting {
		t.Fatalf("transferred contact: %+v", cs)
	}
}

func TestRejectAndNotYourContact(t *testing.T) {
	e := newEnv(t)
	ana, _ := e.connect("ana")
	bob, _ := e.connect("bob")
	ack(t, ana.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("call-1", "VOICE")
	ana.expect(TypeOffer, "call-1")

	for _, typ := range []string{"accept", "reject", "endContact", "completeAcw", "sendMessage", "typing", "transfer", "read", "delivered"} {
		wantError(t, bob.call(map[string]any{"type": typ, "contactId": "call-1", "content": "x", "queueId": "q1", "messageId": "m1"}), CodeNotYourContact)
	}
	wantError(t, bob.call(map[string]any{"type": "accept"}), CodeInvalid)

	ack(t, ana.call(map[string]any{"type": "reject", "contactId": "call-1"}))
	if got := ana.expect(TypeOfferWithdrawn, "call-1"); got.Reason != routing.ReasonRejected {
		t.Fatalf("withdrawn: %+v", got)
	}
	cs, err := e.router.Contact(e.ctx, "call-1")
	must(t, err)
	if cs.State != routing.ContactWaiting {
		t.Fatalf("rejected contact: %+v", cs)
	}
	// Bob becomes available and gets it.
	ack(t, bob.call(map[string]any{"type": "setState", "status": "Available"}))
	bob.expect(TypeOffer, "call-1")
	ack(t, bob.call(map[string]any{"type": "accept", "contactId": "call-1"}))
	bob.expect(TypeContactConnected, "call-1")
	wantError(t, ana.call(map[string]any{"type": "endContact", "contactId": "call-1"}), CodeNotYourContact)
}

func TestBadInputKeepsConnection(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	c.raw("{not json")
	wantError(t, c.expectFunc("error", func(m Message) bool { return m.Type == TypeError }), CodeBadRequest)
	wantError(t, c.call(map[string]any{"type": "dance"}), CodeUnknownType)
	c, _ = e.connect("ana")
	c.raw(`{"v":1,"type":"heartbeat","id":`)
	wantError(t, c.expectFunc("error", func(m Message) bool { return m.Type == TypeError }), CodeBadRequest)
	c.raw(`{"v":1,"type":"setState","status":42,"id":"z"}`)
	wantError(t, c.expectFunc("error", func(m Message) bool { return m.Re == "z" }), CodeBadRequest)
	wantError(t, c.call(map[string]any{"type": "dance"}), CodeUnknownType)
	wantError(t, c.call(map[string]any{"v": 2, "type": "heartbeat"}), CodeUnsupportedVersion)
	wantError(t, c.call(map[string]any{"type": "sendMessage", "contactId": "x", "content": strings.Repeat("a", 5000)}), CodeTooLarge)
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	must(t, c.ws.Write(ctx, websocket.MessageBinary, []byte("{}")))
	wantError(t, c.expectFunc("error", func(m Message) bool { return m.Type == TypeError }), CodeBadRequest)
	ack(t, c.call(map[string]any{"type": "heartbeat"}))
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
}

func TestResumeWithinGrace(t *testing.T) {
	e := newEnv(t)
	c, _ := e.connect("ana")
	tok := e.login("ana")
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("chat-1", "CHAT")
	c.expect(TypeOffer, "chat-1")
	ack(t, c.call(map[string]any{"type": "accept", "contactId": "chat-1"}))
	c.expect(TypeContactConnected, "chat-1")
	m := e.chats.member(t, "chat-1")
	last := c.lastSeq

	c.ws.CloseNow()
	eventually(t, "drop noticed", func() bool { return !e.hub.Online("u-ana") })
	// While away: a customer message and a second offer.
	m.in <- chat.Item{ID: "i1", Type: chat.TypeMessage, ParticipantRole: chat.RoleCustomer, ContentType: "text/plain", Content: "still there?"}
	e.enqueue("chat-2", "CHAT")
	must(t, e.router.Sync(e.ctx))
	e.clock.Advance(grace - time.Second)
	must(t, e.router.Sync(e.ctx))
	if st := e.agentState("u-ana"); st.Status != routing.StatusAvailable || len(st.Slots) != 2 {
		t.Fatalf("within grace: %+v", st)
	}

	c2 := e.dial()
	c2.lastSeq = last
	w := c2.call(map[string]any{"type": "resume", "token": tok, "lastSeq": last})
	if w.Type != TypeWelcome || w.Resumed == nil || !*w.Resumed || len(w.Contacts) != 2 {
		t.Fatalf("resume welcome: %+v", w)
	}
	if got := c2.expect(TypeMessage, "chat-1"); got.ChatMessage.Content != "still there?" {
		t.Fatalf("replayed message: %+v", got)
	}
	c2.expect(TypeOffer, "chat-2")
	ack(t, c2.call(map[string]any{"type": "accept", "contactId": "chat-2"}))
	c2.expect(TypeContactConnected, "chat-2")
	// The grace timer of the first connection is void.
	e.clock.Advance(2 * grace)
	must(t, e.router.Sync(e.ctx))
	if st := e.agentState("u-ana"); st.Status != routing.StatusAvailable || len(st.Slots) != 2 {
		t.Fatalf("after resume: %+v", st)
	}
	ack(t, c2.call(map[string]any{"type": "sendMessage", "contactId": "chat-1", "content": "yes"}))

	// A resume from too far back gets a fresh welcome only.
	c3 := e.dial()
	w = c3.call(map[string]any{"type": "resume", "token": tok, "lastSeq": 999})
	if w.Type != TypeWelcome || w.Resumed == nil || *w.Resumed {
		t.Fatalf("unresumable welcome: %+v", w)
	}
	// ... and replaces the previous connection.
	wantError(t, c2.expectFunc("replaced", func(m Message) bool { return m.Type == TypeError }), CodeSessionReplaced)
}

func TestGraceExpiryGoesOffline(t *testing.T) {
	e := newEnv(t)
	c, _ := e.connect("ana")
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("chat-1", "CHAT")
	c.expect(TypeOffer, "chat-1")
	c.ws.CloseNow()
	eventually(t, "drop noticed", func() bool { return !e.hub.Online("u-ana") })
	e.clock.Advance(grace)
	eventually(t, "agent offline", func() bool {
		st := e.agentState("u-ana")
		return st.Status == routing.StatusOffline && len(st.Slots) == 0
	})
	cs, err := e.router.Contact(e.ctx, "chat-1")
	must(t, err)
	if cs.State != routing.ContactWaiting {
		t.Fatalf("offer not withdrawn: %+v", cs)
	}
	// Coming back later shows the state and the missed events.
	c2 := e.dial()
	c2.lastSeq = c.lastSeq
	w := c2.call(map[string]any{"type": "resume", "token": e.login("ana"), "lastSeq": c.lastSeq})
	if w.State.Status != routing.StatusOffline || !*w.Resumed {
		t.Fatalf("welcome: %+v", w)
	}
	if got := c2.expect(TypeOfferWithdrawn, "chat-1"); got.Reason != routing.ReasonAgentUnavailable {
		t.Fatalf("withdrawn: %+v", got)
	}
	if got := c2.expect(TypeState, ""); got.Status != routing.StatusOffline {
		t.Fatalf("state: %+v", got)
	}
}

func TestMuxPicksTheInstanceHub(t *testing.T) {
	e := newEnv(t)
	mux := &Mux{Auth: e.auth, Hub: func(id string) *Hub {
		if id == inst {
			return e.hub
		}
		return nil
	}}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e.url = "ws" + strings.TrimPrefix(srv.URL, "http")

	c := e.dial()
	tok, _, err := e.auth.Login(e.ctx, "inst-2", "dan", "correct horse")
	must(t, err)
	wantError(t, c.call(map[string]any{"type": "hello", "token": tok}), CodeUnavailable)
	w := c.call(map[string]any{"type": "hello", "token": e.login("ana")})
	if w.Type != TypeWelcome || w.Agent.ID != "u-ana" {
		t.Fatalf("welcome: %+v", w)
	}
	wantError(t, c.call(map[string]any{"type": "hello", "token": e.login("bob")}), CodeInvalid)
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	c.expect(TypeState, "")
	srv.CloseClientConnections()
}

func TestReceipts(t *testing.T) {
	e := newEnv(t)
	c, _ := e.connect("ana")
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("chat-1", "CHAT")
	c.expect(TypeOffer, "chat-1")
	// Not connected yet: no receipts.
	wantError(t, c.call(map[string]any{"type": "read", "contactId": "chat-1", "messageId": "m1"}), CodeNotConnected)
	ack(t, c.call(map[string]any{"type": "accept", "contactId": "chat-1"}))
	c.expect(TypeContactConnected, "chat-1")
	m := e.chats.member(t, "chat-1")

	// The agent marks the customer's message delivered, then read.
	ack(t, c.call(map[string]any{"type": "delivered", "contactId": "chat-1", "messageId": "m1"}))
	ack(t, c.call(map[string]any{"type": "read", "contactId": "chat-1", "messageId": "m1"}))
	wantError(t, c.call(map[string]any{"type": "read", "contactId": "chat-1"}), CodeInvalid)
	wantError(t, c.call(map[string]any{"type": "read", "contactId": "chat-1", "messageId": unknownMessage}), CodeInvalid)
	wantError(t, c.call(map[string]any{"type": "read", "messageId": "m1"}), CodeInvalid)
	m.mu.Lock()
	got := strings.Join(m.receipts, "|")
	m.mu.Unlock()
	if got != "delivered m1|read m1" {
		t.Fatalf("chat got receipts %q", got)
	}

	// The customer's receipts for the agent's message reach the agent.
	ts := "2026-01-05T09:00:01.000Z"
	m.in <- chat.Item{ID: "r1", Type: chat.TypeMessageMetadata, ParticipantRole: chat.RoleCustomer,
		MessageMetadata: &chat.MessageMetadata{MessageID: "msg-hi", Receipts: []chat.Receipt{{DeliveredTimestamp: ts, RecipientParticipantID: "p-cust"}}}}
	m.in <- chat.Item{ID: "r2", Type: chat.TypeMessageMetadata, ParticipantRole: chat.RoleCustomer,
		MessageMetadata: &chat.MessageMetadata{MessageID: "msg-hi", Receipts: []chat.Receipt{{ReadTimestamp: ts, RecipientParticipantID: "p-cust"}}}}
	m.in <- chat.Item{ID: "r3", Type: chat.TypeMessageMetadata, ParticipantRole: chat.RoleCustomer} // no metadata: ignored
	if r := c.expect(TypeReceipt, "chat-1"); r.MessageID != "msg-hi" || r.Participant != "CUSTOMER" || r.DeliveredAt != ts || r.ReadAt != "" {
		t.Fatalf("delivered receipt: %+v", r)
	}
	if r := c.expect(TypeReceipt, "chat-1"); r.MessageID != "msg-hi" || r.Participant != "CUSTOMER" || r.ReadAt != ts || r.DeliveredAt != "" {
		t.Fatalf("read receipt: %+v", r)
	}
	// The wire names.
	m.in <- chat.Item{ID: "r4", Type: chat.TypeMessageMetadata, ParticipantRole: chat.RoleCustomer,
		MessageMetadata: &chat.MessageMetadata{MessageID: "msg-2", Receipts: []chat.Receipt{{ReadTimestamp: ts}}}}
	r := c.expect(TypeReceipt, "chat-1")
	var wire map[string]any
	must(t, json.Unmarshal(encode(r), &wire))
	if wire["type"] != "receipt" || wire["messageId"] != "msg-2" || wire["readAt"] != ts || wire["participantRole"] != "CUSTOMER" || wire["seq"] == nil {
		t.Fatalf("receipt on the wire: %v", wire)
	}

	// After the contact ends, receipts are refused.
	ack(t, c.call(map[string]any{"type": "endContact", "contactId": "chat-1"}))
	c.expect(TypeACWStarted, "chat-1")
	wantError(t, c.call(map[string]any{"type": "read", "contactId": "chat-1", "messageId": "m1"}), CodeNotConnected)
}

// fakeVoice records the call controls the hub passes on.
type fakeVoice struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeVoice) add(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeVoice) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeVoice) RTCOffer(_ context.Context, agentID, sdp string) (string, error) {
	if !strings.HasPrefix(sdp, "v=0") {
		return "", fmt.Errorf("%w: not an SDP offer", ErrRTC)
	}
	f.add("offer " + agentID)
	return "v=0 answer", nil
}

func (f *fakeVoice) RTCCandidate(_ context.Context, agentID string, c ICECandidate) error {
	f.add("candidate " + agentID + " " + c.Candidate)
	return nil
}

func (f *fakeVoice) Hold(_ context.Context, agentID, contactID string, on bool) error {
	f.add(fmt.Sprintf("hold %s %s %v", agentID, contactID, on))
	return nil
}

func (f *fakeVoice) Mute(_ context.Context, agentID, contactID string, on bool) error {
	f.add(fmt.Sprintf("mute %s %s %v", agentID, contactID, on))
	return nil
}

func (f *fakeVoice) SendDigits(_ context.Context, agentID, contactID, digits string) error {
	f.add("digits " + contactID + " " + digits)
	return nil
}

func (f *fakeVoice) Dial(_ context.Context, agentID, number, queueID string) (string, error) {
	if number == "+15550000" {
		return "", fmt.Errorf("%w: no trunk", ErrNoVoice)
	}
	f.add("dial " + agentID + " " + number + " " + queueID)
	return "out-1", nil
}

func (f *fakeVoice) Consult(_ context.Context, agentID, contactID string, to TransferTarget) (string, error) {
	f.add("consult " + contactID + " " + to.AgentID + to.PhoneNumber)
	return "consult-1", nil
}

func (f *fakeVoice) Conference(_ context.Context, agentID, contactID string) error {
	f.add("conference " + contactID)
	return nil
}

func (f *fakeVoice) CancelConsult(_ context.Context, agentID, contactID string) error {
	f.add("cancelConsult " + contactID)
	return nil
}

func TestVoiceControlsReachTheVoiceForTheAgentsOwnCalls(t *testing.T) {
	e := newEnv(t)
	ana, _ := e.connect("ana")
	bob, _ := e.connect("bob")
	// Without a Voice, voice requests are refused as such.
	wantError(t, ana.call(map[string]any{"type": "rtcOffer", "sdp": "v=0"}), CodeNoVoice)
	v := &fakeVoice{}
	e.hub.cfg.Voice = v

	if got := ack(t, ana.call(map[string]any{"type": "rtcOffer", "sdp": "v=0 offer"})); got.SDP != "v=0 answer" {
		t.Fatalf("rtcOffer ack: %+v", got)
	}
	wantError(t, ana.call(map[string]any{"type": "rtcOffer"}), CodeInvalid)
	wantError(t, ana.call(map[string]any{"type": "rtcOffer", "sdp": "garbage"}), CodeRTCFailed)
	ack(t, ana.call(map[string]any{"type": "rtcCandidate", "candidate": map[string]any{"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMLineIndex": 0}}))
	wantError(t, ana.call(map[string]any{"type": "rtcCandidate"}), CodeInvalid)
	if got := ack(t, ana.call(map[string]any{"type": "dial", "phoneNumber": "+15550123", "queueId": "q1"})); got.ContactID != "out-1" {
		t.Fatalf("dial ack: %+v", got)
	}
	wantError(t, ana.call(map[string]any{"type": "dial", "phoneNumber": "+15550000"}), CodeNoVoice)

	ack(t, ana.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("chat-1", "CHAT")
	ana.expect(TypeOffer, "chat-1")
	ack(t, ana.call(map[string]any{"type": "accept", "contactId": "chat-1"}))
	ana.expect(TypeContactConnected, "chat-1")
	for _, typ := range []string{"hold", "unhold", "mute", "unmute", "sendDigits"} {
		wantError(t, ana.call(map[string]any{"type": typ, "contactId": "chat-1", "digits": "1"}), CodeNotVoice)
	}
	wantError(t, ana.call(map[string]any{"type": "transfer", "contactId": "chat-1", "phoneNumber": "+15550123"}), CodeNotVoice)
	ack(t, ana.call(map[string]any{"type": "endContact", "contactId": "chat-1"}))
	ack(t, ana.call(map[string]any{"type": "completeAcw", "contactId": "chat-1"}))
	e.enqueue("call-1", "VOICE")
	ana.expect(TypeOffer, "call-1")
	// Offered, not connected: no controls yet.
	wantError(t, ana.call(map[string]any{"type": "hold", "contactId": "call-1"}), CodeNotConnected)
	ack(t, ana.call(map[string]any{"type": "accept", "contactId": "call-1"}))
	ana.expect(TypeContactConnected, "call-1")

	for _, typ := range []string{"hold", "unhold", "mute", "unmute"} {
		ack(t, ana.call(map[string]any{"type": typ, "contactId": "call-1"}))
		wantError(t, bob.call(map[string]any{"type": typ, "contactId": "call-1"}), CodeNotYourContact)
	}
	ack(t, ana.call(map[string]any{"type": "sendDigits", "contactId": "call-1", "digits": "12#,9"}))
	if got := ack(t, ana.call(map[string]any{"type": "consult", "contactId": "call-1", "agentId": "u-bob"})); got.NextContactID != "consult-1" {
		t.Fatalf("consult ack: %+v", got)
	}
	wantError(t, ana.call(map[string]any{"type": "consult", "contactId": "call-1"}), CodeInvalid)
	wantError(t, ana.call(map[string]any{"type": "consult", "contactId": "call-1", "agentId": "u-bob", "phoneNumber": "+15550123"}), CodeInvalid)
	ack(t, ana.call(map[string]any{"type": "conference", "contactId": "call-1"}))
	ack(t, ana.call(map[string]any{"type": "cancelConsult", "contactId": "call-1"}))
	wantError(t, bob.call(map[string]any{"type": "conference", "contactId": "call-1"}), CodeNotYourContact)
	wantError(t, ana.call(map[string]any{"type": "sendDigits", "contactId": "call-1", "digits": "12x"}), CodeInvalid)

	e.hub.Hold("u-ana", "call-1", true)
	if got := ana.expect(TypeContactHold, "call-1"); got.OnHold == nil || !*got.OnHold {
		t.Fatalf("contactHold: %+v", got)
	}
	want := []string{
		"offer u-ana", "candidate u-ana candidate:1 1 udp 1 127.0.0.1 5000 typ host", "dial u-ana +15550123 q1",
		"hold u-ana call-1 true", "hold u-ana call-1 false", "mute u-ana call-1 true", "mute u-ana call-1 false",
		"digits call-1 12#,9", "consult call-1 u-bob", "conference call-1", "cancelConsult call-1",
	}
	if got := v.log(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("voice calls\n got %q\nwant %q", got, want)
	}
}

// A user the router does not know yet (created a moment ago; the router
// learns of users asynchronously) can say hello: the hub syncs the
// router's configuration once and looks again.
func TestHelloSyncsTheRouterForANewAgent(t *testing.T) {
	e := newEnv(t)
	must(t, e.router.RemoveAgent(e.ctx, "u-bob"))
	c := e.dial()
	wantError(t, c.call(map[string]any{"type": "hello", "token": e.login("bob")}), CodeUnauthenticated)
	synced := 0
	e.hub.cfg.Sync = func(ctx context.Context) error {
		synced++
		return e.router.UpsertAgent(ctx, routing.Agent{ID: "u-bob", ProfileID: "p1"})
	}
	if w := c.call(map[string]any{"type": "hello", "token": e.login("bob")}); w.Type != TypeWelcome || synced != 1 {
		t.Fatalf("hello after a sync: %+v (synced %d times)", w, synced)
	}
}

// welcome lists the statuses the agent can choose, from the directory, and
// Available and Offline whatever the directory says: the router always
// knows them, and a console must be able to go Available.
func TestWelcomeListsTheStatusesAnAgentCanChoose(t *testing.T) {
	e := newEnv(t)
	must(t, e.router.SetCustomStatuses(e.ctx, []string{"Break", "Lunch"}))
	all := []StatusInfo{
		{Name: "Available", Type: core.AgentStatusRoutable}, {Name: "Offline", Type: core.AgentStatusOffline},
		{Name: "Break", Type: core.AgentStatusCustom}, {Name: "Lunch", Type: core.AgentStatusCustom},
	}
	e.dir.set(all, nil, nil)
	c, w := e.connect("ana")
	if !slices.Equal(w.Statuses, all) {
		t.Fatalf("welcome statuses %+v; want the directory's %+v", w.Statuses, all)
	}
	// A listed custom status is one the router takes.
	ack(t, c.call(map[string]any{"type": "setState", "status": "Lunch"}))
	if st := c.expect(TypeState, ""); st.Status != "Lunch" {
		t.Fatalf("state: %+v", st)
	}

	e.dir.set([]StatusInfo{{Name: "Lunch", Type: core.AgentStatusCustom}}, nil, nil)
	_, w = e.connect("ana")
	want := []StatusInfo{systemStatuses[0], {Name: "Lunch", Type: core.AgentStatusCustom}, systemStatuses[1]}
	if !slices.Equal(w.Statuses, want) {
		t.Fatalf("welcome statuses without the system ones %+v; want %+v", w.Statuses, want)
	}

	e.dir.set(all, nil, errors.New("store down"))
	_, w = e.connect("ana")
	if !slices.Equal(w.Statuses, systemStatuses) {
		t.Fatalf("welcome statuses when the directory fails %+v; want %+v", w.Statuses, systemStatuses)
	}

	if got := New(Config{}).statuses(e.ctx); !slices.Equal(got, systemStatuses) {
		t.Fatalf("statuses without a directory %+v; want %+v", got, systemStatuses)
	}
}

func TestListQuickConnects(t *testing.T) {
	e := newEnv(t)
	c, _ := e.connect("ana")
	// None yet: the ack still carries the (empty) list.
	if a := ack(t, c.call(map[string]any{"type": "listQuickConnects"})); a.QuickConnects == nil || len(a.QuickConnects) != 0 {
		t.Fatalf("listQuickConnects with none: %+v", a)
	}
	qcs := []QuickConnectInfo{
		{ID: "qc-1", Name: "Billing", Type: core.QuickConnectQueue, QueueID: "q1"},
		{ID: "qc-2", Name: "Bob", Type: core.QuickConnectUser, UserID: "u-bob"},
		{ID: "qc-3", Name: "Head office", Type: core.QuickConnectPhone, PhoneNumber: "+442071234567"},
	}
	// The directory is asked for this agent's: Bob is offered others.
	byAgent := map[string][]QuickConnectInfo{"u-ana": qcs, "u-bob": qcs[2:]}
	e.dir.set(nil, byAgent, nil)
	if a := ack(t, c.call(map[string]any{"type": "listQuickConnects"})); !slices.Equal(a.QuickConnects, qcs) {
		t.Fatalf("listQuickConnects: %+v; want %+v", a.QuickConnects, qcs)
	}
	bob, _ := e.connect("bob")
	if a := ack(t, bob.call(map[string]any{"type": "listQuickConnects"})); !slices.Equal(a.QuickConnects, qcs[2:]) {
		t.Fatalf("listQuickConnects of bob: %+v; want %+v", a.QuickConnects, qcs[2:])
	}
	e.dir.set(nil, byAgent, errors.New("store down"))
	wantError(t, c.call(map[string]any{"type": "listQuickConnects"}), CodeInternal)

	// Not before hello.
	wantError(t, e.dial().call(map[string]any{"type": "listQuickConnects"}), CodeUnauthenticated)
}

// getTranscript gives a console that reloaded the messages of its chat,
// the agent's own (marked) and an earlier agent's included, oldest first, while connected and in
// after-contact work; only to the agent that holds the chat contact.
func TestGetTranscript(t *testing.T) {
	e := newEnv(t)
	ana, _ := e.connect("ana")
	bob, _ := e.connect("bob")
	// chat-2 is a transfer's contact: it continues chat-1's chat.
	e.contacts.initial["chat-2"] = "chat-1"
	e.chats.transcripts["chat-1"] = []chat.Item{
		{ID: "j1", Type: chat.TypeEvent, ContentType: chat.EventParticipantJoined, ParticipantRole: chat.RoleCustomer},
		{ID: "m1", Type: chat.TypeMessage, ParticipantRole: chat.RoleCustomer, DisplayName: "Jo", ContentType: "text/plain",
			Content: "hello?", AbsoluteTime: "2026-01-05T09:00:01.000Z"},
		{ID: "m2", Type: chat.TypeMessage, ParticipantRole: chat.RoleAgent, DisplayName: "Bob", ContentType: "text/markdown",
			Content: "**hi** Jo", AbsoluteTime: "2026-01-05T09:00:02.000Z", ParticipantID: agentParticipantID("chat-1", "u-bob")},
		{ID: "m2b", Type: chat.TypeMessage, ParticipantRole: chat.RoleAgent, DisplayName: "Ana Silva", ContentType: "text/plain",
			Content: "Ana here", AbsoluteTime: "2026-01-05T09:00:02.500Z", ParticipantID: agentParticipantID("chat-2", "u-ana")},
		{ID: "r1", Type: chat.TypeMessageMetadata, MessageMetadata: &chat.MessageMetadata{MessageID: "m2"}},
		{ID: "m3", Type: chat.TypeMessage, ParticipantRole: chat.RoleCustomer, DisplayName: "Jo", ContentType: "text/plain",
			Content: "thanks", AbsoluteTime: "2026-01-05T09:00:03.000Z"},
	}
	want := []ChatMessage{
		{ID: "m1", ParticipantRole: "CUSTOMER", DisplayName: "Jo", ContentType: "text/plain", Content: "hello?", Time: "2026-01-05T09:00:01.000Z"},
		{ID: "m2", ParticipantRole: "AGENT", DisplayName: "Bob", ContentType: "text/markdown", Content: "**hi** Jo", Time: "2026-01-05T09:00:02.000Z"},
		{ID: "m2b", ParticipantRole: "AGENT", DisplayName: "Ana Silva", ContentType: "text/plain", Content: "Ana here", Time: "2026-01-05T09:00:02.500Z", Own: true},
		{ID: "m3", ParticipantRole: "CUSTOMER", DisplayName: "Jo", ContentType: "text/plain", Content: "thanks", Time: "2026-01-05T09:00:03.000Z"},
	}

	ack(t, ana.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("chat-2", "CHAT")
	ana.expect(TypeOffer, "chat-2")
	wantError(t, ana.call(map[string]any{"type": "getTranscript", "contactId": "chat-2"}), CodeNotConnected)
	wantError(t, ana.call(map[string]any{"type": "getTranscript"}), CodeInvalid)
	ack(t, ana.call(map[string]any{"type": "accept", "contactId": "chat-2"}))
	ana.expect(TypeContactConnected, "chat-2")

	a := ack(t, ana.call(map[string]any{"type": "getTranscript", "contactId": "chat-2"}))
	if !slices.Equal(a.Messages, want) {
		t.Fatalf("transcript %+v; want %+v", a.Messages, want)
	}
	e.chats.mu.Lock()
	asked := slices.Clone(e.chats.asked)
	e.chats.mu.Unlock()
	if !slices.Equal(asked, []string{"chat-1"}) {
		t.Fatalf("transcripts read %q; want the chat's, chat-1", asked)
	}
	wantError(t, bob.call(map[string]any{"type": "getTranscript", "contactId": "chat-2"}), CodeNotYourContact)

	// In after-contact work the agent still sees the chat.
	ack(t, ana.call(map[string]any{"type": "endContact", "contactId": "chat-2"}))
	ana.expect(TypeACWStarted, "chat-2")
	if a := ack(t, ana.call(map[string]any{"type": "getTranscript", "contactId": "chat-2"})); !slices.Equal(a.Messages, want) {
		t.Fatalf("transcript in ACW %+v; want %+v", a.Messages, want)
	}
	ack(t, ana.call(map[string]any{"type": "completeAcw", "contactId": "chat-2"}))
	ana.expect(TypeACWEnded, "chat-2")
	wantError(t, ana.call(map[string]any{"type": "getTranscript", "contactId": "chat-2"}), CodeNotYourContact)

	// A chat without messages yet: an empty list. A chat whose transcript
	// cannot be read: chat_failed.
	e.chats.mu.Lock()
	e.chats.transcriptErr["chat-4"] = errors.New("database unreachable")
	e.chats.mu.Unlock()
	for _, id := range []string{"chat-3", "chat-4"} {
		e.enqueue(id, "CHAT")
		ana.expect(TypeOffer, id)
		ack(t, ana.call(map[string]any{"type": "accept", "contactId": id}))
		ana.expect(TypeContactConnected, id)
	}
	if a := ack(t, ana.call(map[string]any{"type": "getTranscript", "contactId": "chat-3"})); a.Messages == nil || len(a.Messages) != 0 {
		t.Fatalf("transcript of a chat without messages: %+v", a)
	}
	wantError(t, ana.call(map[string]any{"type": "getTranscript", "contactId": "chat-4"}), CodeChatFailed)

	// Calls have no transcript.
	ack(t, bob.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("call-1", "VOICE")
	bob.expect(TypeOffer, "call-1")
	ack(t, bob.call(map[string]any{"type": "accept", "contactId": "call-1"}))
	bob.expect(TypeContactConnected, "call-1")
	wantError(t, bob.call(map[string]any{"type": "getTranscript", "contactId": "call-1"}), CodeNotChat)
}

// Notes over MaxNotes characters are refused, and nothing is recorded.
func TestCompleteACWRefusesNotesTooLong(t *testing.T) {
	e := newEnv(t)
	e.hub.cfg.MaxMessageBytes = 64 << 10 // room for the notes in one frame
	c, _ := e.connect("cat")
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))
	e.enqueue("call-9", "VOICE")
	c.expect(TypeContactConnected, "call-9")
	ack(t, c.call(map[string]any{"type": "endContact", "contactId": "call-9"}))
	c.expect(TypeACWStarted, "call-9")
	wantError(t, c.call(map[string]any{"type": "completeAcw", "contactId": "call-9", "notes": strings.Repeat("é", MaxNotes+1)}), CodeInvalid)
	ack(t, c.call(map[string]any{"type": "completeAcw", "contactId": "call-9", "notes": strings.Repeat("é", MaxNotes)}))
	if got := e.contacts.log(); len(got) != 3 || !strings.HasPrefix(got[1], "notes call-9 é") {
		t.Fatalf("contact calls: %q", got)
	}
}

// A console on the server's origin says hello without a token: the
// session cookie of its upgrade request authenticates it. Another origin's
// page cannot upgrade with the cookie at all.
func TestHelloWithTheConsoleSessionCookie(t *testing.T) {
	e := newEnv(t)
	tok := e.login("ana")
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	cookie := http.Header{"Cookie": {SessionCookie + "=" + tok}}
	ws, _, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPHeader: cookie})
	must(t, err)
	t.Cleanup(func() { ws.CloseNow() })
	c := &client{t: t, ws: ws}
	if w := c.call(map[string]any{"type": "hello"}); w.Type != TypeWelcome || w.Agent == nil || w.Agent.ID != "u-ana" {
		t.Fatalf("hello with the cookie: %+v", w)
	}
	ack(t, c.call(map[string]any{"type": "setState", "status": "Available"}))

	evil := http.Header{"Cookie": {SessionCookie + "=" + tok}, "Origin": {"https://evil.example"}}
	if ws, res, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPHeader: evil}); err == nil {
		ws.CloseNow()
		t.Fatal("a cross-origin upgrade with the session cookie was accepted")
	} else if res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin upgrade: %v %v", res, err)
	}
	// Neither a token nor a cookie: unauthenticated, as before.
	wantError(t, e.dial().call(map[string]any{"type": "hello"}), CodeUnauthenticated)
}
