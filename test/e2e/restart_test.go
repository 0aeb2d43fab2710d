//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/flowtest"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestKillMidConversationAndRestart kills the server (SIGKILL) while one
// chat is connected to an agent and another waits in the queue, restarts it
// on the same data, and requires: the queued contact is still queued and is
// offered once the agent is back; the connected chat resumes for both sides
// (the agent's session survives, its console reconnects and sees the
// contact; the customer reconnects with its participant token and the old
// connection token still works); each contact ends with exactly one contact
// record and one COMPLETED event on the stream.
func TestKillMidConversationAndRestart(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := withNATSListen(b.args(t))
			killMidConversation(t, args, nil, func(t *testing.T, dead *e2etest.Server) *e2etest.Server {
				return e2etest.Start(t, bin, e2etest.Options{Args: args, DataDir: dead.DataDir, Name: "after the restart"})
			})
		})
	}
}

// TestStandbyTakesOverAfterAKill runs two processes on one PostgreSQL and
// one NATS: the second stands by (not ready) while the first holds the
// contact-center lease, and takes over when the first is killed, with the
// same guarantees as a restart.
func TestStandbyTakesOverAfterAKill(t *testing.T) {
	var shared *backend
	for _, b := range backends() {
		if strings.HasSuffix(b.name, "external-nats") {
			shared = &b
		}
	}
	if shared == nil {
		t.Skip("needs PostgreSQL and an external NATS (SWITCHBOARD_TEST_DATABASE_URL, SWITCHBOARD_TEST_NATS_URL)")
	}
	args := shared.args(t)
	var standby *e2etest.Server
	startStandby := func(t *testing.T, active *e2etest.Server) {
		standby = e2etest.StartNoWait(t, bin, e2etest.Options{Args: args, Name: "standby"})
		if err := e2etest.Poll(20*time.Second, 20*time.Millisecond, func() (bool, error) {
			return httpStatus(standby.URL+"/healthz") == http.StatusOK, nil
		}); err != nil {
			t.Fatalf("the standby does not come up: %v", err)
		}
		if st := httpStatus(standby.URL + "/readyz"); st != http.StatusServiceUnavailable {
			t.Fatalf("the standby's /readyz = %d while the other process holds the lease, want 503", st)
		}
		c := newClient(t, standby, active.AdminToken())
		status, _, body, err := c.send(context.Background(), "POST", instancePath("any", "contacts", "chat"), map[string]any{"ContactFlowId": "x"})
		if err != nil || (status != http.StatusServiceUnavailable && status != http.StatusNotFound) {
			t.Fatalf("start chat on the standby: %d %s %v", status, body, err)
		}
	}
	killMidConversation(t, args, startStandby, func(t *testing.T, dead *e2etest.Server) *e2etest.Server {
		standby.WaitReady(e2etest.ReadyTimeout)
		if !strings.Contains(standby.Log(), "contact center active") {
			t.Errorf("the standby did not log that it took over")
		}
		return standby
	})
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// killMidConversation runs the scenario: before (if not nil) runs once the
// first server is up, and takeOver returns the server that carries on after
// the first is killed.
func killMidConversation(t *testing.T, args []string, before func(t *testing.T, active *e2etest.Server),
	takeOver func(t *testing.T, dead *e2etest.Server) *e2etest.Server) {
	s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "before the kill"})
	token0 := s.AdminToken()
	c := newClient(t, s, token0)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "restart", AutoAccept: true, Concurrency: 2, Flow: restartFlow})
	if before != nil {
		before(t, s)
	}

	ag, token := cc.agentWS(ctx, t, s, 0)
	ag.setState(ctx, t, "Available")
	talking := startCustomer(ctx, t, s, c, cc, "Jo")
	ag.awaitEvent(ctx, t, "contactConnected", talking.ContactID)
	ag.request(ctx, t, "sendMessage", map[string]any{"contactId": talking.ContactID, "content": "before the crash"})
	talking.awaitItem(ctx, t, "before the crash", "AGENT")
	talking.send(ctx, t, "me too")
	awaitAgentMessage(ctx, t, ag, talking.ContactID, "me too")

	// The agent steps away: the next chat waits in the queue.
	ag.setState(ctx, t, "Offline")
	waiting := startCustomer(ctx, t, s, c, cc, "Max")
	awaitContactState(t, c, cc, waiting.ContactID, contact.Queued)

	s.Kill()
	talking.WS.close()
	waiting.WS.close()
	ag.close()

	s = takeOver(t, s)
	c = newClient(t, s, token0)
	awaitContactState(t, c, cc, waiting.ContactID, contact.Queued)
	awaitContactState(t, c, cc, talking.ContactID, contact.Connected)

	// The agent's console reconnects with the session it had: the
	// connected chat is still its own.
	ag = dialJSON(ctx, t, wsURL(s, "/api/v1/agent"))
	ag.send(ctx, t, map[string]any{"v": 1, "type": "hello", "id": "hello", "token": token})
	welcome := ag.await(ctx, t, "welcome", func(m map[string]any) bool { return m["type"] == "welcome" })
	if !welcomeHolds(welcome, talking.ContactID, "Connected") {
		t.Fatalf("welcome after the restart does not hold the connected chat: %v", welcome)
	}

	// The customer reconnects: a new WebSocket from its participant
	// token, and the connection token it had still posts.
	reconnectCustomer(ctx, t, s, talking)
	ag.request(ctx, t, "sendMessage", map[string]any{"contactId": talking.ContactID, "content": "still here"})
	talking.awaitItem(ctx, t, "still here", "AGENT")
	talking.send(ctx, t, "great")
	awaitAgentMessage(ctx, t, ag, talking.ContactID, "great")

	// Back to Available: the queued chat is offered (auto-accept).
	ag.setState(ctx, t, "Available")
	ag.awaitEvent(ctx, t, "contactConnected", waiting.ContactID)
	reconnectCustomer(ctx, t, s, waiting)
	ag.request(ctx, t, "sendMessage", map[string]any{"contactId": waiting.ContactID, "content": "sorry for the wait"})
	waiting.awaitItem(ctx, t, "sorry for the wait", "AGENT")

	for _, cu := range []*customer{talking, waiting} {
		if r := ag.request(ctx, t, "endContact", map[string]any{"contactId": cu.ContactID}); r["type"] != "ack" {
			t.Fatalf("endContact %s: %v", cu.ContactID, r)
		}
		ag.awaitEvent(ctx, t, "acwStarted", cu.ContactID)
		if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": cu.ContactID}); r["type"] != "ack" {
			t.Fatalf("completeAcw %s: %v", cu.ContactID, r)
		}
		ag.awaitEvent(ctx, t, "acwEnded", cu.ContactID)
	}

	// The whole conversation is in the transcript, across the crash.
	var said []string
	for _, it := range talking.transcript(ctx, t) {
		if it.Type == "MESSAGE" && it.ParticipantRole != "SYSTEM" {
			said = append(said, it.Content)
		}
	}
	if want := []string{"before the crash", "me too", "still here", "great"}; !slices.Equal(said, want) {
		t.Errorf("transcript across the restart: %q, want %q", said, want)
	}

	// One record and one COMPLETED event per contact.
	es := openEventStream(ctx, t, s, args)
	for _, cu := range []*customer{talking, waiting} {
		es.awaitType(ctx, t, cu.ContactID, contact.EventCompleted)
	}
	es.read(ctx, t)
	s.Stop(15 * time.Second)
	st := openServerStore(ctx, t, s, args)
	m := contact.New(st, contact.Options{})
	recs, _, err := m.ListRecords(ctx, contact.RecordQuery{InstanceID: cc.Inst.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, cu := range []*customer{talking, waiting} {
		n := 0
		for _, r := range recs {
			if r.ID == cu.ContactID {
				n++
				if r.DisconnectReason != contact.AgentDisconnect || r.Agent == nil || r.Agent.ID != cc.Agents[0].UserID {
					t.Errorf("record of %s: reason %s, agent %+v", cu.ContactID, r.DisconnectReason, r.Agent)
				}
			}
		}
		if n != 1 {
			t.Errorf("contact %s has %d records, want 1", cu.ContactID, n)
		}
		completed := 0
		for _, typ := range es.types(cu.ContactID) {
			if typ == string(contact.EventCompleted) {
				completed++
			}
		}
		if completed != 1 {
			t.Errorf("contact %s: %d COMPLETED events on the stream, want 1 (%v)", cu.ContactID, completed, es.types(cu.ContactID))
		}
	}
}

// awaitContactState polls the contacts API until the contact is in state.
func awaitContactState(t *testing.T, c *client, cc *chatCenter, contactID string, state contact.State) {
	t.Helper()
	var got contact.Contact
	if err := e2etest.Poll(20*time.Second, 20*time.Millisecond, func() (bool, error) {
		c.call(t, "GET", instancePath(cc.Inst.ID, "contacts", contactID), nil, http.StatusOK, &got)
		return got.State == state, nil
	}); err != nil {
		t.Fatalf("contact %s is %s, want %s", contactID, got.State, state)
	}
}

// awaitAgentMessage waits on an agent socket for a chat message of a contact.
func awaitAgentMessage(ctx context.Context, t *testing.T, ag *jsonWS, contactID, content string) {
	t.Helper()
	ag.await(ctx, t, "message "+content, func(m map[string]any) bool {
		msg, _ := m["message"].(map[string]any)
		return m["type"] == "message" && m["contactId"] == contactID && msg["content"] == content
	})
}

// welcomeHolds reports whether a welcome lists the contact in slot state.
func welcomeHolds(welcome map[string]any, contactID, state string) bool {
	cs, _ := welcome["contacts"].([]any)
	for _, x := range cs {
		v, _ := x.(map[string]any)
		if v["contactId"] == contactID && v["state"] == state {
			return true
		}
	}
	return false
}

// reconnectCustomer opens a new participant connection (a new WebSocket
// URL) with the customer's participant token, subscribes, and checks that
// the connection token it already had still works.
func reconnectCustomer(ctx context.Context, t *testing.T, s *e2etest.Server, cu *customer) {
	t.Helper()
	var conn struct {
		Websocket             struct{ Url string }
		ConnectionCredentials struct{ ConnectionToken string }
	}
	participant(ctx, t, s.URL, "connection", cu.ParticipantToken,
		map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, &conn)
	cu.base = s.URL
	cu.WS = dialJSON(ctx, t, conn.Websocket.Url)
	cu.WS.send(ctx, t, map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
	cu.WS.await(ctx, t, "subscribed", func(m map[string]any) bool { return m["topic"] == "aws/subscribe" })
	participant(ctx, t, s.URL, "transcript", cu.ConnectionToken, map[string]any{}, nil)
}

func wsURL(s *e2etest.Server, path string) string { return "ws://" + s.Addr + path }

// restartFlow greets the customer and queues the chat.
func restartFlow(queueID string) map[string]any { return flowtest.GreetAndQueue("Welcome!", queueID) }
