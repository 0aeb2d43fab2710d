package voice

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/speech"
)

// Time bounds are generous (a loaded 2-core CI machine): the tests assert
// outcomes and ordering, and only lower bounds on durations.

// fakeMedia is a call's media: it records the frames played (the first
// sample of each), delivers the keys the test presses, and the caller's
// audio the test speaks to the sink New installed.
type fakeMedia struct {
	dtmf  chan rune
	first chan struct{} // closed when the first frame is written
	once  sync.Once

	mu     sync.Mutex
	frames []int16
	sink   func(media.Frame)
}

func newFakeMedia() *fakeMedia {
	return &fakeMedia{dtmf: make(chan rune, 32), first: make(chan struct{})}
}

func (m *fakeMedia) WriteAudio(pcm []int16) error {
	m.mu.Lock()
	m.frames = append(m.frames, pcm[0])
	m.mu.Unlock()
	m.once.Do(func() { close(m.first) })
	return nil
}

func (m *fakeMedia) DTMF() <-chan rune { return m.dtmf }

func (m *fakeMedia) OnAudio(fn func(media.Frame)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sink = fn
}

// written returns the first sample of each frame played so far.
func (m *fakeMedia) written() []int16 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.frames)
}

// press sends keys once the prompt has started playing, so they are not
// dropped as pressed before the block.
func (m *fakeMedia) press(t *testing.T, keys string) {
	t.Helper()
	go func() {
		select {
		case <-m.first:
		case <-time.After(20 * time.Second):
			return
		}
		for _, k := range keys {
			m.dtmf <- k
		}
	}()
}

// callerAudio is a FrameWriter that delivers what is written to it as the
// caller's audio, so media.Play paces it in real time.
type callerAudio struct{ m *fakeMedia }

func (c callerAudio) WriteAudio(pcm []int16) error {
	c.m.mu.Lock()
	sink := c.m.sink
	c.m.mu.Unlock()
	if sink != nil {
		sink(media.Frame{PCM: slices.Clone(pcm), Arrived: time.Now()})
	}
	return nil
}

// stubTTS "says" a text such as "300ms" or "300ms:7" as that much audio of
// constant samples (1000, or the number after the colon); "fail" fails.
type stubTTS struct{}

func (stubTTS) Synthesize(_ context.Context, r speech.Request) ([]int16, error) {
	text, val, _ := strings.Cut(r.Text, ":")
	if text == "fail" {
		return nil, errors.New("stub: cannot say that")
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return nil, err
	}
	v := 1000
	if val != "" {
		if v, err = strconv.Atoi(val); err != nil {
			return nil, err
		}
	}
	pcm := make([]int16, samples(d))
	for i := range pcm {
		pcm[i] = int16(v)
	}
	return pcm, nil
}

func text(s string) *engine.Message { return &engine.Message{Kind: engine.MessageText, Text: s} }

func newTest(m Media, cfg Config) *Participant {
	if cfg.TTS == nil {
		cfg.TTS = stubTTS{}
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	return New(cfg, m)
}

type inputResult struct {
	v       string
	err     error
	elapsed time.Duration
}

// input runs Input in the background.
func input(ctx context.Context, p *Participant, req engine.InputRequest) <-chan inputResult {
	ch := make(chan inputResult, 1)
	go func() {
		start := time.Now()
		v, err := p.Input(ctx, req)
		ch <- inputResult{v, err, time.Since(start)}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan inputResult) inputResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("Input did not return")
	}
	return inputResult{}
}

