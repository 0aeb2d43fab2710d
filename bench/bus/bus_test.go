// Package bus_bench measures event bus publish throughput against the
// embedded NATS server and, when SWITCHBOARD_TEST_NATS_URL is set, an
// external one:
//
//	go test -run '^$' -bench . -benchtime 2s ./bench/bus/
package bus_bench

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
)

// event is a small, typical contact event payload (~200 bytes as JSON).
type event struct {
	ContactID string `json:"contact_id"`
	Queue     string `json:"queue"`
	Channel   string `json:"channel"`
	From      string `json:"from"`
	Priority  int    `json:"priority"`
}

var sample = event{ContactID: "01J9Z6Q7W8E4R5T6Y7U8I9O0P1", Queue: "support", Channel: "voice", From: "+15551234567", Priority: 5}

// each runs fn against the embedded and the external server.
func each(b *testing.B, fn func(b *testing.B, bs *bus.Bus)) {
	b.Run("embedded", func(b *testing.B) {
		fn(b, bustest.Open(b, bustest.Embedded(b)))
	})
	b.Run("external", func(b *testing.B) {
		cfg, ok := bustest.External(b)
		if !ok {
			b.Skip(bustest.EnvURL + " not set")
		}
		fn(b, bustest.Open(b, cfg))
	})
}

func report(b *testing.B, start time.Time) {
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkPublish publishes one event at a time, waiting for the JetStream
// acknowledgement of each.
func BenchmarkPublish(b *testing.B) {
	each(b, func(b *testing.B, bs *bus.Bus) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for b.Loop() {
			if _, err := bus.Publish(ctx, bs, bus.ContactEvents, "bench", "queued", sample); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start)
	})
}

// BenchmarkPublishParallel publishes from GOMAXPROCS goroutines at once,
// each waiting for its acknowledgements, as concurrent contacts do.
func BenchmarkPublishParallel(b *testing.B) {
	each(b, func(b *testing.B, bs *bus.Bus) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := bus.Publish(ctx, bs, bus.ContactEvents, "bench", "queued", sample); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b, start)
	})
}
