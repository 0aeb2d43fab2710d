//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/flowtest"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestReadReceiptsBetweenAgentAndCustomer: the customer's delivered and read
// receipts for an agent's message reach the agent's console as receipt
// events; the agent's read receipt for the customer's message reaches the
// customer's WebSocket as the MESSAGEMETADATA item chatjs expects.
func TestReadReceiptsBetweenAgentAndCustomer(t *testing.T) {
	b := backends()[0]
	s := e2etest.Start(t, bin, e2etest.Options{Args: b.args(t), Name: "receipts"})
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "receipts", AutoAccept: true, Flow: func(queueID string) map[string]any {
		return flowtest.GreetAndQueue("Welcome!", queueID)
	}})

	ana, _ := cc.agentWS(ctx, t, s, 0)
	ana.setState(ctx, t, "Available")
	cu := startCustomer(ctx, t, s, c, cc, "Jo")
	ana.awaitEvent(ctx, t, "contactConnected", cu.ContactID)

	// The agent's message, delivered to and read by the customer.
	r := ana.request(ctx, t, "sendMessage", map[string]any{"contactId": cu.ContactID, "content": "How can I help?"})
	msgID, _ := r["messageId"].(string)
	if r["type"] != "ack" || msgID == "" {
		t.Fatalf("sendMessage: %v", r)
	}
	if it := cu.awaitItem(ctx, t, "How can I help?", "AGENT"); it.Id != msgID {
		t.Fatalf("the customer got message %s, the agent sent %s", it.Id, msgID)
	}
	for _, ct := range []string{"delivered", "read"} {
		participant(ctx, t, cu.base, "event", cu.ConnectionToken, map[string]any{
			"ContentType": "application/vnd.amazonaws.connect.event.message." + ct,
			"Content":     `{"messageId":"` + msgID + `"}`}, nil)
		at := ct + "At" // deliveredAt, readAt
		got := ana.await(ctx, t, ct+" receipt", func(m map[string]any) bool {
			return m["type"] == "receipt" && m["contactId"] == cu.ContactID && m[at] != nil
		})
		if got["messageId"] != msgID || got["participantRole"] != "CUSTOMER" {
			t.Errorf("%s receipt: %v", ct, got)
		}
		if ts, _ := got[at].(string); ts == "" {
			t.Errorf("%s receipt without a time: %v", ct, got)
		} else if _, err := time.Parse("2006-01-02T15:04:05.000Z", ts); err != nil {
			t.Errorf("%s receipt time %q: %v", ct, ts, err)
		}
	}

	// The customer's message, read by the agent.
	cu.send(ctx, t, "my order is late")
	var custID string
	ana.await(ctx, t, "the customer's message", func(m map[string]any) bool {
		msg, _ := m["message"].(map[string]any)
		if m["type"] != "message" || m["contactId"] != cu.ContactID || msg["content"] != "my order is late" {
			return false
		}
		custID, _ = msg["id"].(string)
		return true
	})
	if custID == "" {
		t.Fatal("the message event has no id")
	}
	if r := ana.request(ctx, t, "read", map[string]any{"contactId": cu.ContactID, "messageId": custID}); r["type"] != "ack" {
		t.Fatalf("read: %v", r)
	}
	cu.WS.await(ctx, t, "the agent's read receipt", func(m map[string]any) bool {
		if m["topic"] != "aws/chat" {
			return false
		}
		s, _ := m["content"].(string)
		var it struct {
			Type            string
			ParticipantRole string
			MessageMetadata *struct {
				MessageId string
				Receipts  []struct{ ReadTimestamp, DeliveredTimestamp, RecipientParticipantId string }
			}
		}
		// The customer's own receipts are echoed to its socket too: skip them.
		if json.Unmarshal([]byte(s), &it) != nil || it.Type != "MESSAGEMETADATA" || it.MessageMetadata == nil ||
			it.MessageMetadata.MessageId != custID {
			return false
		}
		md := it.MessageMetadata
		if it.ParticipantRole != "AGENT" || len(md.Receipts) != 1 ||
			md.Receipts[0].ReadTimestamp == "" || md.Receipts[0].RecipientParticipantId == "" {
			t.Errorf("receipt item: %s", s)
		}
		return true
	})

	// Bad receipts change nothing and keep the connection.
	for _, tc := range []struct {
		typ    string
		fields map[string]any
		code   string
	}{
		{"read", map[string]any{"contactId": cu.ContactID, "messageId": "no-such-message"}, "invalid"},
		{"read", map[string]any{"contactId": cu.ContactID}, "invalid"},
		{"delivered", map[string]any{"contactId": "not-hers", "messageId": custID}, "not_your_contact"},
	} {
		if r := ana.request(ctx, t, tc.typ, tc.fields); r["type"] != "error" || r["code"] != tc.code {
			t.Errorf("%s %v: %v, want error %s", tc.typ, tc.fields, r, tc.code)
		}
	}
	// A repeated receipt is accepted and not posted again.
	if r := ana.request(ctx, t, "read", map[string]any{"contactId": cu.ContactID, "messageId": custID}); r["type"] != "ack" {
		t.Fatalf("repeated read: %v", r)
	}
	checkLogClean(t, s)
}
