package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Relay defaults.
const (
	DefaultRelayBatch     = 256
	DefaultRelayPoll      = 200 * time.Millisecond
	DefaultRelayLeaseTTL  = 15 * time.Second
	DefaultRelayRetention = time.Hour
	relayLease            = "event-outbox"
	maxRelayBackoff       = 5 * time.Second
)

// RelayOptions configure a Relay. The zero value works.
type RelayOptions struct {
	Logger *slog.Logger
	// Batch is how many events are read from the outbox at a time.
	Batch int
	// Poll is how often the outbox is read when nothing called Notify: the
	// delay for events written by other processes.
	Poll time.Duration
	// LeaseTTL is how long the relay's lease lasts without renewal; another
	// process's relay takes over at most this long after this one dies.
	LeaseTTL time.Duration
	// Retention is how long published events stay in the outbox table.
	Retention time.Duration
	// Owner names this relay in the lease; hostname/pid/random if empty.
	Owner string
}

// Relay publishes the outbox to the bus: every event written by a Manager
// (or with store.AppendOutbox) is published once, in ID order, with its ID as
// the JetStream message ID, then marked sent. If the process dies after
// publishing and before marking, the next relay publishes the event again
// and JetStream drops the copy (its duplicate window is two minutes; a
// relay down longer than that, between those two steps, can publish one
// batch twice, with the same envelope IDs, which consumers de-duplicate).
//
// Relays in several processes sharing the database take a lease in the
// store, so only one publishes at a time and order is kept.
type Relay struct {
	st    *store.Store
	b     *bus.Bus
	log   *slog.Logger
	opts  RelayOptions
	wake  chan struct{}
	sent  atomic.Int64
	owner string
}

// NewRelay returns a relay from the store's outbox to the bus. Call Run.
func NewRelay(st *store.Store, b *bus.Bus, opts RelayOptions) *Relay {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultRelayBatch
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultRelayPoll
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultRelayLeaseTTL
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRelayRetention
	}
	owner := opts.Owner
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), store.NewID())
	}
	return &Relay{st: st, b: b, log: opts.Logger.With("component", "outbox-relay"), opts: opts,
		wake: make(chan struct{}, 1), owner: owner}
}

// Notify wakes the relay: events were committed. It never blocks.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Published is how many events this relay has published.
func (r *Relay) Published() int64 { return r.sent.Load() }

// Run publishes until ctx is done, then releases its lease and returns nil.
// Store and bus failures are logged and retried with a backoff.
func (r *Relay) Run(ctx context.Context) error {
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := r.st.ReleaseOutboxLease(cctx, relayLease, r.owner); err != nil {
			r.log.Warn("release outbox lease", "err", err)
		}
	}()
	var (
		backoff   time.Duration
		lastPurge time.Time
		lease     leaseState
	)
	for ctx.Err() == nil {
		more, err := r.round(ctx, &lease)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = min(max(2*backoff, 100*time.Millisecond), maxRelayBackoff)
			r.log.Warn("outbox relay: will retry", "err", err, "retry_in", backoff)
			sleep(ctx, backoff)
			continue
		}
		backoff = 0
		if lease.held && time.Since(lastPurge) > time.Minute {
			lastPurge = time.Now()
			if n, err := r.st.PurgeOutbox(ctx, time.Now().Add(-r.opts.Retention)); err != nil {
				r.log.Warn("outbox relay: purge", "err", err)
			} else if n > 0 {
				r.log.Debug("outbox relay: purged published events", "count", n)
			}
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-time.After(r.opts.Poll):
		}
	}
	return nil
}

// leaseState is what a relay knows of its lease.
type leaseState struct {
	held    bool
	checkAt time.Time // when to renew it (held) or try to take it again (not held)
}

// round takes or renews the lease when due and, holding it, publishes one
// batch. more tells whether the outbox may hold more.
func (r *Relay) round(ctx context.Context, lease *leaseState) (more bool, err error) {
	if time.Now().After(lease.checkAt) {
		held, err := r.st.AcquireOutboxLease(ctx, relayLease, r.owner, r.opts.LeaseTTL)
		if err != nil {
			lease.held = false
			return false, err
		}
		if held != lease.held {
			if held {
				r.log.Info("outbox relay: publishing (lease taken)", "owner", r.owner)
			} else {
				r.log.Info("outbox relay: standing by (another process holds the lease)")
			}
		}
		lease.held, lease.checkAt = held, time.Now().Add(r.opts.LeaseTTL/3)
	}
	if !lease.held {
		return false, nil
	}
	renewBy := lease.checkAt
	evs, err := r.st.PendingOutbox(ctx, r.opts.Batch)
	if err != nil {
		return false, err
	}
	var sent []string
	defer func() {
		if len(sent) == 0 {
			return
		}
		// Mark even when ctx is done: what was published must not be again.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if merr := r.st.MarkOutboxSent(mctx, sent, time.Now()); merr != nil {
			err = errors.Join(err, merr)
		}
	}()
	for _, e := range evs {
		if time.Now().After(renewBy) {
			// Publishing is slow: make sure no other relay took over before
			// going on, or order could break.
			held, err := r.st.AcquireOutboxLease(ctx, relayLease, r.owner, r.opts.LeaseTTL)
			if err != nil || !held {
				lease.held = false
				return false, err
			}
			renewBy = time.Now().Add(r.opts.LeaseTTL / 3)
			lease.checkAt = renewBy
		}
		if err := r.publish(ctx, e); err != nil {
			if !unpublishable(err) {
				return false, err
			}
			// Retrying cannot help (a bad subject, a payload larger than the
			// server takes): set it aside rather than block every event after it.
			r.log.Error("outbox relay: event cannot be published; dropping it", "id", e.ID, "type", e.Type,
				"instance", e.InstanceID, "err", err)
			if err := r.st.MarkOutboxFailed(ctx, e.ID, time.Now(), err.Error()); err != nil {
				return false, err
			}
			continue
		}
		sent = append(sent, e.ID)
		r.sent.Add(1)
	}
	return len(evs) == r.opts.Batch, nil
}

// errUnpublishable marks events that no retry can publish.
type errUnpublishable struct{ err error }

func (e errUnpublishable) Error() string { return e.err.Error() }
func (e errUnpublishable) Unwrap() error { return e.err }

func unpublishable(err error) bool {
	var u errUnpublishable
	return errors.As(err, &u) || errors.Is(err, nats.ErrMaxPayload)
}

func (r *Relay) publish(ctx context.Context, e store.OutboxEvent) error {
	s, ok := streamNamed(e.Stream)
	if !ok {
		return errUnpublishable{fmt.Errorf("unknown stream %q", e.Stream)}
	}
	if _, err := r.b.Subject(s, e.InstanceID, e.Type); err != nil {
		return errUnpublishable{err}
	}
	if !json.Valid(e.Payload) {
		return errUnpublishable{errors.New("payload is not JSON")}
	}
	_, err := bus.PublishEnvelope(ctx, r.b, s, bus.Envelope[json.RawMessage]{
		ID: e.ID, Type: e.Type, InstanceID: e.InstanceID, Time: e.Time, Data: json.RawMessage(e.Payload)})
	return err
}

func streamNamed(name string) (bus.Stream, bool) {
	for _, s := range bus.Streams() {
		if s.String() == name {
			return s, true
		}
	}
	return bus.Stream{}, false
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
