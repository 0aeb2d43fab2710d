package softphone

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-cc/switchboard/internal/media"
)

// frame returns a 160-byte PCMU payload of a tone, distinct per i.
func frame(i int) []byte {
	pcm := make([]int16, media.FrameSamples)
	for j := range pcm {
		pcm[j] = int16(6000 * math.Sin(2*math.Pi*440*float64(i*media.FrameSamples+j)/media.SampleRate))
	}
	p := media.PCMU.Encode(nil, pcm)
	p[0] = byte(i) // make every frame unique
	return p
}

// packetSink collects packets from OnPacket (copying the payloads).
type packetSink struct {
	mu   sync.Mutex
	pkts []media.Packet
}

func (s *packetSink) add(p media.Packet) {
	p.Payload = bytes.Clone(p.Payload)
	s.mu.Lock()
	s.pkts = append(s.pkts, p)
	s.mu.Unlock()
}

func (s *packetSink) get() []media.Packet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]media.Packet(nil), s.pkts...)
}

// checkContinuous fails unless pkts run on with sequence numbers +1 and
// timestamps +160.
func checkContinuous(t *testing.T, what string, pkts []rtp.Packet) {
	t.Helper()
	for i := 1; i < len(pkts); i++ {
		if pkts[i].SequenceNumber != pkts[i-1].SequenceNumber+1 {
			t.Fatalf("%s: seq %d after %d", what, pkts[i].SequenceNumber, pkts[i-1].SequenceNumber)
		}
		if d := pkts[i].Timestamp - pkts[i-1].Timestamp; d != media.FrameSamples {
			t.Fatalf("%s: timestamp step %d after packet %d, want %d", what, d, i-1, media.FrameSamples)
		}
	}
}

func TestAudioFlowsBothWaysWithContinuousStream(t *testing.T) {
	m := newManager(t)
	c, line := newClient(t, m, "agent-1")
	if !line.Connected() {
		t.Fatal("line not connected after WaitConnected")
	}

	// Server → browser: PCMU, paced like a bridge relaying a SIP leg.
	const n = 10
	for i := range n {
		if err := line.WriteEncoded(media.PCMU, frame(i)); err != nil {
			t.Fatalf("WriteEncoded: %v", err)
		}
		time.Sleep(media.FrameDuration)
	}
	checkFor(t, 3*time.Second, "10 frames at the browser", func() bool { return len(c.received()) >= n })
	got := c.received()
	for i, p := range got[:n] {
		if p.PayloadType != 0 {
			t.Fatalf("frame %d: PT %d, want PCMU 0", i, p.PayloadType)
		}
		if !bytes.Equal(p.Payload, frame(i)) {
			t.Fatalf("frame %d: payload differs from what was written", i)
		}
	}
	if !got[0].Marker {
		t.Error("the first packet has no marker bit")
	}
	checkContinuous(t, "browser", got[:n])

	// PCMA is transcoded to PCMU on the way.
	pcm := make([]int16, media.FrameSamples)
	for j := range pcm {
		pcm[j] = int16(4000 * math.Sin(float64(j)))
	}
	if err := line.WriteEncoded(media.PCMA, media.PCMA.Encode(nil, pcm)); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 3*time.Second, "the PCMA frame", func() bool { return len(c.received()) > n })
	last := c.received()[n]
	if last.PayloadType != 0 || last.SequenceNumber != got[n-1].SequenceNumber+1 {
		t.Fatalf("PCMA frame arrived as PT %d seq %d", last.PayloadType, last.SequenceNumber)
	}
	for j, s := range media.PCMU.Decode(nil, last.Payload) {
		if d := int(s) - int(pcm[j]); d > 300 || d < -300 {
			t.Fatalf("transcoded sample %d: %d, sent %d", j, s, pcm[j])
		}
	}

	// Browser → server.
	var sink packetSink
	line.OnPacket(sink.add)
	for i := range n {
		c.sendAudio(frame(100 + i))
		time.Sleep(media.FrameDuration)
	}
	checkFor(t, 3*time.Second, "10 frames at OnPacket", func() bool { return len(sink.get()) >= n })
	for i, p := range sink.get()[:n] {
		if p.Codec.Name != "PCMU" || p.Codec.PayloadType != 0 || p.Codec.ClockRate != 8000 {
			t.Fatalf("packet %d: codec %+v", i, p.Codec)
		}
		if !bytes.Equal(p.Payload, frame(100+i)) {
			t.Fatalf("packet %d: payload differs from what the browser sent", i)
		}
		if p.Arrived.IsZero() {
			t.Fatalf("packet %d: no arrival time", i)
		}
		if i > 0 && p.Seq != sink.get()[i-1].Seq+1 {
			t.Fatalf("packet %d: seq %d", i, p.Seq)
		}
	}
	st := line.Stats()
	if st.PacketsSent != n+1 || st.PacketsReceived < n || st.BytesSent != (n+1)*160 || st.LastReceived.IsZero() || !st.Connected {
		t.Fatalf("line stats %+v", st)
	}
	if ms := m.Stats(); ms.Lines != 1 || ms.PeerConnections != 1 || ms.Connected != 1 {
		t.Fatalf("manager stats %+v", ms)
	}
}

func TestDigitsFromTheBrowserAreDeliveredOnce(t *testing.T) {
	m := newManager(t)
	c, line := newClient(t, m, "agent-1")
	if c.track.te != 126 {
		t.Fatalf("client negotiated telephone-event PT %d, want 126", c.track.te)
	}
	// Outside a bridge (no sink) a digit is dropped: it must not reach
	// the next caller.
	c.sendDigit(1)
	checkFor(t, 3*time.Second, "the event outside a call", func() bool { return line.Stats().DTMFIn == 1 })

	var sink packetSink
	line.OnPacket(sink.add)
	c.sendAudio(frame(1))
	c.sendDigit(5)
	c.sendAudio(frame(2))
	c.sendDigit(11) // '#'
	for _, want := range []rune{'5', '#'} {
		select {
		case d := <-line.DTMF():
			if d != want {
				t.Fatalf("digit %q, want %q", d, want)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("digit %q not delivered", want)
		}
	}
	select {
	case d := <-line.DTMF():
		t.Fatalf("extra digit %q: duplicates of an event were not suppressed", d)
	case <-time.After(200 * time.Millisecond):
	}
	checkFor(t, 2*time.Second, "the 2 audio frames", func() bool { return len(sink.get()) >= 2 })
	if n := len(sink.get()); n != 2 {
		t.Fatalf("OnPacket got %d packets: events leaked into audio", n)
	}
	if st := line.Stats(); st.DTMFIn != 3 || st.DTMFDropped != 1 || st.Invalid != 0 {
		t.Fatalf("stats: %d events in, %d dropped, %d invalid", st.DTMFIn, st.DTMFDropped, st.Invalid)
	}

	// A digit left unread when the bridge ends is discarded.
	c.sendDigit(9)
	checkFor(t, 3*time.Second, "the fourth event", func() bool { return line.Stats().DTMFIn == 4 })
	line.OnPacket(nil)
	select {
	case d := <-line.DTMF():
		t.Fatalf("digit %q left over after the bridge ended", d)
	default:
	}
	if st := line.Stats(); st.DTMFDropped != 2 {
		t.Fatalf("DTMFDropped %d, want 2", st.DTMFDropped)
	}
}

func TestSendDTMFUsesTheBrowsersPayloadType(t *testing.T) {
	m := newManager(t)
	c, line := newClient(t, m, "agent-1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := line.WriteEncoded(media.PCMU, frame(0)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := line.SendDTMF(ctx, '5', 100*time.Millisecond); err != nil {
		t.Fatalf("SendDTMF: %v", err)
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Fatalf("SendDTMF took %v, want at least the event's 100 ms", el)
	}
	if err := line.WriteEncoded(media.PCMU, frame(1)); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 3*time.Second, "the event's end packets and the next frame", func() bool {
		return len(c.receivedPT(126)) >= 7 && len(c.receivedPT(0)) >= 2
	})
	ev := c.receivedPT(126)
	ts := ev[0].Timestamp
	if !ev[0].Marker {
		t.Error("the first event packet has no marker bit")
	}
	ends := 0
	for i, p := range ev {
		if len(p.Payload) != 4 || p.Payload[0] != 5 {
			t.Fatalf("event packet %d: payload % x, want event 5", i, p.Payload)
		}
		if p.Timestamp != ts {
			t.Fatalf("event packet %d: timestamp %d, want the event's start %d", i, p.Timestamp, ts)
		}
		if p.Payload[1]&0x80 != 0 {
			ends++
			if d := binary.BigEndian.Uint16(p.Payload[2:]); d != 800 {
				t.Fatalf("end packet duration %d, want 800 (100 ms)", d)
			}
		} else if ends > 0 {
			t.Fatal("an event packet after an end packet")
		}
	}
	if ends != 3 {
		t.Fatalf("%d end packets, want 3", ends)
	}
	// One RTP stream: the sequence numbers run on through the event.
	all := c.received()
	for i := 1; i < len(all); i++ {
		if all[i].SequenceNumber != all[i-1].SequenceNumber+1 {
			t.Fatalf("seq %d after %d", all[i].SequenceNumber, all[i-1].SequenceNumber)
		}
	}
	if after := all[len(all)-1]; after.PayloadType != 0 || !after.Marker || after.Timestamp-ts < 800 {
		t.Fatalf("audio after the event: PT %d marker %v ts +%d", after.PayloadType, after.Marker, after.Timestamp-ts)
	}
	if st := line.Stats(); st.DTMFOut != 1 {
		t.Fatalf("DTMFOut %d", st.DTMFOut)
	}
	if err := line.SendDTMF(ctx, 'x', 0); !errors.Is(err, media.ErrBadDigit) {
		t.Fatalf("SendDTMF('x'): %v, want ErrBadDigit", err)
	}
}

