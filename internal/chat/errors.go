package chat

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors of the chat service. The participant API maps each to the AWS
// error type in the comment; see writeError.
var (
	// ErrNotFound: a chat, participant, token or message the caller named
	// does not exist (a Backend returns it for lookups that find nothing).
	ErrNotFound = errors.New("chat: not found")
	// ErrChatEnded: the chat has ended; nothing more can be posted
	// (AccessDeniedException, as Connect answers).
	ErrChatEnded = errors.New("chat: the chat has ended")
	// ErrParticipantLeft: the participant has left or was disconnected
	// (AccessDeniedException).
	ErrParticipantLeft = errors.New("chat: the participant has left the chat")
	// ErrChatExists: StartChat for a contact that already has a chat.
	ErrChatExists = errors.New("chat: the contact already has a chat")
	// ErrClosed: the service is shutting down.
	ErrClosed = errors.New("chat: service closed")
)

// The error types of the Participant Service (the X-Amzn-ErrorType header).
const (
	ErrTypeAccessDenied     = "AccessDeniedException"
	ErrTypeValidation       = "ValidationException"
	ErrTypeResourceNotFound = "ResourceNotFoundException"
	ErrTypeConflict         = "ConflictException"
	ErrTypeThrottling       = "ThrottlingException"
	ErrTypeInternal         = "InternalServerException"
)

// APIError is an error with its Participant Service type and HTTP status.
// Message is shown to the client; never put a token or a cause that may
// hold one in it.
type APIError struct {
	Type    string
	Status  int
	Message string
	// Err is the cause, for logs and errors.Is; it is not sent.
	Err error
}

func (e *APIError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Type, e.Message, e.Err)
	}
	return e.Type + ": " + e.Message
}

func (e *APIError) Unwrap() error { return e.Err }

func accessDenied(msg string, cause error) *APIError {
	return &APIError{Type: ErrTypeAccessDenied, Status: http.StatusForbidden, Message: msg, Err: cause}
}

func validation(format string, args ...any) *APIError {
	return &APIError{Type: ErrTypeValidation, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(msg string) *APIError {
	return &APIError{Type: ErrTypeResourceNotFound, Status: http.StatusNotFound, Message: msg, Err: ErrNotFound}
}

func throttled() *APIError {
	return &APIError{Type: ErrTypeThrottling, Status: http.StatusTooManyRequests, Message: "Rate exceeded"}
}

// apiError turns any error into the APIError the client sees: APIErrors as
// they are, the package's sentinels as Connect reports them, anything else
// as an InternalServerException with a generic message.
func apiError(err error) *APIError {
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, ErrChatEnded):
		return accessDenied("The chat has ended.", err)
	case errors.Is(err, ErrParticipantLeft):
		return accessDenied("The participant has left the chat.", err)
	case errors.Is(err, ErrNotFound):
		return notFound("Resource not found.")
	case errors.Is(err, ErrClosed):
		return &APIError{Type: ErrTypeInternal, Status: http.StatusServiceUnavailable, Message: "The service is shutting down; retry.", Err: err}
	}
	return &APIError{Type: ErrTypeInternal, Status: http.StatusInternalServerError, Message: "Internal server error.", Err: err}
}
