package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// browser is the agent's browser softphone: a pion PeerConnection set up as
// Chromium's audio (sendrecv, PCMU 0, telephone-event/8000 126, host
// candidates on loopback) that sends a stamped PCMU frame every 20 ms from
// the start and records the bench packets it receives.
type browser struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticRTP
	rtp   *rtpEnd // only its bookkeeping (got, sent); no socket I/O of its own
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// newBrowser builds the PeerConnection and its offer, with every candidate
// (ICE gathering complete, as the server's vanilla ICE expects).
func newBrowser(ctx context.Context, log *slog.Logger, stream uint32) (*browser, string, error) {
	me := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000, Channels: 1, SDPFmtpLine: "0-16"}, PayloadType: 126},
	} {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, "", err
		}
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", fmt.Errorf("browser: %w", err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "mic", "browser")
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		pc.Close()
		return nil, "", err
	}
	b := &browser{pc: pc, track: track, rtp: &rtpEnd{kind: kindBrowser, stream: stream}, stop: make(chan struct{}), done: make(chan struct{})}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			at := time.Now().UnixNano()
			if err != nil {
				if errors.Is(err, net.ErrClosed) || pkt == nil {
					return
				}
				continue
			}
			s, ok := readStamp(pkt.Payload)
			b.rtp.mu.Lock()
			if ok {
				b.rtp.got = append(b.rtp.got, arrival{Kind: s.Kind, Stream: s.Stream, N: s.N, Sent: s.Sent, At: at})
			} else {
				b.rtp.other++
			}
			b.rtp.mu.Unlock()
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { log.Debug("browser: connection", "state", s.String()) })
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		pc.Close()
		return nil, "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		pc.Close()
		return nil, "", ctx.Err()
	case <-time.After(10 * time.Second):
		pc.Close()
		return nil, "", errors.New("browser: ICE gathering did not complete in 10 s")
	}
	go b.sendLoop()
	return b, pc.LocalDescription().SDP, nil
}

// answer applies the server's answer and waits until connected.
func (b *browser) answer(ctx context.Context, sdp string) error {
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("browser: the answer: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for b.pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
		if s := b.pc.ConnectionState(); s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			return fmt.Errorf("browser: connection %s", s)
		}
		if !sleepCtx(ctx, 5*time.Millisecond) {
			return fmt.Errorf("browser: not connected (%s): %w", b.pc.ConnectionState(), ctx.Err())
		}
	}
	return nil
}

// sendLoop writes a stamped frame every 20 ms (dropped by pion until the
// transport is up, as a browser's microphone track would be).
func (b *browser) sendLoop() {
	defer close(b.done)
	payload := newPayload()
	h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32()}
	t := time.NewTicker(frameTime)
	defer t.Stop()
	for n := uint32(0); ; n++ {
		now := time.Now()
		stamp(payload, kindBrowser, b.rtp.stream, now, n)
		_ = b.track.WriteRTP(&rtp.Packet{Header: h, Payload: payload})
		b.rtp.mu.Lock()
		b.rtp.sent = append(b.rtp.sent, now.UnixNano())
		b.rtp.mu.Unlock()
		h.SequenceNumber++
		h.Timestamp += frameSamples
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
	}
}

func (b *browser) close() {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
		_ = b.pc.Close()
	})
}

// softConfig is softphone mode's.
type softConfig struct {
	Calls int
	Talk  time.Duration // how long each call stays bridged once audio flows both ways
}

// softRun is one series of calls (persistent or per-call session).
type softRun struct {
	Session string `json:"session"` // "persistent" or "per-call"
	Calls   int    `json:"calls"`
	OK      int    `json:"ok"`
	// From the offer event (the agent sees the call) to the first caller
	// packet at the browser / the first browser packet at the caller.
	OfferToAgentAudio  dist `json:"offerToAgentAudioMs"`
	OfferToCallerAudio dist `json:"offerToCallerAudioMs"`
	// From sending accept to the same.
	AcceptToAgentAudio  dist `json:"acceptToAgentAudioMs"`
	AcceptToCallerAudio dist `json:"acceptToCallerAudioMs"`
	// From sending accept to the send time of the first packet relayed
	// (each way): the path was open by then, and not 20 ms (one packet
	// interval) earlier. This takes the sender's packet interval and the
	// transit out of the figures above.
	AcceptToPathAgent  dist `json:"acceptToPathOpenAgentMs"`
	AcceptToPathCaller dist `json:"acceptToPathOpenCallerMs"`
	// Per-call session only: offer event → the new PeerConnection connected.
	Connect dist     `json:"offerToConnectedMs"`
	Errors  []string `json:"errors,omitempty"`
}

