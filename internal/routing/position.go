package routing

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// Position in queue and expected wait, for customer queue flows
// ($.Queue.PositionInQueue, $.Queue.EstimatedWaitTime).
//
// Position. Each line (a queue's, or a personal queue's, contacts on one
// channel) keeps its waiting contacts in an order-statistic tree ([ostree])
// besides the priority levels the matcher uses, in the same order: contact
// priority, then routing age. A contact's position is one plus the number
// of waiting contacts before it, found in O(log n). The loop updates the
// tree and the contact index (Router.pos) under Router.posMu when a contact
// starts or stops waiting; readers take the read lock, so Position never
// waits for the loop, only for a tree update in progress (microseconds).
// The order is the one within the line: an agent who serves several queues
// takes them by its profile's priorities, which a single queue's position
// does not model, and contacts not yet old enough for a queue delay keep
// their place though an agent may skip them.
//
// Expected wait. Each line keeps, in its atomic figures (chanStats), an
// exponentially weighted mean (weight [answerWeight]) of the interval
// between answers while contacts wait: when a contact is connected to an
// agent, the sample is the time since the previous answer, or since the
// line last went from empty to non-empty if that is later. The interval
// measures the queue's whole throughput (all its agents together), so it is
// not divided by the number of agents. The estimate for position p is
// p × max(mean interval, time since the last answer while contacts wait):
// the second term makes the estimate grow when answers stop (agents gone)
// instead of staying at an old mean. There is no estimate (ok false) before
// the line's first answer, or while no agent is staffed for the queue on
// that channel. The history is kept per router: it starts again after
// Restore (a lease move).

// answerWeight is the weight of a new sample in the mean answer interval:
// about the last 10 answers count.
const answerWeight = 0.2

// posEntry is a contact counted in a line (waiting or offered), as the
// position readers see it. Guarded by Router.posMu.
type posEntry struct {
	l       *line // its fields read by readers (key, stats, order) never change
	node    osNode
	waiting bool
}

// QueuePlace is where a contact is in its queue.
type QueuePlace struct {
	// QueueID or AgentID (a personal queue) and Channel name the line.
	QueueID string
	AgentID string
	Channel string
	// Position is 1 plus the number of contacts waiting ahead of this one
	// in its line, in the order the router serves them. An offered
	// contact is at 1 (Offered is set).
	Position int
	Offered  bool
	// ExpectedWait is the estimated wait from now (see ExpectedWait);
	// meaningful only when EstimateKnown.
	ExpectedWait  time.Duration
	EstimateKnown bool
}

// posJoin indexes c, which has just joined l.
func (r *Router) posJoin(l *line, c *contact) {
	e := &posEntry{l: l}
	r.posMu.Lock()
	r.pos[c.ID] = e
	r.posMu.Unlock()
	c.pos = e
	r.backlogStarts(l)
}

// posLeave drops c, which has just left l.
func (r *Router) posLeave(l *line, c *contact) {
	r.posMu.Lock()
	delete(r.pos, c.ID)
	r.posMu.Unlock()
	c.pos = nil
	cs := &l.stats.ch[l.key.ch]
	if l.byAge.Len() == 0 {
		cs.gapStart.Store(0)
	}
	if r.lineTotal(l) == 0 {
		l.stats.ch[allChannels].gapStart.Store(0)
	}
}

// posWait files c among its line's waiting contacts.
func (r *Router) posWait(c *contact) {
	e := c.pos
	if e == nil {
		return
	}
	r.posMu.Lock()
	e.node.key = keyOf(c)
	e.l.order.insert(&e.node)
	e.waiting = true
	r.posMu.Unlock()
}

// posUnwait takes c out of its line's waiting contacts.
func (r *Router) posUnwait(c *contact) {
	e := c.pos
	if e == nil || !e.waiting {
		return
	}
	r.posMu.Lock()
	e.l.order.remove(e.node.key)
	e.waiting = false
	r.posMu.Unlock()
}

// lineTotal counts the contacts (waiting or offered) of l's queue or
// personal queue on every channel.
func (r *Router) lineTotal(l *line) int {
	if l.q != nil {
		return l.q.inQueue
	}
	n := 0
	for _, x := range l.personal.lines {
		if x != nil {
			n += x.byAge.Len()
		}
	}
	return n
}

// backlogStarts starts the answer-interval clock of l (and of its queue on
// all channels) if it had no contacts.
func (r *Router) backlogStarts(l *line) {
	now := r.now.UnixNano()
	for _, cs := range [2]*chanStats{&l.stats.ch[l.key.ch], &l.stats.ch[allChannels]} {
		if cs.gapStart.Load() == 0 {
			cs.gapStart.Store(now)
		}
	}
}

