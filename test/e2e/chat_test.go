//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// The texts chatFlow sends.
const (
	greeting     = "Welcome! An agent will be with you shortly."
	menuQuestion = "Press 1 for sales, 2 for billing."
	billingReply = "Billing it is."
	salesReply   = "Sales it is."
)

// TestChatReachesAnAgent runs a chat through the binary: the API starts it;
// the flow greets the customer, asks a menu question, branches on the
// answer (setting contact attributes, then comparing one) and queues the
// contact; the router offers it to an auto-accept agent on the agent
// WebSocket; the two chat both ways; the agent ends the contact and
// completes after-contact work. The contact's events reach a webhook and
// the JetStream stream in order, and its record (every timestamp) and
// transcript are stored. A second customer leaves while queued and is
// never routed; a third, who picks the other branch, reaches the agent.
func TestChatReachesAnAgent(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := withNATSListen(b.args(t))
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "chat"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			events := openEventStream(ctx, t, s, args)

			cc := setupChatCenter(t, c, chatCenterOptions{AutoAccept: true})
			inst, q, agent := cc.Inst, cc.Queue, cc.Agents[0]

			// A CRM follows the contact events through a signed webhook.
			hook := newHookReceiver(t, "whsec-e2e-0123456789")
			c.call(t, "POST", instancePath(inst.ID, "webhook-subscriptions"), map[string]any{"name": "crm",
				"url": hook.srv.URL, "secret": "whsec-e2e-0123456789", "internal": true}, http.StatusCreated, nil)

			// The agent logs in, opens the agent WebSocket and becomes Available.
			ag, _ := cc.agentWS(ctx, t, s, 0)
			ag.setState(ctx, t, "Available")

			// The customer starts a chat; the flow greets and asks the menu
			// question (perhaps before the WebSocket subscribed: read the
			// transcript), and the customer answers 2.
			jo := startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
				"ParticipantDetails": map[string]any{"DisplayName": "Jo"}, "Attributes": map[string]any{"topic": "billing"}})
			jo.awaitTranscript(ctx, t, menuQuestion)
			jo.send(ctx, t, "2")
			jo.awaitItem(ctx, t, billingReply, "SYSTEM")

			// The flow queues the chat; the auto-accept agent gets it.
			offer := ag.awaitEvent(ctx, t, "offer", jo.ContactID)
			if offer["autoAccepted"] != true || offer["queueId"] != q.ID {
				t.Errorf("offer = %v, want autoAccepted in queue %s", offer, q.ID)
			}
			if attrs, _ := offer["attributes"].(map[string]any); attrs["department"] != "billing" || attrs["menuChoice"] != "2" {
				t.Errorf("offer attributes = %v, want the flow's department=billing, menuChoice=2", offer["attributes"])
			}
			ag.awaitEvent(ctx, t, "contactConnected", jo.ContactID)

			// Agent → customer.
			if r := ag.request(ctx, t, "sendMessage", map[string]any{"contactId": jo.ContactID, "content": "Hello Jo, Ana here"}); r["type"] != "ack" {
				t.Fatalf("sendMessage: %v", r)
			}
			jo.awaitItem(ctx, t, "Hello Jo, Ana here", "AGENT")

			// Customer → agent.
			jo.send(ctx, t, "My bill is wrong")
			ag.await(ctx, t, "the customer's message", func(m map[string]any) bool {
				msg, _ := m["message"].(map[string]any)
				return m["type"] == "message" && m["contactId"] == jo.ContactID &&
					msg["content"] == "My bill is wrong" && msg["participantRole"] == "CUSTOMER"
			})

			// The agent ends the contact and completes after-contact work.
			if r := ag.request(ctx, t, "endContact", map[string]any{"contactId": jo.ContactID}); r["type"] != "ack" {
				t.Fatalf("endContact: %v", r)
			}
			ag.awaitEvent(ctx, t, "contactEnded", jo.ContactID)
			ag.awaitEvent(ctx, t, "acwStarted", jo.ContactID)
			if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": jo.ContactID}); r["type"] != "ack" {
				t.Fatalf("completeAcw: %v", r)
			}
			if ended := ag.awaitEvent(ctx, t, "acwEnded", jo.ContactID); ended["reason"] != "completed" {
				t.Errorf("acwEnded = %v, want reason completed", ended)
			}
			jo.WS.await(ctx, t, "chat.ended", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == chat.EventChatEnded
			})

			// The transcript, as the customer reads it after the end.
			wantMessages := []string{"SYSTEM: " + greeting, "SYSTEM: " + menuQuestion, "CUSTOMER: 2", "SYSTEM: " + billingReply,
				"AGENT: Hello Jo, Ana here", "CUSTOMER: My bill is wrong"}
			tr := jo.transcript(ctx, t)
			if got := messagesOf(tr); !slices.Equal(got, wantMessages) {
				t.Errorf("participant transcript messages = %q, want %q", got, wantMessages)
			}

			// The contact's events, in order, on the stream and at the webhook.
			wantOrder := []string{"INITIATED", "FLOW_STARTED", "QUEUED", "OFFERED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED"}
			events.awaitType(ctx, t, jo.ContactID, contact.EventCompleted)
			onStream := events.types(jo.ContactID)
			t.Logf("stream events for the contact: %v", onStream)
			if !isSubsequence(wantOrder, onStream) || onStream[0] != "INITIATED" || onStream[len(onStream)-1] != "COMPLETED" {
				t.Errorf("stream events for the contact = %v, want %v in this order", onStream, wantOrder)
			}
			var last int64
			for _, e := range events.of(jo.ContactID) {
				if e.Data.Version <= last || e.Type != string(e.Data.EventType) || e.InstanceID != inst.ID {
					t.Errorf("stream event %s (version %d, after %d): envelope type %q, instance %q", e.Data.EventType, e.Data.Version, last, e.Type, e.InstanceID)
				}
				last = e.Data.Version
			}
			awaitHook(t, hook, jo.ContactID, "COMPLETED")
			delivered := hook.types(jo.ContactID)
			t.Logf("webhook events for the contact: %v", delivered)
			if !isSubsequence(wantOrder, delivered) || delivered[0] != "INITIATED" || delivered[len(delivered)-1] != "COMPLETED" {
				t.Errorf("webhook events for the contact = %v, want %v in this order", delivered, wantOrder)
			}

			// A second customer leaves while queued, with no agent available:
			// the contact ends and the router forgets it.
			ag.setState(ctx, t, "Offline")
			leaver := startCustomer(ctx, t, s, c, cc, "Max")
			leaver.awaitTranscript(ctx, t, menuQuestion)
			leaver.send(ctx, t, "2")
			events.awaitType(ctx, t, leaver.ContactID, contact.EventQueued)
			leaver.disconnect(ctx, t)
			events.awaitType(ctx, t, leaver.ContactID, contact.EventCompleted)

			// A third customer picks sales. When the agent is Available again
			// the queue holds only this one: its contact is the first the
			// agent gets (the one who left, queued earlier, would come first).
			eve := startCustomer(ctx, t, s, c, cc, "Eve")
			eve.awaitTranscript(ctx, t, menuQuestion)
			eve.send(ctx, t, "1")
			eve.awaitItem(ctx, t, salesReply, "SYSTEM")
			events.awaitType(ctx, t, eve.ContactID, contact.EventQueued)
			ag.setState(ctx, t, "Available")
			ag.await(ctx, t, "the third customer's contact", func(m map[string]any) bool {
				if (m["type"] == "offer" || m["type"] == "contactConnected") && m["contactId"] != eve.ContactID {
					t.Errorf("a contact other than the waiting one was routed: %v", m)
				}
				return m["type"] == "contactConnected" && m["contactId"] == eve.ContactID
			})
			eve.WS.await(ctx, t, "the agent joining", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == chat.EventParticipantJoined && it.ParticipantRole == "AGENT"
			})
			if r := ag.request(ctx, t, "endContact", map[string]any{"contactId": eve.ContactID}); r["type"] != "ack" {
				t.Fatalf("endContact: %v", r)
			}
			ag.awaitEvent(ctx, t, "acwStarted", eve.ContactID)
			if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": eve.ContactID}); r["type"] != "ack" {
				t.Fatalf("completeAcw: %v", r)
			}
			ag.awaitEvent(ctx, t, "acwEnded", eve.ContactID)
			events.awaitType(ctx, t, eve.ContactID, contact.EventCompleted)
			if slices.Contains(events.types(leaver.ContactID), "OFFERED") {
				t.Errorf("the contact of the customer who left was offered: %v", events.types(leaver.ContactID))
			}
			hook.mu.Lock()
			agentDeliveries := hook.agentEvents
			hook.mu.Unlock()
			if agentDeliveries == 0 {
				t.Errorf("the webhook got no agent events")
			}
			if bad := hook.badSignatures.Load(); bad != 0 {
				t.Errorf("%d webhook deliveries had a bad signature", bad)
			}

			ag.close()
			s.Stop(15 * time.Second)
			if !strings.Contains(s.Log(), "switchboard ready") {
				t.Errorf("the server log is not captured: %q", s.Log())
			}
			checkLogClean(t, s)

			// The contact records and transcripts, read from the server's store.
			st := openServerStore(ctx, t, s, args)
			m := contact.New(st, contact.Options{})
			rec, err := m.GetRecord(ctx, inst.ID, jo.ContactID)
			if err != nil {
				t.Fatalf("contact record: %v", err)
			}
			if rec.Channel != contact.Chat || rec.State != contact.Ended || rec.DisconnectReason != contact.AgentDisconnect ||
				rec.Agent == nil || rec.Agent.ID != agent.UserID || rec.Queue == nil || rec.Queue.ID != q.ID {
				t.Errorf("contact record: channel %s, state %s, disconnect reason %s, agent %+v, queue %+v",
					rec.Channel, rec.State, rec.DisconnectReason, rec.Agent, rec.Queue)
			} else {
				checkTimeline(t, rec)
			}
			for k, v := range map[string]string{"topic": "billing", "menuChoice": "2", "department": "billing"} {
				if rec.Attributes[k] != v {
					t.Errorf("contact record attribute %s = %q, want %q (attributes %v): the flow's UpdateContactAttributes must reach the contact", k, rec.Attributes[k], v, rec.Attributes)
				}
			}
			// The record says where its transcript is kept.
			if rec.Transcript == nil || rec.Transcript.ChatContactID != jo.ContactID {
				t.Fatalf("contact record transcript reference: %+v, want the chat of %s", rec.Transcript, jo.ContactID)
			}
			items, err := st.ChatBackend().Items(ctx, rec.Transcript.ChatContactID)
			if err != nil {
				t.Fatal(err)
			}
			var stored []chatItem
			for _, it := range items {
				stored = append(stored, chatItem{Id: it.ID, Type: string(it.Type), ContentType: it.ContentType, Content: it.Content,
					ParticipantRole: string(it.ParticipantRole), AbsoluteTime: it.AbsoluteTime})
			}
			if got := messagesOf(stored); !slices.Equal(got, wantMessages) {
				t.Errorf("stored transcript messages = %q, want %q", got, wantMessages)
			}
			if n := len(stored); n == 0 || stored[n-1].ContentType != chat.EventChatEnded {
				t.Errorf("the stored transcript does not end with chat.ended: %+v", stored)
			}
			for i := 1; i < len(stored); i++ {
				if stored[i].AbsoluteTime < stored[i-1].AbsoluteTime {
					t.Errorf("stored transcript item %d at %s is before item %d at %s", i, stored[i].AbsoluteTime, i-1, stored[i-1].AbsoluteTime)
				}
			}

			gone, err := m.GetRecord(ctx, inst.ID, leaver.ContactID)
			if err != nil {
				t.Fatalf("record of the customer who left: %v", err)
			}
			if gone.DisconnectReason != contact.CustomerDisconnect || gone.Agent != nil || gone.EnqueueTimestamp.IsZero() || gone.DisconnectTimestamp.IsZero() {
				t.Errorf("record of the customer who left: reason %s, agent %+v, enqueued %v, disconnected %v",
					gone.DisconnectReason, gone.Agent, gone.EnqueueTimestamp, gone.DisconnectTimestamp)
			}
			sales, err := m.GetRecord(ctx, inst.ID, eve.ContactID)
			if err != nil {
				t.Fatalf("record of the third customer: %v", err)
			}
			if sales.Attributes["department"] != "sales" || sales.Attributes["menuChoice"] != "1" || sales.Agent == nil || sales.Agent.ID != agent.UserID {
				t.Errorf("record of the third customer: attributes %v, agent %+v", sales.Attributes, sales.Agent)
			}
		})
	}
}

