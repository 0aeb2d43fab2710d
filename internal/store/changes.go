package store

import (
	"sync"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// Change says that a resource was created, updated or deleted (committed)
// through this Store.
type Change struct {
	Kind       core.Kind
	InstanceID string
	ID         string
	Deleted    bool
}

// changeHooks are the functions OnChange registered.
type changeHooks struct {
	mu sync.RWMutex
	fn []func(Change)
}

// OnChange registers fn to be called after every committed Create, Update
// and Delete of an instance-scoped resource through this Store's repos
// (not the *Tx variants, whose caller commits). fn runs on the writer's
// goroutine and must be quick. Writes by other processes sharing the
// database are not seen.
func (s *Store) OnChange(fn func(Change)) {
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	s.changes.fn = append(s.changes.fn, fn)
}

func (s *Store) changed(c Change) {
	s.changes.mu.RLock()
	defer s.changes.mu.RUnlock()
	for _, fn := range s.changes.fn {
		fn(c)
	}
}
