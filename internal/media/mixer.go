package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zaf/g711"
)

// mixQueueFrames bounds each participant's receive queue (100 ms). A
// sender whose clock runs fast, or a burst after a network stall, cannot
// grow memory or latency beyond it: the oldest frame is dropped.
const mixQueueFrames = 5

// Mixer is a conference bridge for calls of three or more parties (a
// customer, an agent and a third party or a second agent): every 20 ms it
// takes one frame from each participant and sends each participant the sum
// of the others' frames, never its own voice. Unlike Bridge, which relays
// packets as they arrive, the mixer decodes, re-paces and re-encodes, so it
// costs a little latency (up to one frame of wait, plus whatever the
// participant's queue holds) in exchange for any number of parties.
//
// Digits received on one participant are sent to all the others as RFC 4733
// events, never as audio, as Bridge does. A participant's audio is used in
// arrival order (there is no jitter buffer): a frame missing at a tick is
// silence, and the participant's queue then holds one frame of cushion.
//
// Create it with NewMixer, add endpoints with Add and run Run in a
// goroutine. An endpoint must not be in a Bridge and a Mixer (or two
// mixers) at the same time: both replace its OnPacket sink. Two
// participants are mixed too, so a call can move from a bridge to a mixer
// (a third party joins) and back (it leaves) without the legs noticing
// anything but a new frame timing.
type Mixer struct {
	log     *slog.Logger
	changed chan struct{} // Add wakes Run to start the new participant's workers
	running atomic.Bool

	mu     sync.Mutex // guards the fields below; held for a whole tick
	parts  []*mixParticipant
	nextID int
	total  [FrameSamples]int32 // tick scratch: the sum of the unmuted frames
}

// mixParticipant is one endpoint in a Mixer.
type mixParticipant struct {
	e   Endpoint
	id  int                        // for logs
	enc interface{ Codec() Codec } // e, when it reports its codec

	// Under Mixer.mu.
	muted       bool
	cancel      context.CancelFunc // ends its workers; nil while none run
	removed     bool
	writeWarned bool
	has         bool                // cur holds a frame this tick
	cur         [FrameSamples]int16 // this tick's frame
	out         [FrameSamples]byte  // this tick's encoded mix

	outbox      chan rune // digits to send on e, from the others
	dtmfWarned  atomic.Bool
	codecWarned atomic.Bool

	// The receive queue, filled by the OnPacket sink: a ring of whole
	// frames and the frame being accumulated.
	qmu     sync.Mutex
	q       [mixQueueFrames][FrameSamples]int16
	qHead   int
	qLen    int
	partial [FrameSamples]int16
	pLen    int
	dropped uint64
}

// NewMixer returns an empty mixer; log gets its log lines (nil means
// slog.Default()).
func NewMixer(log *slog.Logger) *Mixer {
	if log == nil {
		log = slog.Default()
	}
	return &Mixer{log: log.With("component", "mixer"), changed: make(chan struct{}, 1)}
}

// Add joins e: from the next tick it hears the others and they hear it. It
// replaces e's OnPacket sink (so e must not be in a Bridge at the same
// time) and, while Run runs, consumes e's DTMF channel. The returned
// function removes e, restoring a nil sink; after it returns the mixer
// writes nothing more to e, so e can go straight into a Bridge. It is
// idempotent, and does nothing once e was removed because its Done closed.
// Adding an endpoint that is already in the mixer returns its existing
// remove function. Safe for concurrent use with Run.
func (m *Mixer) Add(e Endpoint) (remove func()) {
	m.mu.Lock()
	if p := m.findLocked(e); p != nil {
		m.mu.Unlock()
		return func() { m.remove(p) }
	}
	p := &mixParticipant{e: e, id: m.nextID, outbox: make(chan rune, DTMFBuffer)}
	p.enc, _ = e.(interface{ Codec() Codec })
	m.nextID++
	m.parts = append(m.parts, p)
	// Under the lock, so a concurrent remove cannot clear the sink first.
	e.OnPacket(p.receive)
	m.mu.Unlock()
	m.log.Debug("mixer: participant added", "participant", p.id)
	select {
	case m.changed <- struct{}{}:
	default:
	}
	return func() { m.remove(p) }
}

