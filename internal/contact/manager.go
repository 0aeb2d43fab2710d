package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Limits on what a contact carries, as on Amazon Connect.
const (
	MaxAttributesBytes = 32 << 10 // keys and values of all attributes together
	MaxAttributeKey    = 256
	MaxTags            = 50
	MaxTagKey          = 128
	MaxTagValue        = 256
)

// Options configure a Manager. The zero value works.
type Options struct {
	// Logger receives a line per refused write; slog.Default() if nil.
	Logger *slog.Logger
	// Notify, if set, is called after each commit that wrote events, to wake
	// the relay (Relay.Notify) instead of waiting for its next poll.
	Notify func()
	// Now is the clock; time.Now if nil. Tests set it.
	Now func() time.Time
}

// Manager creates contacts and moves them through their lifecycle. Every
// change is one transaction that writes the contact, its events (and, when it
// ends, its record) to the outbox; a Relay publishes them. It is safe for
// concurrent use, also from several processes sharing the database.
type Manager struct {
	st     *store.Store
	log    *slog.Logger
	notify func()
	now    func() time.Time
}

// New returns a Manager over the store.
func New(st *store.Store, opts Options) *Manager {
	m := &Manager{st: st, log: opts.Logger, notify: opts.Notify, now: opts.Now}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.notify == nil {
		m.notify = func() {}
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

func (m *Manager) clock() time.Time { return m.now().UTC().Truncate(time.Microsecond) }

// NewContact describes a contact to create.
type NewContact struct {
	InstanceID string
	// ID is the contact's ID; a new UUIDv7 when empty. Set it to tie the
	// contact to something created first (a call), never to reuse one.
	ID               string
	Channel          Channel
	InitiationMethod InitiationMethod
	RelatedContactID string
	Name             string
	Description      string
	Attributes       map[string]string
	Tags             map[string]string
	CustomerEndpoint *Endpoint
	SystemEndpoint   *Endpoint
	Recording        *Recording
	Analytics        *Analytics
	Voice            *VoiceDetails
}

// Create stores a new contact in state INITIATED and emits INITIATED.
func (m *Manager) Create(ctx context.Context, n NewContact) (*Contact, error) {
	if err := n.validate(); err != nil {
		return nil, err
	}
	now := m.clock()
	id := n.ID
	if id == "" {
		id = store.NewID()
	}
	c := &Contact{
		ID: id, InstanceID: n.InstanceID, InitialContactID: id, RelatedContactID: n.RelatedContactID,
		Channel: n.Channel, InitiationMethod: n.InitiationMethod, State: Initiated, Version: 1,
		Name: n.Name, Description: n.Description,
		Attributes: maps.Clone(n.Attributes), Tags: maps.Clone(n.Tags),
		CustomerEndpoint: n.CustomerEndpoint, SystemEndpoint: n.SystemEndpoint,
		Recording: n.Recording, Analytics: n.Analytics, Voice: n.Voice,
		InitiationTimestamp: now, LastUpdateTimestamp: now,
	}
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	c = c.clone() // detach the caller's endpoints and settings
	err := m.st.InContactTx(ctx, func(tx *store.ContactTx) error { return insertNew(ctx, tx, c, now) })
	if err != nil {
		return nil, err
	}
	m.notify()
	return c.clone(), nil
}

// insertNew writes a new contact and its INITIATED event.
func insertNew(ctx context.Context, tx *store.ContactTx, c *Contact, now time.Time) error {
	ev, last, err := eventRow(c, EventInitiated, now, "")
	if err != nil {
		return err
	}
	row, err := toRow(c, last)
	if err != nil {
		return err
	}
	if err := tx.InsertContact(ctx, row); err != nil {
		return err
	}
	return tx.AppendOutbox(ctx, ev)
}

func (n *NewContact) validate() error {
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	if !validToken(n.InstanceID) {
		add("instanceId", "is required and must not contain '.', '*', '>' or spaces")
	}
	if n.ID != "" && (!validToken(n.ID) || len(n.ID) > 128) {
		add("id", "must be at most 128 characters without '.', '*', '>' or spaces")
	}
	if !slices.Contains(validChannels, n.Channel) {
		add("channel", "must be VOICE, CHAT or TASK")
	}
	if !slices.Contains(validMethods, n.InitiationMethod) {
		add("initiationMethod", "must be INBOUND, OUTBOUND, TRANSFER, CALLBACK, API or QUEUE_TRANSFER")
	}
	if len(n.Name) > 512 {
		add("name", "must be at most 512 characters")
	}
	if len(n.Description) > 4096 {
		add("description", "must be at most 4096 characters")
	}
	errs = append(errs, checkData(n.Attributes, n.Tags)...)
	if len(errs) > 0 {
		return &core.ValidationError{Errors: errs}
	}
	return nil
}

// checkData applies the limits on attributes and tags.
func checkData(attrs, tags map[string]string) []core.FieldError {
	var errs []core.FieldError
	size := 0
	for k, v := range attrs {
		size += len(k) + len(v)
		if k == "" || len(k) > MaxAttributeKey {
			errs = append(errs, core.FieldError{Field: "attributes", Message: fmt.Sprintf("keys must have 1 to %d characters", MaxAttributeKey)})
			break
		}
	}
	if size > MaxAttributesBytes {
		errs = append(errs, core.FieldError{Field: "attributes", Message: fmt.Sprintf("must total at most %d bytes of keys and values", MaxAttributesBytes)})
	}
	if len(tags) > MaxTags {
		errs = append(errs, core.FieldError{Field: "tags", Message: fmt.Sprintf("must be at most %d", MaxTags)})
	}
	for k, v := range tags {
		if k == "" || len(k) > MaxTagKey || len(v) > MaxTagValue {
			errs = append(errs, core.FieldError{Field: "tags", Message: fmt.Sprintf("keys must have 1 to %d characters and values at most %d", MaxTagKey, MaxTagValue)})
			break
		}
	}
	return errs
}

// validToken accepts what can be a token of a bus subject.
func validToken(s string) bool {
	if s == "" || strings.ContainsAny(s, ".*>") {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// change is what an operation did to a contact.
type change struct {
	events []EventType // emitted in this order
	record bool        // the contact ended: write its record
	noop   bool        // nothing to write (an idempotent repeat)
	// created is a contact created with the change (a transfer's new contact).
	created *Contact
}

const maxConflictRetries = 8

// mutate reads the contact, applies op and writes the result with its
// events in one transaction. A concurrent change to the same contact (only
// possible on PostgreSQL) makes it read again and re-apply op, which decides
// anew against the fresher state.
func (m *Manager) mutate(ctx context.Context, instanceID, id string, op func(c *Contact, now time.Time) (change, error)) (*Contact, *Contact, error) {
	for attempt := 1; ; attempt++ {
		var out, created *Contact
		wrote := false
		err := m.st.InContactTx(ctx, func(tx *store.ContactTx) error {
			out, created, wrote = nil, nil, false
			row, err := tx.GetContact(ctx, instanceID, id)
			if err != nil {
				return err
			}
			c, err := fromRow(row)
			if err != nil {
				return err
			}
			now := m.clock()
			from := c.State
			ch, err := op(c, now)
			if err != nil {
				return err
			}
			out = c
			if ch.noop {
				return nil
			}
			if c.State != from && !allowed(from, c.State) {
				// An operation disagrees with the table: a bug, never written.
				return fmt.Errorf("contact %s: %s → %s is not in the transition table", c.ID, from, c.State)
			}
			c.Version = row.Version + 1
			c.LastUpdateTimestamp = now
			var evs []store.OutboxEvent
			last := row.LastEventID
			for _, t := range ch.events {
				ev, id, err := eventRow(c, t, now, last)
				if err != nil {
					return err
				}
				evs, last = append(evs, ev), id
			}
			if ch.record {
				ev, id, inserted, err := writeRecord(ctx, tx, c, now, last)
				if err != nil {
					return err
				}
				if inserted {
					evs, last = append(evs, ev), id
				}
			}
			newRow, err := toRow(c, last)
			if err != nil {
				return err
			}
			if err := tx.UpdateContact(ctx, newRow, row.Version); err != nil {
				return err
			}
			if err := tx.AppendOutbox(ctx, evs...); err != nil {
				return err
			}
			if ch.created != nil {
				if err := insertNew(ctx, tx, ch.created, now); err != nil {
					return err
				}
				created = ch.created
			}
			wrote = true
			return nil
		})
		var ce *store.ConflictError
		if err != nil && errors.As(err, &ce) && ce.Field == "version" && attempt < maxConflictRetries {
			// Another process changed the contact between our read and our
			// write: back off a little and decide again on the new state.
			select {
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			case <-time.After(time.Duration(rand.IntN(attempt*5)+1) * time.Millisecond):
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if wrote {
			m.notify()
		}
		if created != nil {
			created = created.clone()
		}
		return out.clone(), created, nil
	}
}

// do is mutate for operations that create no contact.
func (m *Manager) do(ctx context.Context, instanceID, id string, op func(c *Contact, now time.Time) (change, error)) (*Contact, error) {
	c, _, err := m.mutate(ctx, instanceID, id, op)
	return c, err
}

func fromRow(row store.ContactRow) (*Contact, error) {
	var c Contact
	if err := json.Unmarshal(row.Body, &c); err != nil {
		return nil, fmt.Errorf("decode contact %s: %w", row.ID, err)
	}
	c.Version = row.Version
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	return &c, nil
}

func toRow(c *Contact, lastEventID string) (store.ContactRow, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return store.ContactRow{}, fmt.Errorf("encode contact %s: %w", c.ID, err)
	}
	row := store.ContactRow{ID: c.ID, InstanceID: c.InstanceID, State: string(c.State), Channel: string(c.Channel),
		InitiatedAt: c.InitiationTimestamp, UpdatedAt: c.LastUpdateTimestamp, Version: c.Version,
		LastEventID: lastEventID, Body: body}
	if c.Queue != nil {
		row.QueueID = c.Queue.ID
	}
	if c.Agent != nil {
		row.AgentID = c.Agent.ID
	}
	return row, nil
}

// eventRow builds the outbox row of one contact event, with an ID after last.
func eventRow(c *Contact, t EventType, now time.Time, last string) (store.OutboxEvent, string, error) {
	id := nextEventID(last)
	payload, err := json.Marshal(Event{EventType: t, ContactID: c.ID, InstanceID: c.InstanceID, Version: c.Version,
		EventTimestamp: now, Contact: c})
	if err != nil {
		return store.OutboxEvent{}, "", fmt.Errorf("encode %s event of contact %s: %w", t, c.ID, err)
	}
	return store.OutboxEvent{ID: id, Stream: eventStream.String(), InstanceID: c.InstanceID, Type: string(t),
		Time: now, Payload: payload}, id, nil
}

// writeRecord writes the contact record and, when it is new, returns the
// outbox row that publishes it. A contact that already has a record keeps
// it and publishes nothing.
func writeRecord(ctx context.Context, tx *store.ContactTx, c *Contact, now time.Time, last string) (store.OutboxEvent, string, bool, error) {
	rec := Record{Contact: *c, RecordedAt: now}
	if c.Channel == Chat {
		chatID := c.InitialContactID
		if chatID == "" {
			chatID = c.ID
		}
		rec.Transcript = &TranscriptRef{ChatContactID: chatID}
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return store.OutboxEvent{}, "", false, fmt.Errorf("encode record of contact %s: %w", c.ID, err)
	}
	r := store.ContactRecordRow{ContactID: c.ID, InstanceID: c.InstanceID, Channel: string(c.Channel),
		InitiatedAt: c.InitiationTimestamp, DisconnectedAt: c.DisconnectTimestamp, RecordedAt: now, Body: body}
	if c.Queue != nil {
		r.QueueID = c.Queue.ID
	}
	if c.Agent != nil {
		r.AgentID = c.Agent.ID
	}
	inserted, err := tx.InsertRecord(ctx, r)
	if err != nil || !inserted {
		return store.OutboxEvent{}, "", false, err
	}
	id := nextEventID(last)
	return store.OutboxEvent{ID: id, Stream: recordStream.String(), InstanceID: c.InstanceID, Type: RecordType,
		Time: now, Payload: body}, id, true, nil
}

func refuse(c *Contact, op string) error {
	return &TransitionError{ContactID: c.ID, Op: op, State: c.State}
}

// StartFlow records that a flow started running for the contact (INITIATED
// → IN_FLOW, or IN_FLOW → IN_FLOW when a flow transfers to another) and
// emits FLOW_STARTED.
func (m *Manager) StartFlow(ctx context.Context, instanceID, id, flowID string) (*Contact, error) {
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if !allowed(c.State, InFlow) {
			return change{}, refuse(c, "start a flow")
		}
		c.State, c.FlowID = InFlow, flowID
		if c.ConnectedToSystemTimestamp.IsZero() {
			c.ConnectedToSystemTimestamp = now
		}
		return change{events: []EventType{EventFlowStarted}}, nil
	})
}

// QueueRef names the queue a contact goes to and how it ranks there.
type QueueRef struct {
	ID   string
	Name string
	// Priority: 1 is served first; 0 means DefaultPriority.
	Priority              int
	TimeAdjustmentSeconds int64
}

// Enqueue puts the contact in a queue (from INITIATED or IN_FLOW) or moves it
// to another (from QUEUED), and emits QUEUED. Enqueueing a queued contact in
// its own queue again changes its priority and keeps its place in time.
func (m *Manager) Enqueue(ctx context.Context, instanceID, id string, q QueueRef) (*Contact, error) {
	if q.ID == "" {
		return nil, core.Invalid("queueId", "is required")
	}
	if q.Priority < 0 {
		return nil, core.Invalid("priority", "must not be negative")
	}
	if q.Priority == 0 {
		q.Priority = DefaultPriority
	}
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		// Not from OFFERED: the offer is answered first (ReturnToQueue).
		if c.State == Offered || !allowed(c.State, Queued) {
			return change{}, refuse(c, "queue")
		}
		enqueued := now
		if c.State == Queued && c.Queue != nil && c.Queue.ID == q.ID {
			enqueued = c.Queue.EnqueueTimestamp
		}
		c.Queue = &QueueInfo{ID: q.ID, Name: q.Name, Priority: q.Priority, TimeAdjustmentSeconds: q.TimeAdjustmentSeconds,
			EnqueueTimestamp: enqueued}
		if c.EnqueueTimestamp.IsZero() {
			c.EnqueueTimestamp = now
		}
		c.State = Queued
		return change{events: []EventType{EventQueued}}, nil
	})
}

// Offer records that the contact was offered to an agent (QUEUED →
// OFFERED) and emits OFFERED.
func (m *Manager) Offer(ctx context.Context, instanceID, id string, a Agent) (*Contact, error) {
	if a.ID == "" {
		return nil, core.Invalid("agentId", "is required")
	}
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if c.State != Queued {
			return change{}, refuse(c, "offer to an agent")
		}
		c.Agent = &AgentInfo{ID: a.ID, Username: a.Username, OfferedTimestamp: now}
		c.State = Offered
		return change{events: []EventType{EventOffered}}, nil
	})
}

