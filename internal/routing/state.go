package routing

import (
	"slices"
	"time"
)

// numChannels is len(channels), as a constant for array sizes.
const numChannels = 3

// lineKey names a line: a queue's (agentID empty) or an agent's personal
// queue's (queueID empty) contacts on one channel.
type lineKey struct {
	queueID, agentID string
	ch               int
}

type queue struct {
	cfg     Queue
	lines   [numChannels]*line
	inQueue int // waiting + offered, all channels
	stats   *queueStats
}

// line holds the contacts of one queue (or personal queue) on one channel
// that are waiting or being offered.
type line struct {
	key      lineKey
	q        *queue // nil for a personal queue
	personal *agent // nil for a queue
	// levels are the waiting contacts by contact priority (ascending),
	// each ordered by routing age.
	levels []*level
	// byAge holds waiting and offered contacts by real age, for metrics.
	byAge iheap[*contact]
	stats *queueStats
	// order holds the waiting contacts in the order of levels, for
	// positions (position.go); guarded by Router.posMu.
	order ostree
}

type level struct {
	prio int
	h    iheap[*contact]
}

type profile struct {
	cfg         Profile
	limit       [numChannels]int
	allowOthers [numChannels]bool
	chans       []int // channels with a limit
	// entries per channel, by ascending priority.
	entries [numChannels][]entry
	// queues lists each queue the profile serves with its channels (for
	// metrics contributions).
	queues []profileQueue
	// pools holds the profile's agents able to take each channel now,
	// fewest contacts then longest idle first.
	pools  [numChannels]*iheap[*agent]
	agents map[string]*agent
}

type entry struct {
	queueID string
	prio    int
	delay   time.Duration
}

type profileQueue struct {
	queueID string
	chans   []int
}

// profileRef is a profile serving a queue×channel, with its priority and delay.
type profileRef struct {
	p     *profile
	prio  int
	delay time.Duration
}

type agent struct {
	cfg         Agent
	prof        *profile
	status      string
	system      SystemState
	statusSince time.Time
	idleSince   time.Time
	slots       map[string]*slot // by contact ID
	perChan     [numChannels]int
	load        int
	poolIdx     [numChannels]int // index in prof.pools[ch], -1 when absent
	lines       [numChannels]*line
	pstats      *queueStats // the personal queue's figures
	contrib     []contrib   // metrics contributions applied
}

type slot struct {
	contactID string
	ch        int
	queueID   string
	personal  bool
	state     SlotState
	since     time.Time
	deadline  time.Time // offer or after-contact-work timeout; zero: none
	gen       uint64
}

type contact struct {
	Contact
	ch    int
	seq   uint64
	adj   time.Time // EnqueuedAt - AgeAdjust: the routing position
	state ContactState
	line  *line     // waiting or offered: the line counting it
	lvl   *level    // waiting: its level in line
	hidx  int       // index in lvl.h
	aidx  int       // index in line.byAge
	agent *agent    // offered or connected
	pos   *posEntry // counted in a line: its position entry
	// gen invalidates the contact's pending timers when it moves.
	gen      uint64
	deadline time.Time            // offer timeout
	excluded map[string]time.Time // agent → not offered before (reject backoff)
}

func (c *contact) personal() bool { return c.AgentID != "" }

// routingAge is the contact's age for ordering and delays.
func (c *contact) routingAge(now time.Time) time.Duration { return now.Sub(c.adj) }

// excludes reports whether c must not be offered to a now: a recent
// rejection by a, or a still holds a slot for c (after a transfer).
func (c *contact) excludes(a *agent, now time.Time) bool {
	if until, ok := c.excluded[a.cfg.ID]; ok && now.Before(until) {
		return true
	}
	_, held := a.slots[c.ID]
	return held
}

func contactLess(a, b *contact) bool {
	if !a.adj.Equal(b.adj) {
		return a.adj.Before(b.adj)
	}
	return a.seq < b.seq
}

func ageLess(a, b *contact) bool {
	if !a.EnqueuedAt.Equal(b.EnqueuedAt) {
		return a.EnqueuedAt.Before(b.EnqueuedAt)
	}
	return a.seq < b.seq
}

// agentLess orders a pool: fewest contacts, then longest idle, then ID.
func agentLess(a, b *agent) bool {
	if a.load != b.load {
		return a.load < b.load
	}
	if !a.idleSince.Equal(b.idleSince) {
		return a.idleSince.Before(b.idleSince)
	}
	return a.cfg.ID < b.cfg.ID
}

func newPool(ch int) *iheap[*agent] {
	return &iheap[*agent]{less: agentLess, setIndex: func(a *agent, i int) { a.poolIdx[ch] = i }}
}

func newLine(k lineKey, q *queue, personal *agent, stats *queueStats) *line {
	return &line{
		key: k, q: q, personal: personal, stats: stats,
		byAge: iheap[*contact]{less: ageLess, setIndex: func(c *contact, i int) { c.aidx = i }},
	}
}

