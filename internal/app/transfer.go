package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// agentQueuePrefix starts the queue ID a contact records when it waits in
// an agent's personal queue (a transfer or quick connect to an agent), as
// Connect's agent queues: "agent/<user id>".
const agentQueuePrefix = "agent/"

// Transfer implements agent.Transferer. The agent's contact ends for it
// (TRANSFERRED, DISCONNECTED, after-contact work) and a new contact, with
// the old one as PreviousContactId and the same InitialContactId and
// attributes, goes to the target:
//
//   - a queue, or an agent's personal queue: it waits there, keeping the
//     place in line the customer had earned;
//   - a quick connect: its queue or agent, through the quick connect's
//     transfer flow if it names one (the flow starts with that queue as its
//     working queue, so its TransferContactToQueue sends the contact there);
//     phone-number quick connects need a voice contact;
//   - a flow (published): the flow runs for the new contact, as an inbound
//     flow does.
//
// A chat carries on: the customer stays in the same chat (keyed by the
// InitialContactId), the first agent leaves it and the next one joins. The
// target is checked before anything changes.
func (inst *instanceCC) Transfer(ctx context.Context, agentID, contactID string, to agent.TransferTarget) (string, error) {
	cc, m := inst.cc, inst.cc.contacts
	old, err := m.Get(ctx, inst.id, contactID)
	if err != nil {
		return "", err
	}
	// A call moves with its contact: its caller waits in the target queue
	// (music on hold), runs the transfer flow or is connected to the
	// phone number. A call another process serves cannot be moved here.
	var call *call
	if old.Channel == contact.Voice {
		call = cc.voice.liveCall(contactID)
		if call == nil && to.PhoneNumber != "" {
			return "", fmt.Errorf("%w: the call is not connected here", agent.ErrNoVoice)
		}
	}
	target := routing.Target{QueueID: to.QueueID, AgentID: to.AgentID}
	flowRef, number := to.FlowID, to.PhoneNumber
	if to.QuickConnectID != "" {
		if target, number, flowRef, err = inst.quickConnect(ctx, agentID, to.QuickConnectID); err != nil {
			return "", err
		}
	}
	if number != "" {
		if call == nil {
			return "", fmt.Errorf("%w: only a call connected here is transferred to a phone number (this is a %s contact)",
				agent.ErrTargetUnavailable, old.Channel)
		}
		return inst.transferToNumber(ctx, agentID, old, call, number)
	}
	var lf *engine.LoadedFlow
	if flowRef != "" {
		lf, err = storeResources{st: cc.st, instanceID: inst.id}.Flow(ctx, engine.Ref{Value: flowRef})
		if errors.Is(err, engine.ErrNotFound) {
			return "", fmt.Errorf("%w: %v", agent.ErrUnknownTarget, err)
		} else if err != nil {
			return "", err
		}
	}
	var q contact.QueueRef
	if target != (routing.Target{}) {
		if err := inst.router.CheckTarget(ctx, target, string(old.Channel)); err != nil {
			return "", err
		}
		if q, err = inst.queueRefOf(ctx, target); err != nil {
			return "", err
		}
		if old.Queue != nil {
			q.Priority, q.TimeAdjustmentSeconds = old.Queue.Priority, old.Queue.TimeAdjustmentSeconds
		}
	}
	old, next, err := m.Transfer(ctx, inst.id, contactID, contact.TransferRequest{Reason: contact.AgentDisconnect})
	if err != nil {
		return "", err
	}
	// The agent wraps the old contact up (the router's ACWStarted makes its
	// console leave the chat).
	if err := inst.router.EndContact(ctx, contactID); err != nil {
		cc.log.Warn("transfer: end the transferred contact in the router", "contact", contactID, "err", err)
	}
	var leg customerLeg = cc.chatLeg(next)
	if call != nil {
		cc.voice.relink(call, next.ID)
		leg = call
	}
	fail := func(err error) (string, error) {
		cc.log.Error("transfer: the new contact could not be placed; ending it", "contact", next.ID, "err", err)
		if old.Channel == contact.Chat {
			if e := cc.chats.EndChat(context.WithoutCancel(ctx), chatIDOf(old), chat.ReasonOther); e != nil {
				cc.log.Warn("transfer: end the chat", "contact", next.ID, "err", e)
			}
		}
		if call != nil {
			call.setCause(contact.OtherDisconnect, contact.BySystem, "transfer-failed")
			call.hangUpCustomer(context.WithoutCancel(ctx))
		}
		if _, e := m.End(context.WithoutCancel(ctx), inst.id, next.ID, contact.OtherDisconnect); e != nil {
			cc.log.Warn("transfer: end the new contact", "contact", next.ID, "err", e)
		}
		return "", err
	}
	if lf != nil {
		if next, err = m.StartFlow(ctx, inst.id, next.ID, lf.ID); err != nil {
			return fail(err)
		}
		var preset *engine.QueueTarget
		if target != (routing.Target{}) {
			if preset, err = inst.queueTarget(ctx, target); err != nil {
				return fail(err)
			}
		}
		runCtx, done, ok := cc.acquireRun()
		if !ok {
			return fail(errNotActive)
		}
		go func() {
			defer done()
			cc.runFlow(runCtx, next, lf, next.Attributes, preset, leg)
		}()
		cc.log.Info("contact transferred to a flow", "contact", contactID, "next", next.ID, "flow", lf.Name, "agent", agentID)
		return next.ID, nil
	}
	queued, err := m.Enqueue(ctx, inst.id, next.ID, q)
	if err != nil {
		return fail(err)
	}
	rc := routingContact(queued)
	if old.Queue != nil && !old.Queue.EnqueueTimestamp.IsZero() {
		rc.EnqueuedAt = old.Queue.EnqueueTimestamp // keep the place in line
	}
	if call != nil {
		// The caller hears the queue's music (and its queue flow, if the
		// contact has one) while it waits again.
		runCtx, done, ok := cc.acquireRun()
		if !ok {
			return fail(errNotActive)
		}
		ec := engine.NewContact(next.ID, engine.ChannelVoice)
		ec.InstanceID, ec.InitialContactID, ec.PreviousContactID = next.InstanceID, next.InitialContactID, next.PreviousContactID
		maps.Copy(ec.Attributes, next.Attributes)
		for name, id := range next.EventHooks {
			ec.EventHooks[name] = engine.EventHook{FlowID: id, Ref: id}
		}
		cc.watchQueueFlow(runCtx, inst, queued, ec, call)
		done()
	}
	if err := inst.router.Enqueue(ctx, rc); err != nil {
		if call != nil {
			cc.forgetQueueFlow(next.ID)
		}
		return fail(err)
	}
	cc.log.Info("contact transferred", "contact", contactID, "next", next.ID, "queue", q.ID, "agent", agentID)
	return next.ID, nil
}

