package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/sip"
)

// SIPBindings keeps the SIP registrar's bindings (sip.Bindings) in the
// sip_bindings table (migration 00009): registered desk phones survive a
// restart, and every process on the same database (a standby taking over
// the contact-center lease) sees them.
//
// One row per address of record holds its bindings as JSON, the latest of
// their expiries and a version. Update is optimistic: it reads the row,
// calls f with the unexpired bindings outside any transaction, and writes
// only if the row is still the one it read (an insert when there was none,
// an update or, for an empty set, a delete naming the version read). When
// another writer got there first it reads again and calls f again, up to
// sipBindingsAttempts times, then fails with ErrBindingsContended.
//
// Expired bindings are dropped as they are read; rows whose bindings have
// all expired are deleted by Sweep, which Update runs at most once a minute.
//
// The store imports internal/sip for its Binding type: sip is a leaf of the
// module (it imports only sipgo), and the store already persists the types
// of the packages it serves (chat.Backend, core), so SIPBindings implements
// the interface directly, as ChatBackend does, with no adapter to keep in
// step.
type SIPBindings struct {
	s   *Store
	now func() time.Time

	mu    sync.Mutex
	swept time.Time // when Update last swept
}

var _ sip.Bindings = (*SIPBindings)(nil)

const (
	// sipBindingsAttempts bounds how many times Update reads, calls f and
	// tries to write when other writers keep changing the same AOR.
	sipBindingsAttempts = 10
	// sipBindingsSweepEvery is how often Update deletes dead rows.
	sipBindingsSweepEvery = time.Minute
)

// SIPBindings returns the sip.Bindings over this store, reading time from
// now (time.Now if nil). The value remembers when it last swept: make one
// per registrar.
func (s *Store) SIPBindings(now func() time.Time) *SIPBindings {
	if now == nil {
		now = time.Now
	}
	return &SIPBindings{s: s, now: now}
}

// storedBinding is a sip.Binding as stored in sip_bindings.body. Its JSON
// names are the stored format, independent of the Go field names.
type storedBinding struct {
	Contact   string         `json:"contact"`
	Source    netip.AddrPort `json:"source,omitzero"`
	Transport string         `json:"transport,omitempty"`
	Expires   time.Time      `json:"expires"`
	CallID    string         `json:"callId,omitempty"`
	CSeq      uint32         `json:"cseq,omitempty"`
	UserAgent string         `json:"userAgent,omitempty"`
}

// sipBindingsRow is what Update read: the row's version and bindings, or
// found false when there is no row.
type sipBindingsRow struct {
	found    bool
	version  int64
	bindings []sip.Binding
}

// load reads the row of aor.
func (b *SIPBindings) load(ctx context.Context, aor string) (sipBindingsRow, error) {
	var (
		r    sipBindingsRow
		body string
	)
	err := b.s.read.QueryRowContext(ctx, `SELECT version, body FROM sip_bindings WHERE aor = $1`, aor).Scan(&r.version, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return sipBindingsRow{}, nil
	}
	if err != nil {
		return sipBindingsRow{}, fmt.Errorf("read sip bindings of %s: %w", aor, err)
	}
	var stored []storedBinding
	if err := json.Unmarshal([]byte(body), &stored); err != nil {
		return sipBindingsRow{}, fmt.Errorf("decode sip bindings of %s: %w", aor, err)
	}
	r.found = true
	r.bindings = make([]sip.Binding, len(stored))
	for i, sb := range stored {
		r.bindings[i] = sip.Binding{Contact: sb.Contact, Source: sb.Source, Transport: sb.Transport,
			Expires: sb.Expires, CallID: sb.CallID, CSeq: sb.CSeq, UserAgent: sb.UserAgent}
	}
	return r, nil
}

