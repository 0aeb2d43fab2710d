//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestChatBadInput sends the binary what clients get wrong or try on
// purpose — unknown and wrong-kind tokens, oversized and malformed
// messages, writes after the end, agents acting on contacts that are not
// theirs, malformed agent frames — and checks each gets its documented
// error (AWS-style X-Amzn-ErrorType on the participant API, error frames
// with codes on the agent WebSocket), that nothing of it changes the
// contacts, and that a normal chat then works end to end with exactly one
// contact record per ended contact.
func TestChatBadInput(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := b.args(t)
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "badinput"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cc := setupChatCenter(t, c, chatCenterOptions{Agents: 2, Flow: greetingFlow})
			ana, _ := cc.agentWS(ctx, t, s, 0)
			ben, _ := cc.agentWS(ctx, t, s, 1) // stays Offline: never offered anything
			ana.setState(ctx, t, "Available")

			// Customer A reaches Ana, who accepts by hand.
			a := startCustomer(ctx, t, s, c, cc, "Al")
			a.awaitTranscript(ctx, t, greeting)
			ana.awaitEvent(ctx, t, "offer", a.ContactID)

			// Ben acts on Ana's offer: refused, and the offer stays Ana's.
			for _, typ := range []string{"accept", "reject"} {
				wantAgentError(ctx, t, ben, typ, map[string]any{"contactId": a.ContactID}, "not_your_contact")
			}
			if r := ana.request(ctx, t, "accept", map[string]any{"contactId": a.ContactID}); r["type"] != "ack" {
				t.Fatalf("accept: %v", r)
			}
			ana.awaitEvent(ctx, t, "contactConnected", a.ContactID)
			a.WS.await(ctx, t, "the agent joining", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == chat.EventParticipantJoined && it.ParticipantRole == "AGENT"
			})

			// Ben acts on Ana's connected contact: every request is refused.
			for typ, fields := range map[string]map[string]any{
				"accept":      {},
				"reject":      {},
				"sendMessage": {"content": "I am not Ana"},
				"typing":      {},
				"endContact":  {},
				"completeAcw": {},
				"transfer":    {"queueId": cc.Queue.ID},
			} {
				fields["contactId"] = a.ContactID
				wantAgentError(ctx, t, ben, typ, fields, "not_your_contact")
			}
			// Ana's own mistakes on her contact, and on one that does not exist.
			wantAgentError(ctx, t, ana, "accept", map[string]any{"contactId": a.ContactID}, "no_offer")
			wantAgentError(ctx, t, ana, "completeAcw", map[string]any{"contactId": a.ContactID}, "no_acw")
			wantAgentError(ctx, t, ana, "sendMessage", map[string]any{"contactId": "no-such-contact", "content": "hi"}, "not_your_contact")
			wantAgentError(ctx, t, ana, "sendMessage", map[string]any{"contactId": a.ContactID}, "invalid")
			wantAgentError(ctx, t, ana, "transfer", map[string]any{"contactId": a.ContactID, "queueId": "no-such-queue"}, "unknown_target")
			long := strings.Repeat("x", chat.DefaultMaxContentBytes+1)
			wantAgentError(ctx, t, ana, "sendMessage", map[string]any{"contactId": a.ContactID, "content": long}, "chat_failed")

			// Malformed frames on Ben's authenticated socket.
			badAgentFrames(ctx, t, ben)
			// And on a socket that has not said hello.
			anon := dialJSON(ctx, t, "ws"+strings.TrimPrefix(s.URL, "http")+"/api/v1/agent")
			wantAgentError(ctx, t, anon, "setState", map[string]any{"status": "Available"}, "unauthenticated")
			wantAgentError(ctx, t, anon, "hello", map[string]any{"token": "sbs_not-a-session"}, "unauthenticated")
			wantAgentError(ctx, t, anon, "hello", map[string]any{}, "unauthenticated")
			anon.close()

			// The participant API.
			badParticipantCalls(ctx, t, s, a)

			// The chat still works: a message at exactly the size limit goes
			// through both ways.
			exact := strings.Repeat("y", chat.DefaultMaxContentBytes)
			a.send(ctx, t, exact)
			ana.await(ctx, t, "the customer's message at the size limit", func(m map[string]any) bool {
				msg, _ := m["message"].(map[string]any)
				return m["type"] == "message" && msg["content"] == exact
			})
			if r := ana.request(ctx, t, "sendMessage", map[string]any{"contactId": a.ContactID, "content": exact}); r["type"] != "ack" {
				t.Fatalf("sendMessage at the size limit: %v", r)
			}
			a.awaitItem(ctx, t, exact, "AGENT")

			// The customer leaves; afterwards writes are refused, reads are not.
			a.disconnect(ctx, t)
			a.WS.await(ctx, t, "chat.ended", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == chat.EventChatEnded
			})
			ana.awaitEvent(ctx, t, "acwStarted", a.ContactID)
			for _, op := range []struct {
				op   string
				body any
			}{
				{"message", map[string]any{"ContentType": "text/plain", "Content": "are you there?"}},
				{"event", map[string]any{"ContentType": "application/vnd.amazonaws.connect.event.typing"}},
				{"disconnect", map[string]any{}},
			} {
				wantParticipantError(ctx, t, s, op.op, a.ConnectionToken, op.body, http.StatusForbidden, chat.ErrTypeAccessDenied)
			}
			if got := messagesOf(a.transcript(ctx, t)); len(got) != 3 {
				t.Errorf("transcript after the end: %d messages, want 3 (greeting and the two at the limit)", len(got))
			}
			wantAgentError(ctx, t, ana, "sendMessage", map[string]any{"contactId": a.ContactID, "content": "still there?"}, "not_connected")
			wantAgentError(ctx, t, ana, "endContact", map[string]any{"contactId": a.ContactID}, "not_connected")
			if r := ana.request(ctx, t, "completeAcw", map[string]any{"contactId": a.ContactID}); r["type"] != "ack" {
				t.Fatalf("completeAcw: %v", r)
			}
			ana.awaitEvent(ctx, t, "acwEnded", a.ContactID)
			wantAgentError(ctx, t, ana, "completeAcw", map[string]any{"contactId": a.ContactID}, "not_your_contact")
			wantAgentError(ctx, t, ana, "endContact", map[string]any{"contactId": a.ContactID}, "not_your_contact")

			// A normal chat, end to end, after all that.
			bcu := startCustomer(ctx, t, s, c, cc, "Bo")
			bcu.awaitTranscript(ctx, t, greeting)
			ana.awaitEvent(ctx, t, "offer", bcu.ContactID)
			if r := ana.request(ctx, t, "accept", map[string]any{"contactId": bcu.ContactID}); r["type"] != "ack" {
				t.Fatalf("accept: %v", r)
			}
			ana.awaitEvent(ctx, t, "contactConnected", bcu.ContactID)
			bcu.WS.await(ctx, t, "the agent joining", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == chat.EventParticipantJoined && it.ParticipantRole == "AGENT"
			})
			bcu.send(ctx, t, "hello?")
			ana.await(ctx, t, "the customer's message", func(m map[string]any) bool {
				msg, _ := m["message"].(map[string]any)
				return m["type"] == "message" && m["contactId"] == bcu.ContactID && msg["content"] == "hello?"
			})
			if r := ana.request(ctx, t, "sendMessage", map[string]any{"contactId": bcu.ContactID, "content": "Hi Bo"}); r["type"] != "ack" {
				t.Fatalf("sendMessage: %v", r)
			}
			bcu.awaitItem(ctx, t, "Hi Bo", "AGENT")
			if r := ana.request(ctx, t, "endContact", map[string]any{"contactId": bcu.ContactID}); r["type"] != "ack" {
				t.Fatalf("endContact: %v", r)
			}
			ana.awaitEvent(ctx, t, "acwStarted", bcu.ContactID)
			if r := ana.request(ctx, t, "completeAcw", map[string]any{"contactId": bcu.ContactID}); r["type"] != "ack" {
				t.Fatalf("completeAcw: %v", r)
			}
			ana.awaitEvent(ctx, t, "acwEnded", bcu.ContactID)
			for _, m := range drain(ben) {
				if m["type"] == "offer" || m["type"] == "contactConnected" {
					t.Errorf("Ben, Offline, was routed a contact: %v", m)
				}
			}
			ana.close()
			ben.close()
			s.Stop(15 * time.Second)
			checkLogClean(t, s)

			// Exactly one record per ended contact, each as it happened.
			st := openServerStore(ctx, t, s, args)
			m := contact.New(st, contact.Options{})
			recs, _, err := m.ListRecords(ctx, contact.RecordQuery{InstanceID: cc.Inst.ID, Max: 100})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			byID := map[string]*contact.Record{}
			for _, r := range recs {
				ids = append(ids, r.ID)
				byID[r.ID] = r
			}
			slices.Sort(ids)
			want := []string{a.ContactID, bcu.ContactID}
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Fatalf("contact records %v, want exactly one for each of %v", ids, want)
			}
			for id, reason := range map[string]contact.DisconnectReason{a.ContactID: contact.CustomerDisconnect, bcu.ContactID: contact.AgentDisconnect} {
				r := byID[id]
				if r.DisconnectReason != reason || r.Agent == nil || r.Agent.ID != cc.Agents[0].UserID || r.Agent.AfterContactWorkEndTimestamp.IsZero() {
					t.Errorf("record of %s: reason %s (want %s), agent %+v", id, r.DisconnectReason, reason, r.Agent)
				}
			}
		})
	}
}

