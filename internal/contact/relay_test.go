package contact

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// runContacts drives n contacts through a full voice lifecycle and returns
// their IDs. Each emits 7 contact events and 1 record.
func runContacts(t *testing.T, m *Manager, inst string, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for range n {
		c := newVoice(t, m, inst)
		must(m.StartFlow(ctx, inst, c.ID, "f"))(t)
		must(m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q"}))(t)
		must(m.ConnectAgent(ctx, inst, c.ID, alice))(t)
		must(m.Disconnect(ctx, inst, c.ID, CustomerDisconnect))(t)
		must(m.CompleteAfterContactWork(ctx, inst, c.ID))(t)
		ids = append(ids, c.ID)
	}
	return ids
}

var lifecycleTypes = []string{"INITIATED", "FLOW_STARTED", "QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED"}

// checkPerContactOrder checks that the contact events collected come in
// lifecycle order for each contact, once each.
func checkPerContactOrder(t *testing.T, envs []bus.Envelope[json.RawMessage], ids []string) {
	t.Helper()
	per := map[string][]string{}
	seen := map[string]bool{}
	for _, env := range envs {
		if seen[env.ID] {
			t.Fatalf("event %s delivered twice", env.ID)
		}
		seen[env.ID] = true
		var ev Event
		if err := json.Unmarshal(env.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if string(ev.EventType) != env.Type {
			t.Fatalf("envelope type %s, payload %s", env.Type, ev.EventType)
		}
		per[ev.ContactID] = append(per[ev.ContactID], env.Type)
	}
	for _, id := range ids {
		if got := per[id]; !slices.Equal(got, lifecycleTypes) {
			t.Fatalf("contact %s: events %v, want %v", id, got, lifecycleTypes)
		}
	}
}

func TestRelayPublishesEveryEventOnceInOrderPerContact(t *testing.T) {
	eachStoreAndBus(t, func(t *testing.T, st *store.Store, b *bus.Bus) {
		inst := newInstance(t, st)
		events := collect(t, b, bus.ContactEvents)
		records := collect(t, b, bus.ContactRecords)
		relay, _ := runRelay(t, st, b, RelayOptions{Batch: 16})
		m := New(st, Options{Notify: relay.Notify})
		ids := runContacts(t, m, inst, 10)

		want := len(ids) * len(lifecycleTypes)
		waitFor(t, 20*time.Second, "every event", func() bool {
			return len(events.snapshot()) >= want && len(records.snapshot()) >= len(ids)
		})
		checkPerContactOrder(t, events.snapshot(), ids)
		for _, env := range records.snapshot() {
			var r Record
			if err := json.Unmarshal(env.Data, &r); err != nil || env.Type != RecordType || r.State != Ended || r.RecordedAt.IsZero() {
				t.Fatalf("record %+v: %v", env, err)
			}
		}
		if n := streamMsgs(t, b, bus.ContactEvents); n != uint64(want) {
			t.Fatalf("stream holds %d events, want %d", n, want)
		}
		// Events are marked sent after their batch is published.
		waitFor(t, 10*time.Second, "the outbox to be marked sent", func() bool {
			n, err := st.CountPendingOutbox(context.Background())
			return err == nil && n == 0
		})
		if relay.Published() != int64(want+len(ids)) {
			t.Fatalf("relay published %d, want %d", relay.Published(), want+len(ids))
		}
	})
}

// The process dies after committing and before publishing; a relay started
// later over the same database publishes what was committed. Some of it had
// even been published before the crash, without being marked: JetStream
// drops the second copy.
func TestRelayAfterARestartPublishesCommittedEventsExactlyOnce(t *testing.T) {
	eachStoreAndBus(t, func(t *testing.T, st *store.Store, b *bus.Bus) {
		ctx := context.Background()
		inst := newInstance(t, st)
		m := New(st, Options{}) // no relay running: the "crash" is before any publish
		ids := runContacts(t, m, inst, 4)
		pending := must(st.PendingOutbox(ctx, store.MaxPageSize))(t)
		if len(pending) != len(ids)*(len(lifecycleTypes)+1) {
			t.Fatalf("%d events pending, want %d", len(pending), len(ids)*(len(lifecycleTypes)+1))
		}
		// The first relay published the first 9 events, then died before
		// marking them sent.
		dying := NewRelay(st, b, RelayOptions{})
		for _, e := range pending[:9] {
			if err := dying.publish(ctx, e); err != nil {
				t.Fatal(err)
			}
		}

		events := collect(t, b, bus.ContactEvents)
		runRelay(t, st, b, RelayOptions{})
		waitFor(t, 20*time.Second, "the outbox to drain", func() bool {
			n, err := st.CountPendingOutbox(ctx)
			return err == nil && n == 0
		})
		want := len(ids) * len(lifecycleTypes)
		waitFor(t, 10*time.Second, "every event", func() bool { return len(events.snapshot()) >= want })
		checkPerContactOrder(t, events.snapshot(), ids)
		if n := streamMsgs(t, b, bus.ContactEvents); n != uint64(want) {
			t.Fatalf("stream holds %d events, want %d: a re-published event was not de-duplicated", n, want)
		}
		if n := streamMsgs(t, b, bus.ContactRecords); n != uint64(len(ids)) {
			t.Fatalf("stream holds %d records, want %d", n, len(ids))
		}
	})
}

func TestTwoRelaysOnOneDatabaseTakeTurnsAndKeepOrder(t *testing.T) {
	eachStoreAndBus(t, func(t *testing.T, st *store.Store, b *bus.Bus) {
		inst := newInstance(t, st)
		events := collect(t, b, bus.ContactEvents)
		r1, stop1 := runRelay(t, st, b, RelayOptions{Batch: 4, LeaseTTL: time.Second})
		r2, _ := runRelay(t, st, b, RelayOptions{Batch: 4, LeaseTTL: time.Second})
		m := New(st, Options{Notify: func() { r1.Notify(); r2.Notify() }})
		ids := runContacts(t, m, inst, 3)
		// The leader stops (releasing its lease); the other carries on.
		stop1()
		ids = append(ids, runContacts(t, m, inst, 3)...)
		want := len(ids) * len(lifecycleTypes)
		waitFor(t, 20*time.Second, "every event", func() bool { return len(events.snapshot()) >= want })
		checkPerContactOrder(t, events.snapshot(), ids)
		if n := streamMsgs(t, b, bus.ContactEvents); n != uint64(want) {
			t.Fatalf("stream holds %d events, want %d", n, want)
		}
		waitFor(t, 10*time.Second, "the second relay to take over", func() bool { return r2.Published() > 0 })
	})
}

func TestEventIDsIncreasePerContactEvenWhenTheClockIsBehind(t *testing.T) {
	future := uuid.Must(uuid.NewV7())
	// A UUIDv7 one hour ahead of this process's clock, as another process
	// with a fast clock would have written.
	ms := uint64(time.Now().Add(time.Hour).UnixMilli())
	for i := range 6 {
		future[i] = byte(ms >> (40 - 8*i))
	}
	prev := future.String()
	for range 100 {
		next := nextEventID(prev)
		u, err := uuid.Parse(next)
		if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%s is not a UUIDv7: %v", next, err)
		}
		if next <= prev {
			t.Fatalf("%s does not sort after %s", next, prev)
		}
		prev = next
	}
	// rand_b at its maximum carries into the timestamp and sequence.
	full := uuid.MustParse("01900000-0000-7fff-bfff-ffffffffffff")
	if s := successor(full); s.String() <= full.String() || s.Version() != 7 || s.Variant() != uuid.RFC4122 {
		t.Fatalf("successor of %s is %s", full, s)
	}
	// A fresh ID after an old one is simply new.
	if old := "01000000-0000-7000-8000-000000000000"; nextEventID(old) <= old {
		t.Fatal("new ID sorts before an old one")
	}
}
