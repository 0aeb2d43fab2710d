package voice

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/speech"
)

// fakeASR reads an utterance's audio to its end and answers with its
// results in turn (the last one again when they run out).
type fakeASR struct {
	mu      sync.Mutex
	results []fakeResult
	calls   int
	heard   []int // samples of each utterance
	grammar speech.Grammar
}

type fakeResult struct {
	text string
	err  error
}

func (a *fakeASR) Recognize(ctx context.Context, in <-chan []int16, g speech.Grammar) (string, error) {
	n := 0
	for {
		select {
		case f, ok := <-in:
			if !ok {
				a.mu.Lock()
				defer a.mu.Unlock()
				a.heard = append(a.heard, n)
				a.grammar = g
				r := a.results[min(a.calls, len(a.results)-1)]
				a.calls++
				return r.text, r.err
			}
			n += len(f)
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func (a *fakeASR) utterances() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.heard)
}

// tone is d of a loud square wave (RMS 3000), silence d of nothing.
func tone(d time.Duration) []int16 {
	pcm := make([]int16, samples(d))
	for i := range pcm {
		pcm[i] = 3000
		if i/4%2 == 1 {
			pcm[i] = -3000
		}
	}
	return pcm
}

func silence(d time.Duration) []int16 { return make([]int16, samples(d)) }

// speak waits until p listens to the caller, then plays the caller's
// audio, paced in real time, until ctx ends.
func speak(ctx context.Context, m *fakeMedia, p *Participant, pcm ...[]int16) {
	go func() {
		for p.in.subscribers() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		_ = media.Play(ctx, callerAudio{m}, slices.Concat(pcm...))
	}()
}

var salesMenu = []string{"1", "2", "Sales", "Billing"}

func menuReq(timeout time.Duration) engine.InputRequest {
	return engine.InputRequest{Kind: engine.InputMenu, Timeout: timeout, Expected: salesMenu}
}

func TestSpeechMenu(t *testing.T) {
	for _, c := range []struct{ said, want string }{{"SALES", "Sales"}, {"two", "2"}, {"2", "2"}, {"billing", "Billing"}} {
		m := newFakeMedia()
		asr := &fakeASR{results: []fakeResult{{text: c.said}}}
		p := newTest(m, Config{ASR: asr})
		ctx, cancel := context.WithCancel(context.Background())
		speak(ctx, m, p, silence(300*time.Millisecond), tone(600*time.Millisecond), silence(3*time.Second))
		r := wait(t, input(ctx, p, menuReq(10*time.Second)))
		cancel()
		if r.err != nil || r.v != c.want {
			t.Errorf("said %q: got %q, %v; want %q", c.said, r.v, r.err, c.want)
			continue
		}
		u := asr.utterances()
		// The utterance (600 ms), some audio from before it, some silence
		// after: the endpointer ends it after 700 ms of quiet.
		if len(u) != 1 || u[0] < samples(600*time.Millisecond) || u[0] > samples(3*time.Second) {
			t.Errorf("utterances %v samples", u)
		}
		if !slices.Equal(asr.grammar.Words, salesMenu) {
			t.Errorf("grammar %q", asr.grammar.Words)
		}
		if n := p.in.subscribers(); n != 0 {
			t.Errorf("%d audio subscribers left", n)
		}
	}
}

// The first utterance matches nothing, the second is "billing".
func TestSpeechMenuNoMatchThenMatch(t *testing.T) {
	m := newFakeMedia()
	asr := &fakeASR{results: []fakeResult{{err: speech.ErrNoMatch}, {text: "billing"}}}
	p := newTest(m, Config{ASR: asr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	speak(ctx, m, p, tone(300*time.Millisecond), silence(time.Second), tone(300*time.Millisecond), silence(3*time.Second))
	r := wait(t, input(ctx, p, menuReq(20*time.Second)))
	if r.err != nil || r.v != "Billing" {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
	if u := asr.utterances(); len(u) != 2 {
		t.Errorf("utterances %v", u)
	}
}

// An utterance that matched nothing, then silence: the block ends with ""
// (NoMatchingCondition), not a timeout. A word outside the menu counts as
// no match.
func TestSpeechMenuUnmatched(t *testing.T) {
	for _, res := range []fakeResult{{err: speech.ErrNoMatch}, {text: "support"}} {
		m := newFakeMedia()
		p := newTest(m, Config{ASR: &fakeASR{results: []fakeResult{res}}})
		ctx, cancel := context.WithCancel(context.Background())
		speak(ctx, m, p, tone(300*time.Millisecond), silence(5*time.Second))
		r := wait(t, input(ctx, p, menuReq(1500*time.Millisecond)))
		cancel()
		if r.err != nil || r.v != "" {
			t.Errorf("%+v: got %q, %v", res, r.v, r.err)
		}
	}
}

// The first-input timeout fires while the caller speaks: the utterance is
// still heard.
func TestSpeechMenuOutlastsTimeout(t *testing.T) {
	m := newFakeMedia()
	asr := &fakeASR{results: []fakeResult{{text: "sales"}}}
	p := newTest(m, Config{ASR: asr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	speak(ctx, m, p, tone(1500*time.Millisecond), silence(3*time.Second))
	r := wait(t, input(ctx, p, menuReq(500*time.Millisecond)))
	if r.err != nil || r.v != "Sales" {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
}

// A key pressed while the caller speaks wins.
func TestSpeechMenuKeyWins(t *testing.T) {
	m := newFakeMedia()
	asr := &fakeASR{results: []fakeResult{{text: "sales"}}}
	p := newTest(m, Config{ASR: asr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	speak(ctx, m, p, tone(5*time.Second))
	go func() {
		for len(asr.utterances()) == 0 && p.in.subscribers() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		m.dtmf <- '1'
	}()
	r := wait(t, input(ctx, p, engine.InputRequest{Kind: engine.InputMenu, Prompt: text("100ms"), Timeout: 10 * time.Second, Expected: salesMenu}))
	if r.err != nil || r.v != "1" {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
	if n := p.in.subscribers(); n != 0 {
		t.Errorf("%d audio subscribers left", n)
	}
}

// A recognizer that fails (not a no-match) leaves the menu to keys.
func TestSpeechMenuRecognizerFails(t *testing.T) {
	m := newFakeMedia()
	asr := &fakeASR{results: []fakeResult{{err: errors.New("decoder broke")}}}
	p := newTest(m, Config{ASR: asr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	speak(ctx, m, p, tone(300*time.Millisecond), silence(5*time.Second))
	r := wait(t, input(ctx, p, menuReq(1500*time.Millisecond)))
	if !errors.Is(r.err, engine.ErrInputTimeout) {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
}

// Without a recognizer (the default build's NoASR), with no expected
// values, for stored digits, or with media that deliver no audio, input is
// keys only: nothing listens to the caller, and speaking does not end the
// block.
func TestKeysOnlyWithoutSpeech(t *testing.T) {
	type keysOnly struct{ Media }
	for _, c := range []struct {
		name string
		asr  speech.ASR
		req  engine.InputRequest
		bare bool
	}{
		{"NoASR", speech.NoASR{}, menuReq(time.Second), false},
		{"nil ASR", nil, menuReq(time.Second), false},
		{"no expected values", &fakeASR{results: []fakeResult{{text: "sales"}}}, engine.InputRequest{Kind: engine.InputMenu, Timeout: time.Second}, false},
		{"stored digits", &fakeASR{results: []fakeResult{{text: "sales"}}}, engine.InputRequest{Kind: engine.InputStored, Timeout: time.Second, MaxDigits: 1, Expected: salesMenu}, false},
		{"media without audio", &fakeASR{results: []fakeResult{{text: "sales"}}}, menuReq(time.Second), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := newFakeMedia()
			var med Media = m
			if c.bare {
				med = keysOnly{m}
			}
			p := newTest(med, Config{ASR: c.asr})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { _ = media.Play(ctx, callerAudio{m}, tone(5*time.Second)) }()
			r := wait(t, input(ctx, p, c.req))
			if !errors.Is(r.err, engine.ErrInputTimeout) {
				t.Fatalf("got %q, %v", r.v, r.err)
			}
			if p.in != nil && p.in.subscribers() != 0 {
				t.Error("listening to the caller")
			}
			m.press(t, "7")
			req := c.req
			req.Prompt = text("60ms")
			if r := wait(t, input(ctx, p, req)); r.v != "7" || r.err != nil {
				t.Errorf("key: %q, %v", r.v, r.err)
			}
		})
	}
}

func TestListenAudio(t *testing.T) {
	m := newFakeMedia()
	p := newTest(m, Config{})
	var mu sync.Mutex
	var a, b int
	stopA := p.ListenAudio(func(f media.Frame) { mu.Lock(); a += len(f.PCM); mu.Unlock() })
	stopB := p.ListenAudio(func(f media.Frame) { mu.Lock(); b += len(f.PCM); mu.Unlock() })
	w := callerAudio{m}
	_ = w.WriteAudio(make([]int16, 160))
	stopA()
	stopA()
	_ = w.WriteAudio(make([]int16, 160))
	stopB()
	_ = w.WriteAudio(make([]int16, 160))
	if a != 160 || b != 320 || p.in.subscribers() != 0 {
		t.Errorf("a %d, b %d, %d subscribers", a, b, p.in.subscribers())
	}
	type keysOnly struct{ Media }
	New(Config{}, keysOnly{m}).ListenAudio(func(media.Frame) { t.Error("audio from media without it") })()
}

func TestMatchExpected(t *testing.T) {
	for _, c := range []struct {
		heard, want string
		ok          bool
	}{
		{"Sales", "Sales", true}, {"sales", "Sales", true}, {"two", "2", true}, {"2", "2", true},
		{"TECHNICAL  support", "Technical support", true}, {"23", "", false}, {"", "", false}, {"billing please", "", false},
	} {
		got, ok := matchExpected([]string{"1", "2", "Sales", "Technical support"}, c.heard)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %q, %v", c.heard, got, ok)
		}
	}
}
