package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/function"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Request headers of a delivery, besides function.TimestampHeader and
// function.SignatureHeader.
const (
	EventIDHeader    = "X-Switchboard-Event-Id"
	EventTypeHeader  = "X-Switchboard-Event-Type"
	DeliveryHeader   = "X-Switchboard-Delivery-Id"
	AttemptHeader    = "X-Switchboard-Delivery-Attempt"
	maxResponseBytes = 64 << 10
)

// Defaults of Options.
const (
	DefaultMaxAttempts        = 8
	DefaultMinBackoff         = 2 * time.Second
	DefaultMaxBackoff         = 10 * time.Minute
	DefaultTimeout            = 10 * time.Second
	DefaultConcurrency        = 16
	DefaultPoll               = time.Second
	DefaultCacheTTL           = 5 * time.Second
	DefaultDeliveredRetention = 24 * time.Hour
	DefaultFailedRetention    = 7 * 24 * time.Hour
	DefaultDurable            = "webhooks"
)

// Options configure a Dispatcher. The zero value works.
type Options struct {
	Logger *slog.Logger
	// Durable prefixes the names of the bus consumers ("<Durable>-contact",
	// "-agent", "-record"). Processes with the same prefix share the
	// consumers' positions.
	Durable string
	// MaxAttempts caps the attempts per delivery; the last failure makes it
	// a dead letter (status FAILED).
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a retry: MinBackoff
	// doubled per failed attempt, capped at MaxBackoff, then jittered down
	// to as little as half.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one attempt, response included.
	Timeout time.Duration
	// Concurrency bounds the requests in flight (each to a different
	// subscription or contact: one contact's events go one at a time).
	Concurrency int
	// Poll is how often the queue is read when nothing else wakes the
	// dispatcher (deliveries enqueued by other processes).
	Poll time.Duration
	// CacheTTL is how long a list of subscriptions is reused to route events.
	CacheTTL time.Duration
	// DeliveredRetention and FailedRetention are how long finished
	// deliveries are kept in the store.
	DeliveredRetention time.Duration
	FailedRetention    time.Duration
	// Version goes into the User-Agent, "Switchboard/<Version>".
	Version    string
	Registerer prometheus.Registerer
}

// Dispatcher delivers the bus's contact events, agent events and contact
// records to the webhook subscriptions of their instance. Events are first
// queued in the store (webhook_deliveries), one row per subscription, then
// POSTed; a contact's (or agent's) events reach each subscription one at a
// time, in the order of the bus. See the package documentation.
type Dispatcher struct {
	st       *store.Store
	b        *bus.Bus
	log      *slog.Logger
	opts     Options
	public   *http.Client
	internal *http.Client
	kickCh   chan struct{}
	metrics  *prometheus.CounterVec

	mu    sync.Mutex
	cache map[string]cachedSubs // by instance ID
}

type cachedSubs struct {
	subs []*core.WebhookSubscription
	at   time.Time
}

// New returns a Dispatcher. Call Run.
func New(st *store.Store, b *bus.Bus, opts Options) *Dispatcher {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Durable == "" {
		opts.Durable = DefaultDurable
	}
	setDefault(&opts.MaxAttempts, DefaultMaxAttempts)
	setDefault(&opts.MinBackoff, DefaultMinBackoff)
	setDefault(&opts.MaxBackoff, DefaultMaxBackoff)
	setDefault(&opts.Timeout, DefaultTimeout)
	setDefault(&opts.Concurrency, DefaultConcurrency)
	setDefault(&opts.Poll, DefaultPoll)
	setDefault(&opts.CacheTTL, DefaultCacheTTL)
	setDefault(&opts.DeliveredRetention, DefaultDeliveredRetention)
	setDefault(&opts.FailedRetention, DefaultFailedRetention)
	if opts.Version == "" {
		opts.Version = "dev"
	}
	d := &Dispatcher{
		st: st, b: b, opts: opts,
		log:      opts.Logger.With("component", "webhooks"),
		public:   newClient(control, opts.Timeout),
		internal: newClient(nil, opts.Timeout),
		kickCh:   make(chan struct{}, 1),
		cache:    map[string]cachedSubs{},
		metrics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_webhook_attempts_total",
			Help: "Webhook delivery attempts, by result (delivered, retry, failed).",
		}, []string{"result"}),
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(d.metrics); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				if c, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
					d.metrics = c
				}
			}
		}
	}
	return d
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// newClient returns a client with its own connection pool that follows no
// redirects; control, when set, vets every address before connecting.
func newClient(ctl func(context.Context, string, string, syscall.RawConn) error, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, ControlContext: ctl}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // the guard must see the receiver's address, not a proxy's
			DialContext:         dialer.DialContext,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: timeout,
		},
		// A 3xx is a failed delivery: following it would send the event
		// and its signature elsewhere (307/308) or drop the body (301-303).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run consumes the bus and delivers until ctx is done, then waits for the
