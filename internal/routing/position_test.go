package routing

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// positions returns "id:pos" for each id, "id:-" when not queued.
func (h *harness) positions(ids ...string) []string {
	h.t.Helper()
	var out []string
	for _, id := range ids {
		if p, ok := h.r.Position(id); ok {
			out = append(out, fmt.Sprintf("%s:%d", id, p))
		} else {
			out = append(out, id+":-")
		}
	}
	return out
}

func (h *harness) wantPositions(want []string, ids ...string) {
	h.t.Helper()
	if got := h.positions(ids...); !slices.Equal(got, want) {
		h.t.Fatalf("positions %q, want %q", got, want)
	}
}

func TestPositionFollowsServiceOrder(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p", acw(-1))
	ids := []string{"c1", "c2", "c3", "c4"}
	for _, id := range ids {
		h.enqueue(id, "q", voice)
		h.advance(10 * time.Second)
	}
	h.wantPositions([]string{"c1:1", "c2:2", "c3:3", "c4:4", "nobody:-"}, append(ids, "nobody")...)

	// A chat in the same queue is in another line.
	h.enqueue("chat1", "q", chat)
	h.wantPositions([]string{"chat1:1", "c4:4"}, "chat1", "c4")

	// The one ahead hangs up: everyone behind moves up.
	h.ok(h.r.EndContact(h.ctx, "c1"))
	h.wantPositions([]string{"c1:-", "c2:1", "c3:2", "c4:3"}, ids...)

	// Priority 1 goes ahead of the default 5; an age adjustment passes
	// older contacts of the same priority.
	one := 1
	h.ok(h.r.UpdateRouting(h.ctx, "c4", RoutingUpdate{Priority: &one}))
	h.wantPositions([]string{"c4:1", "c2:2", "c3:3"}, "c4", "c2", "c3")
	adj := 15 * time.Second // c3 (30 s old) looks 45 s old, ahead of c2 (40 s)
	h.ok(h.r.UpdateRouting(h.ctx, "c3", RoutingUpdate{AgeAdjust: &adj}))
	h.wantPositions([]string{"c4:1", "c3:2", "c2:3"}, "c4", "c3", "c2")

	// The agent gets the first: it is at 1 while offered, the others do
	// not count it; once connected it is no longer queued.
	h.available("a")
	h.wantOffers("a:c4")
	qp, ok := h.r.Place("c4")
	if !ok || !qp.Offered || qp.Position != 1 || qp.QueueID != "q" || qp.Channel != voice {
		t.Fatalf("offered: %+v %v", qp, ok)
	}
	h.wantPositions([]string{"c3:1", "c2:2"}, "c3", "c2")
	h.ok(h.r.Accept(h.ctx, "a", "c4"))
	h.wantPositions([]string{"c4:-", "c3:1", "c2:2"}, "c4", "c3", "c2")

	// A rejected offer goes back to its place.
	h.ok(h.r.EndContact(h.ctx, "c4"))
	h.wantOffers("a:c3")
	h.ok(h.r.Reject(h.ctx, "a", "c3"))
	h.wantOffers("a:c2")
	h.wantPositions([]string{"c3:1", "c2:1"}, "c3", "c2") // c2 is offered

	// A transfer moves the contact to the new queue's line.
	h.queue("q2", 0)
	h.enqueue("x1", "q2", voice)
	h.ok(h.r.Transfer(h.ctx, "c3", Target{QueueID: "q2"}))
	qp, _ = h.r.Place("c3")
	if qp.QueueID != "q2" || qp.Position != 1 { // its routing age is older than x1's
		t.Fatalf("after transfer: %+v", qp)
	}
	h.wantPositions([]string{"x1:2"}, "x1")
}

