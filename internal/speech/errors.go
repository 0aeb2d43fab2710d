package speech

import "errors"

var (
	// ErrUnavailable means the engine cannot run here: the flite program is
	// not installed, or the binary was built without speech recognition.
	// Errors wrap it with a message saying how to get it.
	ErrUnavailable = errors.New("speech engine unavailable")
	// ErrNoMatch means recognition heard nothing in the grammar (silence,
	// noise or other words).
	ErrNoMatch = errors.New("no speech matched the grammar")
	// ErrTextTooLong means a Request's text is longer than MaxTextLen.
	ErrTextTooLong = errors.New("text too long to synthesize")
)
