//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/flowtest"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// chatjsDir is the Node project that drives amazon-connect-chatjs.
var chatjsDir = filepath.Join("..", "chatjs")

// greetingFlow greets the customer and queues the chat.
func greetingFlow(queueID string) map[string]any { return flowtest.GreetAndQueue(greeting, queueID) }

// nodeForChatJS returns the node binary, skipping the test when there is
// none outside CI (CI installs Node.js: there it fails), and checks that
// test/chatjs has its packages.
func nodeForChatJS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("node is not installed: this test needs Node.js >= 18 and `npm ci --prefix test/chatjs`")
		}
		t.Fatal("node is not installed, and CI must run this test: install Node.js >= 18 and run `npm ci --prefix test/chatjs`")
	}
	if _, err := os.Stat(filepath.Join(chatjsDir, "node_modules", "amazon-connect-chatjs", "package.json")); err != nil {
		t.Fatal("test/chatjs/node_modules is missing: run `npm ci --prefix test/chatjs --no-audit --no-fund`")
	}
	return node
}

// TestChatJSReachesAnAgent drives the customer side with the official
// amazon-connect-chatjs client (test/chatjs/run.mjs) against the binary:
// the published flow greets and queues the chat, an auto-accept agent on
// the agent WebSocket gets it and answers the customer's message with
// typing and a reply; the customer reads the transcript and leaves. The
// contact ends with CUSTOMER_DISCONNECT and its record is stored.
func TestChatJSReachesAnAgent(t *testing.T) {
	node := nodeForChatJS(t)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "chatjs"})
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{AutoAccept: true, Flow: greetingFlow})
	ag, _ := cc.agentWS(ctx, t, s, 0)
	ag.setState(ctx, t, "Available")

	var started struct{ ContactId, ParticipantId, ParticipantToken string }
	c.call(t, "POST", instancePath(cc.Inst.ID, "contacts", "chat"), map[string]any{"ContactFlowId": cc.Flow.ID,
		"ParticipantDetails": map[string]any{"DisplayName": "Jo"}}, 201, &started)
	id := started.ContactId

	// The agent is in the chat before the customer's client connects, so
	// that it hears the customer's first message: wait for its joined event
	// in the transcript (read with credentials of the test's own).
	ag.awaitEvent(ctx, t, "contactConnected", id)
	var creds struct {
		ConnectionCredentials struct{ ConnectionToken string }
	}
	participant(ctx, t, s.URL, "connection", started.ParticipantToken, map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}}, &creds)
	probe := &customer{ContactID: id, ConnectionToken: creds.ConnectionCredentials.ConnectionToken, base: s.URL}
	if err := e2etest.Poll(10*time.Second, 20*time.Millisecond, func() (bool, error) {
		return slices.ContainsFunc(probe.transcript(ctx, t), func(it chatItem) bool {
			return it.ContentType == chat.EventParticipantJoined && it.ParticipantRole == "AGENT"
		}), nil
	}); err != nil {
		t.Fatalf("the agent never joined the chat: %v", err)
	}

	// The agent answers the customer's message: typing, then a reply.
	const said, reply = "I need help with my order", "Sure, let me look at your order."
	agentErr := make(chan string, 1)
	agentSaw := make(chan []map[string]any, 1)
	go func() {
		var frames []map[string]any
		defer func() { agentSaw <- frames }()
		for {
			select {
			case m, ok := <-ag.in:
				if !ok {
					agentErr <- "the agent WebSocket closed"
					return
				}
				frames = append(frames, m)
				msg, _ := m["message"].(map[string]any)
				if m["type"] == "message" && m["contactId"] == id && msg["participantRole"] == "CUSTOMER" && msg["content"] == said {
					for _, f := range []map[string]any{
						{"v": 1, "type": "typing", "id": "t1", "contactId": id},
						{"v": 1, "type": "sendMessage", "id": "m1", "contactId": id, "content": reply},
					} {
						b, _ := json.Marshal(f)
						if err := ag.ws.Write(ctx, websocket.MessageText, b); err != nil {
							agentErr <- err.Error()
							return
						}
					}
				}
				if m["type"] == "acwStarted" && m["contactId"] == id {
					agentErr <- ""
					return
				}
			case <-ctx.Done():
				agentErr <- ctx.Err().Error()
				return
			}
		}
	}()

	cmd := exec.CommandContext(ctx, node, "run.mjs")
	cmd.Dir = chatjsDir
	cmd.Env = append(os.Environ(),
		"CHAT_ENDPOINT="+s.URL,
		"CHAT_CONTACT_ID="+id,
		"CHAT_PARTICIPANT_ID="+started.ParticipantId,
		"CHAT_PARTICIPANT_TOKEN="+started.ParticipantToken,
		"CHAT_MESSAGE="+said,
		"CHAT_TIMEOUT_MS=30000",
		"CHAT_LOAD_TRANSCRIPT=1",
		"CHAT_AGENT_READS=0",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if stderr.Len() > 0 && (runErr != nil || os.Getenv("CHAT_DEBUG") == "1") {
		t.Logf("node stderr:\n%s", lastChars(stderr.String(), 4000))
	}
	var res struct {
		OK         bool
		Error      string
		Greeting   string
		SentID     string
		Reply      string
		Typing     []struct{ Role string }
		Events     []struct{ Type, ContentType, Role string }
		Transcript []struct{ Type, ContentType, Role, Content string }
		Oversized  *struct {
			Type       string
			StatusCode int
		}
		AfterEnd *struct {
			Type       string
			StatusCode int
		}
	}
	out := strings.TrimSpace(stdout.String())
	line := out[strings.LastIndex(out, "\n")+1:]
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("node (%v) printed no result: %v\nstdout:\n%s", runErr, err, lastChars(out, 4000))
	}
	if runErr != nil || !res.OK {
		t.Fatalf("the chatjs script failed (%v): %s\n%s", runErr, res.Error, lastChars(line, 4000))
	}

	// What the customer saw.
	if res.Greeting != greeting {
		t.Errorf("greeting = %q, want %q", res.Greeting, greeting)
	}
	if res.Reply != reply {
		t.Errorf("the agent's reply = %q, want %q", res.Reply, reply)
	}
	if !slices.ContainsFunc(res.Typing, func(ty struct{ Role string }) bool { return ty.Role == "AGENT" }) {
		t.Errorf("the customer saw no agent typing: %+v", res.Typing)
	}
	var messages []string
	agentJoined := false
	for _, it := range res.Transcript {
		if it.Type == "MESSAGE" {
			messages = append(messages, it.Role+": "+it.Content)
		}
		agentJoined = agentJoined || (it.ContentType == chat.EventParticipantJoined && it.Role == "AGENT")
	}
	if want := []string{"SYSTEM: " + greeting, "CUSTOMER: " + said, "AGENT: " + reply}; !slices.Equal(messages, want) {
		t.Errorf("transcript messages = %q, want %q", messages, want)
	}
	if !agentJoined {
		t.Errorf("the transcript has no agent participant.joined: %+v", res.Transcript)
	}
	if !slices.ContainsFunc(res.Events, func(e struct{ Type, ContentType, Role string }) bool { return e.ContentType == chat.EventChatEnded }) {
		t.Errorf("chatjs saw no chat.ended event: %+v", res.Events)
	}
	if res.Oversized == nil || res.Oversized.Type != chat.ErrTypeValidation || res.Oversized.StatusCode != 400 {
		t.Errorf("oversized message: %+v, want a ValidationException", res.Oversized)
	}
	if res.AfterEnd == nil || res.AfterEnd.Type != chat.ErrTypeAccessDenied || res.AfterEnd.StatusCode != 403 {
		t.Errorf("message after the end: %+v, want an AccessDeniedException", res.AfterEnd)
	}

	// What the agent saw: the customer typing, then the contact ending.
	select {
	case msg := <-agentErr:
		if msg != "" {
			t.Fatalf("agent: %s", msg)
		}
	case <-ctx.Done():
		t.Fatal("the agent did not see the contact end")
	}
	frames := <-agentSaw
	var acks []string
	typing := false
	for _, f := range frames {
		if f["re"] == "t1" || f["re"] == "m1" {
			acks = append(acks, f["re"].(string)+":"+f["type"].(string))
		}
		typing = typing || (f["type"] == "typing" && f["contactId"] == id && f["participantRole"] == "CUSTOMER")
	}
	if !typing {
		t.Errorf("the agent never saw the customer typing; frames %v", frames)
	}
	slices.Sort(acks)
	if !slices.Equal(acks, []string{"m1:ack", "t1:ack"}) {
		t.Errorf("replies to the agent's typing and message = %v, want two acks", acks)
	}
	if !slices.ContainsFunc(frames, func(f map[string]any) bool { return f["type"] == "contactEnded" && f["contactId"] == id }) {
		t.Errorf("the agent got no contactEnded; frames %v", frames)
	}
	if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id}); r["type"] != "ack" {
		t.Fatalf("completeAcw: %v", r)
	}
	ag.awaitEvent(ctx, t, "acwEnded", id)
	ag.close()
	s.Stop(15 * time.Second)
	checkLogClean(t, s)

	st := openServerStore(ctx, t, s, nil)
	m := contact.New(st, contact.Options{})
	rec, err := m.GetRecord(ctx, cc.Inst.ID, id)
	if err != nil {
		t.Fatalf("contact record: %v", err)
	}
	if rec.DisconnectReason != contact.CustomerDisconnect || rec.Channel != contact.Chat || rec.Agent == nil ||
		rec.Agent.ID != cc.Agents[0].UserID || rec.Agent.AfterContactWorkEndTimestamp.IsZero() {
		t.Errorf("contact record: reason %s, channel %s, agent %+v", rec.DisconnectReason, rec.Channel, rec.Agent)
	}
	ch, err := st.ChatBackend().Chat(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ch.EndReason != chat.ReasonCustomerDisconnect || !ch.Ended() {
		t.Errorf("chat: ended %v, reason %q, want %s", ch.EndedAt, ch.EndReason, chat.ReasonCustomerDisconnect)
	}
}

// lastChars is the end of s, at most n bytes.
func lastChars(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
