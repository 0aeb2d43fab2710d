package core

import (
	"errors"
	"strings"
	"testing"
)

// fields returns the fields a validation error names, or nil.
func fields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var fs []string
	for _, f := range ve.Errors {
		fs = append(fs, f.Field)
	}
	return fs
}

func TestAgentStatusValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    AgentStatus
		want string // the field at fault, "" for valid
	}{
		{"custom by default, enabled by default", AgentStatus{Name: " Lunch "}, ""},
		{"display order 1..50", AgentStatus{Name: "Lunch", DisplayOrder: 50}, ""},
		{"the system statuses", AgentStatus{Name: "Available", Type: AgentStatusRoutable}, ""},
		{"offline", AgentStatus{Name: "Offline", Type: AgentStatusOffline, Description: "x"}, ""},
		{"a name", AgentStatus{Name: "  "}, "name"},
		{"a short name", AgentStatus{Name: strings.Repeat("n", 128)}, "name"},
		{"one line", AgentStatus{Name: "a\nb"}, "name"},
		{"a short description", AgentStatus{Name: "Lunch", Description: strings.Repeat("d", 251)}, "description"},
		{"a known type", AgentStatus{Name: "Lunch", Type: "BREAK"}, "type"},
		{"a known state", AgentStatus{Name: "Lunch", State: "PAUSED"}, "state"},
		{"no negative order", AgentStatus{Name: "Lunch", DisplayOrder: -1}, "displayOrder"},
		{"order at most 50", AgentStatus{Name: "Lunch", DisplayOrder: 51}, "displayOrder"},
		{"custom cannot be Available", AgentStatus{Name: "available"}, "name"},
		{"custom cannot be Offline", AgentStatus{Name: "OFFLINE"}, "name"},
		{"ROUTABLE is Available", AgentStatus{Name: "Ready", Type: AgentStatusRoutable}, "name"},
		{"OFFLINE is Offline", AgentStatus{Name: "Away", Type: AgentStatusOffline}, "name"},
		{"Available stays enabled", AgentStatus{Name: "Available", Type: AgentStatusRoutable, State: StatusDisabled}, "state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.Normalize()
			err := s.Validate()
			switch fs := fields(err); {
			case tc.want == "" && err != nil:
				t.Fatalf("%+v: %v", s, err)
			case tc.want != "" && (len(fs) != 1 || fs[0] != tc.want):
				t.Fatalf("%+v: got %v, want one error on %s", s, err, tc.want)
			}
		})
	}
	s := AgentStatus{Name: " Lunch "}
	s.Normalize()
	if s.Name != "Lunch" || s.Type != AgentStatusCustom || s.State != StatusEnabled || s.System() {
		t.Fatalf("normalised %+v", s)
	}
}

func TestSystemAgentStatusesKeepTheirTypeAndStay(t *testing.T) {
	defaults := DefaultAgentStatuses()
	if len(defaults) != 2 || defaults[0].Name != AgentStatusNameAvailable || defaults[1].Type != AgentStatusOffline {
		t.Fatalf("defaults %+v", defaults)
	}
	for _, d := range defaults {
		if err := d.Validate(); err != nil || !d.System() {
			t.Fatalf("default %+v: %v", d, err)
		}
		if fe := d.CheckDelete(); fe == nil || fe.Field != "type" || !strings.Contains(fe.Message, "cannot be deleted") {
			t.Fatalf("deleting %s: %+v", d.Name, fe)
		}
		retyped := &AgentStatus{Name: "Ready", Type: AgentStatusCustom}
		if fs := fields(retyped.CheckReplace(d)); len(fs) != 1 || fs[0] != "type" {
			t.Fatalf("%s made CUSTOM: %v", d.Name, retyped.CheckReplace(d))
		}
		same := *d
		same.Description = "edited"
		if err := same.CheckReplace(d); err != nil {
			t.Fatalf("editing %s's description: %v", d.Name, err)
		}
	}
	lunch := &AgentStatus{Name: "Lunch", Type: AgentStatusCustom}
	if fe := lunch.CheckDelete(); fe != nil {
		t.Fatalf("a custom status cannot be deleted: %+v", fe)
	}
	promoted := &AgentStatus{Name: "Available", Type: AgentStatusRoutable}
	if fs := fields(promoted.CheckReplace(lunch)); len(fs) != 1 || fs[0] != "type" {
		t.Fatalf("custom made ROUTABLE: %v", promoted.CheckReplace(lunch))
	}
}
