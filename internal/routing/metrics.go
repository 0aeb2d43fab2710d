package routing

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// The router implements the flow engine's Metrics from counters its loop
// keeps current: each is updated with an atomic add when a contact joins or
// leaves a line or an agent's state changes, and read without locks. Two
// figures read together may straddle a routing decision; each one alone is
// exact.
var _ engine.Metrics = (*Router)(nil)

// statsTable maps queue IDs and agent IDs (personal queues) to their figures.
// Entries are created by the loop and never removed until Restore replaces
// the table.
type statsTable struct {
	queues sync.Map // queue ID → *queueStats
	agents sync.Map // agent ID → *queueStats
}

func newStatsTable() *statsTable { return &statsTable{} }

// queueStats are one queue's figures per channel, plus all channels at
// index allChannels.
type queueStats struct {
	ch [numChannels + 1]chanStats
}

type chanStats struct {
	inQueue atomic.Int64
	oldest  atomic.Int64 // EnqueuedAt of the oldest contact in queue (Unix ns); 0: none
	agents  [numFlags]atomic.Int64
	// Answer intervals, for expected waits (position.go): the weighted
	// mean interval (ns) over answers samples, and when the current
	// interval started (Unix ns; 0 while no contact is in queue).
	answerMean atomic.Int64
	answers    atomic.Int64
	gapStart   atomic.Int64
}

// Agent flags counted per queue.
const (
	flagOnline = iota
	flagAvailable
	flagStaffed
	flagBusy
	flagACW
	flagMissed
	flagOther
	numFlags
)

// contrib is what one agent adds to one queue's figures on one channel.
type contrib struct {
	s     *queueStats
	ch    int
	flags uint8
}

func (r *Router) queueStats(id string) *queueStats {
	t := r.stats.Load()
	if s, ok := t.queues.Load(id); ok {
		return s.(*queueStats)
	}
	s, _ := t.queues.LoadOrStore(id, &queueStats{})
	return s.(*queueStats)
}

func (r *Router) agentStats(id string) *queueStats {
	t := r.stats.Load()
	if s, ok := t.agents.Load(id); ok {
		return s.(*queueStats)
	}
	s, _ := t.agents.LoadOrStore(id, &queueStats{})
	return s.(*queueStats)
}

// baseFlags are a's flags that do not depend on the channel.
func (r *Router) baseFlags(a *agent) uint8 {
	var f uint8
	if a.status != StatusOffline {
		f |= 1 << flagOnline
	}
	if a.status == StatusAvailable || a.load > 0 {
		f |= 1 << flagStaffed
	}
	busy, acw := false, false
	for _, s := range a.slots {
		if s.state == SlotAfterContactWork {
			acw = true
		} else {
			busy = true
		}
	}
	switch {
	case busy:
		f |= 1 << flagBusy
	case acw:
		f |= 1 << flagACW
	}
	switch {
	case a.system != SystemNone:
		f |= 1 << flagMissed
	case !busy && !acw && a.status != StatusOffline && a.status != StatusAvailable:
		f |= 1 << flagOther
	}
	return f
}

// contribute brings a's contribution to the figures of the queues its
// profile serves (and of its personal queue) up to date.
func (r *Router) contribute(a *agent) {
	next := r.scratchIn[:0]
	if p := a.prof; p != nil {
		base := r.baseFlags(a)
		var avail [numChannels]bool
		for ch := range numChannels {
			avail[ch] = p.limit[ch] > 0 && a.canTake(ch)
		}
		add := func(s *queueStats, chans []int) {
			anyAvail := false
			for _, ch := range chans {
				f := base
				if avail[ch] {
					f |= 1 << flagAvailable
					anyAvail = true
				}
				next = append(next, contrib{s: s, ch: ch, flags: f})
			}
			f := base
			if anyAvail {
				f |= 1 << flagAvailable
			}
			next = append(next, contrib{s: s, ch: allChannels, flags: f})
		}
		for _, pq := range p.queues {
			add(r.queueStats(pq.queueID), pq.chans)
		}
		add(a.pstats, p.chans)
	}
	if slicesEqualContrib(next, a.contrib) {
		r.scratchIn = next
		return
	}
	for _, c := range a.contrib {
		c.apply(-1)
	}
	for _, c := range next {
		c.apply(1)
	}
	a.contrib = append(a.contrib[:0], next...)
	r.scratchIn = next
}

func (c contrib) apply(delta int64) {
	if c.flags == 0 {
		return
	}
	cs := &c.s.ch[c.ch]
	for f := range numFlags {
		if c.flags&(1<<f) != 0 {
			cs.agents[f].Add(delta)
		}
	}
}

func slicesEqualContrib(a, b []contrib) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// QueueMetrics implements engine.Metrics: a queue's (or an agent's
// personal queue's) real-time figures, for one channel or all.
//
//   - ContactsInQueue: contacts waiting or being offered.
//   - OldestContactAge: age of the oldest of them (from its first enqueue).
//   - AgentsOnline: agents whose profile serves the queue (on the channel),
//     in any status but Offline. AgentsStaffed: Available, or holding
//     contacts. AgentsAvailable: able to be offered a contact of the queue
//     now. AgentsBusy: holding an offered or connected contact.
//     AgentsAfterWork: only after-contact work. AgentsMissed: in Missed or
//     Error. AgentsOther: in a custom status with no contacts.
//
// An unknown queue or agent has all-zero figures.
func (r *Router) QueueMetrics(_ context.Context, q engine.MetricsQuery) (engine.QueueMetrics, error) {
	ch := allChannels
	if q.Channel != "" {
		if ch = chanIndex(q.Channel); ch < 0 {
			return engine.QueueMetrics{}, nil
		}
	}
	t := r.stats.Load()
	var v any
	var ok bool
	switch {
	case q.Queue != nil:
		v, ok = t.queues.Load(q.Queue.ID)
	case q.AgentID != "":
		v, ok = t.agents.Load(q.AgentID)
	}
	if !ok {
		return engine.QueueMetrics{}, nil
	}
	cs := &v.(*queueStats).ch[ch]
	m := engine.QueueMetrics{
		ContactsInQueue: int(cs.inQueue.Load()),
		AgentsOnline:    int(cs.agents[flagOnline].Load()),
		AgentsAvailable: int(cs.agents[flagAvailable].Load()),
		AgentsStaffed:   int(cs.agents[flagStaffed].Load()),
		AgentsAfterWork: int(cs.agents[flagACW].Load()),
		AgentsBusy:      int(cs.agents[flagBusy].Load()),
		AgentsMissed:    int(cs.agents[flagMissed].Load()),
		AgentsOther:     int(cs.agents[flagOther].Load()),
	}
	if n := cs.oldest.Load(); n != 0 {
		m.OldestContactAge = max(r.clock.Now().Sub(time.Unix(0, n)), 0)
	}
	return m, nil
}

// AtCapacity implements engine.Metrics: q is full when it has a limit
// (q.MaxContacts, the stored value) and holds that many contacts waiting
// or being offered. Enqueue applies the same rule with the router's copy.
func (r *Router) AtCapacity(_ context.Context, q *core.Queue) (bool, error) {
	if q == nil || q.MaxContacts <= 0 {
		return false, nil
	}
	v, ok := r.stats.Load().queues.Load(q.ID)
	if !ok {
		return false, nil
	}
	return v.(*queueStats).ch[allChannels].inQueue.Load() >= int64(q.MaxContacts), nil
}
