package media

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// ptComfortNoise is RFC 3389 comfort noise (static type 13, RFC 3551 §6). We
// do not generate it; received CN packets count as media (they keep the
// media timeout and latching alive) and are otherwise ignored.
const ptComfortNoise = 13

// maxPayload bounds one RTP payload so that a packet fits a 1500-byte MTU.
const maxPayload = 1400

// Frame is one received audio packet, decoded.
type Frame struct {
	Seq       uint16    // RTP sequence number
	Timestamp uint32    // RTP timestamp (8 kHz clock)
	PCM       []int16   // decoded samples; freshly allocated, the receiver may keep it
	Arrived   time.Time // when the datagram was read
}

// SessionConfig configures a Session.
type SessionConfig struct {
	// Conn is the port pair to use (required); the session owns it and
	// closes it.
	Conn *Conn
	// Remote is the peer's RTP address from its SDP. RTCP goes to Remote's
	// port + 1 (RFC 3550 §11) until RTCP arrives from the peer.
	Remote netip.AddrPort
	// Codec is the negotiated audio codec, with its payload type.
	Codec Codec
	// DTMF is the telephone-event payload type, 0 if none was negotiated.
	DTMF uint8
	// Direction is OUR direction (Negotiated.Direction); empty means
	// sendrecv.
	Direction Direction
	// MediaTimeout ends Run with ErrMediaTimeout when no RTP arrived for this
	// long while Direction lets the peer send. 0 disables it.
	MediaTimeout time.Duration
	// Latch decides whether RTP from a source other than Remote may become
	// the send target (symmetric RTP). nil lets any source latch. Called from
	// the read loop with the session's lock held: it must be fast and must
	// not call the Session.
	Latch func(netip.Addr) bool
	// Logger gets the session's log lines; nil means slog.Default().
	Logger *slog.Logger
	// RTCPInterval is the time between RTCP reports; 0 means 5 s (RFC 3550
	// §6.2 minimum).
	RTCPInterval time.Duration
	// CNAME is the RTCP SDES CNAME (RFC 3550 §6.5.1); empty picks a random one.
	CNAME string
}

// Stats are a session's counters. Byte counts are RTP payload octets, as in
// RTCP sender reports (RFC 3550 §6.4.1).
type Stats struct {
	PacketsSent, PacketsReceived uint64
	BytesSent, BytesReceived     uint64
	// Invalid counts dropped datagrams: not RTP/RTCP, wrong version, or an
	// RTP payload type that was not negotiated.
	Invalid uint64
	// Rejected counts valid RTP dropped because of its source: refused by
	// Latch, or not the source we latched to.
	Rejected uint64
	// DTMFEvents counts RFC 4733 events received (after deduplication);
	// digits given to InjectDTMF are not counted.
	DTMFEvents uint64
	// DTMFDropped counts digits dropped because nobody read DTMF() and the
	// buffer was full (the oldest digit is dropped).
	DTMFDropped uint64
	// LateFrames counts frames a player sent more than 10 ms after their slot
	// (reported by Play and Loop through AddLateFrames).
	LateFrames             uint64
	RTCPSent, RTCPReceived uint64
	// LastReceived is when the last valid RTP packet arrived (zero if none).
	LastReceived time.Time
	// Remote is where RTP goes now, and Latched whether it was learnt from
	// the peer's packets rather than taken from SDP.
	Remote  netip.AddrPort
	Latched bool
}

