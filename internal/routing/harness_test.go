package routing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
)

const (
	voice = core.ChannelVoice
	chat  = core.ChannelChat
	task  = core.ChannelTask
)

var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// recorder is a Sink keeping every event.
type recorder struct {
	mu     sync.Mutex
	events []Event
	taken  int
}

func (rc *recorder) Emit(e Event) {
	rc.mu.Lock()
	rc.events = append(rc.events, e)
	rc.mu.Unlock()
}

// harness runs a Router on a ManualClock and checks its invariants after
// every command made through it.
type harness struct {
	t     *testing.T
	r     *Router
	clock *ManualClock
	rec   *recorder
	ctx   context.Context
}

// newHarness starts a router with cfg on a ManualClock; cfg.Sink, if set,
// sees the events too.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: NewManualClock(t0), rec: &recorder{}, ctx: t.Context()}
	cfg.Clock = h.clock
	if extra := cfg.Sink; extra != nil {
		cfg.Sink = SinkFunc(func(e Event) { h.rec.Emit(e); extra.Emit(e) })
	} else {
		cfg.Sink = h.rec
	}
	if cfg.InstanceID == "" {
		cfg.InstanceID = "inst"
	}
	h.r = New(cfg)
	startRouter(t, h.r)
	return h
}

// startRouter runs r until the test ends.
func startRouter(t testing.TB, r *Router) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// ok fails the test on err, then checks the invariants.
func (h *harness) ok(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	h.check()
}

// fails expects err to wrap want.
func (h *harness) fails(err, want error) {
	h.t.Helper()
	if !errors.Is(err, want) {
		h.t.Fatalf("error %v, want %v", err, want)
	}
	h.check()
}

func (h *harness) check() {
	h.t.Helper()
	if err := h.r.do(h.ctx, h.r.checkInvariants); err != nil {
		h.t.Fatalf("invariant broken: %v", err)
	}
}

func (h *harness) queue(id string, max int) {
	h.t.Helper()
	h.ok(h.r.UpsertQueue(h.ctx, Queue{ID: id, MaxContacts: max}))
}

// profile makes a profile from "queue/CHANNEL/priority/delaySeconds" entries
// and "CHANNEL=n" (or "CHANNEL=n+" to allow other channels) limits.
func (h *harness) profile(id string, specs ...string) {
	h.t.Helper()
	p := Profile{ID: id}
	for _, s := range specs {
		if ch, n, ok := strings.Cut(s, "="); ok {
			allow := strings.HasSuffix(n, "+")
			var c int
			fmt.Sscan(strings.TrimSuffix(n, "+"), &c)
			p.Channels = append(p.Channels, ChannelLimit{Channel: ch, Concurrency: c, AllowOtherChannels: allow})
			continue
		}
		var q, ch string
		var prio, delay int
		parts := strings.Split(s, "/")
		q, ch = parts[0], parts[1]
		fmt.Sscan(parts[2], &prio)
		fmt.Sscan(parts[3], &delay)
		p.Queues = append(p.Queues, ProfileQueue{QueueID: q, Channel: ch, Priority: prio, Delay: time.Duration(delay) * time.Second})
	}
	h.ok(h.r.UpsertProfile(h.ctx, p))
}

func (h *harness) agent(id, profile string, opts ...func(*Agent)) {
	h.t.Helper()
	a := Agent{ID: id, ProfileID: profile}
	for _, o := range opts {
		o(&a)
	}
	h.ok(h.r.UpsertAgent(h.ctx, a))
}

func autoAccept(a *Agent) { a.AutoAccept = true }

func acw(d time.Duration) func(*Agent) { return func(a *Agent) { a.ACWTimeout = d } }

func (h *harness) status(agent, status string) {
	h.t.Helper()
	h.ok(h.r.SetStatus(h.ctx, agent, status))
}

