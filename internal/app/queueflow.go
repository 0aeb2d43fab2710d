package app

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// Customer queue flows: what a contact hears or reads while it waits.
//
// An inbound flow picks the flow with "Set customer queue flow"
// (UpdateContactEventHooks, hook CustomerQueue); the engine keeps it in the
// contact's EventHooks, which the run's Result hands back. When the inbound
// flow queues a chat contact that has one, runFlow calls watchQueueFlow
// before giving the contact to the router, and a goroutine per contact (a
// queueWait) follows the router's events for it, which emit passes to
// queueFlowEvent in the router's order:
//
//   - Queued (new, or back after a missed, rejected or failed offer, or
//     moved by a transfer): the queue flow runs from its start.
//   - Offered or Connected (chat): the run is cancelled at once, wherever
//     it is (MessageParticipantIteratively's wait, a function call...). A
//     call keeps its music or queue flow while the offer rings and the
//     agent's phone is reached: the call stops it when the agent's audio
//     is connected (queueTreatmentDone).
//   - Dequeued (the customer left), ACWStarted (the agent's part is over):
//     the contact is forgotten.
//
// How the queue flow ends:
//
//   - EndFlowExecution (or an action with nowhere to go): nothing more runs;
//     the contact keeps waiting, as in Connect.
//   - DisconnectParticipant: the contact leaves the router and the chat and
//     the contact end (CONTACT_FLOW_DISCONNECT), as after an inbound flow.
//   - TransferToQueue (TransferContactToQueue, DequeueContactAndTransferToQueue)
//     to another queue: the router moves the contact, keeping its routing
//     age, and the contact's queue is updated; the queue flow then runs again
//     from its start in the new queue. At most maxQueueFlowTransfers such
//     moves per contact, so two queue flows cannot bounce a contact forever.
//   - An error, or an outcome chat cannot carry out: logged; the contact
//     keeps waiting.
//
// A contact without a CustomerQueue hook runs nothing while it waits: the
// default queue flow of Amazon Connect only plays music, which a chat has
// no use for. The contact keeps its hooks (contact.Contact.EventHooks,
// saved when a flow ends), so a rebuilt router's waiting chats get their
// queue flows again, from the start (resumeQueueFlows).
//
// The queue flow cannot spin: MessageParticipantIteratively waits for its
// interrupt timer (chat.FlowParticipant.PlayIteratively), a flow that loops
// without talking to the customer stops after the engine's MaxSilentSteps,
// and every run is bounded by MaxSteps (10,000 actions: a loop of 3 actions
// interrupted every 30 s runs for 27 hours, longer than a chat lasts). A run
// that stops on a limit is not started again until the contact is queued
// again.

// maxQueueFlowTransfers bounds the queue-to-queue moves queue flows make for
// one contact.
const maxQueueFlowTransfers = 10

// hookCustomerQueue is the event hook of the customer queue flow.
const hookCustomerQueue = "CustomerQueue"

// queueFlows holds the contacts with a customer queue flow, by contact ID.
// The zero value is ready to use.
type queueFlows struct {
	mu sync.Mutex
	m  map[string]*queueWait
}

// queueWait is one contact with a customer queue flow, from the moment its
// inbound flow queues it until it leaves the router or is connected and done.
type queueWait struct {
	id   string
	leg  customerLeg // the customer's chat or call
	inst *instanceCC
	wake chan struct{} // poked when the fields below change

	// Owned by the waiting goroutine.
	ec        *engine.Contact  // the contact as the flows left it: hooks, attributes, working queue
	queue     contact.QueueRef // the queue it waits in
	transfers int              // queue-to-queue moves its queue flows made

	// Guarded by queueFlows.mu.
	waiting bool               // in a queue, not offered or connected
	queued  uint64             // Queued events seen: each one starts the flow again
	gone    bool               // left the router (or never reached it)
	stop    context.CancelFunc // cancels the running flow or idle treatment; nil when none runs
}

func (w *queueWait) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// customerQueueHook is the contact's customer queue flow, if it has one that
// is enabled.
func customerQueueHook(ec *engine.Contact) (engine.EventHook, bool) {
	if ec == nil {
		return engine.EventHook{}, false
	}
	h, ok := ec.EventHooks[hookCustomerQueue]
	return h, ok && !h.Disabled && (h.FlowID != "" || h.Ref != "")
}