func TestPositionOfPersonalQueueAndRestore(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p")
	h.ok(h.r.Enqueue(h.ctx, Contact{ID: "pa", AgentID: "a", Channel: voice}))
	h.enqueue("c1", "q", voice)
	h.enqueue("c2", "q", voice)
	qp, ok := h.r.Place("pa")
	if !ok || qp.AgentID != "a" || qp.Position != 1 {
		t.Fatalf("personal: %+v %v", qp, ok)
	}
	h.available("a")
	h.wantOffers("a:pa") // the personal queue comes first

	snap, err := h.r.State(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, Config{})
	h2.ok(h2.r.Restore(h2.ctx, snap))
	h2.wantPositions([]string{"pa:1", "c1:1", "c2:2"}, "pa", "c1", "c2")
	if qp, _ := h2.r.Place("pa"); !qp.Offered {
		t.Errorf("restored offer: %+v", qp)
	}
}

func TestExpectedWait(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p", acw(-1))
	wait := func(ch string, pos int) string {
		t.Helper()
		d, ok := h.r.ExpectedWait("q", ch, pos)
		if !ok {
			return "unknown"
		}
		return d.String()
	}

	// No answer yet: no estimate.
	h.enqueue("c1", "q", voice)
	if got := wait(voice, 1); got != "unknown" {
		t.Fatalf("before any answer: %s", got)
	}
	if qp, _ := h.r.Place("c1"); qp.EstimateKnown {
		t.Fatalf("before any answer: %+v", qp)
	}

	// c1 waited 10 s for its answer: one answer per 10 s.
	h.available("a")
	h.wantOffers("a:c1")
	h.advance(10 * time.Second)
	h.ok(h.r.Accept(h.ctx, "a", "c1"))
	if got := wait(voice, 1); got != "10s" {
		t.Fatalf("after one answer, position 1: %s", got)
	}
	if got := wait(voice, 3); got != "30s" {
		t.Fatalf("after one answer, position 3: %s", got)
	}
	if got := wait("", 1); got != "10s" {
		t.Fatalf("all channels: %s", got)
	}
	if got := wait(chat, 1); got != "unknown" {
		t.Fatalf("chat, never answered: %s", got)
	}

	// Two more wait while the agent is busy; 20 s without an answer is
	// longer than the mean: the estimate grows with it.
	h.enqueue("c2", "q", voice)
	h.enqueue("c3", "q", voice)
	h.advance(20 * time.Second)
	if qp, _ := h.r.Place("c3"); qp.Position != 2 || !qp.EstimateKnown || qp.ExpectedWait != 40*time.Second {
		t.Fatalf("c3 while answers stall: %+v", qp)
	}

	// c2 is answered 20 s after the last answer: mean 10 + 0.2×(20−10) = 12 s.
	h.ok(h.r.EndContact(h.ctx, "c1"))
	h.wantOffers("a:c2")
	h.ok(h.r.Accept(h.ctx, "a", "c2"))
	if qp, _ := h.r.Place("c3"); qp.Position != 1 || qp.ExpectedWait != 12*time.Second {
		t.Fatalf("c3 after the second answer: %+v", qp)
	}
	if pos, w, ok := h.r.QueuePosition("c3"); pos != 1 || w != 12*time.Second || !ok {
		t.Fatalf("QueuePosition(c3) = %d, %s, %v", pos, w, ok)
	}

	// Through the flow engine's interface, for the right queue only.
	q := &core.Queue{Meta: core.Meta{ID: "q"}}
	got, ok, err := h.r.ContactPosition(h.ctx, engine.MetricsQuery{Queue: q, Channel: voice}, "c3")
	if err != nil || !ok || got != (engine.QueuePosition{Position: 1, EstimatedWait: 12 * time.Second, EstimateKnown: true}) {
		t.Fatalf("ContactPosition: %+v %v %v", got, ok, err)
	}
	for _, mq := range []engine.MetricsQuery{
		{Queue: &core.Queue{Meta: core.Meta{ID: "other"}}},
		{Queue: q, Channel: chat},
		{AgentID: "a"},
		{},
	} {
		if _, ok, _ := h.r.ContactPosition(h.ctx, mq, "c3"); ok {
			t.Errorf("ContactPosition(%+v) found c3", mq)
		}
	}

	// Nobody staffed: no estimate.
	h.ok(h.r.EndContact(h.ctx, "c2"))
	h.wantOffers("a:c3")
	h.status("a", StatusOffline) // withdraws the offer
	if got := wait(voice, 1); got != "unknown" {
		t.Fatalf("nobody staffed: %s", got)
	}
	if _, ok := h.r.ExpectedWait("nope", voice, 1); ok {
		t.Error("unknown queue has an estimate")
	}
	if _, ok := h.r.ExpectedWait("q", voice, 0); ok {
		t.Error("position 0 has an estimate")
	}
}