// Session is one RTP audio stream with its RTCP: a read loop that decodes
// audio and DTMF, and writes from a player or a bridge. Create it with
// NewSession, run Run in a goroutine, and Close it when the call ends.
type Session struct {
	conn  *Conn
	cfg   SessionConfig
	log   *slog.Logger
	ssrc  uint32
	cname string

	mu          sync.Mutex // guards the fields below, and serialises sends
	sdpRemote   netip.AddrPort
	remote      netip.AddrPort
	latched     bool
	rtcpRemote  netip.AddrPort
	rtcpLatched bool
	codec       Codec
	dtmfPT      uint8
	dir         Direction
	timeoutRef  time.Time // the media timeout counts from max(this, last RTP)
	seq         uint16
	lastTS      uint32 // timestamp of the last frame sent (or suppressed)
	lastLen     uint32 // its length in samples
	lastSendAt  time.Time
	marker      bool // the next packet sent starts a talkspurt
	dtmfActive  bool // an outgoing DTMF event owns the stream
	sentAtSR    uint64
	recv        receiveStats
	sendBuf     []byte
	payloadBuf  []byte

	lastDTMF dtmfKey // read loop only

	dtmfMu   sync.Mutex // serialises SendDTMF
	dtmfPush sync.Mutex // serialises pushes to dtmfCh
	dtmfCh   chan rune

	onAudio  atomic.Pointer[func(Frame)]
	onPacket atomic.Pointer[func(Packet)] // bridge.go

	packetsSent, packetsReceived atomic.Uint64
	bytesSent, bytesReceived     atomic.Uint64
	invalid, rejected            atomic.Uint64
	dtmfEvents, dtmfDropped      atomic.Uint64
	lateFrames                   atomic.Uint64
	rtcpSent, rtcpReceived       atomic.Uint64
	lastRecv                     atomic.Int64 // unix nanoseconds

	running   atomic.Bool
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// DTMFBuffer is the capacity of the channel DTMF returns.
const DTMFBuffer = 16

// NewSession returns a session over cfg.Conn. Nothing is read until Run.
func NewSession(cfg SessionConfig) *Session {
	if cfg.RTCPInterval <= 0 {
		cfg.RTCPInterval = 5 * time.Second
	}
	if cfg.Direction == "" {
		cfg.Direction = SendRecv
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	cname := cfg.CNAME
	if cname == "" {
		var b [8]byte
		for i := range b {
			b[i] = byte(rand.Uint32())
		}
		cname = "sb-" + hex.EncodeToString(b[:])
	}
	s := &Session{
		conn:       cfg.Conn,
		cfg:        cfg,
		log:        log.With("component", "media", "local", cfg.Conn.LocalAddr().String()),
		ssrc:       rand.Uint32(),
		cname:      cname,
		sdpRemote:  cfg.Remote,
		remote:     cfg.Remote,
		rtcpRemote: rtcpAddr(cfg.Remote),
		codec:      cfg.Codec,
		dtmfPT:     cfg.DTMF,
		dir:        cfg.Direction,
		// RFC 3550 §5.1: random initial sequence number and timestamp.
		seq:        uint16(rand.Uint32()),
		lastTS:     rand.Uint32(),
		marker:     true,
		sendBuf:    make([]byte, 1500),
		payloadBuf: make([]byte, 0, maxPayload),
		dtmfCh:     make(chan rune, DTMFBuffer),
		done:       make(chan struct{}),
	}
	return s
}

func rtcpAddr(rtpAddr netip.AddrPort) netip.AddrPort {
	if !rtpAddr.IsValid() || rtpAddr.Port() == 0 || rtpAddr.Port() == 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(rtpAddr.Addr(), rtpAddr.Port()+1)
}

// LocalAddr is the RTP address of the session's port pair.
func (s *Session) LocalAddr() netip.AddrPort { return s.conn.LocalAddr() }

// Run reads RTP and RTCP, sends an RTCP report every RTCPInterval, and
// watches the media timeout. It returns nil when ctx ends or Close is
// called, ErrMediaTimeout (wrapped) when the peer stopped sending, and
// ErrRunning if another Run is in progress. Datagrams that are not valid RTP
// never end it. Run does not close the session: call Close.
func (s *Session) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	select {
	case <-s.done:
		return nil
	default:
	}
	s.mu.Lock()
	s.timeoutRef = time.Now()
	s.mu.Unlock()

	var wg sync.WaitGroup
	var stopping atomic.Bool
	wg.Add(2)
	go func() { defer wg.Done(); s.readRTP(&stopping) }()
	go func() { defer wg.Done(); s.readRTCP(&stopping) }()
	defer func() {
		// Wake the readers with a past deadline; they see stopping and return.
		stopping.Store(true)
		now := time.Now()
		_ = s.conn.rtp.SetReadDeadline(now)
		_ = s.conn.rtcp.SetReadDeadline(now)
		wg.Wait()
		_ = s.conn.rtp.SetReadDeadline(time.Time{})
		_ = s.conn.rtcp.SetReadDeadline(time.Time{})
	}()

	report := time.NewTicker(s.cfg.RTCPInterval)
	defer report.Stop()
	var check <-chan time.Time
	if s.cfg.MediaTimeout > 0 {
		period := min(max(s.cfg.MediaTimeout/5, 10*time.Millisecond), time.Second)
		t := time.NewTicker(period)
		defer t.Stop()
		check = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.done:
			return nil
		case now := <-report.C:
			s.sendReport(now, false)
		case now := <-check:
			if err := s.checkTimeout(now); err != nil {
				return err
			}
		}
	}
}

