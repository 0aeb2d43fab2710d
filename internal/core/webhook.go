package core

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// KindWebhookSubscription is the kind of WebhookSubscription.
const KindWebhookSubscription Kind = "webhook-subscription"

// Webhook subscription statuses.
const (
	WebhookEnabled  = "ENABLED"
	WebhookDisabled = "DISABLED"
)

// WebhookSubscription asks for an instance's contact and agent events to be
// POSTed to a URL (internal/webhook delivers them).
type WebhookSubscription struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	// EventTypes lists the event types delivered, such as INITIATED or
	// COMPLETED; empty means every event.
	EventTypes []string `json:"eventTypes"`
	// Status is ENABLED (the default) or DISABLED: events that happen while
	// a subscription is disabled are not delivered to it, then or later.
	Status string `json:"status"`
	// Internal allows the URL to point at loopback or private addresses.
	Internal bool `json:"internal"`
	// Secret signs each request (HMAC-SHA256, as for functions). Write-only:
	// returned as HasSecret; an update without it keeps the current secret.
	Secret    string `json:"secret,omitempty"`
	HasSecret bool   `json:"hasSecret"`
}

func (w *WebhookSubscription) ResourceName() string { return w.Name }

func (w *WebhookSubscription) Normalize() {
	w.Name = strings.TrimSpace(w.Name)
	w.URL = strings.TrimSpace(w.URL)
	if w.Status == "" {
		w.Status = WebhookEnabled
	}
	// A copy: the caller's slice is not reordered.
	w.EventTypes = append([]string{}, w.EventTypes...)
	for i, t := range w.EventTypes {
		w.EventTypes[i] = strings.TrimSpace(t)
	}
	slices.Sort(w.EventTypes)
	w.EventTypes = slices.Compact(w.EventTypes)
}

func (w *WebhookSubscription) Validate() error {
	var c checker
	c.name("name", w.Name, 127)
	c.maxLen("description", w.Description, 250)
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add("url", "must be an absolute http or https URL")
	} else if u.User != nil {
		c.add("url", "must not carry credentials; use secret instead")
	}
	c.oneOf("status", w.Status, WebhookEnabled, WebhookDisabled)
	c.check(len(w.EventTypes) <= 50, "eventTypes", "must list at most 50 event types")
	for i, t := range w.EventTypes {
		c.check(validEventType(t), "eventTypes["+strconv.Itoa(i)+"]", "must be an event type such as INITIATED: letters, digits and '_'")
	}
	c.maxLen("secret", w.Secret, 512)
	return c.err()
}

// Wants reports whether the subscription delivers events of the given type.
func (w *WebhookSubscription) Wants(eventType string) bool {
	return w.Status == WebhookEnabled && (len(w.EventTypes) == 0 || slices.Contains(w.EventTypes, eventType))
}

func (w *WebhookSubscription) References() []Ref { return nil }

func (w *WebhookSubscription) SecretValue() string { return w.Secret }

func (w *WebhookSubscription) SetSecretValue(s string) { w.Secret, w.HasSecret = s, s != "" }

// Redact removes the secret before the subscription is returned to a client.
func (w *WebhookSubscription) Redact() { w.Secret = "" }

// validEventType accepts what can be the last token of a bus subject.
func validEventType(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
