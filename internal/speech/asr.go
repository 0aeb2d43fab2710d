package speech

import (
	"context"
	"fmt"
)

// Grammar is what a recognizer listens for: the phrases a prompt expects
// (menu words such as "sales" or "billing", digits "one" … "nine").
type Grammar struct {
	Words []string
}

// ASR recognizes speech.
type ASR interface {
	// Recognize reads 8 kHz mono frames from audio until it is closed (or
	// ctx ends) and returns the phrase of g it heard, or an error wrapping
	// ErrNoMatch when it heard none, or ErrUnavailable.
	Recognize(ctx context.Context, audio <-chan []int16, g Grammar) (string, error)
}

// NoASR is the recognizer of a build without speech recognition: it reads
// no audio and returns ErrUnavailable at once, so flows take their error
// branch.
type NoASR struct{}

// Recognize implements ASR.
func (NoASR) Recognize(context.Context, <-chan []int16, Grammar) (string, error) {
	return "", errNoASR
}

var errNoASR = fmt.Errorf("speech recognition unavailable: built without -tags pocketsphinx: %w", ErrUnavailable)

// Available reports whether asr can recognise anything: false for nil and
// for NoASR (the recognizer of a build without -tags pocketsphinx, or of one
// whose model is missing), so callers can offer speech input only when it
// works and stay with DTMF otherwise.
func Available(asr ASR) bool {
	switch asr.(type) {
	case nil, NoASR, *NoASR:
		return false
	}
	return true
}
