package routing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The command handlers below run on the loop. Each keeps the invariant of
// match.go: after mutating an agent it calls refresh(a) before anything is
// matched, and it ends by routing the contacts and filling the agents the
// change concerns.

// --- configuration ---

func (r *Router) upsertQueue(cfg Queue) {
	q := r.queues[cfg.ID]
	if q == nil {
		q = &queue{stats: r.queueStats(cfg.ID)}
		r.queues[cfg.ID] = q
	}
	q.cfg = cfg
}

func (r *Router) removeQueue(id string) error {
	q := r.queues[id]
	if q == nil {
		return fmt.Errorf("%w %s", ErrUnknownQueue, id)
	}
	if q.inQueue > 0 {
		return fmt.Errorf("%w: %s holds %d contacts", ErrQueueNotEmpty, id, q.inQueue)
	}
	for _, c := range r.contacts { // connected contacts may come back to it
		if c.QueueID == id {
			return fmt.Errorf("%w: contact %s from %s is with an agent", ErrQueueNotEmpty, c.ID, id)
		}
	}
	for _, l := range q.lines {
		if l != nil {
			delete(r.lines, l.key)
		}
	}
	delete(r.queues, id)
	return nil
}

func buildProfile(cfg Profile) *profile {
	p := &profile{cfg: cfg, agents: map[string]*agent{}}
	for _, c := range cfg.Channels {
		ch := chanIndex(c.Channel)
		p.limit[ch] = c.Concurrency
		p.allowOthers[ch] = c.AllowOtherChannels
	}
	for ch := range numChannels {
		if p.limit[ch] > 0 {
			p.chans = append(p.chans, ch)
			p.pools[ch] = newPool(ch)
		}
	}
	byQueue := map[string]int{}
	for _, q := range cfg.Queues {
		ch := chanIndex(q.Channel)
		if p.limit[ch] == 0 {
			continue // the profile's agents never take this channel
		}
		p.entries[ch] = append(p.entries[ch], entry{queueID: q.QueueID, prio: q.Priority, delay: q.Delay})
		i, ok := byQueue[q.QueueID]
		if !ok {
			i = len(p.queues)
			byQueue[q.QueueID] = i
			p.queues = append(p.queues, profileQueue{queueID: q.QueueID})
		}
		p.queues[i].chans = append(p.queues[i].chans, ch)
	}
	for ch := range numChannels {
		slices.SortStableFunc(p.entries[ch], func(a, b entry) int { return cmp.Compare(a.prio, b.prio) })
	}
	return p
}

func (r *Router) upsertProfile(cfg Profile) {
	np := buildProfile(cfg)
	if old := r.profiles[cfg.ID]; old != nil {
		for id, a := range old.agents {
			a.unpool()
			a.prof = np
			np.agents[id] = a
		}
	}
	r.profiles[cfg.ID] = np
	r.rebuildIndex()
	// Delays may have changed: time the waiting contacts of the profile's
	// queues again (timers already set stay harmless).
	for ch := range numChannels {
		for _, e := range np.entries[ch] {
			if l := r.lines[lineKey{queueID: e.queueID, ch: ch}]; l != nil {
				for _, lv := range l.levels {
					for _, c := range lv.h.items {
						r.scheduleDelays(c)
					}
				}
			}
		}
	}
	agents := make([]*agent, 0, len(np.agents))
	for _, a := range np.agents {
		r.refresh(a)
		agents = append(agents, a)
	}
	r.fillAll(agents)
}

func (r *Router) removeProfile(id string) error {
	p := r.profiles[id]
	if p == nil {
		return fmt.Errorf("%w %s", ErrUnknownProfile, id)
	}
	if n := len(p.agents); n > 0 {
		return fmt.Errorf("%w: %s has %d agents", ErrProfileInUse, id, n)
	}
	delete(r.profiles, id)
	r.rebuildIndex()
	return nil
}

// rebuildIndex recomputes which profiles serve each queue×channel.
func (r *Router) rebuildIndex() {
	r.qcIndex = map[lineKey][]profileRef{}
	for _, p := range r.profiles {
		for ch := range numChannels {
			for _, e := range p.entries[ch] {
				k := lineKey{queueID: e.queueID, ch: ch}
				r.qcIndex[k] = append(r.qcIndex[k], profileRef{p: p, prio: e.prio, delay: e.delay})
			}
		}
	}
}

func newAgent(cfg Agent, now time.Time, stats *queueStats) *agent {
	return &agent{
		cfg: cfg, status: StatusOffline, statusSince: now, idleSince: now,
		slots: map[string]*slot{}, poolIdx: [numChannels]int{-1, -1, -1}, pstats: stats,
	}
}

