package routing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config.
const (
	DefaultOfferTimeout  = 20 * time.Second
	DefaultRejectBackoff = 30 * time.Second
)

// Config configures a Router.
type Config struct {
	// InstanceID is copied into every event.
	InstanceID string
	// Sink receives events; nil drops them.
	Sink Sink
	// Clock is the time source; nil means the system clock.
	Clock Clock
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
	// OfferTimeout is how long an agent has to accept an offer before it is
	// missed; 0 means DefaultOfferTimeout.
	OfferTimeout time.Duration
	// RejectBackoff is how long a rejected contact is not offered to the
	// agent who rejected it; 0 means DefaultRejectBackoff.
	RejectBackoff time.Duration
	// CustomStatuses are the instance's unavailable statuses ("Lunch", ...);
	// SetCustomStatuses replaces them at run time.
	CustomStatuses []string
}

// Router is the ACD of one instance. Create it with New, start Run in a
// goroutine, then call its methods from any goroutine: each method is a
// command executed by Run's loop, in arrival order, and returns once done.
// Events produced by a command are handed to the Sink after the command
// (use Sync to wait for them).
type Router struct {
	cfg   Config
	clock Clock
	log   *slog.Logger
	disp  *dispatcher

	cmds    chan command
	done    chan struct{} // closed when Run has returned
	running atomic.Bool

	stats atomic.Pointer[statsTable] // read by Metrics from any goroutine

	// pos indexes the contacts counted in lines for Position, read from any
	// goroutine; the loop changes it and the lines' order trees under posMu.
	posMu sync.RWMutex
	pos   map[string]*posEntry

	// Everything below is owned by the Run goroutine.
	now       time.Time // time of the command or timer being processed
	custom    []string
	queues    map[string]*queue
	profiles  map[string]*profile
	agents    map[string]*agent
	contacts  map[string]*contact
	lines     map[lineKey]*line
	qcIndex   map[lineKey][]profileRef // queue×channel → profiles serving it
	timers    iheap[*timer]
	armed     time.Time // when the clock timer is set to fire; zero: not armed
	nextSeq   uint64    // tie-breaker for contacts and timers
	eventSeq  uint64
	events    []Event // produced by the current command, flushed after it
	scratchIn []contrib
}

type command struct {
	fn    func() error
	reply chan error
}

// New returns a router with no queues, profiles, agents or contacts.
func New(cfg Config) *Router {
	if cfg.OfferTimeout <= 0 {
		cfg.OfferTimeout = DefaultOfferTimeout
	}
	if cfg.RejectBackoff <= 0 {
		cfg.RejectBackoff = DefaultRejectBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Router{
		cfg:   cfg,
		clock: cfg.Clock,
		log:   cfg.Logger.With("component", "routing", "instance", cfg.InstanceID),
		disp:  newDispatcher(cfg.Sink),
		cmds:  make(chan command, 64),
		done:  make(chan struct{}),
	}
	if r.clock == nil {
		r.clock = systemClock{}
	}
	r.reset()
	r.custom = append([]string(nil), cfg.CustomStatuses...)
	return r
}

// reset empties the loop-owned state and the metrics.
func (r *Router) reset() {
	r.queues = map[string]*queue{}
	r.profiles = map[string]*profile{}
	r.agents = map[string]*agent{}
	r.contacts = map[string]*contact{}
	r.lines = map[lineKey]*line{}
	r.qcIndex = map[lineKey][]profileRef{}
	r.timers = iheap[*timer]{
		less: func(a, b *timer) bool {
			if !a.at.Equal(b.at) {
				return a.at.Before(b.at)
			}
			return a.seq < b.seq
		},
		setIndex: func(t *timer, i int) { t.idx = i },
	}
	r.armed = time.Time{}
	r.stats.Store(newStatsTable())
	r.posMu.Lock()
	r.pos = map[string]*posEntry{}
	r.posMu.Unlock()
}

// Run runs the router's loop until ctx is done. It returns nil then, or
// ErrAlreadyRunning if called twice. After Run returns, every method
// returns ErrStopped; events already produced are delivered first.
func (r *Router) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	stopDisp := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { r.disp.run(stopDisp) })
	defer func() {
		close(stopDisp)
		wg.Wait()
		close(r.done)
	}()

	t := r.clock.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		r.now = r.clock.Now()
		r.fireDue()
		r.flush()
		r.arm(t)
		select {
		case <-ctx.Done():
			return nil
		case c := <-r.cmds:
			r.now = r.clock.Now()
			r.fireDue() // timers due before the command take effect first
			err := c.fn()
			r.flush()
			c.reply <- err
		case <-t.C():
			r.armed = time.Time{}
		}
	}
}

