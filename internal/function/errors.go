package function

import (
	"errors"
	"fmt"
)

// Kind classifies a failed invocation. Every kind sends the contact down the
// action's error branch (Connect defines only NoMatchingError for
// InvokeLambdaFunction); the kind is for logs, metrics and any finer error
// branches a flow may gain later.
type Kind string

const (
	// KindTimeout: the time limit, or the caller's deadline, expired before
	// the response was read.
	KindTimeout Kind = "timeout"
	// KindCanceled: the caller's context was canceled (the contact went
	// away). The interpreter usually stops rather than take a branch.
	KindCanceled Kind = "canceled"
	// KindStatus: the function answered with a status other than 2xx,
	// including 3xx (redirects are not followed). Error.StatusCode has it.
	KindStatus Kind = "status"
	// KindInvalidResponse: the body is not a JSON object, or, with
	// STRING_MAP, an object with nested values.
	KindInvalidResponse Kind = "invalid_response"
	// KindTooLarge: the body is longer than the response limit.
	KindTooLarge Kind = "too_large"
	// KindBlocked: the URL leads to an address that a function not marked
	// Internal may not reach (loopback, private, link-local, ...).
	KindBlocked Kind = "blocked"
	// KindNetwork: DNS, connection, TLS or transport failure.
	KindNetwork Kind = "network"
	// KindConfig: the function cannot be called as configured (bad URL).
	KindConfig Kind = "config"
)

// Error is the error Invoke returns. Its message names the function and never
// includes its secret, the request signature, the URL's query string or the
// response body.
type Error struct {
	Kind       Kind
	Function   string // the function's name
	StatusCode int    // the HTTP status, for KindStatus
	Err        error  // the cause, if any
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("function %q: %s", e.Function, e.Kind)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" %d", e.StatusCode)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of an error returned by Invoke, or "" if err is
// nil or not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Errors returned by Verify.
var (
	// ErrSignatureInvalid means the signature header is missing, malformed
	// or does not match the body and timestamp.
	ErrSignatureInvalid = errors.New("function: invalid signature")
	// ErrSignatureExpired means the timestamp is missing, malformed or too
	// far from the receiver's clock: a replay or a badly skewed clock.
	ErrSignatureExpired = errors.New("function: signature timestamp outside the allowed window")
)

// blockedError is the cause of a KindBlocked error.
type blockedError struct{ addr string }

func (e *blockedError) Error() string {
	return "address " + e.addr + " is not allowed for a function not marked internal"
}
