// Package hours answers "is this schedule open now?": a time zone, a weekly
// schedule of open ranges, and dated overrides (holidays closed, special
// opening hours). Flows use it through the CheckHoursOfOperation action and
// queues through their hours of operation.
package hours

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Days of the week as they appear in a schedule.
var Days = []string{"SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"}

// Override types.
const (
	Closed = "CLOSED" // closed on these dates (all day, or only during Ranges)
	Open   = "OPEN"   // open on these dates only during Ranges, whatever the weekly schedule says
)

// Schedule is a weekly schedule in a time zone with dated overrides.
type Schedule struct {
	// TimeZone is an IANA zone name such as Europe/Paris.
	TimeZone string `json:"timeZone"`
	// Config lists the weekly open ranges. A range whose end is before its
	// start runs past midnight into the next day.
	Config []Range `json:"config"`
	// Overrides replace the weekly schedule on the dates they cover.
	Overrides []Override `json:"overrides,omitempty"`
}

// Range is one open range on one day of the week; times are "HH:MM" and the
// end may be "24:00".
type Range struct {
	Day   string `json:"day"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Override changes the schedule on a date or an inclusive range of dates.
type Override struct {
	Name string `json:"name"`
	// From and To are local dates (YYYY-MM-DD); To defaults to From.
	From string `json:"from"`
	To   string `json:"to,omitempty"`
	// Type is CLOSED or OPEN.
	Type string `json:"type"`
	// Ranges: for OPEN, the hours open (required); for CLOSED, the hours
	// closed (empty: the whole day).
	Ranges []TimeRange `json:"ranges,omitempty"`
}

// TimeRange is a range of local time on one day, "HH:MM" to "HH:MM".
type TimeRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// FieldError names the field of a schedule that is wrong.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// AlwaysOpen is a schedule open every day, all day, in tz.
func AlwaysOpen(tz string) Schedule {
	s := Schedule{TimeZone: tz}
	for _, d := range Days {
		s.Config = append(s.Config, Range{Day: d, Start: "00:00", End: "24:00"})
	}
	return s
}

// Normalize upper-cases days and types and trims spaces.
func (s *Schedule) Normalize() {
	s.TimeZone = strings.TrimSpace(s.TimeZone)
	for i := range s.Config {
		s.Config[i].Day = strings.ToUpper(strings.TrimSpace(s.Config[i].Day))
	}
	for i := range s.Overrides {
		o := &s.Overrides[i]
		o.Type = strings.ToUpper(strings.TrimSpace(o.Type))
		o.Name = strings.TrimSpace(o.Name)
		if o.To == "" {
			o.To = o.From
		}
	}
}

// Validate returns every problem in the schedule, each naming its field
// (timeZone, config[2].end, overrides[0].from, ...).
func (s *Schedule) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if s.TimeZone == "" {
		add("timeZone", "is required (an IANA time zone such as Europe/Paris)")
	} else if _, err := loadLocation(s.TimeZone); err != nil || strings.EqualFold(s.TimeZone, "local") {
		add("timeZone", "unknown time zone %q (use an IANA name such as Europe/Paris)", s.TimeZone)
	}
	if len(s.Config) > 7*8 {
		add("config", "at most %d ranges", 7*8)
	}
	for i, r := range s.Config {
		f := fmt.Sprintf("config[%d]", i)
		if dayIndex(r.Day) < 0 {
			add(f+".day", "must be one of %s", strings.Join(Days, ", "))
		}
		st, err1 := parseClock(r.Start, false)
		if err1 != nil {
			add(f+".start", "%v", err1)
		}
		en, err2 := parseClock(r.End, true)
		if err2 != nil {
			add(f+".end", "%v", err2)
		}
		if err1 == nil && err2 == nil && st == en {
			add(f+".end", "must differ from start")
		}
	}
	if len(s.Overrides) > 500 {
		add("overrides", "at most 500 overrides")
	}
	for i, o := range s.Overrides {
		f := fmt.Sprintf("overrides[%d]", i)
		if len(o.Name) > 127 {
			add(f+".name", "must be at most 127 characters")
		}
		from, err1 := time.Parse(time.DateOnly, o.From)
		if err1 != nil {
			add(f+".from", "must be a date YYYY-MM-DD")
		}
		to := o.To
		if to == "" {
			to = o.From
		}
		until, err2 := time.Parse(time.DateOnly, to)
		if err2 != nil {
			add(f+".to", "must be a date YYYY-MM-DD")
		}
		if err1 == nil && err2 == nil && until.Before(from) {
			add(f+".to", "must not be before from")
		}
		switch o.Type {
		case Closed:
		case Open:
			if len(o.Ranges) == 0 {
				add(f+".ranges", "an OPEN override needs at least one range")
			}
		default:
			add(f+".type", "must be CLOSED or OPEN")
		}
		for j, r := range o.Ranges {
			rf := fmt.Sprintf("%s.ranges[%d]", f, j)
			st, e1 := parseClock(r.Start, false)
			if e1 != nil {
				add(rf+".start", "%v", e1)
			}
			en, e2 := parseClock(r.End, true)
			if e2 != nil {
				add(rf+".end", "%v", e2)
			}
			if e1 == nil && e2 == nil && en <= st {
				add(rf+".end", "must be after start (override ranges do not cross midnight)")
			}
		}
	}
	return errs
}

// IsOpen reports whether the schedule is open at t. A schedule that does not
// validate is closed.
func (s *Schedule) IsOpen(t time.Time) bool {
	loc, err := loadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		return false
	}
	lt := t.In(loc)
	date := lt.Format(time.DateOnly)
	minute := lt.Hour()*60 + lt.Minute()
	for _, o := range s.Overrides {
		to := o.To
		if to == "" {
			to = o.From
		}
		if date < o.From || date > to {
			continue
		}
		inRanges := false
		for _, r := range o.Ranges {
			st, e1 := parseClock(r.Start, false)
			en, e2 := parseClock(r.End, true)
			if e1 == nil && e2 == nil && minute >= st && minute < en {
				inRanges = true
			}
		}
		switch o.Type {
		case Open:
			return inRanges
		case Closed:
			if len(o.Ranges) == 0 || inRanges {
				return false
			}
		}
	}
	today := int(lt.Weekday())
	yesterday := (today + 6) % 7
	for _, r := range s.Config {
		st, e1 := parseClock(r.Start, false)
		en, e2 := parseClock(r.End, true)
		if e1 != nil || e2 != nil {
			continue
		}
		d := dayIndex(r.Day)
		switch {
		case st < en: // same-day range
			if d == today && minute >= st && minute < en {
				return true
			}
		case st > en: // crosses midnight
			if d == today && minute >= st {
				return true
			}
			if d == yesterday && minute < en {
				return true
			}
		}
	}
	return false
}

func dayIndex(d string) int {
	for i, n := range Days {
		if n == d {
			return i
		}
	}
	return -1
}

// parseClock parses "HH:MM" into minutes after midnight; "24:00" only when
// allowEnd.
func parseClock(s string, allowEnd bool) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("must be a time HH:MM, got %q", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("must be a time HH:MM, got %q", s)
	}
	if hh == 24 && mm == 0 && allowEnd {
		return 24 * 60, nil
	}
	if hh > 23 {
		return 0, fmt.Errorf("must be a time between 00:00 and %s, got %q", map[bool]string{true: "24:00", false: "23:59"}[allowEnd], s)
	}
	return hh*60 + mm, nil
}

// locations caches loaded zones: time.LoadLocation reads the zone file on
// every call, and a schedule is checked on every CheckHoursOfOperation action
// and every routing decision.
var locations sync.Map // zone name -> *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}
