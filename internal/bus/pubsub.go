package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Subscription defaults.
const (
	DefaultMaxDeliver = 5
	DefaultRetryDelay = time.Second
	DefaultAckWait    = 30 * time.Second
	maxRetryDelay     = time.Minute
	// ephemeralInactive is how long the server keeps an ephemeral consumer
	// whose subscriber went away (e.g. during a reconnect).
	ephemeralInactive = time.Minute
)

// Envelope is the JSON wrapper of every event on the bus.
type Envelope[T any] struct {
	ID         string    `json:"id"`          // unique event ID (UUIDv7), also the JetStream deduplication ID
	Type       string    `json:"type"`        // event type, the last subject token
	InstanceID string    `json:"instance_id"` // contact center instance, a subject token
	Time       time.Time `json:"time"`        // when the event happened (UTC)
	Data       T         `json:"data"`        // event payload
}

// Publish publishes data as a new event of the given instance and type on
// stream s and waits for JetStream to store it. It returns the envelope
// sent, with its ID and Time filled in.
func Publish[T any](ctx context.Context, b *Bus, s Stream, instanceID, eventType string, data T) (Envelope[T], error) {
	return PublishEnvelope(ctx, b, s, Envelope[T]{Type: eventType, InstanceID: instanceID, Data: data})
}

// PublishEnvelope publishes env on stream s. An empty ID is filled with a
// new UUIDv7 and a zero Time with the current time. Publishing an envelope
// whose ID was already published within the stream's two-minute duplicate
// window is a no-op, which makes retries safe.
func PublishEnvelope[T any](ctx context.Context, b *Bus, s Stream, env Envelope[T]) (Envelope[T], error) {
	subject, err := b.Subject(s, env.InstanceID, env.Type)
	if err != nil {
		return env, err
	}
	if env.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return env, fmt.Errorf("bus: publish %s: event ID: %w", subject, err)
		}
		env.ID = id.String()
	}
	if env.Time.IsZero() {
		env.Time = time.Now().UTC()
	}
	payload, err := json.Marshal(env)
	if err != nil {
		return env, fmt.Errorf("bus: publish %s: encode: %w", subject, err)
	}
	start := time.Now()
	msg := &nats.Msg{Subject: subject, Data: payload}
	stream := b.StreamName(s)
	var ack *jetstream.PubAck
	err = retry(ctx, "publish "+subject, func(ctx context.Context) error {
		var err error
		ack, err = b.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.ID), jetstream.WithExpectStream(stream))
		return err
	})
	b.metrics.publishTime.Observe(time.Since(start).Seconds())
	if err != nil {
		b.metrics.publishErrors.WithLabelValues(s.name).Inc()
		return env, err
	}
	b.metrics.published.WithLabelValues(s.name).Inc()
	if ack.Duplicate {
		b.log.Debug("bus: duplicate event ignored", "subject", subject, "id", env.ID)
	}
	return env, nil
}

// SubscribeOptions selects and tunes what a subscription receives.
type SubscribeOptions struct {
	// Durable names a durable consumer that remembers its position across
	// restarts (letters, digits, '-', '_'). Empty means an ephemeral
	// consumer, deleted on Stop.
	Durable string
	// InstanceID only delivers events of this instance; "" means all.
	InstanceID string
	// Types only delivers events of these types; empty means all.
	Types []string
	// DeliverNew starts at new events instead of the start of the stream.
	// It only applies when the consumer is created.
	DeliverNew bool
	// MaxDeliver is how many times an event is delivered before it is
	// given up (terminated and logged). 0 means DefaultMaxDeliver.
	MaxDeliver int
	// RetryDelay is the redelivery delay after the first handler error,
	// doubled on each further error (capped at one minute). 0 means
	// DefaultRetryDelay.
	RetryDelay time.Duration
	// AckWait is how long the handler may take before the event is
	// redelivered. 0 means DefaultAckWait.
	AckWait time.Duration
	// MaxAckPending bounds the events delivered and not yet acknowledged;
	// 0 means the server's default (1000). 1 keeps strict stream order
	// even when an event has to be redelivered (after a handler error or a
	// subscriber that went away): nothing behind it is delivered meanwhile.
	MaxAckPending int
}

// Subscription is a running consumer created by Subscribe.
type Subscription struct {
	b         *Bus
	stream    string
	consumer  string
	ephemeral bool
	log       *slog.Logger
	cancel    context.CancelFunc

	mu       sync.Mutex
	stopped  bool
	inflight sync.WaitGroup
	cc       jetstream.ConsumeContext

	stopOnce sync.Once
	stopCtx  func() bool
}

