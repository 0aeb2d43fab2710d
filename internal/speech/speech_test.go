package speech

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/audio"
)

func TestVoiceFor(t *testing.T) {
	for _, c := range []struct{ name, def, want string }{
		{"", "kal", "kal"},
		{"kal", "rms", "kal"},
		{"rms", "kal", "rms"},
		{"slt", "kal", "slt"},
		{"awb", "kal", "awb"},
		{"kal16", "kal", "kal16"},
		{"awb_time", "kal", "kal"}, // limited domain: not passed through
		{"Joanna", "kal", "slt"},
		{"joanna", "kal", "slt"},
		{" Matthew ", "kal", "rms"},
		{"Amy", "kal", "slt"},
		{"Brian", "kal", "rms"},
		{"Kendra", "kal", "slt"},
		{"Joey", "kal", "rms"},
		{"Salli", "kal", "slt"},
		{"Kimberly", "kal", "slt"},
		{"Ivy", "kal", "slt"},
		{"Justin", "kal", "rms"},
		{"Emma", "kal", "slt"},
		{"Olivia", "kal", "slt"},
		{"Celine", "kal", "kal"}, // French: unknown here
		{"/usr/share/evil.flitevox", "kal", "kal"},
		{"http://example.com/v.flitevox", "slt", "slt"},
	} {
		if got := VoiceFor(c.name, c.def); got != c.want {
			t.Errorf("VoiceFor(%q, %q) = %q, want %q", c.name, c.def, got, c.want)
		}
	}
	for name, v := range pollyVoices {
		if !fliteVoices[v] || name != strings.ToLower(name) {
			t.Errorf("pollyVoices[%q] = %q: not a lower-case name mapped to a flite voice", name, v)
		}
	}
}

func fliteOrSkip(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("flite")
	if err != nil {
		t.Skip("flite is not installed (apt-get install flite)")
	}
	return p
}

func newTestFlite(t testing.TB, cfg FliteConfig) *Flite {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f, err := NewFlite(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// script writes an executable shell script standing in for flite.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fakeflite")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkSpeech(t *testing.T, pcm []int16, minSec, maxSec float64) {
	t.Helper()
	secs := float64(len(pcm)) / audio.PlayRate
	if secs < minSec || secs > maxSec {
		t.Errorf("audio is %.2f s, want %.1f–%.1f", secs, minSec, maxSec)
	}
	if r := audio.RMS(pcm); r < 300 {
		t.Errorf("audio RMS %.0f: silent", r)
	}
}

func TestFliteSynthesize(t *testing.T) {
	fliteOrSkip(t)
	f := newTestFlite(t, FliteConfig{})
	for _, voice := range []string{"kal", "rms", "slt", "awb", "kal16", "Joanna", "Matthew", ""} {
		t.Run(voice, func(t *testing.T) {
			pcm, err := f.Synthesize(context.Background(), Request{Text: "Welcome to Switchboard", Voice: voice})
			if err != nil {
				t.Fatal(err)
			}
			checkSpeech(t, pcm, 0.8, 4)
		})
	}
}

// The 16 kHz voices go through audio.Resample's low-pass, not a plain 2:1
// decimation (whose aliases the audio tests show the filter removes).
func TestFlite16kVoiceIsFiltered(t *testing.T) {
	bin := fliteOrSkip(t)
	f := newTestFlite(t, FliteConfig{})
	const text = "Sister Suzy sells seashells"
	pcm, err := f.Synthesize(context.Background(), Request{Text: text, Voice: "rms"})
	if err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "x.wav")
	if out, err := exec.Command(bin, "-voice", "rms", "-t", text, "-o", wav).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	b, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	info, err := audio.ParseWAV(b)
	if err != nil || info.SampleRate != 16000 || info.Channels != 1 || info.Encoding != "PCM16" {
		t.Fatalf("rms renders %+v, %v; want 16 kHz mono PCM16", info, err)
	}
	raw := make([]int16, info.DataBytes/2)
	for i := range raw {
		raw[i] = int16(binary.LittleEndian.Uint16(b[int(info.DataOffset)+2*i:]))
	}
	want := audio.Resample(raw, 16000, 8000)
	if !equal(pcm, want) {
		t.Error("the rms clip is not the filtered 16k→8k resampling of flite's output")
	}
	naive := make([]int16, len(raw)/2)
	for i := range naive {
		naive[i] = raw[2*i]
	}
	if equal(pcm, naive) {
		t.Error("the rms clip is a plain decimation")
	}
}

