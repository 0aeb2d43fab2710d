package softphone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-cc/switchboard/internal/media"
)

// maxPayload bounds one RTP payload so that a packet fits a 1500-byte MTU
// with the SRTP tag (as media does for SIP legs).
const maxPayload = 1400

// dtmfDigits maps RFC 4733 event codes 0-15 to digits (§3.2, table 7).
const dtmfDigits = "0123456789*#ABCD"

// Line is an agent's audio leg for the whole login: a media.Endpoint that
// outlives the browser's PeerConnections. Each Offer installs a new
// PeerConnection on it (closing the previous one); audio written meanwhile
// goes to whichever is installed and connected, so a bridged call carries
// on across a browser reload. The outbound stream (sequence numbers and
// timestamps) belongs to the Line, not to a PeerConnection, and runs on
// across swaps and calls; only the SSRC, which each PeerConnection
// announces in its answer, changes.
//
// Lock order: offerMu, then mu; dtmfMu, then mu; recvMu, then dtmfPush.
// The read loop calls the sink with recvMu held and never takes mu.
type Line struct {
	agentID string
	log     *slog.Logger
	mgr     *Manager

	cur atomic.Pointer[peer] // the installed PeerConnection; written under mu

	mu         sync.Mutex // guards the fields below and serialises sends
	closed     bool
	gen        uint64        // PeerConnections created for this line
	stateCh    chan struct{} // closed (and replaced) on every state change
	seq        uint16
	lastTS     uint32 // timestamp of the last frame sent (or dropped)
	lastLen    uint32 // its length in samples
	lastSendAt time.Time
	marker     bool // the next packet sent starts a talkspurt
	dtmfActive bool // an outgoing DTMF event owns the stream
	hdr        rtp.Header
	payloadBuf []byte

	offerMu sync.Mutex // serialises Offers for this line

	recvMu   sync.Mutex // serialises sink calls and DTMF parsing across read loops
	lastDTMF dtmfKey

	dtmfMu   sync.Mutex // serialises SendDTMF
	dtmfPush sync.Mutex // serialises pushes to dtmfCh
	dtmfCh   chan rune

	onPacket atomic.Pointer[func(media.Packet)]

	packetsSent, packetsReceived atomic.Uint64
	bytesSent, bytesReceived     atomic.Uint64
	dropped, invalid             atomic.Uint64
	dtmfIn, dtmfOut, dtmfDropped atomic.Uint64
	swaps                        atomic.Uint64
	lastRecv                     atomic.Int64 // unix nanoseconds

	done      chan struct{}
	closeOnce sync.Once
}

var _ media.Endpoint = (*Line)(nil)

// LineStats are a line's counters since it was created, across all its
// PeerConnections. Byte counts are RTP payload octets.
type LineStats struct {
	PacketsSent, PacketsReceived uint64
	BytesSent, BytesReceived     uint64
	// Dropped counts frames WriteEncoded dropped because no PeerConnection
	// was connected (before the first offer, during a reload).
	Dropped uint64
	// Invalid counts received packets dropped: unparsable, or a payload
	// type that is neither PCMU nor telephone-event.
	Invalid uint64
	// DTMFIn counts RFC 4733 events received from the browser (after
	// de-duplication), DTMFOut digits sent to it, DTMFDropped digits lost:
	// received outside a bridge, left unread when it ended, or pushed out
	// of a full DTMF() buffer.
	DTMFIn, DTMFOut, DTMFDropped uint64
	// Swaps counts PeerConnections replaced by a newer offer (reloads).
	Swaps uint64
	// LastReceived is when the last valid packet arrived (zero if none).
	LastReceived time.Time
	// Connected is Line.Connected at the time of the snapshot.
	Connected bool
}

// dtmfKey identifies one RFC 4733 event: all its packets share the
// timestamp (§2.5.1.1) and the end packet is sent three times (§2.5.1.4).
type dtmfKey struct {
	valid bool
	ts    uint32
	event uint8
}