// watchQueueFlow arranges for the customer queue flow of qc, whose inbound
// flow left it as ec, to run while it waits. runFlow calls it after
// contact.Enqueue and before router.Enqueue, so that the router's first
// Queued event finds it; forgetQueueFlow undoes it when router.Enqueue
// fails. ctx is the contact center's run context, and the caller runs in a
// goroutine counted by cc.wg (so adding to it here is safe).
func (cc *contactCenter) watchQueueFlow(ctx context.Context, inst *instanceCC, qc *contact.Contact, ec *engine.Contact, leg customerLeg) {
	if qc.Queue == nil {
		return
	}
	if _, ok := customerQueueHook(ec); !ok && qc.Channel != contact.Voice {
		return // a chat without a queue flow needs nothing while it waits
	}
	w := &queueWait{id: qc.ID, leg: leg, inst: inst, wake: make(chan struct{}, 1), ec: cloneContact(ec),
		queue: contact.QueueRef{ID: qc.Queue.ID, Name: qc.Queue.Name, Priority: qc.Queue.Priority,
			TimeAdjustmentSeconds: qc.Queue.TimeAdjustmentSeconds}}
	qf := &cc.queueFlows
	qf.mu.Lock()
	if qf.m == nil {
		qf.m = map[string]*queueWait{}
	}
	if old := qf.m[w.id]; old != nil { // not expected: one inbound flow queues a contact once
		old.leaveLocked()
	}
	qf.m[w.id] = w
	qf.mu.Unlock()
	cc.wg.Add(1)
	go func() {
		defer cc.wg.Done()
		cc.waitInQueue(ctx, w)
	}()
}

// cloneContact copies what queue flows change of an engine contact, so that
// they never share a map with the inbound flow's result, which its caller
// may still read.
func cloneContact(ec *engine.Contact) *engine.Contact {
	cp := *ec
	cp.Attributes = maps.Clone(ec.Attributes)
	cp.RelatedAttributes = maps.Clone(ec.RelatedAttributes)
	cp.FlowAttributes = maps.Clone(ec.FlowAttributes)
	cp.External = maps.Clone(ec.External)
	cp.Metrics = maps.Clone(ec.Metrics)
	cp.VoiceID = maps.Clone(ec.VoiceID)
	cp.EventHooks = maps.Clone(ec.EventHooks)
	cp.Tags = maps.Clone(ec.Tags)
	return &cp
}

// forgetQueueFlow stops following a contact (the router refused it).
func (cc *contactCenter) forgetQueueFlow(contactID string) {
	qf := &cc.queueFlows
	qf.mu.Lock()
	defer qf.mu.Unlock()
	if w := qf.m[contactID]; w != nil {
		delete(qf.m, contactID)
		w.leaveLocked()
	}
}

// leaveLocked marks w gone and stops its flow; queueFlows.mu is held.
func (w *queueWait) leaveLocked() {
	w.gone, w.waiting = true, false
	if w.stop != nil {
		w.stop()
	}
	w.poke()
}

// queueFlowEvent follows the router's events for contacts with a queue
// flow. emit calls it for every event, in the router's order, on the
// router's delivery goroutine: it only updates state and never blocks.
func (cc *contactCenter) queueFlowEvent(e routing.Event) {
	if e.ContactID == "" {
		return
	}
	qf := &cc.queueFlows
	qf.mu.Lock()
	defer qf.mu.Unlock()
	w := qf.m[e.ContactID]
	if w == nil {
		return
	}
	switch e.Type {
	case routing.EventQueued:
		w.waiting = true
		w.queued++
		if w.stop != nil { // the idle treatment gives way to the queue flow
			w.stop()
		}
		w.poke()
	case routing.EventOffered, routing.EventConnected:
		if w.leg.channel() == engine.ChannelVoice {
			// A caller keeps hearing the music (or the queue flow) while
			// the agent's console or desk phone rings, as on Connect: the
			// call stops it once the agent's audio is there
			// (queueTreatmentDone).
			break
		}
		w.stopWaitingLocked()
	case routing.EventDequeued, routing.EventACWStarted:
		delete(qf.m, e.ContactID)
		w.leaveLocked()
	}
}