// Subscribe delivers the events of stream s selected by opts to handler,
// one at a time in stream order, until Stop is called or ctx is done.
//
// Delivery is at least once, so handlers must be idempotent. A nil error
// acknowledges the event. An error makes it redelivered after a backoff,
// up to MaxDeliver deliveries, after which it is logged and dropped. An
// event whose payload does not decode into Envelope[T] is logged and
// terminated. The handler's context is cancelled on Stop.
func Subscribe[T any](ctx context.Context, b *Bus, s Stream, opts SubscribeOptions, handler func(context.Context, Envelope[T]) error) (*Subscription, error) {
	if handler == nil {
		return nil, errors.New("bus: subscribe: nil handler")
	}
	if err := validateStream(s); err != nil {
		return nil, err
	}
	if opts.Durable != "" && !isName(opts.Durable) {
		return nil, fmt.Errorf("bus: invalid durable name %q: use letters, digits, '-' and '_'", opts.Durable)
	}
	if opts.MaxDeliver < 0 || opts.RetryDelay < 0 || opts.AckWait < 0 || opts.MaxAckPending < 0 {
		return nil, errors.New("bus: subscribe: MaxDeliver, RetryDelay, AckWait and MaxAckPending must not be negative")
	}
	if opts.MaxDeliver == 0 {
		opts.MaxDeliver = DefaultMaxDeliver
	}
	if opts.RetryDelay == 0 {
		opts.RetryDelay = DefaultRetryDelay
	}
	if opts.AckWait == 0 {
		opts.AckWait = DefaultAckWait
	}
	filters, err := b.filters(s, opts.InstanceID, opts.Types)
	if err != nil {
		return nil, err
	}
	ccfg := jetstream.ConsumerConfig{
		Durable:       opts.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       opts.AckWait,
		MaxDeliver:    opts.MaxDeliver,
		MaxAckPending: opts.MaxAckPending,
	}
	if opts.DeliverNew {
		ccfg.DeliverPolicy = jetstream.DeliverNewPolicy
	}
	if len(filters) == 1 {
		ccfg.FilterSubject = filters[0]
	} else {
		ccfg.FilterSubjects = filters
	}
	if opts.Durable == "" {
		ccfg.InactiveThreshold = ephemeralInactive
	}
	stream := b.StreamName(s)
	var onlyTypes []string // client-side type filter, for servers before 2.10
	create := func() (cons jetstream.Consumer, err error) {
		err = retry(ctx, "subscribe "+stream, func(ctx context.Context) error {
			var err error
			if opts.Durable != "" {
				cons, err = b.js.CreateOrUpdateConsumer(ctx, stream, ccfg)
			} else {
				cons, err = b.js.CreateConsumer(ctx, stream, ccfg)
			}
			return err
		})
		return cons, err
	}
	cons, err := create()
	if errors.Is(err, jetstream.ErrConsumerMultipleFilterSubjectsNotSupported) {
		// NATS < 2.10 takes a single filter: select the instance on the
		// server and the types here.
		b.log.Debug("bus: server lacks multiple consumer filters; filtering event types in the client",
			"server_version", b.nc.ConnectedServerVersion())
		ccfg.FilterSubjects = nil
		ccfg.FilterSubject, _ = strings.CutSuffix(filters[0], "."+opts.Types[0])
		ccfg.FilterSubject += ".*"
		onlyTypes = opts.Types
		cons, err = create()
	}
	if err != nil {
		return nil, err
	}

	hctx, cancel := context.WithCancel(ctx)
	sub := &Subscription{
		b:         b,
		stream:    stream,
		consumer:  cons.CachedInfo().Name,
		ephemeral: opts.Durable == "",
		cancel:    cancel,
	}
	sub.log = b.log.With("stream", stream, "consumer", sub.consumer)
	h := &msgHandler[T]{sub: sub, ctx: hctx, stream: s.name, opts: opts, onlyTypes: onlyTypes, handler: handler}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	sub.cc, err = cons.Consume(h.handle, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		sub.log.Warn("bus: consumer error", "err", err)
	}))
	if err != nil {
		cancel()
		sub.deleteEphemeral()
		return nil, fmt.Errorf("bus: subscribe %s: consume: %w", stream, err)
	}
	sub.stopCtx = context.AfterFunc(ctx, sub.Stop)
	return sub, nil
}

// filters builds the consumer subject filters for an instance and types.
func (b *Bus) filters(s Stream, instanceID string, types []string) ([]string, error) {
	inst := "*"
	if instanceID != "" {
		if err := validateToken("instance ID", instanceID); err != nil {
			return nil, err
		}
		inst = instanceID
	}
	base := b.cfg.Prefix + "." + s.token + "." + inst + "."
	if len(types) == 0 {
		if instanceID == "" {
			return []string{b.SubjectFilter(s)}, nil
		}
		return []string{base + "*"}, nil
	}
	var out []string
	for _, t := range types {
		if err := validateToken("event type", t); err != nil {
			return nil, err
		}
		if f := base + t; !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// enter registers an in-flight handler call; false once stopping.
func (s *Subscription) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.inflight.Add(1)
	return true
}

// Stop stops delivery, cancels the handler's context and waits for a
// running handler to return. Events received but not yet handled are
// handed back to the server for redelivery. An ephemeral consumer is deleted; a durable one
// keeps its position, and unacknowledged events are delivered again to the
// next subscription with the same Durable name. Stop is idempotent and must
// not be called from within the handler.
func (s *Subscription) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		cc, stopCtx := s.cc, s.stopCtx
		s.mu.Unlock()
		if stopCtx != nil {
			stopCtx()
		}
		s.cancel()
		if cc != nil {
			// Drain rather than Stop: events already buffered in the client
			// are passed to handle, which naks them at once, instead of
			// being dropped and redelivered only after AckWait.
			cc.Drain()
			select {
			case <-cc.Closed():
			case <-time.After(drainTimeout):
				s.log.Warn("bus: timed out draining subscription")
				cc.Stop()
			}
		}
		s.inflight.Wait()
		s.deleteEphemeral()
	})
}

