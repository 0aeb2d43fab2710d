package contact

import (
	"maps"
	"time"
)

// Channel is how the customer interacts.
type Channel string

// Channels. The values are core.ChannelVoice, core.ChannelChat and core.ChannelTask.
const (
	Voice Channel = "VOICE"
	Chat  Channel = "CHAT"
	Task  Channel = "TASK"
)

// InitiationMethod tells how a contact started, as in Amazon Connect's CTR.
type InitiationMethod string

// Initiation methods.
const (
	Inbound       InitiationMethod = "INBOUND"        // the customer called or started a chat
	Outbound      InitiationMethod = "OUTBOUND"       // an agent called the customer
	Transfer      InitiationMethod = "TRANSFER"       // an agent or a flow transferred the previous contact
	Callback      InitiationMethod = "CALLBACK"       // a queued callback
	API           InitiationMethod = "API"            // started through the API (outbound voice, tasks)
	QueueTransfer InitiationMethod = "QUEUE_TRANSFER" // moved to another queue from a queue flow
)

// State is where a contact is in its lifecycle.
//
//	INITIATED ─► IN_FLOW ─► QUEUED ─► OFFERED ─► CONNECTED ─► AFTER_CONTACT_WORK ─► ENDED
//
// See the package documentation for every allowed transition.
type State string

// Contact states.
const (
	Initiated        State = "INITIATED"          // created, no flow running yet
	InFlow           State = "IN_FLOW"            // a flow runs for it
	Queued           State = "QUEUED"             // waiting in a queue for an agent
	Offered          State = "OFFERED"            // offered to an agent who has not accepted yet
	Connected        State = "CONNECTED"          // talking (or chatting) with an agent
	AfterContactWork State = "AFTER_CONTACT_WORK" // the customer is gone; the agent wraps up
	Ended            State = "ENDED"              // finished; the contact record is written
)

// DisconnectReason tells why a contact ended, as in Amazon Connect's CTR.
type DisconnectReason string

// Disconnect reasons.
const (
	CustomerDisconnect    DisconnectReason = "CUSTOMER_DISCONNECT"
	AgentDisconnect       DisconnectReason = "AGENT_DISCONNECT"
	ThirdPartyDisconnect  DisconnectReason = "THIRD_PARTY_DISCONNECT"
	TelecomProblem        DisconnectReason = "TELECOM_PROBLEM"
	ContactFlowDisconnect DisconnectReason = "CONTACT_FLOW_DISCONNECT"
	Expired               DisconnectReason = "EXPIRED"
	DisconnectedByAPI     DisconnectReason = "API"
	OtherDisconnect       DisconnectReason = "OTHER"
)

// Endpoint types.
const (
	EndpointPhone = "TELEPHONE_NUMBER"
	EndpointVoIP  = "VOIP"
	EndpointFlow  = "CONTACT_FLOW"
)

// Endpoint is one end of a contact: the customer's number or address, or the
// number the customer called.
type Endpoint struct {
	Type    string `json:"type"` // TELEPHONE_NUMBER, VOIP, CONTACT_FLOW, ...
	Address string `json:"address"`
}

