package routing

import (
	"sync"
	"time"
)

// Clock is the router's time source. The system clock is used when
// Config.Clock is nil; tests use a ManualClock.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that sends on C once d has elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is a Clock's timer, like *time.Timer (Go 1.23 semantics: Reset and
// Stop leave no stale value in C).
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time   { return t.t.C }
func (t sysTimer) Reset(d time.Duration) { t.t.Reset(d) }
func (t sysTimer) Stop()                 { t.t.Stop() }

// ManualClock is a Clock that moves only when told to, for deterministic
// tests of timeouts. The router processes every timer that is due before it
// runs the next command, so after Advance any command (State, Sync) sees
// the timeouts' effects. The zero value starts at the zero time; use
// NewManualClock.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*manualTimer]struct{}
}

// NewManualClock returns a ManualClock reading t.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{now: t, timers: map[*manualTimer]struct{}{}}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and fires the timers that are due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !t.at.After(c.now) {
			delete(c.timers, t)
			select {
			case t.c <- c.now:
			default:
			}
		}
	}
}

// NewTimer implements Clock.
func (c *ManualClock) NewTimer(d time.Duration) Timer {
	t := &manualTimer{clock: c, c: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

type manualTimer struct {
	clock *ManualClock
	c     chan time.Time
	at    time.Time
}

func (t *manualTimer) C() <-chan time.Time { return t.c }

func (t *manualTimer) Reset(d time.Duration) {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timers == nil {
		c.timers = map[*manualTimer]struct{}{}
	}
	select { // drain a stale value, as time.Timer does since Go 1.23
	case <-t.c:
	default:
	}
	t.at = c.now.Add(d)
	if d <= 0 {
		delete(c.timers, t)
		t.c <- c.now
		return
	}
	c.timers[t] = struct{}{}
}

func (t *manualTimer) Stop() {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.timers, t)
	select {
	case <-t.c:
	default:
	}
}
