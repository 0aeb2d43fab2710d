package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/sip"
)

// Transfer to a phone number (TransferParticipantToThirdParty) on a call:
// the caller's participant dials through call.dial (voice.Config.Dial).
//
// The third party is called through a trunk with an outbound proxy: the
// trunk the call came in on, or else the first of the instance's trunks
// that has one. The new leg gets its own RTP ports and is offered the
// trunk's codecs with telephone-event 101; once it answers, media.Bridge
// relays audio (as is when both legs use the same codec) and digits
// between the two legs.
//
// With ContinueFlowExecution the flow waits: when the third party hangs up
// it goes on with the caller; when the caller hangs up the third party is
// hung up too and the contact ends (CUSTOMER_DISCONNECT). Without it the
// flow ends once the third party answers (the engine's
// OutcomeTransferToPhoneNumber, which runFlow leaves to the call), and the
// two stay bridged until one hangs up: the contact then ends with
// THIRD_PARTY_DISCONNECT (DisconnectedBy THIRD_PARTY) or
// CUSTOMER_DISCONNECT.

// Defaults of a transfer to a phone number.
const (
	// thirdPartyTimeout bounds the wait for an answer when the flow sets
	// no ThirdPartyConnectionTimeLimitSeconds.
	thirdPartyTimeout = 30 * time.Second
	// thirdPartyDTMFPT is the telephone-event payload type we offer.
	thirdPartyDTMFPT = 101
	// thirdPartyDigit and thirdPartyDigitGap are the length of each digit
	// of ThirdPartyDTMFDigits and the silence after it; a ',' in the
	// digits pauses thirdPartyPause.
	thirdPartyDigit    = 100 * time.Millisecond
	thirdPartyDigitGap = 60 * time.Millisecond
	thirdPartyPause    = 500 * time.Millisecond
)

// thirdParty is a call's transfer state.
type thirdParty struct {
	// handedOver is set when a transfer without ContinueFlowExecution was
	// answered: the call now belongs to the bridge, not to the flow.
	handedOver atomic.Bool
}

// handedOverLeg is implemented by legs that may have been connected to a
// third party when a flow ended with OutcomeTransferToPhoneNumber.
type handedOverLeg interface {
	handedOver() bool
}

func (c *call) handedOver() bool { return c.xfer.handedOver.Load() }

// outboundTrunk picks the trunk a call's transfer goes through.
func (v *voiceChannel) outboundTrunk(ctx context.Context, inbound, instanceID string) *core.Trunk {
	if t := v.trunks.get(ctx, inbound); t != nil && t.OutboundAddr() != "" {
		return t
	}
	list, err := v.trunks.all(ctx)
	if err != nil {
		return nil
	}
	for _, t := range list {
		if t.InstanceID == instanceID && t.OutboundAddr() != "" {
			return t
		}
	}
	return nil
}

// callerID is what the third party sees as the caller, per the trunk's
// policy: passthrough presents the flow's caller ID, or else the caller's
// own number.
func callerID(t *core.Trunk, req engine.ThirdPartyRequest, caller string) (number, name string, hdrs map[string]string) {
	switch t.CallerIDPolicy {
	case core.CallerIDNumber:
		return t.DefaultCallerID, req.CallerIDName, nil
	case core.CallerIDAnonymous:
		// RFC 3323 §4.1.1 and RFC 3325 §9.3.
		return "anonymous", "Anonymous", map[string]string{"Privacy": "id"}
	}
	if n := core.NormalizeE164(req.CallerIDNumber); core.ValidE164(n) {
		return n, req.CallerIDName, nil
	}
	return caller, req.CallerIDName, nil
}

// thirdPartyURI is the Request-URI of a call to number through t.
func thirdPartyURI(t *core.Trunk, number string) string {
	uri := "sip:" + number + "@" + t.OutboundAddr()
	if t.Transport == core.TransportTCP || t.Transport == core.TransportTLS {
		uri += ";transport=" + t.Transport
	}
	return uri
}

