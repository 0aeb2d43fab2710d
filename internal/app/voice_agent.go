package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// The agent's leg of a call. When the router connects a waiting call to
// an agent (accepted, or auto-accepted), emit hands the connection to the
// call (agentConnected) instead of recording it; the call's goroutine
// (serveAgents) gets the agent's audio (acquire):
//
//   - a desk phone (User.PhoneType DESK_PHONE): it dials DeskPhoneNumber —
//     the agent's registered SIP device, a sip: URI directly, or an E.164
//     number through the call's trunk, as a transfer to a phone number
//     does (dialLeg) — and waits for the answer;
//   - the browser softphone (SOFT_PHONE): the agent's WebRTC line, which
//     the softphone connected at login (voice_softphone.go).
//
// The caller hears the music (or the queue flow) until then. Once the
// audio is there the music stops (queueTreatmentDone), the contact is
// recorded CONNECTED (ConnectedToAgentTimestamp is the answer, as in
// Amazon Connect), the whisper flows play, and the caller and the agent
// talk (converse, voice_talk.go) until one side ends.
//
//   - No answer within deskPhoneTimeout, no softphone within softphoneWait,
//     or the call fails: the router's ContactError puts the contact back in
//     its place in the queue (the contact record goes back from OFFERED to
//     QUEUED, the music resumes with the Queued event) and the agent in
//     Error, so that an unreachable phone is not offered the next call; the
//     agent sets Available again.
//   - The customer hangs up: the agent's leg is released; the contact ends
//     CUSTOMER_DISCONNECT and the agent goes to after-contact work (finish).
//   - The desk phone hangs up: the customer is hung up; the contact ends
//     AGENT_DISCONNECT (DisconnectedBy AGENT), after-contact work follows.
//   - The agent ends the contact from the agent API (endContact): the hub
//     records it and the router's ACWStarted reaches the call
//     (agentContactEnded): the customer is hung up — unless the agent had
//     transferred the call (it moved on, transfer.go) or a consulted party
//     is on the line (the warm transfer completes, voice_talk.go).

// deskPhoneTimeout is how long a desk phone may ring.
const deskPhoneTimeout = 20 * time.Second

// errAgentEnded ends an agent's leg whose agent ended the contact.
var errAgentEnded = errors.New("the agent ended the contact")

// agentLegRequest asks a call to connect its customer to an agent's phone.
type agentLegRequest struct {
	contactID string // the call's contact the router connected
	agentID   string
	number    string // the agent's DeskPhoneNumber; empty for the softphone
}

// agentLeg is a call's agent-side state.
type agentLeg struct {
	req chan agentLegRequest // set by register

	mu      sync.Mutex
	cancel  context.CancelCauseFunc // ends the agent's leg being set up; nil when none
	contact string                  // the contact of that leg
	talk    *agentTalk              // the conversation in progress; nil when none
	consult map[string]bool         // the contacts of consultations in progress (voice_talk.go)
}

// liveCalls are the calls in progress, by contact ID.
type liveCalls struct{ m sync.Map }

// register makes the call reachable by its contact ID until unregister.
func (v *voiceChannel) register(c *call) {
	c.desk.req = make(chan agentLegRequest, 1)
	v.live.m.Store(c.contactID(), c)
}

// unregister forgets the call under all its contacts' IDs.
func (v *voiceChannel) unregister(c *call) {
	c.idMu.Lock()
	ids := append([]string{c.id}, c.prevIDs...)
	c.idMu.Unlock()
	for _, id := range ids {
		v.live.m.CompareAndDelete(id, c)
	}
}

// bridgeConfig is how calls are bridged to agents and third parties: a SIP
// leg gets silence after 100 ms without audio from the other side (a muted
// agent, a softphone reloading, a phone with VAD), so its RTP never stops
// while the call is connected.
var bridgeConfig = media.BridgeConfig{FillSilence: 100 * time.Millisecond}

// alias makes the call reachable by another contact's ID too (a
// consultation's), until unregister.
func (v *voiceChannel) alias(c *call, id string) {
	c.idMu.Lock()
	c.prevIDs = append(c.prevIDs, id)
	c.idMu.Unlock()
	v.live.m.Store(id, c)
}

// relink moves the call to its next contact (a transfer): the router's
// events for the new contact find it. The previous contact's ID still
// finds it too, for the events that end the agent's part of it.
func (v *voiceChannel) relink(c *call, next string) {
	c.idMu.Lock()
	prev := c.id
	c.id = next
	c.prevIDs = append(c.prevIDs, prev)
	c.idMu.Unlock()
	v.live.m.Store(next, c)
	c.log.Info("call: moved to the transfer's new contact", "previous", prev)
}

func (v *voiceChannel) liveCall(contactID string) *call {
	if v == nil {
		return nil
	}
	if x, ok := v.live.m.Load(contactID); ok {
		return x.(*call)
	}
	return nil
}