// Contact is one customer interaction on one channel. Its fields follow
// Amazon Connect's contact record, in the camelCase of Connect's contact
// events.
type Contact struct {
	ID         string `json:"id"`
	InstanceID string `json:"instanceId"`
	// InitialContactID is the first contact of a chain of transfers (the
	// contact's own ID when it is the first).
	InitialContactID  string `json:"initialContactId"`
	PreviousContactID string `json:"previousContactId,omitempty"` // the contact transferred into this one
	NextContactID     string `json:"nextContactId,omitempty"`     // the contact this one was transferred into
	RelatedContactID  string `json:"relatedContactId,omitempty"`  // a contact this one was created from (tasks)

	Channel          Channel          `json:"channel"`
	InitiationMethod InitiationMethod `json:"initiationMethod"`
	State            State            `json:"state"`
	// Version counts the contact's changes: each event carries the version
	// it produced, so consumers can order and de-duplicate them.
	Version int64 `json:"version"`

	Name        string `json:"name,omitempty"` // tasks
	Description string `json:"description,omitempty"`
	FlowID      string `json:"flowId,omitempty"` // the flow that runs or ran last

	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	// EventHooks are the flows the contact's flows set for its events
	// (CustomerQueue, CustomerHold, AgentWhisper...: UpdateContactEventHooks),
	// by hook name: the flow's ID. Kept so that they outlive the process
	// that ran the flow.
	EventHooks map[string]string `json:"eventHooks,omitempty"`

	CustomerEndpoint *Endpoint `json:"customerEndpoint,omitempty"`
	SystemEndpoint   *Endpoint `json:"systemEndpoint,omitempty"`

	Queue *QueueInfo `json:"queue,omitempty"`
	Agent *AgentInfo `json:"agent,omitempty"`

	InitiationTimestamp        time.Time `json:"initiationTimestamp"`
	ConnectedToSystemTimestamp time.Time `json:"connectedToSystemTimestamp,omitzero"` // the flow started
	// EnqueueTimestamp is when the contact was first queued; Queue has the
	// time it entered its current queue.
	EnqueueTimestamp             time.Time        `json:"enqueueTimestamp,omitzero"`
	ConnectedToAgentTimestamp    time.Time        `json:"connectedToAgentTimestamp,omitzero"`
	DisconnectTimestamp          time.Time        `json:"disconnectTimestamp,omitzero"`
	AfterContactWorkEndTimestamp time.Time        `json:"afterContactWorkEndTimestamp,omitzero"`
	LastUpdateTimestamp          time.Time        `json:"lastUpdateTimestamp"`
	DisconnectReason             DisconnectReason `json:"disconnectReason,omitempty"`

	Recording *Recording `json:"recording,omitempty"`
	Analytics *Analytics `json:"analytics,omitempty"`
	// Voice is what a phone call adds to its record; nil on other channels.
	Voice *VoiceDetails `json:"voice,omitempty"`
}

// Who ended a call (VoiceDetails.DisconnectedBy).
const (
	ByCustomer   = "CUSTOMER"
	BySystem     = "SYSTEM" // a flow, a timeout, the media layer, a shutdown
	ByAgent      = "AGENT"
	ByThirdParty = "THIRD_PARTY"
)

// VoiceDetails are the voice fields of a contact record: the call's SIP
// and media facts, who hung up, and where its time went.
type VoiceDetails struct {
	TrunkID   string `json:"trunkId,omitempty"`
	TrunkName string `json:"trunkName,omitempty"`
	SIPCallID string `json:"sipCallId,omitempty"`
	// Codec is the negotiated audio codec (PCMU, PCMA).
	Codec string `json:"codec,omitempty"`
	// DisconnectedBy is CUSTOMER, SYSTEM, AGENT or THIRD_PARTY.
	DisconnectedBy string `json:"disconnectedBy,omitempty"`
	// HangupCause says how the call ended at the SIP/media level: bye,
	// cancel, no-ack, media-timeout, session-timer, flow, shutdown...
	HangupCause string `json:"hangupCause,omitempty"`
	// IVRDurationSeconds is the time from the flow's start until the call
	// was queued or ended; QueueDurationSeconds the time spent in queues.
	IVRDurationSeconds   int64 `json:"ivrDurationSeconds"`
	QueueDurationSeconds int64 `json:"queueDurationSeconds"`
	// Media counts what the call's RTP session sent and received.
	PacketsSent     uint64 `json:"packetsSent"`
	PacketsReceived uint64 `json:"packetsReceived"`
}

// QueueInfo is the queue a contact waits in or waited in last.
type QueueInfo struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Priority orders contacts in a queue: 1 is served first. 5 when not set,
	// as in Amazon Connect.
	Priority int `json:"priority"`
	// TimeAdjustmentSeconds makes the contact count as that much older
	// (positive) or younger when contacts of equal priority are compared.
	TimeAdjustmentSeconds int64     `json:"timeAdjustmentSeconds,omitempty"`
	EnqueueTimestamp      time.Time `json:"enqueueTimestamp"`
	DequeueTimestamp      time.Time `json:"dequeueTimestamp,omitzero"`
	// DurationSeconds is the time spent in the queue, set when the contact
	// leaves it.
	DurationSeconds int64 `json:"durationSeconds"`
}