// quickConnect resolves a quick connect an agent picked: its queue or
// agent and the transfer flow it names, or its phone number. Only a quick
// connect the agent is offered (listQuickConnects: one associated with a
// queue of its routing profile) is accepted; any other is refused as
// target_unavailable, so a client cannot reach past the agent's list.
func (inst *instanceCC) quickConnect(ctx context.Context, agentID, id string) (t routing.Target, number, flowID string, err error) {
	qc, err := inst.cc.st.QuickConnects.Get(ctx, inst.id, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, "", "", fmt.Errorf("%w: quick connect %s", agent.ErrUnknownTarget, id)
	} else if err != nil {
		return t, "", "", err
	}
	offered, err := offeredQuickConnects(ctx, inst.cc.st, inst.id, agentID)
	if err != nil {
		return t, "", "", err
	}
	if !offered[qc.ID] {
		return t, "", "", fmt.Errorf("%w: quick connect %q is not offered to this agent (no queue of its routing profile lists it)",
			agent.ErrTargetUnavailable, qc.Name)
	}
	switch qc.Type {
	case core.QuickConnectQueue:
		t.QueueID = qc.QueueID
	case core.QuickConnectUser:
		t.AgentID = qc.UserID
	default:
		number = qc.PhoneNumber
	}
	return t, number, qc.FlowID, nil
}

// transferToNumber is an agent's cold transfer of a call to an external
// number: the agent's part ends (after-contact work) and a new, related
// contact carries the call, which is connected to the number through the
// instance's trunk as a flow's transfer to a phone number is, without
// going back to a flow: it ends when either side hangs up. If the number
// cannot be reached the caller is hung up (OTHER).
func (inst *instanceCC) transferToNumber(ctx context.Context, agentID string, old *contact.Contact, c *call, number string) (string, error) {
	cc, m := inst.cc, inst.cc.contacts
	n := core.NormalizeE164(number)
	if !core.ValidE164(n) {
		return "", fmt.Errorf("%w: %q is not an E.164 phone number", routing.ErrInvalid, number)
	}
	if cc.voice.outboundTrunk(ctx, c.trunk, inst.id) == nil {
		return "", fmt.Errorf("%w: no trunk with an outbound proxy", agent.ErrTargetUnavailable)
	}
	_, next, err := m.Transfer(ctx, inst.id, old.ID, contact.TransferRequest{Reason: contact.AgentDisconnect})
	if err != nil {
		return "", err
	}
	if err := inst.router.EndContact(ctx, old.ID); err != nil {
		cc.log.Warn("transfer: end the transferred contact in the router", "contact", old.ID, "err", err)
	}
	cc.voice.relink(c, next.ID)
	cc.voice.calls.Add(1)
	go func() {
		defer cc.voice.calls.Done()
		err := c.dial(c.ctx, engine.ThirdPartyRequest{PhoneNumber: n})
		if err != nil && c.ctx.Err() == nil {
			c.log.Info("transfer to a number: not connected; hanging up the caller", "number", n, "err", err)
			c.setCause(contact.OtherDisconnect, contact.BySystem, "transfer-failed")
			c.hangUpCustomer(c.ctx)
		}
	}()
	cc.log.Info("call transferred to a number", "contact", old.ID, "next", next.ID, "number", n, "agent", agentID)
	return next.ID, nil
}

