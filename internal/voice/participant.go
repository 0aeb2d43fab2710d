// Package voice is the phone caller as the flow engine sees it: a
// Participant that speaks messages (text-to-speech or uploaded prompts) on a
// call's media session and collects the caller's keys (RFC 4733 DTMF or SIP
// INFO) with the timeouts, terminator and barge-in that IVRs have.
//
// Menus also take spoken answers when the deployment has a speech
// recognizer (listen.go).
//
// It knows nothing of SIP or of contacts: the channel (internal/app) opens
// the call, gives the participant its media, and runs the flows.
package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/speech"
)

// Media is what a participant needs of a call's media: media.Session
// implements it.
type Media interface {
	media.FrameWriter
	// DTMF delivers the caller's keys.
	DTMF() <-chan rune
}

// Config is what every participant of a deployment shares.
type Config struct {
	// TTS renders text and SSML; nil makes text messages fail (the flow
	// takes the action's error branch).
	TTS speech.TTS
	// ASR recognises utterances (bots, speech input); nil means DTMF only.
	ASR speech.ASR
	// Prompt returns an uploaded prompt's audio as 8 kHz mono PCM.
	Prompt func(ctx context.Context, p *core.Prompt) ([]int16, error)
	// DefaultVoice is the text-to-speech voice of messages that name none.
	DefaultVoice string
	// Record, if set, applies UpdateContactRecordingBehavior to the call
	// at once (start or pause the recording); nil leaves the behaviour on
	// the contact only.
	Record func(ctx context.Context, r engine.Recording) error
	// Dial calls a third party and connects the caller to it
	// (TransferParticipantToThirdParty), with the contract of
	// engine.ThirdPartyDialer. nil means the channel cannot place calls:
	// Dial fails with engine.ErrCallFailed.
	Dial   func(ctx context.Context, req engine.ThirdPartyRequest) error
	Logger *slog.Logger
}

// Defaults of an input block that sets none (Amazon Connect's).
const (
	defaultInputTimeout     = 5 * time.Second
	defaultInterdigitTimout = 5 * time.Second
)

// Participant is one caller. Its methods are used by one flow at a time
// (the inbound flow, then the queue flow), as engine.Participant requires.
type Participant struct {
	cfg Config
	m   Media
	log *slog.Logger
	in  *fanout // the caller's audio; nil when m is not an AudioSource
}

var (
	_ engine.Participant         = (*Participant)(nil)
	_ engine.IterativePlayer     = (*Participant)(nil)
	_ engine.RecordingController = (*Participant)(nil)
	_ engine.ThirdPartyDialer    = (*Participant)(nil)
)

// New returns the participant of the call whose media is m. When m
// delivers the caller's audio (AudioSource, as *media.Session does), New
// takes its sink: use ListenAudio to get the audio too.
func New(cfg Config, m Media) *Participant {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	p := &Participant{cfg: cfg, m: m, log: log}
	if src, ok := m.(AudioSource); ok {
		p.in = &fanout{}
		src.OnAudio(p.in.deliver)
	}
	return p
}

// SetRecording implements engine.RecordingController through
// Config.Record.
func (p *Participant) SetRecording(ctx context.Context, r engine.Recording) error {
	if p.cfg.Record == nil {
		return nil
	}
	return p.cfg.Record(ctx, r)
}

// Render turns a message into 8 kHz PCM: text and SSML through TTS, an
// uploaded prompt from its audio.
func (p *Participant) Render(ctx context.Context, msg engine.Message) ([]int16, error) {
	switch msg.Kind {
	case engine.MessageText, engine.MessageSSML:
		if p.cfg.TTS == nil {
			return nil, fmt.Errorf("voice: %w", speech.ErrUnavailable)
		}
		return p.cfg.TTS.Synthesize(ctx, speech.Request{Text: msg.Text, SSML: msg.Kind == engine.MessageSSML,
			Voice: speech.VoiceFor(msg.Voice.Name, p.cfg.DefaultVoice)})
	case engine.MessagePrompt:
		if msg.Prompt == nil || p.cfg.Prompt == nil {
			return nil, errors.New("voice: prompt without audio")
		}
		return p.cfg.Prompt(ctx, msg.Prompt)
	case engine.MessageMedia:
		return nil, fmt.Errorf("voice: %w: audio from %s (only uploaded prompts)", engine.ErrUnsupported, msg.URI)
	}
	return nil, fmt.Errorf("voice: unknown message kind %q", msg.Kind)
}

// Play implements engine.Participant: it speaks msg, paced in real time.
func (p *Participant) Play(ctx context.Context, msg engine.Message) error {
	pcm, err := p.Render(ctx, msg)
	if err != nil {
		return err
	}
	return media.Play(ctx, p.m, pcm)
}

