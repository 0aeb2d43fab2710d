package routing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// eventChecker replays the event stream and fails on a contact offered to
// two agents at once or an agent holding more contacts of a channel than
// its limit.
type eventChecker struct {
	mu        sync.Mutex
	limits    map[string]map[string]int // agent → channel → limit
	held      map[string]map[string]string
	holder    map[string]string // contact → agent it is offered or connected to
	connected map[string]int    // contact → times connected
	ended     map[string]int    // contact → slots freed after it ended (ACWEnded)
	errs      []string
}

func newEventChecker() *eventChecker {
	return &eventChecker{
		limits: map[string]map[string]int{}, held: map[string]map[string]string{},
		holder: map[string]string{}, connected: map[string]int{}, ended: map[string]int{},
	}
}

func (c *eventChecker) fail(format string, args ...any) {
	if len(c.errs) < 20 {
		c.errs = append(c.errs, fmt.Sprintf(format, args...))
	}
}

func (c *eventChecker) Emit(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, id := e.AgentID, e.ContactID
	release := func() {
		if c.holder[id] != a {
			c.fail("%d %s: contact %s held by %q, not %s", e.Seq, e.Type, id, c.holder[id], a)
		}
		delete(c.holder, id)
	}
	switch e.Type {
	case EventOffered:
		if h, ok := c.holder[id]; ok {
			c.fail("%d contact %s offered to %s while held by %s", e.Seq, id, a, h)
		}
		c.holder[id] = a
		if c.held[a] == nil {
			c.held[a] = map[string]string{}
		}
		if _, dup := c.held[a][id]; dup {
			c.fail("%d agent %s offered %s it already holds", e.Seq, a, id)
		}
		c.held[a][id] = e.Channel
		n := 0
		for _, ch := range c.held[a] {
			if ch == e.Channel {
				n++
			}
		}
		if limit := c.limits[a][e.Channel]; n > limit {
			c.fail("%d agent %s holds %d %s contacts, limit %d", e.Seq, a, n, e.Channel, limit)
		}
		for _, ch := range c.held[a] {
			if ch != e.Channel && !allowsOthers(c.limits[a], ch) {
				c.fail("%d agent %s offered %s while on %s", e.Seq, a, e.Channel, ch)
			}
		}
	case EventConnected:
		if c.holder[id] != a {
			c.fail("%d contact %s connected to %s, offered to %q", e.Seq, id, a, c.holder[id])
		}
		c.connected[id]++
	case EventRejected, EventMissed, EventContactError, EventOfferRescinded:
		release()
		delete(c.held[a], id)
	case EventACWStarted:
		release()
	case EventACWEnded:
		delete(c.held[a], id)
		c.ended[id]++
	}
}

// allowsOthers reads the "+N" marker the tests put in limits: a limit
// stored under "ch+" means ch allows other channels.
func allowsOthers(limits map[string]int, ch string) bool { return limits[ch+"+"] > 0 }

func (c *eventChecker) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		t.Error(e)
	}
}

