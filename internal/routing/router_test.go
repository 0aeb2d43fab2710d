package routing

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/hours"
)

// queueFigures are engine.QueueMetrics with shorter names, for comparing.
type queueFigures struct {
	InQueue                                              int
	Oldest                                               time.Duration
	Online, Available, Staffed, Busy, ACW, Missed, Other int
}

func figures(m engine.QueueMetrics) queueFigures {
	return queueFigures{
		InQueue: m.ContactsInQueue, Oldest: m.OldestContactAge, Online: m.AgentsOnline,
		Available: m.AgentsAvailable, Staffed: m.AgentsStaffed, Busy: m.AgentsBusy,
		ACW: m.AgentsAfterWork, Missed: m.AgentsMissed, Other: m.AgentsOther,
	}
}

func metricsQuery(queueID, channel string) engine.MetricsQuery {
	return engine.MetricsQuery{Queue: &core.Queue{Meta: core.Meta{ID: queueID}}, Channel: channel}
}

func agentQuery(agentID string) engine.MetricsQuery { return engine.MetricsQuery{AgentID: agentID} }

func TestOfferGoesToLongestIdleAgent(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	for _, a := range []string{"a1", "a2", "a3"} {
		h.agent(a, "p")
	}
	// a2 became available first, then a3, then a1.
	h.available("a2")
	h.advance(time.Second)
	h.available("a3")
	h.advance(time.Second)
	h.available("a1")
	h.enqueue("c1", "q", voice)
	h.enqueue("c2", "q", voice)
	h.wantOffers("a2:c1", "a3:c2")
	// a2 finishes; a1 has now been idle longest, so it gets the next one.
	h.ok(h.r.Accept(h.ctx, "a2", "c1"))
	h.advance(time.Second)
	h.ok(h.r.EndContact(h.ctx, "c1"))
	h.ok(h.r.CompleteACW(h.ctx, "a2", "c1"))
	h.enqueue("c3", "q", voice)
	h.enqueue("c4", "q", voice)
	h.wantOffers("a1:c3", "a2:c4")
}

