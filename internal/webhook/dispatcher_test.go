package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/function"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// env is a store, a bus, a contact manager whose events a relay publishes,
// and one instance.
type env struct {
	st    *store.Store
	b     *bus.Bus
	m     *contact.Manager
	inst  string
	relay *contact.Relay
}

var aliasSeq atomic.Int64

func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			bustest.Each(t, func(t *testing.T, cfg bus.Config) {
				e := &env{st: be.Open(t), b: bustest.Open(t, cfg)}
				in := &core.Instance{Alias: "webhooks-" + strconv.FormatInt(aliasSeq.Add(1), 10) + "-" + bustest.Prefix(t)}
				if err := e.st.CreateInstance(context.Background(), in); err != nil {
					t.Fatal(err)
				}
				e.inst = in.ID
				e.relay = contact.NewRelay(e.st, e.b, contact.RelayOptions{Logger: bustest.Logger(t), Poll: 20 * time.Millisecond})
				e.m = contact.New(e.st, contact.Options{Notify: e.relay.Notify})
				run(t, e.relay.Run)
				fn(t, e)
			})
		})
	}
}

// run runs fn until the test ends.
func run(t *testing.T, fn func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func (e *env) dispatcher(t *testing.T, opts Options) (*Dispatcher, func()) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = bustest.Logger(t)
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 20 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 100 * time.Millisecond
	}
	if opts.Poll == 0 {
		opts.Poll = 50 * time.Millisecond
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = time.Millisecond
	}
	d := New(e.st, e.b, opts)
	return d, run(t, d.Run)
}

func (e *env) subscribe(t *testing.T, s *core.WebhookSubscription) *core.WebhookSubscription {
	t.Helper()
	if err := e.st.WebhookSubscriptions().Create(context.Background(), e.inst, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// lifecycle runs a contact through a whole voice contact.
func (e *env) lifecycle(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	c, err := e.m.Create(ctx, contact.NewContact{InstanceID: e.inst, Channel: contact.Voice, InitiationMethod: contact.Inbound})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() (*contact.Contact, error){
		func() (*contact.Contact, error) { return e.m.StartFlow(ctx, e.inst, c.ID, "f") },
		func() (*contact.Contact, error) { return e.m.Enqueue(ctx, e.inst, c.ID, contact.QueueRef{ID: "q"}) },
		func() (*contact.Contact, error) {
			return e.m.ConnectAgent(ctx, e.inst, c.ID, contact.Agent{ID: "a1"})
		},
		func() (*contact.Contact, error) { return e.m.Disconnect(ctx, e.inst, c.ID, contact.CustomerDisconnect) },
		func() (*contact.Contact, error) { return e.m.CompleteAfterContactWork(ctx, e.inst, c.ID) },
	}
	for _, s := range steps {
		if _, err := s(); err != nil {
			t.Fatal(err)
		}
	}
	return c.ID
}

var lifecycle = []string{"INITIATED", "FLOW_STARTED", "QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED"}

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
	env    bus.Envelope[contact.Event]
}

// receiver records requests and answers with status(req).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []request
	status func(r request) int
}

func newReceiver(t *testing.T, status func(r request) int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{header: r.Header.Clone(), body: body}
		if err := json.Unmarshal(body, &req.env); err != nil {
			t.Errorf("body is not an envelope: %v: %s", err, body)
		}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, req)
		rc.mu.Unlock()
		code := http.StatusNoContent
		if rc.status != nil {
			code = rc.status(req)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

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

func TestDeliveriesAreSignedWithTheSubscriptionSecret(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		rc := newReceiver(t, nil)
		const secret = "whsec-test-1234"
		e.subscribe(t, &core.WebhookSubscription{Name: "crm", URL: rc.URL + "/hooks?token=abc", Internal: true, Secret: secret})
		e.dispatcher(t, Options{Version: "1.2.3"})
		id := e.lifecycle(t)

		waitFor(t, 20*time.Second, "every event and the record", func() bool { return len(rc.requests()) >= len(lifecycle)+1 })
		time.Sleep(100 * time.Millisecond) // nothing more arrives
		reqs := rc.requests()
		if len(reqs) != len(lifecycle)+1 {
			t.Fatalf("%d requests, want %d", len(reqs), len(lifecycle)+1)
		}
		var types []string
		for _, r := range reqs {
			h := r.header
			if err := function.Verify(secret, h.Get(function.SignatureHeader), h.Get(function.TimestampHeader), r.body, time.Now(), 0); err != nil {
				t.Fatalf("signature does not verify: %v", err)
			}
			if err := function.Verify("another secret", h.Get(function.SignatureHeader), h.Get(function.TimestampHeader), r.body, time.Now(), 0); err == nil {
				t.Fatal("signature verifies with the wrong secret")
			}
			if h.Get(EventIDHeader) != r.env.ID || h.Get(EventTypeHeader) != r.env.Type || h.Get(AttemptHeader) != "1" ||
				h.Get(DeliveryHeader) == "" || h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "Switchboard/1.2.3" {
				t.Fatalf("headers %v for %s %s", h, r.env.Type, r.env.ID)
			}
			if r.env.InstanceID != e.inst {
				t.Fatalf("instance %s", r.env.InstanceID)
			}
			if r.env.Type != contact.RecordType {
				if r.env.Data.ContactID != id || r.env.Data.Contact == nil {
					t.Fatalf("event data %+v", r.env.Data)
				}
				types = append(types, r.env.Type)
			}
		}
		if !slices.Equal(types, lifecycle) {
			t.Fatalf("events %v, want %v", types, lifecycle)
		}
	})
}