// SetMuted mutes or unmutes e: a muted participant's audio stops reaching
// the others (it still hears them). Only audio: its digits are still
// relayed. An endpoint that is not in the mixer is ignored.
func (m *Mixer) SetMuted(e Endpoint, muted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.findLocked(e); p != nil {
		p.muted = muted
	}
}

// Len returns the number of participants.
func (m *Mixer) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.parts)
}

// findLocked returns e's participant, or nil.
func (m *Mixer) findLocked(e Endpoint) *mixParticipant {
	// Comparing two interfaces holding the same non-comparable type panics
	// (interfaces of different types are simply unequal).
	if e == nil || !reflect.TypeOf(e).Comparable() {
		return nil
	}
	for _, p := range m.parts {
		if p.e == e {
			return p
		}
	}
	return nil
}

// remove takes p out of the mixer (once).
func (m *Mixer) remove(p *mixParticipant) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.removed {
		return
	}
	p.removed = true
	m.parts = slices.DeleteFunc(m.parts, func(q *mixParticipant) bool { return q == p })
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.e.OnPacket(nil)
	m.log.Debug("mixer: participant removed", "participant", p.id, "dropped_frames", p.droppedFrames())
}

// Run mixes every 20 ms until ctx ends, and returns nil then. The ticks
// follow an absolute schedule (they do not drift the way a Ticker does
// under load); if it falls more than 60 ms behind it restarts from now
// rather than bursting. While it runs, participants whose Done closes are
// removed, and each participant's digits are relayed to the others.
// Participants stay in the mixer when Run returns; a later Run carries on
// with them. Only one Run at a time: another returns ErrRunning.
func (m *Mixer) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return fmt.Errorf("media: mixer: %w", ErrRunning)
	}
	defer m.running.Store(false)

	var wg sync.WaitGroup
	startWorkers := func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, p := range m.parts {
			if p.cancel != nil {
				continue
			}
			pctx, cancel := context.WithCancel(ctx)
			p.cancel = cancel
			wg.Add(2)
			go func() { defer wg.Done(); m.watch(pctx, p) }()
			go func() { defer wg.Done(); m.sendDigits(pctx, p) }()
		}
	}
	defer func() {
		m.mu.Lock()
		for _, p := range m.parts {
			if p.cancel != nil {
				p.cancel()
				p.cancel = nil
			}
		}
		m.mu.Unlock()
		wg.Wait()
	}()

	// Audio queued while nobody mixed is stale.
	m.mu.Lock()
	for _, p := range m.parts {
		p.qmu.Lock()
		p.qLen, p.pLen = 0, 0
		p.qmu.Unlock()
	}
	m.mu.Unlock()
	startWorkers()

	start := time.Now()
	slot := 1 // the slot the timer waits for
	timer := time.NewTimer(FrameDuration)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.changed:
			startWorkers()
			continue
		case <-timer.C:
		}
		m.tick()
		now := time.Now()
		slot++
		due := start.Add(time.Duration(slot) * FrameDuration)
		if lag := now.Sub(due); lag > resyncAfter {
			m.log.Debug("mixer: behind schedule, restarting it", "lag", lag)
			start, slot = now, 1
			due = now.Add(FrameDuration)
		}
		timer.Reset(due.Sub(now))
	}
}

// tick mixes one frame: each participant gets the sum of the others'
// frames, encoded with its codec when it reports one (PCMA without a
// second quantisation), PCMU otherwise (the endpoint transcodes). It does
// not allocate.
func (m *Mixer) tick() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.total[:])
	for _, p := range m.parts {
		p.has = p.pop(&p.cur)
		if !p.has || p.muted {
			continue
		}
		for i, s := range p.cur {
			m.total[i] += int32(s)
		}
	}
	for _, p := range m.parts {
		codec, table := PCMU, ulawTable()
		if p.enc != nil && strings.EqualFold(p.enc.Codec().Name, "PCMA") {
			codec, table = PCMA, alawTable()
		}
		own := p.has && !p.muted
		for i, v := range m.total {
			if own {
				v -= int32(p.cur[i])
			}
			p.out[i] = table[uint16(clamp16(v))]
		}
		if err := p.e.WriteEncoded(codec, p.out[:]); err != nil && !errors.Is(err, ErrClosed) && !p.writeWarned {
			p.writeWarned = true
			m.log.Debug("mixer: write", "participant", p.id, "err", err)
		}
	}
}

