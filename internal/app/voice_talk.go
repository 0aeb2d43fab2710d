package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/media"
)

// The conversation between a caller and their agent (the primary party),
// whatever carries the agent's audio: a desk phone's SIP leg or the
// browser softphone's WebRTC line (voice_agent.go). agentTalk arranges the
// media for its mode and serves the agent's call controls:
//
//   - talk: caller ↔ agent (media.Bridge: G.711 as is, digits as RFC 4733).
//   - hold: the caller hears the music on hold, the agent nothing.
//   - consult: the agent consults a third party — another agent (through
//     the router: a new, related contact offered to them) or a phone number
//     (through the trunk) — while the caller is on hold: agent ↔ third
//     party, the caller hears the music.
//   - conference: all three hear each other (media.Mixer).
//
// The caller's hold time (hold and consult) is counted on the contact
// (contact.Manager.Hold) and told to the agent (contactHold).
//
// How parties leave:
//
//   - The primary agent ends the contact (endContact) or their phone hangs
//     up while a third party is on the line: the warm transfer completes.
//     The third party becomes the primary party and the call moves to its
//     contact (relink); the first agent goes to after-contact work.
//   - The primary agent leaves with nobody else on the line: the caller is
//     hung up (converse), unless the contact was transferred away.
//   - The third party leaves (its agent ends their contact, its phone
//     hangs up) or the agent cancels the consultation: from consult the
//     caller stays on hold; from a conference caller and agent talk again.
//   - The caller hangs up: every party's leg is released and the
//     consulted agent's contact ends (CUSTOMER_DISCONNECT).
//
// Mute stops the primary agent's audio reaching the others (the recording
// keeps it). A live recording hears the primary agent on its second
// channel: its packets are decoded on their way into the bridge
// (agentTap); a consulted party is not recorded.

type talkMode int

const (
	modeTalk talkMode = iota
	modeHold
	modeConsult
	modeConference
)

func (m talkMode) String() string {
	return [...]string{"talk", "hold", "consult", "conference"}[m]
}

// onHold reports whether the caller is on hold in this mode.
func (m talkMode) onHold() bool { return m == modeHold || m == modeConsult }

// Why a talk ended, besides the call's own end (ctx).
var (
	errPartyLeft      = errors.New("the agent left the call")
	errAgentSideEnded = errors.New("the agent's side ended")
	errLineClosed     = errors.New("the agent's line closed")
)

// agentTalk is a caller connected to an agent's audio, and maybe a third
// party's.
type agentTalk struct {
	c    *call
	inst *instanceCC
	log  *slog.Logger

	muted atomic.Bool   // the primary agent's mute
	wake  chan struct{} // a control changed what run should be doing

	mu      sync.Mutex
	primary *party
	third   *party          // the consulted party, once connected
	pending string          // the consultation's contact while its party is not connected yet
	mode    talkMode        // what the caller and the parties hear
	left    map[string]bool // contacts whose agents ended them, for run to act on
}

func newAgentTalk(c *call, inst *instanceCC, p *party) *agentTalk {
	return &agentTalk{c: c, inst: inst, log: c.log, primary: p, wake: make(chan struct{}, 1), left: map[string]bool{}}
}

func (t *agentTalk) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// errConsulting refuses hold and unhold during a consultation.
var errConsulting = fmt.Errorf("%w: a consultation is in progress: conference or cancel it first", agent.ErrNoVoice)

// setHold puts the caller on hold or takes them off it.
func (t *agentTalk) setHold(on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.third != nil || t.pending != "" {
		return errConsulting
	}
	t.mode = modeTalk
	if on {
		t.mode = modeHold
	}
	t.poke()
	return nil
}

// startConsult puts the caller on hold for a consultation on contact id,
// whose party attachThird brings.
func (t *agentTalk) startConsult(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.third != nil || t.pending != "" {
		return fmt.Errorf("%w: a consultation is already in progress", agent.ErrTargetUnavailable)
	}
	t.pending, t.mode = id, modeConsult
	t.poke()
	return nil
}

// attachThird connects the consulted party, and reports whether the
// consultation still wanted it.
func (t *agentTalk) attachThird(p *party) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending != p.contactID {
		return false
	}
	t.third, t.pending = p, ""
	t.poke()
	return true
}