// ReturnToQueue puts a contact offered to agentID back in its queue (the
// agent missed or rejected it) and emits RETURNED_TO_QUEUE. It is refused
// when the contact is no longer offered to that agent, so a late answer
// from one agent cannot cancel the offer to the next.
func (m *Manager) ReturnToQueue(ctx context.Context, instanceID, id, agentID string) (*Contact, error) {
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if c.State != Offered || c.Agent == nil || c.Agent.ID != agentID {
			return change{}, refuse(c, "return to queue from agent "+agentID)
		}
		c.Agent = nil
		c.State = Queued
		return change{events: []EventType{EventReturnedToQueue}}, nil
	})
}

// ConnectAgent connects the contact to an agent and emits
// CONNECTED_TO_AGENT: from OFFERED (the agent accepted: it must be the agent
// it was offered to), QUEUED (auto-accept) or INITIATED (an agent's
// outbound call).
func (m *Manager) ConnectAgent(ctx context.Context, instanceID, id string, a Agent) (*Contact, error) {
	if a.ID == "" {
		return nil, core.Invalid("agentId", "is required")
	}
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if !allowed(c.State, Connected) || (c.State == Offered && (c.Agent == nil || c.Agent.ID != a.ID)) {
			return change{}, refuse(c, "connect to agent "+a.ID)
		}
		offered := time.Time{}
		if c.State == Offered {
			offered = c.Agent.OfferedTimestamp
		}
		leaveQueue(c, now)
		c.Agent = &AgentInfo{ID: a.ID, Username: a.Username, OfferedTimestamp: offered, ConnectedToAgentTimestamp: now}
		c.ConnectedToAgentTimestamp = now
		c.State = Connected
		return change{events: []EventType{EventConnectedToAgent}}, nil
	})
}

