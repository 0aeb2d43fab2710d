package softphone

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// testLog discards log lines unless SOFTPHONE_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("SOFTPHONE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

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

// newManager returns a Manager closed at the end of the test.
func newManager(t testing.TB) *Manager {
	t.Helper()
	m, err := New(Config{Logger: testLog(), ConnectTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

// clientOptions shape the test browser's offer.
type clientOptions struct {
	// codecs the browser offers; nil means Chromium's audio set: opus 111,
	// PCMU 0, telephone-event/48000 110, telephone-event/8000 126.
	codecs []webrtc.RTPCodecParameters
}

func codec(mime string, rate uint32, channels uint16, pt uint8, fmtp string) webrtc.RTPCodecParameters {
	return webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mime, ClockRate: rate, Channels: channels, SDPFmtpLine: fmtp},
		PayloadType:        webrtc.PayloadType(pt),
	}
}

// chromeCodecs are the audio codecs Chromium offers that matter here, with
// its payload types.
func chromeCodecs() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{
		codec(webrtc.MimeTypeOpus, 48000, 2, 111, "minptime=10;useinbandfec=1"),
		codec(webrtc.MimeTypePCMU, 8000, 1, 0, ""),
		codec(mimeTelephoneEvent, 48000, 1, 110, ""),
		codec(mimeTelephoneEvent, 8000, 1, 126, ""),
	}
}

// client is a test "browser": a pion PeerConnection set up like Chromium's
// (sendrecv audio, PCMU 0, telephone-event 126) that writes whole RTP
// packets itself and records what it receives.
type client struct {
	t     testing.TB
	pc    *webrtc.PeerConnection
	track *clientTrack

	mu     sync.Mutex
	got    []rtp.Packet // payloads copied
	states []webrtc.PeerConnectionState

	seq uint16
	ts  uint32
}

// clientTrack is the browser's outbound track: it keeps the write stream so
// the test can send any payload type.
type clientTrack struct {
	mu     sync.Mutex
	writer webrtc.TrackLocalWriter
	ssrc   uint32
	pcmu   uint8
	te     uint8
}

func (c *clientTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var chosen *webrtc.RTPCodecParameters
	codecs := ctx.CodecParameters()
	for i, p := range codecs {
		switch {
		case strings.EqualFold(p.MimeType, webrtc.MimeTypePCMU):
			chosen = &codecs[i]
			c.pcmu = uint8(p.PayloadType)
		case strings.EqualFold(p.MimeType, mimeTelephoneEvent) && p.ClockRate == 8000:
			c.te = uint8(p.PayloadType)
		}
	}
	if chosen == nil {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	c.writer, c.ssrc = ctx.WriteStream(), uint32(ctx.SSRC())
	return *chosen, nil
}
func (c *clientTrack) Unbind(webrtc.TrackLocalContext) error { return nil }
func (c *clientTrack) ID() string                            { return "mic" }
func (c *clientTrack) StreamID() string                      { return "browser" }
func (c *clientTrack) RID() string                           { return "" }
func (c *clientTrack) Kind() webrtc.RTPCodecType             { return webrtc.RTPCodecTypeAudio }

// newClientPC builds the browser's PeerConnection and its offer (after
// gathering), without talking to a Manager.
func newClientPC(t testing.TB, opt clientOptions) *client {
	t.Helper()
	codecs := opt.codecs
	if codecs == nil {
		codecs = chromeCodecs()
	}
	me := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.LoggerFactory = pionLoggerFactory{log: testLog()}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, pc: pc, track: &clientTrack{}, seq: 1000, ts: 50000}
	t.Cleanup(func() { pc.Close() })
	if _, err := pc.AddTransceiverFromTrack(c.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		c.mu.Lock()
		c.states = append(c.states, s)
		c.mu.Unlock()
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				if pkt == nil {
					return
				}
				continue
			}
			pkt.Payload = bytes.Clone(pkt.Payload)
			c.mu.Lock()
			c.got = append(c.got, *pkt)
			c.mu.Unlock()
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return c
}

// offerSDP is the client's offer with its candidates.
func (c *client) offerSDP() string { return c.pc.LocalDescription().SDP }

// connect sends the client's offer for agent to m, applies the answer and
// waits until both sides are connected.
func (c *client) connect(m *Manager, agent string) *Line {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := m.Offer(ctx, agent, c.offerSDP())
	if err != nil {
		c.t.Fatalf("Offer: %v", err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.t.Fatalf("client SetRemoteDescription: %v\n%s", err, answer)
	}
	line := m.Line(agent)
	if err := line.WaitConnected(ctx); err != nil {
		c.t.Fatalf("line WaitConnected: %v", err)
	}
	checkFor(c.t, 10*time.Second, "the client to connect", func() bool {
		return c.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	return line
}

// newClient is newClientPC + connect.
func newClient(t testing.TB, m *Manager, agent string) (*client, *Line) {
	t.Helper()
	c := newClientPC(t, clientOptions{})
	return c, c.connect(m, agent)
}

// send writes one RTP packet with the browser's SSRC.
func (c *client) send(pt uint8, marker bool, seq uint16, ts uint32, payload []byte) {
	c.t.Helper()
	c.track.mu.Lock()
	w, ssrc := c.track.writer, c.track.ssrc
	c.track.mu.Unlock()
	if w == nil {
		c.t.Fatal("client track not bound")
	}
	h := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}
	if _, err := w.WriteRTP(&h, payload); err != nil {
		c.t.Fatalf("client WriteRTP: %v", err)
	}
}

// sendAudio sends one PCMU frame with the next sequence number and timestamp.
func (c *client) sendAudio(payload []byte) {
	c.t.Helper()
	c.send(c.track.pcmu, false, c.seq, c.ts, payload)
	c.seq++
	c.ts += uint32(len(payload))
}

// sendDigit sends one RFC 4733 event as Chromium does: three packets with
// growing durations (the first with the marker bit), then the end packet
// three times, all with the event's start timestamp.
func (c *client) sendDigit(event uint8) {
	c.t.Helper()
	ts := c.ts
	for i := range 6 {
		end := i >= 3
		dur := uint16(min(i+1, 4) * 160)
		var p [4]byte
		p[0], p[1] = event, 10
		if end {
			p[1] |= 0x80
		}
		binary.BigEndian.PutUint16(p[2:], dur)
		c.send(c.track.te, i == 0, c.seq, ts, p[:])
		c.seq++
		time.Sleep(5 * time.Millisecond)
	}
	c.ts += 4 * 160
}

// received returns a copy of the packets received so far.
func (c *client) received() []rtp.Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rtp.Packet(nil), c.got...)
}

// receivedPT returns the packets received with payload type pt.
func (c *client) receivedPT(pt uint8) []rtp.Packet {
	var out []rtp.Packet
	for _, p := range c.received() {
		if p.PayloadType == pt {
			out = append(out, p)
		}
	}
	return out
}