func (s *Session) checkTimeout(now time.Time) error {
	s.mu.Lock()
	ref, dir := s.timeoutRef, s.dir
	s.mu.Unlock()
	if !dir.CanReceive() {
		return nil
	}
	if last := s.lastRecv.Load(); last > ref.UnixNano() {
		ref = time.Unix(0, last)
	}
	if idle := now.Sub(ref); idle >= s.cfg.MediaTimeout {
		s.log.Info("media timeout", "idle", idle.Round(time.Millisecond), "direction", dir)
		return fmt.Errorf("%w: no RTP on %s for %s", ErrMediaTimeout, s.LocalAddr(), idle.Round(time.Millisecond))
	}
	return nil
}

func (s *Session) readRTP(stopping *atomic.Bool) {
	buf := make([]byte, 2048)
	var pkt rtp.Packet
	for {
		n, src, err := s.conn.rtp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("RTP read", "err", err)
			time.Sleep(time.Millisecond) // do not spin on a persistent error
			continue
		}
		s.handleRTP(&pkt, buf[:n], netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), time.Now())
	}
}

// handleRTP processes one datagram from the RTP port.
func (s *Session) handleRTP(pkt *rtp.Packet, b []byte, src netip.AddrPort, now time.Time) {
	// RFC 5761 §4: a second byte of 192-223 (RTCP types 192-223) is RTCP
	// multiplexed on the RTP port. We do not offer a=rtcp-mux, but a peer
	// that muxes anyway is understood rather than counted as garbage.
	if len(b) >= 8 && b[0]>>6 == 2 && b[1] >= 192 && b[1] <= 223 {
		s.handleRTCP(b, src, now)
		return
	}
	// RFC 3550 §5.1: a 12-byte header, version 2.
	if len(b) < 12 || b[0]>>6 != 2 {
		s.invalid.Add(1)
		return
	}
	if err := pkt.Unmarshal(b); err != nil {
		s.invalid.Add(1)
		return
	}
	pt := pkt.PayloadType
	s.mu.Lock()
	codec, dtmfPT := s.codec, s.dtmfPT
	isAudio := codec.Name != "" && pt == codec.PayloadType
	isDTMF := dtmfPT != 0 && pt == dtmfPT
	if !isAudio && !isDTMF && pt != ptComfortNoise {
		s.mu.Unlock()
		s.invalid.Add(1)
		return
	}
	if !s.latched || src != s.remote {
		if !s.acceptSourceLocked(src) {
			s.mu.Unlock()
			s.rejected.Add(1)
			return
		}
	}
	s.recv.update(pkt.SSRC, pkt.SequenceNumber, pkt.Timestamp, now, isAudio)
	s.mu.Unlock()

	s.packetsReceived.Add(1)
	s.bytesReceived.Add(uint64(len(pkt.Payload)))
	s.lastRecv.Store(now.UnixNano())
	switch {
	case isDTMF:
		s.handleDTMF(pkt.Timestamp, pkt.Payload)
	case isAudio:
		if fn := s.onPacket.Load(); fn != nil {
			(*fn)(Packet{Codec: codec, Seq: pkt.SequenceNumber, Timestamp: pkt.Timestamp, Payload: pkt.Payload, Arrived: now})
		}
		if fn := s.onAudio.Load(); fn != nil {
			pcm := codec.Decode(make([]int16, 0, len(pkt.Payload)), pkt.Payload)
			(*fn)(Frame{Seq: pkt.SequenceNumber, Timestamp: pkt.Timestamp, PCM: pcm, Arrived: now})
		}
	}
}

