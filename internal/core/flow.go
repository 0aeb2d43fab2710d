package core

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Flow types, as Amazon Connect names them.
const (
	FlowContact         = "CONTACT_FLOW"
	FlowCustomerQueue   = "CUSTOMER_QUEUE"
	FlowCustomerHold    = "CUSTOMER_HOLD"
	FlowCustomerWhisper = "CUSTOMER_WHISPER"
	FlowAgentHold       = "AGENT_HOLD"
	FlowAgentWhisper    = "AGENT_WHISPER"
	FlowOutboundWhisper = "OUTBOUND_WHISPER"
	FlowAgentTransfer   = "AGENT_TRANSFER"
	FlowQueueTransfer   = "QUEUE_TRANSFER"
	FlowModule          = "FLOW_MODULE"
)

// FlowTypes lists every flow type.
var FlowTypes = []string{FlowContact, FlowCustomerQueue, FlowCustomerHold, FlowCustomerWhisper, FlowAgentHold,
	FlowAgentWhisper, FlowOutboundWhisper, FlowAgentTransfer, FlowQueueTransfer, FlowModule}

// Flow is a flow in the Amazon Connect flow language. Content is the draft
// being edited; publishing freezes it as a numbered version, and contacts
// always run the latest published version.
type Flow struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	// Content is the flow document (JSON with Version, StartAction, Actions).
	Content json.RawMessage `json:"content"`
	// PublishedVersion is the latest published version; 0 if never published.
	PublishedVersion int `json:"publishedVersion"`
}

// FlowVersion is an immutable published version of a flow.
type FlowVersion struct {
	FlowID    string          `json:"flowId"`
	Version   int             `json:"version"`
	Content   json.RawMessage `json:"content"`
	CreatedAt string          `json:"createdAt"`
}

func (f *Flow) ResourceName() string { return f.Name }

func (f *Flow) Normalize() {
	f.Name = strings.TrimSpace(f.Name)
	if f.Type == "" {
		f.Type = FlowContact
	}
	// An absent content and an explicit null are both "no document".
	if c := bytes.TrimSpace(f.Content); len(c) == 0 || bytes.Equal(c, []byte("null")) {
		f.Content = nil
	}
}

// Validate checks the envelope. The flow document itself is checked by the
// flow validator when it is published (drafts may be incomplete).
func (f *Flow) Validate() error {
	var c checker
	c.name("name", f.Name, 127)
	c.maxLen("description", f.Description, 500)
	c.oneOf("type", f.Type, FlowTypes...)
	if f.Content == nil {
		c.add("content", "is required: a flow document with Version, StartAction and Actions")
	} else {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(f.Content, &doc); err != nil {
			c.add("content", "must be a JSON object")
		}
	}
	return c.err()
}

func (f *Flow) References() []Ref { return nil }
