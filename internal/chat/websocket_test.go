package chat

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestWebSocketProtocol(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	ws := ts.dial(c.Websocket.URL)
	ctx := context.Background()

	// Items posted before the subscription are not delivered (they are in
	// the transcript).
	agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		send any
		want func(map[string]any) bool
	}{
		{"heartbeat is echoed", map[string]any{"topic": "aws/heartbeat"}, func(m map[string]any) bool { return m["topic"] == "aws/heartbeat" }},
		{"ping answers 200", map[string]any{"topic": "aws/ping"}, func(m map[string]any) bool { return m["topic"] == "aws/ping" && m["statusCode"] == float64(200) }},
		{"subscribing to an unknown topic fails", map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/other"}}},
			func(m map[string]any) bool {
				c, _ := m["content"].(map[string]any)
				return m["topic"] == "aws/subscribe" && c["status"] == "failure"
			}},
		{"unknown topic", map[string]any{"topic": "aws/nothing"}, func(m map[string]any) bool { return m["message"] != nil && m["topic"] == nil }},
		{"not JSON", "hello", func(m map[string]any) bool { return m["message"] != nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if s, ok := tc.send.(string); ok {
				ws.conn.Write(ctx, websocket.MessageText, []byte(s))
			} else {
				ws.sendFrame(tc.send)
			}
			if m := ws.read(); !tc.want(m) {
				t.Errorf("answer %v", m)
			}
		})
	}

	ws.sendFrame(map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
	m := ws.read()
	content, _ := m["content"].(map[string]any)
	topics, _ := content["topics"].([]any)
	if m["topic"] != "aws/subscribe" || content["status"] != "success" || len(topics) != 1 || topics[0] != "aws/chat" {
		t.Fatalf("subscribe answered %v", m)
	}
	if _, err := agent.Send(ctx, "", "hello"); err != nil {
		t.Fatal(err)
	}
	if it := ws.item(); it.Content != "hello" {
		t.Fatalf("first item after subscribing %+v, want the message (not the earlier joined event)", it)
	}

	ws.sendFrame(map[string]any{"topic": "aws/unsubscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
	if m := ws.read(); m["topic"] != "aws/unsubscribe" {
		t.Fatalf("unsubscribe answered %v", m)
	}
	agent.Send(ctx, "", "unheard")
	ws.sendFrame(map[string]any{"topic": "aws/heartbeat"})
	if m := ws.read(); m["topic"] != "aws/heartbeat" {
		t.Fatalf("after unsubscribing got %v", m)
	}
}

func TestReconnectingCustomerResumes(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	tok := c.ConnectionCredentials.ConnectionToken
	ctx := context.Background()
	agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()
	agent.Send(ctx, "", "one")
	if it := ws.item(); it.Content != "one" {
		t.Fatal(it)
	}
	ws.conn.Close(websocket.StatusGoingAway, "network lost")
	checkFor(t, 2*time.Second, "the server to drop the socket", func() bool {
		ss, _ := ts.svc.session(ctx, p.ContactID)
		ss.mu.Lock()
		defer ss.mu.Unlock()
		return len(ss.conns) == 0
	})
	agent.Send(ctx, "", "two (while away)")

	// chatjs reconnects with the same URL while it is valid, and keeps
	// its connection token.
	ws2 := ts.dial(c.Websocket.URL)
	ws2.subscribe()
	agent.Send(ctx, "", "three")
	if it := ws2.item(); it.Content != "three" {
		t.Fatalf("after reconnecting got %+v", it)
	}
	if r := ts.send(tok, "still me"); r.status != http.StatusOK {
		t.Fatalf("the connection token after reconnecting: %d %s", r.status, r.body)
	}
	tr, r := ts.transcript(tok, map[string]any{"MaxResults": 3})
	if r.status != http.StatusOK || names(tr.Transcript) != "two (while away) three still me" {
		t.Fatalf("transcript after reconnecting: %d %q", r.status, names(tr.Transcript))
	}
}

func TestWebSocketURLExpires(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	ts.clk.advance(101 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, c.Websocket.URL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != ErrTypeAccessDenied {
		t.Fatalf("dialing an expired URL: %v %v", resp, err)
	}
	// A fresh URL from /participant/connection works.
	ws := ts.dial(ts.connect(p).Websocket.URL)
	ws.subscribe()
	_, resp, err = websocket.Dial(ctx, strings.Replace(c.Websocket.URL, "token=", "token=x", 1), nil)
	if err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dialing with a bad token: %v %v", resp, err)
	}
}

func TestIdleWebSocketIsClosed(t *testing.T) {
	ts := newTestServer(t, Config{WebSocketIdleTimeout: 150 * time.Millisecond})
	p := ts.start()
	ws := ts.dial(ts.connect(p).Websocket.URL)
	ws.subscribe()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err := ws.conn.Read(ctx)
	if code := websocketCloseCode(err); code != int(websocket.StatusPolicyViolation) {
		t.Fatalf("idle socket: %v (code %d)", err, code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closed after %v", d)
	}
}

func TestSlowWebSocketIsDisconnectedNotWaitedFor(t *testing.T) {
	ts := newTestServer(t, Config{RateLimit: -1})
	p := ts.start()
	c := ts.connect(p)
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()
	ctx := context.Background()
	agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	// The client reads nothing; the agent keeps posting large messages.
	// Posting never blocks, and the socket is dropped once its queue fills.
	big := strings.Repeat("x", 16000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2000 {
			if _, err := agent.Send(ctx, "", big); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("posting blocked on a slow client")
	}
	checkFor(t, 5*time.Second, "the slow socket to be dropped", func() bool {
		ss, _ := ts.svc.session(ctx, p.ContactID)
		ss.mu.Lock()
		defer ss.mu.Unlock()
		return len(ss.conns) == 0
	})
}

func TestInactiveCustomerEndsTheChat(t *testing.T) {
	ts := newTestServer(t, Config{InactivityTimeout: 300 * time.Millisecond})
	p := ts.start()
	c := ts.connect(p)
	tok := c.ConnectionCredentials.ConnectionToken
	// Posting keeps the chat open past the timeout.
	for range 4 {
		time.Sleep(120 * time.Millisecond)
		if r := ts.post("/participant/event", tok, map[string]string{"ContentType": EventTyping}); r.status != http.StatusOK {
			t.Fatalf("typing: %d %s", r.status, r.body)
		}
	}
	// So does an open chat window, silent or not.
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()
	time.Sleep(600 * time.Millisecond)
	if _, ended := ts.rec.endReason(p.ContactID); ended {
		t.Fatal("the chat ended while the customer was there")
	}
	// The customer closes the page without ending the chat.
	ws.conn.Close(websocket.StatusGoingAway, "")
	start := time.Now()
	checkFor(t, 3*time.Second, "the idle chat to end", func() bool {
		_, ended := ts.rec.endReason(p.ContactID)
		return ended
	})
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("ended %v after the customer left, before the timeout", d)
	}
	if reason, _ := ts.rec.endReason(p.ContactID); reason != ReasonIdle {
		t.Errorf("reason %q, want %s", reason, ReasonIdle)
	}
	tr := ts.mustTranscript(p.ContactID)
	var tail []string
	for _, it := range tr[len(tr)-3:] {
		tail = append(tail, it.ContentType)
	}
	if want := []string{EventAutoDisconnection, EventParticipantLeft, EventChatEnded}; strings.Join(tail, " ") != strings.Join(want, " ") {
		t.Errorf("transcript ends with %v, want %v", tail, want)
	}
	if r := ts.send(tok, "back!"); r.status != http.StatusForbidden || r.errType() != ErrTypeAccessDenied {
		t.Errorf("message after the idle end: %d %s", r.status, r.body)
	}
}

func TestChatEndsAtMaxDuration(t *testing.T) {
	ts := newTestServer(t, Config{MaxDuration: 100 * time.Millisecond})
	p := ts.start()
	checkFor(t, 3*time.Second, "the chat to expire", func() bool {
		r, ok := ts.rec.endReason(p.ContactID)
		return ok && r == ReasonExpired
	})
}

func TestCloseSendsClientsAwayWithoutEndingChats(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	ws := ts.dial(ts.connect(p).Websocket.URL)
	ws.subscribe()
	fp, err := ts.svc.FlowParticipant(context.Background(), p.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	closed := make(chan error, 1)
	go func() {
		_, _, err := ws.conn.Read(ctx) // a live client answers the close handshake
		closed <- err
	}()
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- ts.svc.Run(runCtx) }()
	stop() // Run closes the service when its context ends
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	ts.svc.Close() // again is fine
	if err := <-closed; websocketCloseCode(err) != int(websocket.StatusGoingAway) {
		t.Errorf("socket closed with %v, want 1001", err)
	}
	if _, err := fp.Input(ctx, inputReq(time.Second)); !errors.Is(err, ErrClosed) {
		t.Errorf("flow input after Close: %v", err)
	}
	if _, ended := ts.rec.endReason(p.ContactID); ended {
		t.Error("Close ended a chat")
	}
	if rec, _ := ts.be.Chat(ctx, p.ContactID); rec.Ended() {
		t.Error("Close ended a chat in the backend")
	}
	if _, err := ts.svc.StartChat(ctx, StartChatRequest{ContactID: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("StartChat after Close: %v", err)
	}
}
