package core

import (
	"fmt"
	"slices"
	"strings"
)

// Permissions a security profile can grant. They are coarse on purpose:
// one per area of the product, read or edit.
var Permissions = []string{
	"agent.ccp",                    // log in to the CCP and handle contacts
	"agent.outbound",               // place outbound calls
	"metrics.realtime",             // see real-time metrics
	"metrics.historical",           // see historical metrics and contact records
	"routing.read", "routing.edit", // queues, routing profiles, hours, quick connects
	"flows.read", "flows.edit", "flows.publish",
	"numbers.read", "numbers.edit",
	"users.read", "users.edit",
	"prompts.read", "prompts.edit",
	"functions.read", "functions.edit",
	"apikeys.edit",
	"recordings.listen",
}

// SecurityProfile is a named set of permissions (a role).
type SecurityProfile struct {
	Meta
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
}

func (p *SecurityProfile) ResourceName() string { return p.Name }

func (p *SecurityProfile) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	if p.Permissions == nil {
		p.Permissions = []string{}
	}
	slices.Sort(p.Permissions)
	p.Permissions = slices.Compact(p.Permissions)
}

func (p *SecurityProfile) Validate() error {
	var c checker
	c.name("name", p.Name, 127)
	c.maxLen("description", p.Description, 250)
	for i, perm := range p.Permissions {
		if !slices.Contains(Permissions, perm) {
			c.add(fieldIndex("permissions", i), "unknown permission %q", perm)
		}
	}
	return c.err()
}

func (p *SecurityProfile) References() []Ref { return nil }

// Has reports whether the profile grants perm.
func (p *SecurityProfile) Has(perm string) bool { return slices.Contains(p.Permissions, perm) }

// DefaultSecurityProfiles are created with every instance.
func DefaultSecurityProfiles() []*SecurityProfile {
	all := slices.Clone(Permissions)
	return []*SecurityProfile{
		{Name: "Admin", Description: "Everything", Permissions: all},
		{Name: "Supervisor", Description: "Agents' work and metrics", Permissions: []string{
			"agent.ccp", "agent.outbound", "metrics.realtime", "metrics.historical",
			"routing.read", "flows.read", "numbers.read", "users.read", "prompts.read", "recordings.listen"}},
		{Name: "Agent", Description: "Handles contacts in the CCP", Permissions: []string{"agent.ccp", "agent.outbound"}},
	}
}

func fieldIndex(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }
