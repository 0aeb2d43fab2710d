package media

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

var quiet = slog.New(slog.DiscardHandler)

// checkFor polls cond until it holds or d passes.
func checkFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runSession starts s.Run and stops and closes it at the end of the test. The
// returned channel yields Run's result.
func runSession(t testing.TB, s *Session) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() { done <- s.Run(ctx); close(exited) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
		s.Close()
	})
	return done
}

func newSession(t testing.TB, p *Ports, remote netip.AddrPort, mod func(*SessionConfig)) *Session {
	t.Helper()
	c, err := p.Open()
	if err != nil {
		t.Fatal(err)
	}
	cfg := SessionConfig{Conn: c, Remote: remote, Codec: PCMU, DTMF: 101, Direction: SendRecv, Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	return NewSession(cfg)
}

// sessionPair returns two running sessions that send to each other.
func sessionPair(t testing.TB, mod func(*SessionConfig)) (a, b *Session) {
	t.Helper()
	p := testPorts(t, 20)
	ca, err := p.Open()
	if err != nil {
		t.Fatal(err)
	}
	cb, err := p.Open()
	if err != nil {
		t.Fatal(err)
	}
	cfgA := SessionConfig{Conn: ca, Remote: cb.LocalAddr(), Codec: PCMU, DTMF: 101, Direction: SendRecv, Logger: quiet}
	cfgB := SessionConfig{Conn: cb, Remote: ca.LocalAddr(), Codec: PCMU, DTMF: 101, Direction: SendRecv, Logger: quiet}
	if mod != nil {
		mod(&cfgA)
		mod(&cfgB)
	}
	a, b = NewSession(cfgA), NewSession(cfgB)
	runSession(t, a)
	runSession(t, b)
	return a, b
}

// tone returns n samples of a sine wave at hz.
func tone(hz float64, n int, amp float64) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/SampleRate))
	}
	return pcm
}

// frameSink collects frames from OnAudio.
type frameSink struct {
	mu     sync.Mutex
	frames []Frame
}

func (f *frameSink) add(fr Frame) {
	f.mu.Lock()
	f.frames = append(f.frames, fr)
	f.mu.Unlock()
}

func (f *frameSink) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.frames)
}

func (f *frameSink) get() []Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Frame(nil), f.frames...)
}

func TestSessionsExchangeDecodedAudio(t *testing.T) {
	for _, codec := range []Codec{PCMU, PCMA} {
		t.Run(codec.Name, func(t *testing.T) {
			a, b := sessionPair(t, func(c *SessionConfig) { c.Codec = codec })
			var sink frameSink
			b.OnAudio(sink.add)
			src := tone(1000, 20*FrameSamples, 8000)
			for i := range 20 {
				if err := a.WriteAudio(src[i*FrameSamples : (i+1)*FrameSamples]); err != nil {
					t.Fatal(err)
				}
			}
			checkFor(t, 5*time.Second, "20 frames", func() bool { return sink.len() == 20 })
			frames := sink.get()
			var errSum, sigSum float64
			for i, f := range frames {
				if len(f.PCM) != FrameSamples || f.Arrived.IsZero() {
					t.Fatalf("frame %d: %d samples, arrived %v", i, len(f.PCM), f.Arrived)
				}
				if i > 0 && (f.Seq != frames[i-1].Seq+1 || f.Timestamp != frames[i-1].Timestamp+FrameSamples) {
					t.Errorf("frame %d: seq %d ts %d after seq %d ts %d", i, f.Seq, f.Timestamp, frames[i-1].Seq, frames[i-1].Timestamp)
				}
				for j, s := range f.PCM {
					d := float64(s) - float64(src[i*FrameSamples+j])
					errSum += d * d
					sigSum += float64(src[i*FrameSamples+j]) * float64(src[i*FrameSamples+j])
				}
			}
			if snr := 10 * math.Log10(sigSum/errSum); snr < 30 {
				t.Errorf("SNR %.1f dB, want > 30 (G.711 gives about 38)", snr)
			}
			sa, sb := a.Stats(), b.Stats()
			if sa.PacketsSent != 20 || sa.BytesSent != 20*FrameSamples || sb.PacketsReceived != 20 || sb.BytesReceived != 20*FrameSamples {
				t.Errorf("stats: sent %+v received %+v", sa, sb)
			}
			if sb.Invalid != 0 || sb.LastReceived.IsZero() {
				t.Errorf("receiver stats %+v", sb)
			}
		})
	}
}

func TestDTMFSentByOneIsReceivedOnceByTheOther(t *testing.T) {
	for _, pt := range []uint8{96, 101} {
		t.Run(string(rune('0'+pt/100))+string(rune('0'+pt/10%10))+string(rune('0'+pt%10)), func(t *testing.T) {
			a, b := sessionPair(t, func(c *SessionConfig) { c.DTMF = pt })
			ctx := context.Background()
			for _, d := range "5#" {
				if err := a.SendDTMF(ctx, d, 100*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			// The same digit twice is two events (two timestamps).
			for range 2 {
				if err := a.SendDTMF(ctx, '7', 60*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			var got []rune
			for len(got) < 4 {
				select {
				case d := <-b.DTMF():
					got = append(got, d)
				case <-time.After(5 * time.Second):
					t.Fatalf("got %q, want 5#77", string(got))
				}
			}
			select {
			case d := <-b.DTMF():
				t.Errorf("extra digit %q after %q", d, string(got))
			case <-time.After(150 * time.Millisecond):
			}
			if string(got) != "5#77" {
				t.Errorf("got %q, want 5#77", string(got))
			}
			if ev := b.Stats().DTMFEvents; ev != 4 {
				t.Errorf("DTMFEvents = %d, want 4", ev)
			}
			// 100 ms: 4 progress packets + 3 end packets; 60 ms: 2 + 3.
			if sent := a.Stats().PacketsSent; sent != 2*7+2*5 {
				t.Errorf("PacketsSent = %d, want %d", sent, 2*7+2*5)
			}
		})
	}
}

func TestSendDTMFErrors(t *testing.T) {
	a, _ := sessionPair(t, func(c *SessionConfig) { c.DTMF = 0 })
	if err := a.SendDTMF(context.Background(), '1', 100*time.Millisecond); !errors.Is(err, ErrNoDTMF) {
		t.Errorf("no PT: err = %v, want ErrNoDTMF", err)
	}
	a.Update(Negotiated{Remote: a.Stats().Remote, Codec: PCMU, DTMF: 101, Direction: SendRecv})
	if err := a.SendDTMF(context.Background(), 'x', 100*time.Millisecond); !errors.Is(err, ErrBadDigit) {
		t.Errorf("bad digit: err = %v, want ErrBadDigit", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := a.SendDTMF(ctx, '1', 2*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: err = %v", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("cancelled SendDTMF took %v", el)
	}
}

// rawPeer is a plain UDP socket standing in for the far end.
type rawPeer struct {
	conn *net.UDPConn
}

func newRawPeer(t testing.TB) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{conn: c}
}

func (p *rawPeer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *rawPeer) send(t testing.TB, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

// read returns the next RTP packet, or false after d.
func (p *rawPeer) read(t testing.TB, d time.Duration) (rtp.Packet, bool) {
	t.Helper()
	buf := make([]byte, 1500)
	p.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := p.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		return rtp.Packet{}, false
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(buf[:n]); err != nil {
		t.Fatalf("peer got a bad RTP packet: %v", err)
	}
	pkt.Payload = append([]byte(nil), pkt.Payload...)
	return pkt, true
}

func rtpPacket(t testing.TB, pt uint8, seq uint16, ts uint32, payload []byte) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 1234}, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGarbageDatagramsAreCountedAndDropped(t *testing.T) {
	peer := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), peer.addr(), nil)
	runSession(t, s)
	var sink frameSink
	s.OnAudio(sink.add)
	to := s.LocalAddr()
	v1 := rtpPacket(t, 0, 1, 160, make([]byte, 160))
	v1[0] = 0x40 // version 1
	badPadding := rtpPacket(t, 0, 2, 320, make([]byte, 4))
	badPadding[0] |= 0x20
	badPadding[len(badPadding)-1] = 200 // padding longer than the packet
	for _, b := range [][]byte{
		[]byte("hello, RTP port"),
		{0x80},
		v1,
		rtpPacket(t, 18, 3, 480, make([]byte, 20)), // G.729: not negotiated
		badPadding,
	} {
		peer.send(t, to, b)
	}
	checkFor(t, 5*time.Second, "5 invalid datagrams", func() bool { return s.Stats().Invalid == 5 })
	peer.send(t, to, rtpPacket(t, 0, 4, 640, make([]byte, 160)))
	checkFor(t, 5*time.Second, "a good packet after the garbage", func() bool { return sink.len() == 1 })
	// The RTCP port survives garbage too.
	peer.send(t, netip.AddrPortFrom(to.Addr(), to.Port()+1), []byte("not RTCP"))
	checkFor(t, 5*time.Second, "RTCP garbage counted", func() bool { return s.Stats().Invalid == 6 })
	if st := s.Stats(); st.PacketsReceived != 1 {
		t.Errorf("PacketsReceived = %d", st.PacketsReceived)
	}
}

func TestMediaTimeoutEndsRun(t *testing.T) {
	peer := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), peer.addr(), func(c *SessionConfig) { c.MediaTimeout = 200 * time.Millisecond })
	start := time.Now()
	done := runSession(t, s)
	// Packets keep it alive for a while.
	for i := range 10 {
		peer.send(t, s.LocalAddr(), rtpPacket(t, 0, uint16(i), uint32(i*160), make([]byte, 160)))
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Run ended while RTP was flowing: %v", err)
	default:
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrMediaTimeout) {
			t.Fatalf("Run = %v, want ErrMediaTimeout", err)
		}
		if el := time.Since(start); el < 600*time.Millisecond {
			t.Errorf("timed out after %v only", el)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no media timeout")
	}
}

func TestNoMediaTimeoutWhilePeerMaySendNothing(t *testing.T) {
	for _, dir := range []Direction{SendOnly, Inactive} { // the peer is recvonly or inactive
		peer := newRawPeer(t)
		s := newSession(t, testPorts(t, 4), peer.addr(), func(c *SessionConfig) {
			c.MediaTimeout = 100 * time.Millisecond
			c.Direction = dir
		})
		done := runSession(t, s)
		select {
		case err := <-done:
			t.Fatalf("direction %s: Run = %v", dir, err)
		case <-time.After(500 * time.Millisecond):
		}
		// Off hold: the timeout counts again, from the update.
		s.Update(Negotiated{Remote: peer.addr(), Codec: PCMU, Direction: SendRecv})
		select {
		case err := <-done:
			if !errors.Is(err, ErrMediaTimeout) {
				t.Fatalf("after resume: Run = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("direction %s: no timeout after resume", dir)
		}
	}
}

func TestLatchingToTheRealSource(t *testing.T) {
	// The SDP says one port; RTP really comes from (and must go back to)
	// another, as behind a NAT.
	sdpAddr := newRawPeer(t)
	real := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), sdpAddr.addr(), nil)
	runSession(t, s)
	s.WriteAudio(make([]int16, FrameSamples))
	if _, ok := sdpAddr.read(t, 2*time.Second); !ok {
		t.Fatal("before latching, RTP does not go to the SDP address")
	}
	real.send(t, s.LocalAddr(), rtpPacket(t, 0, 1, 160, make([]byte, 160)))
	checkFor(t, 5*time.Second, "latching", func() bool { return s.Stats().Latched })
	if r := s.Stats().Remote; r != real.addr() {
		t.Fatalf("latched to %v, want %v", r, real.addr())
	}
	s.WriteAudio(make([]int16, FrameSamples))
	if _, ok := real.read(t, 2*time.Second); !ok {
		t.Fatal("after latching, RTP does not go to the source")
	}
	// Another source cannot take over.
	intruder := newRawPeer(t)
	intruder.send(t, s.LocalAddr(), rtpPacket(t, 0, 2, 320, make([]byte, 160)))
	checkFor(t, 5*time.Second, "intruder rejected", func() bool { return s.Stats().Rejected == 1 })
	if r := s.Stats().Remote; r != real.addr() {
		t.Errorf("remote moved to %v", r)
	}
	// A re-INVITE to a new address starts over.
	s.Update(Negotiated{Remote: intruder.addr(), Codec: PCMU, Direction: SendRecv})
	if st := s.Stats(); st.Latched || st.Remote != intruder.addr() {
		t.Errorf("after Update: %+v", st)
	}
}

func TestLatchRefusedKeepsSDPAddress(t *testing.T) {
	sdpAddr := newRawPeer(t)
	other := newRawPeer(t)
	var asked []netip.Addr
	var mu sync.Mutex
	s := newSession(t, testPorts(t, 4), sdpAddr.addr(), func(c *SessionConfig) {
		c.Latch = func(a netip.Addr) bool {
			mu.Lock()
			asked = append(asked, a)
			mu.Unlock()
			return false
		}
	})
	runSession(t, s)
	var sink frameSink
	s.OnAudio(sink.add)
	other.send(t, s.LocalAddr(), rtpPacket(t, 0, 1, 160, make([]byte, 160)))
	checkFor(t, 5*time.Second, "rejection", func() bool { return s.Stats().Rejected == 1 })
	if st := s.Stats(); st.Latched || st.Remote != sdpAddr.addr() || st.PacketsReceived != 0 || sink.len() != 0 {
		t.Errorf("refused source was used: %+v, %d frames", st, sink.len())
	}
	mu.Lock()
	if len(asked) != 1 || asked[0] != loopback {
		t.Errorf("Latch asked %v", asked)
	}
	mu.Unlock()
	// The SDP address itself needs no permission.
	sdpAddr.send(t, s.LocalAddr(), rtpPacket(t, 0, 2, 320, make([]byte, 160)))
	checkFor(t, 5*time.Second, "audio from the SDP address", func() bool { return sink.len() == 1 })
}

func TestWriteAudioHeadersPausesAndHold(t *testing.T) {
	peer := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), peer.addr(), nil)
	runSession(t, s)
	frame := make([]int16, FrameSamples)
	var pkts []rtp.Packet
	next := func() rtp.Packet {
		t.Helper()
		p, ok := peer.read(t, 2*time.Second)
		if !ok {
			t.Fatal("no packet")
		}
		pkts = append(pkts, p)
		return p
	}
	s.WriteAudio(frame)
	p0 := next()
	if !p0.Marker || p0.PayloadType != 0 || len(p0.Payload) != FrameSamples {
		t.Errorf("first packet: %v", p0.Header)
	}
	time.Sleep(5 * time.Millisecond)
	s.WriteAudio(frame)
	p1 := next()
	if p1.Marker || p1.SequenceNumber != p0.SequenceNumber+1 || p1.Timestamp != p0.Timestamp+FrameSamples || p1.SSRC != p0.SSRC {
		t.Errorf("second packet %v after %v", p1.Header, p0.Header)
	}
	time.Sleep(200 * time.Millisecond) // a pause in sending
	s.WriteAudio(frame)
	p2 := next()
	if adv := p2.Timestamp - p1.Timestamp; !p2.Marker || adv < 200*8 || adv > 2000*8 || p2.SequenceNumber != p1.SequenceNumber+1 {
		t.Errorf("after a 200 ms pause: marker %v, ts advanced %d, seq %d after %d", p2.Marker, adv, p2.SequenceNumber, p1.SequenceNumber)
	}
	// On hold (we are recvonly): nothing goes out, the clock runs on.
	s.Update(Negotiated{Remote: peer.addr(), Codec: PCMU, Direction: RecvOnly})
	for range 5 {
		if err := s.WriteAudio(frame); err != nil {
			t.Fatal(err)
		}
	}
	if p, ok := peer.read(t, 100*time.Millisecond); ok {
		t.Fatalf("sent while recvonly: %v", p.Header)
	}
	s.Update(Negotiated{Remote: peer.addr(), Codec: PCMA, Direction: SendRecv})
	s.WriteAudio(frame)
	p3 := next()
	if !p3.Marker || p3.PayloadType != 8 || p3.SequenceNumber != p2.SequenceNumber+1 || p3.Timestamp-p2.Timestamp < 6*FrameSamples {
		t.Errorf("after hold: %v (previous %v)", p3.Header, p2.Header)
	}
	if st := s.Stats(); st.PacketsSent != 4 {
		t.Errorf("PacketsSent = %d, want 4", st.PacketsSent)
	}
}

func TestRTCPReportsAreExchanged(t *testing.T) {
	a, b := sessionPair(t, func(c *SessionConfig) { c.RTCPInterval = 50 * time.Millisecond })
	for range 5 {
		a.WriteAudio(make([]int16, FrameSamples))
		b.WriteAudio(make([]int16, FrameSamples))
	}
	checkFor(t, 5*time.Second, "RTCP both ways", func() bool {
		return a.Stats().RTCPReceived >= 2 && b.Stats().RTCPReceived >= 2
	})
	if a.Stats().Invalid != 0 || b.Stats().Invalid != 0 {
		t.Errorf("invalid: %d %d", a.Stats().Invalid, b.Stats().Invalid)
	}
	b.mu.Lock()
	lsr := b.recv.lastSR
	b.mu.Unlock()
	if lsr == 0 {
		t.Error("b did not record a's sender report")
	}
}

func TestInjectDTMFAndBufferDropsOldest(t *testing.T) {
	s := newSession(t, testPorts(t, 4), netip.MustParseAddrPort("127.0.0.1:9"), nil)
	defer s.Close()
	s.InjectDTMF('x') // ignored
	for _, d := range "0123456789*#ABCDabcd" {
		s.InjectDTMF(d)
	}
	var got []rune
	for len(s.DTMF()) > 0 {
		got = append(got, <-s.DTMF())
	}
	if string(got) != "456789*#ABCDABCD" {
		t.Errorf("got %q", string(got))
	}
	if st := s.Stats(); st.DTMFDropped != 4 || st.DTMFEvents != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestCloseIsIdempotentAndFreesThePorts(t *testing.T) {
	p := testPorts(t, 4)
	s := newSession(t, p, netip.MustParseAddrPort("127.0.0.1:9"), nil)
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	checkFor(t, 5*time.Second, "Run started", func() bool { return s.running.Load() })
	if err := s.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end on Close")
	}
	if err := s.WriteAudio(make([]int16, FrameSamples)); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteAudio after Close = %v", err)
	}
	if p.InUse() != 0 {
		t.Errorf("InUse = %d", p.InUse())
	}
}

