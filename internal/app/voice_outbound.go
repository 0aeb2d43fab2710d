package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/sip"
	"github.com/switchboard-cc/switchboard/internal/voice"
)

// Outbound calls from the agent (the agent API's dial). An Available agent
// dials a number: a new contact (InitiationMethod OUTBOUND, customer
// endpoint the number, system endpoint the caller ID) goes to the agent's
// personal queue, so the router counts it against the agent's voice
// concurrency, and the router's offer is accepted at once on the agent's
// behalf. When the router connects it, Switchboard gets the agent's audio
// (softphone line or desk phone, as for a call in the queue), records the
// contact CONNECTED and calls the number through the instance's trunk,
// presenting the outbound caller ID of the queue the agent named (or of
// the agent's routing profile's default outbound queue) under the trunk's
// caller-ID policy. When the customer answers, the queue's outbound
// whisper flow plays to them, then they and the agent talk (agentTalk:
// hold, mute, digits, transfers and consultations as for any call).
//
//   - No answer within outboundRingTimeout, busy, or the call fails: the
//     contact ends (TELECOM_PROBLEM, the SIP cause in its voice details)
//     and the agent goes to after-contact work.
//   - The customer hangs up: CUSTOMER_DISCONNECT; the agent ends the
//     contact: AGENT_DISCONNECT; after-contact work follows either way.

// outboundRingTimeout bounds the wait for the customer to answer.
const outboundRingTimeout = 60 * time.Second

// outboundDial is an agent's call waiting for the router to connect it.
type outboundDial struct {
	agentID        string
	number         string
	trunk          *core.Trunk
	from, fromName string
	headers        map[string]string
	whisperFlowID  string
}

// outboundDials are the agents' calls the router has not connected yet,
// by contact ID.
type outboundDials struct{ m sync.Map }

func (v *voiceChannel) pendingDial(contactID, agentID string) *outboundDial {
	if v == nil {
		return nil
	}
	if x, ok := v.dials.m.Load(contactID); ok && x.(*outboundDial).agentID == agentID {
		return x.(*outboundDial)
	}
	return nil
}

// Dial implements agent.Voice: see the top of this file.
func (a agentVoice) Dial(ctx context.Context, agentID, phoneNumber, queueID string) (string, error) {
	v, _, err := a.voice()
	if err != nil {
		return "", err
	}
	inst, cc := a.inst, a.inst.cc
	number := core.NormalizeE164(phoneNumber)
	if !core.ValidE164(number) {
		return "", fmt.Errorf("%w: %q is not an E.164 phone number", routing.ErrInvalid, phoneNumber)
	}
	snap, err := inst.router.Agent(ctx, agentID)
	if err != nil {
		return "", err
	}
	if snap.Status != routing.StatusAvailable {
		return "", fmt.Errorf("%w: set the status to Available to place a call", agent.ErrTargetUnavailable)
	}
	for _, sl := range snap.Slots {
		if sl.Channel == string(contact.Voice) {
			return "", fmt.Errorf("%w: the agent is already on a call", agent.ErrTargetUnavailable)
		}
	}
	u, err := cc.st.Users.Get(ctx, inst.id, agentID)
	if err != nil {
		return "", err
	}
	if queueID == "" && u.RoutingProfileID != "" {
		if rp, err := cc.st.RoutingProfiles.Get(ctx, inst.id, u.RoutingProfileID); err == nil {
			queueID = rp.DefaultOutboundQueueID
		}
	}
	var callerIDNumber, callerIDName, whisper string
	if queueID != "" {
		q, err := cc.st.Queues.Get(ctx, inst.id, queueID)
		if err != nil {
			return "", fmt.Errorf("%w: queue %s: %v", agent.ErrUnknownTarget, queueID, err)
		}
		if o := q.OutboundCallerID; o != nil {
			callerIDNumber, callerIDName, whisper = o.Number, o.Name, o.FlowID
		}
	}
	trunk := v.outboundTrunk(ctx, "", inst.id)
	if trunk == nil {
		return "", fmt.Errorf("%w: the instance has no trunk with an outbound proxy", agent.ErrNoVoice)
	}
	d := &outboundDial{agentID: agentID, number: number, trunk: trunk, whisperFlowID: whisper}
	d.from, d.fromName, d.headers = callerID(trunk, engine.ThirdPartyRequest{CallerIDNumber: callerIDNumber,
		CallerIDName: callerIDName}, callerIDNumber)
	if d.from == "" {
		d.from = "anonymous"
	}
	ct, err := cc.contacts.Create(ctx, contact.NewContact{InstanceID: inst.id, Channel: contact.Voice,
		InitiationMethod: contact.Outbound,
		CustomerEndpoint: &contact.Endpoint{Type: contact.EndpointPhone, Address: number},
		SystemEndpoint:   &contact.Endpoint{Type: contact.EndpointPhone, Address: d.from},
		Voice:            &contact.VoiceDetails{TrunkID: trunk.ID, TrunkName: trunk.Name}})
	if err != nil {
		return "", err
	}
	q, err := inst.queueRefOf(ctx, routing.Target{AgentID: agentID})
	if err != nil {
		return "", err
	}
	queued, err := cc.contacts.Enqueue(ctx, inst.id, ct.ID, q)
	if err != nil {
		return "", err
	}
	v.dials.m.Store(ct.ID, d)
	if err := inst.router.Enqueue(ctx, routingContact(queued)); err != nil {
		v.dials.m.Delete(ct.ID)
		if _, e := cc.contacts.End(context.WithoutCancel(ctx), inst.id, ct.ID, contact.OtherDisconnect); e != nil {
			cc.log.Warn("dial: end the contact", "contact", ct.ID, "err", e)
		}
		return "", err
	}
	cc.log.Info("dial: agent's outbound call", "contact", ct.ID, "agent", agentID, "number", number, "from", d.from)
	return ct.ID, nil
}

