package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// The agent's leg of a call, for agents on a desk phone (User.PhoneType
// DESK_PHONE): when the router connects a waiting call to such an agent
// (accepted, or auto-accepted), emit hands the connection to the call
// (deskPhoneConnected) instead of recording it; the call's goroutine
// (serveAgents) dials the agent's DeskPhoneNumber — a sip: URI directly, an
// E.164 number through the call's trunk, as a transfer to a phone number
// does (dialLeg) — and, once it answers, records the contact CONNECTED
// (ConnectedToAgentTimestamp is the answer, as in Amazon Connect) and
// bridges the two legs (bridgeCall). The music on hold stopped with the
// router's Connected event (queueflow.go).
//
//   - No answer within deskPhoneTimeout, or the call fails: the router's
//     ContactError puts the contact back in its place in the queue (the
//     contact record goes back from OFFERED to QUEUED, the music resumes
//     with the Queued event) and the agent in Error, so that an unreachable
//     phone is not offered the next call; the agent sets Available again.
//   - The customer hangs up: the desk phone is hung up; the contact ends
//     CUSTOMER_DISCONNECT and the agent goes to after-contact work (finish).
//   - The desk phone hangs up: the customer is hung up; the contact ends
//     AGENT_DISCONNECT (DisconnectedBy AGENT), after-contact work follows.
//   - The agent ends the contact from the agent API (endContact): the hub
//     records it and the router's ACWStarted reaches the call
//     (agentContactEnded), which hangs up both legs.
//
// Agents on a soft phone (SOFT_PHONE, the default) get no audio yet: the
// contact is connected in the model only, until the WebRTC leg exists.

// deskPhoneTimeout is how long a desk phone may ring.
const deskPhoneTimeout = 20 * time.Second

// errAgentEnded ends a desk-phone leg whose agent ended the contact.
var errAgentEnded = errors.New("the agent ended the contact")

// agentLegRequest asks a call to connect its customer to an agent's phone.
type agentLegRequest struct {
	agentID string
	number  string // the agent's DeskPhoneNumber
}

// agentLeg is a call's agent-side state.
type agentLeg struct {
	req chan agentLegRequest // set by register

	mu     sync.Mutex
	cancel context.CancelCauseFunc // ends the desk-phone leg in progress; nil when none
}

// liveCalls are the calls in progress, by contact ID.
type liveCalls struct{ m sync.Map }

// register makes the call reachable by its contact ID until unregister.
func (v *voiceChannel) register(c *call) {
	c.desk.req = make(chan agentLegRequest, 1)
	v.live.m.Store(c.id, c)
}

func (v *voiceChannel) unregister(c *call) { v.live.m.CompareAndDelete(c.id, c) }

func (v *voiceChannel) liveCall(contactID string) *call {
	if x, ok := v.live.m.Load(contactID); ok {
		return x.(*call)
	}
	return nil
}

// deskPhoneConnected hands the router's Connected event of a call to an
// agent on a desk phone to the call, and reports whether it did: then the
// call records the connection once the phone answers. emit calls it on the
// router's delivery goroutine: it does not block.
func (v *voiceChannel) deskPhoneConnected(ctx context.Context, inst *instanceCC, e routing.Event) bool {
	if v == nil || e.Channel != string(contact.Voice) || e.AgentID == "" {
		return false
	}
	c := v.liveCall(e.ContactID)
	if c == nil {
		return false
	}
	u, err := v.cc.st.Users.Get(ctx, inst.id, e.AgentID)
	if err != nil || u.PhoneType != core.PhoneDesk || u.DeskPhoneNumber == "" {
		return false // a soft phone: connected in the model only (no WebRTC leg yet)
	}
	select {
	case c.desk.req <- agentLegRequest{agentID: e.AgentID, number: u.DeskPhoneNumber}:
		return true
	default:
		c.log.Warn("desk phone: a connection is already pending; recording this one without audio", "agent", e.AgentID)
		return false
	}
}

// agentContactEnded tells the call of contactID that its agent's part
// ended (the router's ACWStarted): a desk-phone leg in progress ends.
func (v *voiceChannel) agentContactEnded(contactID string) {
	if v == nil {
		return
	}
	c := v.liveCall(contactID)
	if c == nil {
		return
	}
	c.desk.mu.Lock()
	if c.desk.cancel != nil {
		c.desk.cancel(errAgentEnded)
	}
	c.desk.mu.Unlock()
}

