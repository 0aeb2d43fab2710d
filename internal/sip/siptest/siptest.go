// Package siptest checks that a sip.Bindings keeps the contract the
// registrar relies on. Every implementation runs TestBindings: the in-memory
// one here, the SQL one in internal/store.
package siptest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/sip"
)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestBindings runs the Bindings contract against fresh, empty stores made
// by open, one per subtest, each reading time from now.
func TestBindings(t *testing.T, open func(t *testing.T, now func() time.Time) sip.Bindings) {
	ctx := context.Background()
	// Not on a microsecond boundary, and not UTC: stores must keep the
	// instant exactly.
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
	fresh := func(t *testing.T) (sip.Bindings, *Clock) {
		clk := NewClock(t0)
		return open(t, clk.Now), clk
	}
	binding := func(contact string, expires time.Time) sip.Binding {
		return sip.Binding{Contact: contact, Source: netip.MustParseAddrPort("203.0.113.5:40000"), Transport: "udp",
			Expires: expires, CallID: "call-" + contact, CSeq: 7, UserAgent: "Test Phone/1.0"}
	}

	t.Run("EmptyAOR", func(t *testing.T) {
		bs, _ := fresh(t)
		if got := mustGet(t, bs, "nobody"); len(got) != 0 {
			t.Fatalf("Get of an AOR never registered = %+v, want none", got)
		}
		calls := 0
		got, err := bs.Update(ctx, "nobody", func(cur []sip.Binding) ([]sip.Binding, error) {
			calls++
			if len(cur) != 0 {
				t.Errorf("f got %+v for an AOR never registered", cur)
			}
			return nil, nil
		})
		if err != nil || len(got) != 0 || calls == 0 {
			t.Fatalf("Update to nothing = %+v, %v after %d calls of f; want none, nil", got, err, calls)
		}
		if got := mustGet(t, bs, "nobody"); len(got) != 0 {
			t.Fatalf("Get after an empty Update = %+v", got)
		}
	})

	t.Run("StoresEveryField", func(t *testing.T) {
		bs, _ := fresh(t)
		want := []sip.Binding{
			binding("sip:1001@192.168.1.20:5062", t0.Add(time.Hour)),
			{Contact: "sip:1001@[2001:db8::7]:5060;transport=tcp", Source: netip.MustParseAddrPort("[2001:db8::7]:5060"),
				Transport: "tcp", Expires: t0.Add(2 * time.Hour), CallID: "c2@phone", CSeq: 4294967295},
			{Contact: "sip:1001@10.0.0.9", Expires: t0.Add(90 * time.Second)}, // no source, no user agent
		}
		got := mustSet(t, bs, "1001", want...)
		assertBindings(t, "Update's result", got, want)
		assertBindings(t, "Get", mustGet(t, bs, "1001"), want)
		// f sees what Get sees.
		mustUpdate(t, bs, "1001", func(cur []sip.Binding) ([]sip.Binding, error) {
			assertBindings(t, "f's current bindings", cur, want)
			return cur, nil
		})
		// What Get returns is the caller's to change.
		if g := mustGet(t, bs, "1001"); len(g) > 0 {
			g[0].Contact = "sip:changed@h"
		}
		assertBindings(t, "Get after changing an earlier result", mustGet(t, bs, "1001"), want)
	})

	t.Run("AORsAreSeparate", func(t *testing.T) {
		bs, _ := fresh(t)
		a := binding("sip:a@h", t0.Add(time.Hour))
		b := binding("sip:b@h", t0.Add(time.Hour))
		mustSet(t, bs, "inst1/a", a)
		mustSet(t, bs, "inst2/a", b)
		assertBindings(t, "inst1/a", mustGet(t, bs, "inst1/a"), []sip.Binding{a})
		assertBindings(t, "inst2/a", mustGet(t, bs, "inst2/a"), []sip.Binding{b})
		mustSet(t, bs, "inst1/a")
		assertBindings(t, "inst1/a removed", mustGet(t, bs, "inst1/a"), nil)
		assertBindings(t, "inst2/a after removing inst1/a", mustGet(t, bs, "inst2/a"), []sip.Binding{b})
	})

	t.Run("ExpiredBindingsAreGone", func(t *testing.T) {
		bs, clk := fresh(t)
		short := binding("sip:1001@h1", t0.Add(10*time.Second))
		long := binding("sip:1001@h2", t0.Add(20*time.Second))
		mustSet(t, bs, "1001", short, long)
		clk.Advance(10 * time.Second) // short lapses exactly now
		assertBindings(t, "Get at the first expiry", mustGet(t, bs, "1001"), []sip.Binding{long})
		mustUpdate(t, bs, "1001", func(cur []sip.Binding) ([]sip.Binding, error) {
			assertBindings(t, "f at the first expiry", cur, []sip.Binding{long})
			return cur, nil
		})
		clk.Advance(10 * time.Second)
		assertBindings(t, "Get once all expired", mustGet(t, bs, "1001"), nil)
		mustUpdate(t, bs, "1001", func(cur []sip.Binding) ([]sip.Binding, error) {
			assertBindings(t, "f once all expired", cur, nil)
			return cur, nil
		})
		// Registering again after the expiry starts afresh.
		again := binding("sip:1001@h3", clk.Now().Add(time.Minute))
		mustSet(t, bs, "1001", again)
		assertBindings(t, "Get after registering again", mustGet(t, bs, "1001"), []sip.Binding{again})
		// A minute later (a sweep may run) the expired AOR stays gone and
		// the other keeps its binding.
		mustSet(t, bs, "1002", binding("sip:1002@h", clk.Now().Add(time.Second)))
		clk.Advance(2 * time.Second)
		mustSet(t, bs, "1003", binding("sip:1003@h", clk.Now().Add(time.Hour)))
		clk.Advance(time.Minute)
		mustSet(t, bs, "1003", binding("sip:1003@h", clk.Now().Add(time.Hour)))
		assertBindings(t, "expired 1002 after a sweep", mustGet(t, bs, "1002"), nil)
		if got := mustGet(t, bs, "1003"); len(got) != 1 {
			t.Errorf("1003 after a sweep: %+v", got)
		}
	})

	t.Run("EmptySetRemovesTheAOR", func(t *testing.T) {
		bs, _ := fresh(t)
		mustSet(t, bs, "1001", binding("sip:1001@h1", t0.Add(time.Hour)), binding("sip:1001@h2", t0.Add(time.Hour)))
		got, err := bs.Update(ctx, "1001", func([]sip.Binding) ([]sip.Binding, error) { return []sip.Binding{}, nil })
		if err != nil || len(got) != 0 {
			t.Fatalf("Update to an empty set = %+v, %v", got, err)
		}
		assertBindings(t, "Get after removing all", mustGet(t, bs, "1001"), nil)
		mustUpdate(t, bs, "1001", func(cur []sip.Binding) ([]sip.Binding, error) {
			assertBindings(t, "f after removing all", cur, nil)
			return nil, nil
		})
		// And the AOR can register again.
		b := binding("sip:1001@h3", t0.Add(time.Hour))
		mustSet(t, bs, "1001", b)
		assertBindings(t, "Get after registering again", mustGet(t, bs, "1001"), []sip.Binding{b})
	})

	t.Run("FailedUpdateChangesNothing", func(t *testing.T) {
		bs, _ := fresh(t)
		b := binding("sip:1001@h1", t0.Add(time.Hour))
		mustSet(t, bs, "1001", b)
		boom := errors.New("boom")
		for _, aor := range []string{"1001", "never-registered"} {
			got, err := bs.Update(ctx, aor, func(cur []sip.Binding) ([]sip.Binding, error) {
				return append(cur, binding("sip:other@h", t0.Add(time.Hour))), fmt.Errorf("refused: %w", boom)
			})
			if !errors.Is(err, boom) || got != nil {
				t.Errorf("Update of %s with a failing f = %+v, %v; want nil and f's error", aor, got, err)
			}
		}
		assertBindings(t, "1001 after a failed update", mustGet(t, bs, "1001"), []sip.Binding{b})
		assertBindings(t, "an AOR whose first update failed", mustGet(t, bs, "never-registered"), nil)
	})

	t.Run("ConcurrentUpdatesLoseNothing", func(t *testing.T) {
		bs, _ := fresh(t)
		const perWriter = 10
		var wg sync.WaitGroup
		errs := make(chan error, 2*perWriter)
		for w := range 2 {
			wg.Go(func() {
				for i := range perWriter {
					contact := fmt.Sprintf("sip:1001@10.0.%d.%d", w, i)
					_, err := bs.Update(ctx, "1001", func(cur []sip.Binding) ([]sip.Binding, error) {
						return append(cur, binding(contact, t0.Add(time.Hour))), nil
					})
					if err != nil {
						errs <- fmt.Errorf("writer %d, update %d: %w", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got := mustGet(t, bs, "1001")
		seen := map[string]bool{}
		for _, b := range got {
			seen[b.Contact] = true
		}
		if len(got) != 2*perWriter || len(seen) != 2*perWriter {
			t.Fatalf("after %d concurrent additions: %d bindings (%d distinct); want every one once", 2*perWriter, len(got), len(seen))
		}
	})
}

func mustGet(t *testing.T, bs sip.Bindings, aor string) []sip.Binding {
	t.Helper()
	got, err := bs.Get(context.Background(), aor)
	if err != nil {
		t.Fatalf("Get(%q): %v", aor, err)
	}
	return got
}

func mustUpdate(t *testing.T, bs sip.Bindings, aor string, f func([]sip.Binding) ([]sip.Binding, error)) []sip.Binding {
	t.Helper()
	got, err := bs.Update(context.Background(), aor, f)
	if err != nil {
		t.Fatalf("Update(%q): %v", aor, err)
	}
	return got
}

// mustSet replaces the bindings of aor by want (none removes them).
func mustSet(t *testing.T, bs sip.Bindings, aor string, want ...sip.Binding) []sip.Binding {
	t.Helper()
	return mustUpdate(t, bs, aor, func([]sip.Binding) ([]sip.Binding, error) { return want, nil })
}

// assertBindings compares bindings field by field, times as instants.
func assertBindings(t *testing.T, what string, got, want []sip.Binding) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d bindings %+v, want %d %+v", what, len(got), got, len(want), want)
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Expires.Equal(w.Expires) {
			t.Errorf("%s[%d]: expires %v, want %v", what, i, g.Expires, w.Expires)
		}
		g.Expires, w.Expires = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, g, w)
		}
	}
}
