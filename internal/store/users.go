package store

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// UsersNamed returns the users called username in every instance (a
// username is unique per instance only), ordered by instance, with their
// secrets (password hash and device password) filled in: what the SIP
// registrar authenticates a desk phone against when its REGISTER does not
// name the instance. It is for internal use only: the secrets must never
// reach a client.
func (s *Store) UsersNamed(ctx context.Context, username string) ([]*core.User, error) {
	r := s.Users
	rows, err := s.read.QueryContext(ctx, `SELECT id, instance_id, version, body, secret, created_at, updated_at FROM `+
		r.table+` WHERE name = $1 ORDER BY instance_id`, username)
	if err != nil {
		return nil, fmt.Errorf("users named %q: %w", username, err)
	}
	defer rows.Close()
	var out []*core.User
	for rows.Next() {
		u, err := r.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("users named %q: %w", username, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users named %q: %w", username, err)
	}
	return out, nil
}