func newLine(m *Manager, agentID string) *Line {
	return &Line{
		agentID:    agentID,
		log:        m.log.With("agent", agentID),
		mgr:        m,
		stateCh:    make(chan struct{}),
		seq:        uint16(rand.Uint32()),
		lastTS:     rand.Uint32(),
		marker:     true,
		hdr:        rtp.Header{Version: 2},
		payloadBuf: make([]byte, 0, maxPayload),
		dtmfCh:     make(chan rune, media.DTMFBuffer),
		done:       make(chan struct{}),
	}
}

// Logger returns the line's logger (with the agent's ID); media.Bridge
// logs through it.
func (l *Line) Logger() *slog.Logger { return l.log }

// AgentID returns the agent the line belongs to.
func (l *Line) AgentID() string { return l.agentID }

// OnPacket sets the sink for audio received from the browser (nil removes
// it), under media.Session.OnPacket's rules: one call per PCMU packet, in
// arrival order, from the read loop; the sink must not block or keep
// p.Payload. p.Codec is PCMU with the payload type the browser uses.
// Packets of a PeerConnection that has been replaced are not delivered.
//
// The sink also marks the line as in use by a bridge: digits are only
// queued on DTMF while one is set, and removing it discards the digits
// not yet read, so a key pressed between calls does not reach the next
// caller.
func (l *Line) OnPacket(fn func(media.Packet)) {
	if fn != nil {
		l.onPacket.Store(&fn)
		return
	}
	l.dtmfPush.Lock() // ordered with pushDTMF's check of the sink
	defer l.dtmfPush.Unlock()
	l.onPacket.Store(nil)
	for {
		select {
		case <-l.dtmfCh:
			l.dtmfDropped.Add(1)
		default:
			return
		}
	}
}

// Done is closed when the line is dropped (Manager.Drop, Manager.Close),
// never on a PeerConnection swap: a bridge on the line ends only when the
// agent is gone.
func (l *Line) Done() <-chan struct{} { return l.done }

// Connected reports whether a PeerConnection is installed and connected
// (ICE and DTLS) right now.
func (l *Line) Connected() bool {
	p := l.cur.Load()
	return p != nil && p.connected.Load()
}

// WaitConnected waits until the line is Connected. It returns ctx.Err()
// when ctx ends first and media.ErrClosed when the line is dropped.
func (l *Line) WaitConnected(ctx context.Context) error {
	for {
		l.mu.Lock()
		ch, closed := l.stateCh, l.closed
		l.mu.Unlock()
		if closed {
			return media.ErrClosed
		}
		if l.Connected() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.done:
			return media.ErrClosed
		case <-ch:
		}
	}
}

// notifyLocked wakes WaitConnected callers after a state change.
func (l *Line) notifyLocked() {
	close(l.stateCh)
	l.stateCh = make(chan struct{})
}

// notify is notifyLocked for callers without the lock.
func (l *Line) notify() {
	l.mu.Lock()
	l.notifyLocked()
	l.mu.Unlock()
}

// DTMF returns the digits the browser sent as RFC 4733 events (0-9 * # A-D),
// one per event, delivered on the event's first packet. The line lasts the
// whole login, so digits are queued only while an OnPacket sink is set (a
// bridge is running); others are dropped (LineStats.DTMFDropped). The
// channel holds media.DTMFBuffer digits; when it is full the oldest is
// dropped. It is never closed.
func (l *Line) DTMF() <-chan rune { return l.dtmfCh }

