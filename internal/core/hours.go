package core

import (
	"strings"

	"github.com/switchboard-cc/switchboard/internal/hours"
)

// HoursOfOperation is a named schedule (time zone, weekly ranges, dated
// overrides) that queues and flows check.
type HoursOfOperation struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	hours.Schedule
}

func (h *HoursOfOperation) ResourceName() string { return h.Name }

func (h *HoursOfOperation) Normalize() {
	h.Name = strings.TrimSpace(h.Name)
	h.Schedule.Normalize()
}

func (h *HoursOfOperation) Validate() error {
	var c checker
	c.name("name", h.Name, 127)
	c.maxLen("description", h.Description, 250)
	for _, e := range h.Schedule.Validate() {
		c.add(e.Field, "%s", e.Message)
	}
	return c.err()
}

func (h *HoursOfOperation) References() []Ref { return nil }
