package softphone

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-cc/switchboard/internal/media"
)

// mimeTelephoneEvent is RFC 4733's media type; pion has no constant for it.
const mimeTelephoneEvent = "audio/telephone-event"

// DefaultConnectTimeout bounds ICE and DTLS after an offer when
// Config.ConnectTimeout is zero.
const DefaultConnectTimeout = 10 * time.Second

// Config configures a Manager.
type Config struct {
	// PublicIP, when valid, is announced instead of local addresses (NAT
	// 1:1, --sip-public-ip); ICE host candidates otherwise.
	PublicIP netip.Addr
	// UDPPortMin/Max bound the ICE/media UDP ports (0,0: ephemeral).
	UDPPortMin, UDPPortMax uint16
	// ConnectTimeout bounds ICE+DTLS after an offer (default 10s): a
	// PeerConnection not connected by then is closed.
	ConnectTimeout time.Duration
	// Logger gets the softphone's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Manager holds the agents' lines and builds their PeerConnections. Safe
// for concurrent use.
type Manager struct {
	cfg Config
	log *slog.Logger
	api *webrtc.API

	mu     sync.Mutex
	closed bool
	lines  map[string]*Line
	wg     sync.WaitGroup // goroutines started by the manager
}

// ManagerStats are counts for metrics and logs.
type ManagerStats struct {
	// Lines is the number of agents' lines.
	Lines int
	// PeerConnections counts lines with a PeerConnection installed,
	// Connected those whose PeerConnection is connected.
	PeerConnections, Connected int
}

// New returns a Manager. It fails on an invalid port range.
func New(cfg Config) (*Manager, error) {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "softphone")

	me := &webrtc.MediaEngine{}
	// PCMU only: the SIP side is G.711, so a bridge needs no transcoding.
	codecs := []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
		// telephone-event/8000 under the types browsers use (Chromium 126,
		// Firefox 101). pion's answer keeps the offer's payload type
		// whatever it is; an empty fmtp matches "0-15" and "0-16".
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 8000, Channels: 1}, PayloadType: 101},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 8000, Channels: 1}, PayloadType: 126},
	}
	for _, c := range codecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("softphone: register %s: %w", c.MimeType, err)
		}
	}
	// RTCP sender and receiver reports only: no NACK (audio is not
	// retransmitted), no TWCC or simulcast (no video).
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("softphone: RTCP reports: %w", err)
	}

	var se webrtc.SettingEngine
	se.LoggerFactory = pionLoggerFactory{log: log}
	// Host candidates with real addresses: an mDNS .local name would need
	// resolving on the browser's side for nothing (we are a server).
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Browser and server on one host (tests, CI, a laptop demo) connect
	// over 127.0.0.1.
	se.SetIncludeLoopbackCandidate(true)
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if cfg.PublicIP.IsValid() {
		ip := cfg.PublicIP.Unmap()
		// Only the public address's family: a v6 host rewritten to a v4
		// address (or the reverse) would be announced wrongly.
		networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
		if ip.Is6() {
			networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP6}
		}
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        []string{ip.String()},
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("softphone: public IP %s: %w", ip, err)
		}
	}
	se.SetNetworkTypes(networks)
	switch {
	case cfg.UDPPortMin == 0 && cfg.UDPPortMax == 0:
	case cfg.UDPPortMin == 0 || cfg.UDPPortMax < cfg.UDPPortMin:
		return nil, fmt.Errorf("softphone: UDP port range %d-%d is empty", cfg.UDPPortMin, cfg.UDPPortMax)
	default:
		if err := se.SetEphemeralUDPPortRange(cfg.UDPPortMin, cfg.UDPPortMax); err != nil {
			return nil, fmt.Errorf("softphone: UDP port range %d-%d: %w", cfg.UDPPortMin, cfg.UDPPortMax, err)
		}
	}

	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	return &Manager{cfg: cfg, log: log, api: api, lines: map[string]*Line{}}, nil
}

// goTracked runs fn in a goroutine that Close waits for; after Close it
// runs nothing and returns false.
func (m *Manager) goTracked(fn func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
	return true
}