// acceptSourceLocked implements symmetric RTP (RFC 4961; "latching"): the
// first valid RTP packet from an acceptable source decides where we send.
// The SDP address is always acceptable; another source only if Latch allows
// it. Once latched, only that source is accepted until Update changes the
// SDP address.
func (s *Session) acceptSourceLocked(src netip.AddrPort) bool {
	if s.latched {
		return src == s.remote
	}
	if src != s.sdpRemote && s.cfg.Latch != nil && !s.cfg.Latch(src.Addr()) {
		if s.rejected.Load() == 0 {
			s.log.Warn("RTP from a source that may not latch", "source", src.String(), "sdp", s.sdpRemote.String())
		}
		return false
	}
	if src != s.remote {
		s.log.Info("latched RTP", "source", src.String(), "sdp", s.sdpRemote.String())
	}
	s.remote = src
	s.latched = true
	if !s.rtcpLatched {
		s.rtcpRemote = rtcpAddr(src)
	}
	return true
}

// OnAudio sets the sink for decoded inbound audio (nil removes it). It is
// called from the read loop, one call per packet in arrival order (not
// reordered: use a JitterBuffer), and must not block.
func (s *Session) OnAudio(fn func(Frame)) {
	if fn == nil {
		s.onAudio.Store(nil)
		return
	}
	s.onAudio.Store(&fn)
}

// Update applies a re-INVITE's outcome: a new remote address, codec, DTMF
// payload type or direction. If the SDP address is unchanged the latched
// source is kept (a NATed peer that goes on hold stops sending, so it could
// not be latched again); otherwise latching starts over. Resuming from a
// direction without inbound media restarts the media timeout.
func (s *Session) Update(n Negotiated) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.Remote != s.sdpRemote {
		s.sdpRemote, s.remote, s.latched = n.Remote, n.Remote, false
		s.rtcpRemote, s.rtcpLatched = rtcpAddr(n.Remote), false
	}
	if n.Codec != s.codec {
		s.marker = true
	}
	if n.Direction == "" {
		n.Direction = SendRecv
	}
	if n.Direction.CanReceive() && !s.dir.CanReceive() {
		s.timeoutRef = time.Now()
	}
	if n.Direction.CanSend() && !s.dir.CanSend() {
		s.marker = true
	}
	s.log.Info("media update", "remote", n.Remote.String(), "codec", n.Codec.String(), "dtmf", n.DTMF, "direction", n.Direction)
	s.codec, s.dtmfPT, s.dir = n.Codec, n.DTMF, n.Direction
}

// Direction returns our current direction.
func (s *Session) Direction() Direction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// Codec returns the current codec.
func (s *Session) Codec() Codec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codec
}

// nextTimestampLocked returns the RTP timestamp and marker bit for a frame
// of n samples sent now, and records it as the last frame. Frames 40 ms or
// less apart are contiguous (ts + previous length); after a longer pause the
// timestamp advances by the elapsed time and the marker bit starts a new
// talkspurt (RFC 3550 §5.1, RFC 3551 §4.1).
func (s *Session) nextTimestampLocked(now time.Time, n uint32) (uint32, bool) {
	var ts uint32
	marker := s.marker
	switch gap := now.Sub(s.lastSendAt); {
	case s.lastSendAt.IsZero():
		ts, marker = s.lastTS, true
	case gap > 2*FrameDuration:
		ts, marker = s.lastTS+uint32(gap*SampleRate/time.Second), true
	default:
		ts = s.lastTS + s.lastLen
	}
	s.lastTS, s.lastLen, s.lastSendAt = ts, n, now
	return ts, marker
}