// requests in flight and returns nil. Deliveries interrupted by the stop
// are retried by the next Run. It fails only if it cannot subscribe.
func (d *Dispatcher) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var subs []*bus.Subscription
	defer func() {
		for _, s := range subs {
			s.Stop()
		}
	}()
	for _, s := range []struct {
		stream bus.Stream
		name   string
	}{{bus.ContactEvents, "contact"}, {bus.AgentEvents, "agent"}, {bus.ContactRecords, "record"}} {
		// One event in flight per stream: an event redelivered (its
		// subscriber stopped before acknowledging it) still comes before
		// the ones behind it. The handler only queues, so this costs a
		// round trip per event, not a delivery.
		sub, err := bus.Subscribe(ctx, d.b, s.stream, bus.SubscribeOptions{
			Durable: d.opts.Durable + "-" + s.name, MaxDeliver: 100, RetryDelay: time.Second,
			AckWait: 10 * time.Second, MaxAckPending: 1,
		}, d.enqueue)
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopped while starting
			}
			return fmt.Errorf("webhooks: %w", err)
		}
		subs = append(subs, sub)
	}
	d.work(ctx)
	return nil
}

// kick wakes the delivery loop.
func (d *Dispatcher) kick() {
	select {
	case d.kickCh <- struct{}{}:
	default:
	}
}

// enqueue is the bus handler: it queues the event for every subscription of
// its instance that wants it. It retries store failures itself rather than
// fail the event: the bus would redeliver a failed event after the ones
// behind it, breaking the order of a contact's events.
func (d *Dispatcher) enqueue(ctx context.Context, env bus.Envelope[json.RawMessage]) error {
	var backoff time.Duration
	for {
		// Not cancelled with ctx: an insert under way when the dispatcher
		// stops completes, and the event is acknowledged.
		ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.Timeout)
		err := d.enqueue1(ictx, env)
		cancel()
		if err == nil {
			return nil
		}
		backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
		d.log.Warn("webhooks: queue event; will retry", "event", env.ID, "type", env.Type, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
	}
}

func (d *Dispatcher) enqueue1(ctx context.Context, env bus.Envelope[json.RawMessage]) error {
	subs, err := d.subscriptions(ctx, env.InstanceID)
	if err != nil {
		return err
	}
	var ds []store.WebhookDelivery
	var body []byte
	for _, s := range subs {
		// A subscription gets the events that happen after it was made,
		// even when the dispatcher is catching up on older ones.
		if !s.Wants(env.Type) || env.Time.Before(s.CreatedAt) {
			continue
		}
		if body == nil {
			if body, err = json.Marshal(env); err != nil {
				return fmt.Errorf("encode event %s: %w", env.ID, err)
			}
		}
		ds = append(ds, store.WebhookDelivery{SubscriptionID: s.ID, InstanceID: env.InstanceID, EventID: env.ID,
			EventType: env.Type, OrderKey: orderKey(env.Data), Payload: body})
	}
	if len(ds) == 0 {
		return nil
	}
	n, err := d.st.EnqueueWebhookDeliveries(ctx, ds)
	if err != nil {
		return err
	}
	if n > 0 {
		d.kick()
	}
	return nil
}

