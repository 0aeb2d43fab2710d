//go:build e2e

package e2e

// The chat fixture: an instance set up over the API with a queue, a routing
// profile, agents and a published flow (setupChatCenter); agents on the agent
// WebSocket (chatCenter.agentWS); customers on the participant API and its
// WebSocket (startCustomer); and the server's store opened from the test
// (openServerStore), to read what the process wrote once it has stopped; and
// the server's stream of contact events (openEventStream).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/function"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/webhook"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// agentPassword is the password of every agent setupChatCenter creates.
const agentPassword = "correct horse battery"

// chatCenterOptions configure setupChatCenter. The zero value is one
// manual-accept agent with chat concurrency 1 and chatFlow.
type chatCenterOptions struct {
	// Alias is the instance alias; "chat-e2e" when empty.
	Alias string
	// Agents is the number of agents, named agent0, agent1…; 0 means 1.
	Agents int
	// AutoAccept makes the agents auto-accept offered contacts.
	AutoAccept bool
	// Concurrency is the CHAT concurrency of the routing profile; 0 means 1.
	Concurrency int
	// Flow returns the content of the inbound flow given the queue's id;
	// nil means chatFlow.
	Flow func(queueID string) map[string]any
}

// agentLogin is an agent's credentials and user id.
type agentLogin struct {
	Username, Password, UserID string
}

// chatCenter is an instance ready to take chats: a 24x7 queue, a routing
// profile serving it on CHAT, agents on that profile and a published flow.
type chatCenter struct {
	Inst    core.Instance
	Queue   core.Queue
	Profile core.RoutingProfile
	Flow    core.Flow
	Agents  []agentLogin
}

// setupChatCenter creates a chatCenter over the API with the admin client c.
func setupChatCenter(t *testing.T, c *client, o chatCenterOptions) *chatCenter {
	t.Helper()
	if o.Alias == "" {
		o.Alias = "chat-e2e"
	}
	if o.Agents == 0 {
		o.Agents = 1
	}
	if o.Concurrency == 0 {
		o.Concurrency = 1
	}
	if o.Flow == nil {
		o.Flow = chatFlow
	}
	cc := &chatCenter{}
	c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": o.Alias}, http.StatusCreated, &cc.Inst)
	id := cc.Inst.ID
	var hoo core.HoursOfOperation
	c.call(t, "POST", instancePath(id, "hours-of-operation"), alwaysOpen("24x7"), http.StatusCreated, &hoo)
	c.call(t, "POST", instancePath(id, "queues"), map[string]any{"name": "Support", "hoursOfOperationId": hoo.ID},
		http.StatusCreated, &cc.Queue)
	c.call(t, "POST", instancePath(id, "routing-profiles"), map[string]any{"name": "Chat",
		"queues":             []any{map[string]any{"queueId": cc.Queue.ID, "channel": "CHAT", "priority": 1}},
		"mediaConcurrencies": []any{map[string]any{"channel": "CHAT", "concurrency": o.Concurrency}}},
		http.StatusCreated, &cc.Profile)
	sp := agentSecurityProfile(t, c, id)
	for i := range o.Agents {
		name := fmt.Sprintf("agent%d", i)
		var user core.User
		c.call(t, "POST", instancePath(id, "users"), map[string]any{"username": name, "firstName": fmt.Sprintf("Agent %d", i),
			"securityProfileIds": []string{sp}, "routingProfileId": cc.Profile.ID, "autoAccept": o.AutoAccept,
			"password": agentPassword}, http.StatusCreated, &user)
		cc.Agents = append(cc.Agents, agentLogin{Username: name, Password: agentPassword, UserID: user.ID})
	}
	c.call(t, "POST", instancePath(id, "flows"), map[string]any{"name": "Chat in", "type": "CONTACT_FLOW",
		"content": o.Flow(cc.Queue.ID)}, http.StatusCreated, &cc.Flow)
	c.call(t, "POST", instancePath(id, "flows", cc.Flow.ID, "publish"), nil, http.StatusOK, nil)
	return cc
}

// agentSecurityProfile returns the ID of the instance's built-in Agent
// security profile.
func agentSecurityProfile(t *testing.T, c *client, instanceID string) string {
	t.Helper()
	for _, raw := range c.listAll(t, instancePath(instanceID, "security-profiles")) {
		var p core.SecurityProfile
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		if p.Name == "Agent" {
			return p.ID
		}
	}
	t.Fatal("the instance has no Agent security profile")
	return ""
}

