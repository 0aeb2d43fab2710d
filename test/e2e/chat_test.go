//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/function"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/webhook"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestChatReachesAnAgent runs a chat through the binary: the API starts it,
// the flow greets the customer and queues the contact, the router offers it
// to an auto-accept agent on the agent WebSocket, the two chat both ways,
// the agent ends the contact and completes after-contact work, and the
// contact record is stored.
func TestChatReachesAnAgent(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := b.args(t)
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "chat"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			// The instance: hours, a queue, a profile, an agent, a published flow.
			var inst core.Instance
			c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "chat-e2e"}, http.StatusCreated, &inst)
			var hoo core.HoursOfOperation
			c.call(t, "POST", instancePath(inst.ID, "hours-of-operation"), alwaysOpen("24x7"), http.StatusCreated, &hoo)
			var q core.Queue
			c.call(t, "POST", instancePath(inst.ID, "queues"), map[string]any{"name": "Support", "hoursOfOperationId": hoo.ID}, http.StatusCreated, &q)
			var rp core.RoutingProfile
			c.call(t, "POST", instancePath(inst.ID, "routing-profiles"), map[string]any{"name": "Chat",
				"queues":             []any{map[string]any{"queueId": q.ID, "channel": "CHAT", "priority": 1}},
				"mediaConcurrencies": []any{map[string]any{"channel": "CHAT", "concurrency": 1}}}, http.StatusCreated, &rp)
			var sp string
			for _, raw := range c.listAll(t, instancePath(inst.ID, "security-profiles")) {
				var p core.SecurityProfile
				if err := json.Unmarshal(raw, &p); err != nil {
					t.Fatal(err)
				}
				if p.Name == "Agent" {
					sp = p.ID
				}
			}
			if sp == "" {
				t.Fatal("the instance has no Agent security profile")
			}
			const password = "correct horse battery"
			var user core.User
			c.call(t, "POST", instancePath(inst.ID, "users"), map[string]any{"username": "ana", "firstName": "Ana",
				"securityProfileIds": []string{sp}, "routingProfileId": rp.ID, "autoAccept": true, "password": password},
				http.StatusCreated, &user)
			var fl core.Flow
			c.call(t, "POST", instancePath(inst.ID, "flows"), map[string]any{"name": "Chat in", "type": "CONTACT_FLOW",
				"content": chatFlow(q.ID)}, http.StatusCreated, &fl)
			c.call(t, "POST", instancePath(inst.ID, "flows", fl.ID, "publish"), nil, http.StatusOK, nil)

			// A CRM follows the contact events through a signed webhook.
			hook := newHookReceiver(t, "whsec-e2e-0123456789")
			c.call(t, "POST", instancePath(inst.ID, "webhook-subscriptions"), map[string]any{"name": "crm",
				"url": hook.srv.URL, "secret": "whsec-e2e-0123456789", "internal": true}, http.StatusCreated, nil)

			// The agent logs in, opens the agent WebSocket and becomes Available.
			var login struct {
				Token string `json:"token"`
			}
			anon := newClient(t, s, "")
			anon.call(t, "POST", "/api/v1/auth/login", map[string]any{"instanceId": inst.ID, "username": "ana", "password": password},
				http.StatusOK, &login)
			ag := dialJSON(ctx, t, "ws"+strings.TrimPrefix(s.URL, "http")+"/api/v1/agent")
			ag.send(ctx, t, map[string]any{"v": 1, "type": "hello", "id": "1", "token": login.Token})
			ag.await(ctx, t, "welcome", func(m map[string]any) bool { return m["type"] == "welcome" })
			ag.send(ctx, t, map[string]any{"v": 1, "type": "setState", "id": "2", "status": "Available"})
			ag.await(ctx, t, "Available", func(m map[string]any) bool { return m["type"] == "state" && m["status"] == "Available" })

			// The customer starts a chat and connects.
			var started struct{ ContactId, ParticipantId, ParticipantToken string }
			c.call(t, "POST", instancePath(inst.ID, "contacts", "chat"), map[string]any{"ContactFlowId": fl.ID,
				"ParticipantDetails": map[string]any{"DisplayName": "Jo"}, "Attributes": map[string]any{"topic": "billing"}},
				http.StatusCreated, &started)
			if started.ContactId == "" || started.ParticipantToken == "" {
				t.Fatalf("start chat: %+v", started)
			}
			var conn struct {
				Websocket             struct{ Url string }
				ConnectionCredentials struct{ ConnectionToken string }
			}
			participant(ctx, t, s.URL, "connection", started.ParticipantToken,
				map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, &conn)
			cu := dialJSON(ctx, t, conn.Websocket.Url)
			cu.send(ctx, t, map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
			cu.await(ctx, t, "subscribed", func(m map[string]any) bool { return m["topic"] == "aws/subscribe" })

			// The flow queues the chat; the auto-accept agent gets it.
			ag.await(ctx, t, "contactConnected", func(m map[string]any) bool {
				return m["type"] == "contactConnected" && m["contactId"] == started.ContactId
			})

			// Agent → customer.
			ag.send(ctx, t, map[string]any{"v": 1, "type": "sendMessage", "id": "3", "contactId": started.ContactId, "content": "Hello Jo, Ana here"})
			cu.await(ctx, t, "the agent's message", func(m map[string]any) bool {
				if m["topic"] != "aws/chat" {
					return false
				}
				s, _ := m["content"].(string)
				var it map[string]any
				return json.Unmarshal([]byte(s), &it) == nil && it["Content"] == "Hello Jo, Ana here" && it["ParticipantRole"] == "AGENT"
			})

			// Customer → agent.
			participant(ctx, t, s.URL, "message", conn.ConnectionCredentials.ConnectionToken,
				map[string]any{"ContentType": "text/plain", "Content": "My bill is wrong"}, nil)
			ag.await(ctx, t, "the customer's message", func(m map[string]any) bool {
				msg, _ := m["message"].(map[string]any)
				return m["type"] == "message" && msg["content"] == "My bill is wrong" && msg["participantRole"] == "CUSTOMER"
			})

			// The agent ends the contact and completes after-contact work.
			ag.send(ctx, t, map[string]any{"v": 1, "type": "endContact", "id": "4", "contactId": started.ContactId})
			ag.await(ctx, t, "acwStarted", func(m map[string]any) bool { return m["type"] == "acwStarted" && m["contactId"] == started.ContactId })
			ag.send(ctx, t, map[string]any{"v": 1, "type": "completeAcw", "id": "5", "contactId": started.ContactId})
			ag.await(ctx, t, "acwEnded", func(m map[string]any) bool { return m["type"] == "acwEnded" && m["contactId"] == started.ContactId })
			cu.close()

			// The webhook got the contact's events, signed and in order.
			if err := e2etest.Poll(30*time.Second, 50*time.Millisecond, func() (bool, error) {
				return slices.Contains(hook.types(started.ContactId), "COMPLETED"), nil
			}); err != nil {
				t.Fatalf("webhook: no COMPLETED for the contact; got %v", hook.types(started.ContactId))
			}
			delivered := hook.types(started.ContactId)
			t.Logf("webhook events for the contact: %v", delivered)
			wantOrder := []string{"INITIATED", "QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED"}
			if !isSubsequence(wantOrder, delivered) || delivered[0] != "INITIATED" || delivered[len(delivered)-1] != "COMPLETED" {
				t.Errorf("webhook events for the contact = %v, want %v in this order", delivered, wantOrder)
			}
			if bad := hook.badSignatures.Load(); bad != 0 {
				t.Errorf("%d webhook deliveries had a bad signature", bad)
			}

			// A second customer leaves while queued, with no agent available:
			// the contact ends and the router forgets it.
			ag.send(ctx, t, map[string]any{"v": 1, "type": "setState", "id": "6", "status": "Offline"})
			ag.await(ctx, t, "Offline", func(m map[string]any) bool { return m["type"] == "state" && m["status"] == "Offline" })
			var left struct{ ContactId, ParticipantToken string }
			c.call(t, "POST", instancePath(inst.ID, "contacts", "chat"), map[string]any{"ContactFlowId": fl.Name,
				"ParticipantDetails": map[string]any{"DisplayName": "Max"}}, http.StatusCreated, &left)
			participant(ctx, t, s.URL, "connection", left.ParticipantToken,
				map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, &conn)
			cu = dialJSON(ctx, t, conn.Websocket.Url)
			cu.send(ctx, t, map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
			// The greeting may precede the subscription: read the transcript.
			if err := e2etest.Poll(10*time.Second, 20*time.Millisecond, func() (bool, error) {
				var tr json.RawMessage
				participant(ctx, t, s.URL, "transcript", conn.ConnectionCredentials.ConnectionToken, map[string]any{}, &tr)
				return strings.Contains(string(tr), "Welcome!"), nil
			}); err != nil {
				t.Fatalf("the greeting: %v", err)
			}
			time.Sleep(200 * time.Millisecond) // let the flow queue the contact
			participant(ctx, t, s.URL, "disconnect", conn.ConnectionCredentials.ConnectionToken, map[string]any{}, nil)
			time.Sleep(200 * time.Millisecond)
			ag.send(ctx, t, map[string]any{"v": 1, "type": "setState", "id": "7", "status": "Available"})
			ag.send(ctx, t, map[string]any{"v": 1, "type": "heartbeat", "id": "8"})
			ag.await(ctx, t, "the heartbeat's ack", func(m map[string]any) bool {
				if m["type"] == "offer" || m["type"] == "contactConnected" {
					t.Errorf("the contact of a customer who left was routed: %v", m)
				}
				return m["type"] == "ack" && m["re"] == "8"
			})
			time.Sleep(300 * time.Millisecond)
			ag.close()
			for _, m := range drain(ag) {
				if m["type"] == "offer" || m["type"] == "contactConnected" {
					t.Errorf("the contact of a customer who left was routed: %v", m)
				}
			}
			cu.close()
			s.Stop(15 * time.Second)
			if !strings.Contains(s.Log(), "switchboard ready") {
				t.Errorf("the server log is not captured: %q", s.Log())
			}
			for _, line := range strings.Split(s.Log(), "\n") {
				if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") || strings.Contains(line, "DATA RACE") {
					t.Errorf("server log: %s", line)
				}
			}

			// The contact record, read from the server's store.
			opts := store.Options{DataDir: s.DataDir}
			if i := slices.Index(args, "--database-url"); i >= 0 {
				opts.DatabaseURL = args[i+1]
			}
			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			m := contact.New(st, contact.Options{})
			got, err := m.Get(ctx, inst.ID, started.ContactId)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != contact.Ended || got.Agent == nil || got.Agent.ID != user.ID || got.Queue == nil || got.Queue.ID != q.ID {
				t.Errorf("contact after the chat: state %s, agent %+v, queue %+v", got.State, got.Agent, got.Queue)
			}
			gone, err := m.Get(ctx, inst.ID, left.ContactId)
			if err != nil {
				t.Fatal(err)
			}
			if gone.State != contact.Ended || gone.DisconnectReason != contact.CustomerDisconnect || gone.Agent != nil {
				t.Errorf("contact of the customer who left: state %s, reason %s, agent %+v", gone.State, gone.DisconnectReason, gone.Agent)
			}
			rec, err := m.GetRecord(ctx, inst.ID, started.ContactId)
			if err != nil {
				t.Fatalf("contact record: %v", err)
			}
			if rec.Channel != contact.Chat || rec.DisconnectReason != contact.AgentDisconnect {
				t.Errorf("contact record: channel %s, disconnect reason %s", rec.Channel, rec.DisconnectReason)
			}
		})
	}
}

