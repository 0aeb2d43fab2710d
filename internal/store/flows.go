package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// PublishFlow freezes the flow's current draft as the next version. The
// caller validates the draft first. If expectVersion is not zero the draft
// must not have changed since that resource version was read.
func (s *Store) PublishFlow(ctx context.Context, instanceID, flowID string, expectVersion int64) (*core.Flow, error) {
	var out *core.Flow
	err := s.tx(ctx, func(tx *sql.Tx) error {
		f, err := s.Flows.getWhere(ctx, tx, "id = $1 AND instance_id = $2", flowID, instanceID)
		if err != nil {
			return err
		}
		if expectVersion != 0 && f.Version != expectVersion {
			return &ConflictError{Field: "version", Msg: fmt.Sprintf("is %d, not %d: the draft changed since it was read", f.Version, expectVersion)}
		}
		next := f.PublishedVersion + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO flow_versions (flow_id, instance_id, version, content, created_at)
			VALUES ($1,$2,$3,$4,$5)`, flowID, instanceID, next, string(f.Content), now()); err != nil {
			if isUnique(err) {
				return &ConflictError{Msg: "the flow was published concurrently; try again"}
			}
			return fmt.Errorf("publish flow: %w", err)
		}
		f.PublishedVersion = next
		if err := s.Flows.UpdateTx(ctx, tx, instanceID, f, f.Version); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}

// FlowVersion returns one published version; version 0 means the latest.
func (s *Store) FlowVersion(ctx context.Context, instanceID, flowID string, version int) (*core.FlowVersion, error) {
	q := `SELECT flow_id, version, content, created_at FROM flow_versions WHERE flow_id = $1 AND instance_id = $2`
	args := []any{flowID, instanceID}
	if version > 0 {
		q += ` AND version = $3`
		args = append(args, version)
	} else {
		q += ` ORDER BY version DESC LIMIT 1`
	}
	var (
		v       core.FlowVersion
		content string
		created time.Time
	)
	err := s.read.QueryRowContext(ctx, q, args...).Scan(&v.FlowID, &v.Version, &content, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("flow %s version %d: %w", flowID, version, ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	v.Content = []byte(content)
	v.CreatedAt = created.UTC().Format(time.RFC3339Nano)
	return &v, nil
}

// ListFlowVersions lists a flow's published versions, newest first, without content.
func (s *Store) ListFlowVersions(ctx context.Context, instanceID, flowID string) ([]core.FlowVersion, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT version, created_at FROM flow_versions
		WHERE flow_id = $1 AND instance_id = $2 ORDER BY version DESC`, flowID, instanceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []core.FlowVersion{}
	for rows.Next() {
		var (
			v       = core.FlowVersion{FlowID: flowID}
			created time.Time
		)
		if err := rows.Scan(&v.Version, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = created.UTC().Format(time.RFC3339Nano)
		out = append(out, v)
	}
	return out, rows.Err()
}
