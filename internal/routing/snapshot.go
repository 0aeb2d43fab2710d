package routing

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Snapshot is the router's whole state: configuration, agents' states and
// the contacts it holds. It is plain data (JSON-encodable) so the wiring
// step can keep it or rebuild it from the store, and give it to Restore on
// the process that takes the instance's lease over.
type Snapshot struct {
	Time           time.Time         `json:"time"`
	CustomStatuses []string          `json:"customStatuses,omitempty"`
	Queues         []Queue           `json:"queues"`
	Profiles       []Profile         `json:"profiles"`
	Agents         []AgentSnapshot   `json:"agents"`
	Contacts       []ContactSnapshot `json:"contacts"`
}

// AgentSnapshot is an agent's settings and state.
type AgentSnapshot struct {
	Agent
	Status      string      `json:"status"`
	System      SystemState `json:"system,omitempty"`
	StatusSince time.Time   `json:"statusSince"`
	// IdleSince orders agents for offers (earliest first).
	IdleSince time.Time      `json:"idleSince"`
	Slots     []SlotSnapshot `json:"slots,omitempty"`
}

// SlotSnapshot is one contact an agent holds.
type SlotSnapshot struct {
	ContactID     string    `json:"contactId"`
	Channel       string    `json:"channel"`
	QueueID       string    `json:"queueId,omitempty"`
	PersonalQueue bool      `json:"personalQueue,omitempty"`
	State         SlotState `json:"state"`
	Since         time.Time `json:"since"`
	// Deadline is when the offer or after-contact work times out.
	Deadline time.Time `json:"deadline,omitzero"`
}

// ContactSnapshot is a contact the router holds: waiting, offered or
// connected. Contacts that ended are gone (their agents' slots remain in
// after-contact work).
type ContactSnapshot struct {
	Contact
	State ContactState `json:"state"`
	// AssignedTo is the agent the contact is offered or connected to.
	AssignedTo string `json:"assignedTo,omitempty"`
	// OfferDeadline is when an offer times out; zero: never (auto-accept).
	OfferDeadline time.Time `json:"offerDeadline,omitzero"`
	// Excluded lists agents the contact is not offered to before a time
	// (rejections).
	Excluded map[string]time.Time `json:"excluded,omitempty"`
}

// QueueStatus is a queue's settings with its current figures.
type QueueStatus struct {
	Queue
	// Open says whether the queue's hours are open now.
	Open bool `json:"open"`
	// InQueue counts contacts waiting or being offered; Waiting only the
	// former.
	InQueue int `json:"inQueue"`
	Waiting int `json:"waiting"`
}

// State returns a snapshot of the router: agents sorted by ID, contacts in
// the order they were routed.
func (r *Router) State(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	err := r.do(ctx, func() error { s = r.snapshot(); return nil })
	return s, err
}

// Agent returns one agent's state.
func (r *Router) Agent(ctx context.Context, id string) (AgentSnapshot, error) {
	var s AgentSnapshot
	err := r.do(ctx, func() error {
		a := r.agents[id]
		if a == nil {
			return fmt.Errorf("%w %s", ErrUnknownAgent, id)
		}
		s = agentSnapshot(a)
		return nil
	})
	return s, err
}

// Contact returns one contact's state.
func (r *Router) Contact(ctx context.Context, id string) (ContactSnapshot, error) {
	var s ContactSnapshot
	err := r.do(ctx, func() error {
		c := r.contacts[id]
		if c == nil {
			return fmt.Errorf("%w %s", ErrUnknownContact, id)
		}
		s = contactSnapshot(c)
		return nil
	})
	return s, err
}

// QueueStatus returns a queue's settings and figures.
func (r *Router) QueueStatus(ctx context.Context, id string) (QueueStatus, error) {
	var s QueueStatus
	err := r.do(ctx, func() error {
		q := r.queues[id]
		if q == nil {
			return fmt.Errorf("%w %s", ErrUnknownQueue, id)
		}
		s = QueueStatus{Queue: q.cfg, Open: q.cfg.Hours == nil || q.cfg.Hours.IsOpen(r.now), InQueue: q.inQueue}
		for _, l := range q.lines {
			if l != nil {
				for _, lv := range l.levels {
					s.Waiting += lv.h.Len()
				}
			}
		}
		return nil
	})
	return s, err
}

