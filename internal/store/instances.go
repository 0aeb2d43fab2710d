package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// CreateInstance stores a new instance together with its default security
// profiles (Admin, Supervisor, Agent) and its system agent statuses
// (Available, Offline), in one transaction.
func (s *Store) CreateInstance(ctx context.Context, in *core.Instance) error {
	if err := in.Validate(); err != nil {
		return err
	}
	t := now()
	in.ID, in.Version, in.CreatedAt, in.UpdatedAt = newID(), 1, t, t
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO instances (id, alias, body, version, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6)`, in.ID, in.Alias, string(body), in.Version, t, t)
		if isUnique(err) {
			return &ConflictError{Field: "alias", Msg: fmt.Sprintf("%q is already taken", in.Alias)}
		} else if err != nil {
			return fmt.Errorf("create instance: %w", err)
		}
		for _, p := range core.DefaultSecurityProfiles() {
			if err := s.SecurityProfiles.CreateTx(ctx, tx, in.ID, p); err != nil {
				return fmt.Errorf("create security profile %s: %w", p.Name, err)
			}
		}
		for _, st := range core.DefaultAgentStatuses() {
			if err := s.AgentStatuses.CreateTx(ctx, tx, in.ID, st); err != nil {
				return fmt.Errorf("create agent status %s: %w", st.Name, err)
			}
		}
		return nil
	})
}

const instanceCols = `id, alias, body, version, created_at, updated_at`

func scanInstance(row scanner) (*core.Instance, error) {
	var (
		in   core.Instance
		body string
	)
	var id, alias string
	var version int64
	var created, updated = &in.CreatedAt, &in.UpdatedAt
	if err := row.Scan(&id, &alias, &body, &version, created, updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		return nil, fmt.Errorf("decode instance %s: %w", id, err)
	}
	in.ID, in.Alias, in.Version = id, alias, version
	in.CreatedAt, in.UpdatedAt = in.CreatedAt.UTC(), in.UpdatedAt.UTC()
	return &in, nil
}

// GetInstance returns the instance with the given ID.
func (s *Store) GetInstance(ctx context.Context, id string) (*core.Instance, error) {
	in, err := scanInstance(s.read.QueryRowContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("instance %s: %w", id, ErrNotFound)
	}
	return in, err
}

// GetInstanceByAlias returns the instance with the given alias.
func (s *Store) GetInstanceByAlias(ctx context.Context, alias string) (*core.Instance, error) {
	in, err := scanInstance(s.read.QueryRowContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE alias = $1`, alias))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("instance %q: %w", alias, ErrNotFound)
	}
	return in, err
}

// ListInstances returns one page of instances in creation order.
func (s *Store) ListInstances(ctx context.Context, p Page) ([]*core.Instance, string, error) {
	after, err := decodeToken(p.Token)
	if err != nil {
		return nil, "", err
	}
	max := p.Max
	if max <= 0 {
		max = 100
	}
	if max > MaxPageSize {
		max = MaxPageSize
	}
	q := `SELECT ` + instanceCols + ` FROM instances WHERE id > $1`
	args := []any{after}
	if p.Name != "" {
		q += ` AND alias = $2`
		args = append(args, p.Name)
	}
	rows, err := s.read.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY id LIMIT %d`, max+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list instances: %w", err)
	}
	defer rows.Close()
	var out []*core.Instance
	for rows.Next() {
		in, err := scanInstance(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > max {
		out = out[:max]
		next = encodeToken(out[max-1].ID)
	}
	return out, next, nil
}

// UpdateInstance replaces the instance's description and alias.
func (s *Store) UpdateInstance(ctx context.Context, in *core.Instance, expectVersion int64) error {
	if err := in.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanInstance(tx.QueryRowContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE id = $1`, in.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("instance %s: %w", in.ID, ErrNotFound)
		} else if err != nil {
			return err
		}
		if expectVersion != 0 && expectVersion != cur.Version {
			return &ConflictError{Field: "version", Msg: fmt.Sprintf("is %d, not %d: the instance changed since it was read", cur.Version, expectVersion)}
		}
		in.Version, in.CreatedAt, in.UpdatedAt = cur.Version+1, cur.CreatedAt, now()
		body, err := json.Marshal(in)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE instances SET alias = $1, body = $2, version = $3, updated_at = $4 WHERE id = $5`,
			in.Alias, string(body), in.Version, in.UpdatedAt, in.ID)
		if isUnique(err) {
			return &ConflictError{Field: "alias", Msg: fmt.Sprintf("%q is already taken", in.Alias)}
		}
		return err
	})
}

// DeleteInstance removes the instance and, by cascade, everything in it.
func (s *Store) DeleteInstance(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM instances WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete instance: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("instance %s: %w", id, ErrNotFound)
		}
		return nil
	})
}

// NumberRoute is where a call to a claimed number goes.
type NumberRoute struct {
	InstanceID string
	NumberID   string
	FlowID     string
}

// RouteNumber finds the instance and flow of an E.164 number across the deployment.
func (s *Store) RouteNumber(ctx context.Context, number string) (NumberRoute, error) {
	pn, err := s.PhoneNumbers.getWhere(ctx, s.read, "name = $1", core.NormalizeE164(number))
	if err != nil {
		return NumberRoute{}, err
	}
	return NumberRoute{InstanceID: pn.InstanceID, NumberID: pn.ID, FlowID: pn.FlowID}, nil
}
