package app

import (
	"context"
	"log/slog"
)

// callLogHandler adds the call's current contact ID to every record its
// logger writes. A call's contact changes when it is transferred (relink),
// so the ID cannot be fixed with Logger.With when the call is answered: its
// later lines would name the first contact.
type callLogHandler struct {
	slog.Handler
	c *call
}

// newCallLogger returns base's logger for c: every record carries
// "contact" with c's contact at the time of the record.
func newCallLogger(base *slog.Logger, c *call) *slog.Logger {
	return slog.New(callLogHandler{Handler: base.Handler(), c: c})
}

func (h callLogHandler) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(slog.String("contact", h.c.contactID()))
	return h.Handler.Handle(ctx, r)
}

func (h callLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return callLogHandler{Handler: h.Handler.WithAttrs(as), c: h.c}
}

func (h callLogHandler) WithGroup(name string) slog.Handler {
	return callLogHandler{Handler: h.Handler.WithGroup(name), c: h.c}
}
