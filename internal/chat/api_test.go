package chat

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestConnectionGivesWebSocketURLAndConnectionToken(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	r := ts.post("/participant/connection", p.ParticipantToken, map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}})
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if r.header.Get("X-Amzn-Requestid") == "" {
		t.Error("no x-amzn-requestid header")
	}
	var c connection
	r.json(t, &c)
	if !strings.HasPrefix(c.Websocket.URL, "ws://127.0.0.1:") || !strings.Contains(c.Websocket.URL, "/participant/ws?token=sbws_") {
		t.Errorf("WebSocket URL %q: chatjs accepts only wss:// and ws://127.0.0.1:", c.Websocket.URL)
	}
	now := time.Now()
	if d := mustParse(t, c.Websocket.ConnectionExpiry).Sub(now); d < 90*time.Second || d > 101*time.Second {
		t.Errorf("ConnectionExpiry %s is %v away, want 100 s", c.Websocket.ConnectionExpiry, d)
	}
	if !strings.HasPrefix(c.ConnectionCredentials.ConnectionToken, "sbct_") {
		t.Errorf("ConnectionToken %q", c.ConnectionCredentials.ConnectionToken)
	}
	if d := mustParse(t, c.ConnectionCredentials.Expiry).Sub(now); d < 23*time.Hour || d > 24*time.Hour+time.Second {
		t.Errorf("Expiry %s is %v away, want 24 h", c.ConnectionCredentials.Expiry, d)
	}
	// Neither token is stored, only its hash.
	for _, tok := range []string{c.ConnectionCredentials.ConnectionToken, p.ParticipantToken} {
		cred, err := ts.be.Credential(context.Background(), HashToken(tok))
		if err != nil || cred.ContactID != p.ContactID || cred.ParticipantID != p.ParticipantID {
			t.Errorf("credential for %.8s...: %+v, %v", tok, cred, err)
		}
	}
	for h := range ts.be.creds {
		if strings.Contains(string(h[:]), "sb") {
			t.Error("a token is stored in clear")
		}
	}
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(TimeFormat, s)
	if err != nil {
		t.Fatalf("time %q is not in %s: %v", s, TimeFormat, err)
	}
	return v
}

func TestConnectionTypes(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	cases := []struct {
		name           string
		body           any
		wantWS, wantCC bool
		wantErr        string
	}{
		{name: "websocket only", body: map[string]any{"Type": []string{"WEBSOCKET"}}, wantWS: true},
		{name: "credentials only", body: map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}}, wantCC: true},
		{name: "acknowledge only", body: map[string]any{"ConnectParticipant": true}},
		{name: "empty body", body: nil},
		{name: "unknown type", body: map[string]any{"Type": []string{"WEBSOCKET", "CARRIER_PIGEON"}}, wantErr: ErrTypeValidation},
		{name: "type not a list", body: map[string]any{"Type": "WEBSOCKET"}, wantErr: ErrTypeValidation},
		{name: "not JSON", body: "{", wantErr: ErrTypeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.post("/participant/connection", p.ParticipantToken, tc.body)
			if tc.wantErr != "" {
				if r.status != http.StatusBadRequest || r.errType() != tc.wantErr || r.message(t) == "" {
					t.Fatalf("got %d %s %s, want 400 %s", r.status, r.errType(), r.body, tc.wantErr)
				}
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var m map[string]any
			r.json(t, &m)
			if _, ok := m["Websocket"]; ok != tc.wantWS {
				t.Errorf("Websocket present = %v, want %v", ok, tc.wantWS)
			}
			if _, ok := m["ConnectionCredentials"]; ok != tc.wantCC {
				t.Errorf("ConnectionCredentials present = %v, want %v", ok, tc.wantCC)
			}
		})
	}
}

func TestConnectParticipantMarksTheCustomerConnected(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	if ts.rec.isConnected(p.ParticipantID) {
		t.Fatal("connected before connecting")
	}
	ts.post("/participant/connection", p.ParticipantToken, map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}})
	if ts.rec.isConnected(p.ParticipantID) {
		t.Fatal("a connection without ConnectParticipant connected the customer")
	}
	ts.post("/participant/connection", p.ParticipantToken, map[string]any{"ConnectParticipant": true})
	if !ts.rec.isConnected(p.ParticipantID) {
		t.Fatal("ConnectParticipant did not connect the customer")
	}
}

