package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	retryAttempts = 3
	retryBackoff  = 100 * time.Millisecond
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

// retry runs fn up to retryAttempts times, each attempt bounded by
// opTimeout, backing off between attempts. It stops early when ctx is done
// or the error is not transient. The returned error is wrapped as
// "bus: <op>: ...".
func retry(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	var err error
	backoff := retryBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, opTimeout)
		err = fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		if attempt >= retryAttempts || ctx.Err() != nil || !transient(err) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bus: %s: %w (after %d attempts; %w)", op, err, attempt, ctx.Err())
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	var p permanentError
	if errors.As(err, &p) {
		err = p.err
	}
	return fmt.Errorf("bus: %s: %w", op, err)
}

// transient reports whether err may go away on a retry: timeouts, missing
// responders (e.g. during a leader election) and disconnects. JetStream API
// errors (bad config, wrong stream, ...) are final.
func transient(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return false
	}
	switch {
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, nats.ErrBadSubject), errors.Is(err, nats.ErrMaxPayload),
		errors.Is(err, jetstream.ErrConsumerMultipleFilterSubjectsNotSupported):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout),
		errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionReconnecting):
		return true
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		// 503: JetStream temporarily unavailable (no leader, ...).
		return apiErr.Code == 503
	}
	return true
}