func TestSendDTMFWithoutTelephoneEvent(t *testing.T) {
	m := newManager(t)
	if err := m.Line("a").SendDTMF(context.Background(), '1', 0); !errors.Is(err, media.ErrNoDTMF) {
		t.Fatalf("SendDTMF on a line without a peer connection: %v, want ErrNoDTMF", err)
	}
	c := newClientPC(t, clientOptions{codecs: []webrtc.RTPCodecParameters{codec(webrtc.MimeTypePCMU, 8000, 1, 0, "")}})
	line := c.connect(m, "a")
	if err := line.SendDTMF(context.Background(), '1', 0); !errors.Is(err, media.ErrNoDTMF) {
		t.Fatalf("SendDTMF to a browser without telephone-event: %v, want ErrNoDTMF", err)
	}
}

func TestReloadSwapsThePeerConnectionAndTheStreamRunsOn(t *testing.T) {
	m := newManager(t)
	c1, line := newClient(t, m, "agent-1")
	old := line.cur.Load()

	// A bridge's relay keeps writing throughout.
	stop := make(chan struct{})
	var writer sync.WaitGroup
	var writeErrs atomic.Int64
	writer.Go(func() {
		tick := time.NewTicker(media.FrameDuration)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if err := line.WriteEncoded(media.PCMU, frame(i)); err != nil {
				writeErrs.Add(1)
			}
		}
	})
	defer func() { close(stop); writer.Wait() }()

	checkFor(t, 3*time.Second, "audio at the first browser", func() bool { return len(c1.received()) >= 5 })

	c2 := newClientPC(t, clientOptions{})
	if line2 := c2.connect(m, "agent-1"); line2 != line {
		t.Fatal("the agent got a new line on reload")
	}
	checkFor(t, 5*time.Second, "the old peer connection to close", func() bool {
		return old.pc.ConnectionState() == webrtc.PeerConnectionStateClosed
	})
	checkFor(t, 3*time.Second, "audio at the second browser", func() bool { return len(c2.received()) >= 5 })
	n1 := len(c1.received())
	time.Sleep(200 * time.Millisecond)
	if n := len(c1.received()); n != n1 {
		t.Fatalf("the old browser still receives audio (%d → %d packets)", n1, n)
	}

	r1, r2 := c1.received(), c2.received()
	last, first := r1[len(r1)-1], r2[0]
	if gap := first.SequenceNumber - last.SequenceNumber; gap == 0 || gap > 20 {
		t.Fatalf("seq went from %d (old) to %d (new): the stream did not run on", last.SequenceNumber, first.SequenceNumber)
	}
	if !first.Marker {
		t.Error("the first packet on the new peer connection has no marker bit")
	}
	if first.SSRC == last.SSRC {
		t.Error("the new peer connection reused the old SSRC")
	}
	checkContinuous(t, "second browser", r2[1:5])
	select {
	case <-line.Done():
		t.Fatal("Done closed on a swap")
	default:
	}
	if writeErrs.Load() != 0 {
		t.Fatalf("%d WriteEncoded errors during the swap", writeErrs.Load())
	}
	if st := line.Stats(); st.Swaps != 1 || !st.Connected {
		t.Fatalf("stats %+v", st)
	}
	if ms := m.Stats(); ms.Lines != 1 || ms.Connected != 1 {
		t.Fatalf("manager stats %+v", ms)
	}
}

