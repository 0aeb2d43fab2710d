package routing

import "time"

// All of the router's timeouts live in one heap, served by one clock timer.
// A timer names what it is for and the generation of that thing when it
// was set; a timer whose contact or slot has moved on since is dropped when
// it fires, so nothing needs cancelling.
type timerKind uint8

const (
	timerDelay   timerKind = iota // a contact reaches a profile delay
	timerOffer                    // an offer times out
	timerACW                      // after-contact work times out
	timerBackoff                  // a rejection's backoff ends
)

type timer struct {
	at        time.Time
	seq       uint64
	idx       int
	kind      timerKind
	contactID string
	agentID   string
	gen       uint64
}

func (r *Router) schedule(kind timerKind, at time.Time, contactID, agentID string, gen uint64) {
	r.timers.push(&timer{at: at, seq: r.next(), kind: kind, contactID: contactID, agentID: agentID, gen: gen})
}

// fireDue runs every timer due at r.now, earliest first.
func (r *Router) fireDue() {
	for {
		t, ok := r.timers.peek()
		if !ok || t.at.After(r.now) {
			return
		}
		r.timers.pop()
		r.fire(t)
	}
}

func (r *Router) fire(t *timer) {
	switch t.kind {
	case timerDelay:
		if c := r.contacts[t.contactID]; c != nil && c.state == ContactWaiting && c.gen == t.gen {
			r.route(c)
		}
	case timerBackoff:
		c := r.contacts[t.contactID]
		if c == nil {
			return
		}
		if until, ok := c.excluded[t.agentID]; ok && !r.now.Before(until) {
			delete(c.excluded, t.agentID)
		}
		if c.state == ContactWaiting {
			r.route(c)
		}
	case timerOffer:
		if c := r.contacts[t.contactID]; c != nil && c.state == ContactOffered && c.gen == t.gen {
			r.missed(c)
		}
	case timerACW:
		a := r.agents[t.agentID]
		if a == nil {
			return
		}
		if s := a.slots[t.contactID]; s != nil && s.state == SlotAfterContactWork && s.gen == t.gen {
			_ = r.completeACW(a.cfg.ID, s.contactID, ReasonTimeout)
		}
	}
}
