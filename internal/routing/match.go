package routing

import "time"

// Matching. Every change that could create a matchable pair calls one of
// two entry points, which restore the invariant "no agent able to take a
// contact is left beside a contact eligible for it":
//
//   - fill(a), when agent a may have gained room (status, slot freed,
//     profile change): a is offered its best contacts until it is full or
//     none is eligible. Since no other agent could take those contacts
//     before (the invariant), a is the right agent for them.
//   - route(c), when contact c may have become eligible for someone
//     (queued, returned, delay reached, backoff over): the best agent for
//     c is found and filled. That agent had no eligible contact before, so
//     c is normally what it gets; if it prefers another contact that became
//     eligible at the same instant, c tries the next agent.
//
// The cost of a decision is a few heap peeks per profile entry (fill) or
// per profile serving the queue (route), independent of how many contacts
// wait or how many agents are idle.

// bestContactFor returns the contact agent a should be offered next: over
// the channels a can take, its personal queue (priority 0) and its
// profile's queues, the lowest profile priority, then contact priority,
// then oldest routing age, among contacts whose age has reached the
// queue's delay. Nil if none.
func (r *Router) bestContactFor(a *agent) *contact {
	if !a.routable() {
		return nil
	}
	var best *contact
	bestPrio := 0
	consider := func(prio int, c *contact) {
		if c == nil {
			return
		}
		if best == nil || prio < bestPrio ||
			prio == bestPrio && (c.Priority < best.Priority ||
				c.Priority == best.Priority && contactLess(c, best)) {
			best, bestPrio = c, prio
		}
	}
	for ch := range numChannels {
		if !a.canTake(ch) {
			continue
		}
		if l := a.lines[ch]; l != nil {
			consider(0, r.firstEligible(l, a, 0))
		}
		for _, e := range a.prof.entries[ch] {
			if best != nil && e.prio > bestPrio {
				break // entries are sorted by priority
			}
			q := r.queues[e.queueID]
			if q == nil || q.lines[ch] == nil {
				continue
			}
			consider(e.prio, r.firstEligible(q.lines[ch], a, e.delay))
		}
	}
	return best
}

// firstEligible returns the best waiting contact of l that may be offered
// to a with the given delay: the first contact priority level whose oldest
// contact not excluded for a is old enough. (Within a level, contacts are
// ordered by routing age, so if that one is too young, all are.)
func (r *Router) firstEligible(l *line, a *agent, delay time.Duration) *contact {
	now := r.now
	for _, lv := range l.levels {
		c, ok := lv.h.first(func(c *contact) bool { return !c.excludes(a, now) })
		if ok && c.routingAge(now) >= delay {
			return c
		}
	}
	return nil
}

// bestAgentFor returns the agent c should go to: among the agents able to
// take c's channel whose profile serves c's queue with a delay c's routing
// age has reached, the one with the fewest contacts, then the longest idle.
// Nil if none.
func (r *Router) bestAgentFor(c *contact) *agent {
	now := r.now
	l := c.line
	if c.personal() {
		if a := l.personal; a.canTake(c.ch) && !c.excludes(a, now) {
			return a
		}
		return nil
	}
	var best *agent
	age := c.routingAge(now)
	for _, ref := range r.qcIndex[l.key] {
		if ref.delay > age {
			continue
		}
		pool := ref.p.pools[c.ch]
		if pool == nil {
			continue
		}
		a, ok := pool.first(func(a *agent) bool { return !c.excludes(a, now) && a.canTake(c.ch) })
		if ok && (best == nil || agentLess(a, best)) {
			best = a
		}
	}
	return best
}

// route offers waiting contact c to the best agent for it, if any.
func (r *Router) route(c *contact) {
	for c.state == ContactWaiting {
		a := r.bestAgentFor(c)
		if a == nil {
			return
		}
		if !r.fill(a) {
			// bestAgentFor found an agent for c, so bestContactFor must
			// find c or better for it: reaching here is a bug.
			r.log.Error("routing: agent able to take a contact was offered nothing",
				"agent", a.cfg.ID, "contact", c.ID)
			return
		}
	}
}

// fill offers a its best contacts until it is full or none is eligible,
// and reports whether it offered anything.
func (r *Router) fill(a *agent) bool {
	offered := false
	for {
		c := r.bestContactFor(a)
		if c == nil {
			return offered
		}
		r.offer(a, c)
		offered = true
	}
}

