//go:build !pocketsphinx

package speech

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestDefaultASRIsNoASR(t *testing.T) {
	var log bytes.Buffer
	a := DefaultASR(slog.New(slog.NewTextHandler(&log, nil)))
	if _, ok := a.(NoASR); !ok {
		t.Fatalf("DefaultASR = %T, want NoASR", a)
	}
	if Available(a) {
		t.Error("Available(DefaultASR) in the default build")
	}
	if !strings.Contains(log.String(), "built without -tags pocketsphinx") {
		t.Errorf("log: %q", log.String())
	}
}
