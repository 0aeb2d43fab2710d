package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SessionRow is a stored login session: the hex SHA-256 of its token (the
// token itself is never stored), whose user it is, and the session's JSON.
type SessionRow struct {
	TokenHash  string
	InstanceID string
	UserID     string
	Body       []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// PutSession stores a session.
func (s *Store) PutSession(ctx context.Context, r SessionRow) error {
	if r.TokenHash == "" || r.InstanceID == "" || r.UserID == "" {
		return errors.New("put session: token hash, instance and user are required")
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO agent_sessions (token_hash, instance_id, user_id, body, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			r.TokenHash, r.InstanceID, r.UserID, string(r.Body), r.CreatedAt.UTC(), r.ExpiresAt.UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// Session returns the session stored under a token hash, expired or not
// (the caller checks expiry), or ErrNotFound.
func (s *Store) Session(ctx context.Context, tokenHash string) (SessionRow, error) {
	r := SessionRow{TokenHash: tokenHash}
	var body string
	err := s.read.QueryRowContext(ctx, `SELECT instance_id, user_id, body, created_at, expires_at
		FROM agent_sessions WHERE token_hash = $1`, tokenHash).Scan(&r.InstanceID, &r.UserID, &body, &r.CreatedAt, &r.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return SessionRow{}, fmt.Errorf("session: %w", ErrNotFound) // never name the hash
	}
	if err != nil {
		return SessionRow{}, fmt.Errorf("read session: %w", err)
	}
	r.Body = []byte(body)
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	return r, nil
}

// DeleteSession removes a session (logout); a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM agent_sessions WHERE token_hash = $1`, tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired at or before t.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM agent_sessions WHERE expires_at <= $1`, t.UTC())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}
