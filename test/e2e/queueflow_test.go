//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/flowtest"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// The texts of the e2e customer queue flow.
const (
	qfNext    = "You are next in line."
	qfClosing = "We are closing this chat, please try again later."
	qfBusy    = "All our agents are busy."
	qfMoved   = "You are now in the Overflow queue."
)

func qfThanks(name string) string { return "Thanks for waiting, " + name + "." }

// TestQueueFlowWhileWaiting runs customer queue flows through the binary.
// The inbound flow sets the customer queue flow and queues the chat. With
// no agent available the customer gets the queue flow's loop message every
// second and a queue-position message from CheckMetricData; once an agent
// takes the chat the queue flow stops and posts nothing more. A second
// customer's queue flow loops twice and disconnects: the chat and the
// contact end (CONTACT_FLOW_DISCONNECT) without an agent. A third
// customer's queue flow moves the contact to another queue, where the queue
// flow starts again; the contact record names the new queue.
func TestQueueFlowWhileWaiting(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := b.args(t)
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "queueflow"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()

			cc, overflow := qfSetup(t, c, true)

			ag, _ := cc.agentWS(ctx, t, s, 0) // Offline until it says otherwise

			// No agent: the queue flow loops its message every second.
			jo := startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
				"ParticipantDetails": map[string]any{"DisplayName": "Jo"}, "Attributes": map[string]any{"name": "Jo"}})
			start := time.Now()
			if err := e2etest.Poll(20*time.Second, 100*time.Millisecond, func() (bool, error) {
				tr := jo.transcript(ctx, t)
				return qfCount(tr, qfThanks("Jo")) >= 3 && qfCount(tr, qfNext) >= 1, nil
			}); err != nil {
				t.Fatalf("the queue flow's messages did not repeat: %v; transcript %v", err, qfContents(jo.transcript(ctx, t)))
			}
			if d := time.Since(start); d < 1500*time.Millisecond {
				t.Errorf("three loop messages within %v: the loop does not wait for its 1 s interrupt", d)
			}

			// An agent becomes available and (auto-accepting) gets the chat.
			ag.setState(ctx, t, "Available")
			ag.awaitEvent(ctx, t, "contactConnected", jo.ContactID)
			var joined int
			if err := e2etest.Poll(10*time.Second, 50*time.Millisecond, func() (bool, error) {
				joined = qfAgentJoined(jo.transcript(ctx, t))
				return joined >= 0, nil
			}); err != nil {
				t.Fatalf("the agent did not join the chat: %v", err)
			}
			// For three interrupt periods, the transcript has no flow message
			// after the agent joined.
			deadline := time.Now().Add(3 * time.Second)
			for time.Now().Before(deadline) {
				tr := jo.transcript(ctx, t)
				for _, it := range tr[joined:] {
					if it.Type == "MESSAGE" && it.ParticipantRole == "SYSTEM" {
						t.Fatalf("the queue flow posted %q after the agent joined; transcript %v", it.Content, qfContents(tr))
					}
				}
				time.Sleep(100 * time.Millisecond)
			}

			// The agent is busy (concurrency 1): Max waits, and his queue
			// flow loops twice, then disconnects him.
			mx := startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
				"ParticipantDetails": map[string]any{"DisplayName": "Max"}, "Attributes": map[string]any{"name": "Max", "plan": "leave"}})
			mx.WS.await(ctx, t, "chat.ended", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == "application/vnd.amazonaws.connect.event.chat.ended"
			})
			tr := mx.transcript(ctx, t)
			if qfCount(tr, qfBusy) != 2 || qfCount(tr, qfClosing) != 1 || qfCount(tr, qfThanks("Max")) != 0 {
				t.Errorf("Max's transcript %v: want %q twice, then %q", qfContents(tr), qfBusy, qfClosing)
			}

			// Lee's queue flow moves him to the Overflow queue (which no
			// agent serves), where it starts again and says so.
			lee := startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
				"ParticipantDetails": map[string]any{"DisplayName": "Lee"}, "Attributes": map[string]any{"name": "Lee", "plan": "move"}})
			if err := e2etest.Poll(20*time.Second, 100*time.Millisecond, func() (bool, error) {
				return qfCount(lee.transcript(ctx, t), qfThanks("Lee")) >= 2, nil
			}); err != nil {
				t.Fatalf("Lee's queue flow: %v; transcript %v", err, qfContents(lee.transcript(ctx, t)))
			}
			if tr := lee.transcript(ctx, t); qfCount(tr, qfMoved) != 1 {
				t.Errorf("Lee's transcript %v: want %q once", qfContents(tr), qfMoved)
			}
			lee.disconnect(ctx, t)
			lee.WS.await(ctx, t, "chat.ended", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == "application/vnd.amazonaws.connect.event.chat.ended"
			})

			// The agent ends Jo's chat.
			ag.send(ctx, t, map[string]any{"v": 1, "type": "endContact", "id": "qf-end", "contactId": jo.ContactID})
			ag.awaitEvent(ctx, t, "acwStarted", jo.ContactID)
			ag.close()
			jo.WS.close()
			mx.WS.close()
			lee.WS.close()
			s.Stop(15 * time.Second)
			for _, line := range strings.Split(s.Log(), "\n") {
				if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") || strings.Contains(line, "DATA RACE") {
					t.Errorf("server log: %s", line)
				}
			}

			st := openServerStore(ctx, t, s, args)
			m := contact.New(st, contact.Options{})
			gotJo, err := m.Get(ctx, cc.Inst.ID, jo.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			if gotJo.Agent == nil || gotJo.Agent.ID != cc.Agents[0].UserID {
				t.Errorf("Jo's contact: state %s, agent %+v", gotJo.State, gotJo.Agent)
			}
			gotMax, err := m.Get(ctx, cc.Inst.ID, mx.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			if gotMax.State != contact.Ended || gotMax.DisconnectReason != contact.ContactFlowDisconnect || gotMax.Agent != nil {
				t.Errorf("Max's contact: state %s, reason %s, agent %+v", gotMax.State, gotMax.DisconnectReason, gotMax.Agent)
			}
			gotLee, err := m.Get(ctx, cc.Inst.ID, lee.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			if gotLee.State != contact.Ended || gotLee.DisconnectReason != contact.CustomerDisconnect || gotLee.Queue == nil ||
				gotLee.Queue.ID != overflow.ID {
				t.Errorf("Lee's contact: state %s, reason %s, queue %+v; want ended by the customer in Overflow",
					gotLee.State, gotLee.DisconnectReason, gotLee.Queue)
			}
		})
	}
}