func (r *Router) snapshot() Snapshot {
	s := Snapshot{Time: r.now, CustomStatuses: slices.Clone(r.custom)}
	for _, id := range slices.Sorted(maps.Keys(r.queues)) {
		s.Queues = append(s.Queues, r.queues[id].cfg)
	}
	for _, id := range slices.Sorted(maps.Keys(r.profiles)) {
		s.Profiles = append(s.Profiles, r.profiles[id].cfg)
	}
	for _, id := range slices.Sorted(maps.Keys(r.agents)) {
		s.Agents = append(s.Agents, agentSnapshot(r.agents[id]))
	}
	cs := slices.Collect(maps.Values(r.contacts))
	slices.SortFunc(cs, func(a, b *contact) int { return cmp.Compare(a.seq, b.seq) })
	for _, c := range cs {
		s.Contacts = append(s.Contacts, contactSnapshot(c))
	}
	return s
}

func agentSnapshot(a *agent) AgentSnapshot {
	s := AgentSnapshot{
		Agent: a.cfg, Status: a.status, System: a.system,
		StatusSince: a.statusSince, IdleSince: a.idleSince,
	}
	for _, sl := range sortedSlots(a) {
		s.Slots = append(s.Slots, SlotSnapshot{
			ContactID: sl.contactID, Channel: channels[sl.ch], QueueID: sl.queueID,
			PersonalQueue: sl.personal, State: sl.state, Since: sl.since, Deadline: sl.deadline,
		})
	}
	return s
}

func contactSnapshot(c *contact) ContactSnapshot {
	s := ContactSnapshot{Contact: c.Contact, State: c.state, OfferDeadline: c.deadline}
	if c.agent != nil {
		s.AssignedTo = c.agent.cfg.ID
	}
	if len(c.excluded) > 0 {
		s.Excluded = maps.Clone(c.excluded)
	}
	return s
}

// Restore replaces the router's whole state with s and routes what can be
// routed (offers made now are emitted; the restored state itself is not).
// Timers resume from the snapshot's deadlines: an offer whose deadline has
// passed is missed at once. On an invalid snapshot the state is unchanged.
func (r *Router) Restore(ctx context.Context, s Snapshot) error {
	if err := validateSnapshot(&s); err != nil {
		return err
	}
	return r.do(ctx, func() error { r.restore(&s); return nil })
}