// sipPair is a SIP peer and the call's media session facing it, on
// loopback RTP ports, as the SIP layer builds them.
func sipPair(t *testing.T) (peer, leg *media.Session) {
	t.Helper()
	base := 20000 + 2*rand.IntN(20000)
	ports, err := media.NewPorts(netip.MustParseAddr("127.0.0.1"), base, base+20)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *media.Conn {
		c, err := ports.Open()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cPeer, cLeg := open(), open()
	mk := func(c, remote *media.Conn) *media.Session {
		return media.NewSession(media.SessionConfig{Conn: c, Remote: remote.LocalAddr(), Codec: media.PCMU, DTMF: 101, Logger: testLog()})
	}
	peer, leg = mk(cPeer, cLeg), mk(cLeg, cPeer)
	for _, s := range []*media.Session{peer, leg} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = s.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			<-done
			s.Close()
		})
	}
	return peer, leg
}

func TestBridgeBetweenASIPCallAndTheBrowser(t *testing.T) {
	m := newManager(t)
	c, line := newClient(t, m, "agent-1")
	sipPeer, leg := sipPair(t)

	ctx, cancel := context.WithCancel(context.Background())
	bridged := make(chan error, 1)
	go func() { bridged <- media.Bridge(ctx, leg, line) }()
	defer func() {
		cancel()
		if err := <-bridged; err != nil {
			t.Errorf("Bridge: %v", err)
		}
	}()
	checkFor(t, 2*time.Second, "the bridge to start", func() bool { return line.onPacket.Load() != nil })

	// Caller → agent.
	for i := range 5 {
		if err := sipPeer.WriteEncoded(media.PCMU, frame(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(media.FrameDuration)
	}
	checkFor(t, 3*time.Second, "5 frames at the browser", func() bool { return len(c.receivedPT(0)) >= 5 })
	for i, p := range c.receivedPT(0)[:5] {
		if !bytes.Equal(p.Payload, frame(i)) {
			t.Fatalf("browser frame %d differs from what the caller sent", i)
		}
	}

	// Agent → caller.
	var atCaller packetSink
	sipPeer.OnPacket(atCaller.add)
	for i := range 5 {
		c.sendAudio(frame(50 + i))
		time.Sleep(media.FrameDuration)
	}
	checkFor(t, 3*time.Second, "5 frames at the caller", func() bool { return len(atCaller.get()) >= 5 })
	for i, p := range atCaller.get()[:5] {
		if p.Codec.Name != "PCMU" || !bytes.Equal(p.Payload, frame(50+i)) {
			t.Fatalf("caller frame %d: %s, payload differs from what the browser sent", i, p.Codec)
		}
	}

	// A digit pressed in the browser (PT 126) reaches the caller as an
	// RFC 4733 event with the SIP leg's PT 101.
	c.sendDigit(7)
	select {
	case d := <-sipPeer.DTMF():
		if d != '7' {
			t.Fatalf("caller got digit %q, want 7", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the browser's digit did not reach the caller")
	}
	checkFor(t, 2*time.Second, "the relayed event to end", func() bool {
		st := sipPeer.Stats()
		return st.DTMFEvents == 1
	})
	if st := sipPeer.Stats(); st.Invalid != 0 {
		t.Fatalf("caller saw %d invalid packets (a payload type other than 101?)", st.Invalid)
	}

	// And a digit from the caller reaches the browser with PT 126.
	if err := sipPeer.SendDTMF(context.Background(), '9', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 3*time.Second, "the caller's digit at the browser", func() bool {
		ev := c.receivedPT(126)
		return len(ev) > 0 && ev[len(ev)-1].Payload[1]&0x80 != 0
	})
	for _, p := range c.receivedPT(126) {
		if p.Payload[0] != 9 {
			t.Fatalf("browser got event %d, want 9", p.Payload[0])
		}
	}
	if n := len(c.receivedPT(101)); n != 0 {
		t.Fatalf("the browser got %d packets with the SIP leg's PT 101", n)
	}
}

func TestDropEndsTheBridge(t *testing.T) {
	m := newManager(t)
	c, line := newClient(t, m, "agent-1")
	_, leg := sipPair(t)
	bridged := make(chan error, 1)
	go func() { bridged <- media.Bridge(context.Background(), leg, line) }()
	checkFor(t, 2*time.Second, "the bridge to start", func() bool { return line.onPacket.Load() != nil })

	m.Drop("agent-1")
	select {
	case err := <-bridged:
		if !errors.Is(err, media.ErrClosed) {
			t.Fatalf("Bridge returned %v, want ErrClosed", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the bridge did not end on Drop")
	}
	select {
	case <-line.Done():
	default:
		t.Fatal("Done not closed after Drop")
	}
	if err := line.WriteEncoded(media.PCMU, frame(0)); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("WriteEncoded after Drop: %v, want ErrClosed", err)
	}
	if err := line.SendDTMF(context.Background(), '1', 0); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("SendDTMF after Drop: %v, want ErrClosed", err)
	}
	if err := line.WaitConnected(context.Background()); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("WaitConnected after Drop: %v, want ErrClosed", err)
	}
	if line.Connected() {
		t.Fatal("a dropped line is connected")
	}
	checkFor(t, 15*time.Second, "the browser to see its peer connection end", func() bool {
		s := c.pc.ConnectionState()
		return s != webrtc.PeerConnectionStateConnected
	})
	if err := m.Candidate("agent-1", webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}); !errors.Is(err, ErrNoPeerConnection) {
		t.Fatalf("Candidate after Drop: %v", err)
	}
	if m.Line("agent-1") == line {
		t.Fatal("Line after Drop returned the dropped line")
	}
}

func TestBadOffersAreRefusedClearly(t *testing.T) {
	m := newManager(t)
	ctx := context.Background()

	// A good connection first: bad offers must leave it alone.
	_, line := newClient(t, m, "agent-1")

	// An answer: what the manager answers to another browser's offer.
	other := newClientPC(t, clientOptions{})
	answer, err := m.Offer(ctx, "agent-2", other.offerSDP())
	if err != nil {
		t.Fatal(err)
	}
	opusOnly := newClientPC(t, clientOptions{codecs: []webrtc.RTPCodecParameters{codec(webrtc.MimeTypeOpus, 48000, 2, 111, "")}})
	videoOnly := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=setup:actpass\r\n"

	for _, tc := range []struct {
		name, sdp string
		want      error
	}{
		{"garbage", "this is not SDP", ErrBadOffer},
		{"empty", "", ErrBadOffer},
		{"truncated", "v=0\r\no=- 1 1 IN IP4\r\nm=audio", ErrBadOffer},
		{"answer", answer, ErrBadOffer},
		{"JSON answer", `{"type":"answer","sdp":"v=0"}`, ErrBadOffer},
		{"bad JSON", `{"type":`, ErrBadOffer},
		{"video only", videoOnly, ErrNoAudio},
		{"opus only", opusOnly.offerSDP(), ErrNoPCMU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Offer(ctx, "agent-1", tc.sdp)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Offer: %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "agent-1") {
				t.Errorf("error %q does not name the agent", err)
			}
		})
	}
	if !line.Connected() || line.Stats().Swaps != 0 {
		t.Fatal("a bad offer disturbed the agent's peer connection")
	}

	if err := m.Candidate("nobody", webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}); !errors.Is(err, ErrNoPeerConnection) {
		t.Fatalf("Candidate for an unknown agent: %v", err)
	}
	m.Line("idle")
	if err := m.Candidate("idle", webrtc.ICECandidateInit{}); !errors.Is(err, ErrNoPeerConnection) {
		t.Fatalf("Candidate for a line without peer connection: %v", err)
	}
	if err := m.Candidate("agent-1", webrtc.ICECandidateInit{}); err != nil {
		t.Fatalf("end-of-candidates: %v", err)
	}
	if err := m.Candidate("agent-1", webrtc.ICECandidateInit{Candidate: "candidate:garbage"}); err == nil {
		t.Fatal("a garbage candidate was accepted")
	}
	if err := line.WriteEncoded(media.Codec{Name: "opus", PayloadType: 111, ClockRate: 48000}, []byte{1, 2, 3}); err == nil {
		t.Fatal("WriteEncoded accepted opus")
	}
}