// chatFlow greets the customer and queues the chat.
func chatFlow(queueID string) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "greet",
		"Actions": []any{
			map[string]any{"Identifier": "greet", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Welcome! An agent will be with you shortly."},
				"Transitions": map[string]any{"NextAction": "set-queue", "Errors": errs}},
			map[string]any{"Identifier": "set-queue", "Type": "UpdateContactTargetQueue", "Parameters": map[string]any{"QueueId": queueID},
				"Transitions": map[string]any{"NextAction": "transfer", "Errors": errs}},
			map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
				"Transitions": map[string]any{"Errors": []any{
					map[string]any{"NextAction": "end", "ErrorType": "QueueAtCapacity"},
					map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

// participant calls the customer's participant API with a bearer token.
func participant(ctx context.Context, t *testing.T, base, op, token string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/participant/"+op, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Bearer", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("participant %s: %v", op, err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("participant %s: status %d: %s", op, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("participant %s: %v: %s", op, err, raw)
		}
	}
}

// jsonWS is a WebSocket of JSON frames, read by a goroutine.
type jsonWS struct {
	ws   *websocket.Conn
	in   chan map[string]any
	seen []string
}

func dialJSON(ctx context.Context, t *testing.T, url string) *jsonWS {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
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
	b, _ := json.Marshal(v)
	if err := j.ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("send %s: %v", b, err)
	}
}

// await reads frames until one matches.
func (j *jsonWS) await(ctx context.Context, t *testing.T, what string, ok func(map[string]any) bool) map[string]any {
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
	var ms []map[string]any
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
				ContactID string `json:"contactId"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &env)
		h.mu.Lock()
		h.byContact[env.Data.ContactID] = append(h.byContact[env.Data.ContactID], r.Header.Get(webhook.EventTypeHeader))
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
