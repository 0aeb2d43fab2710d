package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// AgentEvent is an agent event on the AGENT_EVENTS stream (and to webhooks
// subscribed to agent events): what happens to an agent, in the router's
// order. Type (the envelope's and the subject's last token) is one of
// STATE_CHANGE (Status and System say the new state), CONTACT_OFFERED,
// CONTACT_CONNECTED, CONTACT_REJECTED, CONTACT_MISSED, CONTACT_ERROR,
// OFFER_WITHDRAWN, ACW_STARTED and ACW_ENDED (ContactID, Channel, QueueID).
type AgentEvent struct {
	AgentID   string    `json:"agentId"`
	Username  string    `json:"username,omitempty"`
	Time      time.Time `json:"time"`
	Status    string    `json:"status,omitempty"`
	System    string    `json:"system,omitempty"`
	ContactID string    `json:"contactId,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	QueueID   string    `json:"queueId,omitempty"`
	// PersonalQueue marks a contact of the agent's own queue.
	PersonalQueue bool   `json:"personalQueue,omitempty"`
	AutoAccepted  bool   `json:"autoAccepted,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// agentEventTypes maps the router's events about agents to agent event
// types; events not here are not published.
var agentEventTypes = map[routing.EventType]string{
	routing.EventAgentState:     "STATE_CHANGE",
	routing.EventOffered:        "CONTACT_OFFERED",
	routing.EventConnected:      "CONTACT_CONNECTED",
	routing.EventRejected:       "CONTACT_REJECTED",
	routing.EventMissed:         "CONTACT_MISSED",
	routing.EventContactError:   "CONTACT_ERROR",
	routing.EventOfferRescinded: "OFFER_WITHDRAWN",
	routing.EventACWStarted:     "ACW_STARTED",
	routing.EventACWEnded:       "ACW_ENDED",
}

// agentEventBuffer bounds the events waiting to be published; past it the
// routers wait (they are never dropped).
const agentEventBuffer = 4096

type pendingAgentEvent struct {
	instanceID, typ string
	ev              AgentEvent
}

// agentEvents publishes agent events from one goroutine, so that the
// routers never wait for JetStream and the events keep their order.
type agentEvents struct {
	b       *bus.Bus
	log     *slog.Logger
	ch      chan pendingAgentEvent
	stopped chan struct{} // closed when Run has returned
}

func newAgentEvents(b *bus.Bus, log *slog.Logger) *agentEvents {
	return &agentEvents{b: b, log: log, ch: make(chan pendingAgentEvent, agentEventBuffer), stopped: make(chan struct{})}
}

// add queues the router event e of an agent whose username is given; it
// waits when the buffer is full, until the publisher has stopped (the
// process is stopping: the event is logged, not published).
func (p *agentEvents) add(instanceID, username string, e routing.Event) {
	typ, ok := agentEventTypes[e.Type]
	if !ok || e.AgentID == "" {
		return
	}
	ev := AgentEvent{AgentID: e.AgentID, Username: username, Time: e.Time, Status: e.Status, System: string(e.System),
		ContactID: e.ContactID, Channel: e.Channel, QueueID: e.QueueID, PersonalQueue: e.PersonalQueue,
		AutoAccepted: e.AutoAccepted, Reason: e.Reason}
	select {
	case p.ch <- pendingAgentEvent{instanceID: instanceID, typ: typ, ev: ev}:
	case <-p.stopped:
		p.log.Warn("agent event not published: shutting down", "agent", e.AgentID, "type", typ)
	}
}

// Run publishes queued events until ctx ends, then what is left in the
// buffer. A publish that fails is retried (the bus retries while a cluster
// elects a leader; this loop retries beyond) until it succeeds or the
// process stops.
func (p *agentEvents) Run(ctx context.Context) error {
	defer close(p.stopped)
	for {
		select {
		case pe := <-p.ch:
			p.publish(ctx, pe)
		case <-ctx.Done():
			for {
				select {
				case pe := <-p.ch:
					p.publish(ctx, pe)
				default:
					return nil
				}
			}
		}
	}
}

// publish publishes one event; a stop (ctx done) does not cut a publish
// short, it only ends the retries: the bus stops after this role.
func (p *agentEvents) publish(ctx context.Context, pe pendingAgentEvent) {
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, err := bus.PublishEnvelope(pctx, p.b, bus.AgentEvents, bus.Envelope[AgentEvent]{
			Type: pe.typ, InstanceID: pe.instanceID, Time: pe.ev.Time, Data: pe.ev})
		cancel()
		if err == nil {
			return
		}
		if attempt == 5 || ctx.Err() != nil {
			p.log.Error("agent event not published", "agent", pe.ev.AgentID, "type", pe.typ, "attempts", attempt, "err", err)
			return
		}
		p.log.Warn("publish agent event; retrying", "agent", pe.ev.AgentID, "type", pe.typ, "err", err)
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
}