// agentWS logs agent i in, opens the agent WebSocket and says hello; it
// returns the socket (past the welcome) and the session token.
func (cc *chatCenter) agentWS(ctx context.Context, t *testing.T, s *e2etest.Server, i int) (*jsonWS, string) {
	t.Helper()
	a := cc.Agents[i]
	var login struct {
		Token string `json:"token"`
	}
	newClient(t, s, "").call(t, "POST", "/api/v1/auth/login",
		map[string]any{"instanceId": cc.Inst.ID, "username": a.Username, "password": a.Password}, http.StatusOK, &login)
	ag := dialJSON(ctx, t, "ws"+strings.TrimPrefix(s.URL, "http")+"/api/v1/agent")
	ag.send(ctx, t, map[string]any{"v": 1, "type": "hello", "id": "hello", "token": login.Token})
	ag.await(ctx, t, "welcome", func(m map[string]any) bool { return m["type"] == "welcome" })
	return ag, login.Token
}

// agentFrameID numbers the requests the helpers send on agent sockets.
var agentFrameID atomic.Int64

// request sends an agent frame of type typ with fields and a fresh id, and
// waits for its reply (an ack or an error), which it returns. Other frames
// that arrive meanwhile are kept for later awaits.
func (j *jsonWS) request(ctx context.Context, t *testing.T, typ string, fields map[string]any) map[string]any {
	t.Helper()
	id := fmt.Sprintf("r%d", agentFrameID.Add(1))
	m := map[string]any{"v": 1, "type": typ, "id": id}
	for k, v := range fields {
		m[k] = v
	}
	j.send(ctx, t, m)
	var skipped []map[string]any
	defer func() { j.pending = append(j.pending, skipped...) }()
	return j.awaitSocket(ctx, t, typ+" reply", func(m map[string]any) bool {
		if m["re"] == id {
			return true
		}
		skipped = append(skipped, m)
		return false
	})
}

// setState sets the agent's status and waits for the state event.
func (j *jsonWS) setState(ctx context.Context, t *testing.T, status string) {
	t.Helper()
	j.send(ctx, t, map[string]any{"v": 1, "type": "setState", "id": fmt.Sprintf("r%d", agentFrameID.Add(1)), "status": status})
	j.await(ctx, t, status, func(m map[string]any) bool { return m["type"] == "state" && m["status"] == status })
}

// awaitEvent waits for an agent event of type typ about contactID.
func (j *jsonWS) awaitEvent(ctx context.Context, t *testing.T, typ, contactID string) map[string]any {
	t.Helper()
	return j.await(ctx, t, typ+" of "+contactID, func(m map[string]any) bool {
		return m["type"] == typ && m["contactId"] == contactID
	})
}

// customer is a chat customer: the contact, its tokens and its WebSocket,
// subscribed to aws/chat.
type customer struct {
	ContactID, ParticipantID, ParticipantToken, ConnectionToken string
	WS                                                          *jsonWS
	base                                                        string
}

// startCustomer starts a chat on cc's flow with c (the admin client) as the
// customer displayName, creates the participant connection and subscribes
// its WebSocket to aws/chat.
func startCustomer(ctx context.Context, t *testing.T, s *e2etest.Server, c *client, cc *chatCenter, displayName string) *customer {
	t.Helper()
	return startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
		"ParticipantDetails": map[string]any{"DisplayName": displayName}})
}

