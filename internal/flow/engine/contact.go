package engine

import (
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
)

// Channels and initiation methods, as Connect spells them.
const (
	ChannelVoice = core.ChannelVoice
	ChannelChat  = core.ChannelChat
	ChannelTask  = core.ChannelTask

	InitiationInbound  = "INBOUND"
	InitiationOutbound = "OUTBOUND"
	InitiationTransfer = "TRANSFER"
	InitiationCallback = "CALLBACK"
	InitiationAPI      = "API"
)

// Contact is the state of one contact as flows see and change it. Run reads
// and updates it in place; the caller owns it and must not touch it while a
// run is in progress. NewContact fills in the maps.
type Contact struct {
	ContactID         string
	InitialContactID  string
	PreviousContactID string
	RelatedContactID  string
	InstanceID        string
	InstanceARN       string
	AwsRegion         string
	// Channel is VOICE, CHAT or TASK.
	Channel string
	// InitiationMethod is INBOUND, OUTBOUND, TRANSFER, CALLBACK, API...
	InitiationMethod string
	// CustomerEndpoint is the customer's address (the caller's number);
	// SystemEndpoint the address the customer reached (the dialled number).
	CustomerEndpoint, SystemEndpoint *Endpoint
	CustomerID                       string
	Name, Description                string

	// Attributes are the contact attributes ($.Attributes).
	Attributes map[string]string
	// RelatedAttributes are attributes set with TargetContact "Related",
	// for the contact this one was created from.
	RelatedAttributes map[string]string
	// FlowAttributes are flow-scoped ($.FlowAttributes): cleared on
	// TransferToFlow, saved and restored around a module.
	FlowAttributes map[string]string
	// External is the last function result ($.External).
	External map[string]any
	// StoredCustomerInput is the last stored input ($.StoredCustomerInput).
	StoredCustomerInput string
	// Lex is the last bot turn ($.Lex).
	Lex LexResult
	// Metrics is the last GetMetricData result ($.Metrics).
	Metrics map[string]any

	// Queue is the working queue (UpdateContactTargetQueue); nil if none.
	Queue *QueueTarget

	// Voice is how text is spoken; Voice.Language is $.LanguageCode.
	Voice Voice
	// FlowLogging says each action is logged (UpdateFlowLoggingBehavior).
	FlowLogging bool
	// Recording, Analytics and MediaStreaming are the behaviours the media
	// layer applies.
	Recording      Recording
	Analytics      Analytics
	MediaStreaming MediaStreaming
	// VoiceID holds the Voice ID settings of UpdateContactData, as given.
	VoiceID map[string]string
	// EventHooks maps a hook (CustomerQueue, CustomerHold, AgentWhisper...)
	// to the flow it runs.
	EventHooks map[string]EventHook
	// Routing is the priority and age adjustment in queue
	// (UpdateContactRoutingBehavior) and the routing criteria.
	Routing Routing
	// Tags are the contact's tags (TagContact, UnTagContact).
	Tags map[string]string
	// CallbackNumber is the number a callback dials
	// (UpdateContactCallbackNumber); "" for the customer's own.
	CallbackNumber string

	// loops counts Loop iterations by flow and action.
	loops map[string]int
}

// Endpoint is an address, e.g. {"+15551234567", "TELEPHONE_NUMBER"}.
type Endpoint struct {
	Address string
	Type    string
}

// QueueTarget is the contact's working queue: a queue, or an agent's own
// queue (UpdateContactTargetQueue with AgentId).
type QueueTarget struct {
	ID   string
	Name string
	ARN  string
	// Queue is the queue resource; nil for an agent queue.
	Queue *core.Queue
	// Agent is the agent of an agent queue; nil otherwise.
	Agent *core.User
}

// LexResult is the outcome of the last bot turn.
type LexResult struct {
	IntentName        string
	Slots             map[string]string
	SessionAttributes map[string]string
	// Confidence is the intent's score, 0 to 1.
	Confidence float64
	// Utterance is what the customer said.
	Utterance string
}

// Recording is UpdateContactRecordingBehavior's RecordingBehavior.
type Recording struct {
	Agent, Customer bool // which participants are recorded
	IVR             bool // the flow part of the call too
	Screen          bool // the agent's screen
}

// Analytics is UpdateContactRecordingBehavior's AnalyticsBehavior.
type Analytics struct {
	Enabled          bool
	Mode             string // PostCall, RealTime
	Language         string
	Redaction        bool
	RedactionResults string
}

// MediaStreaming is UpdateContactMediaStreamingBehavior's state.
type MediaStreaming struct {
	Enabled bool
	// Participants maps Customer/Agent to its directions (From, To).
	Participants map[string][]string
}

// EventHook is a flow set for an event.
type EventHook struct {
	// FlowID is the resolved flow's ID; Ref is what the flow wrote.
	FlowID, FlowName, Ref string
	Disabled              bool
}

// Routing is how the contact is routed once queued.
type Routing struct {
	// Priority is 1 (highest) and up; 0 means the queue's default.
	Priority int
	// TimeAdjustment makes the contact look older (positive) or younger in
	// queue.
	TimeAdjustment time.Duration
	// Proficiencies and Criteria are kept as the flow wrote them, for the
	// router.
	Proficiencies any
	Criteria      any
}

