package routing

import (
	"context"
	"sync"
	"sync/atomic"
)

// Sink receives the router's events, one at a time and in order, on a
// goroutine of the router's own. It may block (the router keeps routing and
// queues events meanwhile) and may call the router's methods, except Sync
// (which waits for the sink). Run returns only after the sink has taken
// every event produced, so the sink must not block forever.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// dispatcher hands events from the router loop to the sink in order,
// without ever blocking the loop.
type dispatcher struct {
	sink Sink

	mu       sync.Mutex
	queue    []Event
	wake     chan struct{} // capacity 1: "the queue is not empty"
	progress chan struct{} // closed and replaced after each delivered batch

	delivered atomic.Uint64 // Seq of the last event handed to the sink
}

func newDispatcher(s Sink) *dispatcher {
	return &dispatcher{sink: s, wake: make(chan struct{}, 1), progress: make(chan struct{})}
}

// enqueue appends events (called by the loop).
func (d *dispatcher) enqueue(evs []Event) {
	if len(evs) == 0 {
		return
	}
	d.mu.Lock()
	d.queue = append(d.queue, evs...)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run delivers events until stop is closed and the queue is empty.
func (d *dispatcher) run(stop <-chan struct{}) {
	var batch []Event
	for {
		d.mu.Lock()
		batch, d.queue = d.queue, batch[:0]
		d.mu.Unlock()
		if len(batch) > 0 {
			for _, e := range batch {
				if d.sink != nil {
					d.sink.Emit(e)
				}
			}
			d.delivered.Store(batch[len(batch)-1].Seq)
			clear(batch)
			d.mu.Lock()
			close(d.progress)
			d.progress = make(chan struct{})
			d.mu.Unlock()
			continue
		}
		select {
		case <-d.wake:
		case <-stop:
			d.mu.Lock()
			empty := len(d.queue) == 0
			d.mu.Unlock()
			if empty {
				return
			}
		}
	}
}

// waitDelivered waits until the event numbered seq has been delivered.
func (d *dispatcher) waitDelivered(ctx context.Context, seq uint64, stopped <-chan struct{}) error {
	for {
		d.mu.Lock()
		p := d.progress
		d.mu.Unlock()
		if d.delivered.Load() >= seq {
			return nil
		}
		select {
		case <-p:
		case <-ctx.Done():
			return ctx.Err()
		case <-stopped:
			if d.delivered.Load() >= seq {
				return nil
			}
			return ErrStopped
		}
	}
}
