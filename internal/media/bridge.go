package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Packet is one received audio packet as it came off the wire: its codec
// (with the payload type the session negotiated) and its encoded payload.
// Payload belongs to the session's read buffer: it is valid only during
// the OnPacket callback.
type Packet struct {
	Codec     Codec
	Seq       uint16
	Timestamp uint32
	Payload   []byte
	Arrived   time.Time
}

// OnPacket sets a sink for inbound audio packets before decoding (nil
// removes it); Bridge uses it to relay without transcoding. Like OnAudio it
// is called from the read loop, one call per packet in arrival order, and
// must not block or keep p.Payload. It is independent of OnAudio: a
// recorder fed by OnAudio keeps recording while the session is bridged.
// RFC 4733 events and comfort noise are not packets (events go to DTMF).
func (s *Session) OnPacket(fn func(p Packet)) {
	if fn == nil {
		s.onPacket.Store(nil)
		return
	}
	s.onPacket.Store(&fn)
}

// WriteEncoded sends one frame already encoded with codec c (G.711: one
// byte per sample). When c is the session's codec (by name; the payload
// type may differ) the payload goes out as is, with the session's own
// payload type, SSRC, sequence number and timestamp; otherwise it is
// decoded and encoded again with the session's codec. Pauses, hold and
// outgoing DTMF are handled as in WriteAudio. Safe for concurrent use.
func (s *Session) WriteEncoded(c Codec, payload []byte) error {
	// G.711: one byte per sample, so the payload's length is the step.
	return s.writeFrame("WriteEncoded", len(payload), func() ([]byte, error) {
		if strings.EqualFold(c.Name, s.codec.Name) {
			return payload, nil
		}
		out := transcode(s.payloadBuf[:0], c, s.codec, payload)
		if len(out) == 0 {
			return nil, fmt.Errorf("media: cannot transcode %s to %s", c, s.codec)
		}
		return out, nil
	})
}

// transcode appends payload, encoded with from, re-encoded with to. G.711
// to G.711 goes through a 256-entry table (the same result as decoding to
// PCM and encoding again); other pairs through PCM.
func transcode(dst []byte, from, to Codec, payload []byte) []byte {
	var table *[256]byte
	switch {
	case strings.EqualFold(from.Name, "PCMU") && strings.EqualFold(to.Name, "PCMA"):
		table = ulawToAlaw()
	case strings.EqualFold(from.Name, "PCMA") && strings.EqualFold(to.Name, "PCMU"):
		table = alawToUlaw()
	default:
		return to.Encode(dst, from.Decode(make([]int16, 0, len(payload)), payload))
	}
	for _, b := range payload {
		dst = append(dst, table[b])
	}
	return dst
}

// G.711 transcoding tables, built on first use.
var (
	ulawToAlaw = sync.OnceValue(func() *[256]byte { return transcodeTable(PCMU, PCMA) })
	alawToUlaw = sync.OnceValue(func() *[256]byte { return transcodeTable(PCMA, PCMU) })
)

func transcodeTable(from, to Codec) *[256]byte {
	var t [256]byte
	for i := range t {
		pcm := from.Decode(nil, []byte{byte(i)})
		to.Encode(t[i:i], pcm)
	}
	return &t
}

// Endpoint is one side of a Bridge: a SIP leg's *Session, or any other
// audio leg that speaks G.711 frames and RFC 4733 digits (the WebRTC
// softphone's line, internal/softphone).
type Endpoint interface {
	// OnPacket sets the sink for received audio packets (nil removes it);
	// see Session.OnPacket for the rules.
	OnPacket(fn func(p Packet))
	// WriteEncoded sends one encoded frame; see Session.WriteEncoded.
	WriteEncoded(c Codec, payload []byte) error
	// DTMF delivers the digits received on the endpoint.
	DTMF() <-chan rune
	// SendDTMF sends a digit as an RFC 4733 event lasting d; ErrNoDTMF
	// when the endpoint negotiated no telephone-event.
	SendDTMF(ctx context.Context, digit rune, d time.Duration) error
	// Done is closed when the endpoint is closed for good.
	Done() <-chan struct{}
}

// Done is closed when the session is closed.
func (s *Session) Done() <-chan struct{} { return s.done }

var _ Endpoint = (*Session)(nil)

// BridgeDTMFDuration is how long a digit relayed by Bridge lasts on the
// other leg. A digit is reported when its event starts, before its length
// is known, so every relayed digit gets this standard length.
const BridgeDTMFDuration = 100 * time.Millisecond

