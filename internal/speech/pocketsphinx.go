//go:build pocketsphinx

package speech

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include <pocketsphinx.h>

// sb_config parses argv (argv[0] is a program name) into a configuration.
static cmd_ln_t *sb_config(int argc, char **argv) {
	return cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"unicode"
	"unsafe"

	"github.com/switchboard-cc/switchboard/internal/audio"
)

// PocketsphinxConfig configures NewPocketsphinx.
type PocketsphinxConfig struct {
	// Model is the acoustic model directory; default
	// /usr/share/pocketsphinx/model/en-us/en-us (Debian pocketsphinx-en-us).
	Model string
	// Dict is the pronunciation dictionary; default
	// /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict.
	Dict string
	// Decoders bounds the recognitions running at once (each decoder holds
	// the model, tens of MB). Default 2.
	Decoders int
	// MaxSeconds caps the audio one recognition keeps; default 30.
	MaxSeconds int
	Logger     *slog.Logger
}

// Pocketsphinx is an ASR on CMU pocketsphinx (the Debian 0.8+5prealpha
// API): each Recognize takes a decoder from a pool, compiles Grammar into a
// JSGF grammar, upsamples the 8 kHz audio to 16 kHz with audio.Resample and
// decodes it when the audio channel closes.
type Pocketsphinx struct {
	cfg  PocketsphinxConfig
	log  *slog.Logger
	pool chan *psDecoder // idle decoders
	sem  chan struct{}   // one token per decoder that may exist
}

type psDecoder struct {
	ps *C.ps_decoder_t
}

// NewPocketsphinx checks the model files; decoders are created on first use.
func NewPocketsphinx(cfg PocketsphinxConfig) (*Pocketsphinx, error) {
	if cfg.Model == "" {
		cfg.Model = "/usr/share/pocketsphinx/model/en-us/en-us"
	}
	if cfg.Dict == "" {
		cfg.Dict = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
	}
	if cfg.Decoders <= 0 {
		cfg.Decoders = 2
	}
	if cfg.MaxSeconds <= 0 {
		cfg.MaxSeconds = 30
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, p := range []string{cfg.Model, cfg.Dict} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: pocketsphinx model: %v; install it with `apt-get install pocketsphinx-en-us`", ErrUnavailable, err)
		}
	}
	p := &Pocketsphinx{cfg: cfg, log: cfg.Logger, pool: make(chan *psDecoder, cfg.Decoders), sem: make(chan struct{}, cfg.Decoders)}
	return p, nil
}

// DefaultASR returns the recognizer this binary was built with: here
// (-tags pocketsphinx) a Pocketsphinx with the Debian model, or NoASR (with
// an error logged) if the model is missing.
func DefaultASR(logger *slog.Logger) ASR {
	p, err := NewPocketsphinx(PocketsphinxConfig{Logger: logger})
	if err != nil {
		if logger != nil {
			logger.Error("speech recognition unavailable", "err", err)
		}
		return NoASR{}
	}
	return p
}