// acceptDial accepts the router's offer of an agent's own outbound call
// on the agent's behalf. emit calls it: it does not block.
func (v *voiceChannel) acceptDial(inst *instanceCC, e routing.Event) {
	if v.pendingDial(e.ContactID, e.AgentID) == nil {
		return
	}
	v.calls.Add(1)
	go func() {
		defer v.calls.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := inst.router.Accept(ctx, e.AgentID, e.ContactID); err != nil {
			v.log.Warn("dial: accept the agent's own call", "contact", e.ContactID, "err", err)
		}
	}()
}

// placeDial carries out an agent's outbound call once the router
// connected it (see the top of this file).
func (v *voiceChannel) placeDial(ctx context.Context, inst *instanceCC, r agentLegRequest, d *outboundDial) {
	v.dials.m.Delete(r.contactID)
	c := &call{v: v, caller: d.number, trunk: d.trunk.ID, outbound: true, inst: inst.id, id: r.contactID,
		origin: media.Origin{SessionID: rand.Uint64() >> 1, Version: 1}}
	log := newCallLogger(v.log.With("agent", r.agentID, "number", d.number), c)
	c.log = log
	c.desk.req = make(chan agentLegRequest, 1)
	fail := func(reason contact.DisconnectReason, cause string, err error) {
		log.Info("dial: not connected", "cause", cause, "err", err)
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := v.cc.contacts.HangUp(hctx, inst.id, r.contactID, reason, contact.VoiceDetails{
			DisconnectedBy: contact.BySystem, HangupCause: cause}); err != nil {
			log.Warn("dial: record the failure", "err", err)
		}
		if err := inst.router.EndContact(hctx, r.contactID); err != nil {
			log.Debug("dial: end the contact in the router", "err", err)
		}
	}
	p, err := c.acquire(ctx, log, r)
	if err != nil {
		fail(contact.TelecomProblem, "agent-phone", err)
		return
	}
	if _, err := v.cc.contacts.ConnectAgent(ctx, inst.id, r.contactID, inst.agentRef(ctx, r.agentID)); err != nil {
		p.release()
		fail(contact.OtherDisconnect, "connect", err)
		return
	}
	// The agent may end the contact while it rings: that cancels the dial.
	dctx, dcancel := context.WithCancelCause(ctx)
	defer dcancel(nil)
	c.desk.mu.Lock()
	c.desk.cancel, c.desk.contact = dcancel, r.contactID
	c.desk.mu.Unlock()
	v.register(c)
	defer v.unregister(c)
	out, sess, err := c.dialLeg(dctx, log, legRequest{uri: thirdPartyURI(d.trunk, d.number), trunk: d.trunk,
		from: d.from, fromName: d.fromName, headers: d.headers, timeout: outboundRingTimeout})
	if err != nil {
		p.release()
		if errors.Is(context.Cause(dctx), errAgentEnded) {
			log.Info("dial: the agent hung up while it rang")
			return // the hub recorded AGENT_DISCONNECT; after-contact work follows
		}
		fail(contact.TelecomProblem, dialCause(err), err)
		return
	}
	callCtx, cancel := context.WithCancelCause(out.Context())
	defer cancel(nil)
	c.in, c.sess, c.ctx = out, sess, callCtx
	c.rec = newCallRecording(c)
	c.p = voice.New(voice.Config{TTS: v.tts, ASR: v.asr, Prompt: v.promptAudio(inst.id), DefaultVoice: v.cfg.TTSVoice,
		Record: c.rec.set, Dial: c.dial, Logger: log}, c.rec.media())
	c.rec.listen = c.p.ListenAudio
	mediaDone := make(chan struct{})
	go func() {
		defer close(mediaDone)
		if err := sess.Run(callCtx); errors.Is(err, media.ErrMediaTimeout) {
			log.Info("call: no media; hanging up", "timeout", v.cfg.MediaTimeout)
			c.setCause(contact.TelecomProblem, contact.BySystem, "media-timeout")
			cancel(err)
		}
	}()
	defer func() { <-mediaDone }()
	defer cancel(nil)
	defer sess.Close()
	go c.signalling(callCtx)
	log.Info("dial: answered", "codec", sess.Codec().Name)

	if d.whisperFlowID != "" {
		if ct, err := v.cc.contacts.Get(callCtx, inst.id, r.contactID); err == nil {
			wctx, wcancel := context.WithTimeout(callCtx, whisperLimit)
			c.runWhisper(wctx, inst, ct, d.whisperFlowID, "outbound", c.p)
			wcancel()
		}
	}
	t := newAgentTalk(c, inst, p)
	c.desk.mu.Lock()
	ended := errors.Is(context.Cause(dctx), errAgentEnded)
	if !ended {
		c.desk.talk, c.desk.cancel = t, nil
	}
	c.desk.mu.Unlock()
	if ended {
		p.release()
		c.agentGone(callCtx, inst, log, r.contactID)
	} else {
		c.converse(callCtx, t)
	}
	c.finish()
}

// dialCause is the hang-up cause of a failed dial, for the record.
func dialCause(err error) string {
	switch {
	case errors.Is(err, sip.ErrBusy):
		return "busy"
	case errors.Is(err, sip.ErrNoAnswer):
		return "no-answer"
	}
	return "call-failed"
}