// validateSnapshot checks s is consistent: every reference resolves and
// every offered or connected contact matches one slot of its agent.
func validateSnapshot(s *Snapshot) error {
	queues := map[string]bool{}
	for i := range s.Queues {
		if err := s.Queues[i].validate(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		queues[s.Queues[i].ID] = true
	}
	profiles := map[string]bool{}
	for i := range s.Profiles {
		if err := s.Profiles[i].validate(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		profiles[s.Profiles[i].ID] = true
	}
	type slotRef struct{ agent, contact string }
	type slotInfo struct {
		state   SlotState
		channel string
	}
	slots := map[slotRef]slotInfo{}
	agents := map[string]bool{}
	for i := range s.Agents {
		a := &s.Agents[i]
		if err := a.validate(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		if agents[a.ID] {
			return fmt.Errorf("%w snapshot: agent %s twice", ErrInvalid, a.ID)
		}
		agents[a.ID] = true
		if a.ProfileID != "" && !profiles[a.ProfileID] {
			return fmt.Errorf("%w snapshot: agent %s: %w %s", ErrInvalid, a.ID, ErrUnknownProfile, a.ProfileID)
		}
		if a.Status == "" { // a custom status since removed is kept
			return fmt.Errorf("%w snapshot: agent %s has no status", ErrInvalid, a.ID)
		}
		switch a.System {
		case SystemNone, SystemMissed, SystemError:
		default:
			return fmt.Errorf("%w snapshot: agent %s system state %q", ErrInvalid, a.ID, a.System)
		}
		for _, sl := range a.Slots {
			if chanIndex(sl.Channel) < 0 || sl.ContactID == "" {
				return fmt.Errorf("%w snapshot: agent %s slot %q/%q", ErrInvalid, a.ID, sl.ContactID, sl.Channel)
			}
			switch sl.State {
			case SlotPending, SlotConnected, SlotAfterContactWork:
			default:
				return fmt.Errorf("%w snapshot: agent %s slot state %q", ErrInvalid, a.ID, sl.State)
			}
			k := slotRef{a.ID, sl.ContactID}
			if _, dup := slots[k]; dup {
				return fmt.Errorf("%w snapshot: agent %s holds %s twice", ErrInvalid, a.ID, sl.ContactID)
			}
			slots[k] = slotInfo{sl.State, sl.Channel}
		}
	}
	contacts := map[string]bool{}
	for i := range s.Contacts {
		c := &s.Contacts[i]
		if err := c.validate(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		if contacts[c.ID] {
			return fmt.Errorf("%w snapshot: contact %s twice", ErrInvalid, c.ID)
		}
		contacts[c.ID] = true
		if c.QueueID != "" && !queues[c.QueueID] {
			return fmt.Errorf("%w snapshot: contact %s: %w %s", ErrInvalid, c.ID, ErrUnknownQueue, c.QueueID)
		}
		if c.AgentID != "" && !agents[c.AgentID] {
			return fmt.Errorf("%w snapshot: contact %s: %w %s", ErrInvalid, c.ID, ErrUnknownAgent, c.AgentID)
		}
		var want SlotState
		switch c.State {
		case ContactWaiting:
			if c.AssignedTo != "" {
				return fmt.Errorf("%w snapshot: waiting contact %s assigned to %s", ErrInvalid, c.ID, c.AssignedTo)
			}
			continue
		case ContactOffered:
			want = SlotPending
		case ContactConnected:
			want = SlotConnected
		default:
			return fmt.Errorf("%w snapshot: contact %s state %q", ErrInvalid, c.ID, c.State)
		}
		k := slotRef{c.AssignedTo, c.ID}
		if got, ok := slots[k]; !ok || got.state != want || got.channel != c.Channel {
			return fmt.Errorf("%w snapshot: contact %s is %s but agent %q has no %s slot for it",
				ErrInvalid, c.ID, c.State, c.AssignedTo, want)
		}
		delete(slots, k)
	}
	for k, sl := range slots {
		if sl.state != SlotAfterContactWork {
			return fmt.Errorf("%w snapshot: agent %s holds %s slot for unknown contact %s", ErrInvalid, k.agent, sl.state, k.contact)
		}
	}
	return nil
}

func (r *Router) restore(s *Snapshot) {
	r.reset()
	r.custom = slices.Clone(s.CustomStatuses)
	for _, q := range s.Queues {
		r.upsertQueue(q)
	}
	for _, p := range s.Profiles {
		r.profiles[p.ID] = buildProfile(p)
	}
	r.rebuildIndex()
	for _, as := range s.Agents {
		a := newAgent(as.Agent, r.now, r.agentStats(as.ID))
		a.status, a.system = as.Status, as.System
		a.statusSince, a.idleSince = as.StatusSince, as.IdleSince
		if as.ProfileID != "" {
			a.prof = r.profiles[as.ProfileID]
			a.prof.agents[as.ID] = a
		}
		for _, ss := range as.Slots {
			sl := &slot{
				contactID: ss.ContactID, ch: chanIndex(ss.Channel), queueID: ss.QueueID, personal: ss.PersonalQueue,
				state: ss.State, since: ss.Since, deadline: ss.Deadline, gen: r.next(),
			}
			a.addSlot(sl)
			if sl.state == SlotAfterContactWork && !sl.deadline.IsZero() {
				r.schedule(timerACW, sl.deadline, sl.contactID, as.ID, sl.gen)
			}
		}
		r.agents[as.ID] = a
	}
	for _, cs := range s.Contacts {
		in := cs.Contact
		if in.EnqueuedAt.IsZero() {
			in.EnqueuedAt = r.now
		}
		if in.Priority == 0 {
			in.Priority = DefaultPriority
		}
		ch := chanIndex(in.Channel)
		c := &contact{
			Contact: in, ch: ch, seq: r.next(), adj: in.EnqueuedAt.Add(-in.AgeAdjust),
			hidx: -1, aidx: -1, state: cs.State, excluded: maps.Clone(cs.Excluded),
			gen: r.next(),
		}
		r.contacts[c.ID] = c
		for agentID, until := range c.excluded {
			r.schedule(timerBackoff, until, c.ID, agentID, c.gen)
		}
		if cs.State == ContactConnected {
			c.agent = r.agents[cs.AssignedTo]
			continue
		}
		var q *queue
		var pa *agent
		if c.personal() {
			pa = r.agents[c.AgentID]
		} else {
			q = r.queues[c.QueueID]
		}
		r.join(r.lineFor(q, pa, ch), c)
		if cs.State == ContactOffered {
			c.agent = r.agents[cs.AssignedTo]
			c.deadline = cs.OfferDeadline
			if !c.deadline.IsZero() {
				r.schedule(timerOffer, c.deadline, c.ID, c.agent.cfg.ID, c.gen)
			}
			continue
		}
		r.wait(c)
		r.scheduleDelays(c)
	}
	agents := slices.Collect(maps.Values(r.agents))
	for _, a := range agents {
		r.refresh(a)
	}
	r.fillAll(agents)
}