// Input implements engine.Participant for keys: a menu key, or stored
// digits ended by the terminator, MaxDigits or the inter-digit timeout,
// with '*' starting again unless DisableCancelKey. A key pressed while the
// prompt plays stops it (barge-in) and counts. The timeout for the first
// key runs from the end of the prompt. Keys pressed before the block
// started are dropped. A menu whose conditions expect values also listens
// for them spoken after the prompt, when speech recognition is available
// and the media delivers the caller's audio (see listen.go): the value
// heard is returned as the flow spelled it ("two" as "2", "sales" as
// "Sales"). If the caller spoke but matched nothing before the time ran
// out, the block ends with "" (NoMatchingCondition) instead of
// ErrInputTimeout.
func (p *Participant) Input(ctx context.Context, req engine.InputRequest) (string, error) {
	if req.Kind == engine.InputUtterance {
		return p.utterance(ctx, req)
	}
	p.drain()
	pctx, stopPrompt := context.WithCancel(ctx)
	defer stopPrompt()
	prompt := make(chan error, 1)
	if req.Prompt != nil {
		pcm, err := p.Render(ctx, *req.Prompt)
		if err != nil {
			return "", err
		}
		go func() { prompt <- media.Play(pctx, p.m, pcm) }()
	} else {
		prompt <- nil
	}
	first := req.Timeout
	if first <= 0 {
		first = defaultInputTimeout
	}
	inter := req.InterdigitTimeout
	if inter <= 0 {
		inter = defaultInterdigitTimout
	}
	var (
		digits  strings.Builder
		timer   *time.Timer
		timeout <-chan time.Time
		playing = true
		// Speech input (listen.go): lis hears the caller after the prompt.
		lis       *listener
		talking   bool // an utterance is being recognised
		timedOut  bool // the first-input timeout fired while talking
		unmatched bool // an utterance matched nothing expected
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
		lis.stop()
	}()
	arm := func(d time.Duration) {
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		timeout = timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case err := <-prompt:
			playing = false
			if err != nil && pctx.Err() == nil {
				return "", err
			}
			if digits.Len() == 0 {
				arm(first)
			}
			if lis == nil && p.hearsSpeech(req) {
				lis = p.listen(ctx, req.Expected)
			}
		case h := <-lis.heard():
			if h.started {
				talking = true
				continue
			}
			talking = false
			if h.err == nil {
				return h.text, nil
			}
			if errors.Is(h.err, speech.ErrNoMatch) {
				unmatched = true
			} else {
				p.log.Warn("voice: speech input failed; keys only", "err", h.err)
			}
			if timedOut {
				return p.noInput(unmatched)
			}
		case d := <-p.m.DTMF():
			if playing {
				stopPrompt() // barge-in
			}
			if req.Kind == engine.InputMenu {
				return string(d), nil
			}
			if d == '*' && !req.DisableCancelKey {
				digits.Reset()
				arm(first)
				continue
			}
			digits.WriteRune(d)
			v := digits.String()
			if req.Terminator != "" && strings.HasSuffix(v, req.Terminator) {
				return strings.TrimSuffix(v, req.Terminator), nil
			}
			if req.MaxDigits > 0 && len(v) >= req.MaxDigits {
				return v, nil
			}
			arm(inter)
		case <-timeout:
			if digits.Len() == 0 {
				if talking { // let the caller finish
					timedOut = true
					continue
				}
				return p.noInput(unmatched)
			}
			return digits.String(), nil
		}
	}
}

// noInput ends an input block that got no key: "" (no condition matches)
// when the caller said something that was not expected, else
// ErrInputTimeout.
func (p *Participant) noInput(unmatched bool) (string, error) {
	if unmatched {
		return "", nil
	}
	return "", engine.ErrInputTimeout
}

// utterance plays the prompt and asks the speech recogniser.
func (p *Participant) utterance(ctx context.Context, req engine.InputRequest) (string, error) {
	if p.cfg.ASR == nil {
		return "", fmt.Errorf("voice: %w", speech.ErrUnavailable)
	}
	if req.Prompt != nil {
		if err := p.Play(ctx, *req.Prompt); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("voice: speech input: %w", speech.ErrUnavailable)
}

// drain drops keys pressed before an input block started.
func (p *Participant) drain() {
	for {
		select {
		case <-p.m.DTMF():
		default:
			return
		}
	}
}

// Wait implements engine.Participant: a caller sends no events a Wait
// block listens for, so it waits out the timeout (silence on the line).
func (p *Participant) Wait(ctx context.Context, req engine.WaitRequest) (string, error) {
	if req.Timeout <= 0 {
		return "", nil
	}
	t := time.NewTimer(req.Timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.C:
		return "", nil
	}
}

// PlayIteratively implements engine.IterativePlayer: it plays msgs in a
// loop until interruptEvery has passed (interrupted=true: the flow takes
// its MessagesInterrupted branch) or ctx ends. A message that cannot be
// rendered is skipped with a warning, so one bad prompt does not silence
// the queue; if none can be, the error is returned.
func (p *Participant) PlayIteratively(ctx context.Context, msgs []engine.Message, interruptEvery time.Duration) (bool, error) {
	var clips [][]int16
	var lastErr error
	for _, m := range msgs {
		pcm, err := p.Render(ctx, m)
		if err != nil {
			p.log.Warn("voice: queue message skipped", "message", m.String(), "err", err)
			lastErr = err
			continue
		}
		if len(pcm) > 0 {
			clips = append(clips, pcm)
		}
	}
	if len(clips) == 0 && lastErr != nil {
		return false, lastErr
	}
	lctx := ctx
	if interruptEvery > 0 {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, interruptEvery)
		defer cancel()
	}
	if len(clips) == 0 { // only empty messages: silence until interrupted
		<-lctx.Done()
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return true, nil
	}
	for i := 0; ; i = (i + 1) % len(clips) {
		if err := media.Play(lctx, p.m, clips[i]); err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			if lctx.Err() != nil {
				return true, nil
			}
			return false, err
		}
	}
}

// Dial implements engine.ThirdPartyDialer through Config.Dial.
func (p *Participant) Dial(ctx context.Context, req engine.ThirdPartyRequest) error {
	if p.cfg.Dial == nil {
		return fmt.Errorf("voice: no outbound calls on this channel: %w", engine.ErrCallFailed)
	}
	return p.cfg.Dial(ctx, req)
}