// answered records that a contact of l was connected to an agent now.
func (r *Router) answered(l *line) {
	now := r.now.UnixNano()
	for _, cs := range [2]*chanStats{&l.stats.ch[l.key.ch], &l.stats.ch[allChannels]} {
		var sample int64
		if g := cs.gapStart.Load(); g != 0 && now > g {
			sample = now - g
		}
		mean := sample
		if cs.answers.Load() > 0 {
			old := cs.answerMean.Load()
			mean = old + int64(float64(sample-old)*answerWeight)
		}
		cs.answerMean.Store(mean)
		cs.answers.Add(1)
		cs.gapStart.Store(now)
	}
}

// expectedWait estimates the wait of the contact at position p (see the
// comment at the top of this file).
func (cs *chanStats) expectedWait(now time.Time, p int) (time.Duration, bool) {
	if p < 1 || cs.answers.Load() == 0 || cs.agents[flagStaffed].Load() == 0 {
		return 0, false
	}
	iv := time.Duration(cs.answerMean.Load())
	if g := cs.gapStart.Load(); g != 0 {
		if gap := now.Sub(time.Unix(0, g)); gap > iv {
			iv = gap
		}
	}
	const maxWait = time.Duration(1<<63 - 1)
	if iv > 0 && time.Duration(p) > maxWait/iv {
		return maxWait, true
	}
	return time.Duration(p) * iv, true
}

// Position returns the 1-based place of a contact among the contacts
// waiting in its queue (or personal queue) on its channel, in the order the
// router serves them: contact priority, then routing age. An offered
// contact is at 1. ok is false if the router does not hold the contact or
// it is connected. It is safe from any goroutine and costs O(log n) for n
// contacts in the line; it does not go through the router's loop.
func (r *Router) Position(contactID string) (pos int, ok bool) {
	p, ok := r.Place(contactID)
	return p.Position, ok
}

// Place returns Position with the contact's line and its expected wait,
// read together.
func (r *Router) Place(contactID string) (QueuePlace, bool) {
	r.posMu.RLock()
	e := r.pos[contactID]
	if e == nil {
		r.posMu.RUnlock()
		return QueuePlace{}, false
	}
	l := e.l
	p := QueuePlace{
		QueueID: l.key.queueID, AgentID: l.key.agentID, Channel: channels[l.key.ch],
		Position: 1, Offered: !e.waiting,
	}
	if e.waiting {
		p.Position = l.order.rank(e.node.key) + 1
	}
	r.posMu.RUnlock()
	p.ExpectedWait, p.EstimateKnown = l.stats.ch[l.key.ch].expectedWait(r.clock.Now(), p.Position)
	return p, true
}

// QueuePosition is Place in short: the contact's position and expected
// wait (0 when there is no estimate; see ExpectedWait), ok false when the
// router does not hold it or it is connected.
func (r *Router) QueuePosition(contactID string) (position int, expectedWait time.Duration, ok bool) {
	p, ok := r.Place(contactID)
	return p.Position, p.ExpectedWait, ok
}

// ExpectedWait estimates how long a contact at position (1 is next) in a
// queue waits from now, on a channel ("" for the queue's contacts of all
// channels): position × the mean interval between the queue's answers
// while contacts wait, or × the time since its last answer if that is
// longer. ok is false before the queue's first answer, while no agent is
// staffed for it, for an unknown queue or a position below 1. It is safe
// from any goroutine and O(1).
func (r *Router) ExpectedWait(queueID, channel string, position int) (time.Duration, bool) {
	ch := allChannels
	if channel != "" {
		if ch = chanIndex(channel); ch < 0 {
			return 0, false
		}
	}
	v, ok := r.stats.Load().queues.Load(queueID)
	if !ok {
		return 0, false
	}
	return v.(*queueStats).ch[ch].expectedWait(r.clock.Now(), position)
}

// ContactPosition implements engine.ContactQueueMetrics: the contact's
// Place, if it waits (or is offered) in the queue or personal
// queue q names, on q.Channel if set.
func (r *Router) ContactPosition(_ context.Context, q engine.MetricsQuery, contactID string) (engine.QueuePosition, bool, error) {
	p, ok := r.Place(contactID)
	switch {
	case !ok:
		return engine.QueuePosition{}, false, nil
	case q.Queue != nil && (p.AgentID != "" || p.QueueID != q.Queue.ID):
		return engine.QueuePosition{}, false, nil
	case q.Queue == nil && (q.AgentID == "" || p.AgentID != q.AgentID):
		return engine.QueuePosition{}, false, nil
	case q.Channel != "" && q.Channel != p.Channel:
		return engine.QueuePosition{}, false, nil
	}
	return engine.QueuePosition{Position: p.Position, EstimatedWait: p.ExpectedWait, EstimateKnown: p.EstimateKnown}, true, nil
}

var _ engine.ContactQueueMetrics = (*Router)(nil)
