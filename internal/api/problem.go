package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Problem is an RFC 9457 problem details document, with the fields at fault
// listed in Errors.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Code     string            `json:"code"`
	Errors   []core.FieldError `json:"errors,omitempty"`
	Instance string            `json:"instance,omitempty"`
}

// apiError is an error that knows its HTTP response.
type apiError struct {
	status int
	code   string
	detail string
	fields []core.FieldError
}

func (e *apiError) Error() string { return e.detail }

func errBadRequest(code, field, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	e := &apiError{status: http.StatusBadRequest, code: code, detail: msg}
	if field != "" {
		e.detail = field + ": " + msg
		e.fields = []core.FieldError{{Field: field, Message: msg}}
	}
	return e
}

func errStatus(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

// errMediaType refuses a body whose Content-Type (got) is not want.
func errMediaType(want, got string) *apiError {
	e := errStatus(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be %s, not %q", want, got)
	e.fields = []core.FieldError{{Field: "Content-Type", Message: "must be " + want}}
	return e
}

var errNotFound = errStatus(http.StatusNotFound, "not_found", "no such resource")

// ErrUnavailable marks an error as temporary unavailability (503 with the
// error's text, and Retry-After): e.g. a standby process asked to start a
// chat. Wrap it: fmt.Errorf("...: %w", api.ErrUnavailable).
var ErrUnavailable = errors.New("unavailable")

// writeError maps any error to a problem response. Errors it does not know
// are logged and answered with a 500 that reveals nothing.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem{Type: "about:blank", Instance: r.URL.Path}
	var (
		ae *apiError
		ve *core.ValidationError
		ce *store.ConflictError
		mb *http.MaxBytesError
	)
	switch {
	case errors.As(err, &ae):
		p.Status, p.Code, p.Detail, p.Errors = ae.status, ae.code, ae.detail, ae.fields
	case errors.As(err, &ve):
		p.Status, p.Code, p.Detail, p.Errors = http.StatusUnprocessableEntity, "validation_failed", ve.Error(), ve.Errors
	case errors.As(err, &ce):
		p.Status, p.Code, p.Detail = http.StatusConflict, "conflict", ce.Error()
		if ce.Field != "" {
			p.Errors = []core.FieldError{{Field: ce.Field, Message: ce.Msg}}
		}
	case errors.As(err, &mb):
		p.Status, p.Code = http.StatusRequestEntityTooLarge, "body_too_large"
		p.Detail = fmt.Sprintf("body: larger than %d bytes", mb.Limit)
		p.Errors = []core.FieldError{{Field: "body", Message: fmt.Sprintf("must be at most %d bytes", mb.Limit)}}
	case errors.Is(err, ErrUnavailable):
		p.Status, p.Code, p.Detail = http.StatusServiceUnavailable, "unavailable", err.Error()
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, store.ErrNotFound):
		p.Status, p.Code, p.Detail = http.StatusNotFound, "not_found", "no such resource"
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		p.Status, p.Code, p.Detail = 499, "client_closed", "request cancelled"
	default:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Status, p.Code, p.Detail = http.StatusInternalServerError, "internal", "internal error; see the server log"
	}
	p.Title = http.StatusText(p.Status)
	if p.Title == "" {
		p.Title = "Client Closed Request"
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	if err := json.NewEncoder(w).Encode(p); err != nil {
		s.log.DebugContext(r.Context(), "write problem", "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}