func (r *Router) upsertAgent(cfg Agent) error {
	var p *profile
	if cfg.ProfileID != "" {
		if p = r.profiles[cfg.ProfileID]; p == nil {
			return fmt.Errorf("%w %s for agent %s", ErrUnknownProfile, cfg.ProfileID, cfg.ID)
		}
	}
	a := r.agents[cfg.ID]
	if a == nil {
		a = newAgent(cfg, r.now, r.agentStats(cfg.ID))
		r.agents[cfg.ID] = a
	} else {
		a.unpool()
		if a.prof != nil {
			delete(a.prof.agents, cfg.ID)
		}
		a.cfg = cfg
	}
	a.prof = p
	if p != nil {
		p.agents[cfg.ID] = a
	}
	r.refresh(a)
	r.fill(a)
	return nil
}

func (r *Router) removeAgent(id string) error {
	a := r.agents[id]
	if a == nil {
		return fmt.Errorf("%w %s", ErrUnknownAgent, id)
	}
	for _, s := range a.slots {
		if s.state != SlotPending {
			return fmt.Errorf("%w: %s holds contact %s (%s)", ErrAgentBusy, id, s.contactID, s.state)
		}
	}
	for _, c := range r.contacts {
		if c.AgentID == id {
			return fmt.Errorf("%w: contact %s is in %s's personal queue", ErrAgentBusy, c.ID, id)
		}
	}
	back := r.withdrawOffers(a, ReasonAgentRemoved)
	a.unpool()
	if a.prof != nil {
		delete(a.prof.agents, id)
	}
	a.prof = nil
	a.status = StatusOffline
	a.system = SystemNone
	r.contribute(a) // withdraws its figures
	for _, l := range a.lines {
		if l != nil {
			delete(r.lines, l.key)
		}
	}
	delete(r.agents, id)
	r.stats.Load().agents.Delete(id)
	r.agentEvent(a, ReasonAgentRemoved)
	for _, c := range back {
		r.route(c)
	}
	return nil
}

// --- agents ---

// withdrawOffers takes back a's pending offers and queues their contacts
// again (to be routed by the caller once a is refreshed).
func (r *Router) withdrawOffers(a *agent, reason string) []*contact {
	var back []*contact
	for _, s := range sortedSlots(a) {
		if s.state != SlotPending {
			continue
		}
		c := r.contacts[s.contactID]
		a.dropSlot(s)
		ev := r.slotEvent(EventOfferRescinded, a, s)
		ev.Reason = reason
		r.emit(ev)
		r.requeue(c, ReasonRescinded)
		back = append(back, c)
	}
	r.refresh(a)
	return back
}

func (r *Router) setStatus(id, status string) error {
	a := r.agents[id]
	if a == nil {
		return fmt.Errorf("%w %s", ErrUnknownAgent, id)
	}
	if !validStatus(status, r.custom) {
		return fmt.Errorf("%w %q", ErrUnknownStatus, status)
	}
	wasRoutable := a.routable()
	changed := a.status != status || a.system != SystemNone
	a.status = status
	a.system = SystemNone
	if changed {
		a.statusSince = r.now
	}
	if !wasRoutable && a.routable() {
		a.idleSince = r.now
	}
	var back []*contact
	if status != StatusAvailable {
		back = r.withdrawOffers(a, ReasonAgentUnavailable)
	}
	if changed {
		r.agentEvent(a, "")
	}
	r.refresh(a)
	for _, c := range back {
		r.route(c)
	}
	r.fill(a)
	return nil
}

// offered returns agent a and contact c offered to it.
func (r *Router) offered(agentID, contactID string) (*agent, *contact, error) {
	a := r.agents[agentID]
	if a == nil {
		return nil, nil, fmt.Errorf("%w %s", ErrUnknownAgent, agentID)
	}
	c := r.contacts[contactID]
	if c == nil || c.state != ContactOffered || c.agent != a {
		return nil, nil, fmt.Errorf("%w: contact %s, agent %s", ErrNoOffer, contactID, agentID)
	}
	return a, c, nil
}

func (r *Router) accept(agentID, contactID string) error {
	a, c, err := r.offered(agentID, contactID)
	if err != nil {
		return err
	}
	r.connect(a, c, a.slots[c.ID])
	r.refresh(a)
	return nil
}

func (r *Router) reject(agentID, contactID string) error {
	a, c, err := r.offered(agentID, contactID)
	if err != nil {
		return err
	}
	s := a.slots[c.ID]
	a.dropSlot(s)
	r.emit(r.slotEvent(EventRejected, a, s))
	until := r.now.Add(r.cfg.RejectBackoff)
	if c.excluded == nil {
		c.excluded = map[string]time.Time{}
	}
	c.excluded[a.cfg.ID] = until
	r.requeue(c, ReasonRejected)
	r.schedule(timerBackoff, until, c.ID, a.cfg.ID, c.gen)
	r.refresh(a)
	r.route(c)
	r.fill(a)
	return nil
}

