package chat

import (
	"context"
	"sync"
)

// inbox queues the items a flow or a member reads. Offering never blocks
// the chat: past max queued items the oldest is dropped.
type inbox struct {
	accept func(Item) bool
	max    int

	mu     sync.Mutex
	q      []Item
	err    error // set when closed: returned once the queue is drained
	notify chan struct{}
}

func newInbox(max int, accept func(Item) bool) *inbox {
	return &inbox{accept: accept, max: max, notify: make(chan struct{}, 1)}
}

func (in *inbox) offer(it Item) {
	if !in.accept(it) {
		return
	}
	in.mu.Lock()
	if in.err == nil {
		if len(in.q) >= in.max {
			in.q = in.q[1:]
		}
		in.q = append(in.q, it)
	}
	in.mu.Unlock()
	in.wake()
}

func (in *inbox) wake() {
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

// close makes next return err once the queue is drained.
func (in *inbox) close(err error) {
	in.mu.Lock()
	if in.err == nil {
		in.err = err
	}
	in.mu.Unlock()
	in.wake()
}

// clear drops what is queued.
func (in *inbox) clear() {
	in.mu.Lock()
	in.q = nil
	in.mu.Unlock()
}

// next returns the oldest queued item, waiting for one until ctx ends or
// the inbox closes.
func (in *inbox) next(ctx context.Context) (Item, error) {
	for {
		in.mu.Lock()
		if len(in.q) > 0 {
			it := in.q[0]
			in.q[0] = Item{}
			in.q = in.q[1:]
			in.mu.Unlock()
			return it, nil
		}
		err := in.err
		in.mu.Unlock()
		if err != nil {
			return Item{}, err
		}
		select {
		case <-ctx.Done():
			return Item{}, ctx.Err()
		case <-in.notify:
		}
	}
}
