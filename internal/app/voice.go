package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/internal/audio"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/sip"
	"github.com/switchboard-cc/switchboard/internal/softphone"
	"github.com/switchboard-cc/switchboard/internal/speech"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/voice"
)

// The voice channel: phone calls from SIP trunks.
//
// voiceChannel is the SIP server's Handler. It runs only while this process
// holds the contact-center lease (serve starts it), so a standby never binds
// the SIP port. A call goes:
//
//	Admit: the source address or digest credentials name a trunk (else 403)
//	HandleCall: the dialled number → its instance and flow (else 404, or 480
//	  when the number has no published flow), SDP negotiated (else 488), RTP
//	  ports opened (else 503), the VOICE contact created, 200 OK, the flow
//	  runs with a voice.Participant; when the flow queues the contact the
//	  call waits in the queue (music on hold, the customer queue flow) until
//	  it ends.
//
// The call's goroutine (HandleCall) owns it: whatever ends it (the caller's
// BYE or CANCEL, a flow's disconnect, a media timeout, a missing ACK, the
// shutdown), HandleCall records how on the contact (contact.HangUp) before it
// returns. An agent on a desk phone is called and bridged to the caller
// (voice_agent.go); an agent on a soft phone is connected in the model
// only (the WebRTC leg is the next step) while the caller hears silence.
type voiceChannel struct {
	cc     *contactCenter
	log    *slog.Logger
	cfg    config.Config
	ports  *media.Ports
	tts    speech.TTS // nil when flite is missing: text prompts fail (error branches)
	asr    speech.ASR
	trunks *trunkCache
	moh    []int16
	public netip.Addr // our address in SDP

	flowsMu sync.Mutex
	flows   map[flowKey]*engine.LoadedFlow // parsed published versions of numbers' flows

	srv     atomic.Pointer[sip.Server]
	phones  atomic.Pointer[softphone.Manager] // the agents' browser softphones, while run runs (voice_softphone.go)
	calls   sync.WaitGroup
	live    liveCalls     // by contact ID (voice_agent.go)
	dials   outboundDials // agents' outbound calls not yet connected (voice_outbound.go)
	metrics *voiceMetrics
}

// Defaults of the queue's built-in treatment.
const (
	// announceEvery is how often a waiting caller without a customer queue
	// flow hears their position in the queue.
	announceEvery = 45 * time.Second
)