func TestMenuKey(t *testing.T) {
	m := newFakeMedia()
	p := newTest(m, Config{})
	m.press(t, "2")
	r := wait(t, input(context.Background(), p, engine.InputRequest{Kind: engine.InputMenu, Prompt: text("100ms"), Timeout: 10 * time.Second}))
	if r.err != nil || r.v != "2" {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
}

func TestBargeIn(t *testing.T) {
	m := newFakeMedia()
	p := newTest(m, Config{})
	m.press(t, "5")
	r := wait(t, input(context.Background(), p, engine.InputRequest{Kind: engine.InputMenu, Prompt: text("20s"), Timeout: 10 * time.Second}))
	if r.err != nil || r.v != "5" {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
	time.Sleep(300 * time.Millisecond) // the player notices the cancellation
	n := len(m.written())
	time.Sleep(300 * time.Millisecond)
	if after := len(m.written()); after != n || n > 250 { // 1000 frames in 20 s
		t.Errorf("prompt went on after the key: %d frames, then %d", n, after)
	}
}

func TestFirstKeyTimeoutStartsAfterPrompt(t *testing.T) {
	m := newFakeMedia()
	p := newTest(m, Config{})
	r := wait(t, input(context.Background(), p, engine.InputRequest{Kind: engine.InputMenu, Prompt: text("600ms"), Timeout: 300 * time.Millisecond}))
	if !errors.Is(r.err, engine.ErrInputTimeout) {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
	if n := len(m.written()); n != 30 {
		t.Errorf("%d frames played, want the whole prompt (30)", n)
	}
	if r.elapsed < 850*time.Millisecond { // the last frame goes out at 580 ms
		t.Errorf("timed out after %v, before prompt + timeout", r.elapsed)
	}
}

func TestStoredDigits(t *testing.T) {
	for _, c := range []struct {
		name, keys string
		req        engine.InputRequest
		want       string
	}{
		{"terminator", "123#9", engine.InputRequest{Terminator: "#"}, "123"},
		{"terminator first", "#", engine.InputRequest{Terminator: "#"}, ""},
		{"max digits", "123456", engine.InputRequest{Terminator: "#", MaxDigits: 4}, "1234"},
		{"inter-digit timeout", "42", engine.InputRequest{Terminator: "#", InterdigitTimeout: 200 * time.Millisecond}, "42"},
		{"cancel key restarts", "12*34#", engine.InputRequest{Terminator: "#"}, "34"},
		{"cancel key disabled", "12*34#", engine.InputRequest{Terminator: "#", DisableCancelKey: true}, "12*34"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newFakeMedia()
			p := newTest(m, Config{})
			req := c.req
			req.Kind, req.Prompt, req.Timeout = engine.InputStored, text("60ms"), 10*time.Second
			if req.InterdigitTimeout == 0 {
				req.InterdigitTimeout = 10 * time.Second
			}
			m.press(t, c.keys)
			r := wait(t, input(context.Background(), p, req))
			if r.err != nil || r.v != c.want {
				t.Fatalf("got %q, %v; want %q", r.v, r.err, c.want)
			}
		})
	}
}

func TestStoredDigitsTimeout(t *testing.T) {
	m := newFakeMedia()
	p := newTest(m, Config{})
	r := wait(t, input(context.Background(), p, engine.InputRequest{Kind: engine.InputStored, Terminator: "#", Timeout: 200 * time.Millisecond, InterdigitTimeout: 10 * time.Second}))
	if !errors.Is(r.err, engine.ErrInputTimeout) {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
}

func TestKeysBeforeTheBlockAreDropped(t *testing.T) {
	m := newFakeMedia()
	p := newTest(m, Config{})
	m.dtmf <- '9'
	m.dtmf <- '8'
	r := wait(t, input(context.Background(), p, engine.InputRequest{Kind: engine.InputMenu, Prompt: text("60ms"), Timeout: 300 * time.Millisecond}))
	if !errors.Is(r.err, engine.ErrInputTimeout) {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
	m.dtmf <- '9'
	m.first = make(chan struct{})
	m.once = sync.Once{}
	m.press(t, "3")
	if r := wait(t, input(context.Background(), p, engine.InputRequest{Kind: engine.InputMenu, Prompt: text("60ms"), Timeout: 10 * time.Second})); r.err != nil || r.v != "3" {
		t.Fatalf("got %q, %v", r.v, r.err)
	}
}

func TestInputCancelled(t *testing.T) {
	for _, prompt := range []string{"20s", "20ms"} {
		m := newFakeMedia()
		p := newTest(m, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-m.first
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		r := wait(t, input(ctx, p, engine.InputRequest{Kind: engine.InputStored, Prompt: text(prompt), Timeout: 20 * time.Second}))
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("prompt %s: got %q, %v", prompt, r.v, r.err)
		}
	}
}

func TestInputPromptFails(t *testing.T) {
	p := newTest(newFakeMedia(), Config{})
	if _, err := p.Input(context.Background(), engine.InputRequest{Kind: engine.InputMenu, Prompt: text("fail")}); err == nil {
		t.Fatal("no error")
	}
}

func TestPlay(t *testing.T) {
	m := newFakeMedia()
	var asked []string
	p := newTest(m, Config{Prompt: func(_ context.Context, pr *core.Prompt) ([]int16, error) {
		asked = append(asked, pr.Name)
		return make([]int16, 800), nil // 100 ms
	}})
	ctx := context.Background()
	if err := p.Play(ctx, engine.Message{Kind: engine.MessagePrompt, Prompt: &core.Prompt{Name: "welcome"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(m.written()); n != 5 || !slices.Equal(asked, []string{"welcome"}) {
		t.Errorf("%d frames, prompts %q", n, asked)
	}
	if err := p.Play(ctx, *text("40ms:3")); err != nil {
		t.Fatal(err)
	}
	if got := m.written(); !slices.Equal(got[5:], []int16{3, 3}) {
		t.Errorf("frames %v", got)
	}
	if err := p.Play(ctx, engine.Message{Kind: engine.MessagePrompt}); err == nil {
		t.Error("a prompt without audio played")
	}
	err := p.Play(ctx, engine.Message{Kind: engine.MessageMedia, URI: "s3://bucket/a.wav"})
	if !errors.Is(err, engine.ErrUnsupported) {
		t.Errorf("media: %v", err)
	}
	noTTS := New(Config{Logger: slog.New(slog.DiscardHandler)}, m)
	if err := noTTS.Play(ctx, *text("hello")); !errors.Is(err, speech.ErrUnavailable) {
		t.Errorf("without TTS: %v", err)
	}
}

func TestPlayFlite(t *testing.T) {
	if _, err := exec.LookPath("flite"); err != nil {
		t.Skip("flite is not installed (apt-get install flite)")
	}
	tts, err := speech.NewFlite(speech.FliteConfig{CacheDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	m := newFakeMedia()
	p := newTest(m, Config{TTS: tts, DefaultVoice: "kal"})
	if err := p.Play(context.Background(), *text("Hello")); err != nil {
		t.Fatal(err)
	}
	if n := len(m.written()); n < 10 || n > 200 { // "Hello" is about half a second
		t.Errorf("%d frames for Hello", n)
	}
}

func TestPlayIteratively(t *testing.T) {
	ctx := context.Background()
	m := newFakeMedia()
	p := newTest(m, Config{})
	msgs := []engine.Message{*text("100ms:7"), *text("fail"), *text("60ms:8")}
	interrupted, err := p.PlayIteratively(ctx, msgs, 700*time.Millisecond)
	if err != nil || !interrupted {
		t.Fatalf("interrupted %v, %v", interrupted, err)
	}
	// The messages loop in order, the one that failed to render skipped.
	got := slices.Compact(m.written())
	if len(got) < 3 || !slices.Equal(got[:3], []int16{7, 8, 7}) {
		t.Errorf("played %v, want 7 8 7 …", got)
	}
	for _, v := range got {
		if v != 7 && v != 8 {
			t.Errorf("played %v", got)
		}
	}

	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	interrupted, err = p.PlayIteratively(cctx, msgs, time.Minute)
	if interrupted || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: interrupted %v, %v", interrupted, err)
	}

	if _, err := p.PlayIteratively(ctx, []engine.Message{*text("fail")}, time.Second); err == nil {
		t.Error("nothing renders: no error")
	}
	interrupted, err = p.PlayIteratively(ctx, []engine.Message{*text("0s")}, 100*time.Millisecond)
	if err != nil || !interrupted {
		t.Errorf("silence: interrupted %v, %v", interrupted, err)
	}
}

func TestWait(t *testing.T) {
	p := newTest(newFakeMedia(), Config{})
	start := time.Now()
	ev, err := p.Wait(context.Background(), engine.WaitRequest{Timeout: 200 * time.Millisecond, Events: []string{"CustomerReturned"}})
	if ev != "" || err != nil || time.Since(start) < 200*time.Millisecond {
		t.Errorf("got %q, %v after %v", ev, err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx, engine.WaitRequest{Timeout: time.Minute}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if ev, err := p.Wait(context.Background(), engine.WaitRequest{}); ev != "" || err != nil {
		t.Errorf("no timeout: %q, %v", ev, err)
	}
}

func TestUtteranceUnavailable(t *testing.T) {
	p := newTest(newFakeMedia(), Config{ASR: speech.NoASR{}})
	_, err := p.Input(context.Background(), engine.InputRequest{Kind: engine.InputUtterance, Timeout: time.Second})
	if !errors.Is(err, speech.ErrUnavailable) {
		t.Errorf("utterance: %v", err)
	}
}
