package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// chatjsDir is the Node project that drives amazon-connect-chatjs.
var chatjsDir = filepath.Join("..", "..", "test", "chatjs")

// nodeScript makes sure Node.js and the chatjs test project's packages are
// there (running `npm ci` when node_modules is missing) and returns the
// node binary. A machine without Node.js fails the test: CI installs it.
func nodeScript(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the chatjs tests need Node.js >= 18 and npm (Debian: apt-get install nodejs npm), then `npm ci --prefix test/chatjs`")
	}
	if _, err := os.Stat(filepath.Join(chatjsDir, "node_modules", "amazon-connect-chatjs", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("test/chatjs/node_modules is missing and npm is not installed to make it: run `npm ci --prefix test/chatjs`")
		}
		t.Log("test/chatjs/node_modules is missing: running npm ci")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = chatjsDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in test/chatjs: %v\n%s", err, out)
		}
	}
	return node
}

// TestChatJSConversation runs the official amazon-connect-chatjs client,
// unmodified, through a whole conversation with a fake flow that greets
// the customer once connected and hands over to an agent who echoes.
func TestChatJSConversation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node.js")
	}
	node := nodeScript(t)
	ts := newTestServer(t, Config{})
	p := ts.start()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// The fake flow and agent.
	type agentSaw struct {
		readReceipt bool
	}
	agentDone := make(chan agentSaw, 1)
	flowErr := make(chan error, 1)
	go func() {
		var saw agentSaw
		defer func() { agentDone <- saw }()
		fail := func(err error) { flowErr <- err }
		for !ts.rec.isConnected(p.ParticipantID) {
			select {
			case <-ctx.Done():
				fail(errors.New("the customer never connected"))
				return
			case <-ts.rec.changed:
			case <-time.After(20 * time.Millisecond):
			}
		}
		fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
		if err != nil {
			fail(err)
			return
		}
		if err := fp.Play(ctx, engine.Message{Kind: engine.MessageText, Text: "Hello! Thanks for contacting us."}); err != nil {
			fail(err)
			return
		}
		text, err := fp.Input(ctx, engine.InputRequest{Kind: engine.InputMenu, Timeout: 30 * time.Second})
		fp.Close()
		if err != nil {
			fail(err)
			return
		}
		agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
		if err != nil {
			fail(err)
			return
		}
		if err := agent.Typing(ctx); err != nil {
			fail(err)
			return
		}
		if _, err := agent.Send(ctx, "", "echo: "+text); err != nil {
			fail(err)
			return
		}
		flowErr <- nil
		for {
			it, err := agent.Next(ctx)
			if err != nil {
				return
			}
			if it.Type == TypeMessageMetadata && it.ParticipantRole == RoleCustomer {
				saw.readReceipt = true
				// The agent reads the customer's message in turn.
				for _, m := range ts.mustTranscript(p.ContactID) {
					if m.IsMessage() && m.ParticipantRole == RoleCustomer {
						if err := agent.Read(ctx, m.ID); err != nil {
							t.Errorf("agent read receipt: %v", err)
						}
					}
				}
			}
		}
	}()

	cmd := exec.CommandContext(ctx, node, "run.mjs")
	cmd.Dir = chatjsDir
	cmd.Env = append(os.Environ(),
		"CHAT_ENDPOINT="+ts.url,
		"CHAT_CONTACT_ID="+p.ContactID,
		"CHAT_PARTICIPANT_ID="+p.ParticipantID,
		"CHAT_PARTICIPANT_TOKEN="+p.ParticipantToken,
		"CHAT_MESSAGE=I need help with my order",
		"CHAT_TIMEOUT_MS=20000",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if os.Getenv("CHAT_DEBUG") == "1" {
		t.Logf("node stdout:\n%s", stdout.String())
	}
	if stderr.Len() > 0 {
		t.Logf("node stderr:\n%s", tail(stderr.String(), 4000))
	}
	var res struct {
		OK         bool
		Error      string
		Greeting   string
		SentID     string
		Reply      string
		Typing     []struct{ Role string }
		Events     []struct{ Type, ContentType, Role string }
		Receipts   []struct{ MessageID string }
		Transcript []struct{ Type, ContentType, Role, Content string }
		Oversized  *struct {
			Type       string
			StatusCode int
			Message    string
		}
		AfterEnd *struct {
			Type       string
			StatusCode int
		}
	}
	line := lastLine(stdout.String())
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("node (%v) printed no result: %v\nstdout:\n%s", runErr, err, tail(stdout.String(), 4000))
	}
	if runErr != nil || !res.OK {
		t.Fatalf("the chatjs script failed (%v): %s\n%s", runErr, res.Error, line)
	}
	select {
	case err := <-flowErr:
		if err != nil {
			t.Fatalf("fake flow: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the fake flow did not finish")
	}

	if res.Greeting != "Hello! Thanks for contacting us." {
		t.Errorf("greeting = %q", res.Greeting)
	}
	if res.Reply != "echo: I need help with my order" {
		t.Errorf("reply = %q", res.Reply)
	}
	var transcript []string
	for _, it := range res.Transcript {
		if it.Type == "MESSAGE" {
			transcript = append(transcript, it.Role+": "+it.Content)
		}
	}
	want := []string{"SYSTEM: Hello! Thanks for contacting us.", "CUSTOMER: I need help with my order", "AGENT: echo: I need help with my order"}
	if strings.Join(transcript, "\n") != strings.Join(want, "\n") {
		t.Errorf("transcript messages:\n%s\nwant:\n%s", strings.Join(transcript, "\n"), strings.Join(want, "\n"))
	}
	joined := 0
	for _, it := range res.Transcript {
		if it.ContentType == EventParticipantJoined {
			joined++
		}
	}
	if joined != 2 { // the customer and the agent; the flow's SYSTEM participant does not join visibly
		t.Errorf("transcript has %d participant.joined events, want 2: %+v", joined, res.Transcript)
	}
	if res.Oversized == nil || res.Oversized.Type != ErrTypeValidation || res.Oversized.StatusCode != 400 {
		t.Errorf("oversized message: %+v, want a ValidationException", res.Oversized)
	}
	if res.AfterEnd == nil || res.AfterEnd.Type != ErrTypeAccessDenied || res.AfterEnd.StatusCode != 403 {
		t.Errorf("message after the end: %+v, want an AccessDeniedException", res.AfterEnd)
	}
	sawEnd := false
	for _, e := range res.Events {
		if e.ContentType == EventChatEnded {
			sawEnd = true
		}
	}
	if !sawEnd {
		t.Errorf("chatjs saw no chat.ended event: %+v", res.Events)
	}
	if reason, _ := ts.rec.endReason(p.ContactID); reason != ReasonCustomerDisconnect {
		t.Errorf("end reason = %q, want %s", reason, ReasonCustomerDisconnect)
	}
	// The customer typed before the agent joined: the Listener heard it.
	typing := false
	ts.rec.mu.Lock()
	for _, it := range ts.rec.items {
		typing = typing || (it.Is(EventTyping) && it.ParticipantRole == RoleCustomer)
	}
	ts.rec.mu.Unlock()
	if !typing {
		t.Error("the Listener never heard the customer typing")
	}
	select {
	case saw := <-agentDone:
		if !saw.readReceipt {
			t.Error("the agent never saw the customer's read receipt")
		}
	case <-ctx.Done():
		t.Fatal("the agent did not see the chat end")
	}
}

func (ts *testServer) mustTranscript(contactID string) []Item {
	items, err := ts.svc.Transcript(context.Background(), contactID)
	if err != nil {
		ts.t.Errorf("transcript: %v", err)
	}
	return items
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