// missed handles an offer timeout.
func (r *Router) missed(c *contact) {
	a := c.agent
	s := a.slots[c.ID]
	a.dropSlot(s)
	r.emit(r.slotEvent(EventMissed, a, s))
	a.system = SystemMissed
	a.statusSince = r.now
	r.agentEvent(a, ReasonMissed)
	r.requeue(c, ReasonMissed)
	r.refresh(a)
	r.route(c)
}

func (r *Router) contactError(agentID, contactID string) error {
	a := r.agents[agentID]
	if a == nil {
		return fmt.Errorf("%w %s", ErrUnknownAgent, agentID)
	}
	c := r.contacts[contactID]
	if c == nil || c.agent != a {
		return fmt.Errorf("%w: contact %s, agent %s", ErrNoOffer, contactID, agentID)
	}
	s := a.slots[c.ID]
	a.dropSlot(s)
	r.emit(r.slotEvent(EventContactError, a, s))
	a.system = SystemError
	a.statusSince = r.now
	r.agentEvent(a, ReasonError)
	r.requeue(c, ReasonError)
	r.refresh(a)
	r.route(c)
	return nil
}

// startACW puts a's slot s (whose contact ended or left) in after-contact
// work, or frees it at once for an agent without after-contact work. The
// caller fills a.
func (r *Router) startACW(a *agent, s *slot) {
	s.state = SlotAfterContactWork
	s.since = r.now
	s.gen = r.next()
	s.deadline = time.Time{}
	if t := a.cfg.ACWTimeout; t > 0 {
		s.deadline = r.now.Add(t)
		r.schedule(timerACW, s.deadline, s.contactID, a.cfg.ID, s.gen)
	}
	ev := r.slotEvent(EventACWStarted, a, s)
	ev.Deadline = s.deadline
	r.emit(ev)
	if a.cfg.ACWTimeout < 0 {
		r.endACW(a, s, ReasonNone)
		return
	}
	r.refresh(a)
}

func (r *Router) endACW(a *agent, s *slot, reason string) {
	a.dropSlot(s)
	a.idleSince = r.now
	ev := r.slotEvent(EventACWEnded, a, s)
	ev.Reason = reason
	r.emit(ev)
	r.refresh(a)
}

func (r *Router) completeACW(agentID, contactID, reason string) error {
	a := r.agents[agentID]
	if a == nil {
		return fmt.Errorf("%w %s", ErrUnknownAgent, agentID)
	}
	s := a.slots[contactID]
	if s == nil || s.state != SlotAfterContactWork {
		return fmt.Errorf("%w: agent %s, contact %s", ErrNoAfterContactWork, agentID, contactID)
	}
	r.endACW(a, s, reason)
	r.fill(a)
	return nil
}

// --- contacts ---

func (r *Router) enqueue(in Contact) error {
	if r.contacts[in.ID] != nil {
		return fmt.Errorf("%w: %s", ErrDuplicateContact, in.ID)
	}
	ch := chanIndex(in.Channel)
	q, a, err := r.target(Target{QueueID: in.QueueID, AgentID: in.AgentID}, ch, nil)
	if err != nil {
		return fmt.Errorf("contact %s: %w", in.ID, err)
	}
	if in.EnqueuedAt.IsZero() {
		in.EnqueuedAt = r.now
	}
	if in.Priority == 0 {
		in.Priority = DefaultPriority
	}
	c := &contact{
		Contact: in, ch: ch, seq: r.next(), adj: in.EnqueuedAt.Add(-in.AgeAdjust),
		hidx: -1, aidx: -1,
	}
	r.contacts[c.ID] = c
	r.join(r.lineFor(q, a, ch), c)
	r.wait(c)
	ev := r.contactEvent(EventQueued, nil, c)
	ev.Reason = ReasonNew
	r.emit(ev)
	r.scheduleDelays(c)
	r.route(c)
	return nil
}

