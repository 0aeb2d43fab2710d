package hours

import (
	"strings"
	"testing"
	"time"
)

func at(t *testing.T, tz, local string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestIsOpen(t *testing.T) {
	s := Schedule{
		TimeZone: "Europe/Paris",
		Config: []Range{
			{Day: "monday", Start: "09:00", End: "17:30"},
			{Day: "FRIDAY", Start: "22:00", End: "02:00"}, // overnight into Saturday
		},
		Overrides: []Override{
			{Name: "Christmas", From: "2026-12-21", Type: "closed"},
			{Name: "Inventory", From: "2026-12-14", Type: Closed, Ranges: []TimeRange{{Start: "12:00", End: "14:00"}}},
			{Name: "Sunday sale", From: "2026-12-13", Type: Open, Ranges: []TimeRange{{Start: "10:00", End: "12:00"}}},
		},
	}
	s.Normalize()
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("valid schedule rejected: %v", errs)
	}
	cases := []struct {
		local string
		want  bool
	}{
		{"2026-12-07 09:00", true},  // Monday opening minute
		{"2026-12-07 08:59", false}, // before
		{"2026-12-07 17:29", true},
		{"2026-12-07 17:30", false}, // end is exclusive
		{"2026-12-08 10:00", false}, // Tuesday: no range
		{"2026-12-11 23:00", true},  // Friday night
		{"2026-12-12 01:59", true},  // spills into Saturday
		{"2026-12-12 02:00", false},
		{"2026-12-21 10:00", false}, // Monday, but Christmas closure
		{"2026-12-14 11:00", true},  // Monday with a partial closure
		{"2026-12-14 12:30", false}, // inside the closure
		{"2026-12-13 10:30", true},  // Sunday special opening
		{"2026-12-13 13:00", false},
	}
	for _, c := range cases {
		if got := s.IsOpen(at(t, "Europe/Paris", c.local)); got != c.want {
			t.Errorf("IsOpen(%s Paris) = %v, want %v", c.local, got, c.want)
		}
	}
	// The same instant seen from UTC: 08:30 UTC on a Monday in winter is 09:30 in Paris.
	if !s.IsOpen(time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)) {
		t.Error("time zone not applied")
	}
}

func TestAlwaysOpen(t *testing.T) {
	s := AlwaysOpen("America/New_York")
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	for h := 0; h < 24*7; h++ {
		if !s.IsOpen(time.Date(2026, 3, 1, h, 59, 0, 0, time.UTC)) {
			t.Fatalf("closed at hour %d", h)
		}
	}
}

func TestValidateNamesFields(t *testing.T) {
	s := Schedule{
		TimeZone: "Mars/Olympus",
		Config:   []Range{{Day: "Funday", Start: "9:00", End: "25:00"}, {Day: "MONDAY", Start: "10:00", End: "10:00"}},
		Overrides: []Override{
			{From: "2026-13-01", Type: "MAYBE"},
			{From: "2026-12-02", To: "2026-12-01", Type: Open},
			{From: "2026-12-02", Type: Closed, Ranges: []TimeRange{{Start: "14:00", End: "13:00"}}},
		},
	}
	s.Normalize()
	got := map[string]string{}
	for _, e := range s.Validate() {
		got[e.Field] = e.Message
	}
	for _, f := range []string{"timeZone", "config[0].day", "config[0].start", "config[0].end", "config[1].end",
		"overrides[0].from", "overrides[0].type", "overrides[1].to", "overrides[1].ranges", "overrides[2].ranges[0].end"} {
		if _, ok := got[f]; !ok {
			t.Errorf("no error for %s; got %v", f, got)
		}
	}
	if !strings.Contains(got["timeZone"], "Mars/Olympus") {
		t.Errorf("time zone error does not name the value: %q", got["timeZone"])
	}
	if s.IsOpen(time.Now()) {
		t.Error("an invalid schedule must be closed")
	}
}