// wantAgentError sends an agent request and requires an error reply with code.
func wantAgentError(ctx context.Context, t *testing.T, j *jsonWS, typ string, fields map[string]any, code string) {
	t.Helper()
	r := j.request(ctx, t, typ, fields)
	if msg, _ := r["error"].(string); r["type"] != "error" || r["code"] != code || msg == "" {
		t.Errorf("%s %v: reply %v, want an error with code %s and a message", typ, fields, r, code)
	}
}

// badAgentFrames sends malformed frames on an authenticated agent socket:
// each gets an error frame, and the connection stays usable.
func badAgentFrames(ctx context.Context, t *testing.T, j *jsonWS) {
	t.Helper()
	raw := func(what string, data []byte, binary bool, code, re string) {
		t.Helper()
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		if err := j.ws.Write(ctx, typ, data); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		r := j.await(ctx, t, what+" error", func(m map[string]any) bool { return m["type"] == "error" })
		if got, _ := r["re"].(string); r["code"] != code || got != re || r["error"] == "" {
			t.Errorf("%s: reply %v, want code %s re %q", what, r, code, re)
		}
	}
	raw("not JSON", []byte("hello there"), false, "bad_request", "")
	raw("a JSON array", []byte(`[1,2,3]`), false, "bad_request", "")
	raw("a binary frame", []byte(`{"v":1,"type":"heartbeat","id":"b"}`), true, "bad_request", "")
	raw("a wrong field type", []byte(`{"v":1,"type":"accept","id":"w","contactId":42}`), false, "bad_request", "w")
	raw("no version", []byte(`{"type":"heartbeat","id":"nv"}`), false, "unsupported_version", "nv")
	raw("version 2", []byte(`{"v":2,"type":"heartbeat","id":"v2"}`), false, "unsupported_version", "v2")
	raw("an unknown type", []byte(`{"v":1,"type":"dance","id":"u"}`), false, "unknown_type", "u")
	big, _ := json.Marshal(map[string]any{"v": 1, "type": "sendMessage", "id": "big", "contactId": "x", "content": strings.Repeat("z", 70<<10)})
	raw("a frame over 64 KiB", big, false, "too_large", "big")
	wantAgentError(ctx, t, j, "accept", map[string]any{}, "invalid")
	wantAgentError(ctx, t, j, "setState", map[string]any{}, "invalid")
	wantAgentError(ctx, t, j, "setState", map[string]any{"status": "Dancing"}, "invalid_status")
	wantAgentError(ctx, t, j, "transfer", map[string]any{"contactId": "x"}, "invalid")
	if r := j.request(ctx, t, "heartbeat", nil); r["type"] != "ack" {
		t.Errorf("heartbeat after the bad frames: %v", r)
	}
}