// fillAll fills the given agents in routing order (fewest contacts, longest
// idle first), after a change that may concern many of them.
func (r *Router) fillAll(agents []*agent) {
	sortAgents(agents)
	for _, a := range agents {
		r.fill(a)
	}
}

// offer gives waiting contact c to agent a, which can take it.
func (r *Router) offer(a *agent, c *contact) {
	r.unwait(c)
	c.state = ContactOffered
	c.agent = a
	c.gen++
	s := &slot{
		contactID: c.ID, ch: c.ch, queueID: c.QueueID, personal: c.personal(),
		state: SlotPending, since: r.now, gen: r.next(),
	}
	a.addSlot(s)
	a.idleSince = r.now // handling a contact sends the agent to the back
	ev := r.contactEvent(EventOffered, a, c)
	ev.AutoAccepted = a.cfg.AutoAccept
	if a.cfg.AutoAccept {
		r.emit(ev)
		r.connect(a, c, s)
	} else {
		c.deadline = r.now.Add(r.cfg.OfferTimeout)
		s.deadline = c.deadline
		ev.Deadline = c.deadline
		r.emit(ev)
		r.schedule(timerOffer, c.deadline, c.ID, a.cfg.ID, c.gen)
	}
	r.refresh(a)
}

// connect turns a's offer of c into a connected contact. The caller
// refreshes a.
func (r *Router) connect(a *agent, c *contact, s *slot) {
	if c.line != nil {
		r.answered(c.line)
	}
	r.leave(c)
	c.state = ContactConnected
	c.deadline = time.Time{}
	c.gen++
	s.state = SlotConnected
	s.since = r.now
	s.deadline = time.Time{}
	ev := r.contactEvent(EventConnected, a, c)
	ev.AutoAccepted = a.cfg.AutoAccept
	r.emit(ev)
}

// requeue puts an offered or connected contact back in its line at its
// place (its routing age is unchanged). The caller has dropped the agent's
// slot, and routes c once the agents involved are refreshed.
func (r *Router) requeue(c *contact, reason string) {
	if c.line == nil {
		var q *queue
		var a *agent
		if c.personal() {
			a = r.agents[c.AgentID]
		} else {
			q = r.queues[c.QueueID]
		}
		r.join(r.lineFor(q, a, c.ch), c)
	}
	c.agent = nil
	c.deadline = time.Time{}
	c.gen++
	r.wait(c)
	ev := r.contactEvent(EventQueued, nil, c)
	ev.Reason = reason
	r.emit(ev)
	r.scheduleDelays(c)
}

// scheduleDelays sets a timer for each profile delay c's routing age has
// not reached yet, when it will: c becomes eligible for more agents then.
func (r *Router) scheduleDelays(c *contact) {
	if c.personal() || c.line == nil {
		return
	}
	age := c.routingAge(r.now)
	var seen [8]time.Duration
	n := 0
refs:
	for _, ref := range r.qcIndex[c.line.key] {
		if ref.delay <= age {
			continue
		}
		for _, d := range seen[:min(n, len(seen))] {
			if d == ref.delay {
				continue refs
			}
		}
		if n < len(seen) {
			seen[n] = ref.delay
		}
		n++
		r.schedule(timerDelay, c.adj.Add(ref.delay), c.ID, "", c.gen)
	}
}

// contactEvent starts an event about c (and a, if not nil).
func (r *Router) contactEvent(t EventType, a *agent, c *contact) Event {
	e := Event{
		Type: t, ContactID: c.ID, QueueID: c.QueueID, PersonalQueue: c.personal(),
		Channel: channels[c.ch],
	}
	if a != nil {
		e.AgentID = a.cfg.ID
	}
	return e
}

// slotEvent starts an event about a's slot s.
func (r *Router) slotEvent(t EventType, a *agent, s *slot) Event {
	return Event{
		Type: t, AgentID: a.cfg.ID, ContactID: s.contactID, QueueID: s.queueID,
		PersonalQueue: s.personal, Channel: channels[s.ch],
	}
}

func (r *Router) agentEvent(a *agent, reason string) {
	r.emit(Event{Type: EventAgentState, AgentID: a.cfg.ID, Status: a.status, System: a.system, Reason: reason})
}

func (r *Router) next() uint64 {
	r.nextSeq++
	return r.nextSeq
}
