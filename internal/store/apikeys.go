package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// CreateAPIKey stores k (whose Hash the caller computed). An empty InstanceID
// makes a deployment-admin key.
func (s *Store) CreateAPIKey(ctx context.Context, k *core.APIKey) error {
	if err := k.Validate(time.Now()); err != nil {
		return err
	}
	k.ID, k.CreatedAt = newID(), now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if k.InstanceID != "" {
			if err := checkInstance(ctx, tx, k.InstanceID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, instance_id, name, description, prefix, key_hash, created_at, expires_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, k.ID, nullString(k.InstanceID), k.Name, k.Description, k.Prefix, k.Hash, k.CreatedAt, nullTime(k.ExpiresAt))
		if isUnique(err) {
			return &ConflictError{Msg: "an API key with this value already exists"}
		}
		return err
	})
}

const apiKeyCols = `id, instance_id, name, description, prefix, key_hash, created_at, expires_at, last_used_at`

func scanAPIKey(row scanner) (*core.APIKey, error) {
	var (
		k                 core.APIKey
		inst              sql.NullString
		expires, lastUsed sql.NullTime
	)
	if err := row.Scan(&k.ID, &inst, &k.Name, &k.Description, &k.Prefix, &k.Hash, &k.CreatedAt, &expires, &lastUsed); err != nil {
		return nil, err
	}
	k.InstanceID = inst.String
	k.CreatedAt = k.CreatedAt.UTC()
	if expires.Valid {
		t := expires.Time.UTC()
		k.ExpiresAt = &t
	}
	if lastUsed.Valid {
		t := lastUsed.Time.UTC()
		k.LastUsedAt = &t
	}
	return &k, nil
}

// APIKeyByHash finds a key by the SHA-256 of its value.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*core.APIKey, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE key_hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("api key: %w", ErrNotFound)
	}
	return k, err
}

// GetAPIKey returns one key of an instance ("" for deployment keys).
func (s *Store) GetAPIKey(ctx context.Context, instanceID, id string) (*core.APIKey, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && k.InstanceID != instanceID) {
		return nil, fmt.Errorf("api key %s: %w", id, ErrNotFound)
	}
	return k, err
}

// ListAPIKeys lists the keys of an instance, or the deployment keys for "".
func (s *Store) ListAPIKeys(ctx context.Context, instanceID string, p Page) ([]*core.APIKey, string, error) {
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
	where := `instance_id = $1`
	args := []any{instanceID, after}
	if instanceID == "" {
		where = `instance_id IS NULL AND $1 = ''`
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE `+where+
		fmt.Sprintf(` AND id > $2 ORDER BY id LIMIT %d`, max+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []*core.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, k)
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

// DeleteAPIKey revokes a key of an instance ("" for deployment keys).
func (s *Store) DeleteAPIKey(ctx context.Context, instanceID, id string) error {
	if _, err := s.GetAPIKey(ctx, instanceID, id); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = $1`, id)
		return err
	})
}

// CountAdminKeys returns how many deployment-admin keys exist.
func (s *Store) CountAdminKeys(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE instance_id IS NULL`).Scan(&n)
	return n, err
}

// TouchAPIKey records when a key was last used. Callers rate-limit it.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, at.UTC().Truncate(time.Microsecond), id)
		return err
	})
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}