// startCustomerWith is startCustomer with the StartChatContact body given.
func startCustomerWith(ctx context.Context, t *testing.T, s *e2etest.Server, c *client, cc *chatCenter, body map[string]any) *customer {
	t.Helper()
	var started struct{ ContactId, ParticipantId, ParticipantToken string }
	c.call(t, "POST", instancePath(cc.Inst.ID, "contacts", "chat"), body, http.StatusCreated, &started)
	if started.ContactId == "" || started.ParticipantToken == "" {
		t.Fatalf("start chat: %+v", started)
	}
	var conn struct {
		Websocket             struct{ Url string }
		ConnectionCredentials struct{ ConnectionToken string }
	}
	participant(ctx, t, s.URL, "connection", started.ParticipantToken,
		map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, &conn)
	cu := &customer{ContactID: started.ContactId, ParticipantID: started.ParticipantId,
		ParticipantToken: started.ParticipantToken, ConnectionToken: conn.ConnectionCredentials.ConnectionToken, base: s.URL}
	cu.WS = dialJSON(ctx, t, conn.Websocket.Url)
	cu.WS.send(ctx, t, map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
	cu.WS.await(ctx, t, "subscribed", func(m map[string]any) bool { return m["topic"] == "aws/subscribe" })
	return cu
}

// send posts a text/plain message as the customer.
func (cu *customer) send(ctx context.Context, t *testing.T, content string) {
	t.Helper()
	participant(ctx, t, cu.base, "message", cu.ConnectionToken,
		map[string]any{"ContentType": "text/plain", "Content": content}, nil)
}

// disconnect leaves the chat as the customer.
func (cu *customer) disconnect(ctx context.Context, t *testing.T) {
	t.Helper()
	participant(ctx, t, cu.base, "disconnect", cu.ConnectionToken, map[string]any{}, nil)
}

// chatItem is a transcript item as the participant API sends it.
type chatItem struct {
	Id, Type, ContentType, Content, ParticipantRole, DisplayName, AbsoluteTime string
}

// chatItemOf decodes the item of an aws/chat WebSocket frame.
func chatItemOf(m map[string]any) (chatItem, bool) {
	var it chatItem
	if m["topic"] != "aws/chat" {
		return it, false
	}
	s, _ := m["content"].(string)
	return it, json.Unmarshal([]byte(s), &it) == nil
}

// awaitItem waits on the customer's WebSocket for a MESSAGE item with
// content and role (any role when empty).
func (cu *customer) awaitItem(ctx context.Context, t *testing.T, content, role string) chatItem {
	t.Helper()
	var got chatItem
	cu.WS.await(ctx, t, fmt.Sprintf("%s message %q", role, content), func(m map[string]any) bool {
		it, ok := chatItemOf(m)
		if ok && it.Type == "MESSAGE" && it.Content == content && (role == "" || it.ParticipantRole == role) {
			got = it
			return true
		}
		return false
	})
	return got
}

// transcript reads the whole transcript, oldest first, over the participant API.
func (cu *customer) transcript(ctx context.Context, t *testing.T) []chatItem {
	t.Helper()
	var all []chatItem
	next := ""
	for {
		body := map[string]any{"MaxResults": 100, "ScanDirection": "FORWARD", "SortOrder": "ASCENDING"}
		if next != "" {
			body["NextToken"] = next
		}
		var page struct {
			Transcript []chatItem
			NextToken  string
		}
		participant(ctx, t, cu.base, "transcript", cu.ConnectionToken, body, &page)
		all = append(all, page.Transcript...)
		if page.NextToken == "" {
			return all
		}
		next = page.NextToken
	}
}

// awaitTranscript polls the transcript until it has a MESSAGE with content.
func (cu *customer) awaitTranscript(ctx context.Context, t *testing.T, content string) {
	t.Helper()
	if err := e2etest.Poll(10*time.Second, 20*time.Millisecond, func() (bool, error) {
		return slices.ContainsFunc(cu.transcript(ctx, t), func(it chatItem) bool { return it.Type == "MESSAGE" && it.Content == content }), nil
	}); err != nil {
		t.Fatalf("transcript: no message %q: %v", content, err)
	}
}

// openServerStore opens the store of server s, started with args (its
// --database-url, if any), from the test. Stop the server first when using
// SQLite. The store is closed when the test ends.
func openServerStore(ctx context.Context, t *testing.T, s *e2etest.Server, args []string) *store.Store {
	t.Helper()
	opts := store.Options{DataDir: s.DataDir}
	if i := slices.Index(args, "--database-url"); i >= 0 {
		opts.DatabaseURL = args[i+1]
	}
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// participant calls the customer's participant API with a bearer token.
func participant(ctx context.Context, t *testing.T, base, op, token string, body, out any) {
	t.Helper()
	status, _, raw := participantRaw(ctx, t, base, op, token, body)
	if status != http.StatusOK {
		t.Fatalf("participant %s: status %d: %s", op, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("participant %s: %v: %s", op, err, raw)
		}
	}
}

// participantRaw calls the participant API and returns the status, headers
// and body, whatever the status. body is sent as JSON, a []byte as is.
func participantRaw(ctx context.Context, t *testing.T, base, op, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	b, ok := body.([]byte)
	if !ok {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/participant/"+op, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Amz-Bearer", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("participant %s: %v", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("participant %s: %v", op, err)
	}
	return resp.StatusCode, resp.Header, raw
}

// jsonWS is a WebSocket of JSON frames, read by a goroutine.
type jsonWS struct {
	ws *websocket.Conn
	in chan map[string]any
	// pending holds frames request read past while waiting for its reply;
	// await reads them before the socket's.
	pending []map[string]any
	seen    []string
}

func dialJSON(ctx context.Context, t *testing.T, url string) *jsonWS {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	ws.SetReadLimit(1 << 20)
	j := &jsonWS{ws: ws, in: make(chan map[string]any, 256)}
	t.Cleanup(j.close)
	go func() {
		defer close(j.in)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				j.in <- m
			}
		}
	}()
	return j
}

func (j *jsonWS) send(ctx context.Context, t *testing.T, v any) {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		b, _ = json.Marshal(v)
	}
	if err := j.ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("send %s: %v", b, err)
	}
}