// canSendLocked reports whether RTP may go out now.
func (s *Session) canSendLocked() bool {
	return s.dir.CanSend() && s.remote.IsValid() && s.remote.Port() != 0 && !s.remote.Addr().IsUnspecified()
}

// WriteAudio sends one frame (normally FrameSamples samples, 20 ms): it
// encodes it with the negotiated codec and sends it with our SSRC, the next
// sequence number and a timestamp 160 after the last, or advanced by the
// elapsed time (with the marker bit) after a pause of more than 40 ms. While
// our direction forbids sending (recvonly, inactive) or a DTMF event is being
// sent, the frame is dropped; the timestamp still advances while on hold, so
// the stream resumes on the same clock. Safe for concurrent use with Run.
func (s *Session) WriteAudio(pcm []int16) error {
	return s.writeFrame("WriteAudio", len(pcm), func() ([]byte, error) {
		return s.codec.Encode(s.payloadBuf[:0], pcm), nil
	})
}

// writeFrame is the send path WriteAudio and WriteEncoded share: n is the
// frame's length in samples (its timestamp step); payload builds the
// payload under the session's lock (into s.payloadBuf), only when the frame
// is actually sent.
func (s *Session) writeFrame(op string, n int, payload func() ([]byte, error)) error {
	if n == 0 {
		return nil
	}
	if n > maxPayload {
		return fmt.Errorf("media: %s: %d samples, more than %d", op, n, maxPayload)
	}
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dtmfActive {
		return nil // RFC 4733 §2.5.1.5 lets the event replace the audio
	}
	ts, marker := s.nextTimestampLocked(now, uint32(n))
	if !s.canSendLocked() {
		s.marker = true
		return nil
	}
	p, err := payload()
	if err != nil {
		return err
	}
	return s.sendLocked(s.codec.PayloadType, marker, ts, p)
}

// sendLocked sends one RTP packet to the current remote address.
func (s *Session) sendLocked(pt uint8, marker bool, ts uint32, payload []byte) error {
	pkt := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Marker:         marker,
			PayloadType:    pt,
			SequenceNumber: s.seq,
			Timestamp:      ts,
			SSRC:           s.ssrc,
		},
		Payload: payload,
	}
	n, err := pkt.MarshalTo(s.sendBuf)
	if err != nil {
		return fmt.Errorf("media: marshal RTP: %w", err)
	}
	s.seq++
	s.marker = false
	if _, err := s.conn.rtp.WriteToUDPAddrPort(s.sendBuf[:n], s.remote); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("media: send RTP to %s: %w", s.remote, err)
	}
	s.packetsSent.Add(1)
	s.bytesSent.Add(uint64(len(payload)))
	return nil
}

// AddLateFrames adds n to Stats.LateFrames; Play and Loop call it.
func (s *Session) AddLateFrames(n uint64) { s.lateFrames.Add(n) }

// Stats returns a snapshot of the session's counters.
func (s *Session) Stats() Stats {
	st := Stats{
		PacketsSent:     s.packetsSent.Load(),
		PacketsReceived: s.packetsReceived.Load(),
		BytesSent:       s.bytesSent.Load(),
		BytesReceived:   s.bytesReceived.Load(),
		Invalid:         s.invalid.Load(),
		Rejected:        s.rejected.Load(),
		DTMFEvents:      s.dtmfEvents.Load(),
		DTMFDropped:     s.dtmfDropped.Load(),
		LateFrames:      s.lateFrames.Load(),
		RTCPSent:        s.rtcpSent.Load(),
		RTCPReceived:    s.rtcpReceived.Load(),
	}
	if ns := s.lastRecv.Load(); ns != 0 {
		st.LastReceived = time.Unix(0, ns)
	}
	s.mu.Lock()
	st.Remote, st.Latched = s.remote, s.latched
	s.mu.Unlock()
	return st
}

// Close sends an RTCP BYE (RFC 3550 §6.6), closes the port pair and ends
// Run. It is idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.sendReport(time.Now(), true)
		close(s.done)
		s.closeErr = s.conn.Close()
	})
	return s.closeErr
}
