package bus_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
)

type payload struct {
	N int    `json:"n"`
	S string `json:"s"`
}

const wait = 10 * time.Second

// collect subscribes and returns a channel of received envelopes.
func collect[T any](t *testing.T, b *bus.Bus, s bus.Stream, opts bus.SubscribeOptions) (<-chan bus.Envelope[T], *bus.Subscription) {
	t.Helper()
	ch := make(chan bus.Envelope[T], 100)
	sub, err := bus.Subscribe(t.Context(), b, s, opts, func(_ context.Context, env bus.Envelope[T]) error {
		ch <- env
		return nil
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(sub.Stop)
	return ch, sub
}

func recv[T any](t *testing.T, ch <-chan bus.Envelope[T]) bus.Envelope[T] {
	t.Helper()
	select {
	case env := <-ch:
		return env
	case <-time.After(wait):
		t.Fatal("timed out waiting for an event")
		return bus.Envelope[T]{}
	}
}

// noMore asserts that nothing arrives on ch for a short while.
func noMore[T any](t *testing.T, ch <-chan bus.Envelope[T]) {
	t.Helper()
	select {
	case env := <-ch:
		t.Fatalf("unexpected event %+v", env)
	case <-time.After(300 * time.Millisecond):
	}
}

func publish(t *testing.T, b *bus.Bus, s bus.Stream, inst, typ string, n int) bus.Envelope[payload] {
	t.Helper()
	env, err := bus.Publish(t.Context(), b, s, inst, typ, payload{N: n, S: fmt.Sprint("event ", n)})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return env
}

func streamMsgs(t *testing.T, b *bus.Bus, s bus.Stream) uint64 {
	t.Helper()
	st, err := b.JetStream().Stream(t.Context(), b.StreamName(s))
	if err != nil {
		t.Fatalf("stream %s: %v", b.StreamName(s), err)
	}
	return st.CachedInfo().State.Msgs
}

func TestStreams(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		want := map[bus.Stream]struct {
			name, subject string
			maxAge        time.Duration
		}{
			bus.ContactEvents:  {strings.ToUpper(cfg.Prefix) + "_CONTACT_EVENTS", cfg.Prefix + ".contact.>", 7 * 24 * time.Hour},
			bus.AgentEvents:    {strings.ToUpper(cfg.Prefix) + "_AGENT_EVENTS", cfg.Prefix + ".agent.>", 7 * 24 * time.Hour},
			bus.ContactRecords: {strings.ToUpper(cfg.Prefix) + "_CONTACT_RECORDS", cfg.Prefix + ".record.>", 30 * 24 * time.Hour},
		}
		if len(bus.Streams()) != len(want) {
			t.Fatalf("Streams() = %v", bus.Streams())
		}
		for s, w := range want {
			if got := b.StreamName(s); got != w.name {
				t.Errorf("StreamName(%v) = %q, want %q", s, got, w.name)
			}
			st, err := b.JetStream().Stream(t.Context(), w.name)
			if err != nil {
				t.Fatalf("stream %s: %v", w.name, err)
			}
			c := st.CachedInfo().Config
			if !slices.Equal(c.Subjects, []string{w.subject}) || c.MaxAge != w.maxAge ||
				c.Duplicates != 2*time.Minute || c.Storage != jetstream.FileStorage || c.Replicas != 1 {
				t.Errorf("stream %s config: subjects %v maxAge %s duplicates %s storage %s replicas %d",
					w.name, c.Subjects, c.MaxAge, c.Duplicates, c.Storage, c.Replicas)
			}
		}
		// Opening again on the same server/store is idempotent.
		if cfg.URL != "" {
			bustest.Open(t, cfg)
		}
	})
}