// TestTokensAreCheckedAndScoped covers every way a bearer token can be
// wrong: each is an AccessDeniedException.
func TestTokensAreCheckedAndScoped(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	other := ts.start()
	oc := ts.connect(other)
	wsToken := c.Websocket.URL[strings.Index(c.Websocket.URL, "token=")+len("token="):]
	cases := []struct {
		name, path, bearer string
	}{
		{"no participant token", "/participant/connection", ""},
		{"unknown participant token", "/participant/connection", "sbpt_" + strings.Repeat("A", 43)},
		{"connection token as participant token", "/participant/connection", c.ConnectionCredentials.ConnectionToken},
		{"no connection token", "/participant/message", ""},
		{"participant token as connection token", "/participant/message", p.ParticipantToken},
		{"WebSocket token as connection token", "/participant/message", wsToken},
		{"unknown connection token", "/participant/message", "sbct_" + strings.Repeat("B", 43)},
		{"garbage", "/participant/event", "not-a-token"},
		{"very long", "/participant/transcript", "sbct_" + strings.Repeat("C", 2000)},
		{"disconnect without token", "/participant/disconnect", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.post(tc.path, tc.bearer, map[string]string{"ContentType": "text/plain", "Content": "hi"})
			if r.status != http.StatusForbidden || r.errType() != ErrTypeAccessDenied || r.message(t) == "" {
				t.Fatalf("got %d %q %s, want 403 AccessDeniedException", r.status, r.errType(), r.body)
			}
		})
	}
	// A token reaches its own chat only: the other customer's transcript
	// is not readable with this chat's token.
	r := ts.post("/participant/transcript", c.ConnectionCredentials.ConnectionToken, map[string]any{"ContactId": other.ContactID})
	if r.status != http.StatusForbidden || r.errType() != ErrTypeAccessDenied {
		t.Fatalf("transcript of another contact: %d %s", r.status, r.body)
	}
	r = ts.send(oc.ConnectionCredentials.ConnectionToken, "mine")
	if r.status != http.StatusOK {
		t.Fatalf("the other chat's own token: %d %s", r.status, r.body)
	}
	for _, it := range ts.mustTranscript(p.ContactID) {
		if it.Content == "mine" {
			t.Fatal("a message posted with one chat's token landed in another chat")
		}
	}
}