func BenchmarkWriteAudio(b *testing.B) {
	peer := newRawPeer(b)
	s := newSession(b, testPorts(b, 4), peer.addr(), nil)
	defer s.Close()
	go func() { // drain, so the socket buffer never fills
		buf := make([]byte, 1500)
		for {
			if _, _, err := peer.conn.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
		}
	}()
	frame := tone(440, FrameSamples, 8000)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.WriteAudio(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandleRTP(b *testing.B) {
	s := newSession(b, testPorts(b, 4), netip.MustParseAddrPort("127.0.0.1:9"), nil)
	defer s.Close()
	s.OnAudio(func(Frame) {})
	src := netip.MustParseAddrPort("127.0.0.1:9")
	pkt := rtpPacket(b, 0, 1, 160, PCMU.Encode(nil, tone(440, FrameSamples, 8000)))
	var p rtp.Packet
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s.handleRTP(&p, pkt, src, now)
	}
}

func TestAudioIsSuppressedDuringOutgoingDTMF(t *testing.T) {
	peer := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), peer.addr(), nil)
	runSession(t, s)
	dtmfDone := make(chan error, 1)
	go func() { dtmfDone <- s.SendDTMF(context.Background(), '9', 200*time.Millisecond) }()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(FrameDuration):
				s.WriteAudio(make([]int16, FrameSamples))
			}
		}
	}()
	if err := <-dtmfDone; err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	var events, ends int
	var eventTS uint32
	var afterEvent []rtp.Packet
	for {
		p, ok := peer.read(t, 300*time.Millisecond)
		if !ok {
			break
		}
		switch {
		case p.PayloadType == 101:
			if ends > 0 && p.Payload[1]&0x80 == 0 {
				t.Errorf("event packet after an end packet")
			}
			if events == 0 {
				eventTS = p.Timestamp
				if !p.Marker {
					t.Error("first event packet without marker")
				}
			} else if p.Timestamp != eventTS || p.Marker {
				t.Errorf("event packet %d: ts %d marker %v", events, p.Timestamp, p.Marker)
			}
			if p.Payload[0] != 9 {
				t.Errorf("event code %d", p.Payload[0])
			}
			if p.Payload[1]&0x80 != 0 {
				ends++
				if d := binary.BigEndian.Uint16(p.Payload[2:]); d != 1600 {
					t.Errorf("end duration %d, want 1600", d)
				}
			}
			events++
		case events > 0 && ends < 3:
			t.Errorf("audio packet sent during the event: %v", p.Header)
		case events > 0:
			afterEvent = append(afterEvent, p)
		}
	}
	if events != 10+3-1 || ends != 3 {
		t.Errorf("%d event packets, %d ends; want 9 + 3", events, ends)
	}
	if len(afterEvent) == 0 || !afterEvent[0].Marker || afterEvent[0].Timestamp-eventTS < 1600 {
		t.Errorf("audio after the event does not restart cleanly: %v", afterEvent)
	}
}