// arm sets the clock timer for the earliest pending timer.
func (r *Router) arm(t Timer) {
	top, ok := r.timers.peek()
	if !ok {
		if !r.armed.IsZero() {
			t.Stop()
			r.armed = time.Time{}
		}
		return
	}
	if r.armed.Equal(top.at) {
		return
	}
	r.armed = top.at
	t.Reset(top.at.Sub(r.clock.Now()))
}

// do runs fn on the loop and returns its error. Once the loop has taken
// the command it always runs it, so do waits for the result even if ctx is
// cancelled meanwhile (commands take microseconds).
func (r *Router) do(ctx context.Context, fn func() error) error {
	c := command{fn: fn, reply: make(chan error, 1)}
	select {
	case r.cmds <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return ErrStopped
	}
	select {
	case err := <-c.reply:
		return err
	case <-r.done:
		select {
		case err := <-c.reply:
			return err
		default:
			return ErrStopped
		}
	}
}

// emit records an event of the current command.
func (r *Router) emit(e Event) {
	r.eventSeq++
	e.Seq = r.eventSeq
	e.Time = r.now
	e.InstanceID = r.cfg.InstanceID
	r.events = append(r.events, e)
}

// flush hands the current command's events to the dispatcher.
func (r *Router) flush() {
	if len(r.events) == 0 {
		return
	}
	r.disp.enqueue(r.events)
	r.events = r.events[:0]
}

// Sync waits until every event produced by commands that completed before
// the call has been delivered to the Sink.
func (r *Router) Sync(ctx context.Context) error {
	var seq uint64
	if err := r.do(ctx, func() error { seq = r.eventSeq; return nil }); err != nil {
		return err
	}
	return r.disp.waitDelivered(ctx, seq, r.done)
}

// --- configuration commands ---

// UpsertQueue adds a queue or replaces its settings. Contacts in it stay.
func (r *Router) UpsertQueue(ctx context.Context, q Queue) error {
	if err := q.validate(); err != nil {
		return err
	}
	return r.do(ctx, func() error { r.upsertQueue(q); return nil })
}

// RemoveQueue removes an empty queue. Profiles may keep naming it.
func (r *Router) RemoveQueue(ctx context.Context, id string) error {
	return r.do(ctx, func() error { return r.removeQueue(id) })
}

// UpsertProfile adds a routing profile or replaces it; its agents are
// re-evaluated at once (they may be offered contacts of new queues).
func (r *Router) UpsertProfile(ctx context.Context, p Profile) error {
	if err := p.validate(); err != nil {
		return err
	}
	return r.do(ctx, func() error { r.upsertProfile(p); return nil })
}

// RemoveProfile removes a profile no agent uses.
func (r *Router) RemoveProfile(ctx context.Context, id string) error {
	return r.do(ctx, func() error { return r.removeProfile(id) })
}

// UpsertAgent adds an agent (Offline) or updates its settings, keeping its
// status and contacts. The profile must exist.
func (r *Router) UpsertAgent(ctx context.Context, a Agent) error {
	if err := a.validate(); err != nil {
		return err
	}
	return r.do(ctx, func() error { return r.upsertAgent(a) })
}

// RemoveAgent removes an agent. Its pending offers go back to their queues;
// it fails with ErrAgentBusy while the agent holds connected contacts or
// after-contact work, or has contacts waiting in its personal queue.
func (r *Router) RemoveAgent(ctx context.Context, id string) error {
	return r.do(ctx, func() error { return r.removeAgent(id) })
}

// SetCustomStatuses replaces the instance's custom unavailable statuses.
// Agents already in a removed status keep it until they change.
func (r *Router) SetCustomStatuses(ctx context.Context, names []string) error {
	for _, n := range names {
		if n == "" || n == StatusOffline || n == StatusAvailable {
			return fmt.Errorf("%w custom status %q", ErrInvalid, n)
		}
	}
	names = append([]string(nil), names...)
	return r.do(ctx, func() error { r.custom = names; return nil })
}