// orderKey is what a delivery is ordered by: the contact of a contact event
// or record, the agent of an agent event; "" (all in one line) for events
// that name neither.
func orderKey(data json.RawMessage) string {
	var k struct {
		ContactID string `json:"contactId"` // contact events
		AgentID   string `json:"agentId"`   // agent events
		ID        string `json:"id"`        // contact records
		Channel   string `json:"channel"`   // present in records
	}
	_ = json.Unmarshal(data, &k) // a payload that is not an object has no key
	switch {
	case k.ContactID != "":
		return "contact:" + k.ContactID
	case k.AgentID != "":
		return "agent:" + k.AgentID
	case k.ID != "" && k.Channel != "":
		return "contact:" + k.ID
	}
	return ""
}

// subscriptions returns the instance's subscriptions, from a cache that is
// at most CacheTTL old.
func (d *Dispatcher) subscriptions(ctx context.Context, instanceID string) ([]*core.WebhookSubscription, error) {
	d.mu.Lock()
	c, ok := d.cache[instanceID]
	d.mu.Unlock()
	if ok && time.Since(c.at) < d.opts.CacheTTL {
		return c.subs, nil
	}
	subs, err := d.st.WebhookSubscriptions().All(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("webhook subscriptions of %s: %w", instanceID, err)
	}
	d.mu.Lock()
	d.cache[instanceID] = cachedSubs{subs: subs, at: time.Now()}
	d.mu.Unlock()
	return subs, nil
}

// work runs the delivery loop until ctx is done.
func (d *Dispatcher) work(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, d.opts.Concurrency)
	var lastPurge time.Time
	for ctx.Err() == nil {
		if time.Since(lastPurge) > time.Minute {
			lastPurge = time.Now()
			d.purge(ctx)
		}
		due, err := d.st.DueWebhookDeliveries(ctx, time.Now(), 2*d.opts.Concurrency)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("webhooks: read the delivery queue", "err", err)
		}
	start:
		for _, del := range due {
			select {
			case sem <- struct{}{}:
			default:
				break start // all workers busy: one finishing kicks the loop
			}
			claimed, err := d.st.ClaimWebhookDelivery(ctx, &del, time.Now().Add(d.opts.Timeout+30*time.Second))
			if err != nil || !claimed {
				<-sem
				if err != nil && ctx.Err() == nil {
					d.log.Warn("webhooks: claim a delivery", "id", del.ID, "err", err)
				}
				continue
			}
			wg.Go(func() {
				defer func() { <-sem; d.kick() }()
				d.attempt(ctx, del)
			})
		}
		wait := d.opts.Poll
		if next, ok, err := d.st.NextWebhookAttempt(ctx); err == nil && ok {
			wait = min(wait, max(time.Until(next), 5*time.Millisecond))
		}
		select {
		case <-ctx.Done():
		case <-d.kickCh:
		case <-time.After(wait):
		}
	}
}

func (d *Dispatcher) purge(ctx context.Context) {
	for status, keep := range map[string]time.Duration{store.DeliveryDelivered: d.opts.DeliveredRetention, store.DeliveryFailed: d.opts.FailedRetention} {
		if _, err := d.st.PurgeWebhookDeliveries(ctx, status, time.Now().Add(-keep)); err != nil && ctx.Err() == nil {
			d.log.Warn("webhooks: purge finished deliveries", "status", status, "err", err)
		}
	}
}

