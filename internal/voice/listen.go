package voice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard-cc/switchboard/internal/audio"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/speech"
)

// Speech input for menus. After the prompt, a menu whose conditions expect
// values (engine.InputRequest.Expected) also listens to the caller when the
// deployment has a recognizer (speech.Available: a build with -tags
// pocketsphinx) and the media delivers the caller's audio (AudioSource). A
// simple energy endpointer finds the utterance: it starts when the level
// stays above speechLevel for speechStart, and ends after endSilence of
// quiet (or maxUtterance); the utterance, with a little audio from before
// its start, is streamed to speech.ASR.Recognize with the expected values as
// the grammar, and what is heard is mapped back to the expected value. A key
// pressed first still wins. Speech does not interrupt the prompt (no
// barge-in on speech: the caller's line may echo the prompt back).

// Endpointer settings, for 8 kHz telephone audio.
const (
	speechLevel  = 300.0                  // RMS, int16 units (about -41 dBFS)
	speechStart  = 60 * time.Millisecond  // loud this long starts an utterance
	endSilence   = 700 * time.Millisecond // quiet this long ends it
	preRoll      = 300 * time.Millisecond // audio kept from before the start
	maxUtterance = 10 * time.Second
)

// samples converts a duration to a number of 8 kHz samples.
func samples(d time.Duration) int { return int(d * audio.PlayRate / time.Second) }

// hearsSpeech says whether req can be answered by voice here.
func (p *Participant) hearsSpeech(req engine.InputRequest) bool {
	return req.Kind == engine.InputMenu && len(req.Expected) > 0 && p.in != nil && speech.Available(p.cfg.ASR)
}

// heard is a listener event: an utterance started (started), or its
// recognition result.
type heard struct {
	started bool
	text    string
	err     error
}

// listener recognises the caller's utterances one after another until
// stopped: for each it sends a started event and then the result. After a
// result whose error is not ErrNoMatch it stops listening.
type listener struct {
	events chan heard
	cancel context.CancelFunc
	done   chan struct{}
}

// listen starts a listener for words on the caller's audio.
func (p *Participant) listen(ctx context.Context, words []string) *listener {
	ctx, cancel := context.WithCancel(ctx)
	l := &listener{events: make(chan heard, 1), cancel: cancel, done: make(chan struct{})}
	// ~10 s of 20 ms packets: the endpointer never falls that far behind;
	// if it did, audio would be dropped rather than stall the media loop.
	frames := make(chan []int16, 512)
	unsubscribe := p.in.subscribe(func(f media.Frame) {
		select {
		case frames <- f.PCM:
		default:
		}
	})
	go func() {
		defer close(l.done)
		defer unsubscribe()
		for {
			text, err := p.hear(ctx, frames, words, func() { l.send(ctx, heard{started: true}) })
			if ctx.Err() != nil {
				return
			}
			if !l.send(ctx, heard{text: text, err: err}) {
				return
			}
			if err != nil && !errors.Is(err, speech.ErrNoMatch) {
				return
			}
		}
	}()
	return l
}

func (l *listener) send(ctx context.Context, h heard) bool {
	select {
	case l.events <- h:
		return true
	case <-ctx.Done():
		return false
	}
}

// heard returns the listener's events; nil (never ready) for no listener.
func (l *listener) heard() <-chan heard {
	if l == nil {
		return nil
	}
	return l.events
}

// stop ends the listener and waits for it (at most one recognition).
func (l *listener) stop() {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
}

// hear waits for the caller to speak, streams the utterance to the
// recognizer and returns what it heard. started is called when the
// utterance starts.
func (p *Participant) hear(ctx context.Context, frames <-chan []int16, words []string, started func()) (string, error) {
	var (
		pre    [][]int16 // recent quiet audio, at most preRoll
		preLen int
		loud   int // samples loud in a row
	)
	next := func() ([]int16, bool) {
		select {
		case f := <-frames:
			return f, true
		case <-ctx.Done():
			return nil, false
		}
	}
	for loud < samples(speechStart) {
		f, ok := next()
		if !ok {
			return "", ctx.Err()
		}
		if len(f) == 0 {
			continue
		}
		if audio.RMS(f) >= speechLevel {
			loud += len(f)
		} else {
			loud = 0
		}
		pre = append(pre, f)
		preLen += len(f)
		for len(pre) > 1 && preLen-len(pre[0]) >= samples(preRoll)+loud {
			preLen -= len(pre[0])
			pre = pre[1:]
		}
	}
	started()
	in := make(chan []int16, samples(maxUtterance+preRoll)/media.FrameSamples+len(pre)+1)
	result := make(chan heard, 1)
	go func() {
		text, err := p.cfg.ASR.Recognize(ctx, in, speech.Grammar{Words: words})
		result <- heard{text: text, err: err}
	}()
	total := 0
	for _, f := range pre {
		in <- f
		total += len(f)
	}
	for quiet := 0; quiet < samples(endSilence) && total < samples(maxUtterance); {
		f, ok := next()
		if !ok {
			break
		}
		select {
		case in <- f:
		default: // cannot happen: in holds maxUtterance
		}
		total += len(f)
		if audio.RMS(f) >= speechLevel {
			quiet = 0
		} else {
			quiet += len(f)
		}
	}
	close(in)
	r := <-result
	if r.err != nil {
		return "", r.err
	}
	if v, ok := matchExpected(words, r.text); ok {
		return v, nil
	}
	return "", fmt.Errorf("voice: heard %q: %w", r.text, speech.ErrNoMatch)
}

// matchExpected returns the entry of expected that heard stands for: the
// same text, or the same words once case, punctuation and digits ("2" is
// "two") are set aside.
func matchExpected(expected []string, heard string) (string, bool) {
	for _, e := range expected {
		if e == heard {
			return e, true
		}
	}
	h := spoken(heard)
	if h == "" {
		return "", false
	}
	for _, e := range expected {
		if spoken(e) == h {
			return e, true
		}
	}
	return "", false
}

var digitNames = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// spoken is s as words: lower case, digits spelled, only letters and
// apostrophes kept.
func spoken(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteString(" " + digitNames[r-'0'] + " ")
		case unicode.IsLetter(r), r == '\'':
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
