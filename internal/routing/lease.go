package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard-cc/switchboard/internal/bus"
)

// LeaseBucket is the KV bucket (under the bus prefix) holding one lease per
// instance: key = instance ID, value = holder ID.
const LeaseBucket = "routing_leases"

// LeaseKV is what a Lease needs of a NATS key-value bucket;
// jetstream.KeyValue implements it.
type LeaseKV interface {
	Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error)
	Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error)
	Delete(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error
	Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error)
	Watch(ctx context.Context, keys string, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error)
}

// OpenLeases opens (creating it if needed) the lease bucket with key
// expiry ttl. Every process must use the same ttl: the bucket has one.
func OpenLeases(ctx context.Context, b *bus.Bus, ttl time.Duration) (jetstream.KeyValue, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("%w lease TTL %s", ErrInvalid, ttl)
	}
	return b.KeyValue(ctx, LeaseBucket, ttl)
}

// LeaseConfig configures a Lease.
type LeaseConfig struct {
	// Key names what is leased: the instance ID.
	Key string
	// Holder identifies this process (host name, pod name, a UUID).
	Holder string
	// TTL is the bucket's key expiry: a holder that stops renewing loses
	// the lease after TTL, and stops acting as holder before that.
	TTL time.Duration
	// RenewEvery is how often the holder renews; 0 means TTL/3.
	RenewEvery time.Duration
	// RetryEvery is how often a waiting process tries to take the lease
	// (it also tries at once when the holder releases it); 0 means TTL/4.
	RetryEvery time.Duration
	// Logger receives lease changes; nil means slog.Default().
	Logger *slog.Logger
}

// Lease is one process's claim on a per-instance lease in NATS KV: the
// process holding it runs the instance's Router, the others wait.
//
// A process takes the lease by creating the key (it fails while another
// holds it), renews it by updating the key at the revision it last wrote
// (it fails if anyone else wrote since), and releases it by deleting the
// key at that revision. The bucket's TTL expires a key its holder stopped
// renewing (a crash, a partition), and the holder gives up on its own
// before the TTL runs out counted from its last successful renewal, so two
// processes do not act as holder at once as long as clocks run at the same
// rate and the holder's function stops promptly when told to.
type Lease struct {
	kv  LeaseKV
	cfg LeaseConfig
	log *slog.Logger
}

