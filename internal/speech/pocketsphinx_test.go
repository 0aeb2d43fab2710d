//go:build pocketsphinx

package speech

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestASR(t testing.TB) *Pocketsphinx {
	t.Helper()
	p, err := NewPocketsphinx(PocketsphinxConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if !Available(p) {
		t.Fatal("Available(Pocketsphinx) = false")
	}
	return p
}

// frames sends pcm as 20 ms frames and closes the channel.
func frames(pcm []int16) <-chan []int16 {
	ch := make(chan []int16)
	go func() {
		defer close(ch)
		for i := 0; i < len(pcm); i += 160 {
			ch <- pcm[i:min(i+160, len(pcm))]
		}
	}()
	return ch
}

var digitGrammar = Grammar{Words: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}

func TestPocketsphinxRecognizesFlite(t *testing.T) {
	fliteOrSkip(t)
	f := newTestFlite(t, FliteConfig{})
	asr := newTestASR(t)
	ctx := context.Background()
	for _, c := range []struct {
		text, voice string
		g           Grammar
		want        string
	}{
		{"one two three", "kal", digitGrammar, "123"},
		{"four five six", "rms", digitGrammar, "456"},
		{"seven eight nine", "slt", digitGrammar, "789"},
		{"billing", "kal", Grammar{Words: []string{"Sales", "Billing", "Technical support"}}, "Billing"},
		{"technical support", "rms", Grammar{Words: []string{"Sales", "Billing", "Technical support"}}, "Technical support"},
	} {
		pcm, err := f.Synthesize(ctx, Request{Text: c.text, Voice: c.voice})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got, err := asr.Recognize(ctx, frames(pcm), c.g)
		if err != nil || got != c.want {
			t.Errorf("%q (%s): got %q, %v; want %q", c.text, c.voice, got, err, c.want)
		}
		t.Logf("%q (%s): %.1f s of audio recognised in %v", c.text, c.voice, float64(len(pcm))/8000, time.Since(start))
	}
}

func TestPocketsphinxSilenceAndConcurrency(t *testing.T) {
	fliteOrSkip(t)
	asr := newTestASR(t)
	ctx := context.Background()
	if got, err := asr.Recognize(ctx, frames(make([]int16, 16000)), digitGrammar); !errors.Is(err, ErrNoMatch) {
		t.Errorf("silence: %q, %v", got, err)
	}
	f := newTestFlite(t, FliteConfig{})
	pcm, err := f.Synthesize(ctx, Request{Text: "five", Voice: "kal"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if got, err := asr.Recognize(ctx, frames(pcm), digitGrammar); err != nil || got != "5" {
				t.Errorf("concurrent: %q, %v", got, err)
			}
		})
	}
	wg.Wait()
	if _, err := asr.Recognize(ctx, frames(pcm), Grammar{Words: []string{"xyzzyplugh"}}); err == nil {
		t.Error("a grammar with no known words was accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := asr.Recognize(cctx, make(chan []int16), digitGrammar); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// Accuracy over many digit strings and the three voices; the plan measured
// 24/24 with flite voices. Requires at least 22/24 so one model quirk does
// not fail CI, and logs every miss.
func TestPocketsphinxDigitAccuracy(t *testing.T) {
	fliteOrSkip(t)
	f := newTestFlite(t, FliteConfig{})
	asr := newTestASR(t)
	ctx := context.Background()
	strs := []string{"123", "456", "789", "1024", "5550100", "42", "907", "3", "8", "61", "2468", "13579"}
	voices := []string{"kal", "rms"}
	ok, total := 0, 0
	for _, s := range strs {
		for _, v := range voices {
			var words []string
			for _, r := range s {
				words = append(words, digitWords[r-'0'])
			}
			pcm, err := f.Synthesize(ctx, Request{Text: strings.Join(words, " "), Voice: v})
			if err != nil {
				t.Fatal(err)
			}
			got, err := asr.Recognize(ctx, frames(pcm), digitGrammar)
			total++
			if got == s {
				ok++
			} else {
				t.Logf("%s (%s): got %q, %v", s, v, got, err)
			}
		}
	}
	t.Logf("%d/%d digit strings recognised", ok, total)
	if ok < total-2 {
		t.Errorf("only %d/%d digit strings recognised", ok, total)
	}
}

func TestDefaultASRIsPocketsphinx(t *testing.T) {
	if _, ok := DefaultASR(nil).(*Pocketsphinx); !ok {
		t.Fatalf("DefaultASR = %T, want *Pocketsphinx", DefaultASR(nil))
	}
}

func BenchmarkRecognizeDigits(b *testing.B) {
	fliteOrSkip(b)
	f := newTestFlite(b, FliteConfig{})
	p, err := NewPocketsphinx(PocketsphinxConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	pcm, err := f.Synthesize(context.Background(), Request{Text: "five five five zero one zero zero", Voice: "rms"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := p.Recognize(context.Background(), frames(pcm), digitGrammar); err != nil || got != "5550100" {
			b.Fatalf("%q, %v", got, err)
		}
	}
	b.ReportMetric(float64(len(pcm))/8000, "audio-s/op")
}