// wantParticipantError calls the participant API and requires the status,
// X-Amzn-ErrorType, a request ID and a {"message"} body.
func wantParticipantError(ctx context.Context, t *testing.T, s *e2etest.Server, op, token string, body any, status int, errType string) {
	t.Helper()
	got, h, raw := participantRaw(ctx, t, s.URL, op, token, body)
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(raw, &msg)
	if got != status || h.Get("X-Amzn-ErrorType") != errType || msg.Message == "" || h.Get("X-Amzn-RequestId") == "" {
		t.Errorf("participant %s with token %.12q: status %d, X-Amzn-ErrorType %q, request id %q, body %s; want %d %s with a message",
			op, token, got, h.Get("X-Amzn-ErrorType"), h.Get("X-Amzn-RequestId"), lastChars(string(raw), 200), status, errType)
	}
}

// badParticipantCalls sends the participant API bad tokens and bad
// messages for customer cu's chat.
func badParticipantCalls(ctx context.Context, t *testing.T, s *e2etest.Server, cu *customer) {
	t.Helper()
	conn := map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}
	msg := map[string]any{"ContentType": "text/plain", "Content": "hi"}
	unknownParticipant := "sbpt_" + strings.Repeat("A", 43)
	unknownConnection := "sbct_" + strings.Repeat("A", 43)
	for _, tc := range []struct {
		name, op, token string
		body            any
	}{
		{"no participant token", "connection", "", conn},
		{"garbage participant token", "connection", "garbage", conn},
		{"unknown participant token", "connection", unknownParticipant, conn},
		{"connection token as participant token", "connection", cu.ConnectionToken, conn},
		{"no connection token", "message", "", msg},
		{"garbage connection token", "message", "garbage", msg},
		{"unknown connection token", "message", unknownConnection, msg},
		{"participant token as connection token", "message", cu.ParticipantToken, msg},
		{"unknown connection token, transcript", "transcript", unknownConnection, map[string]any{}},
		{"unknown connection token, event", "event", unknownConnection, map[string]any{"ContentType": "application/vnd.amazonaws.connect.event.typing"}},
		{"unknown connection token, disconnect", "disconnect", unknownConnection, map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantParticipantError(ctx, t, s, tc.op, tc.token, tc.body, http.StatusForbidden, chat.ErrTypeAccessDenied)
		})
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"content one byte over the limit", map[string]any{"ContentType": "text/plain", "Content": strings.Repeat("x", chat.DefaultMaxContentBytes+1)}},
		{"empty content", map[string]any{"ContentType": "text/plain", "Content": ""}},
		{"unsupported content type", map[string]any{"ContentType": "image/png", "Content": "x"}},
		{"customer posting an interactive message", map[string]any{"ContentType": "application/vnd.amazonaws.connect.message.interactive", "Content": "{}"}},
		{"not JSON", []byte(`{"ContentType": "text/plain", "Content": `)},
		{"wrong field type", []byte(`{"ContentType": "text/plain", "Content": 42}`)},
		{"body over 128 KiB", map[string]any{"ContentType": "text/plain", "Content": strings.Repeat("x", 130<<10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantParticipantError(ctx, t, s, "message", cu.ConnectionToken, tc.body, http.StatusBadRequest, chat.ErrTypeValidation)
		})
	}
	t.Run("unknown operation", func(t *testing.T) {
		wantParticipantError(ctx, t, s, "no-such-op", cu.ConnectionToken, map[string]any{}, http.StatusNotFound, "UnknownOperationException")
	})
	t.Run("WebSocket with a bad token", func(t *testing.T) {
		for _, tok := range []string{"", "garbage", "sbws_" + strings.Repeat("A", 43), cu.ConnectionToken} {
			_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/participant/ws?token="+tok, nil)
			if err == nil {
				t.Errorf("WebSocket with token %.12q: dialled", tok)
				continue
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != chat.ErrTypeAccessDenied {
				t.Errorf("WebSocket with token %.12q: %v (response %+v)", tok, err, resp)
			}
		}
	})
	// None of it reached the chat.
	for _, it := range cu.transcript(ctx, t) {
		if it.Type == "MESSAGE" && it.ParticipantRole == "CUSTOMER" {
			t.Errorf("a refused message is in the transcript: %.40q", it.Content)
		}
	}
}
