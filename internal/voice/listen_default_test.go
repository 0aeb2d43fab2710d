//go:build !pocketsphinx

package voice

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/speech"
)

// The default build has no recognizer: a menu that expects words is keys
// only, and the caller's speech is not listened to.
func TestDefaultBuildKeysOnly(t *testing.T) {
	asr := speech.DefaultASR(nil)
	if speech.Available(asr) {
		t.Fatalf("DefaultASR %T is available without -tags pocketsphinx", asr)
	}
	m := newFakeMedia()
	p := newTest(m, Config{ASR: asr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = media.Play(ctx, callerAudio{m}, tone(5*time.Second)) }()
	req := engine.InputRequest{Kind: engine.InputMenu, Prompt: text("100ms"), Timeout: 500 * time.Millisecond, Expected: salesMenu}
	if r := wait(t, input(ctx, p, req)); !errors.Is(r.err, engine.ErrInputTimeout) {
		t.Fatalf("speech: %q, %v", r.v, r.err)
	}
	m2 := newFakeMedia()
	p = newTest(m2, Config{ASR: asr})
	m2.press(t, "2")
	if r := wait(t, input(ctx, p, req)); r.v != "2" || r.err != nil {
		t.Fatalf("key: %q, %v", r.v, r.err)
	}
}