// --- agent commands ---

// SetStatus sets an agent's status (Offline, Available or a custom status)
// and clears Missed and Error. Any status but Available withdraws the
// agent's pending offers (their contacts go back to their places);
// connected contacts and after-contact work continue.
func (r *Router) SetStatus(ctx context.Context, agentID, status string) error {
	return r.do(ctx, func() error { return r.setStatus(agentID, status) })
}

// Accept connects an offered contact to the agent.
func (r *Router) Accept(ctx context.Context, agentID, contactID string) error {
	return r.do(ctx, func() error { return r.accept(agentID, contactID) })
}

// Reject declines an offer: the contact goes back to its place, not to be
// offered to this agent for Config.RejectBackoff; the agent stays in its
// status and may be offered the next contact at once.
func (r *Router) Reject(ctx context.Context, agentID, contactID string) error {
	return r.do(ctx, func() error { return r.reject(agentID, contactID) })
}

// ContactError reports that an offered or connected contact failed to
// connect to the agent (e.g. the softphone leg failed): the contact goes
// back to its place and the agent goes to Error.
func (r *Router) ContactError(ctx context.Context, agentID, contactID string) error {
	return r.do(ctx, func() error { return r.contactError(agentID, contactID) })
}

// CompleteACW ends the agent's after-contact work for a contact.
func (r *Router) CompleteACW(ctx context.Context, agentID, contactID string) error {
	return r.do(ctx, func() error { return r.completeACW(agentID, contactID, ReasonCompleted) })
}

// --- contact commands ---

// Enqueue puts a contact in a queue (or an agent's personal queue) and
// routes it. It fails with ErrQueueAtCapacity, ErrQueueDisabled,
// ErrUnknownQueue, ErrUnknownAgent or ErrDuplicateContact.
func (r *Router) Enqueue(ctx context.Context, c Contact) error {
	if err := c.validate(); err != nil {
		return err
	}
	return r.do(ctx, func() error { return r.enqueue(c) })
}

// EndContact reports that a contact ended. Waiting: it leaves its queue
// (the customer hung up). Offered: the offer is withdrawn and it leaves.
// Connected: the agent's slot goes to after-contact work.
func (r *Router) EndContact(ctx context.Context, contactID string) error {
	return r.do(ctx, func() error { return r.endContact(contactID) })
}

// Transfer moves a contact to another queue or to an agent's personal
// queue, keeping its routing age. A waiting contact moves; an offered one
// has its offer withdrawn first; a connected one leaves its agent, whose
// slot goes to after-contact work. The target must take contacts
// (ErrQueueAtCapacity, ErrQueueDisabled, ErrChannelNotHandled).
func (r *Router) Transfer(ctx context.Context, contactID string, to Target) error {
	if (to.QueueID == "") == (to.AgentID == "") {
		return fmt.Errorf("%w transfer of %s: exactly one of queue and agent is required", ErrInvalid, contactID)
	}
	return r.do(ctx, func() error { return r.transfer(contactID, to) })
}

// CheckTarget reports whether a contact on channel could be queued to the
// target now (the queue exists, is enabled and has room; the agent exists
// and handles the channel), without changing anything: the check a
// transfer makes before it creates the new contact.
func (r *Router) CheckTarget(ctx context.Context, to Target, channel string) error {
	if (to.QueueID == "") == (to.AgentID == "") {
		return fmt.Errorf("%w: exactly one of queue and agent is required", ErrInvalid)
	}
	ch := chanIndex(channel)
	if ch < 0 {
		return fmt.Errorf("%w: unknown channel %q", ErrInvalid, channel)
	}
	return r.do(ctx, func() error { _, _, err := r.target(to, ch, nil); return err })
}

// UpdateRouting changes a waiting or offered contact's priority or age
// adjustment (UpdateContactRoutingBehavior).
func (r *Router) UpdateRouting(ctx context.Context, contactID string, u RoutingUpdate) error {
	if u.Priority != nil && *u.Priority < 1 {
		return fmt.Errorf("%w contact %s: priority %d", ErrInvalid, contactID, *u.Priority)
	}
	return r.do(ctx, func() error { return r.updateRouting(contactID, u) })
}
