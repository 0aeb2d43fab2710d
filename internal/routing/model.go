package routing

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
)

// Channels the router knows, in the order of its per-channel tables.
var channels = []string{core.ChannelVoice, core.ChannelChat, core.ChannelTask}

// chanIndex returns the index of ch in channels, or -1.
func chanIndex(ch string) int {
	for i, c := range channels {
		if c == ch {
			return i
		}
	}
	return -1
}

// allChannels is the index of the all-channels figures in per-channel tables.
var allChannels = len(channels)

// Agent statuses that are not custom.
const (
	// StatusOffline: not logged in, or logged in and not taking work.
	StatusOffline = "Offline"
	// StatusAvailable: ready to be offered contacts.
	StatusAvailable = "Available"
)

// DefaultPriority is a contact's priority in its queue when none is set
// (Connect's default). Lower numbers are routed first.
const DefaultPriority = 5

// SystemState is a state the router puts an agent in on top of its status.
type SystemState string

// System states. Either stops offers until the agent sets a status.
const (
	SystemNone   SystemState = ""
	SystemMissed SystemState = "Missed" // an offer timed out
	SystemError  SystemState = "Error"  // a contact failed to connect
)

// SlotState is the state of one contact an agent holds.
type SlotState string

// Slot states.
const (
	SlotPending          SlotState = "Pending"          // offered, not yet accepted
	SlotConnected        SlotState = "Connected"        // the agent is with the contact (Busy)
	SlotAfterContactWork SlotState = "AfterContactWork" // the contact ended; the agent wraps up
)

// ContactState is where a contact the router holds is.
type ContactState string

// Contact states.
const (
	ContactWaiting   ContactState = "Waiting"   // in a queue line
	ContactOffered   ContactState = "Offered"   // offered to one agent, still counted in its queue
	ContactConnected ContactState = "Connected" // connected to one agent, out of the queue
)

// Queue is what the router needs of a queue.
type Queue struct {
	ID string `json:"id"`
	// MaxContacts is the most contacts waiting or being offered at once;
	// 0 means no limit.
	MaxContacts int `json:"maxContacts"`
	// Disabled queues take no new contacts (Enqueue and transfers fail);
	// contacts already in them are still routed.
	Disabled bool `json:"disabled,omitempty"`
	// Hours is the queue's schedule; nil means always open. As in Connect,
	// hours do not stop routing: flows check them (CheckHoursOfOperation)
	// before queueing. The router reports them in [QueueStatus].
	Hours *hours.Schedule `json:"hours,omitempty"`
}

// QueueFromCore converts a stored queue and its hours (nil: always open).
func QueueFromCore(q *core.Queue, h *core.HoursOfOperation) Queue {
	out := Queue{ID: q.ID, MaxContacts: q.MaxContacts, Disabled: q.Status == core.StatusDisabled}
	if h != nil {
		s := h.Schedule
		out.Hours = &s
	}
	return out
}

func (q *Queue) validate() error {
	if q.ID == "" {
		return fmt.Errorf("%w queue: no ID", ErrInvalid)
	}
	if q.MaxContacts < 0 {
		return fmt.Errorf("%w queue %s: negative maxContacts", ErrInvalid, q.ID)
	}
	return nil
}

// Profile is a routing profile: which queues its agents serve on which
// channels, in what order, and how many contacts per channel at once.
type Profile struct {
	ID       string         `json:"id"`
	Queues   []ProfileQueue `json:"queues"`
	Channels []ChannelLimit `json:"channels"`
}

// ProfileQueue is one queue × channel entry of a profile.
type ProfileQueue struct {
	QueueID string `json:"queueId"`
	Channel string `json:"channel"`
	// Priority orders queues for the profile's agents: 1 is served first.
	Priority int `json:"priority"`
	// Delay is the routing age a contact must reach before it is offered
	// to the profile's agents.
	Delay time.Duration `json:"delay"`
}

// ChannelLimit is how many contacts of a channel an agent takes at once,
// and whether contacts of other channels may be offered meanwhile.
type ChannelLimit struct {
	Channel     string `json:"channel"`
	Concurrency int    `json:"concurrency"`
	// AllowOtherChannels (Connect's ROUTE_ANY_CHANNEL) lets an agent who
	// holds contacts of this channel be offered contacts of other channels.
	// False (Connect's default, ROUTE_CURRENT_CHANNEL_ONLY): while an agent
	// holds a contact of this channel, it is offered only this channel.
	AllowOtherChannels bool `json:"allowOtherChannels,omitempty"`
}