// TestPositionWhileRouting reads positions from other goroutines while the
// loop routes (run with -race).
func TestPositionWhileRouting(t *testing.T) {
	h := newHarness(t, Config{})
	h.queue("q", 0)
	h.profile("p", "q/VOICE/1/0", "VOICE=1")
	h.agent("a", "p", autoAccept, acw(-1))
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			for i := range 50 {
				h.r.Place(fmt.Sprint("c", i))
				h.r.ExpectedWait("q", voice, i)
			}
		}
	}()
	for i := range 50 {
		if err := h.r.Enqueue(h.ctx, Contact{ID: fmt.Sprint("c", i), QueueID: "q", Channel: voice}); err != nil {
			t.Fatal(err)
		}
	}
	h.available("a")
	for i := range 50 {
		_ = h.r.EndContact(h.ctx, fmt.Sprint("c", i))
		h.clock.Advance(time.Second)
	}
	cancel()
	<-done
	h.check()
}

// BenchmarkPosition reads a contact's position in a line of 100,000.
func BenchmarkPosition(b *testing.B) {
	r := New(Config{Clock: NewManualClock(t0)})
	startRouter(b, r)
	ctx := context.Background()
	if err := r.UpsertQueue(ctx, Queue{ID: "q"}); err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	for i := range n {
		prio := 5
		if i%10 == 0 {
			prio = 1 + i%4
		}
		c := Contact{ID: fmt.Sprint("c", i), QueueID: "q", Channel: core.ChannelVoice,
			EnqueuedAt: t0.Add(time.Duration(i) * time.Millisecond), Priority: prio}
		if err := r.Enqueue(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = fmt.Sprint("c", (i*7919)%n)
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, ok := r.Position(ids[i%len(ids)]); !ok {
				b.Fatal("not queued")
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				r.Place(ids[i%len(ids)])
				i++
			}
		})
	})
}

// BenchmarkOrderTreeUpdate is what the loop pays per contact that starts
// and stops waiting in a line of 100,000, on top of the routing itself.
func BenchmarkOrderTreeUpdate(b *testing.B) {
	const n = 100_000
	var t ostree
	nodes := make([]osNode, n)
	for i := range nodes {
		nodes[i].key = posKey{prio: 5, adj: t0.Add(time.Duration(i) * time.Millisecond).UnixNano(), seq: uint64(i)}
		t.insert(&nodes[i])
	}
	i := 0
	for b.Loop() {
		nd := &nodes[(i*7919)%n]
		t.remove(nd.key)
		t.insert(nd)
		i++
	}
	if t.Len() != n {
		b.Fatal(t.Len())
	}
}

func TestOrderTree(t *testing.T) {
	var tr ostree
	const n = 2000
	nodes := make([]osNode, n)
	keys := make([]posKey, n)
	for i := range nodes {
		keys[i] = posKey{prio: 1 + (i*31)%3, adj: t0.Add(time.Duration((i*7919)%n) * time.Second).UnixNano(), seq: uint64(i)}
		nodes[i].key = keys[i]
		tr.insert(&nodes[i])
	}
	for i := 0; i < n; i += 2 {
		tr.remove(keys[i])
	}
	var live []posKey
	for i := 1; i < n; i += 2 {
		live = append(live, keys[i])
	}
	slices.SortFunc(live, func(a, b posKey) int {
		if a.less(b) {
			return -1
		}
		if b.less(a) {
			return 1
		}
		return 0
	})
	if tr.Len() != len(live) {
		t.Fatalf("len %d, want %d", tr.Len(), len(live))
	}
	for i, k := range live {
		if got := tr.rank(k); got != i {
			t.Fatalf("rank of %d-th key: %d", i, got)
		}
	}
	tr.remove(keys[0]) // absent: no change
	if tr.Len() != len(live) {
		t.Fatal("removing an absent key changed the tree")
	}
}