// NewLease returns a lease on kv (see OpenLeases).
func NewLease(kv LeaseKV, cfg LeaseConfig) (*Lease, error) {
	if cfg.Key == "" || cfg.Holder == "" || cfg.TTL <= 0 {
		return nil, fmt.Errorf("%w lease: key, holder and TTL are required", ErrInvalid)
	}
	if cfg.RenewEvery <= 0 {
		cfg.RenewEvery = cfg.TTL / 3
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = cfg.TTL / 4
	}
	if cfg.RenewEvery >= cfg.TTL {
		return nil, fmt.Errorf("%w lease: RenewEvery %s must be below TTL %s", ErrInvalid, cfg.RenewEvery, cfg.TTL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Lease{kv: kv, cfg: cfg, log: cfg.Logger.With("component", "lease", "key", cfg.Key, "holder", cfg.Holder)}, nil
}

// Run campaigns for the lease until ctx is done. Each time it wins, it
// runs fn with a context that is cancelled — with cause ErrLeaseLost — when
// the lease is lost, then campaigns again once fn has returned. When fn
// returns while the lease is still held, the lease is released and Run
// returns fn's error (nil included). Run returns nil when ctx is done.
func (l *Lease) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	for {
		rev, at, err := l.acquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		l.log.Info("lease acquired")
		err = l.hold(ctx, rev, at, fn)
		if errors.Is(err, ErrLeaseLost) && ctx.Err() == nil {
			l.log.Warn("lease lost; campaigning again")
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
}

// Holder returns the current holder, "" if none.
func (l *Lease) Holder(ctx context.Context) (string, error) {
	e, err := l.kv.Get(ctx, l.cfg.Key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("lease %s: %w", l.cfg.Key, err)
	}
	return string(e.Value()), nil
}

// opTimeout bounds one KV call.
func (l *Lease) opTimeout() time.Duration { return min(l.cfg.TTL/4, 2*time.Second) }

// acquire blocks until this process holds the lease; it returns the
// revision written and the time just before the write (the lease runs from
// there at the latest).
func (l *Lease) acquire(ctx context.Context) (uint64, time.Time, error) {
	var released <-chan jetstream.KeyValueEntry
	if w, err := l.kv.Watch(ctx, l.cfg.Key, jetstream.UpdatesOnly()); err == nil {
		defer func() { _ = w.Stop() }()
		released = w.Updates()
	} else {
		l.log.Debug("lease: cannot watch; polling only", "err", err)
	}
	retry := time.NewTimer(0)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, time.Time{}, ctx.Err()
		case e, ok := <-released:
			if !ok {
				released = nil
				continue
			}
			if e == nil || e.Operation() == jetstream.KeyValuePut {
				continue
			}
		case <-retry.C:
		}
		at := time.Now()
		octx, cancel := context.WithTimeout(ctx, l.opTimeout())
		rev, err := l.kv.Create(octx, l.cfg.Key, []byte(l.cfg.Holder))
		cancel()
		if err == nil {
			return rev, at, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			l.log.Warn("lease: cannot create key", "err", err)
		}
		retry.Reset(l.cfg.RetryEvery)
	}
}

// hold runs fn while renewing the lease, and returns fn's error, or
// ErrLeaseLost if the lease was lost first.
func (l *Lease) hold(ctx context.Context, rev uint64, confirmed time.Time, fn func(context.Context) error) error {
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fnDone := make(chan error, 1)
	go func() { fnDone <- fn(hctx) }()

	// Stop acting as holder a margin before the key can expire.
	margin := max(l.cfg.TTL/10, l.opTimeout()/2)
	giveUp := time.NewTimer(time.Until(confirmed.Add(l.cfg.TTL - margin)))
	defer giveUp.Stop()
	renew := time.NewTimer(l.cfg.RenewEvery)
	defer renew.Stop()

	failures := 0
	lost := func(why string, err error) error {
		l.log.Warn("lease: lost", "why", why, "err", err)
		cancel(ErrLeaseLost)
		<-fnDone
		return ErrLeaseLost
	}
	for {
		select {
		case err := <-fnDone:
			l.release(rev)
			return err
		case <-ctx.Done():
			err := <-fnDone
			l.release(rev)
			return err
		case <-giveUp.C:
			return lost("not renewed in time", nil)
		case <-renew.C:
			at := time.Now()
			octx, ocancel := context.WithTimeout(ctx, l.opTimeout())
			next, err := l.kv.Update(octx, l.cfg.Key, []byte(l.cfg.Holder), rev)
			ocancel()
			switch {
			case err == nil:
				failures = 0
				rev, confirmed = next, at
				giveUp.Reset(time.Until(confirmed.Add(l.cfg.TTL - margin)))
				renew.Reset(l.cfg.RenewEvery)
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound),
				errors.Is(err, jetstream.ErrKeyDeleted):
				return lost("taken over", err)
			default:
				if failures++; failures == 1 && ctx.Err() == nil {
					l.log.Warn("lease: renewal failed; retrying until the lease would expire", "err", err)
				}
				renew.Reset(max(l.cfg.RenewEvery/4, 10*time.Millisecond))
			}
		}
	}
}

// release deletes the key if this process still holds it.
func (l *Lease) release(rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), l.opTimeout())
	defer cancel()
	if err := l.kv.Delete(ctx, l.cfg.Key, jetstream.LastRevision(rev)); err != nil &&
		!errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		l.log.Warn("lease: release failed; it will expire", "err", err)
		return
	}
	l.log.Info("lease released")
}
