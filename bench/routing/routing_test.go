// Package bench measures the ACD's routing decisions at contact-center
// scale: 10,000 agents in 10 routing profiles over 20 queues, with 100,000
// contacts waiting.
//
//	go test -run '^$' -bench . -benchtime 20000x ./bench/routing/
//
// Each figure is the latency of one decision as a caller sees it: the time
// from the command that makes an agent available (or a contact arrive) until
// the router has made the offer. "cmd" is until the command returns (the
// offer is made inside the command); "event" is until the Offered event
// reaches the sink (one more goroutine hop). Both include the command's
// round trip through the router's loop (channel send, wake-up, reply).
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

const (
	numAgents   = 10_000
	numContacts = 100_000
	numQueues   = 20
	numProfiles = 10
)

// offerWatch is a sink that reports when the watched agent or contact is
// offered something.
type offerWatch struct {
	agent   atomic.Pointer[string]
	contact atomic.Pointer[string]
	offered chan time.Time
}

func (w *offerWatch) Emit(e routing.Event) {
	if e.Type != routing.EventOffered {
		return
	}
	if a := w.agent.Load(); a != nil && *a == e.AgentID {
		w.agent.Store(nil)
		w.offered <- time.Now()
	}
	if c := w.contact.Load(); c != nil && *c == e.ContactID {
		w.contact.Store(nil)
		w.offered <- time.Now()
	}
}

type env struct {
	r     *routing.Router
	watch *offerWatch
	ctx   context.Context
}

