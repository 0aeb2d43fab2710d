package media

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// bridged is caller ↔ legA =Bridge= legB ↔ callee, four sessions on real
// loopback UDP ports.
type bridged struct {
	caller, legA, legB, callee *Session
}

// newBridged starts the four sessions and the bridge (until the test
// ends). The A side uses codecA and telephone-event 101, the B side codecB
// and dtmfB.
func newBridged(t testing.TB, codecA, codecB Codec, dtmfB uint8) *bridged {
	t.Helper()
	return newBridgedWith(t, codecA, codecB, dtmfB, BridgeConfig{})
}

// newBridgedWith is newBridged with the bridge's configuration.
func newBridgedWith(t testing.TB, codecA, codecB Codec, dtmfB uint8, cfg BridgeConfig) *bridged {
	t.Helper()
	p := testPorts(t, 8)
	open := func() *Conn {
		c, err := p.Open()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cCaller, cA, cB, cCallee := open(), open(), open(), open()
	mk := func(c *Conn, remote *Conn, codec Codec, dtmf uint8) *Session {
		return NewSession(SessionConfig{Conn: c, Remote: remote.LocalAddr(), Codec: codec, DTMF: dtmf, Logger: quiet})
	}
	b := &bridged{
		caller: mk(cCaller, cA, codecA, 101),
		legA:   mk(cA, cCaller, codecA, 101),
		legB:   mk(cB, cCallee, codecB, dtmfB),
		callee: mk(cCallee, cB, codecB, dtmfB),
	}
	for _, s := range []*Session{b.caller, b.legA, b.legB, b.callee} {
		runSession(t, s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- BridgeWith(ctx, b.legA, b.legB, cfg) }()
	checkFor(t, 2*time.Second, "the bridge to start", func() bool {
		return b.legA.onPacket.Load() != nil && b.legB.onPacket.Load() != nil
	})
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Bridge: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Bridge did not return after cancel")
		}
	})
	return b
}

// packetSink collects packets from OnPacket (copying the payloads).
type packetSink struct {
	mu   sync.Mutex
	pkts []Packet
}

func (s *packetSink) add(p Packet) {
	p.Payload = bytes.Clone(p.Payload)
	s.mu.Lock()
	s.pkts = append(s.pkts, p)
	s.mu.Unlock()
}

func (s *packetSink) get() []Packet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Packet(nil), s.pkts...)
}

// send writes frames of pcm to s, 20 ms apart.
func sendFrames(t testing.TB, s *Session, pcm []int16) {
	t.Helper()
	if err := Play(context.Background(), s, pcm); err != nil {
		t.Fatal(err)
	}
}

func TestBridgeRelaysAudioBothWaysWithoutTranscoding(t *testing.T) {
	b := newBridged(t, PCMU, PCMU, 101)
	var atCallee, atCaller packetSink
	b.callee.OnPacket(atCallee.add)
	b.caller.OnPacket(atCaller.add)

	out := tone(440, 5*FrameSamples, 8000)
	back := tone(1000, 5*FrameSamples, 6000)
	sendFrames(t, b.caller, out)
	sendFrames(t, b.callee, back)
	checkFor(t, 2*time.Second, "5 frames each way", func() bool {
		return len(atCallee.get()) >= 5 && len(atCaller.get()) >= 5
	})
	for i, p := range atCallee.get()[:5] {
		want := PCMU.Encode(nil, out[i*FrameSamples:(i+1)*FrameSamples])
		if p.Codec.Name != "PCMU" || !bytes.Equal(p.Payload, want) {
			t.Fatalf("callee frame %d: %s, payload differs from what the caller sent", i, p.Codec)
		}
	}
	for i, p := range atCaller.get()[:5] {
		want := PCMU.Encode(nil, back[i*FrameSamples:(i+1)*FrameSamples])
		if !bytes.Equal(p.Payload, want) {
			t.Fatalf("caller frame %d: payload differs from what the callee sent", i)
		}
	}
	// Each leg sends with its own stream: sequence numbers run on
	// without gaps from the leg's own start.
	pk := atCallee.get()
	for i := 1; i < len(pk); i++ {
		if pk[i].Seq != pk[i-1].Seq+1 {
			t.Fatalf("callee saw seq %d after %d", pk[i].Seq, pk[i-1].Seq)
		}
		if d := pk[i].Timestamp - pk[i-1].Timestamp; d != FrameSamples {
			t.Fatalf("callee saw a timestamp step of %d, want %d", d, FrameSamples)
		}
	}
	if st := b.legB.Stats(); st.PacketsSent < 5 {
		t.Fatalf("leg B sent %d packets", st.PacketsSent)
	}
}