func TestOfferAcceptsJSONAndTrickledCandidates(t *testing.T) {
	m := newManager(t)
	// The browser trickles: its offer carries no candidates, they come
	// one by one through Candidate.
	c := newClientPC(t, clientOptions{})
	var cands []webrtc.ICECandidateInit
	var noCands []string
	for _, ln := range strings.Split(c.offerSDP(), "\r\n") {
		if v, ok := strings.CutPrefix(ln, "a=candidate:"); ok {
			mid, idx := "0", uint16(0)
			cands = append(cands, webrtc.ICECandidateInit{Candidate: "candidate:" + v, SDPMid: &mid, SDPMLineIndex: &idx})
			continue
		}
		if ln == "a=end-of-candidates" {
			continue
		}
		noCands = append(noCands, ln)
	}
	if len(cands) == 0 {
		t.Fatal("the client gathered no candidates")
	}
	offer := strings.Join(noCands, "\r\n")
	js := `{"type":"offer","sdp":` + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(
		`"`+offer+`"`, "\r", `\r`), "\n", `\n`), "\t", `\t`) + `}`

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := m.Offer(ctx, "agent-1", js)
	if err != nil {
		t.Fatalf("Offer (JSON): %v", err)
	}
	if !strings.Contains(answer, "a=candidate:") {
		t.Fatal("the answer carries no candidates (vanilla ICE)")
	}
	if !strings.Contains(answer, "a=rtpmap:0 PCMU/8000") || !strings.Contains(answer, "a=rtpmap:126 telephone-event/8000") {
		t.Fatalf("the answer does not keep the offer's PCMU 0 and telephone-event 126:\n%s", answer)
	}
	if strings.Contains(answer, "opus") || strings.Contains(answer, "telephone-event/48000") {
		t.Fatalf("the answer accepts more than PCMU and telephone-event/8000:\n%s", answer)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	for _, ci := range cands {
		if err := m.Candidate("agent-1", ci); err != nil {
			t.Fatalf("Candidate %q: %v", ci.Candidate, err)
		}
	}
	if err := m.Candidate("agent-1", webrtc.ICECandidateInit{}); err != nil {
		t.Fatal(err)
	}
	// A late candidate of the browser's previous PeerConnection is ignored.
	stale := "stale-ufrag"
	if err := m.Candidate("agent-1", webrtc.ICECandidateInit{Candidate: "candidate:garbage", UsernameFragment: &stale}); err != nil {
		t.Fatalf("stale candidate: %v", err)
	}
	if err := m.Line("agent-1").WaitConnected(ctx); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
}