// join makes the consultation a conference of all three.
func (t *agentTalk) join() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.third == nil {
		return fmt.Errorf("%w: no consulted party is connected", agent.ErrNoVoice)
	}
	t.mode = modeConference
	t.poke()
	return nil
}

// cancelConsult drops the consulted party, or the consultation still
// ringing; the caller stays on hold. It returns what it dropped.
func (t *agentTalk) cancelConsult() (*party, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, pending := t.third, t.pending
	if p == nil && pending == "" {
		return nil, "", fmt.Errorf("%w: no consultation is in progress", agent.ErrNoVoice)
	}
	t.third, t.pending, t.mode = nil, "", modeHold
	t.poke()
	return p, pending, nil
}

// leave tells the talk that the agent on contact id ended it.
func (t *agentTalk) leave(id string) {
	t.mu.Lock()
	t.left[id] = true
	t.mu.Unlock()
	t.poke()
}

// parties returns who is on the call.
func (t *agentTalk) parties() (primary, third *party, pending string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.primary, t.third, t.pending
}

// settle applies the departures recorded by leave: it returns the third
// party that left, the primary party replaced by the third (a completed
// warm transfer), and whether the primary left with nobody to take over.
func (t *agentTalk) settle() (dropped, replaced *party, primaryLeft bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id := range t.left {
		delete(t.left, id)
		switch {
		case t.third != nil && t.third.contactID == id:
			dropped, t.third = t.third, nil
			t.mode = t.afterThirdLocked()
		case t.pending == id:
			t.pending = ""
			t.mode = t.afterThirdLocked()
		case t.primary.contactID == id && t.third != nil:
			replaced = t.primary
			t.primary, t.third, t.mode = t.third, nil, modeTalk
		case t.primary.contactID == id:
			primaryLeft = true
		}
	}
	return dropped, replaced, primaryLeft
}

// afterThirdLocked is the mode once the third party is gone.
func (t *agentTalk) afterThirdLocked() talkMode {
	if t.mode == modeConference {
		return modeTalk
	}
	return modeHold
}

// thirdEnded handles the third party's own side ending (its phone hung
// up): it leaves as if its agent had ended the contact.
func (t *agentTalk) thirdEnded(p *party) {
	t.mu.Lock()
	if t.third == p {
		t.third = nil
		t.mode = t.afterThirdLocked()
	}
	t.mu.Unlock()
	t.c.endParty(t.inst, p, p.endReason())
}

// promote makes the third party the primary one after the primary
// party's own side ended (its phone hung up).
func (t *agentTalk) promote(old *party) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.primary != old || t.third == nil {
		return false
	}
	t.primary, t.third, t.mode = t.third, nil, modeTalk
	return true
}

