package routing_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// A router offering a call to the only available agent.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := routing.NewManualClock(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC))
	r := routing.New(routing.Config{
		InstanceID: "inst-1",
		Clock:      clock,
		Sink: routing.SinkFunc(func(e routing.Event) {
			// The wiring turns these into agent-API messages and bus events.
			fmt.Println(strings.TrimSpace(fmt.Sprint(e.Type, " ", e.AgentID, " ", e.ContactID, " ", e.Reason)))
		}),
	})
	go r.Run(ctx)

	_ = r.UpsertQueue(ctx, routing.Queue{ID: "sales"})
	_ = r.UpsertProfile(ctx, routing.Profile{
		ID:       "sales-agents",
		Queues:   []routing.ProfileQueue{{QueueID: "sales", Channel: "VOICE", Priority: 1}},
		Channels: []routing.ChannelLimit{{Channel: "VOICE", Concurrency: 1}},
	})
	_ = r.UpsertAgent(ctx, routing.Agent{ID: "ana", ProfileID: "sales-agents", ACWTimeout: 30 * time.Second})
	_ = r.SetStatus(ctx, "ana", routing.StatusAvailable)
	_ = r.Enqueue(ctx, routing.Contact{ID: "call-1", QueueID: "sales", Channel: "VOICE"})
	_ = r.Accept(ctx, "ana", "call-1")
	_ = r.EndContact(ctx, "call-1")
	clock.Advance(30 * time.Second) // after-contact work times out
	_ = r.Sync(ctx)
	// Output:
	// AgentState ana
	// Queued  call-1 new
	// Offered ana call-1
	// Connected ana call-1
	// ACWStarted ana call-1
	// ACWEnded ana call-1 timeout
}

// Only the process holding an instance's lease runs its router; the others
// wait and take over, rebuilding the router from the store, when the
// holder stops or fails.
func ExampleLease() {
	ctx := context.Background()
	b, _ := bus.Open(ctx, bus.Config{URL: "nats://127.0.0.1:4222", Prefix: "sb"}, nil)
	defer b.Close()
	kv, _ := routing.OpenLeases(ctx, b, 10*time.Second)
	lease, _ := routing.NewLease(kv, routing.LeaseConfig{Key: "inst-1", Holder: "node-a", TTL: 10 * time.Second})
	_ = lease.Run(ctx, func(ctx context.Context) error {
		r := routing.New(routing.Config{InstanceID: "inst-1"})
		go func() {
			snap := routing.Snapshot{} // assembled from the store by the wiring step
			_ = r.Restore(ctx, snap)
		}()
		return r.Run(ctx) // returns when the lease is lost or ctx ends
	})
}