// TestConcurrentChats: 200 agents and 2,000 chats (plus 200 calls) arriving
// at once from many goroutines, agents accepting, rejecting, ending and
// going offline concurrently. Each contact must be connected to exactly one
// agent, no agent may ever hold more than its limit, and every contact must
// be served.
func TestConcurrentChats(t *testing.T) {
	const (
		agents     = 200
		chats      = 2000
		calls      = 200
		enqueuers  = 20
		rejectRate = 0.05
	)
	check := newEventChecker()
	offers := make([]chan Event, agents)
	for i := range offers {
		offers[i] = make(chan Event, 64)
	}
	var ended atomic.Int64
	allEnded := make(chan struct{})
	sink := SinkFunc(func(e Event) {
		check.Emit(e)
		if e.Type == EventOffered {
			var i int
			fmt.Sscanf(e.AgentID, "agent%d", &i)
			offers[i] <- e
		}
		if e.Type == EventACWEnded && ended.Add(1) == chats+calls {
			close(allEnded)
		}
	})
	// A clock that never moves: no offer times out, so every contact is
	// served by an agent's own action.
	clock := NewManualClock(t0)
	r := New(Config{Clock: clock, Sink: sink})
	startRouter(t, r)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	queues := []string{"q1", "q2", "q3", "q4"}
	for _, q := range queues {
		if err := r.UpsertQueue(ctx, Queue{ID: q}); err != nil {
			t.Fatal(err)
		}
	}
	chatOnly := Profile{ID: "chat", Channels: []ChannelLimit{{Channel: chat, Concurrency: 3}}}
	blended := Profile{ID: "blended", Channels: []ChannelLimit{{Channel: voice, Concurrency: 1}, {Channel: chat, Concurrency: 2}}}
	for i, q := range queues {
		chatOnly.Queues = append(chatOnly.Queues, ProfileQueue{QueueID: q, Channel: chat, Priority: 1 + i%2})
		blended.Queues = append(blended.Queues,
			ProfileQueue{QueueID: q, Channel: chat, Priority: 2},
			ProfileQueue{QueueID: q, Channel: voice, Priority: 1})
	}
	for _, p := range []Profile{chatOnly, blended} {
		if err := r.UpsertProfile(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for i := range agents {
		a := Agent{ID: fmt.Sprintf("agent%d", i), ProfileID: "chat", AutoAccept: i%7 == 0}
		limits := map[string]int{chat: 3}
		if i%4 == 0 {
			a.ProfileID = "blended"
			limits = map[string]int{chat: 2, voice: 1}
		}
		if i%3 == 0 {
			a.ACWTimeout = -1
		}
		check.limits[a.ID] = limits
		if err := r.UpsertAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	// Agents: go Available, then handle offers.
	for i := range agents {
		wg.Go(func() {
			id := fmt.Sprintf("agent%d", i)
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			<-start
			if err := r.SetStatus(ctx, id, StatusAvailable); err != nil {
				t.Error(err)
				return
			}
			for {
				select {
				case <-allEnded:
					return
				case <-ctx.Done():
					return
				case e := <-offers[i]:
					if err := handleOffer(ctx, r, rng, e, rejectRate); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	// Customers: all at once.
	for g := range enqueuers {
		wg.Go(func() {
			<-start
			for n := range (chats + calls) / enqueuers {
				ch := chat
				if n%((chats+calls)/calls) == 0 {
					ch = voice
				}
				c := Contact{ID: fmt.Sprintf("c%d-%d", g, n), QueueID: queues[(g+n)%len(queues)], Channel: ch}
				if err := r.Enqueue(ctx, c); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// Flows read queue figures meanwhile.
	wg.Go(func() {
		<-start
		for {
			select {
			case <-allEnded:
				return
			case <-ctx.Done():
				return
			default:
			}
			for _, q := range queues {
				cq := &core.Queue{Meta: core.Meta{ID: q}, MaxContacts: chats}
				m, err := r.QueueMetrics(ctx, engine.MetricsQuery{Queue: cq})
				if err != nil || m.ContactsInQueue < 0 || m.AgentsAvailable < 0 || m.AgentsBusy > agents {
					t.Errorf("metrics %+v, %v", m, err)
					return
				}
				if _, err := r.AtCapacity(ctx, cq); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	close(start)
	select {
	case <-allEnded:
	case <-ctx.Done():
		st, _ := r.State(context.Background())
		t.Fatalf("only %d of %d contacts served; %d still in the router", ended.Load(), chats+calls, len(st.Contacts))
	}
	wg.Wait()
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	check.check(t)
	check.mu.Lock()
	if len(check.connected) != chats+calls {
		t.Errorf("%d contacts connected, want %d", len(check.connected), chats+calls)
	}
	for id, n := range check.connected {
		if n != 1 || check.ended[id] != 1 {
			t.Errorf("contact %s connected %d times, ended %d times", id, n, check.ended[id])
		}
	}
	check.mu.Unlock()
	st, err := r.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Contacts) != 0 {
		t.Errorf("%d contacts left in the router", len(st.Contacts))
	}
	for _, a := range st.Agents {
		if len(a.Slots) != 0 {
			t.Errorf("agent %s still holds %+v", a.ID, a.Slots)
		}
	}
	if err := r.do(ctx, r.checkInvariants); err != nil {
		t.Error(err)
	}
	// Everyone is idle again: the figures say so.
	for _, q := range queues {
		m, _ := r.QueueMetrics(ctx, engine.MetricsQuery{Queue: &core.Queue{Meta: core.Meta{ID: q}}})
		if m.ContactsInQueue != 0 || m.AgentsBusy != 0 || m.AgentsAfterWork != 0 || m.AgentsStaffed != agents {
			t.Errorf("queue %s figures after the run: %+v", q, m)
		}
	}
}

// handleOffer plays an agent receiving offer e: accept (or reject), end the
// contact, finish after-contact work, and sometimes take a break.
func handleOffer(ctx context.Context, r *Router, rng *rand.Rand, e Event, rejectRate float64) error {
	ignore := func(err error) error {
		// The offer may have been withdrawn meanwhile (the agent went
		// offline after it was sent): nothing to do.
		if errors.Is(err, ErrNoOffer) {
			return nil
		}
		return err
	}
	if !e.AutoAccepted {
		if rng.Float64() < rejectRate {
			return ignore(r.Reject(ctx, e.AgentID, e.ContactID))
		}
		if err := r.Accept(ctx, e.AgentID, e.ContactID); err != nil {
			return ignore(err)
		}
	}
	if err := r.EndContact(ctx, e.ContactID); err != nil {
		return err
	}
	if err := r.CompleteACW(ctx, e.AgentID, e.ContactID); err != nil && !errors.Is(err, ErrNoAfterContactWork) {
		return err
	}
	if rng.Float64() < 0.03 {
		if err := r.SetStatus(ctx, e.AgentID, StatusOffline); err != nil {
			return err
		}
		return r.SetStatus(ctx, e.AgentID, StatusAvailable)
	}
	return nil
}

// TestRandomOperationsKeepInvariants drives the router with random
// commands and clock moves and checks its invariants after each.
func TestRandomOperationsKeepInvariants(t *testing.T) {
	t.Parallel()
	ops := 1500
	if testing.Short() {
		ops = 300
	}
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			check := newEventChecker()
			h := newHarness(t, Config{
				OfferTimeout: 8 * time.Second, RejectBackoff: 5 * time.Second,
				CustomStatuses: []string{"Break"}, Sink: check,
			})
			h.queue("q1", 0)
			h.queue("q2", 6)
			h.queue("q3", 0)
			h.profile("blend", "q1/VOICE/1/0", "q2/VOICE/2/5", "q1/CHAT/1/0", "q3/CHAT/1/10", "VOICE=1+", "CHAT=2")
			h.profile("chat", "q2/CHAT/1/0", "q3/CHAT/2/0", "q1/TASK/1/3", "CHAT=3", "TASK=2")
			h.profile("voice", "q1/VOICE/2/0", "q2/VOICE/1/0", "q3/VOICE/1/20", "VOICE=1")
			profiles := map[string]map[string]int{
				"blend": {voice: 1, "VOICE+": 1, chat: 2},
				"chat":  {chat: 3, task: 2},
				"voice": {voice: 1},
			}
			var agents []string
			for i, p := range []string{"blend", "chat", "voice", "blend", "chat", "voice", "chat"} {
				id := fmt.Sprintf("a%d", i)
				agents = append(agents, id)
				opts := []func(*Agent){acw(time.Duration(i%3-1) * 7 * time.Second)}
				if i%4 == 3 {
					opts = append(opts, autoAccept)
				}
				check.limits[id] = profiles[p]
				h.agent(id, p, opts...)
			}
			queues := []string{"q1", "q2", "q3"}
			chans := []string{voice, chat, task}
			statuses := []string{StatusAvailable, StatusAvailable, StatusAvailable, StatusOffline, "Break"}
			next := 0
			pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
			for range ops {
				st, err := h.r.State(h.ctx)
				if err != nil {
					t.Fatal(err)
				}
				var offered, connected, all []ContactSnapshot
				for _, c := range st.Contacts {
					all = append(all, c)
					switch c.State {
					case ContactOffered:
						offered = append(offered, c)
					case ContactConnected:
						connected = append(connected, c)
					}
				}
				var acwSlots [][2]string
				for _, a := range st.Agents {
					for _, s := range a.Slots {
						if s.State == SlotAfterContactWork {
							acwSlots = append(acwSlots, [2]string{a.ID, s.ContactID})
						}
					}
				}
				var err2 error
				switch op := rng.IntN(14); {
				case op < 3:
					next++
					c := Contact{ID: fmt.Sprint("c", next), Channel: pick(chans)}
					if rng.IntN(8) == 0 {
						c.AgentID = pick(agents)
					} else {
						c.QueueID = pick(queues)
					}
					if rng.IntN(4) == 0 {
						c.Priority = 1 + rng.IntN(5)
					}
					err2 = h.r.Enqueue(h.ctx, c)
				case op == 3:
					err2 = h.r.SetStatus(h.ctx, pick(agents), pick(statuses))
				case op == 4 && len(offered) > 0:
					c := offered[rng.IntN(len(offered))]
					err2 = h.r.Accept(h.ctx, c.AssignedTo, c.ID)
				case op == 5 && len(offered) > 0:
					c := offered[rng.IntN(len(offered))]
					err2 = h.r.Reject(h.ctx, c.AssignedTo, c.ID)
				case op == 6 && len(all) > 0:
					err2 = h.r.EndContact(h.ctx, all[rng.IntN(len(all))].ID)
				case op == 7 && len(acwSlots) > 0:
					s := acwSlots[rng.IntN(len(acwSlots))]
					err2 = h.r.CompleteACW(h.ctx, s[0], s[1])
				case op == 8 && len(all) > 0:
					to := Target{QueueID: pick(queues)}
					if rng.IntN(3) == 0 {
						to = Target{AgentID: pick(agents)}
					}
					err2 = h.r.Transfer(h.ctx, all[rng.IntN(len(all))].ID, to)
				case op == 9 && len(all) > 0:
					p := 1 + rng.IntN(6)
					adj := time.Duration(rng.IntN(20)-5) * time.Second
					err2 = h.r.UpdateRouting(h.ctx, all[rng.IntN(len(all))].ID, RoutingUpdate{Priority: &p, AgeAdjust: &adj})
				case op == 10 && len(connected)+len(offered) > 0:
					c := append(connected, offered...)[rng.IntN(len(connected)+len(offered))]
					err2 = h.r.ContactError(h.ctx, c.AssignedTo, c.ID)
				default:
					h.clock.Advance(time.Duration(rng.IntN(4000)) * time.Millisecond)
				}
				if err2 != nil && !errors.Is(err2, ErrQueueAtCapacity) && !errors.Is(err2, ErrChannelNotHandled) &&
					!errors.Is(err2, ErrNotQueued) {
					t.Fatalf("command failed: %v", err2)
				}
				h.check()
			}
			h.take()
			check.check(t)
		})
	}
}