// ProfileFromCore converts a stored routing profile. core.RoutingProfile has
// no cross-channel setting yet, so every channel blocks the others
// (Connect's default).
func ProfileFromCore(p *core.RoutingProfile) Profile {
	out := Profile{ID: p.ID}
	for _, q := range p.Queues {
		prio := q.Priority
		if prio == 0 {
			prio = 1
		}
		out.Queues = append(out.Queues, ProfileQueue{
			QueueID: q.QueueID, Channel: q.Channel, Priority: prio,
			Delay: time.Duration(q.DelaySeconds) * time.Second,
		})
	}
	for _, c := range p.MediaConcurrencies {
		out.Channels = append(out.Channels, ChannelLimit{Channel: c.Channel, Concurrency: c.Concurrency})
	}
	return out
}

func (p *Profile) validate() error {
	if p.ID == "" {
		return fmt.Errorf("%w profile: no ID", ErrInvalid)
	}
	seenCh := map[string]bool{}
	for _, c := range p.Channels {
		if chanIndex(c.Channel) < 0 {
			return fmt.Errorf("%w profile %s: unknown channel %q", ErrInvalid, p.ID, c.Channel)
		}
		if seenCh[c.Channel] {
			return fmt.Errorf("%w profile %s: channel %s listed twice", ErrInvalid, p.ID, c.Channel)
		}
		seenCh[c.Channel] = true
		if c.Concurrency < 1 {
			return fmt.Errorf("%w profile %s: channel %s concurrency %d", ErrInvalid, p.ID, c.Channel, c.Concurrency)
		}
	}
	seenQ := map[[2]string]bool{}
	for _, q := range p.Queues {
		if q.QueueID == "" || chanIndex(q.Channel) < 0 {
			return fmt.Errorf("%w profile %s: queue entry %q/%q", ErrInvalid, p.ID, q.QueueID, q.Channel)
		}
		k := [2]string{q.QueueID, q.Channel}
		if seenQ[k] {
			return fmt.Errorf("%w profile %s: queue %s listed twice for %s", ErrInvalid, p.ID, q.QueueID, q.Channel)
		}
		seenQ[k] = true
		if q.Priority < 1 || q.Delay < 0 {
			return fmt.Errorf("%w profile %s: queue %s priority %d delay %s", ErrInvalid, p.ID, q.QueueID, q.Priority, q.Delay)
		}
	}
	return nil
}

// Agent is what the router needs of a user who takes contacts.
type Agent struct {
	ID string `json:"id"`
	// ProfileID is the agent's routing profile; "" means none (the agent
	// is never offered anything).
	ProfileID string `json:"profileId,omitempty"`
	// AutoAccept connects offered contacts at once.
	AutoAccept bool `json:"autoAccept,omitempty"`
	// ACWTimeout ends after-contact work automatically; 0 means no limit
	// (the agent completes it), negative means no after-contact work.
	ACWTimeout time.Duration `json:"acwTimeout,omitempty"`
}

// AgentFromUser converts a stored user.
func AgentFromUser(u *core.User) Agent {
	return Agent{
		ID: u.ID, ProfileID: u.RoutingProfileID, AutoAccept: u.AutoAccept,
		ACWTimeout: time.Duration(u.AfterContactWorkTimeoutSeconds) * time.Second,
	}
}

func (a *Agent) validate() error {
	if a.ID == "" {
		return fmt.Errorf("%w agent: no ID", ErrInvalid)
	}
	return nil
}

// Contact is a contact to route.
type Contact struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	// QueueID is the queue it waits in; empty when AgentID is set.
	QueueID string `json:"queueId,omitempty"`
	// AgentID, instead of QueueID, puts the contact in that agent's
	// personal queue (a transfer or quick connect to an agent).
	AgentID string `json:"agentId,omitempty"`
	// EnqueuedAt starts the routing age; zero means now. Keep the first
	// queue's time across transfers to keep the contact's place.
	EnqueuedAt time.Time `json:"enqueuedAt"`
	// Priority in the queue (QueuePriority); 0 means DefaultPriority.
	Priority int `json:"priority,omitempty"`
	// AgeAdjust is added to the routing age (QueueTimeAdjustmentSeconds):
	// positive moves the contact ahead of younger ones.
	AgeAdjust time.Duration `json:"ageAdjust,omitempty"`
}

