package core

import "strings"

// Quick connect types.
const (
	QuickConnectUser  = "USER"
	QuickConnectQueue = "QUEUE"
	QuickConnectPhone = "PHONE_NUMBER"
)

// QuickConnect is a transfer destination offered to agents in the CCP.
type QuickConnect struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	UserID      string `json:"userId,omitempty"`
	QueueID     string `json:"queueId,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	// FlowID is the transfer flow run for the transferred contact.
	FlowID string `json:"flowId,omitempty"`
}

func (q *QuickConnect) ResourceName() string { return q.Name }

func (q *QuickConnect) Normalize() {
	q.Name = strings.TrimSpace(q.Name)
	q.PhoneNumber = NormalizeE164(q.PhoneNumber)
}

func (q *QuickConnect) Validate() error {
	var c checker
	c.name("name", q.Name, 127)
	c.maxLen("description", q.Description, 250)
	c.oneOf("type", q.Type, QuickConnectUser, QuickConnectQueue, QuickConnectPhone)
	switch q.Type {
	case QuickConnectUser:
		c.check(q.UserID != "", "userId", "is required for a USER quick connect")
	case QuickConnectQueue:
		c.check(q.QueueID != "", "queueId", "is required for a QUEUE quick connect")
	case QuickConnectPhone:
		c.check(ValidE164(q.PhoneNumber), "phoneNumber", "must be an E.164 number for a PHONE_NUMBER quick connect")
	}
	return c.err()
}

func (q *QuickConnect) References() []Ref {
	var refs []Ref
	if q.UserID != "" {
		refs = append(refs, Ref{Field: "userId", Kind: KindUser, ID: q.UserID})
	}
	if q.QueueID != "" {
		refs = append(refs, Ref{Field: "queueId", Kind: KindQueue, ID: q.QueueID})
	}
	if q.FlowID != "" {
		refs = append(refs, Ref{Field: "flowId", Kind: KindFlow, ID: q.FlowID})
	}
	return refs
}