func (p *Pocketsphinx) acquire(ctx context.Context) (*psDecoder, error) {
	select {
	case d := <-p.pool:
		return d, nil
	default:
	}
	select {
	case d := <-p.pool:
		return d, nil
	case p.sem <- struct{}{}:
		// Tuned on flite voices (TestPocketsphinxDigitAccuracy: 24/24 with
		// these, 8–19/24 with the defaults): noise removal off (it eats the
		// start of words in audio upsampled from 8 kHz), a low word insertion
		// penalty (a grammar loop otherwise adds words at clip ends), and
		// dither (exact digital silence upsets the energy features).
		args := []string{"switchboard", "-hmm", p.cfg.Model, "-dict", p.cfg.Dict, "-logfn", "/dev/null",
			"-samprate", "16000", "-dither", "yes", "-remove_noise", "no", "-wip", "3e-3"}
		argv := make([]*C.char, len(args))
		for i, a := range args {
			argv[i] = C.CString(a)
		}
		config := C.sb_config(C.int(len(argv)), &argv[0])
		for _, a := range argv {
			C.free(unsafe.Pointer(a))
		}
		if config == nil {
			<-p.sem
			return nil, errors.New("pocketsphinx: bad configuration")
		}
		ps := C.ps_init(config)
		C.cmd_ln_free_r(config) // ps_init keeps its own reference
		if ps == nil {
			<-p.sem
			return nil, errors.New("pocketsphinx: cannot load the model")
		}
		return &psDecoder{ps: ps}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pocketsphinx) release(d *psDecoder) { p.pool <- d }

// Close frees the idle decoders. Call it after the last Recognize has
// returned; later calls create new decoders.
func (p *Pocketsphinx) Close() {
	for {
		select {
		case d := <-p.pool:
			C.ps_free(d.ps)
			<-p.sem
		default:
			return
		}
	}
}

// Recognize implements ASR. It returns the Grammar phrase heard, as the
// Grammar spelled it; a sequence of phrases (allowed, so "one two three"
// matches a grammar of digits) is returned as the heard words, with digit
// words as digits ("123") when every word is a digit.
func (p *Pocketsphinx) Recognize(ctx context.Context, in <-chan []int16, g Grammar) (string, error) {
	phrases := map[string]string{} // normalized → as given
	var alts []string
	var pcm []int16
	limit := p.cfg.MaxSeconds * audio.PlayRate
	// Read the audio first, so a slow producer never holds a decoder.
read:
	for {
		select {
		case frame, ok := <-in:
			if !ok {
				break read
			}
			if len(pcm) < limit {
				pcm = append(pcm, frame[:min(len(frame), limit-len(pcm))]...)
			}
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	d, err := p.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer p.release(d)
	for _, w := range g.Words {
		n := normalizePhrase(w)
		if n == "" || phrases[n] != "" {
			continue
		}
		if !d.known(n) {
			p.log.Debug("speech: grammar phrase has words outside the dictionary", "phrase", w)
			continue
		}
		phrases[n] = w
		alts = append(alts, n)
	}
	if len(alts) == 0 {
		return "", fmt.Errorf("speech: no grammar phrase is in the pronunciation dictionary (%q)", g.Words)
	}
	jsgf := "#JSGF V1.0;\ngrammar switchboard;\npublic <utt> = ( " + strings.Join(alts, " | ") + " )+ ;\n"
	if len(pcm) < audio.PlayRate/10 {
		return "", ErrNoMatch
	}
	// Pad with 300 ms of silence each side: clips cut tight (prompts, tests)
	// otherwise end in a spurious word.
	pad := make([]int16, 3*audio.PlayRate/10)
	pcm = append(append(pad, pcm...), pad...)
	pcm16 := audio.Resample(pcm, audio.PlayRate, 16000)
	hyp, err := d.decode(jsgf, pcm16)
	if err != nil {
		return "", err
	}
	hyp = strings.Join(strings.Fields(hyp), " ")
	if hyp == "" {
		return "", ErrNoMatch
	}
	if orig, ok := phrases[hyp]; ok {
		return orig, nil
	}
	return digitsOrWords(hyp), nil
}

func (d *psDecoder) known(phrase string) bool {
	for _, w := range strings.Fields(phrase) {
		cw := C.CString(w)
		pron := C.ps_lookup_word(d.ps, cw)
		C.free(unsafe.Pointer(cw))
		if pron == nil {
			return false
		}
		C.free(unsafe.Pointer(pron))
	}
	return true
}

func (d *psDecoder) decode(jsgf string, pcm []int16) (string, error) {
	name, cj := C.CString("switchboard"), C.CString(jsgf)
	defer C.free(unsafe.Pointer(name))
	defer C.free(unsafe.Pointer(cj))
	if C.ps_set_jsgf_string(d.ps, name, cj) != 0 {
		return "", errors.New("pocketsphinx: grammar rejected")
	}
	if C.ps_set_search(d.ps, name) != 0 {
		return "", errors.New("pocketsphinx: cannot select the grammar")
	}
	if C.ps_start_utt(d.ps) < 0 {
		return "", errors.New("pocketsphinx: cannot start an utterance")
	}
	if len(pcm) > 0 && C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&pcm[0])), C.size_t(len(pcm)), 0, 1) < 0 {
		C.ps_end_utt(d.ps)
		return "", errors.New("pocketsphinx: decoding failed")
	}
	if C.ps_end_utt(d.ps) < 0 {
		return "", errors.New("pocketsphinx: cannot end the utterance")
	}
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return "", nil
	}
	return C.GoString(h), nil
}

var digitWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// normalizePhrase lower-cases a grammar phrase, spells digits as words and
// keeps only letters, apostrophes and single spaces (safe inside JSGF).
func normalizePhrase(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteString(" " + digitWords[r-'0'] + " ")
		case unicode.IsLetter(r) && r < unicode.MaxASCII, r == '\'':
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func digitsOrWords(hyp string) string {
	var b strings.Builder
	for _, w := range strings.Fields(hyp) {
		found := false
		for i, dw := range digitWords {
			if w == dw || w == "oh" && i == 0 {
				b.WriteByte(byte('0' + i))
				found = true
				break
			}
		}
		if !found {
			return hyp
		}
	}
	return b.String()
}