// run arranges the media for the mode until the call ends (ctx's error),
// the primary agent leaves with nobody to take over (errPartyLeft), the
// primary's side ends (errAgentSideEnded) or its line closes
// (errLineClosed).
func (t *agentTalk) run(ctx context.Context) error {
	start := time.Now()
	defer func() { t.log.Info("agent: talk ended", "talked", time.Since(start).Round(time.Millisecond)) }()
	held := false
	for {
		dropped, replaced, primaryLeft := t.settle()
		if dropped != nil {
			t.c.endParty(t.inst, dropped, contact.AgentDisconnect)
		}
		if replaced != nil {
			t.c.transferred(t.inst, replaced, t.currentPrimary())
		}
		if primaryLeft {
			return errPartyLeft
		}
		t.mu.Lock()
		mode, primary, third := t.mode, t.primary, t.third
		t.mu.Unlock()
		if mode.onHold() != held {
			held = mode.onHold()
			t.c.holdChanged(t.inst, primary, held)
		}
		t.log.Info("agent: talk", "mode", mode.String(), "primary", primary.String())

		sctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		mediaErr := make(chan error, 2)
		start := func(f func() error) {
			wg.Go(func() { mediaErr <- f() })
		}
		tap := &agentTap{Endpoint: primary.ep, t: t}
		switch mode {
		case modeTalk:
			start(func() error { return media.BridgeWith(sctx, t.c.sess, tap, bridgeConfig) })
		case modeHold:
			start(func() error { return media.Loop(sctx, t.c.rec.media(), t.c.v.moh) })
		case modeConsult:
			start(func() error { return media.Loop(sctx, t.c.rec.media(), t.c.v.moh) })
			if third != nil {
				start(func() error { return media.BridgeWith(sctx, tap, third.ep, bridgeConfig) })
			}
		case modeConference:
			mx := media.NewMixer(t.log)
			mx.Add(t.c.sess)
			mx.Add(tap)
			mx.Add(third.ep)
			mx.SetMuted(tap, t.muted.Load())
			start(func() error { return mx.Run(sctx) })
		}
		var thirdEnded, thirdDone <-chan struct{}
		if third != nil {
			thirdEnded, thirdDone = third.ended, third.ep.Done()
		}
		var err error
		primaryEnded, thirdGone := false, false
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-primary.ended:
			primaryEnded = true
		case <-primary.ep.Done():
			primaryEnded = true
		case <-thirdEnded:
			thirdGone = true
		case <-thirdDone:
			thirdGone = true
		case <-t.wake:
		case err = <-mediaErr:
			if err == nil || ctx.Err() != nil {
				err = ctx.Err()
			} else if errors.Is(err, media.ErrClosed) {
				// The caller's session closed (the call is ending) or a
				// party's endpoint did: the next turn tells which.
				select {
				case <-ctx.Done():
					err = ctx.Err()
				case <-primary.ep.Done():
					err, primaryEnded = nil, true
				case <-time.After(time.Second):
					if third == nil {
						err = fmt.Errorf("agent: media: %w", err)
					} else {
						err, thirdGone = nil, true
					}
				}
			} else {
				t.log.Warn("agent: media", "mode", mode.String(), "err", err)
				err = nil
			}
		}
		stop()
		waited := make(chan struct{})
		go func() { wg.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			t.log.Warn("agent: media did not stop in time")
		}
		switch {
		case err != nil:
			return err
		case primaryEnded:
			if t.promote(primary) {
				t.c.transferred(t.inst, primary, t.currentPrimary())
				continue
			}
			select {
			case <-primary.ep.Done():
				if primary.ended == nil {
					return errLineClosed
				}
			default:
			}
			return errAgentSideEnded
		case thirdGone:
			t.thirdEnded(third)
		}
	}
}

func (t *agentTalk) currentPrimary() *party {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.primary
}

// agentTap is the primary agent's endpoint as the media sees it: mute
// drops the agent's audio, and a live recording gets a decoded copy.
type agentTap struct {
	media.Endpoint
	t   *agentTalk
	pcm []int16 // decode buffer: the endpoint calls the sink sequentially
}

func (a *agentTap) OnPacket(fn func(media.Packet)) {
	if fn == nil {
		a.Endpoint.OnPacket(nil)
		return
	}
	a.Endpoint.OnPacket(func(p media.Packet) {
		if a.t.c.rec != nil {
			if rec := a.t.c.rec.live.Load(); rec != nil {
				a.pcm = p.Codec.Decode(a.pcm[:0], p.Payload)
				rec.Other(a.pcm, p.Arrived)
			}
		}
		if !a.t.muted.Load() {
			fn(p)
		}
	})
}

// converse runs the talk t (registered on the call) until one side
// ends, then releases every party and ends the caller's side as the way it
// ended requires (see the top of this file).
func (c *call) converse(ctx context.Context, t *agentTalk) {
	inst := t.inst
	err := t.run(ctx)
	c.setTalk(nil)
	primary, third, pending := t.parties()
	reason := contact.CustomerDisconnect
	if ctx.Err() == nil {
		reason = contact.AgentDisconnect
	}
	if third != nil {
		c.endParty(inst, third, reason)
	}
	if pending != "" {
		c.endPending(inst, pending, reason)
	}
	primary.release()
	log := c.log.With("agent", primary.agentID)
	switch {
	case ctx.Err() != nil: // the caller hung up: finish records it
	case errors.Is(err, errPartyLeft), errors.Is(err, errLineClosed):
		c.agentGone(ctx, inst, log, primary.contactID)
	case errors.Is(err, errAgentSideEnded):
		c.setCause(primary.endCause())
		c.hangUpCustomer(ctx)
	default:
		log.Warn("agent: talk ended", "err", err)
		c.setCause(contact.OtherDisconnect, contact.BySystem, "media")
		c.hangUpCustomer(ctx)
	}
}

