// Package contact_bench measures contacts created and ended per second
// through contact.Manager — each Create and each End one committed
// transaction that also writes the events (and, for End, the contact record)
// to the outbox — on SQLite (a file in a temporary directory) and, when
// SWITCHBOARD_TEST_DATABASE_URL is set, on PostgreSQL (a fresh schema):
//
//	SWITCHBOARD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench . -benchtime 2s ./bench/contact/
//
// The WithRelay variants also run the outbox relay to an embedded NATS
// server and count a contact only once its events and record are published.
package contact_bench

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// each runs fn with a fresh store and instance on every configured backend,
// and reports contacts per second.
func each(b *testing.B, fn func(b *testing.B, st *store.Store, inst string)) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			in := &core.Instance{Alias: "bench"}
			if err := st.CreateInstance(context.Background(), in); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			fn(b, st, in.ID)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}

// createEnd creates a voice contact and ends it without an agent: two
// transactions, three events (INITIATED, DISCONNECTED, COMPLETED) and one
// record.
func createEnd(b *testing.B, m *contact.Manager, inst string) {
	ctx := context.Background()
	c, err := m.Create(ctx, contact.NewContact{InstanceID: inst, Channel: contact.Voice, InitiationMethod: contact.Inbound,
		CustomerEndpoint: &contact.Endpoint{Type: contact.EndpointPhone, Address: "+15550100"},
		Attributes:       map[string]string{"lang": "en", "account": "12345678"}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.End(ctx, inst, c.ID, contact.CustomerDisconnect); err != nil {
		b.Fatal(err)
	}
}

// lifecycle runs a full agent contact: six transactions, seven events and
// one record.
func lifecycle(b *testing.B, m *contact.Manager, inst string) {
	ctx := context.Background()
	c, err := m.Create(ctx, contact.NewContact{InstanceID: inst, Channel: contact.Voice, InitiationMethod: contact.Inbound})
	if err != nil {
		b.Fatal(err)
	}
	steps := []func() (*contact.Contact, error){
		func() (*contact.Contact, error) { return m.StartFlow(ctx, inst, c.ID, "flow") },
		func() (*contact.Contact, error) { return m.Enqueue(ctx, inst, c.ID, contact.QueueRef{ID: "queue"}) },
		func() (*contact.Contact, error) { return m.ConnectAgent(ctx, inst, c.ID, contact.Agent{ID: "agent"}) },
		func() (*contact.Contact, error) { return m.Disconnect(ctx, inst, c.ID, contact.CustomerDisconnect) },
		func() (*contact.Contact, error) { return m.CompleteAfterContactWork(ctx, inst, c.ID) },
	}
	for _, s := range steps {
		if _, err := s(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateEnd(b *testing.B) {
	each(b, func(b *testing.B, st *store.Store, inst string) {
		m := contact.New(st, contact.Options{})
		for b.Loop() {
			createEnd(b, m, inst)
		}
	})
}

// BenchmarkCreateEndParallel runs 4×GOMAXPROCS goroutines: on SQLite the
// writes queue for the one write connection, on PostgreSQL commits overlap.
func BenchmarkCreateEndParallel(b *testing.B) {
	each(b, func(b *testing.B, st *store.Store, inst string) {
		m := contact.New(st, contact.Options{})
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				createEnd(b, m, inst)
			}
		})
	})
}

func BenchmarkFullLifecycle(b *testing.B) {
	each(b, func(b *testing.B, st *store.Store, inst string) {
		m := contact.New(st, contact.Options{})
		for b.Loop() {
			lifecycle(b, m, inst)
		}
	})
}

// BenchmarkCreateEndParallelWithRelay is CreateEndParallel with the relay
// publishing to an embedded NATS server; the clock stops when the outbox is
// empty.
func BenchmarkCreateEndParallelWithRelay(b *testing.B) {
	each(b, func(b *testing.B, st *store.Store, inst string) {
		bs := bustest.Open(b, bustest.Embedded(b))
		relay := contact.NewRelay(st, bs, contact.RelayOptions{Logger: bustest.Logger(b)})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- relay.Run(ctx) }()
		defer func() {
			cancel()
			<-done
		}()
		m := contact.New(st, contact.Options{Notify: relay.Notify})
		start := relay.Published()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				createEnd(b, m, inst)
			}
		})
		for {
			n, err := st.CountPendingOutbox(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		b.ReportMetric(float64(relay.Published()-start)/b.Elapsed().Seconds(), "events/s")
	})
}
