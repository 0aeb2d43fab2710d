package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
)

// ChatBackend keeps the chat service's state (chat.Backend) in the store's
// tables (migration 00003): chats survive a restart and are shared by every
// process on the same PostgreSQL database. Lookups that find nothing return
// errors wrapping chat.ErrNotFound, as the chat package expects.
//
// Items and participants are numbered per chat by counters on the chat's
// row, incremented in the transaction that inserts them: on PostgreSQL the
// row lock orders concurrent appends, on SQLite the single writer does.
// Participants, credentials and items of a chat that does not exist are
// refused with chat.ErrNotFound.
type ChatBackend struct {
	s *Store
}

var _ chat.Backend = (*ChatBackend)(nil)

// ChatBackend returns the chat.Backend over this store.
func (s *Store) ChatBackend() *ChatBackend { return &ChatBackend{s: s} }

// chatTime is t as stored: UTC at the microsecond precision both engines
// keep, NULL when zero.
func chatTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

// fromNull is a stored time back: zero when NULL, UTC otherwise.
func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func chatNotFound(what, id string) error { return fmt.Errorf("%s %s: %w", what, id, chat.ErrNotFound) }

// CreateChat implements chat.Backend.
func (b *ChatBackend) CreateChat(ctx context.Context, c chat.ChatRecord) error {
	err := b.s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chats (contact_id, initial_contact_id, instance_id, started_at, ended_at, end_reason)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ContactID, c.InitialContactID, c.InstanceID, chatTime(c.StartedAt).Time, chatTime(c.EndedAt), c.EndReason)
		return err
	})
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return fmt.Errorf("contact %s: %w", c.ContactID, chat.ErrChatExists)
	}
	return fmt.Errorf("create chat %s: %w", c.ContactID, err)
}

// Chat implements chat.Backend.
func (b *ChatBackend) Chat(ctx context.Context, contactID string) (chat.ChatRecord, error) {
	var (
		c     chat.ChatRecord
		ended sql.NullTime
	)
	err := b.s.read.QueryRowContext(ctx, `SELECT contact_id, initial_contact_id, instance_id, started_at, ended_at, end_reason
		FROM chats WHERE contact_id = $1`, contactID).
		Scan(&c.ContactID, &c.InitialContactID, &c.InstanceID, &c.StartedAt, &ended, &c.EndReason)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.ChatRecord{}, chatNotFound("chat", contactID)
	}
	if err != nil {
		return chat.ChatRecord{}, fmt.Errorf("read chat %s: %w", contactID, err)
	}
	c.StartedAt, c.EndedAt = c.StartedAt.UTC(), fromNull(ended)
	return c, nil
}

// EndChat implements chat.Backend: the first reason stays.
func (b *ChatBackend) EndChat(ctx context.Context, contactID, reason string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("end chat %s: no end time", contactID)
	}
	return b.s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE chats SET ended_at = $2, end_reason = $3 WHERE contact_id = $1 AND ended_at IS NULL`,
			contactID, chatTime(at), reason)
		if err != nil {
			return fmt.Errorf("end chat %s: %w", contactID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM chats WHERE contact_id = $1`, contactID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return chatNotFound("chat", contactID)
		}
		return err
	})
}

// nextSeq increments one of a chat's counters and returns its new value.
func nextSeq(ctx context.Context, tx *sql.Tx, column, contactID string) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `UPDATE chats SET `+column+` = `+column+` + 1 WHERE contact_id = $1 RETURNING `+column, contactID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, chatNotFound("chat", contactID)
	}
	return seq, err
}