// agentConnected hands the router's Connected event of a call to an
// agent to the call, and reports whether it did: then the call records
// the connection once the agent's audio is there (the desk phone answered,
// the softphone's line is connected). emit calls it on the router's
// delivery goroutine: it does not block.
func (v *voiceChannel) agentConnected(ctx context.Context, inst *instanceCC, e routing.Event) bool {
	if v == nil || e.Channel != string(contact.Voice) || e.AgentID == "" {
		return false
	}
	d := v.pendingDial(e.ContactID, e.AgentID)
	c := v.liveCall(e.ContactID)
	if c == nil && d == nil {
		return false
	}
	u, err := v.cc.st.Users.Get(ctx, inst.id, e.AgentID)
	if err != nil {
		v.log.Warn("agent leg: read the agent; recording the connection without audio", "contact", e.ContactID, "agent", e.AgentID, "err", err)
		return false
	}
	r := agentLegRequest{contactID: e.ContactID, agentID: e.AgentID}
	switch {
	case u.PhoneType == core.PhoneDesk && u.DeskPhoneNumber != "":
		r.number = u.DeskPhoneNumber
	case v.phones.Load() == nil:
		return false // no softphone service: connected in the model only
	}
	if d != nil { // the agent's own outbound call (voice_outbound.go)
		v.calls.Add(1)
		go func() {
			defer v.calls.Done()
			v.placeDial(context.WithoutCancel(ctx), inst, r, d)
		}()
		return true
	}
	if c.isConsult(e.ContactID) {
		v.calls.Add(1)
		go func() {
			defer v.calls.Done()
			c.consultConnected(c.ctx, inst, r)
		}()
		return true
	}
	select {
	case c.desk.req <- r:
		return true
	default:
		c.log.Warn("agent leg: a connection is already pending; recording this one without audio", "agent", e.AgentID)
		return false
	}
}

// agentContactEnded tells the call of contactID that an agent's part of
// it ended (the router's ACWStarted): the talk loses that party, or the
// leg being set up for it is abandoned.
func (v *voiceChannel) agentContactEnded(contactID string) {
	if v == nil {
		return
	}
	c := v.liveCall(contactID)
	if c == nil {
		return
	}
	c.desk.mu.Lock()
	t := c.desk.talk
	if t == nil && c.desk.cancel != nil && c.desk.contact == contactID {
		c.desk.cancel(errAgentEnded)
	}
	c.desk.mu.Unlock()
	if t != nil {
		t.leave(contactID)
	}
}

// serveAgents is the rest of HandleCall once the flow is done: it connects
// the caller to the agents the router picks, one at a time, until the
// call ends.
func (c *call) serveAgents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-c.desk.req:
			c.connectAgent(ctx, r)
		}
	}
}