// liveBindings returns the bindings of bs that have not expired at now, or nil.
func liveBindings(bs []sip.Binding, now time.Time) []sip.Binding {
	var out []sip.Binding
	for _, b := range bs {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	return out
}

// Get implements sip.Bindings.
func (b *SIPBindings) Get(ctx context.Context, aor string) ([]sip.Binding, error) {
	r, err := b.load(ctx, aor)
	if err != nil {
		return nil, err
	}
	return liveBindings(r.bindings, b.now()), nil
}

// Update implements sip.Bindings.
func (b *SIPBindings) Update(ctx context.Context, aor string, f func([]sip.Binding) ([]sip.Binding, error)) ([]sip.Binding, error) {
	b.maybeSweep(ctx)
	lastErr := ErrBindingsContended
	for attempt := range sipBindingsAttempts {
		if attempt > 0 {
			// Jittered, growing pauses, so that writers racing for one AOR
			// (two phones of one user registering at once) stop meeting.
			pause := time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("update sip bindings of %s: %w", aor, ctx.Err())
			case <-time.After(pause):
			}
		}
		now := b.now()
		r, err := b.load(ctx, aor)
		if err != nil {
			return nil, err
		}
		next, err := f(liveBindings(r.bindings, now))
		if err != nil {
			return nil, err
		}
		ok, err := b.write(ctx, aor, r, next, now)
		switch {
		case err != nil && isBusy(err):
			lastErr = err // SQLite held by another process beyond busy_timeout: try again
			continue
		case err != nil:
			return nil, fmt.Errorf("write sip bindings of %s: %w", aor, err)
		case !ok:
			lastErr = ErrBindingsContended // changed since we read it
			continue
		case len(next) == 0:
			return nil, nil
		}
		return next, nil
	}
	return nil, fmt.Errorf("sip bindings of %s: %d attempts: %w", aor, sipBindingsAttempts, lastErr)
}

// write stores next as the bindings of aor if the row is still r, and
// reports whether it was.
func (b *SIPBindings) write(ctx context.Context, aor string, r sipBindingsRow, next []sip.Binding, now time.Time) (bool, error) {
	if len(next) == 0 {
		if !r.found {
			return true, nil
		}
		res, err := b.s.write.ExecContext(ctx, `DELETE FROM sip_bindings WHERE aor = $1 AND version = $2`, aor, r.version)
		return affectedOne(res, err)
	}
	stored := make([]storedBinding, len(next))
	var last time.Time
	for i, bd := range next {
		exp := bd.Expires.UTC()
		stored[i] = storedBinding{Contact: bd.Contact, Source: bd.Source, Transport: bd.Transport,
			Expires: exp, CallID: bd.CallID, CSeq: bd.CSeq, UserAgent: bd.UserAgent}
		if exp.After(last) {
			last = exp
		}
	}
	body, err := json.Marshal(stored)
	if err != nil {
		return false, fmt.Errorf("encode: %w", err)
	}
	// Rounded up to the microsecond both engines keep: the row is swept
	// only once its last binding has certainly expired.
	expiresAt := last.Truncate(time.Microsecond)
	if expiresAt.Before(last) {
		expiresAt = expiresAt.Add(time.Microsecond)
	}
	updated := now.UTC().Truncate(time.Microsecond)
	if !r.found {
		// A random first version: a counter restarting at 1 after a delete
		// would let a writer still holding the deleted row's version
		// overwrite the new row.
		res, err := b.s.write.ExecContext(ctx, `INSERT INTO sip_bindings (aor, version, body, expires_at, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (aor) DO NOTHING`,
			aor, rand.Int64N(1<<62)+1, string(body), expiresAt, updated)
		return affectedOne(res, err)
	}
	res, err := b.s.write.ExecContext(ctx, `UPDATE sip_bindings SET version = version + 1, body = $1, expires_at = $2,
		updated_at = $3 WHERE aor = $4 AND version = $5`, string(body), expiresAt, updated, aor, r.version)
	return affectedOne(res, err)
}

// affectedOne reports whether a conditional write changed its row.
func affectedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// maybeSweep runs Sweep if Update has not for a minute. A failure is
// logged: the registration in hand does not depend on it.
func (b *SIPBindings) maybeSweep(ctx context.Context) {
	b.mu.Lock()
	now := b.now()
	due := now.Sub(b.swept) >= sipBindingsSweepEvery
	if due {
		b.swept = now
	}
	b.mu.Unlock()
	if !due {
		return
	}
	n, err := b.Sweep(ctx)
	switch {
	case err != nil:
		b.s.log.Warn("sweep expired sip bindings", "err", err)
	case n > 0:
		b.s.log.Debug("swept expired sip bindings", "aors", n)
	}
}

// Sweep deletes the rows of the AORs whose bindings have all expired, and
// returns how many it deleted.
func (b *SIPBindings) Sweep(ctx context.Context) (int, error) {
	res, err := b.s.write.ExecContext(ctx, `DELETE FROM sip_bindings WHERE expires_at <= $1`, b.now().UTC())
	if err != nil {
		return 0, fmt.Errorf("sweep sip bindings: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sweep sip bindings: %w", err)
	}
	return int(n), nil
}