// Stats returns a snapshot of the line's counters.
func (l *Line) Stats() LineStats {
	st := LineStats{
		PacketsSent:     l.packetsSent.Load(),
		PacketsReceived: l.packetsReceived.Load(),
		BytesSent:       l.bytesSent.Load(),
		BytesReceived:   l.bytesReceived.Load(),
		Dropped:         l.dropped.Load(),
		Invalid:         l.invalid.Load(),
		DTMFIn:          l.dtmfIn.Load(),
		DTMFOut:         l.dtmfOut.Load(),
		DTMFDropped:     l.dtmfDropped.Load(),
		Swaps:           l.swaps.Load(),
		Connected:       l.Connected(),
	}
	if ns := l.lastRecv.Load(); ns != 0 {
		st.LastReceived = time.Unix(0, ns)
	}
	return st
}

// install makes p the line's PeerConnection and returns the one it
// replaces (nil if none), which the caller closes. The next packet sent
// carries the marker bit: it starts the new PeerConnection's stream.
func (l *Line) install(p *peer) (old *peer, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, media.ErrClosed
	}
	old = l.cur.Swap(p)
	if old != nil {
		l.swaps.Add(1)
	}
	l.marker = true
	l.notifyLocked()
	return old, nil
}

// uninstall removes p if it is still the line's PeerConnection.
func (l *Line) uninstall(p *peer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur.CompareAndSwap(p, nil) {
		l.notifyLocked()
	}
}

// close ends the line for good: Done closes, the PeerConnection closes,
// writes answer media.ErrClosed.
func (l *Line) close() {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		p := l.cur.Swap(nil)
		close(l.done)
		l.notifyLocked()
		l.mu.Unlock()
		if p != nil {
			p.close()
		}
		l.log.Info("softphone: line closed")
	})
}

// nextTimestampLocked returns the RTP timestamp and marker bit for a frame
// of n samples sent now, and records it as the last frame. As in
// media.Session, frames 40 ms or less apart are contiguous (previous
// timestamp + previous length); after a longer pause the timestamp
// advances by the elapsed time and the marker bit starts a new talkspurt
// (RFC 3550 §5.1, RFC 3551 §4.1).
func (l *Line) nextTimestampLocked(now time.Time, n uint32) (uint32, bool) {
	var ts uint32
	marker := l.marker
	switch gap := now.Sub(l.lastSendAt); {
	case l.lastSendAt.IsZero():
		ts, marker = l.lastTS, true
	case gap > 2*media.FrameDuration:
		ts, marker = l.lastTS+uint32(gap*media.SampleRate/time.Second), true
	default:
		ts = l.lastTS + l.lastLen
	}
	l.lastTS, l.lastLen, l.lastSendAt = ts, n, now
	return ts, marker
}

// WriteEncoded sends one G.711 frame to the browser: PCMU as is, PCMA
// through a table to PCMU (the browser leg is PCMU only), with the line's
// own sequence number and a timestamp that advances by the payload's
// length. While no PeerConnection is connected (before the first offer,
// during a reload) the frame is dropped and nil returned: the caller keeps
// its pace and the stream resumes with the marker bit. Frames written
// during an outgoing DTMF event are dropped too (RFC 4733 §2.5.1.5). After
// Drop it returns media.ErrClosed. Safe for concurrent use.
func (l *Line) WriteEncoded(c media.Codec, payload []byte) error {
	n := len(payload) // G.711: one byte per sample
	if n == 0 {
		return nil
	}
	if n > maxPayload {
		return fmt.Errorf("softphone: agent %s: %d-byte frame, more than %d", l.agentID, n, maxPayload)
	}
	var table *[256]byte
	switch {
	case strings.EqualFold(c.Name, "PCMU"):
	case strings.EqualFold(c.Name, "PCMA"):
		table = alawToUlaw()
	default:
		return fmt.Errorf("softphone: agent %s: cannot send %s to the browser (PCMU only)", l.agentID, c)
	}
	select {
	case <-l.done:
		return media.ErrClosed
	default:
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return media.ErrClosed
	}
	if l.dtmfActive {
		return nil
	}
	ts, marker := l.nextTimestampLocked(now, uint32(n))
	p := l.cur.Load()
	if p == nil || !p.connected.Load() || p.writer == nil {
		l.marker = true
		l.dropped.Add(1)
		return nil
	}
	if table != nil {
		buf := l.payloadBuf[:n]
		for i, b := range payload {
			buf[i] = table[b]
		}
		payload = buf
	}
	return l.sendLocked(p, p.pcmuPT, marker, ts, payload)
}

