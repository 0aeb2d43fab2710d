package speech

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/switchboard-cc/switchboard/internal/audio"
)

// FliteConfig configures NewFlite.
type FliteConfig struct {
	// Binary is the flite program: a name looked up in PATH or a path.
	// Default "flite".
	Binary string
	// CacheDir holds rendered clips (required). It is created if missing.
	CacheDir string
	// DefaultVoice is used when a Request names no voice or one VoiceFor
	// does not know. Default "kal" (8 kHz, needs no resampling).
	DefaultVoice string
	// Logger gets render failures and cache write errors; default
	// slog.Default().
	Logger *slog.Logger
	// MaxConcurrent bounds the flite processes running at once. Default 2.
	MaxConcurrent int
}

// Flite is a TTS that runs the flite program. Each clip is rendered once per
// (voice, kind, text) and cached on disk under CacheDir (file name: the hex
// SHA-256 of a format version, the voice, the kind "text" or "ssml" and the
// text; contents: raw little-endian int16 at 8 kHz mono; written to a
// temporary file and renamed, so readers never see half a clip) and in a
// small in-memory LRU. Concurrent requests for the same clip share one
// render, which stops (killing flite) only when every one of them has given
// up. Text never goes through a shell.
//
// SSML is interpreted here rather than by `flite -ssml`, which hangs on
// <prosody> and ignores break times: see parseSSML for the tags supported.
// A Flite is safe for concurrent use.
type Flite struct {
	bin string
	dir string
	def string
	log *slog.Logger
	sem chan struct{}
	mem *lru

	mu       sync.Mutex
	inflight map[string]*flight

	execs atomic.Int64 // flite processes started
}

// flight is one render that requests for the same clip share.
type flight struct {
	done     chan struct{}
	pcm      []int16
	err      error
	waiters  int // guarded by Flite.mu
	canceled bool
	cancel   context.CancelFunc
}

// cacheVersion is part of every cache key: bump it when rendering changes
// (the resampler, the SSML rules) so old clips are not served.
const cacheVersion = "v1"

// NewFlite checks that flite is installed and prepares the cache. A missing
// binary gives an error wrapping ErrUnavailable.
func NewFlite(cfg FliteConfig) (*Flite, error) {
	if cfg.CacheDir == "" {
		return nil, errors.New("flite: CacheDir is required")
	}
	bin := cfg.Binary
	if bin == "" {
		bin = "flite"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("%w: text-to-speech needs the flite program (%v); install it with `apt-get install flite`", ErrUnavailable, err)
	}
	def := cfg.DefaultVoice
	if def == "" {
		def = "kal"
	}
	if v := VoiceFor(def, ""); v == "" {
		return nil, fmt.Errorf("flite: unknown default voice %q (use kal, kal16, awb, rms, slt or a Polly name)", def)
	} else {
		def = v
	}
	if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("flite: cache directory: %w", err)
	}
	n := cfg.MaxConcurrent
	if n <= 0 {
		n = 2
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	f := &Flite{
		bin: path, dir: cfg.CacheDir, def: def, log: log,
		sem: make(chan struct{}, n), mem: newLRU(64, 4<<20),
		inflight: map[string]*flight{},
	}
	f.removeStaleTemps()
	return f, nil
}

// Synthesize implements TTS.
func (f *Flite) Synthesize(ctx context.Context, r Request) ([]int16, error) {
	if len(r.Text) > MaxTextLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTextTooLong, len(r.Text), MaxTextLen)
	}
	if strings.TrimSpace(r.Text) == "" {
		return []int16{}, nil
	}
	voice := VoiceFor(r.Voice, f.def)
	kind := "text"
	if r.SSML {
		kind = "ssml"
	}
	key := cacheKey(voice, kind, r.Text)
	if pcm, ok := f.mem.get(key); ok {
		return clone(pcm), nil
	}

	f.mu.Lock()
	fl := f.inflight[key]
	if fl == nil || fl.canceled {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		fl = &flight{done: make(chan struct{}), cancel: cancel}
		f.inflight[key] = fl
		go f.run(rctx, fl, key, voice, r)
	}
	fl.waiters++
	f.mu.Unlock()

	select {
	case <-fl.done:
		if fl.err != nil {
			return nil, fl.err
		}
		return clone(fl.pcm), nil
	case <-ctx.Done():
		f.mu.Lock()
		fl.waiters--
		if fl.waiters == 0 {
			fl.canceled = true
			fl.cancel()
		}
		f.mu.Unlock()
		return nil, ctx.Err()
	}
}