// dial implements voice.Config.Dial (engine.ThirdPartyDialer) for the call.
func (c *call) dial(ctx context.Context, req engine.ThirdPartyRequest) error {
	v := c.v
	log := c.log.With("third_party", req.PhoneNumber)
	trunk := v.outboundTrunk(ctx, c.trunk, c.inst)
	if trunk == nil {
		log.Warn("transfer: no trunk with an outbound proxy")
		return fmt.Errorf("transfer: no trunk with an outbound proxy: %w", engine.ErrCallFailed)
	}
	from, fromName, hdrs := callerID(trunk, req, c.caller)
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = thirdPartyTimeout
	}
	uri := thirdPartyURI(trunk, req.PhoneNumber)
	log = log.With("trunk", trunk.Name, "uri", uri)
	log.Info("transfer: dialling", "from", from, "timeout", timeout, "continue_flow", req.ContinueFlow)
	out, leg, err := c.dialLeg(ctx, log, legRequest{uri: uri, trunk: trunk, from: from, fromName: fromName,
		headers: hdrs, timeout: timeout})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the caller hung up while it rang
		}
		log.Info("transfer: not connected", "err", err)
		if errors.Is(err, sip.ErrNoAnswer) {
			return fmt.Errorf("transfer to %s: %v: %w", req.PhoneNumber, err, engine.ErrConnectionTimeout)
		}
		return fmt.Errorf("transfer to %s: %v: %w", req.PhoneNumber, err, engine.ErrCallFailed)
	}
	log.Info("transfer: answered", "codec", leg.Codec().Name, "caller_codec", c.sess.Codec().Name)

	b := &bridgeCall{c: c, out: out, leg: leg, log: log, digits: req.DTMF}
	if req.ContinueFlow {
		return b.run(ctx)
	}
	// Connect semantics: the flow ends here and the call stays up,
	// bridged, until one side hangs up.
	c.xfer.handedOver.Store(true)
	v.calls.Add(1)
	go func() {
		defer v.calls.Done()
		if err := b.run(c.ctx); err == nil {
			// The third party's side ended: so does the caller's.
			c.setCause(b.reason, b.by, b.cause)
			hctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
			defer cancel()
			_ = c.in.Hangup(hctx)
		}
	}()
	return nil
}

// legRequest is an outbound leg to place for a call: a third party, or an
// agent's desk phone (voice_agent.go).
type legRequest struct {
	uri            string
	trunk          *core.Trunk // nil: uri is dialled directly (a SIP device)
	from, fromName string
	headers        map[string]string
	timeout        time.Duration
	// device, when valid, is where a registered desk phone registered from
	// (uri is its binding's Target): it is dialled as a device
	// (sip.DialRequest.Device) and its RTP is accepted from there too.
	device netip.Addr
}

// dialLeg places an outbound leg for the call, with its own RTP ports, and
// returns it once answered, with its media session (not yet running). Its
// error wraps the SIP server's (sip.ErrNoAnswer, sip.ErrBusy...), or is
// ctx.Err() when ctx ended while it rang.
func (c *call) dialLeg(ctx context.Context, log *slog.Logger, r legRequest) (*sip.OutboundCall, *media.Session, error) {
	v := c.v
	srv := v.srv.Load()
	if srv == nil {
		return nil, nil, errors.New("the SIP server is not running")
	}
	conn, err := v.ports.Open()
	if err != nil {
		log.Error("dial: no RTP ports", "err", err)
		return nil, nil, err
	}
	closeConn := true
	defer func() {
		if closeConn {
			_ = conn.Close()
		}
	}()
	local := conn.LocalAddr()
	if a := local.Addr(); a.IsUnspecified() {
		local = netip.AddrPortFrom(v.public, local.Port())
	}
	codecs := []media.Codec{media.PCMU, media.PCMA}
	var creds *sip.Credentials
	if t := r.trunk; t != nil {
		codecs = trunkCodecs(t)
		if t.Username != "" && t.Password != "" {
			creds = &sip.Credentials{Realm: t.Realm, Username: t.Username, Password: t.Password}
		}
	}
	offer := media.MarshalSDP(local, media.Origin{SessionID: rand.Uint64() >> 1, Version: 1}, codecs, thirdPartyDTMFPT, media.SendRecv)
	out, err := srv.Dial(ctx, sip.DialRequest{URI: r.uri, From: r.from, FromName: r.fromName, Offer: offer,
		Credentials: creds, Timeout: r.timeout, Headers: r.headers, Device: r.device.IsValid()})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, err
	}
	desc, err := media.ParseSDP(out.Answer())
	var neg media.Negotiated
	if err == nil {
		neg, err = media.Answer(desc, codecs)
	}
	if err != nil {
		log.Warn("dial: unusable SDP answer", "err", err)
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = out.Hangup(hctx)
		return nil, nil, fmt.Errorf("%w: unusable SDP answer: %v", sip.ErrCallFailed, err)
	}
	// RTP may come from elsewhere than the SDP says (symmetric RTP): from a
	// trunk's addresses, or for a SIP device from the address it answered.
	latch := func(a netip.Addr) bool {
		return a.Unmap() == neg.Remote.Addr().Unmap() || (r.device.IsValid() && a.Unmap() == r.device.Unmap())
	}
	if r.trunk != nil {
		latch = r.trunk.AdmitsSource
	}
	leg := media.NewSession(media.SessionConfig{Conn: conn, Remote: neg.Remote, Codec: neg.Codec, DTMF: neg.DTMF,
		Direction: neg.Direction, MediaTimeout: v.cfg.MediaTimeout, Latch: latch, Logger: log})
	closeConn = false // the session owns it
	return out, leg, nil
}