// Bridge connects two running sessions until ctx ends: audio received on
// one is sent on the other as it arrives (no jitter buffer, no re-pacing),
// relayed as is when both use the same codec and transcoded through PCM
// otherwise (PCMU to PCMA); each leg keeps its own SSRC, sequence numbers
// and timestamps, and its own negotiated payload types. Digits received on
// one leg (RFC 4733 events, or injected from SIP INFO) are sent on the
// other as RFC 4733 events with that leg's telephone-event payload type,
// never as audio; a leg without one drops them. Bridge consumes both
// sessions' DTMF channels and replaces their OnPacket sinks while it runs.
//
// It returns nil when ctx ends and ErrClosed when either session is
// closed. Run must be running on both sessions for anything to flow.
func Bridge(ctx context.Context, a, b Endpoint) error {
	return BridgeWith(ctx, a, b, BridgeConfig{})
}

// BridgeConfig tunes BridgeWith.
type BridgeConfig struct {
	// FillSilence, when positive, keeps the RTP of each SIP leg (*Session)
	// flowing: when nothing was relayed to it for that long (the other side
	// is muted, silent with VAD, or has no media for a moment, such as a
	// softphone reloading), the bridge sends it 20 ms frames of silence
	// until audio comes again. A carrier or phone that ends calls on an
	// RTP timeout, or a NAT binding that lapses, does not see a gap.
	// Zero relays only what comes, as Bridge does.
	FillSilence time.Duration
}

// BridgeWith is Bridge with a configuration.
func BridgeWith(ctx context.Context, a, b Endpoint, cfg BridgeConfig) error {
	fa, fb := newFiller(a, cfg.FillSilence), newFiller(b, cfg.FillSilence)
	a.OnPacket(relayTo(b, fb))
	b.OnPacket(relayTo(a, fa))
	defer a.OnPacket(nil)
	defer b.OnPacket(nil)

	dctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); relayDTMF(dctx, a, b) }()
	go func() { defer wg.Done(); relayDTMF(dctx, b, a) }()
	if fa != nil || fb != nil {
		wg.Go(func() { fillSilence(dctx, cfg.FillSilence, fa, fb) })
	}
	defer wg.Wait()
	defer cancel() // before the wait
	select {
	case <-ctx.Done():
		return nil
	case <-a.Done():
		return ErrClosed
	case <-b.Done():
		return ErrClosed
	}
}

// filler is the silence a bridge sends a SIP leg when nothing else came
// for a while (BridgeConfig.FillSilence).
type filler struct {
	s    *Session
	last atomic.Int64 // UnixNano of the last frame relayed to s
}

// newFiller returns the filler of e, nil when e is not a SIP leg or
// filling is off.
func newFiller(e Endpoint, after time.Duration) *filler {
	s, ok := e.(*Session)
	if !ok || after <= 0 {
		return nil
	}
	f := &filler{s: s}
	f.last.Store(time.Now().UnixNano())
	return f
}

// fillSilence sends each filler's session a frame of silence every frame
// time while nothing was relayed to it for after, until ctx ends.
func fillSilence(ctx context.Context, after time.Duration, fs ...*filler) {
	silence := make([]int16, FrameSamples)
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			for _, f := range fs {
				if f == nil || now.UnixNano()-f.last.Load() < int64(after) {
					continue
				}
				if err := f.s.WriteAudio(silence); err != nil && !errors.Is(err, ErrClosed) {
					f.s.log.Debug("bridge: silence", "err", err)
				}
			}
		}
	}
}

// relayTo is the OnPacket sink that sends a leg's audio on the other
// (noting it in the other's filler, if any).
func relayTo(to Endpoint, f *filler) func(Packet) {
	warned := false // the read loop calls the sink sequentially
	return func(p Packet) {
		if f != nil {
			f.last.Store(time.Now().UnixNano())
		}
		if err := to.WriteEncoded(p.Codec, p.Payload); err != nil && !errors.Is(err, ErrClosed) && !warned {
			warned = true
			bridgeLog(to).Debug("bridge: relay", "err", err)
		}
	}
}

// bridgeLog is the logger of an endpoint, when it has one.
func bridgeLog(e Endpoint) *slog.Logger {
	if s, ok := e.(*Session); ok {
		return s.log
	}
	if l, ok := e.(interface{ Logger() *slog.Logger }); ok {
		return l.Logger()
	}
	return slog.Default()
}

// relayDTMF sends the digits received on from as events on to.
func relayDTMF(ctx context.Context, from, to Endpoint) {
	warned := false
	log := bridgeLog(to)
	for {
		var d rune
		select {
		case <-ctx.Done():
			return
		case <-from.Done():
			return
		case d = <-from.DTMF():
		}
		err := to.SendDTMF(ctx, d, BridgeDTMFDuration)
		switch {
		case err == nil:
			log.Debug("bridge: DTMF relayed", "digit", string(d))
		case errors.Is(err, ErrNoDTMF):
			if !warned {
				warned = true
				log.Info("bridge: digits dropped: the other leg negotiated no telephone-event")
			}
		case errors.Is(err, ErrClosed) || ctx.Err() != nil:
			return
		default:
			log.Debug("bridge: DTMF relay", "digit", string(d), "err", err)
		}
	}
}