func TestUpdateWithSameAddressKeepsTheLatch(t *testing.T) {
	sdpAddr, real := newRawPeer(t), newRawPeer(t)
	s := newSession(t, testPorts(t, 4), sdpAddr.addr(), nil)
	runSession(t, s)
	real.send(t, s.LocalAddr(), rtpPacket(t, 0, 1, 160, make([]byte, 160)))
	checkFor(t, 5*time.Second, "latching", func() bool { return s.Stats().Latched })
	// The peer puts us on hold and stops sending: we keep sending to it.
	s.Update(Negotiated{Remote: sdpAddr.addr(), Codec: PCMU, Direction: SendOnly})
	if st := s.Stats(); !st.Latched || st.Remote != real.addr() {
		t.Errorf("hold re-INVITE lost the latch: %+v", st)
	}
	s.WriteAudio(make([]int16, FrameSamples))
	if _, ok := real.read(t, 2*time.Second); !ok {
		t.Error("music on hold does not reach the latched address")
	}
}

func TestRTCPMultiplexedOnTheRTPPortIsNotGarbage(t *testing.T) {
	peer := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), peer.addr(), nil)
	runSession(t, s)
	rr, err := (&rtcp.ReceiverReport{SSRC: 99}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	peer.send(t, s.LocalAddr(), rr)
	checkFor(t, 5*time.Second, "muxed RTCP", func() bool { return s.Stats().RTCPReceived == 1 })
	if st := s.Stats(); st.Invalid != 0 || st.PacketsReceived != 0 {
		t.Errorf("stats %+v", st)
	}
}

