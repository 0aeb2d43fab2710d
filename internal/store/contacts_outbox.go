package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// OutboxEvent is an event in the transactional outbox: written in the same
// transaction as the change it reports, published to the bus afterwards by
// a relay (internal/contact.Relay) with ID as the JetStream message ID.
type OutboxEvent struct {
	ID         string // the event (envelope) ID; ascending IDs are published in order
	Stream     string // the bus stream's name, e.g. "CONTACT_EVENTS"
	InstanceID string
	Type       string // the event type, the last subject token
	Time       time.Time
	Payload    []byte // the envelope's data, JSON
}

// AppendOutbox adds events to the outbox inside the transaction, in one
// statement.
func (t *ContactTx) AppendOutbox(ctx context.Context, evs ...OutboxEvent) error {
	if len(evs) == 0 {
		return nil
	}
	created := now()
	rows := make([]string, len(evs))
	args := make([]any, 0, 7*len(evs))
	for i, e := range evs {
		n := len(args)
		rows[i] = fmt.Sprintf("($%d,$%d,$%d,$%d,$%d,$%d,$%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
		args = append(args, e.ID, e.Stream, e.InstanceID, e.Type, e.Time.UTC(), string(e.Payload), created)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO event_outbox
		(id, stream, instance_id, event_type, event_time, payload, created_at) VALUES `+strings.Join(rows, ","), args...); err != nil {
		return fmt.Errorf("outbox %s %s: %w", evs[0].Type, evs[0].ID, err)
	}
	return nil
}

// AppendOutbox adds events to the outbox in a transaction of their own, for
// packages whose change is not in the store but whose events must still go
// through the relay in order with the rest.
func (s *Store) AppendOutbox(ctx context.Context, evs ...OutboxEvent) error {
	return s.InContactTx(ctx, func(tx *ContactTx) error { return tx.AppendOutbox(ctx, evs...) })
}

// PendingOutbox returns up to max unpublished events in ID order.
func (s *Store) PendingOutbox(ctx context.Context, max int) ([]OutboxEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, stream, instance_id, event_type, event_time, payload
		FROM event_outbox WHERE sent_at IS NULL ORDER BY id LIMIT `+fmt.Sprint(pageSize(max)))
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxEvent
	for rows.Next() {
		var (
			e       OutboxEvent
			payload string
		)
		if err := rows.Scan(&e.ID, &e.Stream, &e.InstanceID, &e.Type, &e.Time, &payload); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		e.Time, e.Payload = e.Time.UTC(), []byte(payload)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// MarkOutboxSent records that the events were published.
func (s *Store) MarkOutboxSent(ctx context.Context, ids []string, at time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{at.UTC()}
		ph := make([]string, n)
		for i, id := range ids[:n] {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		if _, err := s.write.ExecContext(ctx, `UPDATE event_outbox SET sent_at = $1 WHERE sent_at IS NULL AND id IN (`+
			strings.Join(ph, ",")+`)`, args...); err != nil {
			return fmt.Errorf("mark outbox sent: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// MarkOutboxFailed takes an event that can never be published out of the
// queue, keeping the reason.
func (s *Store) MarkOutboxFailed(ctx context.Context, id string, at time.Time, reason string) error {
	_, err := s.write.ExecContext(ctx, `UPDATE event_outbox SET sent_at = $1, error = $2 WHERE id = $3`, at.UTC(), reason, id)
	if err != nil {
		return fmt.Errorf("mark outbox event %s failed: %w", id, err)
	}
	return nil
}

// CountPendingOutbox counts the events not yet published.
func (s *Store) CountPendingOutbox(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_outbox WHERE sent_at IS NULL`).Scan(&n)
	return n, err
}

// PurgeOutbox deletes the events published before the given time (failed
// ones included) and returns how many it deleted.
func (s *Store) PurgeOutbox(ctx context.Context, sentBefore time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM event_outbox WHERE sent_at IS NOT NULL AND sent_at < $1`, sentBefore.UTC())
	if err != nil {
		return 0, fmt.Errorf("purge outbox: %w", err)
	}
	return res.RowsAffected()
}

// AcquireOutboxLease takes or renews the lease called name for owner until
// now+ttl. It succeeds when the lease is free, expired or already owner's.
func (s *Store) AcquireOutboxLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	t := now()
	res, err := s.write.ExecContext(ctx, `INSERT INTO event_outbox_leases (name, owner, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		WHERE event_outbox_leases.owner = excluded.owner OR event_outbox_leases.expires_at < $4`,
		name, owner, t.Add(ttl), t)
	if err != nil {
		return false, fmt.Errorf("outbox lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseOutboxLease gives the lease up if owner holds it.
func (s *Store) ReleaseOutboxLease(ctx context.Context, name, owner string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM event_outbox_leases WHERE name = $1 AND owner = $2`, name, owner)
	if err != nil {
		return fmt.Errorf("release outbox lease %s: %w", name, err)
	}
	return nil
}