// clamp16 saturates a sum of samples to 16 bits (clipping is less harsh
// than wrapping around).
func clamp16(v int32) int16 {
	return int16(min(max(v, -32768), 32767))
}

// receive is a participant's OnPacket sink: it decodes the payload and cuts
// it into 20 ms frames (a 10 ms packet waits for the next; a 30 ms packet
// gives a frame and a half).
func (p *mixParticipant) receive(pkt Packet) {
	var table *[256]int16
	switch {
	case strings.EqualFold(pkt.Codec.Name, "PCMU"):
		table = ulawPCM()
	case strings.EqualFold(pkt.Codec.Name, "PCMA"):
		table = alawPCM()
	default:
		if !p.codecWarned.Swap(true) {
			bridgeLog(p.e).Debug("mixer: audio in a codec it cannot decode dropped", "codec", pkt.Codec.String())
		}
		return
	}
	p.qmu.Lock()
	defer p.qmu.Unlock()
	for _, b := range pkt.Payload {
		p.partial[p.pLen] = table[b]
		p.pLen++
		if p.pLen < FrameSamples {
			continue
		}
		p.pLen = 0
		if p.qLen == mixQueueFrames {
			p.qHead = (p.qHead + 1) % mixQueueFrames
			p.qLen--
			p.dropped++
		}
		p.q[(p.qHead+p.qLen)%mixQueueFrames] = p.partial
		p.qLen++
	}
}

// pop moves the oldest queued frame to dst; false when there is none.
func (p *mixParticipant) pop(dst *[FrameSamples]int16) bool {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	if p.qLen == 0 {
		return false
	}
	*dst = p.q[p.qHead]
	p.qHead = (p.qHead + 1) % mixQueueFrames
	p.qLen--
	return true
}

func (p *mixParticipant) droppedFrames() uint64 {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	return p.dropped
}

// watch removes p when its endpoint closes and hands its digits to the
// others, until ctx ends.
func (m *Mixer) watch(ctx context.Context, p *mixParticipant) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.e.Done():
			m.log.Debug("mixer: participant closed", "participant", p.id)
			m.remove(p)
			return
		case d := <-p.e.DTMF():
			m.relayDigit(p, d)
		}
	}
}

// relayDigit queues d on every participant but from. A participant with
// DTMFBuffer digits still to send drops it rather than stall the others.
func (m *Mixer) relayDigit(from *mixParticipant, d rune) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.parts {
		if p == from {
			continue
		}
		select {
		case p.outbox <- d:
		default:
			m.log.Debug("mixer: digit dropped: too many pending", "participant", p.id, "digit", string(d))
		}
	}
}

// sendDigits sends the digits queued for p as RFC 4733 events, one at a
// time (each takes BridgeDTMFDuration), until ctx ends.
func (m *Mixer) sendDigits(ctx context.Context, p *mixParticipant) {
	for {
		var d rune
		select {
		case <-ctx.Done():
			return
		case d = <-p.outbox:
		}
		err := p.e.SendDTMF(ctx, d, BridgeDTMFDuration)
		switch {
		case err == nil:
			m.log.Debug("mixer: DTMF relayed", "participant", p.id, "digit", string(d))
		case errors.Is(err, ErrNoDTMF):
			if !p.dtmfWarned.Swap(true) {
				m.log.Info("mixer: digits dropped: a participant negotiated no telephone-event", "participant", p.id)
			}
		case errors.Is(err, ErrClosed) || ctx.Err() != nil:
			return
		default:
			m.log.Debug("mixer: DTMF relay", "participant", p.id, "digit", string(d), "err", err)
		}
	}
}

// G.711 decoding tables (256 entries), built on first use.
var (
	ulawPCM = sync.OnceValue(func() *[256]int16 { return decodeTable(g711.DecodeUlawFrame) })
	alawPCM = sync.OnceValue(func() *[256]int16 { return decodeTable(g711.DecodeAlawFrame) })
)

func decodeTable(decode func(byte) int16) *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = decode(byte(i))
	}
	return &t
}