// PutParticipant implements chat.Backend. A participant keeps its place in
// the join order when it is replaced.
func (b *ChatBackend) PutParticipant(ctx context.Context, p chat.ParticipantRecord) error {
	err := b.s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE chat_participants SET contact_id = $2, role = $3, display_name = $4, joined_at = $5, left_at = $6
			WHERE participant_id = $1`,
			p.ParticipantID, p.ContactID, string(p.Role), p.DisplayName, chatTime(p.JoinedAt).Time, chatTime(p.LeftAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		seq, err := nextSeq(ctx, tx, "participant_seq", p.ContactID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO chat_participants (participant_id, contact_id, seq, role, display_name, joined_at, left_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ParticipantID, p.ContactID, seq, string(p.Role), p.DisplayName, chatTime(p.JoinedAt).Time, chatTime(p.LeftAt))
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, chat.ErrNotFound):
		return err
	case isForeignKey(err):
		return chatNotFound("chat", p.ContactID)
	}
	return fmt.Errorf("put participant %s: %w", p.ParticipantID, err)
}

const participantCols = `participant_id, contact_id, role, display_name, joined_at, left_at`

func scanParticipant(row scanner) (chat.ParticipantRecord, error) {
	var (
		p    chat.ParticipantRecord
		role string
		left sql.NullTime
	)
	if err := row.Scan(&p.ParticipantID, &p.ContactID, &role, &p.DisplayName, &p.JoinedAt, &left); err != nil {
		return chat.ParticipantRecord{}, err
	}
	p.Role, p.JoinedAt, p.LeftAt = chat.Role(role), p.JoinedAt.UTC(), fromNull(left)
	return p, nil
}

// Participant implements chat.Backend.
func (b *ChatBackend) Participant(ctx context.Context, participantID string) (chat.ParticipantRecord, error) {
	p, err := scanParticipant(b.s.read.QueryRowContext(ctx, `SELECT `+participantCols+` FROM chat_participants WHERE participant_id = $1`, participantID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, chatNotFound("participant", participantID)
	}
	if err != nil {
		return p, fmt.Errorf("read participant %s: %w", participantID, err)
	}
	return p, nil
}

// Participants implements chat.Backend.
func (b *ChatBackend) Participants(ctx context.Context, contactID string) ([]chat.ParticipantRecord, error) {
	rows, err := b.s.read.QueryContext(ctx, `SELECT `+participantCols+` FROM chat_participants WHERE contact_id = $1 ORDER BY seq`, contactID)
	if err != nil {
		return nil, fmt.Errorf("list participants of %s: %w", contactID, err)
	}
	defer rows.Close()
	out := []chat.ParticipantRecord{}
	for rows.Next() {
		p, err := scanParticipant(rows)
		if err != nil {
			return nil, fmt.Errorf("list participants of %s: %w", contactID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list participants of %s: %w", contactID, err)
	}
	return out, nil
}

// PutCredential implements chat.Backend; a credential stored again under
// the same hash replaces the first.
func (b *ChatBackend) PutCredential(ctx context.Context, c chat.Credential) error {
	err := b.s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_credentials (token_hash, kind, contact_id, participant_id, expires_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (token_hash) DO UPDATE SET kind = excluded.kind, contact_id = excluded.contact_id,
				participant_id = excluded.participant_id, expires_at = excluded.expires_at`,
			c.Hash.String(), string(c.Kind), c.ContactID, c.ParticipantID, chatTime(c.ExpiresAt))
		return err
	})
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return chatNotFound("chat", c.ContactID)
	}
	return fmt.Errorf("put credential: %w", err)
}

// Credential implements chat.Backend. It returns expired credentials too
// (until DeleteExpiredCredentials removes them): the caller checks expiry.
func (b *ChatBackend) Credential(ctx context.Context, h chat.TokenHash) (chat.Credential, error) {
	var (
		c          chat.Credential
		hash, kind string
		exp        sql.NullTime
	)
	err := b.s.read.QueryRowContext(ctx, `SELECT token_hash, kind, contact_id, participant_id, expires_at
		FROM chat_credentials WHERE token_hash = $1`, h.String()).Scan(&hash, &kind, &c.ContactID, &c.ParticipantID, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Credential{}, fmt.Errorf("credential: %w", chat.ErrNotFound) // never name the hash
	}
	if err != nil {
		return chat.Credential{}, fmt.Errorf("read credential: %w", err)
	}
	raw, err := hex.DecodeString(hash)
	if err != nil || len(raw) != len(c.Hash) {
		return chat.Credential{}, fmt.Errorf("read credential: malformed stored hash")
	}
	copy(c.Hash[:], raw)
	c.Kind, c.ExpiresAt = chat.TokenKind(kind), fromNull(exp)
	return c, nil
}

// DeleteExpiredCredentials implements chat.Backend: it removes credentials
// whose expiry is not after before, as a credential is expired from its
// expiry on.
func (b *ChatBackend) DeleteExpiredCredentials(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := b.s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM chat_credentials WHERE expires_at IS NOT NULL AND expires_at <= $1`, chatTime(before).Time)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired credentials: %w", err)
	}
	return int(n), nil
}

// AppendItem implements chat.Backend.
func (b *ChatBackend) AppendItem(ctx context.Context, it chat.Item) error {
	body, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("append item: %w", err)
	}
	err = b.s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := nextSeq(ctx, tx, "item_seq", it.ContactID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO chat_items (contact_id, seq, id, item_type, body) VALUES ($1, $2, $3, $4, $5)`,
			it.ContactID, seq, it.ID, string(it.Type), string(body))
		return err
	})
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return fmt.Errorf("append item to %s: %w", it.ContactID, err)
	}
	return err
}

// Items implements chat.Backend.
func (b *ChatBackend) Items(ctx context.Context, contactID string) ([]chat.Item, error) {
	rows, err := b.s.read.QueryContext(ctx, `SELECT body FROM chat_items WHERE contact_id = $1 ORDER BY seq`, contactID)
	if err != nil {
		return nil, fmt.Errorf("list items of %s: %w", contactID, err)
	}
	defer rows.Close()
	var out []chat.Item
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("list items of %s: %w", contactID, err)
		}
		var it chat.Item
		if err := json.Unmarshal([]byte(body), &it); err != nil {
			return nil, fmt.Errorf("list items of %s: decode: %w", contactID, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list items of %s: %w", contactID, err)
	}
	return out, nil
}