// sendLocked sends one RTP packet on p with the line's next sequence
// number. Only packets that reached pion consume a sequence number, so the
// browser sees no gap for frames dropped while disconnected.
func (l *Line) sendLocked(p *peer, pt uint8, marker bool, ts uint32, payload []byte) error {
	l.hdr.Marker = marker
	l.hdr.PayloadType = pt
	l.hdr.SequenceNumber = l.seq
	l.hdr.Timestamp = ts
	l.hdr.SSRC = p.ssrc
	if _, err := p.writer.WriteRTP(&l.hdr, payload); err != nil {
		if !p.connected.Load() {
			// The PeerConnection is closing (a swap or a failure): the
			// frame is lost like one written while disconnected.
			l.marker = true
			l.dropped.Add(1)
			return nil
		}
		return fmt.Errorf("softphone: agent %s: send RTP: %w", l.agentID, err)
	}
	l.seq++
	l.marker = false
	l.packetsSent.Add(1)
	l.bytesSent.Add(uint64(len(payload)))
	return nil
}

// SendDTMF sends one digit to the browser as an RFC 4733 event lasting d
// (clamped to 40 ms .. 8 s), with the telephone-event payload type the
// browser negotiated, exactly as media.Session.SendDTMF does for a SIP leg:
// a packet every 20 ms with the event's start timestamp and a growing
// duration, the marker bit on the first, then the end packet three times;
// audio written meanwhile is dropped. It returns media.ErrNoDTMF when the
// line has no PeerConnection or its browser negotiated no
// telephone-event/8000, media.ErrClosed after Drop, ctx.Err() (after
// sending the end packets) when ctx ends first. Packets due while the
// PeerConnection is not connected are not sent, but the call still takes d.
// Calls are serialised.
func (l *Line) SendDTMF(ctx context.Context, digit rune, d time.Duration) error {
	ev, ok := media.DTMFEvent(digit)
	if !ok {
		return fmt.Errorf("%w: %q", media.ErrBadDigit, digit)
	}
	select {
	case <-l.done:
		return media.ErrClosed
	default:
	}
	p := l.cur.Load()
	switch {
	case p == nil:
		return fmt.Errorf("%w: agent %s has no peer connection", media.ErrNoDTMF, l.agentID)
	case p.tePT() == 0:
		return fmt.Errorf("%w by agent %s's browser", media.ErrNoDTMF, l.agentID)
	}
	d = min(max(d, 2*media.FrameDuration), 8*time.Second)
	total := uint32(d * media.SampleRate / time.Second)

	l.dtmfMu.Lock()
	defer l.dtmfMu.Unlock()

	start := time.Now()
	l.mu.Lock()
	l.dtmfActive = true
	ts, _ := l.nextTimestampLocked(start, media.FrameSamples)
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.dtmfActive = false
		l.marker = true
		l.mu.Unlock()
	}()

	err := media.PlayEvent(ctx, l.done, ev, total, start, func(payload []byte, marker bool) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed {
			return media.ErrClosed
		}
		// The PeerConnection may have been swapped during the event: use
		// the current one and its payload type.
		p := l.cur.Load()
		if p == nil || !p.connected.Load() || p.writer == nil || p.sendTE == 0 {
			return nil
		}
		return l.sendLocked(p, p.sendTE, marker, ts, payload)
	})
	if err != nil {
		return err
	}
	select {
	case <-l.done:
		return media.ErrClosed
	default:
	}
	l.dtmfOut.Add(1)
	l.log.Debug("softphone: DTMF sent", "digit", string(digit), "duration", d)
	return nil
}

