package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Contacts are written by internal/contact, which owns their model, their
// lifecycle and their JSON documents. This file only moves rows: the indexed
// columns the queries need and the document as opaque JSON.

// ContactRow is a contact as stored.
type ContactRow struct {
	ID         string
	InstanceID string
	State      string
	Channel    string
	QueueID    string // "" when not queued
	AgentID    string // "" when no agent holds it
	// InitiatedAt and UpdatedAt are UTC at microsecond precision.
	InitiatedAt time.Time
	UpdatedAt   time.Time
	// Version counts writes; UpdateContact refuses a stale one.
	Version int64
	// LastEventID is the ID of the newest event written for the contact.
	LastEventID string
	// Body is the contact's JSON document.
	Body []byte
}

// ContactRecordRow is a contact record (CTR) as stored.
type ContactRecordRow struct {
	ContactID      string
	InstanceID     string
	Channel        string
	QueueID        string
	AgentID        string
	InitiatedAt    time.Time
	DisconnectedAt time.Time // zero when unknown
	RecordedAt     time.Time
	Body           []byte
}

// ContactTx is a write transaction over contacts, their records and the
// event outbox. Everything done through one ContactTx commits or
// rolls back together.
type ContactTx struct {
	tx *sql.Tx
}

// InContactTx runs fn in a transaction: it commits when fn returns nil and
// rolls back otherwise. On SQLite the transaction holds the write lock from
// its start, so transactions never conflict; on PostgreSQL a concurrent
// change to the same contact makes UpdateContact fail with a ConflictError,
// and the caller reads again and retries.
func (s *Store) InContactTx(ctx context.Context, fn func(tx *ContactTx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&ContactTx{tx: tx}) })
}

const contactCols = `id, instance_id, state, channel, queue_id, agent_id, initiated_at, updated_at, version, last_event_id, body`

func scanContact(row scanner) (ContactRow, error) {
	var (
		c    ContactRow
		body string
	)
	err := row.Scan(&c.ID, &c.InstanceID, &c.State, &c.Channel, &c.QueueID, &c.AgentID, &c.InitiatedAt, &c.UpdatedAt,
		&c.Version, &c.LastEventID, &body)
	c.InitiatedAt, c.UpdatedAt, c.Body = c.InitiatedAt.UTC(), c.UpdatedAt.UTC(), []byte(body)
	return c, err
}

func getContact(ctx context.Context, q querier, instanceID, id string) (ContactRow, error) {
	c, err := scanContact(q.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE id = $1 AND instance_id = $2`, id, instanceID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("contact %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read contact %s: %w", id, err)
	}
	return c, nil
}

// GetContact reads a contact inside the transaction.
func (t *ContactTx) GetContact(ctx context.Context, instanceID, id string) (ContactRow, error) {
	return getContact(ctx, t.tx, instanceID, id)
}

// InsertContact adds a new contact. A missing instance is ErrNotFound; an ID
// already used is a ConflictError.
func (t *ContactTx) InsertContact(ctx context.Context, c ContactRow) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO contacts (`+contactCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		c.ID, c.InstanceID, c.State, c.Channel, c.QueueID, c.AgentID, c.InitiatedAt, c.UpdatedAt, c.Version, c.LastEventID, string(c.Body))
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return fmt.Errorf("instance %s: %w", c.InstanceID, ErrNotFound)
	case isUnique(err):
		return &ConflictError{Field: "id", Msg: fmt.Sprintf("contact %s already exists", c.ID)}
	}
	return fmt.Errorf("insert contact %s: %w", c.ID, err)
}

