package core

import (
	"fmt"
	"strings"
)

// Agent status types, as in Amazon Connect. Every instance has exactly one
// ROUTABLE status (Available: the agent takes contacts) and one OFFLINE
// status (Offline), created with the instance; users add CUSTOM ones
// (Lunch, Training...), in which an agent is logged in but takes no
// contacts.
const (
	AgentStatusRoutable = "ROUTABLE"
	AgentStatusCustom   = "CUSTOM"
	AgentStatusOffline  = "OFFLINE"
)

// Names of the system statuses. They are what an agent sends to go
// available or offline (the agent API's setState), so they never change.
const (
	AgentStatusNameAvailable = "Available"
	AgentStatusNameOffline   = "Offline"
)

// MaxAgentStatusDisplayOrder bounds AgentStatus.DisplayOrder (Connect's limit).
const MaxAgentStatusDisplayOrder = 50

// AgentStatus is a status an agent can choose in the CCP (Connect's
// AgentStatus resource). The system statuses (types ROUTABLE and OFFLINE)
// cannot be created, deleted, renamed, disabled or change type; their
// description and display order can be edited. A CUSTOM status stays CUSTOM.
type AgentStatus struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is ROUTABLE, CUSTOM or OFFLINE; CUSTOM when left out.
	Type string `json:"type"`
	// State is ENABLED or DISABLED (ENABLED when left out); agents can only
	// choose enabled statuses.
	State string `json:"state"`
	// DisplayOrder places the status in the agent's list: 1 to 50, statuses
	// without one (0) after those with one, ties by name.
	DisplayOrder int `json:"displayOrder,omitempty"`
}

func (s *AgentStatus) ResourceName() string { return s.Name }

func (s *AgentStatus) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	if s.Type == "" {
		s.Type = AgentStatusCustom
	}
	if s.State == "" {
		s.State = StatusEnabled
	}
}

// System reports whether s is one of the instance's system statuses
// (Available or Offline).
func (s *AgentStatus) System() bool {
	return s.Type == AgentStatusRoutable || s.Type == AgentStatusOffline
}

// systemName is the fixed name of a system status type ("" for CUSTOM).
func systemName(typ string) string {
	switch typ {
	case AgentStatusRoutable:
		return AgentStatusNameAvailable
	case AgentStatusOffline:
		return AgentStatusNameOffline
	}
	return ""
}

func (s *AgentStatus) Validate() error {
	var c checker
	c.name("name", s.Name, 127)
	c.maxLen("description", s.Description, 250)
	c.oneOf("type", s.Type, AgentStatusRoutable, AgentStatusCustom, AgentStatusOffline)
	c.oneOf("state", s.State, StatusEnabled, StatusDisabled)
	c.check(s.DisplayOrder >= 0 && s.DisplayOrder <= MaxAgentStatusDisplayOrder, "displayOrder",
		"must be from 1 to %d (or left out)", MaxAgentStatusDisplayOrder)
	switch want := systemName(s.Type); {
	case s.Type == AgentStatusCustom:
		for _, reserved := range []string{AgentStatusNameAvailable, AgentStatusNameOffline} {
			if strings.EqualFold(s.Name, reserved) {
				c.add("name", "%q is reserved for a system status", s.Name)
			}
		}
	case want != "":
		if s.Name != "" && s.Name != want {
			c.add("name", "the %s system status is always named %s: it cannot be renamed", s.Type, want)
		}
		if s.State == StatusDisabled {
			c.add("state", "the %s system status cannot be disabled", want)
		}
	}
	return c.err()
}

func (s *AgentStatus) References() []Ref { return nil }

// CheckReplace refuses an update that changes the status's type: the
// system statuses stay what they are and a CUSTOM status stays CUSTOM.
func (s *AgentStatus) CheckReplace(old Resource) error {
	o, ok := old.(*AgentStatus)
	if !ok || o.Type == s.Type {
		return nil
	}
	if o.System() {
		return Invalid("type", "%s is a system status: its type stays %s", o.Name, o.Type)
	}
	return Invalid("type", "must stay %s: only the instance's own Available and Offline statuses are %s or %s",
		o.Type, AgentStatusRoutable, AgentStatusOffline)
}

// CheckDelete refuses to delete a system status.
func (s *AgentStatus) CheckDelete() *FieldError {
	if !s.System() {
		return nil
	}
	return &FieldError{Field: "type", Message: fmt.Sprintf("%s is a %s system status: it cannot be deleted", s.Name, s.Type)}
}

// DefaultAgentStatuses are created with every instance: the system
// statuses Available (ROUTABLE) and Offline (OFFLINE).
func DefaultAgentStatuses() []*AgentStatus {
	return []*AgentStatus{
		{Name: AgentStatusNameAvailable, Description: "Takes contacts", Type: AgentStatusRoutable, State: StatusEnabled, DisplayOrder: 1},
		{Name: AgentStatusNameOffline, Description: "Logged out of routing", Type: AgentStatusOffline, State: StatusEnabled, DisplayOrder: 2},
	}
}