func TestPublishSubscribe(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		ch, _ := collect[payload](t, b, bus.ContactEvents, bus.SubscribeOptions{})
		before := time.Now()
		sent := publish(t, b, bus.ContactEvents, "inst1", "created", 42)
		if sent.ID == "" || sent.Time.Before(before.Add(-time.Second)) {
			t.Fatalf("Publish did not fill ID/Time: %+v", sent)
		}
		got := recv(t, ch)
		if got.ID != sent.ID || got.Type != "created" || got.InstanceID != "inst1" ||
			!got.Time.Equal(sent.Time) || got.Data != (payload{N: 42, S: "event 42"}) {
			t.Fatalf("got %+v, want %+v", got, sent)
		}
		// Other streams don't see it.
		ach, _ := collect[payload](t, b, bus.AgentEvents, bus.SubscribeOptions{})
		publish(t, b, bus.AgentEvents, "inst1", "ready", 1)
		if got := recv(t, ach); got.Type != "ready" {
			t.Fatalf("agent event: %+v", got)
		}
		noMore(t, ch)
	})
}

func TestFilters(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		instA, _ := collect[payload](t, b, bus.ContactEvents, bus.SubscribeOptions{InstanceID: "a"})
		types, _ := collect[payload](t, b, bus.ContactEvents, bus.SubscribeOptions{Types: []string{"ended", "queued"}})
		aEnded, _ := collect[payload](t, b, bus.ContactEvents, bus.SubscribeOptions{InstanceID: "a", Types: []string{"ended"}})
		publish(t, b, bus.ContactEvents, "b", "created", 1)
		publish(t, b, bus.ContactEvents, "a", "created", 2)
		publish(t, b, bus.ContactEvents, "b", "ended", 3)
		publish(t, b, bus.ContactEvents, "a", "ended", 4)

		for _, n := range []int{2, 4} {
			if got := recv(t, instA); got.InstanceID != "a" || got.Data.N != n {
				t.Fatalf("instance filter: got %+v, want event %d", got, n)
			}
		}
		for _, n := range []int{3, 4} {
			if got := recv(t, types); got.Type != "ended" || got.Data.N != n {
				t.Fatalf("type filter: got %+v, want event %d", got, n)
			}
		}
		if got := recv(t, aEnded); got.Data.N != 4 {
			t.Fatalf("instance+type filter: got %+v", got)
		}
		noMore(t, instA)
		noMore(t, types)
		noMore(t, aEnded)
	})
}

func TestDeliverNew(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		publish(t, b, bus.ContactEvents, "a", "old", 1)
		ch, _ := collect[payload](t, b, bus.ContactEvents, bus.SubscribeOptions{DeliverNew: true})
		publish(t, b, bus.ContactEvents, "a", "new", 2)
		if got := recv(t, ch); got.Data.N != 2 {
			t.Fatalf("got %+v, want the new event", got)
		}
		noMore(t, ch)
	})
}

func TestDurableResume(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		opts := bus.SubscribeOptions{Durable: "reporting"}
		ch, sub := collect[payload](t, b, bus.ContactRecords, opts)
		publish(t, b, bus.ContactRecords, "a", "closed", 1)
		if got := recv(t, ch); got.Data.N != 1 {
			t.Fatalf("got %+v", got)
		}
		sub.Stop()
		sub.Stop() // idempotent

		publish(t, b, bus.ContactRecords, "a", "closed", 2)
		publish(t, b, bus.ContactRecords, "a", "closed", 3)
		noMore(t, ch)

		ch, _ = collect[payload](t, b, bus.ContactRecords, opts)
		for _, n := range []int{2, 3} {
			if got := recv(t, ch); got.Data.N != n {
				t.Fatalf("after resume got %+v, want event %d", got, n)
			}
		}
		noMore(t, ch)
	})
}