// lineFor returns (creating it) the line a contact of queue/agent and
// channel waits in.
func (r *Router) lineFor(q *queue, a *agent, ch int) *line {
	if a != nil {
		if a.lines[ch] == nil {
			k := lineKey{agentID: a.cfg.ID, ch: ch}
			a.lines[ch] = newLine(k, nil, a, a.pstats)
			r.lines[k] = a.lines[ch]
		}
		return a.lines[ch]
	}
	if q.lines[ch] == nil {
		k := lineKey{queueID: q.cfg.ID, ch: ch}
		q.lines[ch] = newLine(k, q, nil, q.stats)
		r.lines[k] = q.lines[ch]
	}
	return q.lines[ch]
}

// join counts c in l (waiting or offered) and updates the figures.
func (r *Router) join(l *line, c *contact) {
	c.line = l
	l.byAge.push(c)
	if l.q != nil {
		l.q.inQueue++
	}
	r.lineStats(l, 1)
	r.posJoin(l, c)
}

// leave removes c from l entirely.
func (r *Router) leave(c *contact) {
	l := c.line
	if l == nil {
		return
	}
	if c.lvl != nil {
		r.unwait(c)
	}
	l.byAge.remove(c.aidx)
	if l.q != nil {
		l.q.inQueue--
	}
	c.line = nil
	r.lineStats(l, -1)
	r.posLeave(l, c)
}

// wait puts c (already counted in c.line) among the waiting contacts.
func (r *Router) wait(c *contact) {
	l := c.line
	i, found := slices.BinarySearchFunc(l.levels, c.Priority, func(lv *level, p int) int { return lv.prio - p })
	if !found {
		lv := &level{prio: c.Priority, h: iheap[*contact]{less: contactLess, setIndex: func(c *contact, i int) { c.hidx = i }}}
		l.levels = slices.Insert(l.levels, i, lv)
	}
	c.lvl = l.levels[i]
	c.lvl.h.push(c)
	c.state = ContactWaiting
	r.posWait(c)
}

// unwait takes c out of the waiting contacts (it stays counted in its line).
func (r *Router) unwait(c *contact) {
	lv := c.lvl
	lv.h.remove(c.hidx)
	c.lvl = nil
	r.posUnwait(c)
	if lv.h.Len() == 0 {
		l := c.line
		l.levels = slices.DeleteFunc(l.levels, func(x *level) bool { return x == lv })
	}
}

// lineStats updates a line's contact figures after a contact joined (+1)
// or left (-1).
func (r *Router) lineStats(l *line, delta int64) {
	s := l.stats
	s.ch[l.key.ch].inQueue.Add(delta)
	s.ch[allChannels].inQueue.Add(delta)
	s.ch[l.key.ch].oldest.Store(oldestNanos(l))
	var lines [numChannels]*line
	if l.q != nil {
		lines = l.q.lines
	} else {
		lines = l.personal.lines
	}
	var min int64
	for _, x := range lines {
		if x == nil {
			continue
		}
		if n := oldestNanos(x); n != 0 && (min == 0 || n < min) {
			min = n
		}
	}
	s.ch[allChannels].oldest.Store(min)
}

func oldestNanos(l *line) int64 {
	if c, ok := l.byAge.peek(); ok {
		return c.EnqueuedAt.UnixNano()
	}
	return 0
}

// --- agents ---

// routable reports whether a may be offered anything now.
func (a *agent) routable() bool {
	return a.prof != nil && a.status == StatusAvailable && a.system == SystemNone
}

// canTake reports whether a may be offered a contact on channel ch now:
// routable, a free slot on ch, and no contact on a channel that blocks
// others.
func (a *agent) canTake(ch int) bool {
	if !a.routable() {
		return false
	}
	p := a.prof
	if a.perChan[ch] >= p.limit[ch] {
		return false
	}
	for c, n := range a.perChan {
		if n > 0 && c != ch && !p.allowOthers[c] {
			return false
		}
	}
	return true
}

func (a *agent) addSlot(s *slot) {
	a.slots[s.contactID] = s
	a.perChan[s.ch]++
	a.load++
}

func (a *agent) dropSlot(s *slot) {
	delete(a.slots, s.contactID)
	a.perChan[s.ch]--
	a.load--
}

// refresh re-files a after any change to its state: its place in its
// profile's pools and its contribution to the queue figures.
func (r *Router) refresh(a *agent) {
	if p := a.prof; p != nil {
		for ch := range numChannels {
			pool := p.pools[ch]
			if pool == nil {
				continue
			}
			want := a.canTake(ch)
			in := a.poolIdx[ch] >= 0
			switch {
			case want && !in:
				pool.push(a)
			case !want && in:
				pool.remove(a.poolIdx[ch])
			case want && in:
				pool.fix(a.poolIdx[ch])
			}
		}
	}
	r.contribute(a)
}

// unpool takes a out of every pool of its profile.
func (a *agent) unpool() {
	if a.prof == nil {
		return
	}
	for ch := range numChannels {
		if a.poolIdx[ch] >= 0 {
			a.prof.pools[ch].remove(a.poolIdx[ch])
		}
	}
}