func TestFliteCache(t *testing.T) {
	fliteOrSkip(t)
	dir := t.TempDir()
	f := newTestFlite(t, FliteConfig{CacheDir: dir})
	ctx := context.Background()
	req := Request{Text: "Your call is important to us", Voice: "rms"}
	first, err := f.Synthesize(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.execs.Load(); n != 1 {
		t.Fatalf("%d flite runs, want 1", n)
	}
	// The clip is on disk under the hex SHA-256 key, raw s16le.
	st, err := os.Stat(filepath.Join(dir, cacheKey("rms", "text", req.Text)))
	if err != nil || st.Size() != int64(2*len(first)) {
		t.Fatalf("cache file: %v, %v (want %d bytes)", st, err, 2*len(first))
	}
	if temps, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(temps) != 0 {
		t.Errorf("temporary files left: %v", temps)
	}

	// Memory hit: no exec even with flite gone.
	f.bin = "/nonexistent/flite"
	second, err := f.Synthesize(ctx, req)
	if err != nil || !equal(first, second) {
		t.Fatalf("memory hit: %v (equal %v)", err, equal(first, second))
	}
	second[0]++ // callers own their copy
	if third, _ := f.Synthesize(ctx, req); third[0] != first[0] {
		t.Error("a caller's change leaked into the cache")
	}
	// Polly names share the clip of their flite voice.
	if _, err := f.Synthesize(ctx, Request{Text: req.Text, Voice: "Matthew"}); err != nil {
		t.Errorf("Matthew → rms should be cached: %v", err)
	}

	// Disk hit: a new Flite on the same directory, flite gone.
	g := newTestFlite(t, FliteConfig{CacheDir: dir})
	g.bin = "/nonexistent/flite"
	fromDisk, err := g.Synthesize(ctx, req)
	if err != nil || !equal(first, fromDisk) {
		t.Fatalf("disk hit: %v (equal %v)", err, equal(first, fromDisk))
	}
	if g.execs.Load() != 0 {
		t.Error("disk hit ran flite")
	}
	// Another voice, text or kind is another clip: flite is needed again.
	for _, r := range []Request{{Text: req.Text, Voice: "kal"}, {Text: req.Text + ".", Voice: "rms"}, {Text: req.Text, Voice: "rms", SSML: true}} {
		if _, err := g.Synthesize(ctx, r); err == nil {
			t.Errorf("%+v was served from the cache", r)
		}
	}
	// A corrupt clip is rendered again.
	key := cacheKey("kal", "text", "corrupt")
	if err := os.WriteFile(filepath.Join(dir, key), []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	h := newTestFlite(t, FliteConfig{CacheDir: dir})
	if pcm, err := h.Synthesize(ctx, Request{Text: "corrupt"}); err != nil || len(pcm) < 1000 {
		t.Errorf("corrupt clip: %d samples, %v", len(pcm), err)
	}
}

func equal(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFliteConcurrentRequestsRenderOnce(t *testing.T) {
	real := fliteOrSkip(t)
	slow := script(t, "sleep 0.3\nexec "+real+` "$@"`)
	f := newTestFlite(t, FliteConfig{Binary: slow, MaxConcurrent: 4})
	var wg sync.WaitGroup
	results := make([][]int16, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			results[i], errs[i] = f.Synthesize(context.Background(), Request{Text: "Please hold", Voice: "slt"})
		})
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || !equal(results[i], results[0]) {
			t.Fatalf("request %d: %v", i, errs[i])
		}
	}
	checkSpeech(t, results[0], 0.4, 3)
	if n := f.execs.Load(); n != 1 {
		t.Errorf("%d flite runs for 8 identical concurrent requests, want 1", n)
	}
}

func TestFliteBoundedConcurrency(t *testing.T) {
	fliteOrSkip(t)
	dir := t.TempDir()
	// The fake flite records how many copies run at once.
	counter := filepath.Join(dir, "running")
	fake := script(t, fmt.Sprintf(`d=%s
mkdir -p $d
touch $d/$$
ls $d | wc -l >> %s.max
sleep 0.2
rm $d/$$
exit 1`, counter, counter))
	f := newTestFlite(t, FliteConfig{Binary: fake, MaxConcurrent: 2, CacheDir: filepath.Join(dir, "cache")})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			f.Synthesize(context.Background(), Request{Text: fmt.Sprint("text ", i)})
		})
	}
	wg.Wait()
	b, err := os.ReadFile(counter + ".max")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 6 {
		t.Fatalf("fake flite ran %d times, want 6", len(lines))
	}
	for _, l := range lines {
		if l != "1" && l != "2" {
			t.Errorf("%s copies of flite ran at once, want at most 2", l)
		}
	}
}

