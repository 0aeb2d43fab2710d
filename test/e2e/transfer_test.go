//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
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

// TestTransferThroughQuickConnectsAndFlows: an agent transfers a chat with a
// queue quick connect whose transfer flow tells the customer and queues the
// contact to the quick connect's queue, where a second agent takes it; that
// agent transfers it into a flow that says goodbye and ends the chat. A
// phone-number quick connect is refused for a chat, and an unknown one
// changes nothing. Agents are offered the quick connects of the queues of
// their routing profile only: the first agent neither sees nor transfers
// by the quick connect of a queue it does not serve; the second, whose
// profile has both queues, sees the union.
func TestTransferThroughQuickConnectsAndFlows(t *testing.T) {
	b := backends()[0]
	s := e2etest.Start(t, bin, e2etest.Options{Args: b.args(t), Name: "quick connects"})
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "quick-connects", Agents: 2, AutoAccept: true, Flow: restartFlow})
	inst := cc.Inst.ID
	publish := func(name, typ string, content map[string]any) core.Flow {
		var f core.Flow
		c.call(t, "POST", instancePath(inst, "flows"), map[string]any{"name": name, "type": typ, "content": content}, http.StatusCreated, &f)
		c.call(t, "POST", instancePath(inst, "flows", f.ID, "publish"), nil, http.StatusOK, nil)
		return f
	}
	end := map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}}
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	toQueue := publish("To billing", "QUEUE_TRANSFER", map[string]any{"Version": "2019-10-30", "StartAction": "tell",
		"Actions": []any{
			map[string]any{"Identifier": "tell", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Transferring you to billing."},
				"Transitions": map[string]any{"NextAction": "transfer", "Errors": errs}},
			map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
				"Transitions": map[string]any{"Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "QueueAtCapacity"},
					map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			end}})
	goodbye := publish("Goodbye", "CONTACT_FLOW", map[string]any{"Version": "2019-10-30", "StartAction": "bye",
		"Actions": []any{
			map[string]any{"Identifier": "bye", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Thanks for chatting. Goodbye!"},
				"Transitions": map[string]any{"NextAction": "end", "Errors": errs}},
			end}})
	var billing, phone, escalate core.QuickConnect
	c.call(t, "POST", instancePath(inst, "quick-connects"), map[string]any{"name": "Billing", "type": "QUEUE",
		"queueId": cc.Queue.ID, "flowId": toQueue.ID}, http.StatusCreated, &billing)
	c.call(t, "POST", instancePath(inst, "quick-connects"), map[string]any{"name": "Back office", "type": "PHONE_NUMBER",
		"phoneNumber": "+15550199"}, http.StatusCreated, &phone)
	c.call(t, "POST", instancePath(inst, "quick-connects"), map[string]any{"name": "Escalate", "type": "QUEUE",
		"queueId": cc.Queue.ID}, http.StatusCreated, &escalate)
	// Support offers Billing and Back office; Escalations, a queue only Bob
	// serves, offers Escalate.
	q := cc.Queue
	c.call(t, "PUT", instancePath(inst, "queues", q.ID), map[string]any{"name": q.Name, "hoursOfOperationId": q.HoursOfOperationID,
		"quickConnectIds": []string{billing.ID, phone.ID}, "version": q.Version}, http.StatusOK, nil)
	var escalations core.Queue
	c.call(t, "POST", instancePath(inst, "queues"), map[string]any{"name": "Escalations", "hoursOfOperationId": q.HoursOfOperationID,
		"quickConnectIds": []string{escalate.ID}}, http.StatusCreated, &escalations)
	var both core.RoutingProfile
	c.call(t, "POST", instancePath(inst, "routing-profiles"), map[string]any{"name": "Chat and escalations",
		"queues":             []any{map[string]any{"queueId": q.ID, "channel": "CHAT"}, map[string]any{"queueId": escalations.ID, "channel": "CHAT"}},
		"mediaConcurrencies": []any{map[string]any{"channel": "CHAT", "concurrency": 1}}}, http.StatusCreated, &both)
	var bobUser core.User
	c.call(t, "GET", instancePath(inst, "users", cc.Agents[1].UserID), nil, http.StatusOK, &bobUser)
	c.call(t, "PUT", instancePath(inst, "users", bobUser.ID), map[string]any{"username": bobUser.Username,
		"firstName": bobUser.FirstName, "securityProfileIds": bobUser.SecurityProfileIDs, "routingProfileId": both.ID,
		"autoAccept": bobUser.AutoAccept, "version": bobUser.Version}, http.StatusOK, nil)

	ana, _ := cc.agentWS(ctx, t, s, 0)
	bob, _ := cc.agentWS(ctx, t, s, 1)
	offered := func(ag *jsonWS) []string {
		t.Helper()
		r := ag.request(ctx, t, "listQuickConnects", nil)
		list, ok := r["quickConnects"].([]any)
		if r["type"] != "ack" || !ok {
			t.Fatalf("listQuickConnects: %v", r)
		}
		var names []string
		for _, e := range list {
			qc, _ := e.(map[string]any)
			name, _ := qc["name"].(string)
			names = append(names, name)
		}
		return names
	}
	if got, want := offered(ana), []string{"Back office", "Billing"}; !slices.Equal(got, want) {
		t.Errorf("Ana (Support) is offered %q, want %q", got, want)
	}
	if got, want := offered(bob), []string{"Back office", "Billing", "Escalate"}; !slices.Equal(got, want) {
		t.Errorf("Bob (Support and Escalations) is offered %q, want %q", got, want)
	}
	ana.setState(ctx, t, "Available")
	cu := startCustomer(ctx, t, s, c, cc, "Jo")
	first := cu.ContactID
	ana.awaitEvent(ctx, t, "contactConnected", first)

	// Escalate's queue is Ana's own, but no queue of hers lists it: refused.
	if r := ana.request(ctx, t, "transfer", map[string]any{"contactId": first, "quickConnectId": escalate.ID}); r["type"] != "error" ||
		r["code"] != "target_unavailable" || !strings.Contains(fmt.Sprint(r["error"]), "not offered to this agent") {
		t.Fatalf("Ana transfers by a quick connect she is not offered: %v, want target_unavailable", r)
	}
	for _, tc := range []struct {
		fields map[string]any
		code   string
	}{
		{map[string]any{"contactId": first, "quickConnectId": phone.ID}, "target_unavailable"},
		{map[string]any{"contactId": first, "quickConnectId": "no-such-quick-connect"}, "unknown_target"},
		{map[string]any{"contactId": first, "flowId": "no-such-flow"}, "unknown_target"},
		{map[string]any{"contactId": first, "flowId": goodbye.ID, "queueId": cc.Queue.ID}, "invalid"},
	} {
		if r := ana.request(ctx, t, "transfer", tc.fields); r["type"] != "error" || r["code"] != tc.code {
			t.Errorf("transfer %v: %v, want error %s", tc.fields, r, tc.code)
		}
	}
	awaitContactStateIs(t, c, cc, first, "CONNECTED")

	// Ana → the Billing quick connect: its transfer flow speaks, then queues.
	bob.setState(ctx, t, "Available")
	r := ana.request(ctx, t, "transfer", map[string]any{"contactId": first, "quickConnectId": billing.ID})
	second, _ := r["nextContactId"].(string)
	if r["type"] != "ack" || second == "" {
		t.Fatalf("transfer to the quick connect: %v", r)
	}
	cu.awaitItem(ctx, t, "Transferring you to billing.", "SYSTEM")
	bob.awaitEvent(ctx, t, "contactConnected", second)
	bob.request(ctx, t, "sendMessage", map[string]any{"contactId": second, "content": "Billing, Bob speaking"})
	cu.awaitItem(ctx, t, "Billing, Bob speaking", "AGENT")

	// Bob → the Goodbye flow: it speaks and ends the chat.
	r = bob.request(ctx, t, "transfer", map[string]any{"contactId": second, "flowId": goodbye.Name})
	third, _ := r["nextContactId"].(string)
	if r["type"] != "ack" || third == "" {
		t.Fatalf("transfer to a flow: %v", r)
	}
	cu.awaitItem(ctx, t, "Thanks for chatting. Goodbye!", "SYSTEM")
	cu.WS.await(ctx, t, "chat ended", func(m map[string]any) bool {
		it, ok := chatItemOf(m)
		return ok && it.ContentType == "application/vnd.amazonaws.connect.event.chat.ended"
	})
	awaitContactStateIs(t, c, cc, third, "ENDED")
	var got contact.Contact
	c.call(t, "GET", instancePath(inst, "contacts", third), nil, http.StatusOK, &got)
	if got.DisconnectReason != contact.ContactFlowDisconnect || got.FlowID != goodbye.ID || got.PreviousContactID != second ||
		got.InitialContactID != first || got.Agent != nil {
		t.Errorf("the contact transferred to the flow: reason %s, flow %s, previous %s, initial %s, agent %+v",
			got.DisconnectReason, got.FlowID, got.PreviousContactID, got.InitialContactID, got.Agent)
	}
	c.call(t, "GET", instancePath(inst, "contacts", second), nil, http.StatusOK, &got)
	if got.Queue == nil || got.Queue.ID != cc.Queue.ID || got.FlowID != toQueue.ID || got.Agent == nil || got.Agent.ID != cc.Agents[1].UserID {
		t.Errorf("the contact transferred through the quick connect: queue %+v, flow %s, agent %+v", got.Queue, got.FlowID, got.Agent)
	}
}