func TestHandlerErrorRedelivered(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		reg := prometheus.NewRegistry()
		cfg.Registerer = reg
		b := bustest.Open(t, cfg)

		var calls atomic.Int32
		done := make(chan bus.Envelope[payload], 1)
		_, err := bus.Subscribe(t.Context(), b, bus.ContactEvents, bus.SubscribeOptions{RetryDelay: 10 * time.Millisecond},
			func(_ context.Context, env bus.Envelope[payload]) error {
				if calls.Add(1) < 3 {
					return errors.New("temporary failure")
				}
				done <- env
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		sent := publish(t, b, bus.ContactEvents, "a", "created", 1)
		select {
		case got := <-done:
			if got.ID != sent.ID {
				t.Fatalf("got %+v", got)
			}
		case <-time.After(wait):
			t.Fatalf("not redelivered; handler called %d times", calls.Load())
		}
		if n := calls.Load(); n != 3 {
			t.Fatalf("handler called %d times, want 3", n)
		}

		// A handler that always fails is given up after MaxDeliver deliveries.
		var failing atomic.Int32
		_, err = bus.Subscribe(t.Context(), b, bus.AgentEvents, bus.SubscribeOptions{MaxDeliver: 2, RetryDelay: 10 * time.Millisecond},
			func(context.Context, bus.Envelope[payload]) error {
				failing.Add(1)
				return errors.New("permanent failure")
			})
		if err != nil {
			t.Fatal(err)
		}
		publish(t, b, bus.AgentEvents, "a", "ready", 1)
		waitFor(t, func() bool { return handled(t, reg, "AGENT_EVENTS", "failed") == 1 })
		time.Sleep(200 * time.Millisecond)
		if n := failing.Load(); n != 2 {
			t.Fatalf("failing handler called %d times, want 2", n)
		}
		if got := handled(t, reg, "CONTACT_EVENTS", "retry"); got != 2 {
			t.Errorf("handled{retry} = %v, want 2", got)
		}
		if got := handled(t, reg, "CONTACT_EVENTS", "ok"); got != 1 {
			t.Errorf("handled{ok} = %v, want 1", got)
		}
	})
}

func TestHandlerPanic(t *testing.T) {
	cfg := bustest.Embedded(t)
	b := bustest.Open(t, cfg)
	var calls atomic.Int32
	done := make(chan struct{})
	_, err := bus.Subscribe(t.Context(), b, bus.ContactEvents, bus.SubscribeOptions{RetryDelay: 10 * time.Millisecond},
		func(context.Context, bus.Envelope[payload]) error {
			if calls.Add(1) == 1 {
				panic("boom")
			}
			close(done)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b, bus.ContactEvents, "a", "created", 1)
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("panicking handler's event not redelivered")
	}
}

func TestBadPayload(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		logs := &syncBuffer{}
		reg := prometheus.NewRegistry()
		cfg.Registerer = reg
		b, err := bus.Open(t.Context(), cfg, slog.New(slog.NewTextHandler(io.MultiWriter(logs, t.Output()), nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)

		ch, _ := collect[payload](t, b, bus.ContactEvents, bus.SubscribeOptions{Durable: "bad"})
		subj, err := b.Subject(bus.ContactEvents, "a", "created")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.JetStream().Publish(t.Context(), subj, []byte("this is not json")); err != nil {
			t.Fatal(err)
		}
		if _, err := b.JetStream().Publish(t.Context(), subj, []byte(`{"data":"wrong type"}`)); err != nil {
			t.Fatal(err)
		}
		publish(t, b, bus.ContactEvents, "a", "created", 7)
		if got := recv(t, ch); got.Data.N != 7 {
			t.Fatalf("got %+v, want the valid event", got)
		}
		noMore(t, ch)
		if got := handled(t, reg, "CONTACT_EVENTS", "invalid"); got != 2 {
			t.Errorf("handled{invalid} = %v, want 2", got)
		}
		if n := strings.Count(logs.String(), "dropping undecodable event"); n != 2 {
			t.Errorf("logged %d undecodable events, want 2; logs:\n%s", n, logs.String())
		}
		if !strings.Contains(logs.String(), "this is not json") {
			t.Errorf("payload not logged:\n%s", logs.String())
		}
		// Terminated, so nothing is pending on the consumer.
		c, err := b.JetStream().Consumer(t.Context(), b.StreamName(bus.ContactEvents), "bad")
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool {
			info, err := c.Info(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return info.NumAckPending == 0 && info.NumPending == 0 && info.NumRedelivered == 0
		})
	})
}

