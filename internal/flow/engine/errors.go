package engine

import (
	"errors"
	"fmt"
)

// Errors a Participant, a Bot or a Resources implementation returns to steer
// the engine. The engine maps each to the action's matching error branch.
var (
	// ErrInputTimeout: the customer entered nothing in time
	// (InputTimeLimitExceeded).
	ErrInputTimeout = errors.New("engine: no input within the time limit")
	// ErrParticipantNotFound: the customer is no longer there (Wait's
	// ParticipantNotFound).
	ErrParticipantNotFound = errors.New("engine: participant not found")
	// ErrConnectionTimeout: a third party did not answer in time
	// (ConnectionTimeLimitExceeded).
	ErrConnectionTimeout = errors.New("engine: third party did not answer in time")
	// ErrCallFailed: a call to a third party could not be made (CallFailed).
	ErrCallFailed = errors.New("engine: third-party call failed")
	// ErrNotFound: a queue, flow, prompt, function, hours of operation, bot
	// or agent reference names nothing.
	ErrNotFound = errors.New("engine: resource not found")
	// ErrUnsupported: the action stands for a service Switchboard does not
	// have yet (customer profiles, cases, views, Voice ID, tasks); it takes
	// its NoMatchingError branch.
	ErrUnsupported = errors.New("engine: action not supported yet")
)

// Errors that end a run with OutcomeError. Run returns them wrapped in a
// *RunError.
var (
	// ErrStepLimit: the contact ran more actions than Limits.MaxSteps.
	ErrStepLimit = errors.New("engine: step limit exceeded")
	// ErrLoop: the flow ran Limits.MaxSilentSteps actions in a row without
	// talking to the participant: a loop that nothing will break.
	ErrLoop = errors.New("engine: flow loops without participant interaction")
	// ErrTransferLimit: more than Limits.MaxFlowTransfers TransferToFlow,
	// or modules nested deeper than Limits.MaxModuleDepth.
	ErrTransferLimit = errors.New("engine: too many flow transfers")
	// ErrMissingAction: a transition (or StartAction) names an action the
	// flow does not have.
	ErrMissingAction = errors.New("engine: transition to a missing action")
	// ErrNoBranch: an action failed or matched no condition, and the flow
	// has no branch for it, not even NoMatchingError.
	ErrNoBranch = errors.New("engine: no branch for the action's result")
	// ErrUnknownAction: the action type is not in the catalogue.
	ErrUnknownAction = errors.New("engine: unknown action type")
	// ErrPanic: an action implementation panicked; a bug.
	ErrPanic = errors.New("engine: internal error")
)

// RunError is a run that ended in error: the flow and action where it
// stopped and why. Err is one of the sentinels above or the context's error.
type RunError struct {
	Flow   string // the flow's name or ID
	Action string // the action's Identifier, "" before the first action
	Err    error
}

func (e *RunError) Error() string {
	if e.Action == "" {
		return fmt.Sprintf("flow %q: %v", e.Flow, e.Err)
	}
	return fmt.Sprintf("flow %q, action %q: %v", e.Flow, e.Action, e.Err)
}

func (e *RunError) Unwrap() error { return e.Err }