// The receiver fails each event's first two attempts. Every event still
// arrives, and a contact's event N+1 is never sent before N was accepted.
func TestFailedDeliveriesAreRetriedWithoutOvertakingWithinAContact(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		var (
			mu       sync.Mutex
			tries    = map[string]int{}      // event ID → attempts seen
			accepted = map[string][]string{} // contact → event types accepted, in order
			problems []string
		)
		rc := newReceiver(t, func(r request) int {
			mu.Lock()
			defer mu.Unlock()
			c := r.env.Data.ContactID
			if want := lifecycle[len(accepted[c])]; r.env.Type != want {
				problems = append(problems, fmt.Sprintf("contact %s: got %s while %s was not accepted yet", c, r.env.Type, want))
			}
			if n, _ := strconv.Atoi(r.header.Get(AttemptHeader)); n != tries[r.env.ID]+1 {
				problems = append(problems, fmt.Sprintf("attempt header %d after %d attempts", n, tries[r.env.ID]))
			}
			tries[r.env.ID]++
			if tries[r.env.ID] <= 2 {
				return http.StatusInternalServerError
			}
			accepted[c] = append(accepted[c], r.env.Type)
			return http.StatusOK
		})
		// Records come from another stream: leave them out of the order check.
		e.subscribe(t, &core.WebhookSubscription{Name: "events", URL: rc.URL, Internal: true, EventTypes: slices.Clone(lifecycle)})
		e.dispatcher(t, Options{Concurrency: 4})
		var ids []string
		for range 4 {
			ids = append(ids, e.lifecycle(t))
		}
		waitFor(t, 30*time.Second, "every event to be accepted", func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if len(accepted[id]) < len(lifecycle) {
					return false
				}
			}
			return true
		})
		// The outcome is stored after the receiver answered.
		var ds []store.WebhookDelivery
		waitFor(t, 10*time.Second, "every delivery to be stored as delivered", func() bool {
			var err error
			ds, _, err = e.st.ListWebhookDeliveries(context.Background(), store.WebhookDeliveryQuery{InstanceID: e.inst, Max: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Status != store.DeliveryDelivered {
					return false
				}
			}
			return len(ds) == len(ids)*len(lifecycle)
		})
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			t.Fatalf("%d problems, first: %s", len(problems), problems[0])
		}
		for id, n := range tries {
			if n != 3 {
				t.Fatalf("event %s tried %d times, want 3", id, n)
			}
		}
		for _, d := range ds {
			if d.Status != store.DeliveryDelivered || d.Attempts != 3 {
				t.Fatalf("delivery %s of %s: %s after %d attempts", d.ID, d.EventType, d.Status, d.Attempts)
			}
		}
	})
}

func TestSubscriptionsGetOnlyTheEventTypesTheyAskForWhileEnabled(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		completed, all, disabled := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		e.subscribe(t, &core.WebhookSubscription{Name: "completed", URL: completed.URL, Internal: true,
			EventTypes: []string{"COMPLETED", contact.RecordType}})
		e.subscribe(t, &core.WebhookSubscription{Name: "all", URL: all.URL, Internal: true})
		e.subscribe(t, &core.WebhookSubscription{Name: "off", URL: disabled.URL, Internal: true, Status: core.WebhookDisabled})
		// Another instance's subscription sees none of this instance's events.
		other := &core.Instance{Alias: "other-" + bustest.Prefix(t)}
		if err := e.st.CreateInstance(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		foreign := newReceiver(t, nil)
		if err := e.st.WebhookSubscriptions().Create(context.Background(), other.ID,
			&core.WebhookSubscription{Name: "foreign", URL: foreign.URL, Internal: true}); err != nil {
			t.Fatal(err)
		}
		e.dispatcher(t, Options{})
		e.lifecycle(t)
		e.lifecycle(t)
		waitFor(t, 20*time.Second, "all events", func() bool { return len(all.requests()) >= 2*(len(lifecycle)+1) })
		waitFor(t, 5*time.Second, "completed events", func() bool { return len(completed.requests()) >= 4 })
		time.Sleep(200 * time.Millisecond)
		var got []string
		for _, r := range completed.requests() {
			got = append(got, r.env.Type)
		}
		slices.Sort(got)
		if want := []string{"COMPLETED", "COMPLETED", contact.RecordType, contact.RecordType}; !slices.Equal(got, want) {
			t.Fatalf("filtered subscription got %v, want %v", got, want)
		}
		if n := len(all.requests()); n != 2*(len(lifecycle)+1) {
			t.Fatalf("unfiltered subscription got %d events", n)
		}
		if n := len(disabled.requests()) + len(foreign.requests()); n != 0 {
			t.Fatalf("disabled or foreign subscriptions got %d events", n)
		}
	})
}