// await reads frames until one matches, dropping those before it.
func (j *jsonWS) await(ctx context.Context, t *testing.T, what string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	for len(j.pending) > 0 {
		m := j.pending[0]
		j.pending = j.pending[1:]
		if ok(m) {
			return m
		}
	}
	return j.awaitSocket(ctx, t, what, ok)
}

// awaitSocket is await without the pending frames.
func (j *jsonWS) awaitSocket(ctx context.Context, t *testing.T, what string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, open := <-j.in:
			if !open {
				t.Fatalf("waiting for %s: the WebSocket closed; saw %v", what, j.seen)
			}
			b, _ := json.Marshal(m)
			j.seen = append(j.seen, string(b))
			if ok(m) {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s within 20s; saw %s", what, fmt.Sprint(j.seen))
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

// drain returns the frames already received.
func drain(j *jsonWS) []map[string]any {
	ms := j.pending
	j.pending = nil
	for {
		select {
		case m, ok := <-j.in:
			if !ok {
				return ms
			}
			ms = append(ms, m)
		default:
			return ms
		}
	}
}

func (j *jsonWS) close() { j.ws.Close(websocket.StatusNormalClosure, "") }

// hookReceiver is a CRM's webhook endpoint: it verifies each delivery's
// signature and records the event types per contact, in arrival order.
type hookReceiver struct {
	srv           *httptest.Server
	mu            sync.Mutex
	byContact     map[string][]string
	agentEvents   int // deliveries of agent events
	badSignatures atomic.Int64
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{byContact: map[string][]string{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := function.Verify(secret, r.Header.Get(function.SignatureHeader), r.Header.Get(function.TimestampHeader),
			body, time.Now(), function.DefaultMaxSkew); err != nil {
			h.badSignatures.Add(1)
		}
		var env struct {
			Data struct {
				EventType string `json:"eventType"` // contact events only
				ContactID string `json:"contactId"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &env)
		h.mu.Lock()
		if env.Data.EventType != "" { // agent events (which also name contacts) are not the contact's
			h.byContact[env.Data.ContactID] = append(h.byContact[env.Data.ContactID], r.Header.Get(webhook.EventTypeHeader))
		} else {
			h.agentEvents++
		}
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) types(contactID string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.byContact[contactID])
}

// isSubsequence reports whether want appears in got in order.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// eventStream reads the contact events a server published on its JetStream
// stream: from the external NATS server of its args (--nats-url,
// --nats-prefix), or from its embedded one, which must have been started
// with --nats-listen (see withNATSListen).
type eventStream struct {
	js     jetstream.JetStream
	stream string // e.g. SB_CONTACT_EVENTS
	next   uint64 // the next stream sequence to read
	events []bus.Envelope[contact.Event]
}

// withNATSListen adds --nats-listen on a random loopback port to args
// unless they name an external NATS server, so that the test can read the
// embedded server's streams.
func withNATSListen(args []string) []string {
	if slices.Contains(args, "--nats-url") {
		return args
	}
	return append(slices.Clone(args), "--nats-listen", "127.0.0.1:0")
}

// openEventStream connects to the NATS server of s, started with args.
func openEventStream(ctx context.Context, t *testing.T, s *e2etest.Server, args []string) *eventStream {
	t.Helper()
	url, prefix := "", "sb"
	if i := slices.Index(args, "--nats-url"); i >= 0 {
		url = args[i+1]
	}
	if i := slices.Index(args, "--nats-prefix"); i >= 0 {
		prefix = args[i+1]
	}
	if url == "" {
		for _, line := range strings.Split(s.Log(), "\n") {
			var l struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "bus: embedded NATS server listening" {
				url = l.URL
			}
		}
		if url == "" {
			t.Fatal("the server did not log where its embedded NATS listens (start it with withNATSListen)")
		}
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &eventStream{js: js, stream: strings.ToUpper(prefix) + "_CONTACT_EVENTS", next: 1}
}

// read reads the events published since the last read.
func (es *eventStream) read(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := es.tryRead(ctx); err != nil {
		t.Fatal(err)
	}
}

// tryRead is read returning its error. Each JetStream call is bounded by
// a few seconds, so that a server that does not answer is an error, not a
// hang until ctx ends.
func (es *eventStream) tryRead(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := es.js.Stream(cctx, es.stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", es.stream, err)
	}
	info, err := st.Info(cctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", es.stream, err)
	}
	for ; es.next <= info.State.LastSeq; es.next++ {
		msg, err := st.GetMsg(cctx, es.next)
		if err != nil {
			return fmt.Errorf("stream %s message %d: %w", es.stream, es.next, err)
		}
		var env bus.Envelope[contact.Event]
		if err := json.Unmarshal(msg.Data, &env); err != nil {
			return fmt.Errorf("stream %s message %d: %w: %s", es.stream, es.next, err, msg.Data)
		}
		es.events = append(es.events, env)
	}
	return nil
}

// of returns the events of a contact read so far, in stream order.
func (es *eventStream) of(contactID string) []bus.Envelope[contact.Event] {
	var out []bus.Envelope[contact.Event]
	for _, e := range es.events {
		if e.Data.ContactID == contactID {
			out = append(out, e)
		}
	}
	return out
}

// types returns the event types of a contact read so far, in stream order.
func (es *eventStream) types(contactID string) []string {
	var out []string
	for _, e := range es.of(contactID) {
		out = append(out, string(e.Data.EventType))
	}
	return out
}

// awaitType reads the stream until it has an event of type typ for the contact.
func (es *eventStream) awaitType(ctx context.Context, t *testing.T, contactID string, typ contact.EventType) {
	t.Helper()
	var lastErr error
	if err := e2etest.Poll(20*time.Second, 20*time.Millisecond, func() (bool, error) {
		if lastErr = es.tryRead(ctx); lastErr != nil {
			return false, nil // retried: the server may still be starting its streams
		}
		return slices.Contains(es.types(contactID), string(typ)), nil
	}); err != nil {
		t.Fatalf("stream %s: no %s for contact %s; got %v (last read error: %v)", es.stream, typ, contactID, es.types(contactID), lastErr)
	}
}

// voiceQueueCenter creates an instance (alias) for agent-voice tests: a 24x7
// queue "Support", a "Voice" routing profile taking one VOICE contact at a
// time from it, a trunk "local" admitting 127.0.0.1 (with its outbound
// proxy when proxy is set), and number, whose flow says "Please hold." and
// queues the call. Agents are added with addAgent.
func voiceQueueCenter(t *testing.T, c *client, s *e2etest.Server, alias, number, proxy string) (*voiceCenter, *chatCenter) {
	t.Helper()
	vc := &voiceCenter{SIP: s.SIPAddr(20 * time.Second)}
	c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": alias}, http.StatusCreated, &vc.Inst)
	id := vc.Inst.ID
	var hoo core.HoursOfOperation
	c.call(t, "POST", instancePath(id, "hours-of-operation"), alwaysOpen("24x7"), http.StatusCreated, &hoo)
	c.call(t, "POST", instancePath(id, "queues"), map[string]any{"name": "Support", "hoursOfOperationId": hoo.ID},
		http.StatusCreated, &vc.Queue)
	cc := &chatCenter{Inst: vc.Inst, Queue: vc.Queue}
	c.call(t, "POST", instancePath(id, "routing-profiles"), map[string]any{"name": "Voice",
		"queues":             []any{map[string]any{"queueId": vc.Queue.ID, "channel": "VOICE", "priority": 1}},
		"mediaConcurrencies": []any{map[string]any{"channel": "VOICE", "concurrency": 1}}},
		http.StatusCreated, &cc.Profile)
	trunk := map[string]any{"name": "local", "allowedSources": []string{"127.0.0.1/32"}}
	if proxy != "" {
		trunk["outboundProxy"] = proxy
	}
	c.call(t, "POST", instancePath(id, "trunks"), trunk, http.StatusCreated, nil)
	fl := publishFlow(t, c, id, "Queue "+number, holdFlow(vc.Queue.ID))
	c.call(t, "POST", instancePath(id, "phone-numbers"), map[string]any{"number": number, "flowId": fl.ID},
		http.StatusCreated, nil)
	return vc, cc
}

// addAgent creates an agent of cc's instance on its routing profile, with
// the Agent security profile, agentPassword and the user fields given
// (username at least), and adds its login to cc.Agents.
func addAgent(t *testing.T, c *client, cc *chatCenter, fields map[string]any) core.User {
	t.Helper()
	body := map[string]any{"securityProfileIds": []string{agentSecurityProfile(t, c, cc.Inst.ID)},
		"routingProfileId": cc.Profile.ID, "password": agentPassword}
	maps.Copy(body, fields)
	var u core.User
	c.call(t, "POST", instancePath(cc.Inst.ID, "users"), body, http.StatusCreated, &u)
	cc.Agents = append(cc.Agents, agentLogin{Username: u.Username, Password: agentPassword, UserID: u.ID})
	return u
}
