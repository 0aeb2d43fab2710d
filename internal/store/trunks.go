package store

import (
	"context"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// AllTrunks returns every trunk of every instance, ordered by instance then
// creation, with its password filled in and Meta.InstanceID set: what SIP
// admission matches a call against. It is for internal use only: the
// passwords must never reach a client.
func (s *Store) AllTrunks(ctx context.Context) ([]*core.Trunk, error) {
	return s.Trunks.everywhere(ctx)
}
