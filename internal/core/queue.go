package core

import "strings"

// Queue holds contacts waiting for an agent.
type Queue struct {
	Meta
	Name               string `json:"name"`
	Description        string `json:"description,omitempty"`
	HoursOfOperationID string `json:"hoursOfOperationId"`
	// MaxContacts is the most contacts the queue holds; 0 means no limit.
	// A transfer to a full queue takes the flow's QueueAtCapacity branch.
	MaxContacts int `json:"maxContacts"`
	// OutboundCallerID is used for outbound calls made from this queue.
	OutboundCallerID *OutboundCallerID `json:"outboundCallerId,omitempty"`
	// Status is ENABLED or DISABLED; a disabled queue takes no new contacts.
	Status string `json:"status"`
	// QuickConnectIDs are the quick connects associated with the queue, as
	// Amazon Connect's AssociateQueueQuickConnects: an agent is offered the
	// quick connects of the queues in its routing profile, and only those.
	QuickConnectIDs []string `json:"quickConnectIds,omitempty"`
}

// MaxQueueQuickConnects is the most quick connects a queue lists.
const MaxQueueQuickConnects = 50

// OutboundCallerID is what the called party sees for outbound calls.
type OutboundCallerID struct {
	Name   string `json:"name,omitempty"`
	Number string `json:"number,omitempty"`
	// FlowID is the outbound whisper flow.
	FlowID string `json:"flowId,omitempty"`
}

// Queue and resource statuses.
const (
	StatusEnabled  = "ENABLED"
	StatusDisabled = "DISABLED"
)

func (q *Queue) ResourceName() string { return q.Name }

func (q *Queue) Normalize() {
	q.Name = strings.TrimSpace(q.Name)
	if q.Status == "" {
		q.Status = StatusEnabled
	}
	if q.OutboundCallerID != nil {
		q.OutboundCallerID.Number = NormalizeE164(q.OutboundCallerID.Number)
	}
}

func (q *Queue) Validate() error {
	var c checker
	c.name("name", q.Name, 127)
	c.maxLen("description", q.Description, 250)
	c.check(q.HoursOfOperationID != "", "hoursOfOperationId", "is required")
	c.check(q.MaxContacts >= 0, "maxContacts", "must not be negative")
	c.oneOf("status", q.Status, StatusEnabled, StatusDisabled)
	if o := q.OutboundCallerID; o != nil {
		c.maxLen("outboundCallerId.name", o.Name, 100)
		if o.Number != "" && !ValidE164(o.Number) {
			c.add("outboundCallerId.number", "must be an E.164 number such as +15550100")
		}
	}
	c.check(len(q.QuickConnectIDs) <= MaxQueueQuickConnects, "quickConnectIds", "must list at most %d quick connects, not %d",
		MaxQueueQuickConnects, len(q.QuickConnectIDs))
	seen := make(map[string]bool, len(q.QuickConnectIDs))
	for i, id := range q.QuickConnectIDs {
		f := fieldIndex("quickConnectIds", i)
		switch {
		case id == "":
			c.add(f, "is required")
		case seen[id]:
			c.add(f, "quick connect %s is listed twice", id)
		}
		seen[id] = true
	}
	return c.err()
}

func (q *Queue) References() []Ref {
	var refs []Ref
	if q.HoursOfOperationID != "" {
		refs = append(refs, Ref{Field: "hoursOfOperationId", Kind: KindHours, ID: q.HoursOfOperationID})
	}
	if q.OutboundCallerID != nil && q.OutboundCallerID.FlowID != "" {
		refs = append(refs, Ref{Field: "outboundCallerId.flowId", Kind: KindFlow, ID: q.OutboundCallerID.FlowID})
	}
	for i, id := range q.QuickConnectIDs {
		if id != "" {
			refs = append(refs, Ref{Field: fieldIndex("quickConnectIds", i), Kind: KindQuickConnect, ID: id})
		}
	}
	return refs
}