func TestAGivenUpDeliveryIsDeadLetteredAndTheContactsNextEventsFollow(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		rc := newReceiver(t, func(r request) int {
			if r.env.Type == "QUEUED" {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		sub := e.subscribe(t, &core.WebhookSubscription{Name: "flaky", URL: rc.URL, Internal: true, EventTypes: slices.Clone(lifecycle)})
		e.dispatcher(t, Options{MaxAttempts: 3})
		e.lifecycle(t)
		waitFor(t, 20*time.Second, "the events after the dead letter", func() bool {
			reqs := rc.requests()
			return len(reqs) > 0 && reqs[len(reqs)-1].env.Type == "COMPLETED"
		})
		var types []string
		for _, r := range rc.requests() {
			types = append(types, r.env.Type)
		}
		want := []string{"INITIATED", "FLOW_STARTED", "QUEUED", "QUEUED", "QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED"}
		if !slices.Equal(types, want) {
			t.Fatalf("requests %v, want %v", types, want)
		}
		dead, _, err := e.st.ListWebhookDeliveries(context.Background(), store.WebhookDeliveryQuery{InstanceID: e.inst,
			SubscriptionID: sub.ID, Status: store.DeliveryFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) != 1 || dead[0].EventType != "QUEUED" || dead[0].Attempts != 3 || dead[0].LastStatus != 503 || dead[0].LastError == "" {
			t.Fatalf("dead letters %+v", dead)
		}
	})
}

func TestPrivateAddressesAreRefusedUnlessTheSubscriptionIsInternal(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		rc := newReceiver(t, nil)
		sub := e.subscribe(t, &core.WebhookSubscription{Name: "sneaky", URL: rc.URL, EventTypes: []string{"INITIATED"}})
		e.dispatcher(t, Options{})
		e.lifecycle(t)
		var dead []store.WebhookDelivery
		waitFor(t, 20*time.Second, "the delivery to be given up", func() bool {
			var err error
			dead, _, err = e.st.ListWebhookDeliveries(context.Background(), store.WebhookDeliveryQuery{InstanceID: e.inst,
				SubscriptionID: sub.ID, Status: store.DeliveryFailed})
			return err == nil && len(dead) == 1
		})
		if dead[0].Attempts != 1 || dead[0].LastStatus != 0 {
			t.Fatalf("a refused address was retried: %+v", dead[0])
		}
		if len(rc.requests()) != 0 {
			t.Fatal("the loopback receiver was reached")
		}
	})
}

// Deliveries queued when the dispatcher stops go out when the next one
// starts, and the bus position is kept: nothing is delivered twice.
func TestPendingDeliveriesSurviveADispatcherRestart(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		var down atomic.Bool
		down.Store(true)
		rc := newReceiver(t, func(request) int {
			if down.Load() {
				return http.StatusBadGateway
			}
			return http.StatusOK
		})
		e.subscribe(t, &core.WebhookSubscription{Name: "later", URL: rc.URL, Internal: true, EventTypes: slices.Clone(lifecycle)})
		_, stop := e.dispatcher(t, Options{MinBackoff: time.Hour, MaxBackoff: time.Hour})
		e.lifecycle(t)
		waitFor(t, 20*time.Second, "the first attempt", func() bool { return len(rc.requests()) == 1 })
		stop()
		down.Store(false)
		// The failed first attempt waits an hour: make it due now.
		ds, _, err := e.st.ListWebhookDeliveries(context.Background(), store.WebhookDeliveryQuery{InstanceID: e.inst})
		if err != nil {
			t.Fatal(err)
		}
		for i := range ds {
			ds[i].NextAttemptAt = time.Now()
			if err := e.st.SaveWebhookDelivery(context.Background(), &ds[i]); err != nil {
				t.Fatal(err)
			}
		}
		e.dispatcher(t, Options{})
		// An event the first dispatcher had received but not acknowledged
		// when it stopped comes back after the consumer's AckWait (10 s).
		waitFor(t, 30*time.Second, "every event", func() bool { return len(rc.requests()) >= len(lifecycle)+1 })
		time.Sleep(200 * time.Millisecond)
		var types []string
		for _, r := range rc.requests()[1:] {
			types = append(types, r.env.Type)
		}
		if !slices.Equal(types, lifecycle) {
			t.Fatalf("after the restart: %v, want %v", types, lifecycle)
		}
	})
}
