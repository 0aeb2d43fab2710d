//go:build pocketsphinx

package voice

import (
	"context"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/speech"
)

// The caller says "two" (flite) to a menu expecting 1, 2 and 3: pocketsphinx
// hears it and the menu returns "2".
func TestSpeechMenuPocketsphinx(t *testing.T) {
	if _, err := exec.LookPath("flite"); err != nil {
		t.Skip("flite is not installed (apt-get install flite)")
	}
	log := slog.New(slog.DiscardHandler)
	tts, err := speech.NewFlite(speech.FliteConfig{CacheDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	asr, err := speech.NewPocketsphinx(speech.PocketsphinxConfig{Logger: log, Decoders: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(asr.Close)
	if !speech.Available(speech.DefaultASR(nil)) {
		t.Error("DefaultASR is not available with -tags pocketsphinx")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []struct {
		voice, said string
		prompt      *engine.Message
		expected    []string
		want        string
	}{
		{"kal", "two", text("Press or say one, two or three."), []string{"1", "2", "3"}, "2"},
		{"rms", "billing", nil, []string{"1", "2", "Sales", "Billing"}, "Billing"},
	} {
		said, err := tts.Synthesize(ctx, speech.Request{Text: c.said, Voice: c.voice})
		if err != nil {
			t.Fatal(err)
		}
		m := newFakeMedia()
		p := newTest(m, Config{TTS: tts, ASR: asr, DefaultVoice: "kal"})
		sctx, stop := context.WithCancel(ctx)
		speak(sctx, m, p, silence(500*time.Millisecond), said, silence(3*time.Second))
		r := wait(t, input(ctx, p, engine.InputRequest{Kind: engine.InputMenu, Prompt: c.prompt, Timeout: 10 * time.Second, Expected: c.expected}))
		stop()
		if r.err != nil || r.v != c.want {
			t.Errorf("said %q (%s): got %q, %v; want %q", c.said, c.voice, r.v, r.err, c.want)
		}
		t.Logf("said %q: heard %q in %v", c.said, r.v, r.elapsed)
	}
}