// stopWaitingLocked stops w's queue flow or music: it is with an agent.
// queueFlows.mu is held.
func (w *queueWait) stopWaitingLocked() {
	w.waiting = false
	if w.stop != nil {
		w.stop()
	}
}

// queueTreatmentDone stops what a waiting call hears (music, queue flow):
// its agent's audio is connected. A Queued event (the agent's phone was
// not reached after all) starts it again.
func (cc *contactCenter) queueTreatmentDone(contactID string) {
	qf := &cc.queueFlows
	qf.mu.Lock()
	defer qf.mu.Unlock()
	if w := qf.m[contactID]; w != nil {
		w.stopWaitingLocked()
	}
}

// waitInQueue runs w's queue flow each time the contact is queued, until it
// leaves the router or ctx ends.
func (cc *contactCenter) waitInQueue(ctx context.Context, w *queueWait) {
	qf := &cc.queueFlows
	defer func() {
		qf.mu.Lock()
		if qf.m[w.id] == w {
			delete(qf.m, w.id)
		}
		qf.mu.Unlock()
	}()
	var ran uint64
	for {
		var rctx context.Context
		flowRun := false
		qf.mu.Lock()
		gone := w.gone
		if !gone && w.waiting && ctx.Err() == nil {
			flowRun = w.queued != ran
			ran = w.queued
			rctx, w.stop = context.WithCancel(ctx)
		}
		qf.mu.Unlock()
		if gone {
			return
		}
		if rctx == nil {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
			continue
		}
		if flowRun {
			cc.runQueueFlow(rctx, w)
		} else {
			w.leg.idle(rctx, w)
		}
		qf.mu.Lock()
		w.stop()
		w.stop = nil
		qf.mu.Unlock()
	}
}

// runQueueFlow runs the contact's customer queue flow once, until it ends
// or ctx is cancelled, and acts on how it ended.
func (cc *contactCenter) runQueueFlow(ctx context.Context, w *queueWait) {
	h, ok := customerQueueHook(w.ec) // a queue flow may have changed it
	if !ok {
		return
	}
	log := cc.log.With("contact", w.id, "queue_flow", h.FlowName)
	res := storeResources{st: cc.st, instanceID: w.inst.id}
	lf, err := res.Flow(ctx, engine.Ref{Value: h.FlowID, Name: h.FlowName})
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("queue flow: load; the contact waits without it", "err", err)
		}
		return
	}
	p, err := w.leg.participant(ctx)
	if err != nil {
		log.Debug("queue flow: participant", "err", err) // the chat or call has ended
		return
	}
	defer p.Close()
	e := engine.New(engine.Env{Resources: res, Functions: cc.functions, Metrics: w.inst.router, Logger: cc.log})
	before := maps.Clone(w.ec.Attributes)
	out, err := e.RunLoaded(ctx, lf, w.ec, p)
	if out != nil && out.Contact != nil {
		if c, err := cc.contacts.Get(context.WithoutCancel(ctx), w.inst.id, w.id); err == nil {
			cc.saveFlowData(context.WithoutCancel(ctx), c, before, out.Contact)
		}
	}
	if ctx.Err() != nil {
		return // offered to an agent, gone, or shutting down
	}
	if err != nil || out == nil {
		log.Warn("queue flow failed; the contact keeps waiting", "err", err)
		return
	}
	// The run is over: what follows must not be cut short by the events
	// it causes (Dequeued, Queued) cancelling ctx.
	ctx = context.WithoutCancel(ctx)
	switch o := out.Outcome; o.Type {
	case engine.OutcomeEndFlow:
		// The contact keeps waiting.
	case engine.OutcomeDisconnect:
		cc.endFromQueue(ctx, w, log)
	case engine.OutcomeTransferToQueue:
		cc.transferFromQueue(ctx, w, o.Queue, log)
	case engine.OutcomeTransferToPhoneNumber:
		if h, ok := w.leg.(handedOverLeg); ok && h.handedOver() {
			// Bridged to the number (voice_dial.go): out of the queue, so
			// no agent is offered it; the call ends the contact.
			if err := w.inst.router.EndContact(ctx, w.id); err != nil && !errors.Is(err, routing.ErrUnknownContact) {
				log.Warn("queue flow: leave the router", "err", err)
			}
			return
		}
		log.Warn("queue flow: outcome not carried out on this channel; the contact keeps waiting", "outcome", o.Type)
	default:
		log.Warn("queue flow: outcome not carried out on this channel; the contact keeps waiting", "outcome", o.Type)
	}
}

