package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/softphone"
)

// Agents on the browser softphone (User.PhoneType SOFT_PHONE). The
// softphone connects its WebRTC session once, at login, over the agent
// WebSocket (rtcOffer: internal/softphone answers), and keeps it: the
// agent's line exists across calls. When the router connects a call to
// such an agent, the call (serveAgents) waits for the line to be connected
// — at once with the persistent session; up to softphoneWait for a
// softphone that connects per call, or is reloading — then records the
// contact CONNECTED and bridges the caller to the line (agentTalk). A
// reload of the agent's page mid-call sends a new offer: the line swaps
// its peer connection under the bridge, and the call carries on.
//
//   - No softphone connected within softphoneWait: the contact goes back to
//     its place in the queue and the agent to Error (routing ContactError),
//     as for a desk phone that does not answer.
//   - The customer hangs up: the contact ends CUSTOMER_DISCONNECT and the
//     agent goes to after-contact work (finish).
//   - The agent ends the contact (endContact): the hub records
//     AGENT_DISCONNECT; the router's ACWStarted ends the talk and the
//     caller is hung up.
//   - The agent's line is dropped (the agent logged out): as endContact.

// softphoneWait bounds the wait for an agent's softphone to connect.
const softphoneWait = 10 * time.Second

// acquireSoftphone waits for the agent's softphone line to be connected
// and returns it as the agent's party. The line stays the agent's when the
// call ends: release only lets go of it.
func (c *call) acquireSoftphone(ctx context.Context, log *slog.Logger, agentID, contactID string) (*party, error) {
	phones := c.v.phones.Load()
	if phones == nil {
		return nil, errors.New("the softphone service stopped")
	}
	line := phones.Line(agentID)
	wctx, cancel := context.WithTimeout(ctx, softphoneWait)
	defer cancel()
	if err := line.WaitConnected(wctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("the agent's softphone is not connected (waited %s): %w", softphoneWait, err)
	}
	return &party{agentID: agentID, contactID: contactID, kind: "softphone", ep: line, release: func() {},
		log: log.With("phone", "softphone")}, nil
}

// agentVoice is an instance's agent.Voice: the softphone's signalling
// and the controls of the calls connected to its agents.
type agentVoice struct{ inst *instanceCC }

var _ agent.Voice = agentVoice{}

// voice returns the voice channel and its softphones, or no_voice when
// calls are not served here.
func (a agentVoice) voice() (*voiceChannel, *softphone.Manager, error) {
	v := a.inst.cc.voice
	if v == nil {
		return nil, nil, fmt.Errorf("%w: calls are not served here (SIP is off)", agent.ErrNoVoice)
	}
	p := v.phones.Load()
	if p == nil {
		return nil, nil, fmt.Errorf("%w: calls are not served here now", agent.ErrNoVoice)
	}
	return v, p, nil
}

func (a agentVoice) RTCOffer(ctx context.Context, agentID, sdp string) (string, error) {
	_, phones, err := a.voice()
	if err != nil {
		return "", err
	}
	answer, err := phones.Offer(ctx, agentID, sdp)
	if err != nil {
		return "", fmt.Errorf("%w: %v", agent.ErrRTC, err)
	}
	return answer, nil
}

func (a agentVoice) RTCCandidate(_ context.Context, agentID string, c agent.ICECandidate) error {
	_, phones, err := a.voice()
	if err != nil {
		return err
	}
	if err := phones.Candidate(agentID, webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid,
		SDPMLineIndex: c.SDPMLineIndex}); err != nil {
		return fmt.Errorf("%w: %v", agent.ErrRTC, err)
	}
	return nil
}

// talk returns the conversation of a call connected to the agent here.
func (a agentVoice) talk(agentID, contactID string) (*agentTalk, error) {
	v, _, err := a.voice()
	if err != nil {
		return nil, err
	}
	c := v.liveCall(contactID)
	if c == nil || c.inst != a.inst.id {
		return nil, fmt.Errorf("%w: the call is not connected here", agent.ErrNoVoice)
	}
	return c.talking(agentID)
}

func (a agentVoice) Hold(_ context.Context, agentID, contactID string, on bool) error {
	t, err := a.talk(agentID, contactID)
	if err != nil {
		return err
	}
	return t.setHold(on) // the talk records it and tells the agent
}

func (a agentVoice) Mute(_ context.Context, agentID, contactID string, on bool) error {
	t, err := a.talk(agentID, contactID)
	if err != nil {
		return err
	}
	t.muted.Store(on)
	t.poke() // a conference's mixer takes it on its next arrangement
	t.log.Info("agent: mute", "muted", on)
	return nil
}

func (a agentVoice) SendDigits(ctx context.Context, agentID, contactID, digits string) error {
	t, err := a.talk(agentID, contactID)
	if err != nil {
		return err
	}
	// The digits play out in the background: the ack does not wait for
	// the 160 ms each takes.
	go func() {
		if err := sendDigits(t.c.ctx, t.c.sess, digits); err != nil && t.c.ctx.Err() == nil {
			t.log.Info("agent: digits not sent", "err", err)
		}
	}()
	return nil
}