// queueRefOf is the contact's record of a routing target.
func (inst *instanceCC) queueRefOf(ctx context.Context, t routing.Target) (contact.QueueRef, error) {
	if t.AgentID != "" {
		return contact.QueueRef{ID: agentQueuePrefix + t.AgentID, Name: inst.agentRef(ctx, t.AgentID).Username}, nil
	}
	q := contact.QueueRef{ID: t.QueueID}
	qq, err := inst.cc.st.Queues.Get(ctx, inst.id, t.QueueID)
	if err == nil {
		q.Name = qq.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return q, err
	}
	return q, nil
}

// queueTarget is a routing target as the flow engine's working queue.
func (inst *instanceCC) queueTarget(ctx context.Context, t routing.Target) (*engine.QueueTarget, error) {
	st := inst.cc.st
	if t.AgentID != "" {
		u, err := st.Users.Get(ctx, inst.id, t.AgentID)
		if err != nil {
			return nil, err
		}
		return &engine.QueueTarget{ID: agentQueuePrefix + u.ID, Name: u.Username, Agent: u}, nil
	}
	q, err := st.Queues.Get(ctx, inst.id, t.QueueID)
	if err != nil {
		return nil, err
	}
	return &engine.QueueTarget{ID: q.ID, Name: q.Name, Queue: q}, nil
}

// queueRef is the contact's record of the queue a flow transferred to: a
// queue, or an agent's personal queue.
func queueRef(t *engine.QueueTarget) (contact.QueueRef, bool) {
	switch {
	case t == nil:
		return contact.QueueRef{}, false
	case t.Queue != nil:
		return contact.QueueRef{ID: t.Queue.ID, Name: t.Queue.Name}, true
	case t.Agent != nil:
		return contact.QueueRef{ID: agentQueuePrefix + t.Agent.ID, Name: t.Agent.Username}, true
	}
	return contact.QueueRef{}, false
}

// chatIDOf is the chat of a chat contact: its first contact's.
func chatIDOf(c *contact.Contact) string {
	if c.InitialContactID != "" {
		return c.InitialContactID
	}
	return c.ID
}

// currentContact follows a contact's transfers (NextContactID) to the one
// that carries the customer now.
func (cc *contactCenter) currentContact(ctx context.Context, c *contact.Contact) (*contact.Contact, error) {
	for range 100 { // a chain of transfers is short; this bounds a cycle
		if c.NextContactID == "" {
			return c, nil
		}
		n, err := cc.contacts.Get(ctx, c.InstanceID, c.NextContactID)
		if err != nil {
			return nil, fmt.Errorf("contact %s transferred to %s: %w", c.ID, c.NextContactID, err)
		}
		c = n
	}
	return nil, fmt.Errorf("contact %s: too many transfers", c.ID)
}

// routingTargetOf is the routing target a contact's queue ID names: a
// queue, or an agent's personal queue.
func routingTargetOf(queueID string) routing.Target {
	if agentID, ok := strings.CutPrefix(queueID, agentQueuePrefix); ok {
		return routing.Target{AgentID: agentID}
	}
	return routing.Target{QueueID: queueID}
}

// routingContact is the router's view of a queued contact.
func routingContact(c *contact.Contact) routing.Contact {
	rc := routing.Contact{ID: c.ID, Channel: string(c.Channel)}
	if c.Queue != nil {
		t := routingTargetOf(c.Queue.ID)
		rc.AgentID, rc.QueueID = t.AgentID, t.QueueID
		rc.EnqueuedAt = c.Queue.EnqueueTimestamp
		rc.Priority = c.Queue.Priority
		rc.AgeAdjust = time.Duration(c.Queue.TimeAdjustmentSeconds) * time.Second
	}
	return rc
}