// UpdateContact replaces the stored contact c.ID if its version is still
// expectVersion, and fails with a ConflictError otherwise.
func (t *ContactTx) UpdateContact(ctx context.Context, c ContactRow, expectVersion int64) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE contacts SET state = $1, channel = $2, queue_id = $3, agent_id = $4,
		updated_at = $5, version = $6, last_event_id = $7, body = $8 WHERE id = $9 AND instance_id = $10 AND version = $11`,
		c.State, c.Channel, c.QueueID, c.AgentID, c.UpdatedAt, c.Version, c.LastEventID, string(c.Body), c.ID, c.InstanceID, expectVersion)
	if err != nil {
		return fmt.Errorf("update contact %s: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &ConflictError{Field: "version", Msg: fmt.Sprintf("contact %s changed during the update", c.ID)}
	}
	return nil
}

// InsertRecord writes the contact record unless the contact already has
// one; inserted tells which. The check and the write are one statement, so
// concurrent writers cannot both insert.
func (t *ContactTx) InsertRecord(ctx context.Context, r ContactRecordRow) (inserted bool, err error) {
	var disc any
	if !r.DisconnectedAt.IsZero() {
		disc = r.DisconnectedAt
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO contact_records
		(contact_id, instance_id, channel, queue_id, agent_id, initiated_at, disconnected_at, recorded_at, body)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (contact_id) DO NOTHING`,
		r.ContactID, r.InstanceID, r.Channel, r.QueueID, r.AgentID, r.InitiatedAt, disc, r.RecordedAt, string(r.Body))
	if err != nil {
		return false, fmt.Errorf("insert record of contact %s: %w", r.ContactID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// GetContact returns a contact, or ErrNotFound.
func (s *Store) GetContact(ctx context.Context, instanceID, id string) (ContactRow, error) {
	return getContact(ctx, s.read, instanceID, id)
}

// ContactQuery selects contacts of one instance. Empty fields match all.
type ContactQuery struct {
	InstanceID string
	States     []string
	QueueID    string
	AgentID    string
	Channel    string
	// Token and Max page through the result in ID (creation) order.
	Token string
	Max   int // 1 to MaxPageSize; 100 when 0
}

// ListContacts returns one page of the contacts q selects and the token of
// the next page ("" on the last).
func (s *Store) ListContacts(ctx context.Context, q ContactQuery) ([]ContactRow, string, error) {
	after, err := decodeToken(q.Token)
	if err != nil {
		return nil, "", err
	}
	max := pageSize(q.Max)
	var w where
	w.add("instance_id = ?", q.InstanceID)
	w.add("id > ?", after)
	w.in("state", q.States)
	w.opt("queue_id = ?", q.QueueID)
	w.opt("agent_id = ?", q.AgentID)
	w.opt("channel = ?", q.Channel)
	return keysetPage(ctx, s, "contacts", `SELECT `+contactCols+` FROM contacts`, "id", w, max, scanContact,
		func(c ContactRow) string { return c.ID })
}

// GetContactRecord returns the record of a contact, or ErrNotFound.
func (s *Store) GetContactRecord(ctx context.Context, instanceID, contactID string) (ContactRecordRow, error) {
	r, err := scanRecord(s.read.QueryRowContext(ctx, `SELECT `+recordCols+` FROM contact_records
		WHERE contact_id = $1 AND instance_id = $2`, contactID, instanceID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("record of contact %s: %w", contactID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read record of contact %s: %w", contactID, err)
	}
	return r, nil
}

// RecordQuery selects contact records of one instance. Empty fields match all.
type RecordQuery struct {
	InstanceID string
	// InitiatedFrom and InitiatedTo bound the initiation time: From is
	// inclusive, To exclusive.
	InitiatedFrom time.Time
	InitiatedTo   time.Time
	Channel       string
	QueueID       string
	AgentID       string
	// Token and Max page through the result in contact ID (creation) order.
	Token string
	Max   int
}

// ListContactRecords returns one page of the records q selects and the token
// of the next page ("" on the last).
func (s *Store) ListContactRecords(ctx context.Context, q RecordQuery) ([]ContactRecordRow, string, error) {
	after, err := decodeToken(q.Token)
	if err != nil {
		return nil, "", err
	}
	max := pageSize(q.Max)
	var w where
	w.add("instance_id = ?", q.InstanceID)
	w.add("contact_id > ?", after)
	if !q.InitiatedFrom.IsZero() {
		w.add("initiated_at >= ?", q.InitiatedFrom.UTC())
	}
	if !q.InitiatedTo.IsZero() {
		w.add("initiated_at < ?", q.InitiatedTo.UTC())
	}
	w.opt("channel = ?", q.Channel)
	w.opt("queue_id = ?", q.QueueID)
	w.opt("agent_id = ?", q.AgentID)
	return keysetPage(ctx, s, "contact records", `SELECT `+recordCols+` FROM contact_records`, "contact_id", w, max,
		scanRecord, func(r ContactRecordRow) string { return r.ContactID })
}

// CountContactRecords counts the records of a contact (0 or 1), for checks.
func (s *Store) CountContactRecords(ctx context.Context, contactID string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM contact_records WHERE contact_id = $1`, contactID).Scan(&n)
	return n, err
}

const recordCols = `contact_id, instance_id, channel, queue_id, agent_id, initiated_at, disconnected_at, recorded_at, body`

func scanRecord(row scanner) (ContactRecordRow, error) {
	var (
		r    ContactRecordRow
		disc sql.NullTime
		body string
	)
	err := row.Scan(&r.ContactID, &r.InstanceID, &r.Channel, &r.QueueID, &r.AgentID, &r.InitiatedAt, &disc, &r.RecordedAt, &body)
	r.InitiatedAt, r.RecordedAt, r.Body = r.InitiatedAt.UTC(), r.RecordedAt.UTC(), []byte(body)
	if disc.Valid {
		r.DisconnectedAt = disc.Time.UTC()
	}
	return r, err
}

func pageSize(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// where builds a conjunction with $N placeholders (written "?" by callers).
type where struct {
	parts []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.parts = append(w.parts, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1))
}

// opt adds cond only when v is not empty.
func (w *where) opt(cond, v string) {
	if v != "" {
		w.add(cond, v)
	}
}

// in adds "col IN (...)" when vs is not empty.
func (w *where) in(col string, vs []string) {
	if len(vs) == 0 {
		return
	}
	ph := make([]string, len(vs))
	for i, v := range vs {
		w.args = append(w.args, v)
		ph[i] = fmt.Sprintf("$%d", len(w.args))
	}
	w.parts = append(w.parts, col+" IN ("+strings.Join(ph, ",")+")")
}

func (w *where) sql() string { return strings.Join(w.parts, " AND ") }