// Consult puts the caller on hold and calls a third party for the agent:
// another agent (their personal queue, or a user quick connect) or a queue
// through the router, as a new contact related to the call's (Connect's
// TRANSFER contact), or a phone number through the trunk.
func (a agentVoice) Consult(ctx context.Context, agentID, contactID string, to agent.TransferTarget) (string, error) {
	t, err := a.talk(agentID, contactID)
	if err != nil {
		return "", err
	}
	inst, cc, c := a.inst, a.inst.cc, t.c
	target := routing.Target{QueueID: to.QueueID, AgentID: to.AgentID}
	number := ""
	switch {
	case to.FlowID != "":
		return "", fmt.Errorf("%w: a consultation calls an agent, a queue or a phone number, not a flow", agent.ErrTargetUnavailable)
	case to.QuickConnectID != "":
		if target, number, _, err = inst.quickConnect(ctx, agentID, to.QuickConnectID); err != nil {
			return "", err
		}
	case to.PhoneNumber != "":
		number = to.PhoneNumber
	}
	var trunk *core.Trunk
	if number != "" {
		n := core.NormalizeE164(number)
		if !core.ValidE164(n) {
			return "", fmt.Errorf("%w: %q is not an E.164 phone number", routing.ErrInvalid, number)
		}
		number = n
		if trunk = c.v.outboundTrunk(ctx, c.trunk, inst.id); trunk == nil {
			return "", fmt.Errorf("%w: no trunk with an outbound proxy", agent.ErrTargetUnavailable)
		}
	} else {
		if target.AgentID == agentID {
			return "", fmt.Errorf("%w: an agent cannot consult themselves", agent.ErrTargetUnavailable)
		}
		if err := inst.router.CheckTarget(ctx, target, string(contact.Voice)); err != nil {
			return "", err
		}
	}
	next, err := cc.contacts.Consult(ctx, inst.id, contactID)
	if err != nil {
		return "", err
	}
	c.desk.mu.Lock()
	if c.desk.consult == nil {
		c.desk.consult = map[string]bool{}
	}
	c.desk.consult[next.ID] = true
	c.desk.mu.Unlock()
	c.v.alias(c, next.ID)
	if err := t.startConsult(next.ID); err != nil {
		c.endPending(inst, next.ID, contact.OtherDisconnect)
		return "", err
	}
	log := c.log.With("consult_contact", next.ID)
	if number != "" {
		req := legRequest{uri: thirdPartyURI(trunk, number), trunk: trunk, timeout: thirdPartyTimeout}
		req.from, req.fromName, req.headers = callerID(trunk, engine.ThirdPartyRequest{}, c.caller)
		c.v.calls.Add(1)
		go func() {
			defer c.v.calls.Done()
			p, err := c.dialParty(c.ctx, log.With("third_party", number), req, "", next.ID, "phone number")
			if err != nil {
				log.Info("consultation: the number did not answer", "number", number, "err", err)
				if _, _, cerr := t.cancelConsult(); cerr == nil {
					c.endPending(inst, next.ID, contact.OtherDisconnect)
				}
				inst.hub.ConsultFailed(agentID, contactID, next.ID, err.Error())
				return
			}
			if !t.attachThird(p) {
				c.endParty(inst, p, contact.AgentDisconnect)
			}
		}()
		log.Info("consultation: dialling a number", "number", number)
		return next.ID, nil
	}
	q, err := inst.queueRefOf(ctx, target)
	if err == nil {
		var queued *contact.Contact
		if queued, err = cc.contacts.Enqueue(ctx, inst.id, next.ID, q); err == nil {
			err = inst.router.Enqueue(ctx, routingContact(queued))
		}
	}
	if err != nil {
		_, _, _ = t.cancelConsult()
		c.endPending(inst, next.ID, contact.OtherDisconnect)
		return "", err
	}
	log.Info("consultation: queued for the third party", "queue", q.ID)
	return next.ID, nil
}

// Conference joins the caller, the agent and the consulted party.
func (a agentVoice) Conference(_ context.Context, agentID, contactID string) error {
	t, err := a.talk(agentID, contactID)
	if err != nil {
		return err
	}
	return t.join()
}

// CancelConsult drops the consulted party; the caller stays on hold.
func (a agentVoice) CancelConsult(_ context.Context, agentID, contactID string) error {
	t, err := a.talk(agentID, contactID)
	if err != nil {
		return err
	}
	p, pending, err := t.cancelConsult()
	if err != nil {
		return err
	}
	if p != nil {
		t.c.endParty(a.inst, p, contact.AgentDisconnect)
	} else {
		t.c.endPending(a.inst, pending, contact.AgentDisconnect)
	}
	return nil
}