// handleRTP processes one packet read from p's track.
func (l *Line) handleRTP(p *peer, pkt *rtp.Packet, now time.Time) {
	l.recvMu.Lock()
	defer l.recvMu.Unlock()
	if l.cur.Load() != p {
		return // a replaced PeerConnection still draining
	}
	switch pt := pkt.PayloadType; {
	case pt == p.recvPCMU:
		l.packetsReceived.Add(1)
		l.bytesReceived.Add(uint64(len(pkt.Payload)))
		l.lastRecv.Store(now.UnixNano())
		if len(pkt.Payload) == 0 {
			return
		}
		if fn := l.onPacket.Load(); fn != nil {
			(*fn)(media.Packet{
				Codec:     media.Codec{Name: "PCMU", PayloadType: pt, ClockRate: media.SampleRate},
				Seq:       pkt.SequenceNumber,
				Timestamp: pkt.Timestamp,
				Payload:   pkt.Payload,
				Arrived:   now,
			})
		}
	case p.recvTE != 0 && pt == p.recvTE:
		l.lastRecv.Store(now.UnixNano())
		l.handleDTMFLocked(pkt.Timestamp, pkt.Payload)
	default:
		l.invalid.Add(1)
	}
}

// handleDTMFLocked processes a telephone-event payload (RFC 4733 §2.3) as
// media does: the digit is delivered on the event's first packet, and
// later packets with the same timestamp and event code are duplicates.
func (l *Line) handleDTMFLocked(ts uint32, payload []byte) {
	if len(payload) < 4 {
		l.invalid.Add(1)
		return
	}
	event := payload[0]
	if int(event) >= len(dtmfDigits) {
		return // a non-DTMF event (flash, tones): ignored
	}
	key := dtmfKey{valid: true, ts: ts, event: event}
	if key == l.lastDTMF {
		return
	}
	l.lastDTMF = key
	l.dtmfIn.Add(1)
	digit := rune(dtmfDigits[event])
	if !l.pushDTMF(digit) {
		l.log.Debug("softphone: DTMF received outside a call: dropped", "digit", string(digit), "ts", ts)
		return
	}
	l.log.Debug("softphone: DTMF received", "digit", string(digit), "ts", ts)
}

// pushDTMF puts a digit on the DTMF channel, dropping the oldest when it is
// full: the read loop never blocks on a reader. Without a sink (no bridge)
// it drops the digit and returns false.
func (l *Line) pushDTMF(d rune) bool {
	l.dtmfPush.Lock()
	defer l.dtmfPush.Unlock()
	if l.onPacket.Load() == nil {
		l.dtmfDropped.Add(1)
		return false
	}
	select {
	case l.dtmfCh <- d:
		return true
	default:
	}
	select {
	case <-l.dtmfCh:
		l.dtmfDropped.Add(1)
	default:
	}
	select {
	case l.dtmfCh <- d:
	default:
		l.dtmfDropped.Add(1)
	}
	return true
}

// alawToUlaw is the PCMA → PCMU table, built on first use from media's
// codecs (the same result as decoding to PCM and encoding again).
var alawToUlaw = sync.OnceValue(func() *[256]byte {
	var t [256]byte
	for i := range t {
		pcm := media.PCMA.Decode(nil, []byte{byte(i)})
		media.PCMU.Encode(t[i:i], pcm)
	}
	return &t
})

// peer is one PeerConnection of a line.
type peer struct {
	line *Line
	pc   *webrtc.PeerConnection
	log  *slog.Logger

	// Payload types the browser sends with, from its offer (0: none for
	// telephone-event). pion's answer keeps them.
	recvPCMU, recvTE uint8
	// ufrag is the offer's ICE username fragment: trickled candidates of
	// an older PeerConnection carry another.
	ufrag string

	connected atomic.Bool
	timer     *time.Timer // ConnectTimeout; stopped on connect

	// Set by Bind, guarded by line.mu.
	writer webrtc.TrackLocalWriter
	ssrc   uint32
	pcmuPT uint8
	sendTE uint8
	bound  bool

	closeOnce sync.Once
}