func TestUnconnectedPeerConnectionIsClosedAfterTheTimeout(t *testing.T) {
	m, err := New(Config{Logger: testLog(), ConnectTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := newClientPC(t, clientOptions{})
	// The answer is never applied: the browser went away.
	if _, err := m.Offer(context.Background(), "agent-1", c.offerSDP()); err != nil {
		t.Fatal(err)
	}
	line := m.Line("agent-1")
	p := line.cur.Load()
	checkFor(t, 3*time.Second, "the peer connection to close", func() bool {
		return p.pc.ConnectionState() == webrtc.PeerConnectionStateClosed
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := line.WaitConnected(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitConnected: %v", err)
	}
	// Frames are dropped without error meanwhile.
	if err := line.WriteEncoded(media.PCMU, frame(0)); err != nil {
		t.Fatal(err)
	}
	if st := line.Stats(); st.Dropped != 1 || st.PacketsSent != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{UDPPortMin: 5000, UDPPortMax: 4000}); err == nil {
		t.Fatal("an empty port range was accepted")
	}
	m, err := New(Config{UDPPortMin: 40000, UDPPortMax: 40100, PublicIP: netip.MustParseAddr("203.0.113.7"), Logger: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := newClientPC(t, clientOptions{})
	answer, err := m.Offer(context.Background(), "a", c.offerSDP())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, ln := range strings.Split(answer, "\r\n") {
		if !strings.HasPrefix(ln, "a=candidate:") {
			continue
		}
		n++
		f := strings.Fields(ln)
		if f[4] != "203.0.113.7" {
			t.Errorf("candidate announces %s, want the public IP: %s", f[4], ln)
		}
		if port := f[5]; port < "40000" || port > "40100" || len(port) != 5 {
			t.Errorf("candidate port %s outside 40000-40100", port)
		}
	}
	if n == 0 {
		t.Fatalf("no candidates in the answer:\n%s", answer)
	}
}

func TestCloseClosesEveryLine(t *testing.T) {
	m, err := New(Config{Logger: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	c := newClientPC(t, clientOptions{})
	line := c.connect(m, "agent-1")
	idle := m.Line("agent-2")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	for _, l := range []*Line{line, idle} {
		select {
		case <-l.Done():
		default:
			t.Fatal("a line is open after Close")
		}
	}
	if _, err := m.Offer(context.Background(), "agent-3", c.offerSDP()); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("Offer after Close: %v", err)
	}
	select {
	case <-m.Line("agent-4").Done():
	default:
		t.Fatal("Line after Close is open")
	}
}

func BenchmarkLineWrite(b *testing.B) {
	m := newManager(b)
	c, line := newClient(b, m, "agent-1")
	_ = c
	payload := frame(1)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if err := line.WriteEncoded(media.PCMU, payload); err != nil {
			b.Fatal(err)
		}
	}
}
