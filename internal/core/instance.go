package core

import (
	"regexp"
	"time"
)

// Instance is a tenant: an isolated contact center with its own numbers,
// flows, queues, users and data. Many instances share one deployment.
type Instance struct {
	ID          string    `json:"id"`
	Alias       string    `json:"alias"`
	Description string    `json:"description,omitempty"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

var aliasRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate checks the alias is DNS-label shaped so it can appear in URLs and hostnames.
func (i *Instance) Validate() error {
	var c checker
	if !aliasRE.MatchString(i.Alias) {
		c.add("alias", "must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'")
	}
	c.maxLen("description", i.Description, 250)
	return c.err()
}