func newVoiceChannel(cc *contactCenter, cfg config.Config, reg prometheus.Registerer) (*voiceChannel, error) {
	if cfg.SIPAddr == "off" {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(cfg.SIPAddr)
	if err != nil {
		return nil, fmt.Errorf("--sip: %w", err)
	}
	bind, err := netip.ParseAddr(host)
	if err != nil {
		bind = netip.IPv4Unspecified()
	}
	public := bind
	if cfg.SIPPublicIP != "" {
		public = netip.MustParseAddr(cfg.SIPPublicIP) // validated by config
	} else if public.IsUnspecified() {
		public = netip.MustParseAddr("127.0.0.1")
	}
	lo, hi, err := cfg.RTPPortRange()
	if err != nil {
		return nil, fmt.Errorf("--rtp-ports: %w", err)
	}
	ports, err := media.NewPorts(bind, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("--rtp-ports: %w", err)
	}
	v := &voiceChannel{cc: cc, log: cc.log.With("channel", "voice"), cfg: cfg, ports: ports,
		trunks: newTrunkCache(cc.st), moh: audio.MusicOnHold(), public: public, asr: speech.DefaultASR(cc.log),
		metrics: newVoiceMetrics(reg), flows: map[flowKey]*engine.LoadedFlow{}}
	cache := cfg.SpeechCache
	if cache == "" {
		cache = filepath.Join(cfg.DataDir, "speech")
	}
	tts, err := speech.NewFlite(speech.FliteConfig{CacheDir: cache, DefaultVoice: cfg.TTSVoice, Logger: cc.log})
	if err != nil {
		v.log.Warn("text-to-speech unavailable: text prompts take their error branch; uploaded prompts still play", "err", err)
	} else {
		v.tts = tts
	}
	cc.st.OnChange(func(c store.Change) {
		if c.Kind == core.KindTrunk {
			v.trunks.invalidate()
		}
	})
	return v, nil
}

// run serves SIP until ctx ends (the lease lost, or shutdown): the server
// then hangs up its calls, and run waits for their goroutines.
func (v *voiceChannel) run(ctx context.Context) error {
	scfg := sip.Config{Addr: v.cfg.SIPAddr, PublicAddr: v.public, UserAgent: "Switchboard/" + Version, Logger: v.log,
		// Registered desk phones' bindings live in the database (SQLite or
		// PostgreSQL): they survive a restart, and a standby taking the
		// lease over calls the phones the previous holder registered.
		Registrar: sip.RegistrarConfig{Bindings: v.cc.st.SIPBindings(nil)}}
	if v.cfg.SIPTLSAddr != "" {
		cert, err := tls.LoadX509KeyPair(v.cfg.SIPCert, v.cfg.SIPKey)
		if err != nil {
			return fmt.Errorf("--sip-cert/--sip-key: %w", err)
		}
		scfg.TLSAddr, scfg.TLSConfig = v.cfg.SIPTLSAddr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv, err := sip.New(scfg, v)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	lo, hi, _ := v.cfg.WebRTCPortRange() // validated by config
	pcfg := softphone.Config{UDPPortMin: lo, UDPPortMax: hi, Logger: v.log}
	if v.cfg.SIPPublicIP != "" {
		pcfg.PublicIP = v.public
	}
	phones, err := softphone.New(pcfg)
	if err != nil {
		return fmt.Errorf("softphones: %w", err)
	}
	defer func() {
		v.phones.Store(nil)
		if err := phones.Close(); err != nil {
			v.log.Warn("softphones: close", "err", err)
		}
	}()
	v.phones.Store(phones)
	v.srv.Store(srv)
	v.log.Info("sip listening", "addr", srv.Addr().String(), "rtp_ports", v.cfg.RTPPorts, "public_ip", v.public.String())
	err = srv.Run(ctx)
	v.calls.Wait()
	v.srv.Store(nil)
	return err
}

// drain refuses new calls and waits, up to timeout, for the calls in
// progress to end (logging how many are left every 5 s). Whatever is left
// then is hung up when the contact center stops.
func (v *voiceChannel) drain(timeout time.Duration) {
	srv := v.srv.Load()
	if srv == nil {
		return
	}
	srv.Drain()
	deadline := time.Now().Add(timeout)
	lastLog := time.Time{}
	for n := srv.ActiveCalls(); n > 0; n = srv.ActiveCalls() {
		if time.Now().After(deadline) {
			v.log.Warn("draining: calls still up at the deadline; hanging them up", "calls", n)
			return
		}
		if time.Since(lastLog) >= 5*time.Second {
			v.log.Info("draining: waiting for calls to end", "calls", n, "deadline", deadline.Format(time.RFC3339))
			lastLog = time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Admit implements sip.Handler: a trunk must admit the source address, or
// the caller must pass one of the trunks' digest challenges. Nothing about
// numbers is revealed before that.
func (v *voiceChannel) Admit(ctx context.Context, r sip.Request) sip.Admission {
	ts, err := v.trunks.all(ctx)
	if err != nil {
		v.log.Error("sip: read trunks", "err", err)
		return sip.Admission{Status: 503}
	}
	src := r.Source.Addr().Unmap()
	// Several instances may admit the same source (a carrier serving
	// many tenants, or one tenant's wide range): the trunk of the
	// instance that owns the dialled number wins, so one tenant's trunk
	// can never capture another's calls.
	owner := ""
	if route, err := v.cc.st.RouteNumber(ctx, dialled(r)); err == nil {
		owner = route.InstanceID
	}
	var (
		admitted string
		digest   []sip.Credentials
	)
	for _, t := range ts {
		if t.AdmitsSource(src) {
			if t.InstanceID == owner {
				return sip.Admission{Trunk: t.ID}
			}
			if admitted == "" {
				admitted = t.ID
			}
			continue
		}
		if t.Username != "" && t.Password != "" { // every one, whatever the number: a challenge reveals nothing
			digest = append(digest, sip.Credentials{Realm: t.Realm, Username: t.Username, Password: t.Password, Trunk: t.ID})
		}
	}
	if admitted != "" {
		return sip.Admission{Trunk: admitted} // the number is not its: 404 in HandleCall
	}
	if len(digest) > 0 {
		return sip.Admission{Digest: digest}
	}
	v.metrics.calls.WithLabelValues("403").Inc()
	return sip.Admission{Status: 403}
}

// dialled is the number a call is for: the Request-URI's user, or the To
// header's when the Request-URI holds none.
func dialled(r sip.Request) string {
	for _, u := range []string{r.RequestUser, r.ToUser} {
		if n := core.NormalizeE164(u); core.ValidE164(n) {
			return n
		}
	}
	return ""
}

// HandleCall implements sip.Handler: it runs the whole call.
func (v *voiceChannel) HandleCall(ctx context.Context, in *sip.InboundCall) {
	v.calls.Add(1)
	defer v.calls.Done()
	v.metrics.active.Inc()
	defer v.metrics.active.Dec()
	req := in.Request()
	log := v.log.With("call_id", req.CallID, "from", req.FromUser, "source", req.Source.String())
	trunk := v.trunks.get(ctx, in.Trunk())
	if trunk == nil {
		log.Warn("sip: admitted call without a trunk")
		v.reject(in, 403, "Forbidden")
		return
	}
	number := dialled(req)
	log = log.With("trunk", trunk.Name, "to", number)
	route, err := v.cc.st.RouteNumber(ctx, number)
	if err != nil || route.InstanceID != trunk.InstanceID {
		// The same answer for a number nobody claimed and another
		// instance's number: a trunk learns nothing about other tenants.
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			log.Error("sip: route number", "err", err)
			v.reject(in, 503, "Service Unavailable")
			return
		}
		log.Info("call to a number this trunk does not serve")
		v.reject(in, 404, "Not Found")
		return
	}
	lf, err := v.publishedFlow(ctx, route)
	if err != nil {
		log.Warn("call to a number without a published flow", "err", err)
		v.reject(in, 480, "Temporarily Unavailable")
		return
	}
	if _, err := v.cc.instance(ctx, route.InstanceID); err != nil {
		log.Warn("sip: instance unavailable", "err", err)
		v.reject(in, 503, "Service Unavailable")
		return
	}
	offer, err := media.ParseSDP(in.Offer())
	if err != nil {
		log.Info("sip: unusable SDP offer", "err", err)
		v.reject(in, 488, "Not Acceptable Here")
		return
	}
	neg, err := media.Answer(offer, trunkCodecs(trunk))
	if err != nil {
		log.Info("sip: no common codec", "err", err)
		v.reject(in, 488, "Not Acceptable Here")
		return
	}
	conn, err := v.ports.Open()
	if err != nil {
		log.Error("sip: no RTP ports", "err", err)
		v.reject(in, 503, "Service Unavailable")
		return
	}
	sess := media.NewSession(media.SessionConfig{Conn: conn, Remote: neg.Remote, Codec: neg.Codec, DTMF: neg.DTMF,
		Direction: neg.Direction, MediaTimeout: v.cfg.MediaTimeout, Latch: trunk.AdmitsSource, Logger: log})
	defer sess.Close()

	c, err := v.cc.contacts.Create(ctx, contact.NewContact{InstanceID: route.InstanceID, Channel: contact.Voice,
		InitiationMethod: contact.Inbound,
		CustomerEndpoint: &contact.Endpoint{Type: contact.EndpointPhone, Address: callerNumber(req)},
		SystemEndpoint:   &contact.Endpoint{Type: contact.EndpointPhone, Address: number},
		Voice:            &contact.VoiceDetails{TrunkID: trunk.ID, TrunkName: trunk.Name, SIPCallID: req.CallID, Codec: neg.Codec.Name}})
	if err != nil {
		log.Error("sip: create contact", "err", err)
		v.reject(in, 500, "Server Internal Error")
		return
	}
	call := &call{v: v, in: in, caller: callerNumber(req), trunk: in.Trunk(), reinvites: in.ReInvites(),
		sess: sess, inst: route.InstanceID, id: c.ID,
		origin: media.Origin{SessionID: rand.Uint64() >> 1, Version: 1}}
	log = newCallLogger(log, call)
	call.log = log
	call.rec = newCallRecording(call)
	call.p = voice.New(voice.Config{TTS: v.tts, ASR: v.asr, Prompt: v.promptAudio(route.InstanceID),
		DefaultVoice: v.cfg.TTSVoice, Record: call.rec.set, Dial: call.dial, Logger: log}, call.rec.media())
	call.rec.listen = call.p.ListenAudio
	callCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	call.ctx = callCtx
	v.register(call)
	defer v.unregister(call)

	// Media first, so that RTP arriving with the ACK latches at once.
	mediaDone := make(chan struct{})
	go func() {
		defer close(mediaDone)
		if err := sess.Run(callCtx); errors.Is(err, media.ErrMediaTimeout) {
			log.Info("call: no media; hanging up", "timeout", v.cfg.MediaTimeout)
			call.setCause(contact.TelecomProblem, contact.BySystem, "media-timeout")
			cancel(err)
		}
	}()
	defer func() { <-mediaDone }()
	defer cancel(nil) // runs before the wait above
	if d := v.cfg.AnswerDelay; d > 0 {
		_ = in.Ringing()
		select {
		case <-callCtx.Done():
			call.finish()
			return
		case <-time.After(d):
		}
	}
	answer := media.MarshalSDP(sess.LocalAddr(), call.nextOrigin(), []media.Codec{neg.Codec}, neg.DTMF, neg.Direction)
	if err := in.Answer(callCtx, answer); err != nil {
		call.finish()
		return
	}
	go call.signalling(callCtx)
	log.Info("call answered", "codec", neg.Codec.Name, "dtmf_pt", neg.DTMF, "remote", neg.Remote.String())

	if _, err := v.cc.contacts.StartFlow(callCtx, route.InstanceID, c.ID, lf.ID); err != nil {
		log.Warn("call: start flow", "err", err)
		call.setCause(contact.OtherDisconnect, contact.BySystem, "error")
		call.finish()
		return
	}
	v.cc.runFlow(callCtx, c, lf, nil, nil, call)
	// The flow ended the call, or queued it: then the call waits in the
	// queue (queueflow.go plays to it), and is connected to agents on desk
	// phones (voice_agent.go), until one side hangs up.
	call.serveAgents(callCtx)
	call.finish()
}

// reject refuses a call before it is answered.
func (v *voiceChannel) reject(in *sip.InboundCall, code int, reason string) {
	v.metrics.calls.WithLabelValues(fmt.Sprint(code)).Inc()
	if err := in.Reject(code, reason); err != nil {
		v.log.Debug("sip: reject", "call_id", in.CallID(), "status", code, "err", err)
	}
}

// publishedFlow loads the published version of the number's flow.
func (v *voiceChannel) publishedFlow(ctx context.Context, route store.NumberRoute) (*engine.LoadedFlow, error) {
	if route.FlowID == "" {
		return nil, errors.New("the number has no flow")
	}
	f, err := v.cc.st.Flows.Get(ctx, route.InstanceID, route.FlowID)
	if err != nil {
		return nil, err
	}
	if f.PublishedVersion == 0 {
		return nil, fmt.Errorf("flow %s is not published", f.Name)
	}
	key := flowKey{id: f.ID, version: f.PublishedVersion}
	v.flowsMu.Lock()
	lf := v.flows[key]
	v.flowsMu.Unlock()
	if lf != nil {
		return lf, nil
	}
	fv, err := v.cc.st.FlowVersion(ctx, route.InstanceID, f.ID, f.PublishedVersion)
	if err != nil {
		return nil, err
	}
	parsed, err := flow.Parse(fv.Content)
	if err != nil {
		return nil, fmt.Errorf("flow %s version %d: %w", f.Name, fv.Version, err)
	}
	lf = &engine.LoadedFlow{ID: f.ID, Name: f.Name, Flow: parsed}
	v.flowsMu.Lock()
	if len(v.flows) >= maxCachedFlows {
		clear(v.flows) // simple bound: numbers' flows are few, versions change rarely
	}
	v.flows[key] = lf
	v.flowsMu.Unlock()
	return lf, nil
}

// flowKey names a published flow version: a version never changes, so its
// parsed form is kept (the engine only reads it).
type flowKey struct {
	id      string
	version int
}

const maxCachedFlows = 512

// promptAudio reads an uploaded prompt's audio as 8 kHz PCM.
func (v *voiceChannel) promptAudio(instanceID string) func(ctx context.Context, p *core.Prompt) ([]int16, error) {
	return func(ctx context.Context, p *core.Prompt) ([]int16, error) {
		_, data, err := v.cc.st.PromptAudio(ctx, instanceID, p.ID)
		if err != nil {
			return nil, fmt.Errorf("prompt %s: %w", p.Name, err)
		}
		pcm, err := audio.DecodePCM8k(data)
		if err != nil {
			return nil, fmt.Errorf("prompt %s: %w", p.Name, err)
		}
		return pcm, nil
	}
}

// callerNumber is the caller's number as the From header gives it.
func callerNumber(r sip.Request) string {
	if n := core.NormalizeE164(r.FromUser); core.ValidE164(n) {
		return n
	}
	if r.FromUser == "" {
		return "anonymous"
	}
	return r.FromUser
}

// trunkCodecs is the trunk's codec preference.
func trunkCodecs(t *core.Trunk) []media.Codec {
	var out []media.Codec
	for _, n := range t.Codecs {
		if c, ok := media.CodecByName(n); ok {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = []media.Codec{media.PCMU, media.PCMA}
	}
	return out
}

// call is one answered call: the customer leg of its contact.
type call struct {
	v  *voiceChannel
	in customerDialog // the customer's SIP dialog: the call that came in, or the one we placed (voice_outbound.go)
	// caller is the customer's number (the caller ID of a call that came
	// in, the number dialled for one we placed); trunk the trunk's ID.
	caller, trunk string
	// reinvites are the customer's re-INVITEs (nil for a call we placed).
	reinvites <-chan *sip.ReInvite
	// outbound: we placed the call: the customer is the callee.
	outbound bool
	sess     *media.Session
	p        *voice.Participant
	rec      *callRecording // voice_record.go
	xfer     thirdParty     // voice_dial.go
	desk     agentLeg       // voice_agent.go
	inst     string
	// id is the call's current contact: a transfer moves the call to a new
	// contact (relink). Read it with contactID outside the call's goroutine.
	idMu    sync.Mutex
	id      string
	prevIDs []string // the contacts it had before
	log     *slog.Logger
	ctx     context.Context // ends with the call

	mu     sync.Mutex
	origin media.Origin
	// Set by whoever ends the call first; finish records them.
	reason contact.DisconnectReason
	by     string
	cause  string
}

var _ customerLeg = (*call)(nil)

// customerDialog is what a call uses of its customer's SIP dialog:
// *sip.InboundCall or *sip.OutboundCall.
type customerDialog interface {
	Context() context.Context
	DTMF() <-chan rune
	End() sip.EndCause
	Hangup(ctx context.Context) error
}

// contactID is the call's current contact.
func (c *call) contactID() string {
	c.idMu.Lock()
	defer c.idMu.Unlock()
	return c.id
}

func (c *call) nextOrigin() media.Origin {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.origin
	c.origin.Version++
	return o
}

// setCause records why the call is ending, unless something already did.
func (c *call) setCause(reason contact.DisconnectReason, by, cause string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason == "" {
		c.reason, c.by, c.cause = reason, by, cause
	}
}

// finish hangs the call up if it is still up and records how it ended on
// the contact (and takes it out of its queue).
func (c *call) finish() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 10*time.Second)
	defer cancel()
	_ = c.in.Hangup(ctx)
	<-c.in.Context().Done()
	end := c.in.End()
	switch {
	case end.By == "caller" || (c.outbound && end.By == "callee"):
		c.setCause(contact.CustomerDisconnect, contact.ByCustomer, end.Reason)
	case end.Reason == "shutdown":
		c.setCause(contact.OtherDisconnect, contact.BySystem, "shutdown")
	case end.By == "timeout":
		c.setCause(contact.TelecomProblem, contact.BySystem, end.Reason)
	default:
		c.setCause(contact.OtherDisconnect, contact.BySystem, end.Reason)
	}
	c.mu.Lock()
	reason, by, cause := c.reason, c.by, c.cause
	c.mu.Unlock()
	c.rec.finish(ctx) // while the contact is still up, so its record shows the recording
	if inst, err := c.v.cc.instance(ctx, c.inst); err == nil {
		_ = inst.router.EndContact(ctx, c.contactID()) // if it waits in a queue
	}
	st := c.sess.Stats()
	c.v.metrics.ended(cause, st)
	if _, err := c.v.cc.contacts.HangUp(ctx, c.inst, c.contactID(), reason, contact.VoiceDetails{DisconnectedBy: by, HangupCause: cause,
		PacketsSent: st.PacketsSent, PacketsReceived: st.PacketsReceived}); err != nil {
		c.log.Warn("call: record the hang-up", "err", err)
	}
	c.log.Info("call ended", "reason", reason, "by", by, "cause", cause, "rtp_sent", st.PacketsSent, "rtp_received", st.PacketsReceived)
}

// signalling follows the call's in-dialog requests: re-INVITEs (hold,
// codec change) and DTMF sent as SIP INFO.
func (c *call) signalling(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-c.in.DTMF():
			c.sess.InjectDTMF(d)
		case ri := <-c.reinvites:
			c.reinvite(ri)
		}
	}
}

// reinvite answers a re-INVITE: the new offer is negotiated with the
// current codec preferred, and the session follows (hold: we stop sending).
func (c *call) reinvite(ri *sip.ReInvite) {
	if len(ri.Offer) == 0 { // offerless re-INVITE (a session refresh): offer what we have
		cur := c.sess.Codec()
		_ = ri.Accept(media.MarshalSDP(c.sess.LocalAddr(), c.nextOrigin(), []media.Codec{cur}, 0, c.sess.Direction()))
		return
	}
	offer, err := media.ParseSDP(ri.Offer)
	if err != nil {
		c.log.Info("call: unusable re-INVITE offer", "err", err)
		_ = ri.Reject(488)
		return
	}
	prefer := append([]media.Codec{c.sess.Codec()}, media.PCMU, media.PCMA)
	neg, err := media.Answer(offer, prefer)
	if err != nil {
		_ = ri.Reject(488)
		return
	}
	c.sess.Update(neg)
	c.log.Info("call: re-INVITE", "direction", neg.Direction, "codec", neg.Codec.Name)
	_ = ri.Accept(media.MarshalSDP(c.sess.LocalAddr(), c.nextOrigin(), []media.Codec{neg.Codec}, neg.DTMF, neg.Direction))
}

// customerLeg.

func (c *call) channel() string { return engine.ChannelVoice }

func (c *call) participant(context.Context) (flowParticipant, error) {
	if c.ctx.Err() != nil {
		return nil, engine.ErrParticipantNotFound
	}
	return nopClose{c.p}, nil
}

// end hangs up after a flow disconnected the caller.
func (c *call) end(ctx context.Context, _ string, reason contact.DisconnectReason) {
	c.setCause(reason, contact.BySystem, "flow")
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.in.Hangup(hctx); err != nil {
		c.log.Debug("call: hang up", "err", err)
	}
}

// idle is the queue's built-in treatment: music on hold, and when the
// contact has no customer queue flow, its position in the queue announced
// every announceEvery (Connect users build this with custom code).
func (c *call) idle(ctx context.Context, w *queueWait) {
	_, hasFlow := customerQueueHook(w.ec)
	for ctx.Err() == nil {
		if !hasFlow {
			c.announcePosition(ctx, w)
		}
		mctx, cancel := context.WithTimeout(ctx, announceEvery)
		_ = media.Loop(mctx, c.rec.media(), c.v.moh)
		cancel()
	}
}

// announcePosition tells the caller where they are in the queue.
func (c *call) announcePosition(ctx context.Context, w *queueWait) {
	text := positionText(w.inst.router, w.id, w.queue.ID)
	if text == "" {
		return
	}
	if err := c.p.Play(ctx, engine.Message{Kind: engine.MessageText, Text: text}); err != nil && ctx.Err() == nil {
		c.log.Debug("call: position announcement", "err", err)
	}
}

// nopClose gives a participant the Close a flow run calls.
type nopClose struct{ *voice.Participant }

func (nopClose) Close() {}

// trunkCache holds every trunk of the deployment for admission, read again
// when a trunk changes in this process and at most trunkTTL after a change
// made by another.
type trunkCache struct {
	st *store.Store

	mu     sync.Mutex
	list   []*core.Trunk
	loaded time.Time
}

const trunkTTL = 5 * time.Second

func newTrunkCache(st *store.Store) *trunkCache { return &trunkCache{st: st} }

func (t *trunkCache) invalidate() {
	t.mu.Lock()
	t.loaded = time.Time{}
	t.mu.Unlock()
}

func (t *trunkCache) all(ctx context.Context) ([]*core.Trunk, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.loaded) < trunkTTL {
		return t.list, nil
	}
	list, err := t.st.AllTrunks(ctx)
	if err != nil {
		return nil, err
	}
	t.list, t.loaded = list, time.Now()
	return list, nil
}

func (t *trunkCache) get(ctx context.Context, id string) *core.Trunk {
	list, err := t.all(ctx)
	if err != nil {
		return nil
	}
	for _, tr := range list {
		if tr.ID == id {
			return tr
		}
	}
	return nil
}

// positionText is the built-in announcement of a waiting caller's place.
func positionText(r positionSource, contactID, queueID string) string {
	pos, wait, ok := r.QueuePosition(contactID)
	if !ok {
		return ""
	}
	var b strings.Builder
	if pos == 1 {
		b.WriteString("You are next in line.")
	} else {
		fmt.Fprintf(&b, "You are number %d in line.", pos)
	}
	if wait > 0 {
		m := int((wait + 30*time.Second) / time.Minute)
		switch {
		case m <= 1:
			b.WriteString(" Your expected wait is about one minute.")
		default:
			fmt.Fprintf(&b, " Your expected wait is about %d minutes.", m)
		}
	}
	b.WriteString(" Please stay on the line.")
	return b.String()
}

// positionSource is what positionText needs of the router.
type positionSource interface {
	QueuePosition(contactID string) (position int, expectedWait time.Duration, ok bool)
}