// attempt makes one attempt of a claimed delivery and stores its outcome.
func (d *Dispatcher) attempt(ctx context.Context, del store.WebhookDelivery) {
	log := d.log.With("delivery", del.ID, "subscription", del.SubscriptionID, "event", del.EventID,
		"type", del.EventType, "attempt", del.Attempts)
	sub, err := d.st.WebhookSubscriptions().Get(ctx, del.InstanceID, del.SubscriptionID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return // deleted: its deliveries went with it
	case err != nil:
		d.release(ctx, &del, log, err)
		return
	}
	var (
		status     int
		retryAfter time.Duration
		final      bool
	)
	if sub.Status != core.WebhookEnabled {
		err, final = errors.New("the subscription is disabled"), true
	} else {
		status, retryAfter, err = d.post(ctx, sub, &del)
		var blocked *errBlocked
		final = errors.As(err, &blocked)
	}
	if err != nil && ctx.Err() != nil {
		d.release(ctx, &del, log, err) // stopping: not the receiver's fault
		return
	}
	del.LastStatus = status
	switch {
	case err == nil:
		del.Status, del.LastError = store.DeliveryDelivered, ""
		d.metrics.WithLabelValues("delivered").Inc()
		log.Debug("webhooks: delivered", "status", status)
	case final || del.Attempts >= d.opts.MaxAttempts:
		del.Status, del.LastError = store.DeliveryFailed, err.Error()
		d.metrics.WithLabelValues("failed").Inc()
		// The dead letter stays in the store (status FAILED) for
		// FailedRetention; the next event for the same contact goes out.
		log.Error("webhooks: delivery given up", "status", status, "err", err, "url", redact(sub.URL))
	default:
		wait := max(d.backoff(del.Attempts), min(retryAfter, d.opts.MaxBackoff))
		del.LastError, del.NextAttemptAt = err.Error(), time.Now().Add(wait)
		d.metrics.WithLabelValues("retry").Inc()
		log.Warn("webhooks: delivery failed; will retry", "status", status, "err", err, "retry_in", wait)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.st.SaveWebhookDelivery(sctx, &del); err != nil {
		// The claim expires and the delivery is attempted again.
		log.Warn("webhooks: save delivery outcome", "err", err)
	}
}

// release hands a claimed delivery back untried, for an attempt at once.
func (d *Dispatcher) release(ctx context.Context, del *store.WebhookDelivery, log *slog.Logger, cause error) {
	del.Attempts--
	del.NextAttemptAt = time.Now()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.st.SaveWebhookDelivery(sctx, del); err != nil {
		log.Warn("webhooks: release delivery", "err", err, "cause", cause)
	}
}

// backoff is the wait after the given number of failed attempts: MinBackoff
// doubled per attempt, capped, with jitter in [half, full].
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.opts.MinBackoff << min(max(attempts-1, 0), 30)
	if b <= 0 || b > d.opts.MaxBackoff {
		b = d.opts.MaxBackoff
	}
	return b/2 + rand.N(b/2+1)
}

// post sends one delivery. It returns the response status (0 if none) and
// the Retry-After the receiver asked for.
func (d *Dispatcher) post(ctx context.Context, sub *core.WebhookSubscription, del *store.WebhookDelivery) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(del.Payload))
	if err != nil {
		return 0, 0, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard/"+d.opts.Version)
	req.Header.Set(EventIDHeader, del.EventID)
	req.Header.Set(EventTypeHeader, del.EventType)
	req.Header.Set(DeliveryHeader, del.ID)
	req.Header.Set(AttemptHeader, strconv.Itoa(del.Attempts))
	if sub.Secret != "" {
		ts := time.Now().Unix()
		req.Header.Set(function.TimestampHeader, strconv.FormatInt(ts, 10))
		req.Header.Set(function.SignatureHeader, function.Sign(sub.Secret, ts, del.Payload))
	}
	client := d.public
	if sub.Internal {
		client = d.internal
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, scrub(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, nil
	}
	var retryAfter time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, retryAfter, fmt.Errorf("receiver answered %s", resp.Status)
}

// scrub drops the URL (it may carry a token in its query) from a client
// error, keeping the cause.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// redact is a URL fit for logs: no query, no credentials.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}
