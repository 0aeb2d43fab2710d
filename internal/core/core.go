// Package core holds Switchboard's configuration resources: instances (tenants)
// and what belongs to each of them (users, security profiles, hours of
// operation, queues, routing profiles, phone numbers, flows, prompts, quick
// connects, functions, agent statuses, SIP trunks, chat widgets and API keys).
//
// The types here are plain data with validation. They know nothing about
// storage or HTTP: internal/store persists them, internal/api exposes them,
// and the routing, flow and voice packages read them.
package core

import (
	"time"
)

// Kind names a resource type. It is used in references between resources,
// in error messages and as the path segment of the REST API.
type Kind string

// The resource kinds that belong to an instance.
const (
	KindInstance        Kind = "instance"
	KindUser            Kind = "user"
	KindSecurityProfile Kind = "security-profile"
	KindHours           Kind = "hours-of-operation"
	KindQueue           Kind = "queue"
	KindRoutingProfile  Kind = "routing-profile"
	KindPhoneNumber     Kind = "phone-number"
	KindFlow            Kind = "flow"
	KindPrompt          Kind = "prompt"
	KindQuickConnect    Kind = "quick-connect"
	KindFunction        Kind = "function"
	KindAPIKey          Kind = "api-key"
	KindAgentStatus     Kind = "agent-status"
	KindTrunk           Kind = "trunk"
	KindChatWidget      Kind = "chat-widget"
)

// Meta is the part of every instance-scoped resource that the server manages:
// a client may send these fields but they are ignored on write.
type Meta struct {
	ID         string    `json:"id"`
	InstanceID string    `json:"instanceId"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// GetMeta returns the resource's metadata for the store to fill in.
func (m *Meta) GetMeta() *Meta { return m }

// Ref is a reference from one resource to another in the same instance.
// The store checks that the target exists when the referrer is written and
// refuses to delete a target that is still referenced.
type Ref struct {
	Field string // JSON path of the referring field, e.g. "queues[0].queueId"
	Kind  Kind
	ID    string
	// FlowType, on a reference to a flow, is the type the flow must have
	// (e.g. FlowContact); empty: any type.
	FlowType string
}

// Resource is implemented by every instance-scoped resource type.
type Resource interface {
	GetMeta() *Meta
	// ResourceName is the resource's unique name within its instance.
	ResourceName() string
	// Normalize canonicalises fields before validation (trims, defaults).
	Normalize()
	// Validate reports every problem as a *ValidationError.
	Validate() error
	// References lists the resources this one points to.
	References() []Ref
}

// Secretive is implemented by resources that carry a write-only secret
// (a password hash, a signing secret). The store keeps it apart from the
// resource's public body so it is never serialised to clients.
type Secretive interface {
	SecretValue() string
	SetSecretValue(string)
}

// Replacer is implemented by resources with rules about what an update may
// change. The store calls CheckReplace with the stored resource, inside the
// update's transaction, after Validate.
type Replacer interface {
	CheckReplace(old Resource) error
}

// DeleteGuard is implemented by resources some of which must never be
// deleted (an instance's system agent statuses). The store asks the stored
// resource inside the delete's transaction; a non-nil answer refuses the
// delete as a conflict naming the field.
type DeleteGuard interface {
	CheckDelete() *FieldError
}

// Redactor is implemented by resources with write-only fields, cleared
// before a resource is returned to a client.
type Redactor interface {
	Redact()
}