func (s *Subscription) deleteEphemeral() {
	if !s.ephemeral || s.b.isClosing() || s.b.nc.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.b.js.DeleteConsumer(ctx, s.stream, s.consumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		s.log.Warn("bus: delete ephemeral consumer (the server removes it when inactive)", "err", err)
	}
}

// msgHandler decodes and dispatches the messages of one subscription.
type msgHandler[T any] struct {
	sub    *Subscription
	ctx    context.Context
	stream string
	opts   SubscribeOptions
	// onlyTypes, when set, restricts the event types handled (the
	// consumer's server-side filter could not express it).
	onlyTypes []string
	handler   func(context.Context, Envelope[T]) error
}

func (h *msgHandler[T]) handle(msg jetstream.Msg) {
	log := h.sub.log
	if !h.sub.enter() {
		// Stopping: hand the event back at once for the next subscriber.
		if err := msg.Nak(); err != nil {
			log.Debug("bus: nak on stop", "subject", msg.Subject(), "err", err)
		}
		return
	}
	defer h.sub.inflight.Done()

	if len(h.onlyTypes) > 0 {
		subj := msg.Subject()
		if !slices.Contains(h.onlyTypes, subj[strings.LastIndexByte(subj, '.')+1:]) {
			if err := msg.Ack(); err != nil {
				log.Debug("bus: ack filtered event", "subject", subj, "err", err)
			}
			return
		}
	}

	var delivered uint64 = 1
	var seq uint64
	if meta, err := msg.Metadata(); err == nil {
		delivered, seq = meta.NumDelivered, meta.Sequence.Stream
	}
	log = log.With("subject", msg.Subject(), "seq", seq, "delivered", delivered)

	// Plain Term, not TermWithReason: servers before 2.10 ignore the latter.
	// The reason is in our log.
	env, err := decode[T](msg)
	if err != nil {
		log.Error("bus: dropping undecodable event", "err", err, "payload", truncate(msg.Data(), 256))
		h.result(resultInvalid)
		if err := msg.Term(); err != nil {
			log.Warn("bus: term undecodable event", "err", err)
		}
		return
	}

	if err := h.call(env); err != nil {
		log = log.With("id", env.ID, "type", env.Type, "err", err)
		if delivered >= uint64(h.opts.MaxDeliver) {
			log.Error("bus: event handler failed on last delivery; giving up")
			h.result(resultFailed)
			if err := msg.Term(); err != nil {
				log.Warn("bus: term failed event", "term_err", err)
			}
			return
		}
		delay := h.opts.RetryDelay << min(delivered-1, 16)
		delay = min(delay, maxRetryDelay)
		log.Warn("bus: event handler failed; will retry", "retry_in", delay)
		h.result(resultRetry)
		if err := msg.NakWithDelay(delay); err != nil {
			log.Warn("bus: nak event", "nak_err", err)
		}
		return
	}
	h.result(resultOK)
	if err := msg.Ack(); err != nil {
		log.Warn("bus: ack event (it may be redelivered)", "id", env.ID, "err", err)
	}
}

// call runs the handler, turning a panic into an error.
func (h *msgHandler[T]) call(env Envelope[T]) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return h.handler(h.ctx, env)
}

func (h *msgHandler[T]) result(r string) {
	h.sub.b.metrics.handled.WithLabelValues(h.stream, r).Inc()
}

// decode parses an envelope, filling InstanceID and Type from the subject
// when they are missing.
func decode[T any](msg jetstream.Msg) (Envelope[T], error) {
	var env Envelope[T]
	if err := json.Unmarshal(msg.Data(), &env); err != nil {
		return env, fmt.Errorf("decode envelope: %w", err)
	}
	// <prefix>.<token>.<instanceID>.<eventType>
	if parts := strings.Split(msg.Subject(), "."); len(parts) == 4 {
		if env.InstanceID == "" {
			env.InstanceID = parts[2]
		}
		if env.Type == "" {
			env.Type = parts[3]
		}
	}
	if env.ID == "" {
		env.ID = msg.Headers().Get(jetstream.MsgIDHeader)
	}
	return env, nil
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
