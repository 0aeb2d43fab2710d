package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// WebhookSubscriptions is the repository of webhook subscriptions, a kind
// like any other (unique names per instance, optimistic concurrency, the
// signing secret kept out of the body).
func (s *Store) WebhookSubscriptions() *Repo[core.WebhookSubscription, *core.WebhookSubscription] {
	return &Repo[core.WebhookSubscription, *core.WebhookSubscription]{
		s: s, kind: core.KindWebhookSubscription, table: "webhook_subscriptions", nameField: "name"}
}

// Webhook delivery statuses.
const (
	DeliveryPending   = "PENDING"   // waiting for its turn or its next attempt
	DeliveryDelivered = "DELIVERED" // the receiver answered 2xx
	DeliveryFailed    = "FAILED"    // given up: the dead letter
)

// WebhookDelivery is one event to POST to one subscription.
type WebhookDelivery struct {
	ID             string // UUIDv7, so ID order is enqueue order
	SubscriptionID string
	InstanceID     string
	EventID        string
	EventType      string
	// OrderKey groups deliveries that must happen one at a time in order
	// (a contact's or an agent's events).
	OrderKey      string
	Payload       []byte
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int    // the last HTTP status, 0 when none was received
	LastError     string // why the last attempt failed
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// EnqueueWebhookDeliveries adds pending deliveries in one transaction and
// returns how many were new: a (subscription, event) pair already queued is
// skipped, so an event the bus delivers twice is sent once, and so is a
// delivery for a subscription deleted meanwhile.
func (s *Store) EnqueueWebhookDeliveries(ctx context.Context, ds []WebhookDelivery) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		added = 0
		var w where
		ids := make([]string, len(ds))
		for i, d := range ds {
			ids[i] = d.SubscriptionID
		}
		w.in("id", ids)
		rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_subscriptions WHERE `+w.sql(), w.args...)
		if err != nil {
			return fmt.Errorf("enqueue webhook deliveries: %w", err)
		}
		exists := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("enqueue webhook deliveries: %w", err)
			}
			exists[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("enqueue webhook deliveries: %w", err)
		}
		t := now()
		for _, d := range ds {
			if !exists[d.SubscriptionID] {
				continue
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, subscription_id, instance_id, event_id,
				event_type, order_key, payload, status, attempts, next_attempt_at, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,0,$9,$10,$11) ON CONFLICT (subscription_id, event_id) DO NOTHING`,
				newID(), d.SubscriptionID, d.InstanceID, d.EventID, d.EventType, d.OrderKey, string(d.Payload),
				DeliveryPending, t, t, t)
			if err != nil {
				return fmt.Errorf("enqueue webhook delivery: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				added++
			}
		}
		return nil
	})
	return added, err
}

const deliveryCols = `id, subscription_id, instance_id, event_id, event_type, order_key, payload, status, attempts,
	next_attempt_at, last_status, last_error, created_at, updated_at`

func scanDelivery(row scanner) (WebhookDelivery, error) {
	var (
		d       WebhookDelivery
		payload string
	)
	if err := row.Scan(&d.ID, &d.SubscriptionID, &d.InstanceID, &d.EventID, &d.EventType, &d.OrderKey, &payload,
		&d.Status, &d.Attempts, &d.NextAttemptAt, &d.LastStatus, &d.LastError, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return d, fmt.Errorf("read webhook deliveries: %w", err)
	}
	d.Payload = []byte(payload)
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = d.NextAttemptAt.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

func scanDeliveries(rows *sql.Rows) ([]WebhookDelivery, error) {
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read webhook deliveries: %w", err)
	}
	return out, nil
}