func TestPriorityAndAgeOrder(t *testing.T) {
	tests := []struct {
		name     string
		profile  []string
		contacts []struct{ id, queue string } // enqueued one second apart
		wait     time.Duration                // before the agent becomes available
		want     []string                     // offers in order, the agent accepting and finishing each
	}{
		{
			name:    "higher-priority queue first even if younger",
			profile: []string{"sales/VOICE/1/0", "support/VOICE/2/0", "VOICE=1"},
			contacts: []struct{ id, queue string }{
				{"old-support", "support"}, {"new-sales", "sales"},
			},
			want: []string{"a:new-sales", "a:old-support"},
		},
		{
			name:    "same priority: oldest across queues",
			profile: []string{"sales/VOICE/1/0", "support/VOICE/1/0", "VOICE=1"},
			contacts: []struct{ id, queue string }{
				{"s1", "support"}, {"x1", "sales"}, {"s2", "support"},
			},
			want: []string{"a:s1", "a:x1", "a:s2"},
		},
		{
			// Connect's example 2: same priority, Support delayed 30 s.
			// The older support contact waits until it is 30 s old.
			name:    "delayed queue not served before its delay",
			profile: []string{"sales/VOICE/1/0", "support/VOICE/1/30", "VOICE=1"},
			contacts: []struct{ id, queue string }{
				{"support1", "support"}, {"sales1", "sales"}, {"sales2", "sales"},
			},
			want: []string{"a:sales1", "a:sales2"},
		},
		{
			name:    "delayed queue served once old enough, by age",
			profile: []string{"sales/VOICE/1/0", "support/VOICE/1/30", "VOICE=1"},
			contacts: []struct{ id, queue string }{
				{"support1", "support"}, {"sales1", "sales"},
			},
			wait: 40 * time.Second,
			want: []string{"a:support1", "a:sales1"},
		},
		{
			name:    "lower priority served when higher is empty",
			profile: []string{"sales/VOICE/1/0", "support/VOICE/2/0", "VOICE=1"},
			contacts: []struct{ id, queue string }{
				{"s1", "support"}, {"s2", "support"},
			},
			want: []string{"a:s1", "a:s2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.queue("sales", 0)
			h.queue("support", 0)
			h.profile("p", tc.profile...)
			h.agent("a", "p", acw(-1))
			for _, c := range tc.contacts {
				h.enqueue(c.id, c.queue, voice)
				h.advance(time.Second)
			}
			h.advance(tc.wait)
			h.available("a")
			var got []string
			for {
				offers := h.offers()
				if len(offers) == 0 {
					break
				}
				got = append(got, offers...)
				for _, o := range offers {
					id := o[len("a:"):]
					h.ok(h.r.Accept(h.ctx, "a", id))
					h.ok(h.r.EndContact(h.ctx, id))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("offers %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDelayIsPerProfile(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("fast", "q/VOICE/1/0", "VOICE=1")
	h.profile("backup", "q/VOICE/1/30", "VOICE=1")
	h.agent("backup1", "backup")
	h.agent("fast1", "fast")
	h.available("backup1") // idle longest, but its profile waits 30 s
	h.advance(time.Second)
	h.available("fast1")
	h.enqueue("c1", "q", voice)
	h.enqueue("c2", "q", voice)
	h.wantOffers("fast1:c1")
	h.ok(h.r.Accept(h.ctx, "fast1", "c1"))
	h.advance(29 * time.Second)
	if got := h.offers(); len(got) != 0 {
		t.Fatalf("offered %q before the delay", got)
	}
	h.advance(time.Second)
	h.wantOffers("backup1:c2")
}

func TestContactPriorityAndTimeAdjustment(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p", acw(-1))
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		h.enqueue(id, "q", voice)
		h.advance(10 * time.Second)
	}
	one := 1
	h.ok(h.r.UpdateRouting(h.ctx, "c4", RoutingUpdate{Priority: &one}))
	adj := 25 * time.Second // c3 (20 s old) becomes 45 s old: ahead of c1 (40 s)
	h.ok(h.r.UpdateRouting(h.ctx, "c3", RoutingUpdate{AgeAdjust: &adj}))
	h.available("a")
	var got []string
	for range 4 {
		o := h.offers()
		got = append(got, o...)
		id := o[0][2:]
		h.ok(h.r.Accept(h.ctx, "a", id))
		h.ok(h.r.EndContact(h.ctx, id))
	}
	if want := []string{"a:c4", "a:c3", "a:c1", "a:c2"}; !slices.Equal(got, want) {
		t.Errorf("offers %q, want %q", got, want)
	}
	if err := h.r.UpdateRouting(h.ctx, "c1", RoutingUpdate{Priority: &one}); !errors.Is(err, ErrUnknownContact) {
		t.Errorf("update of an ended contact: %v", err)
	}
}

func TestConcurrencyPerChannel(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/CHAT/1/0", "CHAT=3")
	h.agent("a", "p")
	h.available("a")
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		h.enqueue(id, "q", chat)
	}
	h.wantOffers("a:c1", "a:c2", "a:c3")
	if s := h.contactState("c4"); s.State != ContactWaiting {
		t.Fatalf("c4 is %s", s.State)
	}
	h.ok(h.r.Accept(h.ctx, "a", "c2"))
	h.ok(h.r.EndContact(h.ctx, "c2"))
	if got := h.offers(); len(got) != 0 {
		t.Fatalf("offered %q while the ended chat's slot is in ACW", got)
	}
	h.ok(h.r.CompleteACW(h.ctx, "a", "c2"))
	h.wantOffers("a:c4")
}

func TestChatsSpreadOverAgents(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/CHAT/1/0", "CHAT=3")
	h.agent("a", "p")
	h.agent("b", "p")
	h.available("a", "b")
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		h.enqueue(id, "q", chat)
	}
	// Fewest contacts first, then longest idle (the last offer counts).
	h.wantOffers("a:c1", "b:c2", "a:c3", "b:c4")
}

func TestCrossChannelRule(t *testing.T) {
	tests := []struct {
		name   string
		limits []string
		first  string // channel of the contact the agent holds
		then   string // channel of the next contact
		offer  bool
	}{
		{"voice blocks chat by default", []string{"VOICE=1", "CHAT=3"}, voice, chat, false},
		{"chat blocks voice by default", []string{"VOICE=1", "CHAT=3"}, chat, voice, false},
		{"chat blocks task by default", []string{"CHAT=3", "TASK=2"}, chat, task, false},
		{"voice allowing others takes chat", []string{"VOICE=1+", "CHAT=3"}, voice, chat, true},
		{"voice allowing others, chat blocks voice", []string{"VOICE=1+", "CHAT=3"}, chat, voice, false},
		{"same channel within concurrency", []string{"VOICE=1", "CHAT=3"}, chat, chat, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.queue("q", 0)
			spec := append([]string{"q/VOICE/1/0", "q/CHAT/1/0", "q/TASK/1/0"}, tc.limits...)
			h.profile("p", spec...)
			h.agent("a", "p")
			h.available("a")
			h.enqueue("first", "q", tc.first)
			h.ok(h.r.Accept(h.ctx, "a", "first"))
			h.take()
			h.enqueue("next", "q", tc.then)
			got := h.offers()
			if offered := slices.Equal(got, []string{"a:next"}); offered != tc.offer {
				t.Errorf("offers %q, want offered=%v", got, tc.offer)
			}
			// Once the first contact is done, the blocked one is offered.
			h.ok(h.r.EndContact(h.ctx, "first"))
			h.ok(h.r.CompleteACW(h.ctx, "a", "first"))
			if !tc.offer {
				h.wantOffers("a:next")
			}
		})
	}
}

func TestOfferTimeoutMissed(t *testing.T) {
	h := newHarness(t, Config{OfferTimeout: 15 * time.Second})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.agent("b", "p")
	h.available("a")
	h.enqueue("c1", "q", voice)
	h.advance(time.Second)
	h.enqueue("c2", "q", voice)
	h.wantOffers("a:c1")
	h.advance(13 * time.Second)
	if got := h.agentState("a"); got.System != SystemNone {
		t.Fatalf("agent in %s before the timeout", got.System)
	}
	h.advance(time.Second)
	evs := h.take()
	want := []string{"Missed:a:c1", "AgentState:a", "Queued:c1"}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if a := h.agentState("a"); a.System != SystemMissed || a.Status != StatusAvailable || len(a.Slots) != 0 {
		t.Fatalf("agent after a missed offer: %+v", a)
	}
	c := h.contactState("c1")
	if c.State != ContactWaiting || !c.EnqueuedAt.Equal(t0) {
		t.Fatalf("missed contact: %+v", c)
	}
	// c1 kept its place ahead of c2; the missed agent gets nothing more.
	h.available("b")
	h.wantOffers("b:c1")
	h.enqueue("c3", "q", voice)
	if got := h.offers(); len(got) != 0 {
		t.Fatalf("offers %q to a missed agent", got)
	}
	// Setting a status clears Missed.
	h.available("a")
	h.wantOffers("a:c2")
}

func TestAutoAcceptConnectsAtOnce(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p", autoAccept)
	h.available("a")
	h.take()
	h.enqueue("c1", "q", voice)
	evs := h.take()
	if got, want := types(evs), []string{"Queued:c1", "Offered:a:c1", "Connected:a:c1"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if !evs[1].AutoAccepted || !evs[1].Deadline.IsZero() {
		t.Errorf("auto-accepted offer %+v", evs[1])
	}
	h.advance(time.Hour)
	if c := h.contactState("c1"); c.State != ContactConnected {
		t.Errorf("contact %s after an hour", c.State)
	}
}

func TestAfterContactWork(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		ends    time.Duration // when ACW ends by itself; 0: never
	}{
		{"timeout ends it", 30 * time.Second, 30 * time.Second},
		{"no limit waits for the agent", 0, 0},
		{"none frees the slot at once", -1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.queue("q", 0)
			h.profile("p", "q/VOICE/1/0", "VOICE=1")
			h.agent("a", "p", autoAccept, acw(tc.timeout))
			h.available("a")
			h.enqueue("c1", "q", voice)
			h.enqueue("c2", "q", voice)
			h.take()
			h.ok(h.r.EndContact(h.ctx, "c1"))
			evs := h.take()
			if evs[0].Type != EventACWStarted || evs[0].ContactID != "c1" {
				t.Fatalf("events %q", types(evs))
			}
			if tc.ends < 0 {
				if got := types(evs[1:3]); !slices.Equal(got, []string{"ACWEnded:a:c1", "Offered:a:c2"}) {
					t.Fatalf("events %q", types(evs))
				}
				return
			}
			if tc.ends > 0 && !evs[0].Deadline.Equal(t0.Add(tc.ends)) {
				t.Errorf("ACW deadline %v", evs[0].Deadline)
			}
			if len(evs) != 1 {
				t.Fatalf("events %q during ACW", types(evs))
			}
			if tc.ends == 0 {
				h.advance(24 * time.Hour)
				if got := h.take(); len(got) != 0 {
					t.Fatalf("events %q", types(got))
				}
				h.ok(h.r.CompleteACW(h.ctx, "a", "c1"))
			} else {
				h.advance(tc.ends - time.Second)
				if got := h.take(); len(got) != 0 {
					t.Fatalf("events %q before the ACW timeout", types(got))
				}
				h.advance(time.Second)
				if err := h.r.CompleteACW(h.ctx, "a", "c1"); !errors.Is(err, ErrNoAfterContactWork) {
					t.Errorf("CompleteACW after the timeout: %v", err)
				}
			}
			evs = h.take()
			if got := types(evs[:2]); !slices.Equal(got, []string{"ACWEnded:a:c1", "Offered:a:c2"}) {
				t.Fatalf("events %q", types(evs))
			}
		})
	}
}

func TestReject(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.agent("b", "p")
	h.available("a")
	h.enqueue("c1", "q", voice)
	h.advance(time.Second)
	h.enqueue("c2", "q", voice)
	h.wantOffers("a:c1")
	// The agent stays Available and gets the next contact at once; the
	// rejected one keeps its place for everyone else.
	h.ok(h.r.Reject(h.ctx, "a", "c1"))
	evs := h.take()
	if got, want := types(evs), []string{"Rejected:a:c1", "Queued:c1", "Offered:a:c2"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if a := h.agentState("a"); a.Status != StatusAvailable || a.System != SystemNone {
		t.Fatalf("agent after reject: %+v", a)
	}
	if c := h.contactState("c1"); c.State != ContactWaiting || !c.EnqueuedAt.Equal(t0) {
		t.Fatalf("rejected contact %+v", c)
	}
	h.available("b")
	h.wantOffers("b:c1")
	if err := h.r.Reject(h.ctx, "b", "c2"); !errors.Is(err, ErrNoOffer) {
		t.Errorf("reject by another agent: %v", err)
	}
}

func TestRejectBackoff(t *testing.T) {
	h := newHarness(t, Config{RejectBackoff: 20 * time.Second})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.available("a")
	h.enqueue("c1", "q", voice)
	h.wantOffers("a:c1")
	h.ok(h.r.Reject(h.ctx, "a", "c1"))
	h.advance(19 * time.Second)
	h.wantOffers() // not offered again to the agent who rejected it...
	h.advance(time.Second)
	h.wantOffers("a:c1") // ...until the backoff is over, if no one else took it
}

func TestTransferToQueue(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q1", 0)
	h.queue("q2", 1)
	h.profile("p1", "q1/VOICE/1/0", "VOICE=1")
	h.profile("p2", "q2/VOICE/1/0", "VOICE=1")
	h.agent("a", "p1", autoAccept, acw(0))
	h.agent("b", "p2")
	h.available("a")
	h.enqueue("c1", "q1", voice)
	h.advance(time.Minute)
	h.take()
	h.ok(h.r.Transfer(h.ctx, "c1", Target{QueueID: "q2"}))
	evs := h.take()
	if got, want := types(evs), []string{"ACWStarted:a:c1", "Queued:c1"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	c := h.contactState("c1")
	if c.QueueID != "q2" || !c.EnqueuedAt.Equal(t0) || c.State != ContactWaiting {
		t.Fatalf("transferred contact %+v", c)
	}
	// q2 is full now (MaxContacts 1).
	h.enqueue("c2", "q1", voice)
	h.fails(h.r.Transfer(h.ctx, "c2", Target{QueueID: "q2"}), ErrQueueAtCapacity)
	h.fails(h.r.Transfer(h.ctx, "c2", Target{QueueID: "nope"}), ErrUnknownQueue)
	h.available("b")
	h.wantOffers("b:c1")
	// A waiting contact moves too.
	h.ok(h.r.Accept(h.ctx, "b", "c1"))
	h.ok(h.r.Transfer(h.ctx, "c2", Target{QueueID: "q2"}))
	if c := h.contactState("c2"); c.QueueID != "q2" || c.State != ContactWaiting {
		t.Fatalf("moved contact %+v", c)
	}
}

func TestTransferToAgent(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.profile("chatonly", "q/CHAT/1/0", "CHAT=2")
	h.agent("a", "p")
	h.agent("b", "p")
	h.agent("x", "chatonly")
	h.available("a")
	h.advance(time.Second)
	h.available("b")
	h.enqueue("c1", "q", voice)
	h.wantOffers("a:c1")
	h.ok(h.r.Accept(h.ctx, "a", "c1"))
	// a transfers its caller to b (quick connect to agent), although b
	// had a queue contact waiting... the personal queue comes first.
	h.ok(h.r.SetStatus(h.ctx, "b", "Offline"))
	h.enqueue("c2", "q", voice)
	h.advance(time.Minute)
	h.ok(h.r.Transfer(h.ctx, "c1", Target{AgentID: "b"}))
	h.available("b")
	h.wantOffers("b:c1")
	if c := h.contactState("c1"); !c.EnqueuedAt.Equal(t0.Add(time.Second)) || c.AgentID != "b" {
		t.Fatalf("contact in b's queue: %+v", c)
	}
	h.fails(h.r.Transfer(h.ctx, "c2", Target{AgentID: "x"}), ErrChannelNotHandled)
	h.fails(h.r.Transfer(h.ctx, "c2", Target{AgentID: "nobody"}), ErrUnknownAgent)
	h.fails(h.r.RemoveAgent(h.ctx, "b"), ErrAgentBusy)
	// A personal-queue contact waits for its agent only.
	h.ok(h.r.Accept(h.ctx, "b", "c1"))
	h.ok(h.r.Enqueue(h.ctx, Contact{ID: "c3", AgentID: "b", Channel: voice}))
	h.ok(h.r.CompleteACW(h.ctx, "a", "c1"))
	h.wantOffers("a:c2") // a is free, but c3 is b's
	h.ok(h.r.EndContact(h.ctx, "c1"))
	h.ok(h.r.CompleteACW(h.ctx, "b", "c1"))
	h.wantOffers("b:c3")
}

func TestCustomerAbandonsWhileOffered(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.available("a")
	h.enqueue("c1", "q", voice)
	h.enqueue("c2", "q", voice)
	h.take()
	h.ok(h.r.EndContact(h.ctx, "c1"))
	evs := h.take()
	want := []string{"OfferRescinded:a:c1", "Dequeued:c1", "Offered:a:c2"}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if evs[0].Reason != ReasonEnded {
		t.Errorf("rescind reason %q", evs[0].Reason)
	}
	if err := h.r.Accept(h.ctx, "a", "c1"); !errors.Is(err, ErrNoOffer) {
		t.Errorf("accepting an abandoned contact: %v", err)
	}
	// And while waiting.
	h.enqueue("c3", "q", voice)
	h.take()
	h.ok(h.r.EndContact(h.ctx, "c3"))
	if got := types(h.take()); !slices.Equal(got, []string{"Dequeued:c3"}) {
		t.Fatalf("events %q", got)
	}
	if _, err := h.r.Contact(h.ctx, "c3"); !errors.Is(err, ErrUnknownContact) {
		t.Errorf("abandoned contact still known: %v", err)
	}
}

func TestAgentGoesOfflineWhileOffered(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.ok(h.r.SetCustomStatuses(h.ctx, []string{"Lunch"}))
	h.profile("p", "q/CHAT/1/0", "CHAT=2")
	h.agent("a", "p")
	h.agent("b", "p")
	h.available("a")
	h.enqueue("c1", "q", chat)
	h.ok(h.r.Accept(h.ctx, "a", "c1"))
	h.take()
	h.enqueue("c2", "q", chat)
	h.wantOffers("a:c2")
	h.status("a", "Lunch")
	evs := h.take()
	want := []string{"OfferRescinded:a:c2", "Queued:c2", "AgentState:a"}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	// The connected chat stays; the rescinded one goes to b.
	if a := h.agentState("a"); len(a.Slots) != 1 || a.Slots[0].State != SlotConnected || a.Status != "Lunch" {
		t.Fatalf("agent %+v", a)
	}
	h.available("b")
	h.wantOffers("b:c2")
	h.status("b", StatusOffline)
	h.wantOffers() // no one left
	h.fails(h.r.SetStatus(h.ctx, "a", "Gone fishing"), ErrUnknownStatus)
}

func TestContactErrorPutsAgentInError(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p", autoAccept)
	h.agent("b", "p")
	h.available("a", "b")
	h.enqueue("c1", "q", voice)
	h.take()
	h.ok(h.r.ContactError(h.ctx, "a", "c1"))
	evs := h.take()
	want := []string{"ContactError:a:c1", "AgentState:a", "Queued:c1", "Offered:b:c1"}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if a := h.agentState("a"); a.System != SystemError {
		t.Errorf("agent system state %q", a.System)
	}
}

func TestQueueCapacityAndMetrics(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 2)
	h.queue("other", 0)
	h.ok(h.r.SetCustomStatuses(h.ctx, []string{"Break"}))
	h.profile("p", "q/VOICE/1/0", "q/CHAT/1/0", "other/VOICE/1/0", "VOICE=1", "CHAT=2")
	for _, a := range []string{"a", "b", "c", "d", "e"} {
		h.agent(a, "p")
	}
	h.agent("off", "p")
	h.available("a", "b", "c", "d")
	h.status("e", "Break")
	h.enqueue("v1", "q", voice)                // → a
	h.ok(h.r.Accept(h.ctx, "a", "v1"))         // a busy
	h.enqueue("ch1", "q", chat)                // → b (offered: still in queue)
	h.enqueue("v2", "other", voice)            // → c
	h.ok(h.r.Accept(h.ctx, "c", "v2"))         // c busy
	h.ok(h.r.EndContact(h.ctx, "v2"))          // c in ACW
	h.ok(h.r.SetStatus(h.ctx, "d", "Offline")) // d offline: nobody left for voice
	h.advance(10 * time.Second)
	h.enqueue("v3", "q", voice) // waits
	h.advance(5 * time.Second)

	full, err := h.r.AtCapacity(h.ctx, &core.Queue{Meta: core.Meta{ID: "q"}, MaxContacts: 2})
	if err != nil || !full {
		t.Fatalf("AtCapacity = %v, %v", full, err)
	}
	h.fails(h.r.Enqueue(h.ctx, Contact{ID: "v4", QueueID: "q", Channel: voice}), ErrQueueAtCapacity)

	m, _ := h.r.QueueMetrics(h.ctx, metricsQuery("q", ""))
	want := queueFigures{InQueue: 2, Oldest: 15 * time.Second, Online: 4, Available: 1, Staffed: 3, Busy: 2, ACW: 1, Other: 1}
	if got := figures(m); got != want {
		t.Errorf("q metrics\n got %+v\nwant %+v", got, want)
	}
	m, _ = h.r.QueueMetrics(h.ctx, metricsQuery("q", voice))
	want = queueFigures{InQueue: 1, Oldest: 5 * time.Second, Online: 4, Available: 0, Staffed: 3, Busy: 2, ACW: 1, Other: 1}
	if got := figures(m); got != want {
		t.Errorf("q voice metrics\n got %+v\nwant %+v", got, want)
	}
	// b rejects ch1, is offered v3 (its chat no longer blocks voice) and
	// misses it.
	h.ok(h.r.Reject(h.ctx, "b", "ch1"))
	h.advance(time.Hour)
	m, _ = h.r.QueueMetrics(h.ctx, metricsQuery("q", chat))
	if m.AgentsMissed != 1 || m.ContactsInQueue != 1 {
		t.Errorf("after b missed v3: %+v", m)
	}
	h.ok(h.r.EndContact(h.ctx, "v3"))
	h.ok(h.r.EndContact(h.ctx, "ch1"))
	if full, _ := h.r.AtCapacity(h.ctx, &core.Queue{Meta: core.Meta{ID: "q"}, MaxContacts: 2}); full {
		t.Error("still at capacity after contacts left")
	}
	m, _ = h.r.QueueMetrics(h.ctx, metricsQuery("q", ""))
	if m.ContactsInQueue != 0 || m.OldestContactAge != 0 {
		t.Errorf("empty queue metrics %+v", m)
	}
}

func TestPersonalQueueMetrics(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.ok(h.r.Enqueue(h.ctx, Contact{ID: "c1", AgentID: "a", Channel: voice}))
	h.advance(3 * time.Second)
	m, err := h.r.QueueMetrics(h.ctx, agentQuery("a"))
	if err != nil || m.ContactsInQueue != 1 || m.OldestContactAge != 3*time.Second || m.AgentsOnline != 0 {
		t.Fatalf("personal queue metrics %+v, %v", m, err)
	}
	h.available("a")
	h.wantOffers("a:c1")
	m, _ = h.r.QueueMetrics(h.ctx, agentQuery("a"))
	if m.AgentsOnline != 1 || m.AgentsBusy != 1 {
		t.Errorf("personal queue metrics %+v", m)
	}
}

func TestSnapshotRestore(t *testing.T) {
	h := newHarness(t, Config{OfferTimeout: 10 * time.Second, CustomStatuses: []string{"Lunch"}})
	h.queue("q", 0)
	h.queue("slow", 0)
	h.profile("p", "q/VOICE/1/0", "q/CHAT/1/0", "slow/CHAT/2/60", "VOICE=1", "CHAT=2")
	h.agent("a", "p", acw(time.Minute))
	h.agent("b", "p")
	h.agent("c", "p")
	h.available("a", "b")
	h.status("c", "Lunch")
	h.enqueue("v1", "q", voice) // → a, connected, ended: ACW
	h.ok(h.r.Accept(h.ctx, "a", "v1"))
	h.ok(h.r.EndContact(h.ctx, "v1"))
	h.enqueue("ch1", "q", chat) // → b, offered
	h.enqueue("ch2", "q", chat) // → a? a in ACW on voice: blocked; → b
	h.ok(h.r.Reject(h.ctx, "b", "ch2"))
	h.enqueue("ch3", "slow", chat) // waits for the delay
	h.advance(5 * time.Second)
	snap, err := h.r.State(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var back Snapshot
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}

	// A new router on another process (same clock) takes over.
	h2 := &harness{t: t, clock: h.clock, rec: &recorder{}, ctx: t.Context()}
	h2.r = New(Config{Clock: h.clock, Sink: h2.rec, OfferTimeout: 10 * time.Second})
	startRouter(t, h2.r)
	h2.ok(h2.r.Restore(h2.ctx, back))
	got, err := h2.r.State(h2.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(snap)) {
		t.Fatalf("restored state differs\n got %+v\nwant %+v", got, snap)
	}
	if evs := h2.take(); len(evs) != 0 {
		t.Fatalf("restore emitted %q", types(evs))
	}
	// Timers resume: b's offer of ch1 times out 10 s after it was made.
	h2.advance(5 * time.Second)
	evs := h2.take()
	if got := types(evs); !slices.Contains(got, "Missed:b:ch1") {
		t.Fatalf("events after the offer deadline: %q", got)
	}
	// a's ACW ends a minute after it started, then it takes the chats.
	h2.advance(50 * time.Second)
	evs = h2.take()
	if got := types(evs); !slices.Contains(got, "ACWEnded:a:v1") || !slices.Contains(got, "Offered:a:ch1") {
		t.Fatalf("events after the ACW deadline: %q", got)
	}

	bad := snap
	bad.Contacts = append(slices.Clone(snap.Contacts), ContactSnapshot{
		Contact: Contact{ID: "ghost", QueueID: "q", Channel: voice}, State: ContactConnected, AssignedTo: "c",
	})
	if err := h2.r.Restore(h2.ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("restoring an inconsistent snapshot: %v", err)
	}
}

// normalize drops what a JSON round trip changes (monotonic clock
// readings, empty vs nil) so two snapshots can be compared.
func normalize(s Snapshot) Snapshot {
	data, _ := json.Marshal(s)
	var out Snapshot
	_ = json.Unmarshal(data, &out)
	out.Time = time.Time{}
	return out
}

func TestConfigurationChanges(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.queue("q2", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.available("a")
	h.enqueue("c1", "q2", voice)
	h.wantOffers()
	// Adding q2 to the profile routes its contact at once.
	h.profile("p", "q/VOICE/1/0", "q2/VOICE/2/0", "VOICE=1")
	h.wantOffers("a:c1")
	h.fails(h.r.RemoveQueue(h.ctx, "q2"), ErrQueueNotEmpty)
	h.fails(h.r.RemoveProfile(h.ctx, "p"), ErrProfileInUse)
	h.fails(h.r.UpsertAgent(h.ctx, Agent{ID: "z", ProfileID: "nope"}), ErrUnknownProfile)
	h.fails(h.r.Enqueue(h.ctx, Contact{ID: "c1", QueueID: "q", Channel: voice}), ErrDuplicateContact)
	h.fails(h.r.Enqueue(h.ctx, Contact{ID: "c9", QueueID: "q", Channel: "FAX"}), ErrInvalid)
	h.ok(h.r.UpsertQueue(h.ctx, Queue{ID: "q", Disabled: true}))
	h.fails(h.r.Enqueue(h.ctx, Contact{ID: "c9", QueueID: "q", Channel: voice}), ErrQueueDisabled)
	// Moving the agent to a profile without q2 does not take its offer.
	h.profile("other", "q/VOICE/1/0", "VOICE=1")
	h.ok(h.r.UpsertAgent(h.ctx, Agent{ID: "a", ProfileID: "other"}))
	if c := h.contactState("c1"); c.State != ContactOffered {
		t.Fatalf("offer after a profile change: %s", c.State)
	}
	h.ok(h.r.RemoveAgent(h.ctx, "a")) // a pending offer does not keep an agent
	if c := h.contactState("c1"); c.State != ContactWaiting {
		t.Fatalf("contact of a removed agent: %s", c.State)
	}
	h.ok(h.r.EndContact(h.ctx, "c1"))
	h.ok(h.r.RemoveQueue(h.ctx, "q2"))
	h.ok(h.r.RemoveProfile(h.ctx, "p"))
	st, err := h.r.QueueStatus(h.ctx, "q")
	if err != nil || !st.Open || !st.Disabled {
		t.Errorf("queue status %+v, %v", st, err)
	}
	// Hours are reported, and do not stop routing (flows check them).
	nights := hours.Schedule{TimeZone: "UTC", Config: []hours.Range{{Day: "MONDAY", Start: "20:00", End: "06:00"}}}
	h.ok(h.r.UpsertQueue(h.ctx, Queue{ID: "q", Hours: &nights}))
	h.agent("n", "other")
	h.available("n")
	h.enqueue("c5", "q", voice)
	h.wantOffers("n:c5")
	if st, err := h.r.QueueStatus(h.ctx, "q"); err != nil || st.Open || st.InQueue != 1 || st.Waiting != 0 {
		t.Errorf("queue status at 09:00 on a night queue: %+v, %v", st, err)
	}
}

func TestRunTwiceAndStopped(t *testing.T) {
	r := New(Config{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if err := r.UpsertQueue(ctx, Queue{ID: "q"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Run(ctx); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Run: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := r.UpsertQueue(t.Context(), Queue{ID: "q"}); !errors.Is(err, ErrStopped) {
		t.Errorf("after Run returned: %v", err)
	}
}