// DefaultPriority is the priority of a contact queued without one.
const DefaultPriority = 5

// AgentInfo is the agent a contact is offered to, connected to, or was last
// connected to.
type AgentInfo struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	// OfferedTimestamp is when the contact was offered to this agent.
	OfferedTimestamp               time.Time `json:"offeredTimestamp,omitzero"`
	ConnectedToAgentTimestamp      time.Time `json:"connectedToAgentTimestamp,omitzero"`
	AfterContactWorkStartTimestamp time.Time `json:"afterContactWorkStartTimestamp,omitzero"`
	AfterContactWorkEndTimestamp   time.Time `json:"afterContactWorkEndTimestamp,omitzero"`
	// AfterContactWorkDurationSeconds and AgentInteractionDurationSeconds
	// are set when each phase ends.
	AfterContactWorkDurationSeconds int64 `json:"afterContactWorkDurationSeconds"`
	// AgentInteractionDurationSeconds excludes the time the customer was
	// on hold, as Connect's AgentInteractionDuration does.
	AgentInteractionDurationSeconds int64 `json:"agentInteractionDurationSeconds"`
	// Holds (voice): how many times the agent put the customer on hold,
	// for how long in all and at most once. HoldStartTimestamp is set
	// while the customer is on hold.
	NumberOfHolds               int       `json:"numberOfHolds"`
	CustomerHoldDurationSeconds int64     `json:"customerHoldDurationSeconds"`
	LongestHoldDurationSeconds  int64     `json:"longestHoldDurationSeconds"`
	HoldStartTimestamp          time.Time `json:"holdStartTimestamp,omitzero"`
}

// OnHold reports whether the agent has the customer on hold.
func (a *AgentInfo) OnHold() bool { return a != nil && !a.HoldStartTimestamp.IsZero() }

// endHold closes a hold in progress at now.
func (a *AgentInfo) endHold(now time.Time) {
	if !a.OnHold() {
		return
	}
	d := seconds(a.HoldStartTimestamp, now)
	a.CustomerHoldDurationSeconds += d
	a.LongestHoldDurationSeconds = max(a.LongestHoldDurationSeconds, d)
	a.HoldStartTimestamp = time.Time{}
}

// Recording is a placeholder for the recording of a voice contact or the
// transcript of a chat, filled in by the media layer.
type Recording struct {
	Enabled  bool   `json:"enabled"`
	Status   string `json:"status,omitempty"`   // e.g. AVAILABLE, DELETED
	Location string `json:"location,omitempty"` // where the media is stored
}

// Analytics is a placeholder for the analytics settings of a contact.
type Analytics struct {
	Enabled bool `json:"enabled"` // speech/chat analytics (Contact Lens on Connect)
}

// Agent names the agent a contact is offered or connected to.
type Agent struct {
	ID       string
	Username string
}

// clone returns a deep copy of c, so a contact handed out never aliases the
// one being changed.
func (c *Contact) clone() *Contact {
	d := *c
	d.Attributes = maps.Clone(c.Attributes)
	d.Tags = maps.Clone(c.Tags)
	if c.CustomerEndpoint != nil {
		e := *c.CustomerEndpoint
		d.CustomerEndpoint = &e
	}
	if c.SystemEndpoint != nil {
		e := *c.SystemEndpoint
		d.SystemEndpoint = &e
	}
	if c.Queue != nil {
		q := *c.Queue
		d.Queue = &q
	}
	if c.Agent != nil {
		a := *c.Agent
		d.Agent = &a
	}
	if c.Recording != nil {
		r := *c.Recording
		d.Recording = &r
	}
	if c.Analytics != nil {
		a := *c.Analytics
		d.Analytics = &a
	}
	if c.Voice != nil {
		v := *c.Voice
		d.Voice = &v
	}
	return &d
}

// seconds is the whole number of seconds from a to b, never negative.
func seconds(a, b time.Time) int64 {
	if a.IsZero() || b.Before(a) {
		return 0
	}
	return int64(b.Sub(a) / time.Second)
}
