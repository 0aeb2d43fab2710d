//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestAgentTransfersAChat: an agent transfers a connected chat to the queue,
// where a second agent takes it; that agent transfers it to the first
// agent's personal queue. Each transfer is a new contact, related to the
// previous one as Amazon Connect models it, while the customer stays in one
// chat and talks to each agent in turn; each agent wraps up the contact it
// handed over.
func TestAgentTransfersAChat(t *testing.T) {
	b := backends()[0]
	args := b.args(t)
	s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "transfer"})
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "transfer", Agents: 2, AutoAccept: true, Flow: restartFlow})

	ana, _ := cc.agentWS(ctx, t, s, 0)
	bob, _ := cc.agentWS(ctx, t, s, 1)
	ana.setState(ctx, t, "Available")
	cu := startCustomer(ctx, t, s, c, cc, "Jo")
	first := cu.ContactID
	ana.awaitEvent(ctx, t, "contactConnected", first)
	ana.request(ctx, t, "sendMessage", map[string]any{"contactId": first, "content": "let me get Bob"})
	cu.awaitItem(ctx, t, "let me get Bob", "AGENT")

	// Bad transfers change nothing.
	for _, tc := range []struct {
		fields map[string]any
		code   string
	}{
		{map[string]any{"contactId": first, "queueId": "no-such-queue"}, "unknown_target"},
		{map[string]any{"contactId": first, "agentId": "no-such-agent"}, "unknown_target"},
		{map[string]any{"contactId": first}, "invalid"},
		{map[string]any{"contactId": "not-hers", "queueId": cc.Queue.ID}, "not_your_contact"},
	} {
		if r := ana.request(ctx, t, "transfer", tc.fields); r["type"] != "error" || r["code"] != tc.code {
			t.Errorf("transfer %v: %v, want error %s", tc.fields, r, tc.code)
		}
	}
	awaitContactState(t, c, cc, first, contact.Connected)

	// Ana → the queue → Bob.
	bob.setState(ctx, t, "Available")
	r := ana.request(ctx, t, "transfer", map[string]any{"contactId": first, "queueId": cc.Queue.ID})
	second, _ := r["nextContactId"].(string)
	if r["type"] != "ack" || second == "" || second == first {
		t.Fatalf("transfer to the queue: %v", r)
	}
	ana.awaitEvent(ctx, t, "acwStarted", first)
	bob.awaitEvent(ctx, t, "contactConnected", second)
	bob.request(ctx, t, "sendMessage", map[string]any{"contactId": second, "content": "Bob here"})
	cu.awaitItem(ctx, t, "Bob here", "AGENT")
	cu.send(ctx, t, "hi Bob")
	awaitAgentMessage(ctx, t, bob, second, "hi Bob")
	if r := ana.request(ctx, t, "sendMessage", map[string]any{"contactId": first, "content": "still there?"}); r["type"] != "error" {
		t.Errorf("the agent who transferred still chats on the old contact: %v", r)
	}
	ana.request(ctx, t, "completeAcw", map[string]any{"contactId": first})
	ana.awaitEvent(ctx, t, "acwEnded", first)

	// Bob → Ana's personal queue.
	r = bob.request(ctx, t, "transfer", map[string]any{"contactId": second, "agentId": cc.Agents[0].UserID})
	third, _ := r["nextContactId"].(string)
	if r["type"] != "ack" || third == "" {
		t.Fatalf("transfer to an agent: %v", r)
	}
	ana.awaitEvent(ctx, t, "contactConnected", third)
	ana.request(ctx, t, "sendMessage", map[string]any{"contactId": third, "content": "Ana again"})
	cu.awaitItem(ctx, t, "Ana again", "AGENT")
	bob.request(ctx, t, "completeAcw", map[string]any{"contactId": second})
	ana.request(ctx, t, "endContact", map[string]any{"contactId": third})
	ana.request(ctx, t, "completeAcw", map[string]any{"contactId": third})
	awaitContactState(t, c, cc, third, contact.Ended)
	awaitContactState(t, c, cc, second, contact.Ended)

	// One chat throughout: the customer's transcript has every agent's words.
	var said []string
	for _, it := range cu.transcript(ctx, t) {
		if it.Type == "MESSAGE" && it.ParticipantRole != "SYSTEM" {
			said = append(said, it.Content)
		}
	}
	if want := []string{"let me get Bob", "Bob here", "hi Bob", "Ana again"}; !slices.Equal(said, want) {
		t.Errorf("transcript: %q, want %q", said, want)
	}

	// The chain of contacts and their records.
	get := func(id string) contact.Contact {
		var got contact.Contact
		c.call(t, "GET", instancePath(cc.Inst.ID, "contacts", id), nil, http.StatusOK, &got)
		return got
	}
	c1, c2, c3 := get(first), get(second), get(third)
	if c1.NextContactID != second || c2.PreviousContactID != first || c2.NextContactID != third || c3.PreviousContactID != second {
		t.Errorf("chain: %s→%s, %s←%s→%s, %s←%s", c1.ID, c1.NextContactID, c2.PreviousContactID, c2.ID, c2.NextContactID, c3.PreviousContactID, c3.ID)
	}
	for _, x := range []contact.Contact{c1, c2, c3} {
		if x.InitialContactID != first || x.State != contact.Ended || x.Channel != contact.Chat {
			t.Errorf("contact %s: initial %s, state %s, channel %s", x.ID, x.InitialContactID, x.State, x.Channel)
		}
		c.call(t, "GET", instancePath(cc.Inst.ID, "contact-records", x.ID), nil, http.StatusOK, nil)
	}
	if c2.InitiationMethod != contact.Transfer || c3.InitiationMethod != contact.Transfer {
		t.Errorf("initiation methods %s, %s, want TRANSFER", c2.InitiationMethod, c3.InitiationMethod)
	}
	if c1.Agent == nil || c1.Agent.ID != cc.Agents[0].UserID || c2.Agent == nil || c2.Agent.ID != cc.Agents[1].UserID ||
		c3.Agent == nil || c3.Agent.ID != cc.Agents[0].UserID {
		t.Errorf("agents: %+v, %+v, %+v", c1.Agent, c2.Agent, c3.Agent)
	}
	if c3.Queue == nil || c3.Queue.ID != "agent/"+cc.Agents[0].UserID {
		t.Errorf("the contact transferred to Ana waited in %+v, want her personal queue", c3.Queue)
	}
}