// talking returns the call's conversation with agentID as its primary
// party, or an error for the agent API.
func (c *call) talking(agentID string) (*agentTalk, error) {
	c.desk.mu.Lock()
	t := c.desk.talk
	c.desk.mu.Unlock()
	if t == nil || t.currentPrimary().agentID != agentID {
		return nil, fmt.Errorf("%w: the agent's audio is not connected to this call", agent.ErrNoVoice)
	}
	return t, nil
}

// setTalk records the call's current conversation (nil when none).
func (c *call) setTalk(t *agentTalk) {
	c.desk.mu.Lock()
	c.desk.talk = t
	c.desk.mu.Unlock()
}

// holdChanged records the caller going on or off hold on the primary
// party's contact and tells its agent.
func (c *call) holdChanged(inst *instanceCC, p *party, on bool) {
	if p.agentID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	if _, err := c.v.cc.contacts.Hold(ctx, c.inst, p.contactID, on); err != nil {
		c.log.Info("agent: record the hold", "on", on, "err", err)
	}
	inst.hub.Hold(p.agentID, p.contactID, on)
}

// transferred completes a warm transfer: the first agent's part of the
// call ends (after-contact work, unless they ended it already) and the
// call carries on with the consulted party, on its contact.
func (c *call) transferred(inst *instanceCC, old, next *party) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	old.release()
	if _, err := c.v.cc.contacts.Disconnect(ctx, c.inst, old.contactID, contact.AgentDisconnect); err != nil {
		c.log.Info("warm transfer: end the first agent's contact", "err", err)
	}
	if err := inst.router.EndContact(ctx, old.contactID); err != nil {
		c.log.Debug("warm transfer: end the first contact in the router", "err", err)
	}
	c.v.relink(c, next.contactID)
	c.log.Info("warm transfer completed", "from", old.String(), "to", next.String(), "contact", next.contactID)
}

// endParty releases a consulted party and ends its contact with reason:
// its agent goes to after-contact work.
func (c *call) endParty(inst *instanceCC, p *party, reason contact.DisconnectReason) {
	p.release()
	c.endPending(inst, p.contactID, reason)
}

// endPending ends a consultation's contact, connected or not.
func (c *call) endPending(inst *instanceCC, id string, reason contact.DisconnectReason) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	c.desk.mu.Lock()
	delete(c.desk.consult, id)
	c.desk.mu.Unlock()
	if _, err := c.v.cc.contacts.Disconnect(ctx, c.inst, id, reason); err != nil {
		c.log.Info("consultation: end its contact", "contact", id, "err", err)
	}
	if err := inst.router.EndContact(ctx, id); err != nil {
		c.log.Debug("consultation: end its contact in the router", "contact", id, "err", err)
	}
}

// isConsult reports whether id is the contact of one of the call's
// consultations.
func (c *call) isConsult(id string) bool {
	c.desk.mu.Lock()
	defer c.desk.mu.Unlock()
	return c.desk.consult[id]
}

// consultConnected gets the consulted agent's audio once the router
// connected them, and brings them into the consultation.
func (c *call) consultConnected(ctx context.Context, inst *instanceCC, r agentLegRequest) {
	log := c.log.With("consulted_agent", r.agentID, "consult_contact", r.contactID)
	p, err := c.acquire(ctx, log, r)
	if err != nil {
		log.Info("consultation: the agent's audio is not connected; the contact goes back to the queue", "err", err)
		if ctx.Err() == nil {
			if err := inst.router.ContactError(context.WithoutCancel(ctx), r.agentID, r.contactID); err != nil {
				log.Warn("consultation: return the contact to the queue", "err", err)
			}
		}
		return
	}
	if _, err := c.v.cc.contacts.ConnectAgent(ctx, c.inst, r.contactID, inst.agentRef(ctx, r.agentID)); err != nil {
		log.Warn("consultation: connected, but the contact cannot be", "err", err)
		p.release()
		return
	}
	c.desk.mu.Lock()
	t := c.desk.talk
	c.desk.mu.Unlock()
	if t == nil || !t.attachThird(p) {
		log.Info("consultation: no longer wanted")
		c.endParty(inst, p, contact.AgentDisconnect)
		return
	}
	log.Info("consultation: the consulted agent is on the line", "phone", p.kind)
}

// endReason is the reason the contact of a party whose own side ended
// records.
func (p *party) endReason() contact.DisconnectReason {
	r, _, _ := p.endCause()
	return r
}