// target checks that a contact on channel ch may be put in to's queue or
// personal queue. self is a contact already counted there (a transfer to
// its own queue), which does not count against the capacity.
func (r *Router) target(to Target, ch int, self *contact) (*queue, *agent, error) {
	if to.AgentID != "" {
		a := r.agents[to.AgentID]
		if a == nil {
			return nil, nil, fmt.Errorf("%w %s", ErrUnknownAgent, to.AgentID)
		}
		if a.prof == nil || a.prof.limit[ch] == 0 {
			return nil, nil, fmt.Errorf("%w: agent %s, channel %s", ErrChannelNotHandled, to.AgentID, channels[ch])
		}
		return nil, a, nil
	}
	q := r.queues[to.QueueID]
	if q == nil {
		return nil, nil, fmt.Errorf("%w %s", ErrUnknownQueue, to.QueueID)
	}
	if q.cfg.Disabled {
		return nil, nil, fmt.Errorf("%w: %s", ErrQueueDisabled, to.QueueID)
	}
	if limit := q.cfg.MaxContacts; limit > 0 {
		n := q.inQueue
		if self != nil && self.line != nil && self.line.q == q {
			n--
		}
		if n >= limit {
			return nil, nil, fmt.Errorf("%w: %s holds %d", ErrQueueAtCapacity, to.QueueID, limit)
		}
	}
	return q, nil, nil
}

func (r *Router) endContact(id string) error {
	c := r.contacts[id]
	if c == nil {
		return fmt.Errorf("%w %s", ErrUnknownContact, id)
	}
	switch c.state {
	case ContactWaiting:
		r.leave(c)
		delete(r.contacts, id)
		ev := r.contactEvent(EventDequeued, nil, c)
		ev.Reason = ReasonEnded
		r.emit(ev)
	case ContactOffered:
		a := c.agent
		s := a.slots[id]
		a.dropSlot(s)
		ev := r.slotEvent(EventOfferRescinded, a, s)
		ev.Reason = ReasonEnded
		r.emit(ev)
		r.leave(c)
		delete(r.contacts, id)
		ev = r.contactEvent(EventDequeued, nil, c)
		ev.Reason = ReasonEnded
		r.emit(ev)
		r.refresh(a)
		r.fill(a)
	case ContactConnected:
		a := c.agent
		delete(r.contacts, id)
		r.startACW(a, a.slots[id])
		r.fill(a)
	}
	return nil
}

func (r *Router) transfer(id string, to Target) error {
	c := r.contacts[id]
	if c == nil {
		return fmt.Errorf("%w %s", ErrUnknownContact, id)
	}
	q, ta, err := r.target(to, c.ch, c)
	if err != nil {
		return fmt.Errorf("transfer of %s: %w", id, err)
	}
	from := c.agent
	switch c.state {
	case ContactWaiting:
		r.leave(c)
	case ContactOffered:
		s := from.slots[id]
		from.dropSlot(s)
		ev := r.slotEvent(EventOfferRescinded, from, s)
		ev.Reason = ReasonTransfer
		r.emit(ev)
		r.leave(c)
		r.refresh(from)
	case ContactConnected:
		// The agent wraps up; while it holds the slot it is never
		// offered this contact again (contact.excludes).
		r.startACW(from, from.slots[id])
	}
	c.agent = nil
	c.QueueID, c.AgentID = to.QueueID, to.AgentID
	c.excluded = nil
	r.join(r.lineFor(q, ta, c.ch), c)
	c.gen++
	r.wait(c)
	ev := r.contactEvent(EventQueued, nil, c)
	ev.Reason = ReasonTransfer
	r.emit(ev)
	r.scheduleDelays(c)
	r.route(c)
	if from != nil {
		r.fill(from)
	}
	return nil
}

func (r *Router) updateRouting(id string, u RoutingUpdate) error {
	c := r.contacts[id]
	if c == nil {
		return fmt.Errorf("%w %s", ErrUnknownContact, id)
	}
	if c.state == ContactConnected {
		return fmt.Errorf("%w: %s", ErrNotQueued, id)
	}
	waiting := c.state == ContactWaiting
	if waiting {
		r.unwait(c)
	}
	if u.Priority != nil {
		c.Priority = *u.Priority
	}
	if u.AgeAdjust != nil {
		c.AgeAdjust = *u.AgeAdjust
		c.adj = c.EnqueuedAt.Add(-c.AgeAdjust)
	}
	if waiting {
		c.gen++
		r.wait(c)
		r.scheduleDelays(c)
		r.route(c)
	}
	return nil
}

// sortedSlots returns a's slots in a stable order (by contact ID), so that
// events come out the same way every run.
func sortedSlots(a *agent) []*slot {
	out := make([]*slot, 0, len(a.slots))
	for _, s := range a.slots {
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y *slot) int { return cmp.Compare(x.contactID, y.contactID) })
	return out
}

func sortAgents(as []*agent) {
	slices.SortFunc(as, func(a, b *agent) int {
		switch {
		case agentLess(a, b):
			return -1
		case agentLess(b, a):
			return 1
		}
		return 0
	})
}
