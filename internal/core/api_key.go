package core

import "time"

// APIKey authenticates programs calling the REST API. The key itself is shown
// once, when created; the store keeps only its SHA-256 hash. A key without an
// instance is a deployment-admin key.
type APIKey struct {
	ID          string `json:"id"`
	InstanceID  string `json:"instanceId,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Prefix is the first characters of the key, to tell keys apart.
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`

	Hash string `json:"-"`
}

// Validate checks the fields a client may set.
func (k *APIKey) Validate(now time.Time) error {
	var c checker
	c.name("name", k.Name, 127)
	c.maxLen("description", k.Description, 250)
	if k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
		c.add("expiresAt", "must be in the future")
	}
	return c.err()
}