// leaveQueue closes the contact's time in its queue, if it is in one.
func leaveQueue(c *Contact, now time.Time) {
	if (c.State == Queued || c.State == Offered) && c.Queue != nil {
		c.Queue.DequeueTimestamp = now
		c.Queue.DurationSeconds = seconds(c.Queue.EnqueueTimestamp, now)
	}
}

// Disconnect records that the customer's side of the contact ended, and
// emits DISCONNECTED. A contact connected to an agent goes to
// AFTER_CONTACT_WORK, where CompleteAfterContactWork ends it; any other ends
// at once (COMPLETED, record written). Disconnecting a contact already
// disconnected changes nothing and returns it.
func (m *Manager) Disconnect(ctx context.Context, instanceID, id string, reason DisconnectReason) (*Contact, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		switch c.State {
		case Ended, AfterContactWork:
			return change{noop: true}, nil
		case Connected:
			disconnect(c, reason, now)
			c.Agent.AfterContactWorkStartTimestamp = now
			c.State = AfterContactWork
			return change{events: []EventType{EventDisconnected}}, nil
		}
		disconnect(c, reason, now)
		c.State = Ended
		return change{events: []EventType{EventDisconnected, EventCompleted}, record: true}, nil
	})
}

// HangUp records how a call ended and ends its contact: as Disconnect does
// when an agent has it (after-contact work follows), as End does otherwise.
// v's SIP and media facts replace the contact's voice details, and the IVR
// and queue durations are computed. A contact already ended or in
// after-contact work changes nothing.
func (m *Manager) HangUp(ctx context.Context, instanceID, id string, reason DisconnectReason, v VoiceDetails) (*Contact, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		// The agent may have ended the contact first (endContact: after-
		// contact work, AGENT_DISCONNECT): the call's facts still belong
		// in its record, once.
		late := c.State == AfterContactWork && (c.Voice == nil || c.Voice.DisconnectedBy == "")
		switch {
		case c.State == Ended, c.State == AfterContactWork && !late:
			return change{noop: true}, nil
		}
		from := c.State
		if !late {
			disconnect(c, reason, now)
		}
		vd := v
		if c.Voice != nil { // keep what the call's start recorded
			if vd.TrunkID == "" {
				vd.TrunkID, vd.TrunkName = c.Voice.TrunkID, c.Voice.TrunkName
			}
			if vd.SIPCallID == "" {
				vd.SIPCallID = c.Voice.SIPCallID
			}
			if vd.Codec == "" {
				vd.Codec = c.Voice.Codec
			}
		}
		ivrEnd := now
		if !c.EnqueueTimestamp.IsZero() {
			ivrEnd = c.EnqueueTimestamp
		}
		vd.IVRDurationSeconds = seconds(c.ConnectedToSystemTimestamp, ivrEnd)
		if c.Queue != nil {
			vd.QueueDurationSeconds = c.Queue.DurationSeconds
		}
		c.Voice = &vd
		if late {
			return change{}, nil
		}
		if from == Connected {
			c.Agent.AfterContactWorkStartTimestamp = now
			c.State = AfterContactWork
			return change{events: []EventType{EventDisconnected}}, nil
		}
		c.State = Ended
		return change{events: []EventType{EventDisconnected, EventCompleted}, record: true}, nil
	})
}

