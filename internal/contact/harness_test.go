package contact

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

var aliasSeq atomic.Int64

// newInstance creates an instance and returns its ID.
func newInstance(t testing.TB, st *store.Store) string {
	t.Helper()
	in := &core.Instance{Alias: "contacts-" + time.Now().Format("150405") + "-" + strconv.FormatInt(aliasSeq.Add(1), 10)}
	if err := st.CreateInstance(context.Background(), in); err != nil {
		t.Fatalf("create instance: %v", err)
	}
	return in.ID
}

// eachStoreAndBus runs fn on every store backend crossed with every bus
// (embedded NATS, external NATS), each pair fresh.
func eachStoreAndBus(t *testing.T, fn func(t *testing.T, st *store.Store, b *bus.Bus)) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			bustest.Each(t, func(t *testing.T, cfg bus.Config) {
				st := be.Open(t)
				fn(t, st, bustest.Open(t, cfg))
			})
		})
	}
}

// outbox returns the pending outbox events of a contact, in order.
func outbox(t *testing.T, st *store.Store, contactID string) []store.OutboxEvent {
	t.Helper()
	evs, err := st.PendingOutbox(context.Background(), store.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.OutboxEvent
	for _, e := range evs {
		var p struct {
			ContactID string `json:"contactId"` // events
			ID        string `json:"id"`        // records
		}
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatalf("outbox payload %s: %v", e.Payload, err)
		}
		if p.ContactID == contactID || (e.Type == RecordType && p.ID == contactID) {
			out = append(out, e)
		}
	}
	return out
}

func types(evs []store.OutboxEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// collector gathers the events of a stream delivered to an ephemeral
// consumer.
type collector struct {
	mu   sync.Mutex
	envs []bus.Envelope[json.RawMessage]
}

func collect(t *testing.T, b *bus.Bus, s bus.Stream) *collector {
	t.Helper()
	c := &collector{}
	sub, err := bus.Subscribe(context.Background(), b, s, bus.SubscribeOptions{},
		func(_ context.Context, env bus.Envelope[json.RawMessage]) error {
			c.mu.Lock()
			c.envs = append(c.envs, env)
			c.mu.Unlock()
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Stop)
	return c
}

func (c *collector) snapshot() []bus.Envelope[json.RawMessage] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bus.Envelope[json.RawMessage](nil), c.envs...)
}

// waitFor polls cond until it holds or the timeout expires.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// streamMsgs is how many messages a stream holds.
func streamMsgs(t *testing.T, b *bus.Bus, s bus.Stream) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := b.JetStream().Stream(ctx, b.StreamName(s))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// runRelay runs a relay until the test ends (or stop is called) and waits
// for it to return.
func runRelay(t *testing.T, st *store.Store, b *bus.Bus, opts RelayOptions) (r *Relay, stop func()) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = bustest.Logger(t)
	}
	if opts.Poll == 0 {
		opts.Poll = 20 * time.Millisecond
	}
	r = NewRelay(st, b, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("relay.Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return r, stop
}