// checkTimeline checks that a contact record of a chat handled by an agent
// has every timestamp, in the order things happened.
func checkTimeline(t *testing.T, rec *contact.Record) {
	t.Helper()
	steps := []struct {
		name string
		at   time.Time
	}{
		{"initiation", rec.InitiationTimestamp},
		{"connected to system (flow started)", rec.ConnectedToSystemTimestamp},
		{"enqueue", rec.EnqueueTimestamp},
		{"queue enqueue", rec.Queue.EnqueueTimestamp},
		{"offered to agent", rec.Agent.OfferedTimestamp},
		{"queue dequeue", rec.Queue.DequeueTimestamp},
		{"connected to agent", rec.ConnectedToAgentTimestamp},
		{"agent connected to agent", rec.Agent.ConnectedToAgentTimestamp},
		{"disconnect", rec.DisconnectTimestamp},
		{"after-contact work start", rec.Agent.AfterContactWorkStartTimestamp},
		{"after-contact work end", rec.Agent.AfterContactWorkEndTimestamp},
		{"contact after-contact work end", rec.AfterContactWorkEndTimestamp},
		{"recorded", rec.RecordedAt},
	}
	for i, s := range steps {
		if s.at.IsZero() {
			t.Errorf("contact record: no %s timestamp", s.name)
			continue
		}
		if i > 0 && !steps[i-1].at.IsZero() && s.at.Before(steps[i-1].at) {
			t.Errorf("contact record: %s %v is before %s %v", s.name, s.at, steps[i-1].name, steps[i-1].at)
		}
	}
	if rec.Queue.DurationSeconds < 0 || rec.Agent.AgentInteractionDurationSeconds < 0 || rec.Agent.AfterContactWorkDurationSeconds < 0 {
		t.Errorf("contact record: negative durations: queue %+v, agent %+v", rec.Queue, rec.Agent)
	}
}