// qfSetup sets up a chatCenter whose inbound flow sets the customer queue
// flow qfQueueFlow, published as "Queue wait", and a second queue, Overflow,
// that no agent serves.
func qfSetup(t *testing.T, c *client, autoAccept bool) (*chatCenter, core.Queue) {
	t.Helper()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "queueflow-e2e", AutoAccept: autoAccept, Flow: qfInboundFlow})
	var overflow core.Queue
	c.call(t, "POST", instancePath(cc.Inst.ID, "queues"), map[string]any{"name": "Overflow",
		"hoursOfOperationId": cc.Queue.HoursOfOperationID}, http.StatusCreated, &overflow)
	var qf core.Flow
	c.call(t, "POST", instancePath(cc.Inst.ID, "flows"), map[string]any{"name": "Queue wait", "type": "CUSTOMER_QUEUE",
		"content": qfQueueFlow(cc.Queue.ID, overflow.ID)}, http.StatusCreated, &qf)
	c.call(t, "POST", instancePath(cc.Inst.ID, "flows", qf.ID, "publish"), nil, http.StatusOK, nil)
	return cc, overflow
}

// TestQueueFlowStopsWhileOffered checks that the queue flow stops as soon as
// the contact is offered (before the agent accepts), and starts again from
// its start when the agent rejects the offer and the contact is back in the
// queue.
func TestQueueFlowStopsWhileOffered(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := b.args(t)
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "queueflow-offer"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cc, _ := qfSetup(t, c, false)
			ag, _ := cc.agentWS(ctx, t, s, 0)

			jo := startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
				"ParticipantDetails": map[string]any{"DisplayName": "Jo"}, "Attributes": map[string]any{"name": "Jo"}})
			if err := e2etest.Poll(20*time.Second, 100*time.Millisecond, func() (bool, error) {
				return qfCount(jo.transcript(ctx, t), qfThanks("Jo")) >= 2, nil
			}); err != nil {
				t.Fatalf("the queue flow's messages did not repeat: %v; transcript %v", err, qfContents(jo.transcript(ctx, t)))
			}

			// Offered, not accepted: the queue flow stops. One message may
			// have been on its way when the offer was made; the loop would
			// post two or three more in 2.5 s.
			ag.setState(ctx, t, "Available")
			ag.awaitEvent(ctx, t, "offer", jo.ContactID)
			offered := qfSystemCount(jo.transcript(ctx, t))
			deadline := time.Now().Add(2500 * time.Millisecond)
			for time.Now().Before(deadline) {
				if tr := jo.transcript(ctx, t); qfSystemCount(tr) > offered+1 {
					t.Fatalf("the queue flow went on while the contact was offered: transcript %v", qfContents(tr))
				}
				time.Sleep(100 * time.Millisecond)
			}

			// Rejected: back in the queue, the queue flow starts again.
			reply := ag.request(ctx, t, "reject", map[string]any{"contactId": jo.ContactID})
			if reply["type"] != "ack" {
				t.Fatalf("reject: %v", reply)
			}
			before := qfCount(jo.transcript(ctx, t), qfNext)
			if err := e2etest.Poll(10*time.Second, 100*time.Millisecond, func() (bool, error) {
				tr := jo.transcript(ctx, t)
				return qfCount(tr, qfNext) > before && qfCount(tr, qfThanks("Jo")) >= 3, nil
			}); err != nil {
				t.Fatalf("the queue flow did not start again after the reject: %v; transcript %v", err, qfContents(jo.transcript(ctx, t)))
			}

			jo.disconnect(ctx, t)
			jo.WS.await(ctx, t, "chat.ended", func(m map[string]any) bool {
				it, ok := chatItemOf(m)
				return ok && it.ContentType == "application/vnd.amazonaws.connect.event.chat.ended"
			})
			// Gone from the queue: nothing more is posted.
			ended := jo.transcript(ctx, t)
			deadline = time.Now().Add(1500 * time.Millisecond)
			for time.Now().Before(deadline) {
				if tr := jo.transcript(ctx, t); len(tr) != len(ended) {
					t.Fatalf("items after the chat ended: %v", qfContents(tr))
				}
				time.Sleep(100 * time.Millisecond)
			}
			ag.close()
			jo.WS.close()
			s.Stop(15 * time.Second)
			for _, line := range strings.Split(s.Log(), "\n") {
				if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") || strings.Contains(line, "DATA RACE") {
					t.Errorf("server log: %s", line)
				}
			}
			st := openServerStore(ctx, t, s, args)
			got, err := contact.New(st, contact.Options{}).Get(ctx, cc.Inst.ID, jo.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != contact.Ended || got.DisconnectReason != contact.CustomerDisconnect || got.Agent != nil {
				t.Errorf("Jo's contact: state %s, reason %s, agent %+v", got.State, got.DisconnectReason, got.Agent)
			}
		})
	}
}