// With FillSilence, a SIP leg gets frames of silence while the other side
// sends nothing (a muted agent, a softphone reloading), and the other
// side's audio, all of it, when it comes.
func TestBridgeFillsSilenceWhileTheOtherSideIsQuiet(t *testing.T) {
	b := newBridgedWith(t, PCMU, PCMA, 101, BridgeConfig{FillSilence: 60 * time.Millisecond})
	var atCallee, atCaller packetSink
	b.callee.OnPacket(atCallee.add)
	b.caller.OnPacket(atCaller.add)
	silentU, silentA := PCMU.Encode(nil, make([]int16, FrameSamples)), PCMA.Encode(nil, make([]int16, FrameSamples))
	// Nobody talks: both legs get silence in their own codec.
	checkFor(t, 3*time.Second, "silence on both legs", func() bool {
		return len(atCaller.get()) >= 5 && len(atCallee.get()) >= 5
	})
	for _, c := range []struct {
		name   string
		pkts   []Packet
		silent []byte
	}{{"caller", atCaller.get(), silentU}, {"callee", atCallee.get(), silentA}} {
		for i, p := range c.pkts {
			if !bytes.Equal(p.Payload, c.silent) {
				t.Fatalf("%s packet %d is not silence: % x", c.name, i, p.Payload[:8])
			}
		}
	}
	// The callee talks: every one of its frames reaches the caller.
	back := tone(1000, 25*FrameSamples, 6000)
	sendFrames(t, b.callee, back)
	want := make(map[string]bool)
	for i := range 25 {
		want[string(PCMU.Encode(nil, PCMA.Decode(nil, PCMA.Encode(nil, back[i*FrameSamples:(i+1)*FrameSamples]))))] = true
	}
	checkFor(t, 3*time.Second, "the callee's 25 frames at the caller", func() bool {
		n := 0
		for _, p := range atCaller.get() {
			if want[string(p.Payload)] {
				n++
			}
		}
		return n >= 25
	})
	// Then silence again.
	n := len(atCaller.get())
	checkFor(t, 3*time.Second, "silence after the talk", func() bool {
		pk := atCaller.get()
		return len(pk) >= n+5 && bytes.Equal(pk[len(pk)-1].Payload, silentU)
	})
}

func TestBridgeTranscodesPCMUToPCMA(t *testing.T) {
	b := newBridged(t, PCMU, PCMA, 101)
	var atCallee, atCaller packetSink
	b.callee.OnPacket(atCallee.add)
	b.caller.OnPacket(atCaller.add)

	out := tone(440, 3*FrameSamples, 8000)
	back := tone(700, 3*FrameSamples, 8000)
	sendFrames(t, b.caller, out)
	sendFrames(t, b.callee, back)
	checkFor(t, 2*time.Second, "3 frames each way", func() bool {
		return len(atCallee.get()) >= 3 && len(atCaller.get()) >= 3
	})
	check := func(name string, got []Packet, codec Codec, sent []int16) {
		t.Helper()
		for i, p := range got[:3] {
			if p.Codec.Name != codec.Name || p.Codec.PayloadType != codec.PayloadType {
				t.Fatalf("%s frame %d: codec %s PT %d, want %s", name, i, p.Codec, p.Codec.PayloadType, codec)
			}
			pcm := p.Codec.Decode(nil, p.Payload)
			want := sent[i*FrameSamples : (i+1)*FrameSamples]
			if len(pcm) != len(want) {
				t.Fatalf("%s frame %d: %d samples", name, i, len(pcm))
			}
			for j := range pcm {
				// Two G.711 quantisations: within a few percent of the value.
				if d := int(pcm[j]) - int(want[j]); d > 400 || d < -400 {
					t.Fatalf("%s frame %d sample %d: %d, sent %d", name, i, j, pcm[j], want[j])
				}
			}
		}
	}
	check("callee", atCallee.get(), PCMA, out)
	check("caller", atCaller.get(), PCMU, back)
}

func TestBridgeRelaysDTMFAsEventsWithTheOtherLegsPayloadType(t *testing.T) {
	b := newBridged(t, PCMU, PCMU, 96)
	var atCallee packetSink
	b.callee.OnPacket(atCallee.add)
	if err := b.caller.SendDTMF(context.Background(), '5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-b.callee.DTMF():
		if d != '5' {
			t.Fatalf("callee got %q, want 5", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the digit did not cross the bridge")
	}
	// And back, injected (SIP INFO) on the callee's side of the bridge.
	b.legB.InjectDTMF('#')
	select {
	case d := <-b.caller.DTMF():
		if d != '#' {
			t.Fatalf("caller got %q, want #", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the injected digit did not cross the bridge")
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(atCallee.get()); n != 0 {
		t.Fatalf("the digit reached the callee as %d audio packets", n)
	}
	if st := b.callee.Stats(); st.DTMFEvents != 1 || st.Invalid != 0 {
		t.Fatalf("callee stats: %d events, %d invalid (payload type 96 expected)", st.DTMFEvents, st.Invalid)
	}
}

func TestBridgeReturnsWhenALegCloses(t *testing.T) {
	p := testPorts(t, 4)
	a := newSession(t, p, netip.MustParseAddrPort("127.0.0.1:9"), nil)
	b := newSession(t, p, netip.MustParseAddrPort("127.0.0.1:9"), nil)
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- Bridge(context.Background(), a, b) }()
	time.Sleep(20 * time.Millisecond)
	b.Close()
	select {
	case err := <-done:
		if err != ErrClosed {
			t.Fatalf("Bridge = %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Bridge did not return")
	}
}

// BenchmarkBridgeRelay measures one relayed packet: the read loop's
// processing on one leg and the send on the other (a real UDP write).
func BenchmarkBridgeRelay(b *testing.B) {
	for _, tc := range []struct {
		name string
		to   Codec
	}{{"same-codec", PCMU}, {"PCMU-to-PCMA", PCMA}} {
		b.Run(tc.name, func(b *testing.B) {
			peer := newRawPeer(b)
			go func() { // drain, so the socket buffer never fills
				buf := make([]byte, 1500)
				for {
					if _, _, err := peer.conn.ReadFromUDPAddrPort(buf); err != nil {
						return
					}
				}
			}()
			p := testPorts(b, 4)
			src := netip.MustParseAddrPort("127.0.0.1:9")
			in := newSession(b, p, src, nil)
			out := newSession(b, p, peer.addr(), func(c *SessionConfig) { c.Codec = tc.to })
			defer in.Close()
			defer out.Close()
			in.OnPacket(relayTo(out, nil))
			pkt := rtpPacket(b, 0, 1, 160, PCMU.Encode(nil, tone(440, FrameSamples, 8000)))
			var rp rtp.Packet
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				in.handleRTP(&rp, pkt, src, now)
			}
		})
	}
}
