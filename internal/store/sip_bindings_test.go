package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/sip"
	"github.com/switchboard-cc/switchboard/internal/sip/siptest"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestSIPBindingsContract(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			siptest.TestBindings(t, func(t *testing.T, now func() time.Time) sip.Bindings { return b.Open(t).SIPBindings(now) })
		})
	}
}

// countSIPBindingRows counts the rows of sip_bindings, expired or not.
func countSIPBindingRows(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM sip_bindings`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func deskPhone(contact string, expires time.Time) sip.Binding {
	return sip.Binding{Contact: contact, Source: netip.MustParseAddrPort("198.51.100.4:5060"), Transport: "udp",
		Expires: expires, CallID: "c-" + contact, CSeq: 1}
}

func setBindings(t testing.TB, bs sip.Bindings, aor string, want ...sip.Binding) {
	t.Helper()
	if _, err := bs.Update(context.Background(), aor, func([]sip.Binding) ([]sip.Binding, error) { return want, nil }); err != nil {
		t.Fatalf("Update(%q): %v", aor, err)
	}
}

// TestSIPBindingsSweepDeletesDeadRows: rows whose bindings have all expired
// stay until a sweep (Sweep, or Update at most once a minute) deletes them;
// live rows stay.
func TestSIPBindingsSweepDeletesDeadRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := siptest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		bs := st.SIPBindings(clk.Now)
		t0 := clk.Now()
		setBindings(t, bs, "short", deskPhone("sip:a@h1", t0.Add(10*time.Second)), deskPhone("sip:a@h2", t0.Add(20*time.Second)))
		setBindings(t, bs, "long", deskPhone("sip:b@h", t0.Add(time.Hour)))

		clk.Advance(20*time.Second - time.Microsecond) // one binding of "short" still lives
		if n, err := bs.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("Sweep before the last expiry = %d, %v; want 0", n, err)
		}
		clk.Advance(time.Microsecond)
		if n, err := bs.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("Sweep at the last expiry = %d, %v; want 1", n, err)
		}
		if n := countSIPBindingRows(t, st); n != 1 {
			t.Fatalf("%d rows after the sweep, want 1 (long)", n)
		}

		// Update sweeps at most once a minute: the first Update of this
		// SIPBindings swept at t0, so a row dying now waits for the next.
		setBindings(t, bs, "brief", deskPhone("sip:c@h", clk.Now().Add(time.Second)))
		clk.Advance(2 * time.Second)
		setBindings(t, bs, "long", deskPhone("sip:b@h", clk.Now().Add(time.Hour)))
		if n := countSIPBindingRows(t, st); n != 2 {
			t.Fatalf("%d rows within the minute, want 2 (long and the expired brief)", n)
		}
		clk.Advance(time.Minute)
		setBindings(t, bs, "long", deskPhone("sip:b@h", clk.Now().Add(time.Hour)))
		if n := countSIPBindingRows(t, st); n != 1 {
			t.Fatalf("%d rows after a minute, want 1 (long)", n)
		}
	})
}

// TestSIPBindingsUpdateRetriesOnAConcurrentChange makes another writer
// change the AOR between Update's read and its write, deterministically:
// f itself registers another phone through a second SIPBindings. The write
// then finds a newer version, and Update reads again and calls f again, so
// neither binding is lost. A writer that always loses gives up with
// ErrBindingsContended, having written nothing.
func TestSIPBindingsUpdateRetriesOnAConcurrentChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		exp := time.Now().Add(time.Hour)
		mine, other := st.SIPBindings(nil), st.SIPBindings(nil)
		for _, first := range []bool{true, false} { // no row yet (insert), then a row (update)
			aor := fmt.Sprintf("inst/first-%v", first)
			if !first {
				setBindings(t, other, aor, deskPhone("sip:u@10.9.9.9", exp))
			}
			calls := 0
			got, err := mine.Update(ctx, aor, func(cur []sip.Binding) ([]sip.Binding, error) {
				calls++
				if calls == 1 {
					setBindings(t, other, aor, append(cur, deskPhone("sip:u@10.0.0.2", exp))...)
				}
				return append(cur, deskPhone("sip:u@10.0.0.1", exp)), nil
			})
			if err != nil || calls != 2 {
				t.Fatalf("Update with a change between its read and write: %v after %d calls of f; want success after 2", err, calls)
			}
			want := map[string]bool{"sip:u@10.0.0.1": true, "sip:u@10.0.0.2": true}
			if !first {
				want["sip:u@10.9.9.9"] = true
			}
			stored, err := mine.Get(ctx, aor)
			if err != nil || len(stored) != len(want) || len(got) != len(want) {
				t.Fatalf("after the retry: stored %+v, returned %+v, %v; want %v", stored, got, err, want)
			}
			for _, b := range stored {
				if !want[b.Contact] {
					t.Errorf("stored %s, want %v", b.Contact, want)
				}
			}
		}

		calls := 0
		_, err := mine.Update(ctx, "inst/contended", func(cur []sip.Binding) ([]sip.Binding, error) {
			calls++
			setBindings(t, other, "inst/contended", deskPhone(fmt.Sprintf("sip:u@10.1.0.%d", calls), exp))
			return append(cur, deskPhone("sip:mine@10.0.0.1", exp)), nil
		})
		if !errors.Is(err, store.ErrBindingsContended) || calls < 2 {
			t.Fatalf("Update losing every race: %v after %d calls of f; want ErrBindingsContended after retries", err, calls)
		}
		stored, err := mine.Get(ctx, "inst/contended")
		if err != nil || len(stored) != 1 || stored[0].Contact != fmt.Sprintf("sip:u@10.1.0.%d", calls) {
			t.Errorf("after giving up: %+v, %v; want only the other writer's last binding", stored, err)
		}
	})
}

// sharedDatabase returns the options of a new empty database that several
// stores open, as several processes (or one before and after a restart)
// do: one SQLite data dir, or one PostgreSQL schema.
func sharedDatabase(t *testing.T, b storetest.Backend) store.Options {
	if b.Name == "postgres" {
		return store.Options{DatabaseURL: b.URL(t)}
	}
	return store.Options{DataDir: t.TempDir()}
}

func openStore(t *testing.T, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSIPBindingsSharedAndDurable: what one store writes, another on the
// same database reads, also after the first is closed (a restart, a
// standby taking over); concurrent registrations through two stores lose
// nothing.
func TestSIPBindingsSharedAndDurable(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := sharedDatabase(t, b)
			st1 := openStore(t, db)
			exp := time.Now().Add(time.Hour)
			setBindings(t, st1.SIPBindings(nil), "inst/user", deskPhone("sip:u@192.168.1.20:5062", exp))
			if err := st1.Close(); err != nil {
				t.Fatal(err)
			}

			two, three := openStore(t, db).SIPBindings(nil), openStore(t, db).SIPBindings(nil)
			got, err := two.Get(ctx, "inst/user")
			if err != nil || len(got) != 1 || got[0].Contact != "sip:u@192.168.1.20:5062" || !got[0].Expires.Equal(exp) {
				t.Fatalf("a store opened after the first closed reads %+v, %v; want the binding the first wrote", got, err)
			}
			const perStore = 8
			var wg sync.WaitGroup
			for w, bs := range []sip.Bindings{two, three} {
				wg.Go(func() {
					for i := range perStore {
						contact := fmt.Sprintf("sip:u@10.%d.0.%d", w, i)
						if _, err := bs.Update(ctx, "inst/user", func(cur []sip.Binding) ([]sip.Binding, error) {
							return append(cur, deskPhone(contact, exp)), nil
						}); err != nil {
							t.Errorf("store %d, update %d: %v", w, i, err)
						}
					}
				})
			}
			wg.Wait()
			for i, bs := range []sip.Bindings{two, three} {
				got, err := bs.Get(ctx, "inst/user")
				if err != nil || len(got) != 1+2*perStore {
					t.Errorf("store %d after concurrent updates through two stores: %d bindings, %v; want %d", i, len(got), err, 1+2*perStore)
				}
			}
		})
	}
}

// BenchmarkSIPBindingsUpdate measures a REGISTER refresh on SQLite: one
// Update (read, f, conditional write) of one of 1000 AORs with two
// bindings each, serially and from GOMAXPROCS goroutines; and, for
// comparison, the Get that precedes a call to a registered phone.
func BenchmarkSIPBindingsUpdate(b *testing.B) {
	st, err := store.Open(context.Background(), store.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	bs := st.SIPBindings(nil)
	const aors = 1000
	exp := time.Now().Add(time.Hour)
	for i := range aors {
		setBindings(b, bs, fmt.Sprintf("inst/user-%d", i), deskPhone(fmt.Sprintf("sip:u%d@10.0.0.1", i), exp),
			deskPhone(fmt.Sprintf("sip:u%d@10.0.0.2", i), exp))
	}
	refresh := func(cur []sip.Binding) ([]sip.Binding, error) {
		next := append([]sip.Binding(nil), cur...)
		next[0].Expires = next[0].Expires.Add(time.Second)
		next[0].CSeq++
		return next, nil
	}
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := bs.Update(ctx, fmt.Sprintf("inst/user-%d", i%aors), refresh); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("get", func(b *testing.B) { // the lookup before calling a registered phone
		i := 0
		for b.Loop() {
			if got, err := bs.Get(ctx, fmt.Sprintf("inst/user-%d", i%aors)); err != nil || len(got) != 2 {
				b.Fatalf("Get: %d bindings, %v", len(got), err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var mu sync.Mutex
		next := 0
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if _, err := bs.Update(ctx, fmt.Sprintf("inst/user-%d", i%aors), refresh); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