// connectAgent gets the agent's audio, records the contact connected and
// lets the caller and the agent talk until one side ends (see the top of
// this file).
func (c *call) connectAgent(ctx context.Context, r agentLegRequest) {
	id := r.contactID
	log := c.log.With("agent", r.agentID, "contact", id)
	inst, err := c.v.cc.instance(ctx, c.inst)
	if err != nil {
		log.Warn("agent leg: instance", "err", err)
		return
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c.desk.mu.Lock()
	c.desk.cancel, c.desk.contact = cancel, id
	c.desk.mu.Unlock()
	defer func() {
		c.desk.mu.Lock()
		c.desk.cancel = nil
		c.desk.mu.Unlock()
	}()
	// The agent may have ended the contact before this leg could be
	// cancelled: then there is nothing to connect.
	if rc, err := inst.router.Contact(ctx, id); err != nil || rc.State != routing.ContactConnected || rc.AssignedTo != r.agentID {
		log.Info("agent leg: the contact is no longer connected to the agent", "err", err)
		c.agentGone(ctx, inst, log, id)
		return
	}
	p, err := c.acquire(actx, log, r)
	if err != nil {
		switch {
		case ctx.Err() != nil: // the caller hung up meanwhile: finish records it
		case errors.Is(context.Cause(actx), errAgentEnded):
			c.agentGone(ctx, inst, log, id)
		default:
			log.Info("agent leg: not connected; the contact goes back to the queue", "err", err)
			if err := inst.router.ContactError(context.WithoutCancel(ctx), r.agentID, id); err != nil {
				log.Warn("agent leg: return the contact to the queue", "err", err)
			}
		}
		return
	}
	c.v.cc.queueTreatmentDone(id) // the music stops: the agent is there
	if _, err := c.v.cc.contacts.ConnectAgent(ctx, c.inst, id, inst.agentRef(ctx, r.agentID)); err != nil {
		log.Warn("agent leg: connected, but the contact cannot be", "err", err)
		p.release()
		if ctx.Err() == nil {
			c.agentGone(ctx, inst, log, id)
		}
		return
	}
	log.Info("agent leg: connected", "phone", p.kind)
	c.whisper(actx, inst, p) // voice_whisper.go
	// From here the talk hears of the agents leaving (agentContactEnded);
	// until here, actx's cancellation did.
	t := newAgentTalk(c, inst, p)
	c.desk.mu.Lock()
	ended := errors.Is(context.Cause(actx), errAgentEnded)
	if !ended {
		c.desk.talk, c.desk.cancel = t, nil
	}
	c.desk.mu.Unlock()
	if ended { // the agent ended the contact during the whisper
		p.release()
		c.agentGone(ctx, inst, log, id)
		return
	}
	c.converse(ctx, t)
}

// acquire gets the agent's audio for r: the desk phone answered, or the
// softphone's line connected.
func (c *call) acquire(ctx context.Context, log *slog.Logger, r agentLegRequest) (*party, error) {
	if r.number == "" {
		return c.acquireSoftphone(ctx, log, r.agentID, r.contactID)
	}
	req, err := c.deskPhoneRequest(ctx, r.agentID, r.number) // voice_device.go
	if err != nil {
		return nil, err
	}
	return c.dialParty(ctx, log.With("desk_phone", r.number, "uri", req.uri), req, r.agentID, r.contactID, "desk phone")
}

// dialParty places an outbound leg (a desk phone, a third party) and
// returns it as a party once answered, its media running.
func (c *call) dialParty(ctx context.Context, log *slog.Logger, req legRequest, agentID, contactID, kind string) (*party, error) {
	log.Info("agent leg: dialling", "kind", kind, "timeout", req.timeout)
	out, leg, err := c.dialLeg(ctx, log, req)
	if err != nil {
		return nil, err
	}
	p := &party{agentID: agentID, contactID: contactID, kind: kind, ep: leg, log: log}
	ended := make(chan struct{})
	p.ended = ended
	lctx, lcancel := context.WithCancel(context.WithoutCancel(ctx))
	mediaDone := make(chan struct{})
	go func() {
		defer close(mediaDone)
		err := leg.Run(lctx)
		if lctx.Err() == nil {
			log.Info("agent leg: no media", "err", err)
		}
	}()
	go func() {
		var reason contact.DisconnectReason
		var by, cause string
		select {
		case <-out.Context().Done():
			end := out.End()
			reason, by, cause = contact.AgentDisconnect, contact.ByAgent, end.Reason
			if agentID == "" {
				reason, by = contact.ThirdPartyDisconnect, contact.ByThirdParty
			}
			if end.By != "callee" {
				reason, by = contact.OtherDisconnect, contact.BySystem
			}
		case <-mediaDone:
			reason, by, cause = contact.TelecomProblem, contact.BySystem, "agent-leg-media-timeout"
		case <-lctx.Done():
			return
		}
		p.setCause(reason, by, cause)
		close(ended)
	}()
	go func() { // SIP INFO digits from the phone: the bridge relays them
		for {
			select {
			case d := <-out.DTMF():
				leg.InjectDTMF(d)
			case <-lctx.Done():
				return
			}
		}
	}()
	p.release = sync.OnceFunc(func() {
		lcancel()
		<-mediaDone
		hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = out.Hangup(hctx)
		hcancel()
		_ = leg.Close()
		st := leg.Stats()
		log.Info("agent leg closed", "kind", kind, "rtp_sent", st.PacketsSent, "rtp_received", st.PacketsReceived,
			"dtmf_received", st.DTMFEvents)
	})
	return p, nil
}

// agentGone ends the caller's side after the agent ended the contact (the
// hub recorded AGENT_DISCONNECT). A contact the agent transferred away
// keeps its caller: the transfer moved the call on (transfer.go).
func (c *call) agentGone(ctx context.Context, inst *instanceCC, log *slog.Logger, id string) {
	if ct, err := c.v.cc.contacts.Get(ctx, inst.id, id); err == nil && ct.NextContactID != "" {
		log.Info("agent leg: the agent transferred the call; it carries on", "next", ct.NextContactID)
		return
	}
	c.setCause(contact.AgentDisconnect, contact.ByAgent, "agent")
	c.hangUpCustomer(ctx)
}

// hangUpCustomer sends the caller a BYE; the call's goroutine then finishes.
func (c *call) hangUpCustomer(ctx context.Context) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.in.Hangup(hctx); err != nil {
		c.log.Debug("call: hang up", "err", err)
	}
}

// party is one agent's audio in a call (or a consulted phone number's).
type party struct {
	agentID   string // "" for a phone number
	contactID string // the contact it is connected on
	kind      string // "softphone", "desk phone", "phone number": for logs
	ep        media.Endpoint
	ended     <-chan struct{} // closed when its own side ended (a BYE); nil: only ep.Done
	release   func()          // hangs its leg up or lets go of its line; idempotent
	log       *slog.Logger

	mu        sync.Mutex
	reason    contact.DisconnectReason
	by, cause string
}

func (p *party) setCause(reason contact.DisconnectReason, by, cause string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reason, p.by, p.cause = reason, by, cause
}

// endCause is how the party's side ended: by its agent unless it said.
func (p *party) endCause() (contact.DisconnectReason, string, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reason == "" {
		if p.agentID == "" {
			return contact.ThirdPartyDisconnect, contact.ByThirdParty, "third-party"
		}
		return contact.AgentDisconnect, contact.ByAgent, "agent"
	}
	return p.reason, p.by, p.cause
}

func (p *party) String() string {
	if p.agentID != "" {
		return fmt.Sprintf("agent %s (%s)", p.agentID, p.kind)
	}
	return p.kind
}