// DueWebhookDeliveries returns up to max pending deliveries whose attempt is
// due at the given time and that are first in line: no earlier pending
// delivery of the same subscription and order key exists.
func (s *Store) DueWebhookDeliveries(ctx context.Context, at time.Time, max int) ([]WebhookDelivery, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d
		WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.status = 'PENDING'
			AND e.subscription_id = d.subscription_id AND e.order_key = d.order_key AND e.id < d.id)
		ORDER BY d.next_attempt_at, d.id LIMIT `+fmt.Sprint(pageSize(max)), at.UTC())
	if err != nil {
		return nil, fmt.Errorf("read due webhook deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// NextWebhookAttempt returns when the earliest pending delivery is due, and
// false when none is pending.
func (s *Store) NextWebhookAttempt(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullTime
	err := s.read.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'PENDING'`).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read next webhook attempt: %w", err)
	}
	return t.Time.UTC(), t.Valid, nil
}

// ClaimWebhookDelivery starts attempt d.Attempts+1 of a pending delivery:
// it pushes the delivery's next attempt to until, so that a process that
// dies during the attempt leaves it to be retried then, and fails (false)
// when another worker claimed it first.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, d *WebhookDelivery, until time.Time) (bool, error) {
	t := now()
	res, err := s.write.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1,
		updated_at = $2 WHERE id = $3 AND status = 'PENDING' AND attempts = $4`, until.UTC(), t, d.ID, d.Attempts)
	if err != nil {
		return false, fmt.Errorf("claim webhook delivery %s: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	d.Attempts++
	d.NextAttemptAt, d.UpdatedAt = until.UTC(), t
	return true, nil
}

// SaveWebhookDelivery stores the outcome of an attempt: d's status,
// attempts, next attempt time and last status and error.
func (s *Store) SaveWebhookDelivery(ctx context.Context, d *WebhookDelivery) error {
	d.UpdatedAt = now()
	_, err := s.write.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
		last_status = $4, last_error = $5, updated_at = $6 WHERE id = $7`,
		d.Status, d.Attempts, d.NextAttemptAt.UTC(), d.LastStatus, d.LastError, d.UpdatedAt, d.ID)
	if err != nil {
		return fmt.Errorf("save webhook delivery %s: %w", d.ID, err)
	}
	return nil
}

// WebhookDeliveryQuery selects the deliveries of one instance. Empty fields
// match all.
type WebhookDeliveryQuery struct {
	InstanceID     string
	SubscriptionID string
	Status         string
	Token          string
	Max            int
}

// ListWebhookDeliveries returns one page of deliveries in enqueue order and
// the token of the next page ("" on the last).
func (s *Store) ListWebhookDeliveries(ctx context.Context, q WebhookDeliveryQuery) ([]WebhookDelivery, string, error) {
	after, err := decodeToken(q.Token)
	if err != nil {
		return nil, "", err
	}
	max := pageSize(q.Max)
	var w where
	w.add("instance_id = ?", q.InstanceID)
	w.add("id > ?", after)
	w.opt("subscription_id = ?", q.SubscriptionID)
	w.opt("status = ?", q.Status)
	return keysetPage(ctx, s, "webhook deliveries", `SELECT `+deliveryCols+` FROM webhook_deliveries`, "id", w, max,
		scanDelivery, func(d WebhookDelivery) string { return d.ID })
}

// GetWebhookDelivery returns one delivery, or ErrNotFound.
func (s *Store) GetWebhookDelivery(ctx context.Context, instanceID, id string) (*WebhookDelivery, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = $1 AND instance_id = $2`, id, instanceID)
	if err != nil {
		return nil, fmt.Errorf("read webhook delivery %s: %w", id, err)
	}
	ds, err := scanDeliveries(rows)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("webhook delivery %s: %w", id, ErrNotFound)
	}
	return &ds[0], nil
}

// PurgeWebhookDeliveries deletes the deliveries in a final status (DELIVERED
// or FAILED) last updated before the given time.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, status string, before time.Time) (int64, error) {
	if status == DeliveryPending {
		return 0, errors.New("purge webhook deliveries: pending deliveries are never purged")
	}
	res, err := s.write.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE status = $1 AND updated_at < $2`, status, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("purge webhook deliveries: %w", err)
	}
	return res.RowsAffected()
}