func TestSignedAuthorizationHeaderIsIgnored(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	// What the AWS SDK inside chatjs sends: a SigV4 signature over empty keys.
	r := ts.do(http.MethodPost, "/participant/message", c.ConnectionCredentials.ConnectionToken,
		map[string]string{"ContentType": "text/plain", "Content": "signed"},
		"Authorization", "AWS4-HMAC-SHA256 Credential=/20240101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=deadbeef",
		"X-Amz-Date", "20240101T000000Z", "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
}

func TestSendMessageIsStoredAndDelivered(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()
	agent, err := ts.svc.Join(context.Background(), p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	if it := ws.item(); !it.Is(EventParticipantJoined) || it.ParticipantRole != RoleAgent || it.DisplayName != "Alex" {
		t.Fatalf("customer saw %+v, want the agent joining", it)
	}

	r := ts.post("/participant/message", c.ConnectionCredentials.ConnectionToken, map[string]string{"ContentType": "text/markdown", "Content": "**hi**", "ClientToken": "c1"})
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var sent struct{ Id, AbsoluteTime string }
	r.json(t, &sent)
	mustParse(t, sent.AbsoluteTime)

	// The sender sees its own message, as in Connect; so does the agent.
	it := ws.item()
	if it.ID != sent.Id || it.Type != TypeMessage || it.ContentType != ContentTextMarkdown || it.Content != "**hi**" ||
		it.ParticipantRole != RoleCustomer || it.ParticipantID != p.ParticipantID || it.DisplayName != "Pat" ||
		it.ContactID != p.ContactID || it.InitialContactID != p.ContactID || it.AbsoluteTime != sent.AbsoluteTime {
		t.Errorf("customer WebSocket delivered %+v", it)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	got, err := agent.Next(ctx)
	if err != nil || got.ID != sent.Id {
		t.Errorf("agent got %+v, %v", got, err)
	}
	tr := ts.mustTranscript(p.ContactID)
	if last := tr[len(tr)-1]; last.ID != sent.Id || last.Content != "**hi**" {
		t.Errorf("transcript ends with %+v", last)
	}
}

func TestSendMessageValidation(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	tok := c.ConnectionCredentials.ConnectionToken
	cases := []struct {
		name   string
		body   any
		status int
		errT   string
		msg    string
	}{
		{name: "at the limit", body: map[string]string{"ContentType": "text/plain", "Content": strings.Repeat("x", 16384)}, status: 200},
		{name: "16 KiB of multibyte text at the limit", body: map[string]string{"ContentType": "text/plain", "Content": strings.Repeat("é", 8192)}, status: 200},
		{name: "one byte over", body: map[string]string{"ContentType": "text/plain", "Content": strings.Repeat("x", 16385)}, status: 400, errT: ErrTypeValidation, msg: "16384"},
		{name: "json at the limit", body: map[string]string{"ContentType": "application/json", "Content": `"` + strings.Repeat("x", 16382) + `"`}, status: 200},
		{name: "no content type", body: map[string]string{"Content": "hi"}, status: 400, errT: ErrTypeValidation, msg: "ContentType"},
		{name: "unsupported content type", body: map[string]string{"ContentType": "text/html", "Content": "<b>hi</b>"}, status: 400, errT: ErrTypeValidation, msg: "text/html"},
		{name: "customer cannot send interactive messages", body: map[string]string{"ContentType": ContentInteractive, "Content": "{}"}, status: 400, errT: ErrTypeValidation},
		{name: "interactive response", body: map[string]string{"ContentType": ContentInteractiveResponse, "Content": `{"title":"a"}`}, status: 200},
		{name: "empty content", body: map[string]string{"ContentType": "text/plain", "Content": ""}, status: 400, errT: ErrTypeValidation, msg: "Content"},
		{name: "content of the wrong type", body: map[string]any{"ContentType": "text/plain", "Content": 5}, status: 400, errT: ErrTypeValidation, msg: "Content"},
		{name: "client token too long", body: map[string]string{"ContentType": "text/plain", "Content": "hi", "ClientToken": strings.Repeat("t", 501)}, status: 400, errT: ErrTypeValidation, msg: "ClientToken"},
		{name: "body too large", body: `{"ContentType":"text/plain","Content":"` + strings.Repeat("x", 200<<10) + `"}`, status: 400, errT: ErrTypeValidation},
		{name: "not JSON", body: "hello", status: 400, errT: ErrTypeValidation},
		{name: "unknown fields are ignored", body: map[string]string{"ContentType": "text/plain", "Content": "hi", "Future": "x"}, status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.post("/participant/message", tok, tc.body)
			if r.status != tc.status || r.errType() != tc.errT {
				t.Fatalf("got %d %q %.200s, want %d %q", r.status, r.errType(), r.body, tc.status, tc.errT)
			}
			if tc.msg != "" && !strings.Contains(r.message(t), tc.msg) {
				t.Errorf("message %q does not mention %q", r.message(t), tc.msg)
			}
		})
	}
}

func TestClientTokenMakesSendIdempotent(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	body := map[string]string{"ContentType": "text/plain", "Content": "once", "ClientToken": "retry-me"}
	var first, second struct{ Id, AbsoluteTime string }
	ts.post("/participant/message", tok, body).json(t, &first)
	ts.post("/participant/message", tok, body).json(t, &second)
	if first != second || first.Id == "" {
		t.Fatalf("retry answered %+v, first %+v", second, first)
	}
	n := 0
	for _, it := range ts.mustTranscript(p.ContactID) {
		if it.Content == "once" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the message is in the transcript %d times", n)
	}
}

func TestTooManyMessagesAreThrottled(t *testing.T) {
	ts := newTestServer(t, Config{RateLimit: 0.001, RateBurst: 2})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	for i := range 2 {
		if r := ts.send(tok, "ok"); r.status != http.StatusOK {
			t.Fatalf("message %d: %d %s", i, r.status, r.body)
		}
	}
	r := ts.send(tok, "too many")
	if r.status != http.StatusTooManyRequests || r.errType() != ErrTypeThrottling {
		t.Fatalf("got %d %q, want 429 ThrottlingException", r.status, r.errType())
	}
}

func TestTypingGoesToTheOthersOnly(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	ws.item() // the agent joined

	r := ts.post("/participant/event", c.ConnectionCredentials.ConnectionToken, map[string]string{"ContentType": EventTyping})
	if r.status != http.StatusOK {
		t.Fatalf("typing: %d %s", r.status, r.body)
	}
	var ack struct{ Id, AbsoluteTime string }
	r.json(t, &ack)
	if ack.Id == "" {
		t.Error("typing answered no Id")
	}
	if it, err := agent.Next(ctx); err != nil || !it.Is(EventTyping) || it.ParticipantRole != RoleCustomer {
		t.Fatalf("agent got %+v, %v", it, err)
	}
	// The agent types: the customer sees it; the customer's own typing did
	// not come back to it.
	if err := agent.Typing(ctx); err != nil {
		t.Fatal(err)
	}
	if it := ws.item(); !it.Is(EventTyping) || it.ParticipantRole != RoleAgent {
		t.Fatalf("customer got %+v, want the agent typing", it)
	}
	for _, it := range ts.mustTranscript(p.ContactID) {
		if it.Is(EventTyping) {
			t.Fatal("typing is kept in the transcript")
		}
	}
}

func TestSendEventValidation(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	cases := []struct {
		name   string
		body   any
		status int
		errT   string
	}{
		{"connection acknowledged", map[string]string{"ContentType": EventConnectionAcknowledged}, 200, ""},
		{"no content type", map[string]string{}, 400, ErrTypeValidation},
		{"an event customers cannot send", map[string]string{"ContentType": EventParticipantJoined}, 400, ErrTypeValidation},
		{"a message content type", map[string]string{"ContentType": "text/plain", "Content": "hi"}, 400, ErrTypeValidation},
		{"receipt without content", map[string]string{"ContentType": EventMessageRead}, 400, ErrTypeValidation},
		{"receipt without messageId", map[string]string{"ContentType": EventMessageRead, "Content": `{"id":"x"}`}, 400, ErrTypeValidation},
		{"receipt for no message", map[string]string{"ContentType": EventMessageDelivered, "Content": `{"messageId":"nope"}`}, 404, ErrTypeResourceNotFound},
		{"content too large", map[string]string{"ContentType": EventTyping, "Content": strings.Repeat("x", 16385)}, 400, ErrTypeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.post("/participant/event", tok, tc.body)
			if r.status != tc.status || r.errType() != tc.errT {
				t.Fatalf("got %d %q %s, want %d %q", r.status, r.errType(), r.body, tc.status, tc.errT)
			}
		})
	}
	if !ts.rec.isConnected(p.ParticipantID) {
		t.Error("connection.acknowledged did not connect the customer")
	}
}

func TestReceiptsReachTheSenderAndFoldIntoTheTranscript(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	tok := c.ConnectionCredentials.ConnectionToken
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	agent, err := ts.svc.Join(ctx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	ws.item() // joined
	msg, err := agent.Send(ctx, "", "How can I help?")
	if err != nil {
		t.Fatal(err)
	}
	ws.item() // the message

	for _, ct := range []string{EventMessageDelivered, EventMessageRead, EventMessageRead} {
		r := ts.post("/participant/event", tok, map[string]string{"ContentType": ct, "Content": `{"messageId":"` + msg.ID + `"}`})
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", ct, r.status, r.body)
		}
	}
	for _, want := range []string{"delivered", "read"} {
		it, err := agent.Next(ctx)
		if err != nil || it.Type != TypeMessageMetadata || it.MessageMetadata == nil || it.MessageMetadata.MessageID != msg.ID {
			t.Fatalf("agent got %+v, %v; want a %s receipt", it, err, want)
		}
		r := it.MessageMetadata.Receipts[0]
		if r.RecipientParticipantID != p.ParticipantID || (want == "read") != (r.ReadTimestamp != "") || (want == "delivered") != (r.DeliveredTimestamp != "") {
			t.Errorf("%s receipt %+v", want, r)
		}
	}
	// The repeated read receipt was accepted and dropped.
	if it, err := nextWithin(agent, 100*time.Millisecond); err == nil {
		t.Errorf("agent got a repeated receipt %+v", it)
	}
	var found bool
	for _, it := range ts.mustTranscript(p.ContactID) {
		if it.Type == TypeMessageMetadata {
			t.Error("a receipt item is in the transcript; receipts fold into their messages")
		}
		if it.ID == msg.ID {
			found = true
			md := it.MessageMetadata
			if md == nil || len(md.Receipts) != 1 || md.Receipts[0].ReadTimestamp == "" || md.Receipts[0].DeliveredTimestamp == "" {
				t.Errorf("message metadata %+v", md)
			}
		}
	}
	if !found {
		t.Error("the agent's message is not in the transcript")
	}
}

func nextWithin(m *Member, d time.Duration) (Item, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return m.Next(ctx)
}

func TestDisconnectEndsTheChat(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	tok := c.ConnectionCredentials.ConnectionToken
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()

	r := ts.post("/participant/disconnect", tok, map[string]string{"ClientToken": "x"})
	if r.status != http.StatusOK {
		t.Fatalf("disconnect: %d %s", r.status, r.body)
	}
	if it := ws.item(); !it.Is(EventParticipantLeft) || it.ParticipantRole != RoleCustomer {
		t.Errorf("first item %+v, want the customer leaving", it)
	}
	if it := ws.item(); !it.Is(EventChatEnded) || it.ContactID != p.ContactID {
		t.Errorf("second item %+v, want chat.ended", it)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := ws.conn.Read(ctx); websocketCloseCode(err) != 1000 {
		t.Errorf("the WebSocket did not close normally: %v", err)
	}
	if reason, ok := ts.rec.endReason(p.ContactID); !ok || reason != ReasonCustomerDisconnect {
		t.Errorf("ChatEnded(%q, %v)", reason, ok)
	}

	// Writes are refused as Connect refuses them; reading the transcript
	// still works.
	for _, tc := range []struct{ path, bearer string }{
		{"/participant/message", tok},
		{"/participant/event", tok},
		{"/participant/disconnect", tok},
		{"/participant/connection", p.ParticipantToken},
	} {
		ct := "text/plain"
		if tc.path == "/participant/event" {
			ct = EventTyping
		}
		r := ts.post(tc.path, tc.bearer, map[string]string{"ContentType": ct, "Content": "still there?"})
		if r.status != http.StatusForbidden || r.errType() != ErrTypeAccessDenied || !strings.Contains(r.message(t), "ended") {
			t.Errorf("%s after the end: %d %q %s", tc.path, r.status, r.errType(), r.body)
		}
	}
	r = ts.post("/participant/transcript", tok, nil)
	if r.status != http.StatusOK {
		t.Fatalf("transcript after the end: %d %s", r.status, r.body)
	}
	var tr transcriptResponse
	r.json(t, &tr)
	if last := tr.Transcript[len(tr.Transcript)-1]; !last.Is(EventChatEnded) {
		t.Errorf("transcript ends with %+v", last)
	}
	if ts.svc.Active() != 0 {
		t.Errorf("%d chats still held after the end", ts.svc.Active())
	}
}

func TestConnectionTokenExpiresAndIsRefreshed(t *testing.T) {
	ts := newTestServer(t, Config{ConnectionTokenTTL: time.Hour})
	p := ts.start()
	old := ts.connect(p).ConnectionCredentials.ConnectionToken
	// Refreshing before expiry: both tokens work.
	fresh := ts.connect(p).ConnectionCredentials.ConnectionToken
	if fresh == old {
		t.Fatal("refresh returned the same token")
	}
	for _, tok := range []string{old, fresh} {
		if r := ts.send(tok, "hi"); r.status != http.StatusOK {
			t.Fatalf("before expiry: %d %s", r.status, r.body)
		}
	}
	ts.clk.advance(61 * time.Minute)
	r := ts.send(old, "late")
	if r.status != http.StatusForbidden || r.errType() != ErrTypeAccessDenied || !strings.Contains(r.message(t), "expired") {
		t.Fatalf("expired token: %d %q %s", r.status, r.errType(), r.body)
	}
	// The participant token is still good: a new connection token works.
	newer := ts.connect(p).ConnectionCredentials.ConnectionToken
	if r := ts.send(newer, "back"); r.status != http.StatusOK {
		t.Fatalf("refreshed token: %d %s", r.status, r.body)
	}
	// The janitor removes expired credentials.
	n, err := ts.be.DeleteExpiredCredentials(context.Background(), ts.clk.now())
	if err != nil || n < 2 {
		t.Errorf("removed %d expired credentials, %v", n, err)
	}
}

func TestCORS(t *testing.T) {
	t.Run("any origin", func(t *testing.T) {
		ts := newTestServer(t, Config{})
		r := ts.do(http.MethodOptions, "/participant/message", "", nil,
			"Origin", "https://shop.example.com", "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type,x-amz-bearer,x-amz-date,x-amz-user-agent,x-amz-content-sha256")
		if r.status != http.StatusNoContent {
			t.Fatalf("preflight status %d", r.status)
		}
		allowed := r.header.Get("Access-Control-Allow-Headers")
		for _, h := range []string{"authorization", "content-type", "x-amz-bearer", "x-amz-date", "x-amz-content-sha256", "x-amz-user-agent"} {
			if !strings.Contains(allowed, h) {
				t.Errorf("preflight does not allow %s: %q", h, allowed)
			}
		}
		if r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight headers %v", r.header)
		}
		p := ts.start()
		r = ts.do(http.MethodPost, "/participant/connection", p.ParticipantToken, map[string]any{"Type": []string{"WEBSOCKET"}}, "Origin", "https://shop.example.com")
		exposed := r.header.Get("Access-Control-Expose-Headers")
		if r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(exposed, "x-amzn-requestid") || !strings.Contains(exposed, "x-amzn-errortype") {
			t.Errorf("response CORS headers %v", r.header)
		}
	})
	t.Run("one origin", func(t *testing.T) {
		ts := newTestServer(t, Config{AllowedOrigin: "https://shop.example.com"})
		r := ts.do(http.MethodOptions, "/participant/message", "", nil, "Origin", "https://shop.example.com")
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://shop.example.com" {
			t.Errorf("allowed origin: Access-Control-Allow-Origin %q", got)
		}
		r = ts.do(http.MethodOptions, "/participant/message", "", nil, "Origin", "https://evil.example.com")
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("other origin: Access-Control-Allow-Origin %q", got)
		}
	})
}