func (h *harness) available(agents ...string) {
	h.t.Helper()
	for _, a := range agents {
		h.status(a, StatusAvailable)
	}
}

func (h *harness) enqueue(id, queue, ch string) {
	h.t.Helper()
	h.ok(h.r.Enqueue(h.ctx, Contact{ID: id, QueueID: queue, Channel: ch}))
}

func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	h.check() // also makes sure the due timers ran
}

// take returns the events produced since the last take.
func (h *harness) take() []Event {
	h.t.Helper()
	if err := h.r.Sync(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	evs := slices.Clone(h.rec.events[h.rec.taken:])
	h.rec.taken = len(h.rec.events)
	return evs
}

// offers returns "agent:contact" for each Offered event since the last take.
func (h *harness) offers() []string {
	h.t.Helper()
	var out []string
	for _, e := range h.take() {
		if e.Type == EventOffered {
			out = append(out, e.AgentID+":"+e.ContactID)
		}
	}
	return out
}

func (h *harness) wantOffers(want ...string) {
	h.t.Helper()
	got := h.offers()
	if !slices.Equal(got, want) {
		h.t.Fatalf("offers %q, want %q", got, want)
	}
}

func (h *harness) contactState(id string) ContactSnapshot {
	h.t.Helper()
	c, err := h.r.Contact(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) agentState(id string) AgentSnapshot {
	h.t.Helper()
	a, err := h.r.Agent(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// types returns the types of evs as "Type[:agent][:contact]" strings.
func types(evs []Event) []string {
	var out []string
	for _, e := range evs {
		s := string(e.Type)
		if e.AgentID != "" {
			s += ":" + e.AgentID
		}
		if e.ContactID != "" {
			s += ":" + e.ContactID
		}
		out = append(out, s)
	}
	return out
}

// checkInvariants verifies the router's internal consistency and the
// matching invariant; it runs on the loop.
func (r *Router) checkInvariants() error {
	inLines := map[*queue]int{}
	for _, l := range r.lines {
		waiting := 0
		for i, lv := range l.levels {
			if lv.h.Len() == 0 {
				return fmt.Errorf("line %v: empty level %d", l.key, lv.prio)
			}
			if i > 0 && l.levels[i-1].prio >= lv.prio {
				return fmt.Errorf("line %v: levels out of order", l.key)
			}
			for j, c := range lv.h.items {
				if c.lvl != lv || c.hidx != j || c.line != l || c.state != ContactWaiting || c.agent != nil {
					return fmt.Errorf("contact %s misfiled in line %v", c.ID, l.key)
				}
				if c.Priority != lv.prio {
					return fmt.Errorf("contact %s priority %d in level %d", c.ID, c.Priority, lv.prio)
				}
			}
			waiting += lv.h.Len()
		}
		offered := 0
		for j, c := range l.byAge.items {
			if c.aidx != j || c.line != l {
				return fmt.Errorf("contact %s misfiled in byAge of %v", c.ID, l.key)
			}
			if c.state == ContactOffered {
				offered++
			}
		}
		if err := r.checkPositions(l, waiting); err != nil {
			return err
		}
		if waiting+offered != l.byAge.Len() {
			return fmt.Errorf("line %v: %d waiting + %d offered != %d counted", l.key, waiting, offered, l.byAge.Len())
		}
		if l.q != nil {
			inLines[l.q] += l.byAge.Len()
		}
		if got := l.stats.ch[l.key.ch].inQueue.Load(); l.q != nil && got != int64(l.byAge.Len()) {
			return fmt.Errorf("line %v: figure %d, counted %d", l.key, got, l.byAge.Len())
		}
	}
	counted := 0
	for _, l := range r.lines {
		counted += l.byAge.Len()
	}
	r.posMu.RLock()
	indexed := len(r.pos)
	r.posMu.RUnlock()
	if indexed != counted {
		return fmt.Errorf("position index holds %d contacts, lines %d", indexed, counted)
	}
	for id, q := range r.queues {
		if q.inQueue != inLines[q] {
			return fmt.Errorf("queue %s: inQueue %d, lines %d", id, q.inQueue, inLines[q])
		}
	}
	for id, c := range r.contacts {
		switch c.state {
		case ContactWaiting:
			if c.line == nil || c.lvl == nil || c.agent != nil {
				return fmt.Errorf("waiting contact %s misfiled", id)
			}
		case ContactOffered, ContactConnected:
			want := SlotPending
			if c.state == ContactConnected {
				want = SlotConnected
				if c.line != nil {
					return fmt.Errorf("connected contact %s still in a line", id)
				}
			} else if c.line == nil || c.lvl != nil {
				return fmt.Errorf("offered contact %s misfiled", id)
			}
			if c.agent == nil {
				return fmt.Errorf("%s contact %s has no agent", c.state, id)
			}
			s := c.agent.slots[id]
			if s == nil || s.state != want {
				return fmt.Errorf("%s contact %s: agent %s slot %v", c.state, id, c.agent.cfg.ID, s)
			}
		}
	}
	for id, a := range r.agents {
		var per [numChannels]int
		for cid, s := range a.slots {
			per[s.ch]++
			if s.state != SlotAfterContactWork {
				if c := r.contacts[cid]; c == nil || c.agent != a {
					return fmt.Errorf("agent %s: %s slot for contact %s not held by it", id, s.state, cid)
				}
			}
		}
		if per != a.perChan || a.load != len(a.slots) {
			return fmt.Errorf("agent %s: counts %v/%d, slots %v/%d", id, a.perChan, a.load, per, len(a.slots))
		}
		if a.prof != nil {
			for ch := range numChannels {
				if a.prof.pools[ch] == nil {
					continue
				}
				if in := a.poolIdx[ch] >= 0; in != a.canTake(ch) {
					return fmt.Errorf("agent %s: in pool %s = %v, canTake %v", id, channels[ch], in, !in)
				}
				if a.poolIdx[ch] >= 0 && a.prof.pools[ch].items[a.poolIdx[ch]] != a {
					return fmt.Errorf("agent %s: wrong pool index", id)
				}
			}
		}
		// The matching invariant.
		if c := r.bestContactFor(a); c != nil {
			return fmt.Errorf("agent %s can take contact %s but was not offered it", id, c.ID)
		}
	}
	for _, c := range r.contacts {
		if c.state == ContactWaiting {
			if a := r.bestAgentFor(c); a != nil {
				return fmt.Errorf("contact %s could go to agent %s but waits", c.ID, a.cfg.ID)
			}
		}
	}
	return nil
}

// checkPositions verifies l's position index against its levels: every
// contact counted in l has an entry, the order tree holds exactly the
// waiting ones, and (for small lines) each rank is the one a scan gives.
func (r *Router) checkPositions(l *line, waiting int) error {
	r.posMu.RLock()
	defer r.posMu.RUnlock()
	if n := l.order.Len(); n != waiting {
		return fmt.Errorf("line %v: order tree holds %d, %d waiting", l.key, n, waiting)
	}
	var all []*contact
	for _, lv := range l.levels {
		all = append(all, lv.h.items...)
	}
	for _, c := range l.byAge.items {
		e := r.pos[c.ID]
		if e == nil || e != c.pos || e.l != l || e.waiting != (c.state == ContactWaiting) {
			return fmt.Errorf("contact %s: position entry %+v", c.ID, e)
		}
		if !e.waiting || len(all) > 200 {
			continue
		}
		want := 0
		for _, o := range all {
			if keyOf(o).less(keyOf(c)) {
				want++
			}
		}
		if got := l.order.rank(e.node.key); got != want || e.node.key != keyOf(c) {
			return fmt.Errorf("contact %s: rank %d, want %d", c.ID, got, want)
		}
	}
	return nil
}