func TestFliteCancel(t *testing.T) {
	hang := script(t, "exec sleep 30")
	f := newTestFlite(t, FliteConfig{Binary: hang})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.Synthesize(ctx, Request{Text: "never said"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Synthesize returned after %v", d)
	}
	// The render is killed too: the flight ends soon after.
	waitIdle(t, f)
}

// waitIdle waits until f has no render in flight.
func waitIdle(t *testing.T, f *Flite) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		f.mu.Lock()
		n := len(f.inflight)
		f.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the flite process was not stopped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// When one of two callers gives up, the render goes on for the other.
func TestFliteCancelOneWaiter(t *testing.T) {
	real := fliteOrSkip(t)
	slow := script(t, "sleep 0.4\nexec "+real+` "$@"`)
	f := newTestFlite(t, FliteConfig{Binary: slow})
	req := Request{Text: "Thank you for calling"}
	var wg sync.WaitGroup
	var pcm []int16
	var err error
	wg.Go(func() { pcm, err = f.Synthesize(context.Background(), req) })
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := f.Synthesize(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient caller: %v", err)
	}
	wg.Wait()
	if err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	checkSpeech(t, pcm, 0.5, 3)
	if n := f.execs.Load(); n != 1 {
		t.Errorf("%d flite runs, want 1", n)
	}
	// A request after a cancelled render starts a new one.
	hang := script(t, "exec sleep 30")
	g := newTestFlite(t, FliteConfig{Binary: hang})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	g.Synthesize(ctx2, req)
	waitIdle(t, g)
	g.bin = real
	if pcm, err := g.Synthesize(context.Background(), req); err != nil || len(pcm) == 0 {
		t.Errorf("after a cancelled render: %d samples, %v", len(pcm), err)
	}
}

func TestFliteSSML(t *testing.T) {
	fliteOrSkip(t)
	f := newTestFlite(t, FliteConfig{})
	ctx := context.Background()
	say := func(doc string) []int16 {
		t.Helper()
		pcm, err := f.Synthesize(ctx, Request{Text: doc, SSML: true, Voice: "kal"})
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		return pcm
	}
	plain := say(`<speak>Hello world</speak>`)
	checkSpeech(t, plain, 0.5, 3)
	short := say(`<speak>Hello <break time="500ms"/> world</speak>`)
	long := say(`<speak>Hello <break time="1500ms"/> world</speak>`)
	if d := len(long) - len(short); d != audio.PlayRate {
		t.Errorf("a 1.5 s break is %d samples longer than a 0.5 s one, want %d", d, audio.PlayRate)
	}
	if run := longestSilence(short); run < 400*audio.PlayRate/1000 {
		t.Errorf("longest silence with a 500 ms break is %d ms", run*1000/audio.PlayRate)
	}
	slow := say(`<speak>Hello <prosody rate="slow">world, this is slow</prosody></speak>`)
	normal := say(`<speak>Hello world, this is slow</speak>`)
	if len(slow) <= len(normal) {
		t.Errorf("slow prosody: %d samples, normal %d", len(slow), len(normal))
	}
	soft := say(`<speak><prosody volume="x-soft">Hello world</prosody></speak>`)
	if audio.RMS(soft) > audio.RMS(plain)/2 {
		t.Errorf("x-soft RMS %.0f vs %.0f", audio.RMS(soft), audio.RMS(plain))
	}
	full := say(`<?xml version="1.0"?>
<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">
  <p><s>Thanks for calling &amp; welcome</s><s>Your number is <say-as interpret-as="digits">42</say-as></s></p>
  <p><emphasis level="strong">Press</emphasis> <sub alias="one">1</sub> for sales.<break strength="strong"/></p>
  <amazon:effect name="whispered">goodbye</amazon:effect>
</speak>`)
	checkSpeech(t, full, 3, 12)
	if _, err := f.Synthesize(ctx, Request{Text: "just text, no tags", SSML: true}); err == nil {
		t.Error("SSML without elements was accepted")
	}
	if pcm, err := f.Synthesize(ctx, Request{Text: "<speak></speak>", SSML: true}); err != nil || len(pcm) != 0 {
		t.Errorf("empty SSML: %d samples, %v", len(pcm), err)
	}
}

func longestSilence(pcm []int16) int {
	best, run := 0, 0
	for _, v := range pcm {
		if v > -50 && v < 50 {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

func TestParseSSML(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want string
	}{
		{`<speak>Hello world</speak>`, `"Hello world"`},
		{`<speak>Hello <break time="500ms"/> world</speak>`, `"Hello" 500ms "world"`},
		{`<speak>Hello <break time="2s"/><break time="1s"/>world</speak>`, `"Hello" 3000ms "world"`},
		{`<speak>a<break time="60s"/>b</speak>`, `"a" 10000ms "b"`},
		{`<speak>a<break/>b<break strength="x-weak"/>c<break strength="none"/>d</speak>`, `"a" 400ms "b" 100ms "c d"`},
		{`<speak>a <prosody rate="slow">b <prosody volume="-6dB">c</prosody></prosody> d</speak>`, `"a" "b"@1.25 "c"@1.25/0.50 "d"`},
		{`<speak><prosody rate="200%">fast</prosody><prosody rate="10%">x</prosody></speak>`, `"fast"@0.50 "x"@5.00`},
		{`<speak>Call <say-as interpret-as="telephone">555-01</say-as> now</speak>`, `"Call 5 5 5 0 1 now"`},
		{`<speak><sub alias="World Wide Web">WWW</sub> site</speak>`, `"World Wide Web site"`},
		{`<speak><p>One</p><p><s>Two</s><s>Three!</s></p></speak>`, `"One." 400ms "Two. Three!" 400ms`},
		{`<speak>Fish &amp; chips &lt;3</speak>`, `"Fish & chips <3"`},
		{`<speak>R&amp;D, caf&eacute;</speak>`, `"R&D, café"`},
		{`<speak>unclosed <emphasis>tag</speak>`, `"unclosed tag"`},
	} {
		segs, err := parseSSML(c.doc)
		if err != nil {
			t.Errorf("%s: %v", c.doc, err)
			continue
		}
		if got := describe(segs); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.doc, got, c.want)
		}
	}
	for _, bad := range []string{"plain text", "<speak>a</notspeak><", ""} {
		if segs, err := parseSSML(bad); err == nil {
			t.Errorf("%q: accepted as %s", bad, describe(segs))
		}
	}
}

func describe(segs []segment) string {
	var parts []string
	for _, s := range segs {
		if s.pauseMs > 0 {
			parts = append(parts, fmt.Sprintf("%dms", s.pauseMs))
			continue
		}
		p := fmt.Sprintf("%q", s.text)
		if s.stretch != 1 || s.gain != 1 {
			p += fmt.Sprintf("@%.2f", s.stretch)
		}
		if s.gain != 1 {
			p += fmt.Sprintf("/%.2f", s.gain)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func TestFliteInputs(t *testing.T) {
	fliteOrSkip(t)
	f := newTestFlite(t, FliteConfig{})
	ctx := context.Background()
	for _, text := range []string{"", "   \n\t "} {
		pcm, err := f.Synthesize(ctx, Request{Text: text})
		if err != nil || pcm == nil || len(pcm) != 0 {
			t.Errorf("%q: %v, %v", text, pcm, err)
		}
	}
	if f.execs.Load() != 0 {
		t.Error("empty text ran flite")
	}
	if _, err := f.Synthesize(ctx, Request{Text: strings.Repeat("a ", MaxTextLen)}); !errors.Is(err, ErrTextTooLong) {
		t.Errorf("long text: %v", err)
	}
	// Text that looks like options or shell, and control characters, is
	// just spoken.
	for _, text := range []string{"-o /tmp/x", "--help", "$(reboot); `id` | rm -rf *", "nul\x00byte\x07bell", "bad \xff utf8"} {
		pcm, err := f.Synthesize(ctx, Request{Text: text})
		if err != nil || audio.RMS(pcm) < 100 {
			t.Errorf("%q: RMS %.0f, %v", text, audio.RMS(pcm), err)
		}
	}
	if _, err := os.Stat("/tmp/x"); err == nil {
		t.Log("note: /tmp/x exists (not necessarily ours)")
	}
}

func TestNewFliteErrors(t *testing.T) {
	_, err := NewFlite(FliteConfig{Binary: "/nonexistent/flite", CacheDir: t.TempDir()})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "apt-get install flite") {
		t.Errorf("missing binary: %v", err)
	}
	if _, err := NewFlite(FliteConfig{}); err == nil {
		t.Error("no CacheDir accepted")
	}
	fliteOrSkip(t)
	if _, err := NewFlite(FliteConfig{CacheDir: t.TempDir(), DefaultVoice: "Celine"}); err == nil {
		t.Error("unknown default voice accepted")
	}
	f := newTestFlite(t, FliteConfig{DefaultVoice: "Joanna"})
	if f.def != "slt" {
		t.Errorf("default voice Joanna → %q, want slt", f.def)
	}
	// A failing flite reports its stderr.
	bad := script(t, "echo 'voice exploded' >&2; exit 3")
	g := newTestFlite(t, FliteConfig{Binary: bad})
	if _, err := g.Synthesize(context.Background(), Request{Text: "hi"}); err == nil || !strings.Contains(err.Error(), "voice exploded") {
		t.Errorf("failing flite: %v", err)
	}
}

func TestLRU(t *testing.T) {
	c := newLRU(2, 100)
	c.put("a", make([]int16, 10))
	c.put("b", make([]int16, 10))
	c.get("a")
	c.put("c", make([]int16, 10)) // evicts b, the least recent
	if _, ok := c.get("b"); ok {
		t.Error("b not evicted")
	}
	if _, ok := c.get("a"); !ok {
		t.Error("a evicted")
	}
	c.put("big", make([]int16, 101)) // larger than the cache: not stored
	if _, ok := c.get("big"); ok || c.len() != 2 {
		t.Error("oversized clip stored")
	}
	c.put("d", make([]int16, 95)) // over the sample budget: evicts down to fit
	if c.samples > 100 || c.len() != 1 {
		t.Errorf("samples %d, entries %d", c.samples, c.len())
	}
}

func TestNoASR(t *testing.T) {
	var a ASR = NoASR{}
	_, err := a.Recognize(context.Background(), make(chan []int16), Grammar{Words: []string{"sales"}})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "built without -tags pocketsphinx") {
		t.Errorf("NoASR: %v", err)
	}
	for _, a := range []ASR{nil, NoASR{}, &NoASR{}} {
		if Available(a) {
			t.Errorf("Available(%T) = true", a)
		}
	}
}

func BenchmarkSynthesizeCached(b *testing.B) {
	fliteOrSkip(b)
	f := newTestFlite(b, FliteConfig{})
	req := Request{Text: "Welcome to Switchboard. Please hold.", Voice: "rms"}
	if _, err := f.Synthesize(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f.Synthesize(context.Background(), req)
	}
}

func BenchmarkSynthesizeDiskCached(b *testing.B) {
	fliteOrSkip(b)
	f := newTestFlite(b, FliteConfig{})
	req := Request{Text: "Welcome to Switchboard. Please hold.", Voice: "rms"}
	if _, err := f.Synthesize(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f.mem = newLRU(64, 4<<20)
		f.Synthesize(context.Background(), req)
	}
}

func BenchmarkSynthesizeUncached(b *testing.B) {
	fliteOrSkip(b)
	for _, voice := range []string{"kal", "rms"} {
		b.Run(voice, func(b *testing.B) {
			f := newTestFlite(b, FliteConfig{})
			i := 0
			for b.Loop() {
				i++
				if _, err := f.Synthesize(context.Background(), Request{Text: fmt.Sprintf("Welcome to Switchboard, caller %d.", i), Voice: voice}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