func TestErrorsHaveTheAWSShape(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	cases := []struct {
		name, method, path, bearer string
		status                     int
		errT                       string
	}{
		{"unknown operation", http.MethodPost, "/participant/nothing", tok, 404, "UnknownOperationException"},
		{"wrong method", http.MethodGet, "/participant/message", tok, 404, "UnknownOperationException"},
		{"attachments", http.MethodPost, "/participant/start-attachment-upload", tok, 400, ErrTypeValidation},
		{"access denied", http.MethodPost, "/participant/message", "", 403, ErrTypeAccessDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.method, tc.path, tc.bearer, "{}")
			if r.status != tc.status || r.errType() != tc.errT {
				t.Fatalf("got %d %q, want %d %q", r.status, r.errType(), tc.status, tc.errT)
			}
			if r.header.Get("X-Amzn-Requestid") == "" || r.header.Get("Content-Type") != "application/json" || r.message(t) == "" {
				t.Errorf("headers %v body %s", r.header, r.body)
			}
		})
	}
}

func TestChatsOutliveTheProcess(t *testing.T) {
	// A second Service over the same Backend stands for a restarted (or
	// another) process: it serves chats it never held.
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	agentCtx, cancelAgent := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelAgent()
	if _, err := ts.svc.Join(agentCtx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex", ParticipantID: "agent-1"}); err != nil {
		t.Fatal(err)
	}
	if r := ts.send(c.ConnectionCredentials.ConnectionToken, "before"); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	ts.svc.Close()

	ts2 := &testServer{t: t, be: ts.be, rec: newRecorder(), clk: ts.clk}
	svc2, err := New(Config{Now: ts.clk.now, Logger: testLogger(t)}, ts.be, ts2.rec)
	if err != nil {
		t.Fatal(err)
	}
	ts2.svc = svc2
	srv2 := newHTTPServer(t, svc2)
	ts2.url = srv2
	t.Cleanup(svc2.Close)

	c2 := ts2.connect(p) // the participant token still works
	ws := ts2.dial(c2.Websocket.URL)
	ws.subscribe()
	// The agent rejoins as the participant it was: no second joined event,
	// and it gets what the customer says.
	agent, err := svc2.Join(agentCtx, p.ContactID, JoinRequest{Role: RoleAgent, DisplayName: "Alex", ParticipantID: "agent-1"})
	if err != nil {
		t.Fatalf("agent rejoins: %v", err)
	}
	if r := ts2.send(c.ConnectionCredentials.ConnectionToken, "after"); r.status != http.StatusOK {
		t.Fatalf("old connection token on the new process: %d %s", r.status, r.body)
	}
	if it := ws.item(); it.Content != "after" {
		t.Errorf("delivered %+v", it)
	}
	if it, err := agent.Next(agentCtx); err != nil || it.Content != "after" {
		t.Errorf("the rejoined agent got %+v, %v", it, err)
	}
	joined := 0
	for _, it := range ts2.mustTranscript(p.ContactID) {
		if it.Is(EventParticipantJoined) && it.ParticipantRole == RoleAgent {
			joined++
		}
	}
	if joined != 1 {
		t.Errorf("the agent joined %d times in the transcript, want 1", joined)
	}
	var contents []string
	for _, it := range ts2.mustTranscript(p.ContactID) {
		if it.IsMessage() {
			contents = append(contents, it.Content)
		}
	}
	if strings.Join(contents, ",") != "before,after" {
		t.Errorf("transcript messages %v", contents)
	}
}