// tePT is the telephone-event payload type negotiated with the browser (0:
// none): what Bind found, or the offer's before Bind.
func (p *peer) tePT() uint8 {
	p.line.mu.Lock()
	defer p.line.mu.Unlock()
	if p.bound {
		return p.sendTE
	}
	return p.recvTE
}

// close closes the PeerConnection (once). It does not touch the line.
func (p *peer) close() {
	p.closeOnce.Do(func() {
		if p.timer != nil {
			p.timer.Stop()
		}
		p.connected.Store(false)
		if err := p.pc.Close(); err != nil {
			p.log.Debug("softphone: close peer connection", "err", err)
		}
		p.line.notify()
	})
}

// readLoop reads p's inbound audio track until the PeerConnection closes.
// Odd packets (unknown payload types, garbage) are counted and dropped;
// only the end of the stream ends the loop.
func (p *peer) readLoop(track *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := track.Read(buf)
		if err != nil {
			if n == 0 || errors.Is(err, io.EOF) {
				p.log.Debug("softphone: inbound track ended", "err", err)
				return
			}
			// pion reports a payload type it did not negotiate, or a
			// packet too short to have one, with the packet.
			p.line.invalid.Add(1)
			continue
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			p.line.invalid.Add(1)
			continue
		}
		p.line.handleRTP(p, &pkt, time.Now())
	}
}

// lineTrack is the outbound audio track of one PeerConnection. It is not a
// TrackLocalStaticRTP, which would rewrite every packet's payload type to
// the audio codec's and so break telephone-event: the line writes whole
// RTP headers itself, with the payload types found in Bind.
type lineTrack struct {
	p *peer
}

var _ webrtc.TrackLocal = (*lineTrack)(nil)

// Bind finds the negotiated PCMU and telephone-event/8000 payload types
// and keeps the SSRC and the write stream for the line.
func (t *lineTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	var pcmu *webrtc.RTPCodecParameters
	var te uint8
	codecs := ctx.CodecParameters()
	for i, c := range codecs {
		switch {
		case strings.EqualFold(c.MimeType, webrtc.MimeTypePCMU) && pcmu == nil:
			pcmu = &codecs[i]
		case strings.EqualFold(c.MimeType, mimeTelephoneEvent) && c.ClockRate == media.SampleRate && te == 0:
			te = uint8(c.PayloadType)
		}
	}
	if pcmu == nil {
		return webrtc.RTPCodecParameters{}, fmt.Errorf("softphone: PCMU not negotiated: %w", webrtc.ErrUnsupportedCodec)
	}
	l := t.p.line
	l.mu.Lock()
	t.p.writer = ctx.WriteStream()
	t.p.ssrc = uint32(ctx.SSRC())
	t.p.pcmuPT = uint8(pcmu.PayloadType)
	t.p.sendTE = te
	t.p.bound = true
	l.mu.Unlock()
	t.p.log.Debug("softphone: track bound", "ssrc", uint32(ctx.SSRC()), "pcmu", pcmu.PayloadType, "telephone-event", te)
	return *pcmu, nil
}

// Unbind forgets the write stream: later frames are dropped.
func (t *lineTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	l := t.p.line
	l.mu.Lock()
	if t.p.writer == ctx.WriteStream() {
		t.p.writer = nil
	}
	l.mu.Unlock()
	return nil
}

// ID is the track's ID in the answer (a=msid).
func (t *lineTrack) ID() string { return "audio" }

// StreamID is the track's stream in the answer (a=msid).
func (t *lineTrack) StreamID() string { return "switchboard" }

// RID is empty: no simulcast.
func (t *lineTrack) RID() string { return "" }

// Kind is audio.
func (t *lineTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }
