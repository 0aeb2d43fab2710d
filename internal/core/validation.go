package core

import (
	"fmt"
	"regexp"
	"strings"
)

// FieldError is one problem with one field of a request or resource.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError collects every FieldError found in one resource.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Invalid returns a ValidationError for a single field.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Errors: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// checker accumulates field errors; its err method returns nil when there are none.
type checker struct{ errs []FieldError }

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) check(ok bool, field, format string, args ...any) {
	if !ok {
		c.add(field, format, args...)
	}
}

func (c *checker) name(field, v string, max int) {
	switch {
	case v == "":
		c.add(field, "is required")
	case len(v) > max:
		c.add(field, "must be at most %d characters", max)
	case strings.ContainsAny(v, "\x00\r\n"):
		c.add(field, "must not contain control characters")
	}
}

func (c *checker) maxLen(field, v string, max int) {
	if len(v) > max {
		c.add(field, "must be at most %d characters", max)
	}
}

func (c *checker) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(field, "must be one of %s", strings.Join(allowed, ", "))
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: c.errs}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// ValidE164 reports whether s is an E.164 number: '+', a non-zero digit, at most 15 digits.
func ValidE164(s string) bool { return e164.MatchString(s) }

// NormalizeE164 strips the separators people type (spaces, dashes, dots,
// parentheses) from a phone number. It does not add a country code.
func NormalizeE164(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\t':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// Channels a contact can use.
const (
	ChannelVoice = "VOICE"
	ChannelChat  = "CHAT"
	ChannelTask  = "TASK"
)

var channels = []string{ChannelVoice, ChannelChat, ChannelTask}