// Line returns the agent's line, creating it when absent. It exists
// independently of any PeerConnection, so the router can bridge a call to
// it while the browser is (re)connecting. After Close it returns a closed
// line.
func (m *Manager) Line(agentID string) *Line {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.lines[agentID]; ok {
		return l
	}
	l := newLine(m, agentID)
	if m.closed {
		l.close()
		return l
	}
	m.lines[agentID] = l
	return l
}

// Offer takes the browser's SDP offer for agentID (the SDP text, or the
// JSON of an RTCSessionDescriptionInit), installs a new PeerConnection on
// the agent's line (creating the line when absent) and returns the SDP
// answer once ICE gathering is complete, with every local candidate in it:
// the server never trickles. The PeerConnection it replaces is closed; a
// bridge on the line carries on with the new one. A browser renegotiating
// must create a new RTCPeerConnection: every offer gets a new one here.
//
// A bad offer (ErrBadOffer, ErrNoAudio, ErrNoPCMU) leaves the current
// PeerConnection alone. If ctx ends before gathering completes, the new
// PeerConnection is closed and ctx.Err() returned. A PeerConnection that
// does not connect within Config.ConnectTimeout is closed.
func (m *Manager) Offer(ctx context.Context, agentID, sdp string) (answer string, err error) {
	text, info, err := parseOffer(sdp)
	if err != nil {
		return "", fmt.Errorf("softphone: offer from agent %s: %w", agentID, err)
	}
	l := m.Line(agentID)
	l.offerMu.Lock()
	defer l.offerMu.Unlock()
	select {
	case <-l.done:
		return "", fmt.Errorf("softphone: offer from agent %s: %w", agentID, media.ErrClosed)
	default:
	}

	pc, err := m.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", fmt.Errorf("softphone: agent %s: new peer connection: %w", agentID, err)
	}
	l.mu.Lock()
	l.gen++
	gen := l.gen
	l.mu.Unlock()
	p := &peer{
		line:     l,
		pc:       pc,
		log:      l.log.With("pc", gen),
		recvPCMU: info.pcmuPT,
		recvTE:   info.tePT,
		ufrag:    info.ufrag,
	}
	fail := func(e error) (string, error) {
		l.uninstall(p)
		p.close()
		return "", e
	}
	m.watch(p)

	if _, err := pc.AddTransceiverFromTrack(&lineTrack{p: p}, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		return fail(fmt.Errorf("softphone: agent %s: add track: %w", agentID, err))
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: text}); err != nil {
		return fail(fmt.Errorf("softphone: offer from agent %s: %w: %w", agentID, ErrBadOffer, err))
	}
	// The offer is good: the browser has given up its previous
	// PeerConnection (it reloaded or reconnected), so close ours now, and
	// let trickled candidates reach the new one from here on.
	old, err := l.install(p)
	if err != nil {
		return fail(fmt.Errorf("softphone: offer from agent %s: %w", agentID, err))
	}
	if old != nil {
		p.log.Info("softphone: peer connection replaced")
		if !m.goTracked(old.close) {
			old.close()
		}
	}

	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(fmt.Errorf("softphone: agent %s: create answer: %w", agentID, err))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return fail(fmt.Errorf("softphone: agent %s: set answer: %w", agentID, err))
	}
	timeout := time.NewTimer(m.cfg.ConnectTimeout)
	defer timeout.Stop()
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(fmt.Errorf("softphone: agent %s: ICE gathering: %w", agentID, ctx.Err()))
	case <-timeout.C:
		return fail(fmt.Errorf("softphone: agent %s: ICE gathering did not complete in %v", agentID, m.cfg.ConnectTimeout))
	case <-l.done:
		return fail(fmt.Errorf("softphone: offer from agent %s: %w", agentID, media.ErrClosed))
	}
	local := pc.LocalDescription()
	if local == nil {
		return fail(fmt.Errorf("softphone: agent %s: no local description after gathering", agentID))
	}
	p.log.Debug("softphone: answered", "pcmu", info.pcmuPT, "telephone-event", info.tePT)
	return local.SDP, nil
}

