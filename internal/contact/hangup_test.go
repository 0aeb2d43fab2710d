package contact

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// TestHangUpRecordsTheCallAndItsDurations follows the three ways a call's
// contact ends: the caller abandons in the queue (ended, record with IVR and
// queue durations), the caller hangs up on an agent (after-contact work, no
// record yet), and a repeat after the end (nothing changes).
func TestHangUpRecordsTheCallAndItsDurations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		m := New(st, Options{Now: clk.Now})
		inst := newInstance(t, st)
		start := &VoiceDetails{TrunkID: "trunk-1", TrunkName: "carrier", SIPCallID: "call-1@host", Codec: "PCMA"}

		c := must(m.Create(ctx, NewContact{InstanceID: inst, Channel: Voice, InitiationMethod: Inbound, Voice: start,
			CustomerEndpoint: &Endpoint{Type: EndpointPhone, Address: "+15550123"}}))(t)
		start.Codec = "changed after Create" // the contact keeps its own copy
		clk.Advance(time.Second)
		must(m.StartFlow(ctx, inst, c.ID, "flow-1"))(t)
		clk.Advance(7 * time.Second)
		must(m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q-1", Name: "Support"}))(t)
		clk.Advance(30 * time.Second)
		c = must(m.HangUp(ctx, inst, c.ID, CustomerDisconnect, VoiceDetails{DisconnectedBy: ByCustomer, HangupCause: "bye",
			PacketsSent: 1900, PacketsReceived: 1850}))(t)
		if c.State != Ended || c.DisconnectReason != CustomerDisconnect {
			t.Fatalf("after hang-up in queue: %s %s", c.State, c.DisconnectReason)
		}
		rec := must(m.GetRecord(ctx, inst, c.ID))(t)
		want := VoiceDetails{TrunkID: "trunk-1", TrunkName: "carrier", SIPCallID: "call-1@host", Codec: "PCMA",
			DisconnectedBy: ByCustomer, HangupCause: "bye", IVRDurationSeconds: 7, QueueDurationSeconds: 30,
			PacketsSent: 1900, PacketsReceived: 1850}
		if rec.Voice == nil || *rec.Voice != want {
			t.Fatalf("record voice = %+v, want %+v", rec.Voice, want)
		}
		if rec.Agent != nil || rec.Queue == nil || rec.Queue.DurationSeconds != 30 {
			t.Fatalf("abandoned call: agent %+v queue %+v", rec.Agent, rec.Queue)
		}
		again := must(m.HangUp(ctx, inst, c.ID, OtherDisconnect, VoiceDetails{HangupCause: "shutdown"}))(t)
		if again.Version != c.Version || again.Voice.HangupCause != "bye" {
			t.Fatalf("a second hang-up changed the ended contact: %+v", again.Voice)
		}

		// With an agent: the call's end starts after-contact work.
		d := must(m.Create(ctx, NewContact{InstanceID: inst, Channel: Voice, InitiationMethod: Inbound,
			Voice: &VoiceDetails{Codec: "PCMU"}}))(t)
		must(m.StartFlow(ctx, inst, d.ID, "flow-1"))(t)
		clk.Advance(2 * time.Second)
		must(m.Enqueue(ctx, inst, d.ID, QueueRef{ID: "q-1"}))(t)
		must(m.Offer(ctx, inst, d.ID, alice))(t)
		must(m.ConnectAgent(ctx, inst, d.ID, alice))(t)
		clk.Advance(45 * time.Second)
		d = must(m.HangUp(ctx, inst, d.ID, CustomerDisconnect, VoiceDetails{DisconnectedBy: ByCustomer, HangupCause: "bye"}))(t)
		if d.State != AfterContactWork || d.Agent.AgentInteractionDurationSeconds != 45 || d.Voice.Codec != "PCMU" ||
			d.Voice.IVRDurationSeconds != 2 {
			t.Fatalf("hang-up with an agent: state %s agent %+v voice %+v", d.State, d.Agent, d.Voice)
		}
		if _, err := m.HangUp(ctx, inst, d.ID, ContactFlowDisconnect, VoiceDetails{}); err != nil {
			t.Fatalf("a hang-up during after-contact work: %v", err)
		}
		if _, err := m.HangUp(ctx, inst, d.ID, "BOGUS", VoiceDetails{}); err == nil {
			t.Fatal("an unknown disconnect reason was accepted")
		}
	})
}

// The agent ends a call first (endContact: after-contact work); the call's
// own hang-up then adds its voice details to the contact, once.
func TestHangUpAfterTheAgentEndedAddsTheVoiceDetailsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := New(st, Options{})
		inst := newInstance(t, st)
		c := newVoice(t, m, inst)
		must(m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q-1"}))(t)
		must(m.ConnectAgent(ctx, inst, c.ID, alice))(t)
		c = must(m.Disconnect(ctx, inst, c.ID, AgentDisconnect))(t)
		c = must(m.HangUp(ctx, inst, c.ID, AgentDisconnect, VoiceDetails{DisconnectedBy: ByAgent, HangupCause: "agent", PacketsSent: 9}))(t)
		if c.State != AfterContactWork || c.DisconnectReason != AgentDisconnect || c.Voice == nil ||
			c.Voice.DisconnectedBy != ByAgent || c.Voice.PacketsSent != 9 {
			t.Fatalf("after the late hang-up: %+v voice %+v", c, c.Voice)
		}
		v := c.Version
		c = must(m.HangUp(ctx, inst, c.ID, CustomerDisconnect, VoiceDetails{DisconnectedBy: ByCustomer}))(t)
		if c.Version != v || c.Voice.DisconnectedBy != ByAgent {
			t.Fatalf("a second hang-up changed the contact: %+v", c.Voice)
		}
	})
}
