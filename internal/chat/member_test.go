package chat

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestMemberJoinsTalksAndLeaves(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()

	if _, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleCustomer, DisplayName: "x"}); err == nil {
		t.Error("joined as a second customer")
	}
	if _, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent}); err == nil {
		t.Error("joined without a name")
	}
	if _, err := ts.svc.Join(ctx, "no-such-contact", JoinRequest{Role: RoleAgent, DisplayName: "Alex"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("joining a missing chat: %v", err)
	}
	agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex", ParticipantID: "agent-1"})
	if err != nil {
		t.Fatal(err)
	}
	if agent.ParticipantID() != "agent-1" || agent.ContactID() != p.ContactID {
		t.Errorf("member %s in %s", agent.ParticipantID(), agent.ContactID())
	}
	sup, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleSupervisor, DisplayName: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"Alex", "Sam"} {
		if it := ws.item(); !it.Is(EventParticipantJoined) || it.DisplayName != who {
			t.Fatalf("got %+v, want %s joining", it, who)
		}
	}
	// The supervisor sees the agent's message, not its own.
	if _, err := agent.Send(ctx, ContentTextMarkdown, "*hi*"); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Send(ctx, "", "psst"); err != nil {
		t.Fatal(err)
	}
	if it, err := sup.Next(ctx); err != nil || it.Content != "*hi*" || it.ParticipantRole != RoleAgent {
		t.Fatalf("supervisor got %+v, %v", it, err)
	}
	if it, err := nextWithin(sup, 50*time.Millisecond); err == nil {
		t.Fatalf("supervisor got its own item %+v", it)
	}
	if _, err := agent.Send(ctx, "", ""); err == nil {
		t.Error("an empty message was accepted")
	}
	if err := agent.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if err := agent.Leave(ctx); err != nil {
		t.Errorf("leaving twice: %v", err)
	}
	if _, err := agent.Send(ctx, "", "still here?"); !errors.Is(err, ErrParticipantLeft) {
		t.Errorf("sending after leaving: %v", err)
	}
	if _, err := agent.Next(ctx); !errors.Is(err, ErrParticipantLeft) {
		t.Errorf("reading after leaving: %v", err)
	}
	for {
		it := ws.item()
		if it.Is(EventParticipantLeft) {
			if it.DisplayName != "Alex" {
				t.Errorf("left: %+v", it)
			}
			break
		}
	}
	// The chat goes on until someone ends it.
	if r := ts.send(c.ConnectionCredentials.ConnectionToken, "hello?"); r.status != 200 {
		t.Fatalf("after the agent left: %d", r.status)
	}
	if err := ts.svc.EndChat(ctx, p.ContactID, ReasonAgentDisconnect); err != nil {
		t.Fatal(err)
	}
	// The supervisor reads to the end: the customer's message, then
	// chat.ended, then ErrChatEnded.
	var last Item
	for {
		it, err := sup.Next(ctx)
		if errors.Is(err, ErrChatEnded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = it
	}
	if !last.Is(EventChatEnded) {
		t.Errorf("last item %+v, want chat.ended", last)
	}
	select {
	case <-sup.Done():
	default:
		t.Error("Done is not closed after the end")
	}
	if _, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Late"}); !errors.Is(err, ErrChatEnded) {
		t.Errorf("joining an ended chat: %v", err)
	}
}

func TestStartChat(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t, Config{})
	p, err := ts.svc.StartChat(ctx, StartChatRequest{ContactID: "c2", InitialContactID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ContactID != "c2" || p.ParticipantID == "" || len(p.ParticipantToken) < 40 {
		t.Errorf("participant %+v", p)
	}
	tr := ts.mustTranscript("c2")
	if len(tr) != 1 || !tr[0].Is(EventParticipantJoined) || tr[0].DisplayName != "Customer" || tr[0].InitialContactID != "c1" {
		t.Errorf("transcript %+v", tr)
	}
	if _, err := ts.svc.StartChat(ctx, StartChatRequest{ContactID: "c2"}); !errors.Is(err, ErrChatExists) {
		t.Errorf("second StartChat: %v", err)
	}
	if _, err := ts.svc.StartChat(ctx, StartChatRequest{}); err == nil {
		t.Error("StartChat without a contact")
	}
	long := make([]rune, 257)
	for i := range long {
		long[i] = 'x'
	}
	if _, err := ts.svc.StartChat(ctx, StartChatRequest{ContactID: "c3", DisplayName: string(long)}); err == nil {
		t.Error("a 257-character display name")
	}
	if ts.svc.Active() != 1 {
		t.Errorf("Active = %d", ts.svc.Active())
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []Config{
		{AllowedOrigin: "example.com"},
		{AllowedOrigin: "https://example.com/path"},
		{WebSocketURL: "ws://chat.example.com/participant/ws"},
		{WebSocketURL: "https://chat.example.com"},
		{ConnectionTokenTTL: -time.Second},
		{ConnectionTokenTTL: time.Minute},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v is valid", bad)
		}
		if _, err := New(bad, NewMemoryBackend(), nil); err == nil {
			t.Errorf("New accepted %+v", bad)
		}
	}
	for _, good := range []Config{{}, {AllowedOrigin: "*"}, {AllowedOrigin: "https://shop.example.com"}, {WebSocketURL: "wss://chat.example.com/participant/ws"}, {WebSocketURL: "ws://127.0.0.1:8080/participant/ws"}} {
		if err := good.Validate(); err != nil {
			t.Errorf("%+v: %v", good, err)
		}
	}
	if _, err := New(Config{}, nil, nil); err == nil {
		t.Error("New without a Backend")
	}
}

func TestConfiguredWebSocketURL(t *testing.T) {
	ts := newTestServer(t, Config{WebSocketURL: "wss://chat.example.com/participant/ws?region=eu"})
	p := ts.start()
	u := ts.connect(p).Websocket.URL
	if want := "wss://chat.example.com/participant/ws?region=eu&token=sbws_"; len(u) < len(want) || u[:len(want)] != want {
		t.Errorf("URL %q", u)
	}
}