func (c *Contact) validate() error {
	switch {
	case c.ID == "":
		return fmt.Errorf("%w contact: no ID", ErrInvalid)
	case chanIndex(c.Channel) < 0:
		return fmt.Errorf("%w contact %s: unknown channel %q", ErrInvalid, c.ID, c.Channel)
	case (c.QueueID == "") == (c.AgentID == ""):
		return fmt.Errorf("%w contact %s: exactly one of queue and agent is required", ErrInvalid, c.ID)
	case c.Priority < 0:
		return fmt.Errorf("%w contact %s: negative priority", ErrInvalid, c.ID)
	}
	return nil
}

// Target is where a transfer sends a contact: a queue or an agent's
// personal queue (exactly one of the two).
type Target struct {
	QueueID string `json:"queueId,omitempty"`
	AgentID string `json:"agentId,omitempty"`
}

// RoutingUpdate changes how a queued contact is routed
// (UpdateContactRoutingBehavior). Nil fields are left alone.
type RoutingUpdate struct {
	// Priority replaces the contact's priority (1 is first).
	Priority *int
	// AgeAdjust replaces the contact's routing age adjustment.
	AgeAdjust *time.Duration
}

// EventType names an Event.
type EventType string

// Event types.
const (
	// EventQueued: the contact waits in a queue (Reason: new, missed,
	// rejected, error, rescinded, transfer).
	EventQueued EventType = "Queued"
	// EventOffered: the contact is offered to the agent (Deadline: when
	// the offer times out; zero with AutoAccepted).
	EventOffered EventType = "Offered"
	// EventConnected: the agent accepted (or auto-accepted) the contact.
	EventConnected EventType = "Connected"
	// EventRejected: the agent rejected the offer; the contact is queued again.
	EventRejected EventType = "Rejected"
	// EventMissed: the offer timed out; the contact is queued again and the
	// agent is in Missed.
	EventMissed EventType = "Missed"
	// EventContactError: the contact failed to connect to the agent; it is
	// queued again and the agent is in Error.
	EventContactError EventType = "ContactError"
	// EventOfferRescinded: the offer was withdrawn (Reason: ended — the
	// customer left —, agent-unavailable, transfer, agent-removed).
	EventOfferRescinded EventType = "OfferRescinded"
	// EventDequeued: the contact left the router without an agent (it
	// ended while waiting or offered).
	EventDequeued EventType = "Dequeued"
	// EventACWStarted: the contact ended or was transferred away; the
	// agent's slot is in after-contact work (Deadline: automatic end, zero
	// for none).
	EventACWStarted EventType = "ACWStarted"
	// EventACWEnded: the agent's slot is free (Reason: completed, timeout,
	// none — the agent does no after-contact work).
	EventACWEnded EventType = "ACWEnded"
	// EventAgentState: the agent's status or system state changed.
	EventAgentState EventType = "AgentState"
)

// Event reasons.
const (
	ReasonNew              = "new"
	ReasonMissed           = "missed"
	ReasonRejected         = "rejected"
	ReasonError            = "error"
	ReasonRescinded        = "rescinded"
	ReasonTransfer         = "transfer"
	ReasonEnded            = "ended"
	ReasonAgentUnavailable = "agent-unavailable"
	ReasonAgentRemoved     = "agent-removed"
	ReasonCompleted        = "completed"
	ReasonTimeout          = "timeout"
	ReasonNone             = "none"
)

// Event is one output of the router, delivered in order to the Sink.
type Event struct {
	// Seq numbers events from 1 in the order the router produced them.
	Seq        uint64    `json:"seq"`
	Type       EventType `json:"type"`
	Time       time.Time `json:"time"`
	InstanceID string    `json:"instanceId,omitempty"`
	AgentID    string    `json:"agentId,omitempty"`
	ContactID  string    `json:"contactId,omitempty"`
	// QueueID is the contact's queue; for a personal queue it is empty and
	// PersonalQueue is set.
	QueueID       string `json:"queueId,omitempty"`
	PersonalQueue bool   `json:"personalQueue,omitempty"`
	Channel       string `json:"channel,omitempty"`
	// AutoAccepted marks offers and connections of auto-accept agents.
	AutoAccepted bool `json:"autoAccepted,omitempty"`
	// Status and System are the agent's state (EventAgentState).
	Status string      `json:"status,omitempty"`
	System SystemState `json:"system,omitempty"`
	Reason string      `json:"reason,omitempty"`
	// Deadline is when an offer or after-contact work times out.
	Deadline time.Time `json:"deadline,omitzero"`
}

// validStatus reports whether s is Offline, Available or one of custom.
func validStatus(s string, custom []string) bool {
	return s == StatusOffline || s == StatusAvailable || slices.Contains(custom, s)
}