// disconnect stamps the end of the customer's side.
func disconnect(c *Contact, reason DisconnectReason, now time.Time) {
	leaveQueue(c, now)
	if c.State == Offered {
		c.Agent = nil // never connected: the record has no agent
	}
	if c.State == Connected {
		c.Agent.endHold(now)
		c.Agent.AgentInteractionDurationSeconds = max(0,
			seconds(c.Agent.ConnectedToAgentTimestamp, now)-c.Agent.CustomerHoldDurationSeconds)
	}
	c.DisconnectTimestamp, c.DisconnectReason = now, reason
}

// Hold records that the agent put the customer of a connected contact on
// hold (on) or took them off it (!on). Holding a contact already on hold,
// or resuming one that is not, changes nothing. The contact record gets
// the number of holds and their total and longest durations.
func (m *Manager) Hold(ctx context.Context, instanceID, id string, on bool) (*Contact, error) {
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if c.State != Connected || c.Agent == nil {
			return change{}, refuse(c, "hold")
		}
		switch {
		case on == c.Agent.OnHold():
			return change{noop: true}, nil
		case on:
			c.Agent.NumberOfHolds++
			c.Agent.HoldStartTimestamp = now
		default:
			c.Agent.endHold(now)
		}
		return change{}, nil
	})
}

