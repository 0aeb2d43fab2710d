package core

import (
	"net/url"
	"strings"
)

// Function is an external HTTP endpoint that flows call (the Lambda block).
type Function struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	// TimeoutSeconds bounds each call: 1 to 8 seconds, 8 by default.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// Internal allows the URL to point at loopback or private addresses.
	Internal bool `json:"internal"`
	// Secret signs each request body (HMAC-SHA256). Write-only: returned
	// as HasSecret; an update without it keeps the current secret.
	Secret    string `json:"secret,omitempty"`
	HasSecret bool   `json:"hasSecret"`
}

func (f *Function) ResourceName() string { return f.Name }

func (f *Function) Normalize() {
	f.Name = strings.TrimSpace(f.Name)
	f.URL = strings.TrimSpace(f.URL)
	if f.TimeoutSeconds == 0 {
		f.TimeoutSeconds = 8
	}
}

func (f *Function) Validate() error {
	var c checker
	c.name("name", f.Name, 127)
	c.maxLen("description", f.Description, 250)
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add("url", "must be an absolute http or https URL")
	} else if u.User != nil {
		c.add("url", "must not carry credentials; use secret instead")
	}
	c.check(f.TimeoutSeconds >= 1 && f.TimeoutSeconds <= 8, "timeoutSeconds", "must be between 1 and 8")
	c.maxLen("secret", f.Secret, 512)
	return c.err()
}

func (f *Function) References() []Ref { return nil }

func (f *Function) SecretValue() string { return f.Secret }

func (f *Function) SetSecretValue(s string) { f.Secret, f.HasSecret = s, s != "" }

// Redact removes the secret before the function is returned to a client.
func (f *Function) Redact() { f.Secret = "" }
