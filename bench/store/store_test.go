// Package store_bench measures the store's create, read, list, update and
// delete of queues on SQLite (a file in a temporary directory) and, when
// SWITCHBOARD_TEST_DATABASE_URL is set, on PostgreSQL (a fresh schema):
//
//	SWITCHBOARD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench . -benchtime 2s ./bench/store/
//
// Every write is a committed transaction that also checks the instance and
// the queue's references, as the API does it.
package store_bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// fixture is a store holding one instance with 24x7 hours, ready for queues.
type fixture struct {
	st       *store.Store
	instance string
	hours    string
	seq      atomic.Int64
}

// each runs fn on a fresh fixture for every configured backend.
func each(b *testing.B, fn func(b *testing.B, f *fixture)) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			f := &fixture{st: be.Open(b)}
			ctx := context.Background()
			in := &core.Instance{Alias: "bench"}
			if err := f.st.CreateInstance(ctx, in); err != nil {
				b.Fatal(err)
			}
			h := &core.HoursOfOperation{Name: "24x7", Schedule: hours.AlwaysOpen("UTC")}
			if err := f.st.Hours.Create(ctx, in.ID, h); err != nil {
				b.Fatal(err)
			}
			f.instance, f.hours = in.ID, h.ID
			b.ReportAllocs()
			fn(b, f)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// newQueue creates a queue with a unique name.
func (f *fixture) newQueue(b *testing.B) *core.Queue {
	q := &core.Queue{Name: fmt.Sprintf("queue-%d", f.seq.Add(1)), Description: "benchmark queue",
		HoursOfOperationID: f.hours, MaxContacts: 50}
	if err := f.st.Queues.Create(context.Background(), f.instance, q); err != nil {
		b.Fatal(err)
	}
	return q
}

func BenchmarkQueueCreate(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		for b.Loop() {
			f.newQueue(b)
		}
	})
}

// BenchmarkQueueCreateParallel creates from GOMAXPROCS goroutines at once:
// on SQLite the writes queue for the one write connection.
func BenchmarkQueueCreateParallel(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				q := &core.Queue{Name: fmt.Sprintf("queue-%d", f.seq.Add(1)), HoursOfOperationID: f.hours}
				if err := f.st.Queues.Create(context.Background(), f.instance, q); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkQueueGet(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		q := f.newQueue(b)
		ctx := context.Background()
		for b.Loop() {
			if _, err := f.st.Queues.Get(ctx, f.instance, q.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQueueGetParallel reads from GOMAXPROCS goroutines at once.
func BenchmarkQueueGetParallel(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		q := f.newQueue(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.st.Queues.Get(ctx, f.instance, q.ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkQueueList reads a page of 100 queues.
func BenchmarkQueueList(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		for range 100 {
			f.newQueue(b)
		}
		ctx := context.Background()
		for b.Loop() {
			items, _, err := f.st.Queues.List(ctx, f.instance, store.Page{Max: 100})
			if err != nil || len(items) != 100 {
				b.Fatalf("list: %d items, %v", len(items), err)
			}
		}
	})
}

// BenchmarkQueueUpdate updates one queue again and again, checking its version each time.
func BenchmarkQueueUpdate(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		q := f.newQueue(b)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			i++
			q.MaxContacts = i % 1000
			if err := f.st.Queues.Update(ctx, f.instance, q, q.Version); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQueueDelete deletes queues created beforehand, outside the timing.
func BenchmarkQueueDelete(b *testing.B) {
	each(b, func(b *testing.B, f *fixture) {
		ids := make([]string, b.N)
		for i := range ids {
			ids[i] = f.newQueue(b).ID
		}
		ctx := context.Background()
		b.ResetTimer()
		for _, id := range ids {
			if err := f.st.Queues.Delete(ctx, f.instance, id); err != nil {
				b.Fatal(err)
			}
		}
	})
}