// CompleteAfterContactWork ends a contact in AFTER_CONTACT_WORK: it emits
// COMPLETED and writes the contact record, which then has the after-contact
// work timestamps. Completing an ended contact changes nothing.
func (m *Manager) CompleteAfterContactWork(ctx context.Context, instanceID, id string) (*Contact, error) {
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		switch c.State {
		case Ended:
			return change{noop: true}, nil
		case AfterContactWork:
			completeACW(c, now)
			return change{events: []EventType{EventCompleted}, record: true}, nil
		}
		return change{}, refuse(c, "complete after-contact work")
	})
}

func completeACW(c *Contact, now time.Time) {
	c.Agent.AfterContactWorkEndTimestamp = now
	c.Agent.AfterContactWorkDurationSeconds = seconds(c.Agent.AfterContactWorkStartTimestamp, now)
	c.AfterContactWorkEndTimestamp = now
	c.State = Ended
}

// End ends the contact now from any state, skipping after-contact work: it
// emits DISCONNECTED (unless already disconnected) and COMPLETED, and writes
// the record. Ending an ended contact changes nothing and returns it, so End
// may be called more than once, even concurrently: the record is written once.
func (m *Manager) End(ctx context.Context, instanceID, id string, reason DisconnectReason) (*Contact, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		switch c.State {
		case Ended:
			return change{noop: true}, nil
		case AfterContactWork:
			completeACW(c, now)
			return change{events: []EventType{EventCompleted}, record: true}, nil
		}
		disconnect(c, reason, now)
		c.State = Ended
		return change{events: []EventType{EventDisconnected, EventCompleted}, record: true}, nil
	})
}