// setup builds the instance: queues, profiles (each serving 6 queues on
// voice and chat: two at priority 1 without delay, two at priority 2 with
// 10 s, two at priority 3 with 30 s), agents (all
// Offline) and the waiting contacts, spread over the first contactQueues
// queues, which arrived over the last ten minutes.
func setup(b *testing.B, contactQueues int) *env {
	b.Helper()
	ctx := b.Context()
	watch := &offerWatch{offered: make(chan time.Time, 16)}
	r := routing.New(routing.Config{Sink: watch})
	done := make(chan error, 1)
	rctx, cancel := context.WithCancel(context.Background())
	go func() { done <- r.Run(rctx) }()
	b.Cleanup(func() { cancel(); <-done })

	rng := rand.New(rand.NewPCG(1, 2))
	for q := range numQueues {
		must(b, r.UpsertQueue(ctx, routing.Queue{ID: fmt.Sprint("q", q)}))
	}
	delays := []time.Duration{0, 10 * time.Second, 30 * time.Second}
	for p := range numProfiles {
		prof := routing.Profile{ID: fmt.Sprint("p", p), Channels: []routing.ChannelLimit{
			{Channel: core.ChannelVoice, Concurrency: 1}, {Channel: core.ChannelChat, Concurrency: 3},
		}}
		for i := range 6 {
			q := fmt.Sprint("q", (p*2+i)%numQueues)
			for _, ch := range []string{core.ChannelVoice, core.ChannelChat} {
				prof.Queues = append(prof.Queues, routing.ProfileQueue{
					QueueID: q, Channel: ch, Priority: 1 + i/2, Delay: delays[i/2],
				})
			}
		}
		must(b, r.UpsertProfile(ctx, prof))
	}
	for a := range numAgents {
		must(b, r.UpsertAgent(ctx, routing.Agent{ID: fmt.Sprint("a", a), ProfileID: fmt.Sprint("p", a%numProfiles), ACWTimeout: -1}))
	}
	start := time.Now()
	now := time.Now()
	for c := range numContacts {
		ch := core.ChannelChat
		if c%3 == 0 {
			ch = core.ChannelVoice
		}
		prio := 0
		if c%50 == 0 {
			prio = 1 + rng.IntN(5)
		}
		must(b, r.Enqueue(ctx, routing.Contact{
			ID: fmt.Sprint("c", c), QueueID: fmt.Sprint("q", rng.IntN(contactQueues)), Channel: ch,
			EnqueuedAt: now.Add(-time.Duration(rng.IntN(600_000)) * time.Millisecond), Priority: prio,
		}))
	}
	b.Logf("setup: %d contacts enqueued in %s (%.0f/s)", numContacts, time.Since(start),
		numContacts/time.Since(start).Seconds())
	return &env{r: r, watch: watch, ctx: ctx}
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// report adds p50/p99/max of samples as metrics named <name>-p50-µs etc.
func report(b *testing.B, name string, samples []time.Duration) {
	slices.Sort(samples)
	pct := func(p float64) float64 {
		return float64(samples[int(p*float64(len(samples)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), name+"-p50-µs")
	b.ReportMetric(pct(0.99), name+"-p99-µs")
	b.ReportMetric(pct(1), name+"-max-µs")
}

// BenchmarkAgentAvailableToOffer: an agent becomes Available and is offered
// its best waiting contacts (one call, or up to three chats), chosen among
// 100,000 waiting contacts over its profile's 12 queue×channel entries.
// The agent then goes Offline, which puts the offered contacts back at
// their places, so the queues stay at 100,000.
func BenchmarkAgentAvailableToOffer(b *testing.B) {
	e := setup(b, numQueues)
	var cmd, ev []time.Duration
	i := 0
	for b.Loop() {
		id := fmt.Sprint("a", i%numAgents)
		i++
		e.watch.agent.Store(&id)
		t0 := time.Now()
		must(b, e.r.SetStatus(e.ctx, id, routing.StatusAvailable))
		t1 := time.Now()
		select {
		case t2 := <-e.watch.offered:
			cmd = append(cmd, t1.Sub(t0))
			ev = append(ev, t2.Sub(t0))
		case <-time.After(5 * time.Second):
			b.Fatalf("agent %s offered nothing", id)
		}
		must(b, e.r.SetStatus(e.ctx, id, routing.StatusOffline))
	}
	report(b, "cmd", cmd)
	report(b, "event", ev)
}

// BenchmarkContactArrivalToOffer: a contact arrives in a queue served by
// 1,000 available agents and is offered to the longest-idle one, in an
// instance that still has 10,000 agents and 100,000 contacts waiting in
// other queues. The contact then hangs up while offered, freeing the agent
// (which, having just been offered, goes to the back of the line).
func BenchmarkContactArrivalToOffer(b *testing.B) {
	// The backlog waits in q0..q13. Profile p7 serves q14..q19 only, so
	// its 1,000 agents are idle; the others stay Offline.
	e := setup(b, 14)
	for a := 7; a < numAgents; a += numProfiles {
		must(b, e.r.SetStatus(e.ctx, fmt.Sprint("a", a), routing.StatusAvailable))
	}
	var cmd, ev []time.Duration
	i := 0
	for b.Loop() {
		id := fmt.Sprint("new", i)
		i++
		e.watch.contact.Store(&id)
		t0 := time.Now()
		must(b, e.r.Enqueue(e.ctx, routing.Contact{ID: id, QueueID: "q14", Channel: core.ChannelChat}))
		t1 := time.Now()
		select {
		case t2 := <-e.watch.offered:
			cmd = append(cmd, t1.Sub(t0))
			ev = append(ev, t2.Sub(t0))
		case <-time.After(5 * time.Second):
			b.Fatalf("contact %s offered to no one", id)
		}
		must(b, e.r.EndContact(e.ctx, id))
	}
	report(b, "cmd", cmd)
	report(b, "event", ev)
}

// BenchmarkCommandRoundTrip is the floor under the figures above: a command
// that decides nothing (reading one agent's state) through the same loop,
// with the same 10,000 agents and 100,000 waiting contacts.
func BenchmarkCommandRoundTrip(b *testing.B) {
	e := setup(b, numQueues)
	var cmd []time.Duration
	i := 0
	for b.Loop() {
		id := fmt.Sprint("a", i%numAgents)
		i++
		t0 := time.Now()
		if _, err := e.r.Agent(e.ctx, id); err != nil {
			b.Fatal(err)
		}
		cmd = append(cmd, time.Since(t0))
	}
	report(b, "cmd", cmd)
}