// run produces one clip: from the disk cache, else by rendering it.
func (f *Flite) run(ctx context.Context, fl *flight, key, voice string, r Request) {
	defer func() {
		fl.cancel()
		f.mu.Lock()
		if f.inflight[key] == fl {
			delete(f.inflight, key)
		}
		f.mu.Unlock()
		close(fl.done)
	}()
	file := filepath.Join(f.dir, key)
	if pcm, err := readClip(file); err == nil {
		f.mem.put(key, pcm)
		fl.pcm = pcm
		return
	} else if !errors.Is(err, fs.ErrNotExist) {
		f.log.Warn("speech cache: unreadable clip, rendering again", "file", file, "err", err)
	}
	start := time.Now()
	var pcm []int16
	var err error
	if r.SSML {
		pcm, err = f.renderSSML(ctx, voice, r.Text)
	} else {
		pcm, err = f.renderText(ctx, voice, r.Text, 1, 1)
	}
	if err != nil {
		fl.err = err
		if ctx.Err() == nil {
			f.log.Warn("speech: render failed", "voice", voice, "err", err)
		}
		return
	}
	f.log.Debug("speech: rendered", "voice", voice, "ssml", r.SSML, "chars", len(r.Text),
		"audio_ms", len(pcm)*1000/audio.PlayRate, "took", time.Since(start))
	if err := f.writeClip(file, pcm); err != nil {
		f.log.Warn("speech cache: cannot store clip", "file", file, "err", err)
	}
	f.mem.put(key, pcm)
	fl.pcm = pcm
}

func (f *Flite) renderSSML(ctx context.Context, voice, doc string) ([]int16, error) {
	segs, err := parseSSML(doc)
	if err != nil {
		return nil, err
	}
	pcm := []int16{}
	for _, s := range segs {
		if s.pauseMs > 0 {
			pcm = append(pcm, make([]int16, s.pauseMs*audio.PlayRate/1000)...)
			continue
		}
		part, err := f.renderText(ctx, voice, s.text, s.stretch, s.gain)
		if err != nil {
			return nil, err
		}
		pcm = append(pcm, part...)
	}
	return pcm, nil
}

// renderText runs flite once. stretch scales durations (2 is half speed);
// gain scales the samples.
func (f *Flite) renderText(ctx context.Context, voice, text string, stretch, gain float64) ([]int16, error) {
	text = cleanText(text)
	if text == "" {
		return []int16{}, nil
	}
	select {
	case f.sem <- struct{}{}:
		defer func() { <-f.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	tmp, err := os.CreateTemp(f.dir, ".tmp-*.wav")
	if err != nil {
		return nil, fmt.Errorf("flite: %w", err)
	}
	out := tmp.Name()
	tmp.Close()
	defer os.Remove(out)

	args := []string{"-voice", voice}
	if stretch != 1 {
		args = append(args, "--setf", "duration_stretch="+strconv.FormatFloat(stretch, 'f', 3, 64))
	}
	args = append(args, "-t", text, "-o", out)
	cmd := exec.CommandContext(ctx, f.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 2 * time.Second
	f.execs.Add(1)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return nil, fmt.Errorf("flite -voice %s: %w: %s", voice, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("flite: %w", err)
	}
	pcm, err := audio.DecodePCM8k(b)
	if err != nil {
		return nil, fmt.Errorf("flite output: %w", err)
	}
	if gain != 1 {
		for i, v := range pcm {
			pcm[i] = int16(max(-32768, min(32767, float64(v)*gain)))
		}
	}
	return pcm, nil
}

// cleanText turns control characters (which flite or exec reject, NUL among
// them) into spaces and trims; invalid UTF-8 is dropped.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func cacheKey(voice, kind, text string) string {
	h := sha256.Sum256([]byte(cacheVersion + "\x00" + voice + "\x00" + kind + "\x00" + text))
	return hex.EncodeToString(h[:])
}

func readClip(file string) ([]int16, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("odd length %d", len(b))
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm, nil
}

// writeClip stores pcm atomically: a temporary file in the same directory,
// renamed into place.
func (f *Flite) writeClip(file string, pcm []int16) error {
	b := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	tmp, err := os.CreateTemp(f.dir, ".tmp-*.pcm")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// removeStaleTemps deletes temporary files a crashed process left behind
// (older than ten minutes, so a render in progress elsewhere is spared).
func (f *Flite) removeStaleTemps() {
	names, _ := filepath.Glob(filepath.Join(f.dir, ".tmp-*"))
	for _, n := range names {
		if st, err := os.Stat(n); err == nil && time.Since(st.ModTime()) > 10*time.Minute {
			os.Remove(n)
		}
	}
}

func clone(pcm []int16) []int16 { return append(make([]int16, 0, len(pcm)), pcm...) }
