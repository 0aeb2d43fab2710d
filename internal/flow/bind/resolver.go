package bind

import (
	"context"
	"errors"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// Errors a Resolver returns.
var (
	// ErrNotFound: no local resource of that kind has that ID or name.
	ErrNotFound = errors.New("not found")
	// ErrUnsupportedKind: the instance has no resources of that kind at all
	// (Lex bots, views and case templates are AWS services Switchboard does
	// not have).
	ErrUnsupportedKind = errors.New("not a kind of resource Switchboard has")
)

// Target is a local resource a reference can be bound to.
type Target struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Resolver finds an instance's local resources.
type Resolver interface {
	// Resolve returns the resource of kind k whose ID is key or, failing
	// that, whose name is key. It returns an error wrapping ErrNotFound or
	// ErrUnsupportedKind when there is none; any other error stops Bind.
	// ARNs and placeholders never reach it: Bind reduces them to IDs and
	// names first.
	Resolve(ctx context.Context, k flow.Resource, key string) (Target, error)
}

// Table is an in-memory Resolver: the resources of each kind. A flow module
// is looked up among ResourceFlowModule and then among ResourceFlow, since a
// module is a flow of type FLOW_MODULE. Kinds absent from the table are
// unsupported.
type Table map[flow.Resource][]Target

// Resolve implements Resolver.
func (t Table) Resolve(_ context.Context, k flow.Resource, key string) (Target, error) {
	kinds := []flow.Resource{k}
	if k == flow.ResourceFlowModule {
		kinds = append(kinds, flow.ResourceFlow)
	}
	known := false
	for _, kind := range kinds {
		ts, ok := t[kind]
		known = known || ok
		for _, x := range ts {
			if x.ID == key {
				return x, nil
			}
		}
		for _, x := range ts {
			if x.Name == key {
				return x, nil
			}
		}
	}
	if !known {
		return Target{}, ErrUnsupportedKind
	}
	return Target{}, ErrNotFound
}