// softResult is softphone mode's outcome.
type softResult struct {
	Mode  string    `json:"mode"`
	Start time.Time `json:"start"`
	// LoginConnect is rtcOffer sent → the persistent session connected.
	LoginConnect float64    `json:"loginConnectMs"`
	Runs         []*softRun `json:"runs"`
}

func runSoftphone(ctx context.Context, log *slog.Logger, srv *server, cfg softConfig) (*softResult, error) {
	res := &softResult{Mode: "softphone", Start: time.Now()}
	ph, c, err := prepare(ctx, log, srv)
	if err != nil {
		return nil, err
	}
	defer ph.close()
	tok, err := c.createAgent(ctx, "soft0", map[string]any{"autoAccept": false, "phoneType": "SOFT_PHONE"})
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	ag, err := dialAgent(ctx, srv.URL, "soft0", tok)
	if err != nil {
		return nil, err
	}
	defer ag.close()

	// The persistent session, at login.
	t0 := time.Now()
	br, err := connectBrowser(ctx, log, ag, 1)
	if err != nil {
		return res, fmt.Errorf("persistent session: %w", err)
	}
	res.LoginConnect = durMS(time.Since(t0))
	log.Info("softphone connected", "took", time.Since(t0).Round(time.Millisecond))
	if _, err := ag.request(ctx, "setState", map[string]any{"status": "Available"}); err != nil {
		br.close()
		return res, err
	}
	persistent := &softRun{Session: "persistent", Calls: cfg.Calls}
	res.Runs = append(res.Runs, persistent)
	softCalls(ctx, log, srv, c, ph, ag, persistent, cfg, 0, func() *browser { return br }, nil)
	br.close()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}

	// A fresh PeerConnection per call.
	perCall := &softRun{Session: "per-call", Calls: cfg.Calls}
	res.Runs = append(res.Runs, perCall)
	var cur *browser
	softCalls(ctx, log, srv, c, ph, ag, perCall, cfg, cfg.Calls, func() *browser { return cur }, func(n int) error {
		b, err := connectBrowser(ctx, log, ag, uint32(100+n))
		if err != nil {
			return err
		}
		cur = b
		return nil
	})
	if cur != nil {
		cur.close()
	}
	return res, ctx.Err()
}