func checkReason(r DisconnectReason) error {
	if !slices.Contains(validReasons, r) {
		return core.Invalid("disconnectReason", "must be one of CUSTOMER_DISCONNECT, AGENT_DISCONNECT, THIRD_PARTY_DISCONNECT, "+
			"TELECOM_PROBLEM, CONTACT_FLOW_DISCONNECT, EXPIRED, API, OTHER")
	}
	return nil
}

// TransferRequest describes a transfer.
type TransferRequest struct {
	// Method is the new contact's initiation method: TRANSFER (the default)
	// or QUEUE_TRANSFER.
	Method InitiationMethod
	// Reason is the old contact's disconnect reason; AGENT_DISCONNECT when
	// an agent transfers, CONTACT_FLOW_DISCONNECT otherwise, if empty.
	Reason DisconnectReason
	// Attributes are merged over the old contact's, which the new one inherits.
	Attributes map[string]string
}

// Transfer hands a contact over to a new, related contact, as Amazon
// Connect does when an agent or a flow transfers: the new contact (returned
// second) is INITIATED with the old one's channel, endpoints, attributes and
// tags, InitiationMethod TRANSFER, PreviousContactID the old contact and the
// same InitialContactID. The old contact (returned first) gets
// NextContactID and emits TRANSFERRED and DISCONNECTED; if an agent had it,
// it goes to AFTER_CONTACT_WORK for that agent, otherwise it ends (COMPLETED,
// record). Allowed from IN_FLOW, QUEUED and CONNECTED.
func (m *Manager) Transfer(ctx context.Context, instanceID, id string, t TransferRequest) (old, next *Contact, err error) {
	if t.Method == "" {
		t.Method = Transfer
	}
	if t.Method != Transfer && t.Method != QueueTransfer {
		return nil, nil, core.Invalid("method", "must be TRANSFER or QUEUE_TRANSFER")
	}
	if t.Reason != "" {
		if err := checkReason(t.Reason); err != nil {
			return nil, nil, err
		}
	}
	return m.mutate(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if c.State != InFlow && c.State != Queued && c.State != Connected {
			return change{}, refuse(c, "transfer")
		}
		attrs := maps.Clone(c.Attributes)
		maps.Copy(attrs, t.Attributes)
		if errs := checkData(attrs, nil); len(errs) > 0 {
			return change{}, &core.ValidationError{Errors: errs}
		}
		n := linkedContact(c, t.Method, attrs, now)
		reason := t.Reason
		if reason == "" {
			reason = ContactFlowDisconnect
			if c.State == Connected {
				reason = AgentDisconnect
			}
		}
		c.NextContactID = n.ID
		if c.State == Connected {
			disconnect(c, reason, now)
			c.Agent.AfterContactWorkStartTimestamp = now
			c.State = AfterContactWork
			return change{events: []EventType{EventTransferred, EventDisconnected}, created: n}, nil
		}
		disconnect(c, reason, now)
		c.State = Ended
		return change{events: []EventType{EventTransferred, EventDisconnected, EventCompleted}, record: true, created: n}, nil
	})
}