// watch sets p's PeerConnection handlers: state changes (logged, and
// reflected in Connected), the inbound track's read loop, and the connect
// timeout.
func (m *Manager) watch(p *peer) {
	l := p.line
	// Armed only once p.timer is set: close reads it.
	p.timer = time.AfterFunc(time.Duration(math.MaxInt64), func() {
		if !p.connected.Load() {
			p.log.Warn("softphone: peer connection did not connect in time: closed", "timeout", m.cfg.ConnectTimeout)
			p.close()
		}
	})
	p.timer.Reset(m.cfg.ConnectTimeout)
	p.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			p.timer.Stop()
			p.connected.Store(true)
			p.log.Info("softphone: peer connection connected")
		case webrtc.PeerConnectionStateDisconnected:
			// ICE may recover (consent checks resume); the line stays.
			p.connected.Store(false)
			p.log.Warn("softphone: peer connection disconnected")
		case webrtc.PeerConnectionStateFailed:
			p.connected.Store(false)
			p.log.Warn("softphone: peer connection failed")
			if !m.goTracked(p.close) {
				p.close()
			}
		case webrtc.PeerConnectionStateClosed:
			p.connected.Store(false)
			p.log.Info("softphone: peer connection closed")
		default:
			p.log.Debug("softphone: peer connection state", "state", s.String())
		}
		l.notify()
	})
	p.pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if track.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		p.log.Debug("softphone: inbound track", "ssrc", uint32(track.SSRC()), "codec", track.Codec().MimeType)
		// OnTrack runs in its own goroutine; the loop is tracked so Close
		// waits for it.
		m.goTracked(func() { p.readLoop(track) })
	})
}

// Candidate adds an ICE candidate the browser trickled (its
// RTCIceCandidateInit) to the agent's current PeerConnection. It waits for
// an Offer in progress for the agent, so a candidate sent after its offer
// reaches the new PeerConnection even when the two are handled
// concurrently; a candidate whose usernameFragment is not the current
// offer's (left over from a previous PeerConnection) is ignored, as is an
// empty one (end of candidates). It fails with ErrNoPeerConnection when the
// agent has none.
func (m *Manager) Candidate(agentID string, init webrtc.ICECandidateInit) error {
	m.mu.Lock()
	l := m.lines[agentID]
	m.mu.Unlock()
	var p *peer
	if l != nil {
		l.offerMu.Lock()
		p = l.cur.Load()
		l.offerMu.Unlock()
	}
	if p == nil {
		return fmt.Errorf("softphone: candidate from agent %s: %w", agentID, ErrNoPeerConnection)
	}
	if init.Candidate == "" {
		return nil
	}
	if uf := init.UsernameFragment; uf != nil && *uf != "" && p.ufrag != "" && *uf != p.ufrag {
		p.log.Debug("softphone: candidate of a previous peer connection ignored", "ufrag", *uf)
		return nil
	}
	if err := p.pc.AddICECandidate(init); err != nil {
		return fmt.Errorf("softphone: candidate from agent %s: %w", agentID, err)
	}
	return nil
}

// Drop closes the agent's PeerConnection and line (the agent logged out or
// went offline for good): a bridge on the line ends, its Done closes. A
// later Line or Offer for the agent creates a new line.
func (m *Manager) Drop(agentID string) {
	m.mu.Lock()
	l := m.lines[agentID]
	delete(m.lines, agentID)
	m.mu.Unlock()
	if l != nil {
		l.close()
	}
}

// Close closes every line and PeerConnection and waits for the manager's
// goroutines. It is idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	lines := m.lines
	m.lines = map[string]*Line{}
	m.mu.Unlock()
	for _, l := range lines {
		l.close()
	}
	m.wg.Wait()
	return nil
}

// Stats returns the number of lines and of installed and connected
// PeerConnections.
func (m *Manager) Stats() ManagerStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := ManagerStats{Lines: len(m.lines)}
	for _, l := range m.lines {
		if p := l.cur.Load(); p != nil {
			st.PeerConnections++
			if p.connected.Load() {
				st.Connected++
			}
		}
	}
	return st
}
