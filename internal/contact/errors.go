package contact

import (
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// ErrNotFound means no contact (or record) with that ID exists in the
// instance. It is store.ErrNotFound, so the API answers 404.
var ErrNotFound = store.ErrNotFound

// ErrInvalidTransition means the operation is not allowed in the contact's
// current state. Errors returned for it are *TransitionError.
var ErrInvalidTransition = errors.New("contact: operation not allowed in this state")

// TransitionError is an operation refused by the lifecycle. It matches
// ErrInvalidTransition with errors.Is and unwraps to a *store.ConflictError,
// so the API answers 409 naming the state.
type TransitionError struct {
	ContactID string
	Op        string // the operation, e.g. "connect to agent"
	State     State  // the contact's state when refused
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("contact %s: cannot %s in state %s", e.ContactID, e.Op, e.State)
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// Unwrap returns the conflict the API reports.
func (e *TransitionError) Unwrap() error {
	return &store.ConflictError{Field: "state", Msg: fmt.Sprintf("is %s: cannot %s", e.State, e.Op)}
}