// serveAgents is the rest of HandleCall once the flow is done: it connects
// the caller to the agents' desk phones the router picks, one at a time,
// until the call ends.
func (c *call) serveAgents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-c.desk.req:
			c.deskPhone(ctx, r)
		}
	}
}

// deskPhone calls the agent's desk phone and bridges the caller to it until
// one side ends (see the top of this file).
func (c *call) deskPhone(ctx context.Context, r agentLegRequest) {
	log := c.log.With("agent", r.agentID, "desk_phone", r.number)
	inst, err := c.v.cc.instance(ctx, c.inst)
	if err != nil {
		log.Warn("desk phone: instance", "err", err)
		return
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c.desk.mu.Lock()
	c.desk.cancel = cancel
	c.desk.mu.Unlock()
	defer func() {
		c.desk.mu.Lock()
		c.desk.cancel = nil
		c.desk.mu.Unlock()
	}()
	// The agent may have ended the contact before this leg could be
	// cancelled: then there is nothing to dial.
	if rc, err := inst.router.Contact(ctx, c.id); err != nil || rc.State != routing.ContactConnected || rc.AssignedTo != r.agentID {
		log.Info("desk phone: the contact is no longer connected to the agent", "err", err)
		c.agentGone(ctx, inst, log)
		return
	}

	failed := func(why string, err error) {
		log.Info("desk phone: not connected; the contact goes back to the queue", "why", why, "err", err)
		if err := inst.router.ContactError(context.WithoutCancel(ctx), r.agentID, c.id); err != nil {
			log.Warn("desk phone: return the contact to the queue", "err", err)
		}
	}
	req := legRequest{from: callerNumber(c.in.Request()), timeout: deskPhoneTimeout}
	if strings.HasPrefix(r.number, "sip:") {
		req.uri = r.number
	} else {
		req.trunk = c.v.outboundTrunk(ctx, c.in.Trunk(), c.inst)
		if req.trunk == nil {
			failed("no trunk with an outbound proxy", nil)
			return
		}
		req.uri = thirdPartyURI(req.trunk, r.number)
		req.from, req.fromName, req.headers = callerID(req.trunk, engine.ThirdPartyRequest{}, req.from)
	}
	log = log.With("uri", req.uri)
	log.Info("desk phone: dialling", "timeout", deskPhoneTimeout)
	out, leg, err := c.dialLeg(actx, log, req)
	if err != nil {
		switch {
		case ctx.Err() != nil: // the caller hung up while it rang: finish records it
		case errors.Is(context.Cause(actx), errAgentEnded):
			c.agentGone(ctx, inst, log)
		default:
			failed("dial", err)
		}
		return
	}
	b := &bridgeCall{c: c, out: out, leg: leg, log: log}
	if _, err := c.v.cc.contacts.ConnectAgent(ctx, c.inst, c.id, inst.agentRef(ctx, r.agentID)); err != nil {
		log.Warn("desk phone: answered, but the contact cannot be connected", "err", err)
		hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = out.Hangup(hctx)
		hcancel()
		_ = leg.Close()
		if ctx.Err() == nil {
			c.agentGone(ctx, inst, log)
		}
		return
	}
	log.Info("desk phone: answered; bridged", "codec", leg.Codec().Name, "caller_codec", c.sess.Codec().Name)
	err = b.run(actx)
	switch {
	case err == nil: // the desk phone's side ended: so does the caller's
		reason, by := contact.AgentDisconnect, contact.ByAgent
		if b.by != contact.ByThirdParty {
			reason, by = b.reason, b.by // a media timeout, a shutdown...
		}
		c.setCause(reason, by, b.cause)
		c.hangUpCustomer(ctx)
	case ctx.Err() != nil: // the caller hung up: finish records it
	case errors.Is(context.Cause(actx), errAgentEnded):
		c.agentGone(ctx, inst, log)
	}
}

// agentGone ends the caller's side after the agent ended the contact (the
// hub recorded AGENT_DISCONNECT). A contact the agent transferred away
// keeps its caller: transfers of calls are carried out later (issue 6).
func (c *call) agentGone(ctx context.Context, inst *instanceCC, log *slog.Logger) {
	if ct, err := c.v.cc.contacts.Get(ctx, inst.id, c.id); err == nil && ct.NextContactID != "" {
		log.Info("desk phone: the agent transferred the call; transfers of calls are not carried out yet")
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