// linkedContact is a new contact that continues c's customer: Connect's
// TRANSFER contact, with c as its previous contact.
func linkedContact(c *Contact, method InitiationMethod, attrs map[string]string, now time.Time) *Contact {
	cl := c.clone()
	n := &Contact{
		ID: store.NewID(), InstanceID: c.InstanceID, InitialContactID: c.InitialContactID, PreviousContactID: c.ID,
		RelatedContactID: c.RelatedContactID, Channel: c.Channel, InitiationMethod: method, State: Initiated,
		Version: 1, Name: c.Name, Description: c.Description, Attributes: attrs, Tags: cl.Tags,
		CustomerEndpoint: cl.CustomerEndpoint, SystemEndpoint: cl.SystemEndpoint, Recording: cl.Recording,
		Analytics: cl.Analytics, InitiationTimestamp: now, LastUpdateTimestamp: now,
	}
	if c.Voice != nil { // the same call: its trunk, Call-ID and codec
		n.Voice = &VoiceDetails{TrunkID: c.Voice.TrunkID, TrunkName: c.Voice.TrunkName,
			SIPCallID: c.Voice.SIPCallID, Codec: c.Voice.Codec}
	}
	return n
}

// Consult creates the contact of a consultation (a warm transfer) of a
// connected contact: a new TRANSFER contact with id as its previous
// contact, the same initial contact and attributes, while id stays
// connected to its agent. The new contact goes to the consulted agent or
// queue; if the first agent then leaves, the customer carries on with it.
func (m *Manager) Consult(ctx context.Context, instanceID, id string) (*Contact, error) {
	_, next, err := m.mutate(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if c.State != Connected {
			return change{}, refuse(c, "consult")
		}
		return change{created: linkedContact(c, Transfer, maps.Clone(c.Attributes), now)}, nil
	})
	return next, err
}

// DataUpdate changes a contact's data. Nil fields are left as they are;
// attributes and tags are merged, and an empty attribute value is kept as
// an empty string (as UpdateContactAttributes does on Connect).
type DataUpdate struct {
	Attributes map[string]string
	Tags       map[string]string
	// EventHooks are merged; an empty flow ID removes the hook.
	EventHooks  map[string]string
	Name        *string
	Description *string
	Recording   *Recording
	Analytics   *Analytics
}

// UpdateData changes the data of a contact that has not ended and emits
// CONTACT_DATA_UPDATED, unless nothing changed.
func (m *Manager) UpdateData(ctx context.Context, instanceID, id string, u DataUpdate) (*Contact, error) {
	return m.do(ctx, instanceID, id, func(c *Contact, now time.Time) (change, error) {
		if !c.State.Active() {
			return change{}, refuse(c, "update data")
		}
		before, err := json.Marshal(c)
		if err != nil {
			return change{}, err
		}
		maps.Copy(c.Attributes, u.Attributes)
		if len(u.Tags) > 0 {
			if c.Tags == nil {
				c.Tags = map[string]string{}
			}
			maps.Copy(c.Tags, u.Tags)
		}
		for k, v := range u.EventHooks {
			if v == "" {
				delete(c.EventHooks, k)
				continue
			}
			if c.EventHooks == nil {
				c.EventHooks = map[string]string{}
			}
			c.EventHooks[k] = v
		}
		if u.Name != nil {
			c.Name = *u.Name
		}
		if u.Description != nil {
			c.Description = *u.Description
		}
		if u.Recording != nil {
			r := *u.Recording
			c.Recording = &r
		}
		if u.Analytics != nil {
			a := *u.Analytics
			c.Analytics = &a
		}
		errs := checkData(c.Attributes, c.Tags)
		if len(c.Name) > 512 {
			errs = append(errs, core.FieldError{Field: "name", Message: "must be at most 512 characters"})
		}
		if len(c.Description) > 4096 {
			errs = append(errs, core.FieldError{Field: "description", Message: "must be at most 4096 characters"})
		}
		if len(errs) > 0 {
			return change{}, &core.ValidationError{Errors: errs}
		}
		after, err := json.Marshal(c)
		if err != nil {
			return change{}, err
		}
		if string(before) == string(after) {
			return change{noop: true}, nil
		}
		return change{events: []EventType{EventDataUpdated}}, nil
	})
}
