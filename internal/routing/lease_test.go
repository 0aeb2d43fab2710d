package routing

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
)

const leaseTTL = time.Second

// partitionKV is a LeaseKV that can be cut off from the server.
type partitionKV struct {
	LeaseKV
	cut atomic.Bool
}

var errPartition = errors.New("test: partitioned")

func (p *partitionKV) Create(ctx context.Context, k string, v []byte, o ...jetstream.KVCreateOpt) (uint64, error) {
	if p.cut.Load() {
		return 0, errPartition
	}
	return p.LeaseKV.Create(ctx, k, v, o...)
}

func (p *partitionKV) Update(ctx context.Context, k string, v []byte, rev uint64) (uint64, error) {
	if p.cut.Load() {
		return 0, errPartition
	}
	return p.LeaseKV.Update(ctx, k, v, rev)
}

func (p *partitionKV) Delete(ctx context.Context, k string, o ...jetstream.KVDeleteOpt) error {
	if p.cut.Load() {
		return errPartition
	}
	return p.LeaseKV.Delete(ctx, k, o...)
}

// holderRun runs l until the test ends, recording each time its function
// starts and how its context ended.
type holderRun struct {
	started chan time.Time
	stopped chan error // context.Cause when the function was told to stop
	cancel  context.CancelFunc
	wait    func() error // stops Run and returns its result
}

func runLease(t *testing.T, l *Lease, active *atomic.Int32) *holderRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &holderRun{started: make(chan time.Time, 10), stopped: make(chan error, 10), cancel: cancel}
	done := make(chan error, 1)
	h.wait = sync.OnceValue(func() error { cancel(); return <-done })
	go func() {
		done <- l.Run(ctx, func(ctx context.Context) error {
			if n := active.Add(1); n > 1 {
				t.Errorf("%d holders at once", n)
			}
			h.started <- time.Now()
			<-ctx.Done()
			active.Add(-1)
			h.stopped <- context.Cause(ctx)
			return nil
		})
	}()
	t.Cleanup(func() {
		if err := h.wait(); err != nil {
			t.Errorf("lease Run: %v", err)
		}
	})
	return h
}

func recvWithin[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

func newTestLease(t *testing.T, kv LeaseKV, holder string) *Lease {
	t.Helper()
	l, err := NewLease(kv, LeaseConfig{Key: "instance-1", Holder: holder, TTL: leaseTTL, Logger: bustest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func holderIs(t *testing.T, l *Lease, want string) {
	t.Helper()
	got, err := l.Holder(t.Context())
	if err != nil || got != want {
		t.Fatalf("holder %q, %v; want %q", got, err, want)
	}
}

func TestLeaseOneHolderAtATime(t *testing.T) {
	t.Parallel() // mostly waiting for TTLs
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		kv, err := OpenLeases(t.Context(), b, leaseTTL)
		if err != nil {
			t.Fatal(err)
		}
		var active atomic.Int32
		la, lb := newTestLease(t, kv, "A"), newTestLease(t, kv, "B")
		a := runLease(t, la, &active)
		recvWithin(t, a.started, 5*time.Second, "A to hold the lease")
		bRun := runLease(t, lb, &active)
		// B waits while A holds and renews, well past the TTL.
		select {
		case <-bRun.started:
			t.Fatal("B holds the lease while A does")
		case <-time.After(2 * leaseTTL):
		}
		holderIs(t, lb, "A")
		// A stops: it releases, and B takes over at once (it watches).
		released := time.Now()
		a.cancel()
		if err := recvWithin(t, a.stopped, time.Second, "A to stop"); !errors.Is(err, context.Canceled) {
			t.Errorf("A stopped with %v", err)
		}
		took := recvWithin(t, bRun.started, 5*time.Second, "B to take over")
		if d := took.Sub(released); d > leaseTTL/2 {
			t.Errorf("B took %s to take over a released lease", d)
		}
		holderIs(t, la, "B")
		bRun.cancel()
		recvWithin(t, bRun.stopped, time.Second, "B to stop")
		if err := bRun.wait(); err != nil {
			t.Fatal(err)
		}
		holderIs(t, la, "")
	})
}

func TestLeaseHolderStopsBeforeExpiry(t *testing.T) {
	t.Parallel() // mostly waiting for TTLs
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		kv, err := OpenLeases(t.Context(), b, leaseTTL)
		if err != nil {
			t.Fatal(err)
		}
		var active atomic.Int32
		cut := &partitionKV{LeaseKV: kv}
		a := runLease(t, newTestLease(t, cut, "A"), &active)
		recvWithin(t, a.started, 5*time.Second, "A to hold the lease")
		bRun := runLease(t, newTestLease(t, kv, "B"), &active)
		// A is cut off from NATS: it cannot renew, so it must stop acting
		// as holder before its key expires and B takes over.
		cut.cut.Store(true)
		if err := recvWithin(t, a.stopped, 2*leaseTTL, "A to give up"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("A stopped with %v, want ErrLeaseLost", err)
		}
		aStopped := time.Now()
		bStarted := recvWithin(t, bRun.started, 10*leaseTTL, "B to take the expired lease")
		if !bStarted.After(aStopped) {
			t.Errorf("B started %s before A stopped", aStopped.Sub(bStarted))
		}
		holderIs(t, newTestLease(t, kv, "C"), "B")
		// A is back: it waits, B keeps the lease.
		cut.cut.Store(false)
		select {
		case <-a.started:
			t.Fatal("A took the lease back from B")
		case <-time.After(2 * leaseTTL):
		}
	})
}

func TestLeaseTakenOverIsLost(t *testing.T) {
	t.Parallel() // mostly waiting for TTLs
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		kv, err := OpenLeases(t.Context(), b, leaseTTL)
		if err != nil {
			t.Fatal(err)
		}
		var active atomic.Int32
		a := runLease(t, newTestLease(t, kv, "A"), &active)
		recvWithin(t, a.started, 5*time.Second, "A to hold the lease")
		// Someone else writes the key (an operator, a split brain): A's
		// next renewal fails and it stops at once.
		if _, err := kv.Put(t.Context(), "instance-1", []byte("intruder")); err != nil {
			t.Fatal(err)
		}
		if err := recvWithin(t, a.stopped, leaseTTL, "A to notice"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("A stopped with %v, want ErrLeaseLost", err)
		}
		// The intruder does not renew: A gets the lease back after the TTL.
		recvWithin(t, a.started, 10*leaseTTL, "A to hold the lease again")
	})
}

func TestLeaseConfig(t *testing.T) {
	if _, err := NewLease(nil, LeaseConfig{Key: "k", Holder: "h"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no TTL: %v", err)
	}
	if _, err := NewLease(nil, LeaseConfig{Key: "k", Holder: "h", TTL: time.Second, RenewEvery: time.Second}); !errors.Is(err, ErrInvalid) {
		t.Errorf("renewal not below TTL: %v", err)
	}
}