// FuzzDatagram feeds arbitrary datagrams to the RTP and RTCP handlers: they
// must never panic, and what is not RTP must be counted.
func FuzzDatagram(f *testing.F) {
	f.Add(rtpPacket(f, 0, 1, 160, make([]byte, 160)))
	f.Add(rtpPacket(f, 101, 1, 160, []byte{1, 0x8a, 0, 160}))
	f.Add(rtpPacket(f, 101, 1, 160, []byte{1}))
	rr, _ := (&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 2}}}).Marshal()
	f.Add(rr)
	f.Add([]byte("garbage"))
	s := newSession(f, testPorts(f, 4), netip.MustParseAddrPort("127.0.0.1:9"), nil)
	f.Cleanup(func() { s.Close() })
	s.OnAudio(func(Frame) {})
	src := netip.MustParseAddrPort("127.0.0.1:9")
	var pkt rtp.Packet
	f.Fuzz(func(t *testing.T, b []byte) {
		before := s.Stats()
		s.handleRTP(&pkt, b, src, time.Now())
		s.handleRTCP(b, src, time.Now())
		after := s.Stats()
		if after.Invalid == before.Invalid && after.PacketsReceived == before.PacketsReceived &&
			after.RTCPReceived == before.RTCPReceived && after.Rejected == before.Rejected {
			t.Fatalf("datagram %x neither counted nor accepted", b)
		}
		for len(s.DTMF()) > 0 {
			<-s.DTMF()
		}
	})
}