// CallbackRequest is a callback a flow asked for (CreateCallbackContact).
type CallbackRequest struct {
	Number       string
	Queue        *QueueTarget
	InitialDelay time.Duration
	MaxAttempts  int
	RetryDelay   time.Duration
}

// NewContact returns a contact with its maps made, on channel.
func NewContact(id, channel string) *Contact {
	c := &Contact{ContactID: id, InitialContactID: id, Channel: channel, InitiationMethod: InitiationInbound}
	c.init()
	return c
}

// init makes the nil maps, so that a Contact built as a literal works too.
func (c *Contact) init() {
	for _, m := range []*map[string]string{&c.Attributes, &c.RelatedAttributes, &c.FlowAttributes, &c.VoiceID, &c.Tags} {
		if *m == nil {
			*m = map[string]string{}
		}
	}
	if c.External == nil {
		c.External = map[string]any{}
	}
	if c.EventHooks == nil {
		c.EventHooks = map[string]EventHook{}
	}
	if c.loops == nil {
		c.loops = map[string]int{}
	}
	if c.InitialContactID == "" {
		c.InitialContactID = c.ContactID
	}
	if c.Channel == "" {
		c.Channel = ChannelVoice
	}
}

// Lookup resolves a JSONPath reference ($.Attributes.x, $.External.a.b,
// $.Queue.Name...) against the contact. It is what every dynamic parameter
// and every reference in text is resolved with. Roots the engine does not
// fill ($.Customer, $.Case, $.Views...) resolve to nothing, which text
// interpolation renders as "".
func (c *Contact) Lookup(p jsonpath.Path) (any, bool) {
	if p.IsZero() {
		return nil, false
	}
	var v any
	switch p.Root() {
	case "Attributes":
		v = c.Attributes
	case "FlowAttributes":
		v = c.FlowAttributes
	case "External":
		v = c.External
	case "StoredCustomerInput":
		v = c.StoredCustomerInput
	case "Lex":
		v = c.lexTree()
	case "Metrics":
		if c.Metrics == nil {
			return nil, false
		}
		v = c.Metrics
	case "Queue":
		if c.Queue == nil {
			return nil, false
		}
		v = c.queueTree()
	case "CustomerEndpoint":
		if c.CustomerEndpoint == nil {
			return nil, false
		}
		v = map[string]any{"Address": c.CustomerEndpoint.Address, "Type": c.CustomerEndpoint.Type}
	case "SystemEndpoint":
		if c.SystemEndpoint == nil {
			return nil, false
		}
		v = map[string]any{"Address": c.SystemEndpoint.Address, "Type": c.SystemEndpoint.Type}
	case "Channel":
		v = c.Channel
	case "ContactId":
		v = c.ContactID
	case "InitialContactId":
		v = c.InitialContactID
	case "PreviousContactId":
		v = c.PreviousContactID
	case "RelatedContactId":
		v = c.RelatedContactID
	case "InstanceARN":
		v = c.InstanceARN
	case "AwsRegion":
		v = c.AwsRegion
	case "InitiationMethod":
		v = c.InitiationMethod
	case "LanguageCode":
		v = c.Voice.Language
	case "TextToSpeechVoiceId":
		v = c.Voice.Name
	case "CustomerId":
		v = c.CustomerID
	case "Name":
		v = c.Name
	case "Description":
		v = c.Description
	case "Tags":
		v = c.Tags
	default:
		return nil, false
	}
	return jsonpath.Walk(v, p, 1)
}

func (c *Contact) lexTree() map[string]any {
	slots := make(map[string]any, len(c.Lex.Slots))
	for k, s := range c.Lex.Slots {
		slots[k] = s
	}
	session := make(map[string]any, len(c.Lex.SessionAttributes))
	for k, s := range c.Lex.SessionAttributes {
		session[k] = s
	}
	return map[string]any{
		"IntentName":        c.Lex.IntentName,
		"Slots":             slots,
		"SessionAttributes": session,
		"IntentConfidence":  map[string]any{"Score": c.Lex.Confidence},
		"InputTranscript":   c.Lex.Utterance,
	}
}

func (c *Contact) queueTree() map[string]any {
	q := c.Queue
	m := map[string]any{"Name": q.Name, "ARN": q.ARN, "Id": q.ID}
	if q.Queue != nil && q.Queue.OutboundCallerID != nil {
		m["OutboundCallerId"] = map[string]any{"Address": q.Queue.OutboundCallerID.Number, "Type": "TELEPHONE_NUMBER"}
	}
	return m
}

// arnResource builds the ARN of an instance resource, e.g.
// arn:aws:connect:region:acct:instance/ID/queue/QID. It gives "" when the
// contact has no instance ARN.
func (c *Contact) arnResource(kind, id string) string {
	if c.InstanceARN == "" || id == "" {
		return ""
	}
	return strings.TrimSuffix(c.InstanceARN, "/") + "/" + kind + "/" + id
}