func TestDuplicateID(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		env := bus.Envelope[payload]{ID: "fixed-id-1", Type: "created", InstanceID: "a", Data: payload{N: 1}}
		for range 3 {
			got, err := bus.PublishEnvelope(t.Context(), b, bus.ContactEvents, env)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != "fixed-id-1" || got.Time.IsZero() {
				t.Fatalf("PublishEnvelope returned %+v", got)
			}
		}
		if n := streamMsgs(t, b, bus.ContactEvents); n != 1 {
			t.Fatalf("stream has %d messages, want 1", n)
		}
		env.ID = "fixed-id-2"
		if _, err := bus.PublishEnvelope(t.Context(), b, bus.ContactEvents, env); err != nil {
			t.Fatal(err)
		}
		if n := streamMsgs(t, b, bus.ContactEvents); n != 2 {
			t.Fatalf("stream has %d messages, want 2", n)
		}
	})
}

func TestValidation(t *testing.T) {
	for _, p := range []string{"", "a.b", "a b", "a*", "a>", "sb\t", "ü"} {
		_, err := bus.Open(t.Context(), bus.Config{DataDir: t.TempDir(), Prefix: p}, bustest.Logger(t))
		if err == nil || !strings.Contains(err.Error(), "prefix") {
			t.Errorf("Open(prefix %q) = %v, want a prefix error", p, err)
		}
	}
	for _, r := range []int{-1, 6} {
		_, err := bus.Open(t.Context(), bus.Config{DataDir: t.TempDir(), Prefix: "sb", Replicas: r}, bustest.Logger(t))
		if err == nil || !strings.Contains(err.Error(), "replicas") {
			t.Errorf("Open(replicas %d) = %v, want a replicas error", r, err)
		}
	}
	if _, err := bus.Open(t.Context(), bus.Config{Prefix: "sb"}, bustest.Logger(t)); err == nil || !strings.Contains(err.Error(), "DataDir") {
		t.Errorf("Open without DataDir = %v", err)
	}
	if _, err := bus.Open(t.Context(), bus.Config{DataDir: t.TempDir(), Prefix: "sb", Listen: "nohost"}, bustest.Logger(t)); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Open with bad Listen = %v", err)
	}

	b := bustest.Open(t, bustest.Embedded(t))
	bad := []struct{ inst, typ string }{
		{"", "created"}, {"a", ""}, {"a.b", "created"}, {"a", "x.y"}, {"*", "created"},
		{"a", ">"}, {"a b", "created"}, {"a", "new\nline"}, {"a", "x\u00a0y"},
	}
	for _, c := range bad {
		_, err := bus.Publish(t.Context(), b, bus.ContactEvents, c.inst, c.typ, payload{})
		if err == nil || !strings.HasPrefix(err.Error(), "bus: ") {
			t.Errorf("Publish(%q, %q) = %v, want a validation error", c.inst, c.typ, err)
		}
	}
	if _, err := bus.Publish(t.Context(), b, bus.Stream{}, "a", "b", payload{}); err == nil {
		t.Error("Publish on zero Stream succeeded")
	}
	if _, err := bus.Publish(t.Context(), b, bus.ContactEvents, "a", "b", func() {}); err == nil || !strings.Contains(err.Error(), "encode") {
		t.Errorf("Publish of unencodable data = %v", err)
	}
	h := func(context.Context, bus.Envelope[payload]) error { return nil }
	for _, o := range []bus.SubscribeOptions{
		{InstanceID: "a.b"}, {Types: []string{"ok", "*"}}, {Types: []string{""}}, {Durable: "has.dot"}, {Durable: "has space"}, {MaxDeliver: -1},
	} {
		if sub, err := bus.Subscribe(t.Context(), b, bus.ContactEvents, o, h); err == nil {
			sub.Stop()
			t.Errorf("Subscribe(%+v) succeeded", o)
		}
	}
	if _, err := bus.Subscribe[payload](t.Context(), b, bus.ContactEvents, bus.SubscribeOptions{}, nil); err == nil {
		t.Error("Subscribe with nil handler succeeded")
	}
	if _, err := b.KeyValue(t.Context(), "bad.bucket", 0); err == nil {
		t.Error("KeyValue with bad bucket name succeeded")
	}
}