// qfInboundFlow greets the customer, sets the customer queue flow "Queue
// wait" (by name) and queues the chat.
func qfInboundFlow(queueID string) map[string]any {
	return flowtest.GreetAndQueue("Welcome!", queueID, flowtest.Action{Type: "UpdateContactEventHooks",
		Parameters: map[string]any{"EventHooks": map[string]any{"CustomerQueue": "Queue wait"}}})
}

// qfQueueFlow is the customer queue flow. Most customers get "You are next
// in line." while they are the only contact in the queue (CheckMetricData)
// and "Thanks for waiting, <name>." every second (Loop prompts interrupted
// every second, looping back). Customers with the attribute plan=leave get
// "All our agents are busy." twice, a goodbye and are disconnected; those
// with plan=move are moved to the Overflow queue, where the flow starts
// again and tells them.
func qfQueueFlow(queueID, overflowID string) map[string]any {
	cond := func(next, op, v string) map[string]any {
		return map[string]any{"NextAction": next, "Condition": map[string]any{"Operator": op, "Operands": []any{v}}}
	}
	errTo := func(next string, types ...string) []any {
		var out []any
		for _, t := range types {
			out = append(out, map[string]any{"NextAction": next, "ErrorType": t})
		}
		return out
	}
	loopPrompts := func(id, text, interrupted, onErr string) map[string]any {
		return map[string]any{"Identifier": id, "Type": "MessageParticipantIteratively",
			"Parameters": map[string]any{"Messages": []any{map[string]any{"Text": text}}, "InterruptFrequencySeconds": "1"},
			"Transitions": map[string]any{"Conditions": []any{cond(interrupted, "Equals", "MessagesInterrupted")},
				"Errors": errTo(onErr, "NoMatchingError")}}
	}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "who",
		"Actions": []any{
			map[string]any{"Identifier": "who", "Type": "Compare", "Parameters": map[string]any{"ComparisonValue": "$.Attributes.plan"},
				"Transitions": map[string]any{"Conditions": []any{cond("leave-loop", "Equals", "leave"), cond("where", "Equals", "move")},
					"Errors": errTo("position", "NoMatchingCondition")}},
			map[string]any{"Identifier": "where", "Type": "Compare", "Parameters": map[string]any{"ComparisonValue": "$.Queue.Name"},
				"Transitions": map[string]any{"Conditions": []any{cond("moved", "Equals", "Overflow")},
					"Errors": errTo("move", "NoMatchingCondition")}},
			map[string]any{"Identifier": "move", "Type": "DequeueContactAndTransferToQueue", "Parameters": map[string]any{"QueueId": overflowID},
				"Transitions": map[string]any{"Errors": errTo("thanks", "NoMatchingError", "QueueAtCapacity")}},
			map[string]any{"Identifier": "moved", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": qfMoved},
				"Transitions": map[string]any{"NextAction": "thanks", "Errors": errTo("thanks", "NoMatchingError")}},
			map[string]any{"Identifier": "position", "Type": "CheckMetricData",
				"Parameters": map[string]any{"QueueId": queueID, "MetricType": "NumberOfContactsInQueue"},
				"Transitions": map[string]any{"Conditions": []any{cond("next", "NumberLessOrEqualTo", "1")},
					"Errors": errTo("thanks", "NoMatchingCondition", "NoMatchingError")}},
			map[string]any{"Identifier": "next", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": qfNext},
				"Transitions": map[string]any{"NextAction": "thanks", "Errors": errTo("thanks", "NoMatchingError")}},
			loopPrompts("thanks", "Thanks for waiting, $.Attributes.name.", "position", "done"),
			map[string]any{"Identifier": "done", "Type": "EndFlowExecution", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
			map[string]any{"Identifier": "leave-loop", "Type": "Loop", "Parameters": map[string]any{"LoopCount": "2"},
				"Transitions": map[string]any{"Conditions": []any{cond("busy", "Equals", "ContinueLooping"), cond("bye", "Equals", "DoneLooping")}}},
			loopPrompts("busy", qfBusy, "leave-loop", "bye"),
			map[string]any{"Identifier": "bye", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": qfClosing},
				"Transitions": map[string]any{"NextAction": "hangup", "Errors": errTo("hangup", "NoMatchingError")}},
			map[string]any{"Identifier": "hangup", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

// qfCount counts the flow's messages with content.
func qfCount(tr []chatItem, content string) int {
	n := 0
	for _, it := range tr {
		if it.Type == "MESSAGE" && it.ParticipantRole == "SYSTEM" && it.Content == content {
			n++
		}
	}
	return n
}

// qfSystemCount counts the flow's messages.
func qfSystemCount(tr []chatItem) int {
	n := 0
	for _, it := range tr {
		if it.Type == "MESSAGE" && it.ParticipantRole == "SYSTEM" {
			n++
		}
	}
	return n
}

// qfAgentJoined is the index of the first agent item in the transcript (its
// participant.joined), or -1.
func qfAgentJoined(tr []chatItem) int {
	for i, it := range tr {
		if it.ParticipantRole == "AGENT" {
			return i
		}
	}
	return -1
}

// qfContents renders a transcript for a failure message.
func qfContents(tr []chatItem) []string {
	out := make([]string, 0, len(tr))
	for _, it := range tr {
		if it.Type == "MESSAGE" {
			out = append(out, it.ParticipantRole+": "+it.Content)
		} else {
			out = append(out, it.ParticipantRole+": "+it.ContentType[strings.LastIndex(it.ContentType, ".")+1:])
		}
	}
	return out
}

// TestQueueFlowResumesAfterAKill: the customer queue flow a chat had set is
// kept with the contact, so after the server is killed and restarted the
// contact, still queued, gets its queue flow's messages again.
func TestQueueFlowResumesAfterAKill(t *testing.T) {
	b := backends()[0]
	args := b.args(t)
	s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "queueflow before the kill"})
	token := s.AdminToken()
	c := newClient(t, s, token)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cc, _ := qfSetup(t, c, true)
	jo := startCustomerWith(ctx, t, s, c, cc, map[string]any{"ContactFlowId": cc.Flow.ID,
		"ParticipantDetails": map[string]any{"DisplayName": "Jo"}, "Attributes": map[string]any{"name": "Jo"}})
	if err := e2etest.Poll(20*time.Second, 100*time.Millisecond, func() (bool, error) {
		return qfCount(jo.transcript(ctx, t), qfThanks("Jo")) >= 1, nil
	}); err != nil {
		t.Fatalf("the queue flow did not run: %v", err)
	}
	before := qfCount(jo.transcript(ctx, t), qfThanks("Jo"))
	s.Kill()

	s = e2etest.Start(t, bin, e2etest.Options{Args: args, DataDir: s.DataDir, Name: "queueflow after the restart"})
	c = newClient(t, s, token)
	reconnectCustomer(ctx, t, s, jo)
	awaitContactStateIs(t, c, cc, jo.ContactID, "QUEUED")
	if err := e2etest.Poll(20*time.Second, 100*time.Millisecond, func() (bool, error) {
		return qfCount(jo.transcript(ctx, t), qfThanks("Jo")) >= before+2, nil
	}); err != nil {
		t.Fatalf("the queue flow did not resume after the restart: %v; transcript %v", err, qfContents(jo.transcript(ctx, t)))
	}
	var got contact.Contact
	c.call(t, "GET", instancePath(cc.Inst.ID, "contacts", jo.ContactID), nil, http.StatusOK, &got)
	if got.EventHooks["CustomerQueue"] == "" {
		t.Errorf("the contact does not keep its customer queue flow: %+v", got.EventHooks)
	}
}