// endFromQueue ends a waiting contact whose queue flow disconnected it.
func (cc *contactCenter) endFromQueue(ctx context.Context, w *queueWait, log *slog.Logger) {
	if err := w.inst.router.EndContact(ctx, w.id); err != nil && !errors.Is(err, routing.ErrUnknownContact) {
		log.Warn("queue flow: leave the router", "err", err)
	}
	w.leg.end(ctx, w.id, contact.ContactFlowDisconnect)
}

// transferFromQueue moves a waiting contact to the queue its queue flow
// transferred it to. The router moves it first: it is the one that may
// refuse (a full or disabled queue), and once it has, an agent of the new
// queue may get the contact at once; the contact's record follows.
func (cc *contactCenter) transferFromQueue(ctx context.Context, w *queueWait, t *engine.QueueTarget, log *slog.Logger) {
	switch {
	case t == nil || t.Queue == nil:
		log.Warn("queue flow: transfer to an agent's queue is not supported yet; the contact keeps waiting")
		return
	case t.Queue.ID == w.queue.ID:
		return // already there
	case w.transfers >= maxQueueFlowTransfers:
		log.Warn("queue flow: too many transfers between queues; the contact stays in its queue",
			"queue", w.queue.Name, "limit", maxQueueFlowTransfers)
		return
	}
	w.transfers++
	to := contact.QueueRef{ID: t.Queue.ID, Name: t.Queue.Name, Priority: w.ec.Routing.Priority,
		TimeAdjustmentSeconds: int64(w.ec.Routing.TimeAdjustment / time.Second)}
	if err := w.inst.router.Transfer(ctx, w.id, routing.Target{QueueID: to.ID}); err != nil {
		log.Warn("queue flow: transfer; the contact stays in its queue", "queue", to.Name, "err", err)
		return
	}
	from := w.queue
	w.queue = to
	if _, err := cc.contacts.Enqueue(ctx, w.inst.id, w.id, to); err != nil {
		if errors.Is(err, contact.ErrInvalidTransition) {
			// Already offered to an agent of the new queue, or gone: the
			// record keeps the old queue.
			log.Info("queue flow: the transfer is not recorded", "from", from.Name, "to", to.Name, "err", err)
			return
		}
		log.Warn("queue flow: record the transfer", "from", from.Name, "to", to.Name, "err", err)
	}
}

// resumeQueueFlows starts again, from their start, the customer queue flows
// of the chats a rebuilt router holds waiting (their hooks are kept with
// the contacts). ctx is the contact center's run context.
func (inst *instanceCC) resumeQueueFlows(ctx context.Context, snap routing.Snapshot) {
	cc := inst.cc
	for _, rc := range snap.Contacts {
		if rc.State != routing.ContactWaiting || rc.Channel != string(contact.Chat) {
			continue
		}
		c, err := cc.contacts.Get(ctx, inst.id, rc.ID)
		if err != nil || c.EventHooks[hookCustomerQueue] == "" || c.Queue == nil {
			continue
		}
		ec := engine.NewContact(c.ID, engine.ChannelChat)
		ec.InstanceID = c.InstanceID
		if c.InitialContactID != "" {
			ec.InitialContactID, ec.PreviousContactID = c.InitialContactID, c.PreviousContactID
		}
		maps.Copy(ec.Attributes, c.Attributes)
		for name, id := range c.EventHooks {
			ec.EventHooks[name] = engine.EventHook{FlowID: id, Ref: id}
		}
		if rc.QueueID != "" {
			if q, err := inst.queueTarget(ctx, routing.Target{QueueID: rc.QueueID}); err == nil {
				ec.Queue = q
			}
		}
		cc.watchQueueFlow(ctx, inst, c, ec, cc.chatLeg(c))
		qf := &cc.queueFlows
		qf.mu.Lock()
		if w := qf.m[c.ID]; w != nil && !w.gone {
			w.waiting = true // as if the router had just queued it
			w.queued++
			w.poke()
		}
		qf.mu.Unlock()
	}
}