func TestReadyRunClose(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b, err := bus.Open(t.Context(), cfg, bustest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		if err := b.Ready(t.Context()); err != nil {
			t.Fatalf("Ready: %v", err)
		}

		// Run returns nil when its context is cancelled...
		ctx, cancel := context.WithCancel(t.Context())
		runErr := make(chan error, 1)
		go func() { runErr <- b.Run(ctx) }()
		cancel()
		if err := <-runErr; err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
		// ... and when the bus is closed.
		go func() { runErr <- b.Run(t.Context()) }()
		time.Sleep(50 * time.Millisecond)

		start := time.Now()
		b.Close()
		b.Close()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Close took %s", d)
		}
		select {
		case err := <-runErr:
			if err != nil {
				t.Fatalf("Run after Close: %v", err)
			}
		case <-time.After(wait):
			t.Fatal("Run did not return after Close")
		}
		if err := b.Ready(t.Context()); err == nil {
			t.Fatal("Ready after Close succeeded")
		}
		if _, err := bus.Publish(t.Context(), b, bus.ContactEvents, "a", "b", 1); err == nil {
			t.Fatal("Publish after Close succeeded")
		}
	})
}

func TestPersistence(t *testing.T) {
	cfg := bustest.Embedded(t)
	start := time.Now()
	b, err := bus.Open(t.Context(), cfg, bustest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded Open took %s", time.Since(start))
	var sent []string
	for i := range 3 {
		sent = append(sent, publish(t, b, bus.ContactRecords, "a", "closed", i).ID)
	}
	kv, err := b.KeyValue(t.Context(), "sessions", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	b.Close()

	start = time.Now()
	b = bustest.Open(t, cfg)
	t.Logf("embedded reopen took %s", time.Since(start))
	if n := streamMsgs(t, b, bus.ContactRecords); n != 3 {
		t.Fatalf("after reopen stream has %d messages, want 3", n)
	}
	ch, _ := collect[payload](t, b, bus.ContactRecords, bus.SubscribeOptions{})
	for i, id := range sent {
		if got := recv(t, ch); got.ID != id || got.Data.N != i {
			t.Fatalf("after reopen got %+v, want id %s", got, id)
		}
	}
	kv, err = b.KeyValue(t.Context(), "sessions", 0)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(t.Context(), "k"); err != nil || string(e.Value()) != "v" {
		t.Fatalf("KV after reopen: %v %v", e, err)
	}
}

func TestOpenFast(t *testing.T) {
	const budget = 300 * time.Millisecond
	var best time.Duration
	for range 3 {
		cfg := bustest.Embedded(t)
		start := time.Now()
		b, err := bus.Open(t.Context(), cfg, bustest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		b.Close()
		if best == 0 || d < best {
			best = d
		}
	}
	t.Logf("embedded Open: %s", best)
	if best > budget {
		t.Errorf("embedded Open took %s, want < %s", best, budget)
	}
}

func TestBadURL(t *testing.T) {
	start := time.Now()
	_, err := bus.Open(t.Context(), bus.Config{URL: "nats://user:secret@127.0.0.1:1", Prefix: "sb"}, bustest.Logger(t))
	if err == nil {
		t.Fatal("Open with unreachable URL succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %s to fail", d)
	}
	msg := err.Error()
	if !strings.Contains(msg, "bus: connect to nats://user:xxxxx@127.0.0.1:1") || strings.Contains(msg, "secret") {
		t.Errorf("unclear or leaky error: %v", err)
	}
}

func TestListen(t *testing.T) {
	cfg := bustest.Embedded(t)
	cfg.Listen = "127.0.0.1:0"
	b := bustest.Open(t, cfg)
	url := b.ClientURL()
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		t.Fatalf("ClientURL = %q", url)
	}
	ch, _ := collect[payload](t, b, bus.AgentEvents, bus.SubscribeOptions{})

	// Another process (here: another client) publishes through the listener.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect to embedded server: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := b.Subject(bus.AgentEvents, "x", "login")
	if _, err := js.Publish(t.Context(), subj, []byte(`{"id":"ext-1","data":{"n":5}}`)); err != nil {
		t.Fatal(err)
	}
	got := recv(t, ch)
	if got.ID != "ext-1" || got.InstanceID != "x" || got.Type != "login" || got.Data.N != 5 {
		t.Fatalf("got %+v", got)
	}

	// Without Listen nothing listens.
	if u := bustest.Open(t, bustest.Embedded(t)).ClientURL(); u != "" {
		t.Errorf("in-process bus ClientURL = %q", u)
	}
}

func TestKeyValue(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		kv, err := b.KeyValue(t.Context(), "presence", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ToUpper(cfg.Prefix) + "_presence"; kv.Bucket() != want {
			t.Errorf("bucket %q, want %q", kv.Bucket(), want)
		}
		if _, err := kv.Put(t.Context(), "agent1", []byte("ready")); err != nil {
			t.Fatal(err)
		}
		kv2, err := b.KeyValue(t.Context(), "presence", time.Minute) // idempotent
		if err != nil {
			t.Fatal(err)
		}
		if e, err := kv2.Get(t.Context(), "agent1"); err != nil || string(e.Value()) != "ready" {
			t.Fatalf("Get: %v %v", e, err)
		}
	})
}

func TestMetricsSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	var buses []*bus.Bus
	for range 2 {
		cfg := bustest.Embedded(t)
		cfg.Registerer = reg
		buses = append(buses, bustest.Open(t, cfg))
	}
	for _, b := range buses {
		publish(t, b, bus.ContactEvents, "a", "created", 1)
	}
	if got := metric(t, reg, "switchboard_bus_published_total", map[string]string{"stream": "CONTACT_EVENTS"}); got != 2 {
		t.Errorf("published_total = %v, want 2", got)
	}
	if got := metric(t, reg, "switchboard_bus_publish_seconds", nil); got != 2 {
		t.Errorf("publish_seconds count = %v, want 2", got)
	}
}

// handled reads switchboard_bus_handled_total{stream,result}.
func handled(t *testing.T, reg *prometheus.Registry, stream, result string) float64 {
	t.Helper()
	return metric(t, reg, "switchboard_bus_handled_total", map[string]string{"stream": stream, "result": result})
}

// metric reads a counter value, or a histogram's sample count, from reg.
func metric(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunConnectionLost(t *testing.T) {
	bustest.Each(t, func(t *testing.T, cfg bus.Config) {
		b := bustest.Open(t, cfg)
		runErr := make(chan error, 1)
		go func() { runErr <- b.Run(t.Context()) }()
		b.Conn().Close() // not through b.Close: an unexpected, permanent loss
		select {
		case err := <-runErr:
			if err == nil || !strings.Contains(err.Error(), "connection closed") {
				t.Fatalf("Run = %v, want a connection closed error", err)
			}
		case <-time.After(wait):
			t.Fatal("Run did not notice the closed connection")
		}
		if err := b.Ready(t.Context()); err == nil {
			t.Fatal("Ready with a closed connection succeeded")
		}
	})
}