// connectBrowser makes a browser, sends its offer over the agent socket
// and waits for it to connect.
func connectBrowser(ctx context.Context, log *slog.Logger, ag *agentConn, stream uint32) (*browser, error) {
	b, offer, err := newBrowser(ctx, log, stream)
	if err != nil {
		return nil, err
	}
	ack, err := ag.request(ctx, "rtcOffer", map[string]any{"sdp": offer})
	if err != nil {
		b.close()
		return nil, err
	}
	if ack.SDP == "" {
		b.close()
		return nil, fmt.Errorf("rtcOffer: the ack has no answer: %s", ack.raw)
	}
	if err := b.answer(ctx, ack.SDP); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// softCalls makes run.Calls calls to the softphone agent one after the
// other. fresh, when set, connects a new browser after each offer (and the
// previous one is closed at the end of its call).
func softCalls(ctx context.Context, log *slog.Logger, srv *server, c *center, ph *phone, ag *agentConn, run *softRun,
	cfg softConfig, base int, cur func() *browser, fresh func(n int) error) {
	var o2a, o2c, a2a, a2c, p2a, p2c, conn []float64
	fail := func(i int, err error) {
		if len(run.Errors) < 10 {
			run.Errors = append(run.Errors, fmt.Sprintf("call %d: %v", i, err))
		}
		log.Warn("softphone call", "session", run.Session, "call", i, "err", err)
	}
	for i := range run.Calls {
		if ctx.Err() != nil {
			return
		}
		err := func() error {
			cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			cl, err := ph.call(cctx, srv.SIP, c.number, base+i)
			if err != nil {
				return err
			}
			defer func() {
				cl.hangup()
				cl.rtp.close()
			}()
			off, err := ag.await(cctx, "offer", func(f frame) bool { return f.Type == "offer" })
			if err != nil {
				return err
			}
			t0 := off.at
			if fresh != nil {
				if old := cur(); old != nil {
					old.close()
				}
				if err := fresh(i); err != nil {
					return fmt.Errorf("per-call session: %w", err)
				}
				conn = append(conn, durMS(time.Since(t0))) // offer → connected
			}
			br := cur()
			tAcc := time.Now()
			if _, err := ag.request(cctx, "accept", map[string]any{"contactId": off.ContactID}); err != nil {
				return err
			}
			// Audio both ways: the first caller packet sent after the
			// offer at the browser, the first browser packet at the caller.
			var t1, t2 arrival
			deadline := time.Now().Add(15 * time.Second)
			for (t1.At == 0 || t2.At == 0) && time.Now().Before(deadline) && cctx.Err() == nil {
				if t1.At == 0 {
					t1 = br.rtp.firstFromStream(kindCaller, uint32(base+i+1), t0.UnixNano())
				}
				if t2.At == 0 {
					t2 = cl.rtp.firstFromStream(kindBrowser, br.rtp.stream, t0.UnixNano())
				}
				time.Sleep(time.Millisecond)
			}
			ms := func(a, b int64) float64 { return float64(a-b) / 1e6 }
			if t1.At != 0 {
				o2a = append(o2a, ms(t1.At, t0.UnixNano()))
				a2a = append(a2a, ms(t1.At, tAcc.UnixNano()))
				p2a = append(p2a, ms(t1.Sent, tAcc.UnixNano()))
			}
			if t2.At != 0 {
				o2c = append(o2c, ms(t2.At, t0.UnixNano()))
				a2c = append(a2c, ms(t2.At, tAcc.UnixNano()))
				p2c = append(p2c, ms(t2.Sent, tAcc.UnixNano()))
			}
			var audioErr error
			if t1.At == 0 || t2.At == 0 {
				audioErr = fmt.Errorf("no audio within 15 s of accept: to the agent %v, to the caller %v", t1.At != 0, t2.At != 0)
			}
			sleepCtx(cctx, cfg.Talk)
			if _, err := ag.request(cctx, "endContact", map[string]any{"contactId": off.ContactID}); err != nil {
				return errors.Join(audioErr, err)
			}
			if _, err := ag.await(cctx, "acwStarted", func(f frame) bool { return f.Type == "acwStarted" && f.ContactID == off.ContactID }); err != nil {
				return errors.Join(audioErr, err)
			}
			if _, err := ag.request(cctx, "completeAcw", map[string]any{"contactId": off.ContactID}); err != nil {
				return errors.Join(audioErr, err)
			}
			// The server hangs the caller up (the agent ended the contact).
			for !cl.ended() && cctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			if fresh != nil {
				br.close()
			}
			return audioErr
		}()
		if err != nil {
			fail(i, err)
			continue
		}
		run.OK++
	}
	run.OfferToAgentAudio, run.OfferToCallerAudio = summarize(o2a), summarize(o2c)
	run.AcceptToAgentAudio, run.AcceptToCallerAudio = summarize(a2a), summarize(a2c)
	run.AcceptToPathAgent, run.AcceptToPathCaller = summarize(p2a), summarize(p2c)
	run.Connect = summarize(conn)
}

// firstFromStream is the first packet of kind and stream sent at or after
// since that arrived (At 0: none yet).
func (e *rtpEnd) firstFromStream(kind byte, stream uint32, since int64) arrival {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.got {
		if a.Kind == kind && a.Stream == stream && a.Sent >= since {
			return a
		}
	}
	return arrival{}
}