// messagesOf returns the MESSAGE items of a transcript as "ROLE: content".
func messagesOf(items []chatItem) []string {
	var out []string
	for _, it := range items {
		if it.Type == "MESSAGE" {
			out = append(out, it.ParticipantRole+": "+it.Content)
		}
	}
	return out
}

// awaitHook waits until the webhook received an event of type typ for the contact.
func awaitHook(t *testing.T, hook *hookReceiver, contactID, typ string) {
	t.Helper()
	if err := e2etest.Poll(30*time.Second, 20*time.Millisecond, func() (bool, error) {
		return slices.Contains(hook.types(contactID), typ), nil
	}); err != nil {
		t.Fatalf("webhook: no %s for contact %s; got %v", typ, contactID, hook.types(contactID))
	}
}

// checkLogClean fails the test for each warning, error or data race in the server's log.
func checkLogClean(t *testing.T, s *e2etest.Server) {
	t.Helper()
	for _, line := range strings.Split(s.Log(), "\n") {
		if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") || strings.Contains(line, "DATA RACE") {
			t.Errorf("server log: %s", line)
		}
	}
}

// chatFlow greets the customer, asks which department they want, records
// the answer in contact attributes, checks it with Compare, and queues the
// chat.
func chatFlow(queueID string) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	message := func(id, text, next string) map[string]any {
		return map[string]any{"Identifier": id, "Type": "MessageParticipant", "Parameters": map[string]any{"Text": text},
			"Transitions": map[string]any{"NextAction": next, "Errors": errs}}
	}
	setAttributes := func(id string, attrs map[string]any) map[string]any {
		return map[string]any{"Identifier": id, "Type": "UpdateContactAttributes", "Parameters": map[string]any{"Attributes": attrs},
			"Transitions": map[string]any{"NextAction": "check", "Errors": errs}}
	}
	equals := func(value, next string) map[string]any {
		return map[string]any{"NextAction": next, "Condition": map[string]any{"Operator": "Equals", "Operands": []string{value}}}
	}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "greet",
		"Actions": []any{
			message("greet", greeting, "menu"),
			map[string]any{"Identifier": "menu", "Type": "GetParticipantInput",
				"Parameters": map[string]any{"Text": menuQuestion, "StoreInput": "False", "InputTimeLimitSeconds": "60"},
				"Transitions": map[string]any{"NextAction": "end",
					"Conditions": []any{equals("1", "pick-sales"), equals("2", "pick-billing")},
					"Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "InputTimeLimitExceeded"},
						map[string]any{"NextAction": "end", "ErrorType": "NoMatchingCondition"},
						map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			setAttributes("pick-sales", map[string]any{"menuChoice": "1", "department": "sales"}),
			setAttributes("pick-billing", map[string]any{"menuChoice": "2", "department": "billing"}),
			map[string]any{"Identifier": "check", "Type": "Compare", "Parameters": map[string]any{"ComparisonValue": "$.Attributes.department"},
				"Transitions": map[string]any{"NextAction": "end",
					"Conditions": []any{equals("billing", "say-billing"), equals("sales", "say-sales")},
					"Errors":     []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingCondition"}}}},
			message("say-billing", billingReply, "set-queue"),
			message("say-sales", salesReply, "set-queue"),
			map[string]any{"Identifier": "set-queue", "Type": "UpdateContactTargetQueue", "Parameters": map[string]any{"QueueId": queueID},
				"Transitions": map[string]any{"NextAction": "transfer", "Errors": errs}},
			map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
				"Transitions": map[string]any{"Errors": []any{
					map[string]any{"NextAction": "end", "ErrorType": "QueueAtCapacity"},
					map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}