// bridgeCall is an answered third-party leg bridged to its caller.
type bridgeCall struct {
	c      *call
	out    *sip.OutboundCall
	leg    *media.Session
	log    *slog.Logger
	digits string
	// How the third party's side ended, when it did.
	reason contact.DisconnectReason
	by     string
	cause  string
}

// run bridges the caller and the third party until one side ends. It
// returns nil when the third party's side ended (its BYE, or its media
// stopped) and ctx.Err() when ctx ended (the caller hung up); either way
// the third party's leg is hung up and its session closed.
func (b *bridgeCall) run(ctx context.Context) error {
	defer func() {
		_ = b.leg.Close()
		st := b.leg.Stats()
		b.log.Info("transfer: third-party leg closed", "rtp_sent", st.PacketsSent, "rtp_received", st.PacketsReceived,
			"dtmf_received", st.DTMFEvents)
	}()
	defer func() {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = b.out.Hangup(hctx)
	}()
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mediaDone := make(chan error, 1)
	go func() { mediaDone <- b.leg.Run(bctx) }()
	defer func() { cancel(); <-mediaDone }()

	if b.digits != "" {
		if err := sendDigits(bctx, b.leg, b.digits); err != nil && ctx.Err() == nil {
			b.log.Info("transfer: DTMF digits not sent", "err", err)
		}
	}
	// A live recording hears the third party on its right channel (the
	// bridge relays packets; this decodes a copy).
	if b.c.rec != nil {
		b.leg.OnAudio(func(fr media.Frame) {
			if rec := b.c.rec.live.Load(); rec != nil {
				rec.Other(fr.PCM, fr.Arrived)
			}
		})
	}
	bridged := make(chan error, 1)
	go func() { bridged <- media.BridgeWith(bctx, b.c.sess, b.leg, bridgeConfig) }()
	defer func() { cancel(); <-bridged }()
	start := time.Now()
	for {
		select {
		case <-ctx.Done():
			b.log.Info("transfer: the caller hung up", "bridged", time.Since(start).Round(time.Millisecond))
			return ctx.Err()
		case <-b.out.Context().Done():
			end := b.out.End()
			b.reason, b.by, b.cause = contact.OtherDisconnect, contact.BySystem, end.Reason
			if end.By == "callee" {
				b.reason, b.by = contact.ThirdPartyDisconnect, contact.ByThirdParty
			}
			b.log.Info("transfer: the third party's side ended", "by", end.By, "reason", end.Reason,
				"bridged", time.Since(start).Round(time.Millisecond))
			return nil
		case err := <-mediaDone:
			mediaDone <- err // for the deferred wait
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.reason, b.by, b.cause = contact.TelecomProblem, contact.BySystem, "third-party-media-timeout"
			b.log.Info("transfer: no media from the third party", "err", err)
			return nil
		case err := <-bridged:
			bridged <- err
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The caller's session closed: the call is ending.
			return fmt.Errorf("transfer: bridge: %w", err)
		case d := <-b.out.DTMF(): // SIP INFO from the third party: the bridge relays it
			b.leg.InjectDTMF(d)
		}
	}
}

// sendDigits sends ThirdPartyDTMFDigits as RFC 4733 events; ',' pauses.
func sendDigits(ctx context.Context, s *media.Session, digits string) error {
	for _, d := range strings.ToUpper(digits) {
		wait := thirdPartyDigitGap
		if d == ',' {
			wait = thirdPartyPause
		} else if err := s.SendDTMF(ctx, d, thirdPartyDigit); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return nil
}
