package sip

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Request is what the Handler learns about a new INVITE.
type Request struct {
	CallID    string
	Source    netip.AddrPort // where the INVITE came from (the trunk or its proxy)
	Transport string         // "udp", "tcp" or "tls"
	// RequestUser is the user part of the Request-URI (the dialled number); ToUser, FromUser
	// and FromName come from the To and From headers.
	RequestUser, ToUser, FromUser, FromName string
	// ToHost is the host part of the To URI (a REGISTER's domain).
	ToHost string
	// Header returns the first value of a header of the INVITE, or "".
	Header func(name string) string
}

// Credentials are the digest credentials a trunk accepts.
type Credentials struct {
	Realm, Username, Password string
	// Trunk, on an Admission's Digest, is the trunk these credentials
	// belong to: the call's InboundCall.Trunk when they are the ones that
	// passed.
	Trunk string
	// AOR, on a Registrar's answer, is the key the device's bindings are
	// stored under (what Server.Lookup takes); empty means the To user. A
	// Registrar serving several tenants makes it unique across them.
	AOR string
}

// Admission is the Handler's decision on a new INVITE.
type Admission struct {
	// Status is 0 to admit; otherwise the SIP status to answer (403, 404, 503 ...).
	Status int
	// Reason is the reason phrase for Status (default: the standard one).
	Reason string
	// Trunk is the ID of the admitting trunk, available as InboundCall.Trunk.
	Trunk string
	// Digest, when non-empty, makes the request carry valid digest credentials matching one
	// of these: without Authorization it is answered 401 with a challenge (RFC 3261 §22.1,
	// MD5, nonces valid 5 minutes), with wrong credentials 403.
	Digest []Credentials
}

// Handler is the call logic behind the SIP stack.
type Handler interface {
	// Admit is called for each new INVITE (not for re-INVITEs), before any dialog exists.
	Admit(ctx context.Context, r Request) Admission
	// HandleCall runs in the call's own goroutine after admission. ctx ends when the call
	// ends or the server stops. When HandleCall returns the server hangs the call up if it is
	// still up (BYE if answered, 480 if not).
	HandleCall(ctx context.Context, c *InboundCall)
}

// EndCause says why a call ended.
type EndCause struct {
	By     string // "caller", "us" or "timeout"
	Reason string // "bye", "cancel", "no-ack", "session-timer", "shutdown" or "rejected"
	Status int    // the final status we sent when the call ended unanswered, else 0
}

type callState int

const (
	stateNew       callState = iota // no final response sent yet
	stateAnswering                  // 2xx sent, waiting for its ACK
	stateConfirmed                  // ACK received
	stateEnded
)

// InboundCall is one call from a trunk. Its methods are safe for concurrent use.
type InboundCall struct {
	s       *Server
	log     *slog.Logger
	req     Request
	trunk   string
	tx      sip.ServerTransaction
	dlg     *sipgo.DialogServerSession
	contact sip.ContactHeader
	ctx     context.Context
	cancel  context.CancelFunc

	acked     chan struct{} // closed by the ACK of our 2xx to the INVITE
	ackOnce   sync.Once
	cancelled chan struct{} // closed when the transaction layer accepted a CANCEL
	refresh   chan struct{} // session refreshes (re-INVITE, UPDATE) and the start of the timer
	reinvites chan *ReInvite
	dtmf      chan rune

	// session timer (RFC 4028); 0 when not negotiated. Guarded by mu after creation.
	sessionExpires time.Duration
	sessionRequire bool

	mu      sync.Mutex
	state   callState
	end     EndCause
	pending *ReInvite // the re-INVITE being answered, until its ACK
}

// Request returns what the INVITE said.
func (c *InboundCall) Request() Request { return c.req }

// Trunk returns the admitting trunk's ID (Admission.Trunk).
func (c *InboundCall) Trunk() string { return c.trunk }

// CallID returns the SIP Call-ID.
func (c *InboundCall) CallID() string { return c.req.CallID }

// Offer returns the INVITE's SDP body; it may be empty (the offer then goes in our 200).
func (c *InboundCall) Offer() []byte { return c.dlg.InviteRequest.Body() }

// Context is done when the call ends for any reason.
func (c *InboundCall) Context() context.Context { return c.ctx }

// ReInvites delivers in-dialog INVITEs (hold, unhold, codec change). Each must be answered
// with Accept or Reject within Config.ReInviteTimeout, or it is answered 500.
func (c *InboundCall) ReInvites() <-chan *ReInvite { return c.reinvites }

// DTMF delivers digits received in SIP INFO (application/dtmf-relay or application/dtmf).
// Digits are dropped if nobody reads them.
func (c *InboundCall) DTMF() <-chan rune { return c.dtmf }

// End says why the call ended. It is valid once Context is done.
func (c *InboundCall) End() EndCause {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.end
}

// Ringing sends 180 Ringing.
func (c *InboundCall) Ringing() error {
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	if st != stateNew {
		return c.endErr()
	}
	res := sip.NewResponseFromRequest(c.dlg.InviteRequest, 180, "Ringing", nil)
	res.AppendHeader(&c.contact)
	if err := c.tx.Respond(res); err != nil {
		return fmt.Errorf("sip: 180 for call %s: %w", c.req.CallID, err)
	}
	return nil
}

// Reject sends a final non-2xx response (404, 480, 486, 488, 503 ...) with reason as its
// reason phrase (the standard one if empty), and ends the call as EndCause{"us", "rejected",
// code}.
func (c *InboundCall) Reject(code int, reason string) error {
	if code < 300 || code > 699 {
		return fmt.Errorf("sip: reject call %s: status %d is not a final non-2xx", c.req.CallID, code)
	}
	c.mu.Lock()
	if c.state != stateNew {
		c.mu.Unlock()
		return c.endErr()
	}
	c.state = stateEnded
	c.end = EndCause{By: "us", Reason: "rejected", Status: code}
	c.mu.Unlock()
	defer c.finished()
	return c.sendFinal(code, reason)
}

// Answer sends 200 OK with sdp and our Contact, then blocks until the caller's ACK. If no ACK
// comes within Config.AckTimeout it sends a BYE (RFC 3261 §13.3.1.4) and returns ErrNoAck; if
// the caller hangs up first (BYE, or a CANCEL that won the race) it returns ErrHungUp. If ctx
// ends first the call is hung up and ctx's error returned.
func (c *InboundCall) Answer(ctx context.Context, sdp []byte) error {
	c.mu.Lock()
	if c.state != stateNew {
		c.mu.Unlock()
		if c.ctx.Err() != nil {
			return c.endErr()
		}
		return fmt.Errorf("sip: answer call %s: already answered", c.req.CallID)
	}
	c.state = stateAnswering
	res := c.okResponse(c.dlg.InviteRequest, sdp)
	// sipgo builds in-dialog requests (our BYE) from InviteResponse.
	c.dlg.InviteResponse = res
	c.mu.Unlock()

	if err := c.tx.Respond(res); err != nil {
		// The transaction died under us: a CANCEL got there first, or a transport error.
		select {
		case <-c.cancelled:
			c.finishRemote("cancel", 487)
			return ErrHungUp
		default:
		}
		c.mu.Lock()
		c.state = stateEnded
		c.end = EndCause{By: "us", Reason: "rejected", Status: 500}
		c.mu.Unlock()
		c.finished()
		return fmt.Errorf("sip: 200 for call %s: %w", c.req.CallID, err)
	}
	c.log.Debug("sip: answered, waiting for ACK")

	if err := c.awaitAck(ctx, c.tx, res, c.acked); err != nil {
		return err
	}
	c.mu.Lock()
	if c.state == stateAnswering {
		c.state = stateConfirmed
	}
	c.mu.Unlock()
	c.log.Debug("sip: call confirmed")
	c.signalRefresh() // starts the session timer, if any
	return nil
}

// awaitAck retransmits a 2xx (for an INVITE or re-INVITE) until acked closes, with the
// intervals of RFC 3261 §13.3.1.4 (T1 doubling up to T2), bounded by Config.AckTimeout.
func (c *InboundCall) awaitAck(ctx context.Context, tx sip.ServerTransaction, res *sip.Response, acked <-chan struct{}) error {
	reliable := !strings.EqualFold(c.req.Transport, "udp")
	interval := sip.T1
	retransmit := time.NewTimer(interval)
	defer retransmit.Stop()
	deadline := time.NewTimer(c.s.cfg.AckTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-acked:
			return nil
		case <-c.ctx.Done():
			return c.endErr()
		case <-retransmit.C:
			if !reliable {
				if err := tx.Respond(res); err != nil {
					// The INVITE transaction is gone (Timer L); send statelessly.
					_ = c.s.srv.WriteResponse(res)
				}
			}
			interval = min(2*interval, sip.T2)
			retransmit.Reset(interval)
		case <-deadline.C:
			c.log.Warn("sip: no ACK for our 2xx, sending BYE", "after", c.s.cfg.AckTimeout)
			bctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c.terminate(bctx, "timeout", "no-ack", 0)
			return ErrNoAck
		case <-ctx.Done():
			bctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c.terminate(bctx, "us", "bye", 0)
			return ctx.Err()
		}
	}
}

// Hangup ends the call: BYE if answered, otherwise 480. It is idempotent and returns nil if
// the call has already ended.
func (c *InboundCall) Hangup(ctx context.Context) error {
	return c.terminate(ctx, "us", "bye", 480)
}

// terminate ends the call from our side: a BYE if a 2xx was sent, else the final response
// code. by and reason go to EndCause (reason becomes "rejected" for an unanswered call unless
// it is "shutdown").
func (c *InboundCall) terminate(ctx context.Context, by, reason string, code int) error {
	c.mu.Lock()
	st := c.state
	if st == stateEnded {
		c.mu.Unlock()
		return nil
	}
	c.state = stateEnded
	if st == stateNew {
		if reason != "shutdown" {
			reason = "rejected"
		}
		c.end = EndCause{By: by, Reason: reason, Status: code}
	} else {
		c.end = EndCause{By: by, Reason: reason}
	}
	c.mu.Unlock()
	defer c.finished()

	if st == stateNew {
		return c.sendFinal(code, "")
	}
	return c.sendBye(ctx)
}

// sendFinal answers the INVITE with a final non-2xx; the transaction layer retransmits it and
// absorbs the ACK (RFC 3261 §17.2.1).
func (c *InboundCall) sendFinal(code int, reason string) error {
	if reason == "" {
		reason = statusText(code)
	}
	res := sip.NewResponseFromRequest(c.dlg.InviteRequest, code, reason, nil)
	res.AppendHeader(sip.NewHeader("Server", c.s.cfg.UserAgent))
	if err := c.tx.Respond(res); err != nil {
		return fmt.Errorf("sip: %d for call %s: %w", code, c.req.CallID, err)
	}
	return nil
}

// sendBye sends a BYE in the dialog (RFC 3261 §15.1.1) and waits for its final response.
func (c *InboundCall) sendBye(ctx context.Context) error {
	// The INVITE transaction may still be retransmitting our 2xx: stop it.
	c.tx.Terminate()
	bye := sip.NewRequest(sip.BYE, c.dlg.InviteRequest.Contact().Address)
	bye.SetTransport(c.dlg.InviteRequest.Transport())
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 32*time.Second)
		defer cancel()
	}
	res, err := c.dlg.Do(ctx, bye)
	if err != nil {
		c.log.Warn("sip: BYE failed", "error", err)
		return fmt.Errorf("sip: BYE for call %s: %w", c.req.CallID, err)
	}
	if !res.IsSuccess() {
		c.log.Info("sip: BYE answered non-2xx", "status", res.StatusCode)
	}
	return nil
}

// finishRemote ends the call because the caller hung up (reason "bye" or "cancel").
func (c *InboundCall) finishRemote(reason string, status int) {
	c.mu.Lock()
	st := c.state
	if st == stateEnded {
		c.mu.Unlock()
		return
	}
	c.state = stateEnded
	early := st == stateNew && reason == "bye"
	if early {
		status = 487
	}
	c.end = EndCause{By: "caller", Reason: reason, Status: status}
	c.mu.Unlock()
	if early {
		// A BYE in an early dialog: the INVITE still needs its final response (RFC 3261 §15.1.2).
		_ = c.sendFinal(487, "")
	}
	c.finished()
}

// finished releases the call once its state is stateEnded.
func (c *InboundCall) finished() {
	c.cancel()
	c.s.removeCall(c)
	e := c.End()
	c.log.Info("sip: call ended", "by", e.By, "reason", e.Reason, "status", e.Status)
}

// endErr is the error for an operation on an ended call.
func (c *InboundCall) endErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateEnded && c.end.By == "caller" {
		return ErrHungUp
	}
	if c.state == stateEnded && c.end.Reason == "no-ack" {
		return ErrNoAck
	}
	return ErrClosed
}

// okResponse builds a 200 with sdp, our Contact and the session timer headers for req.
func (c *InboundCall) okResponse(req *sip.Request, sdp []byte) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", sdp)
	if len(sdp) > 0 {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	res.AppendHeader(&c.contact)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	res.AppendHeader(sip.NewHeader("Supported", "timer"))
	res.AppendHeader(sip.NewHeader("Server", c.s.cfg.UserAgent))
	if c.sessionExpires > 0 {
		// RFC 4028 §9: the UAS echoes Session-Expires; we let the caller refresh.
		res.AppendHeader(sip.NewHeader("Session-Expires", fmt.Sprintf("%d;refresher=uac", int(c.sessionExpires/time.Second))))
		if c.sessionRequire {
			res.AppendHeader(sip.NewHeader("Require", "timer"))
		}
	}
	return res
}

// onInvite handles every INVITE: a re-INVITE when it belongs to a dialog, otherwise a new call
// that runs in this goroutine until it ends (sipgo terminates the transaction when the handler
// returns, so the handler must outlive the final response).
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		if c := s.lookup(req); c != nil {
			c.handleReInvite(req, tx)
			return
		}
		if s.outboundRequest(req, tx) {
			return
		}
		s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	if req.Contact() == nil {
		// sipgo's ReadInvite returns ErrDialogInviteNoContact and sends nothing (RFC 3261 §8.1.1.8).
		s.respond(tx, req, 400, "Missing Contact header")
		return
	}
	if s.draining.Load() {
		// Draining (Drain): calls in progress go on, new ones go elsewhere (RFC 3261 §21.5.4).
		s.respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", "30"))
		return
	}
	s.respond(tx, req, 100, "Trying")

	info := requestInfo(req)
	log := s.log.With("call_id", info.CallID, "source", info.Source.String(), "transport", info.Transport,
		"to", info.RequestUser, "from", info.FromUser)

	actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	adm := s.h.Admit(actx, info)
	cancel()
	if len(adm.Digest) > 0 && adm.Status == 0 {
		matched, ok := s.checkDigest(req, tx, adm.Digest, log)
		if !ok {
			return
		}
		if adm.Trunk == "" {
			adm.Trunk = matched.Trunk
		}
	}
	if adm.Status != 0 {
		reason := adm.Reason
		if reason == "" {
			reason = statusText(adm.Status)
		}
		log.Info("sip: call not admitted", "status", adm.Status, "reason", reason)
		s.respond(tx, req, adm.Status, reason)
		return
	}

	se, minSE, err := sessionTimer(req)
	if err != nil {
		s.respond(tx, req, 400, "Bad Session-Expires")
		return
	}
	if se > 0 && se < s.cfg.MinSessionExpires {
		// RFC 4028 §8.1
		s.respond(tx, req, 422, "Session Interval Too Small",
			sip.NewHeader("Min-SE", fmt.Sprintf("%d", int(max(minSE, s.cfg.MinSessionExpires)/time.Second))))
		return
	}

	contact := s.contact(req.Transport())
	dua := &sipgo.DialogUA{Client: s.client, ContactHDR: contact, RewriteContact: true}
	dlg, err := dua.ReadInvite(req, tx)
	if err != nil {
		// Only a CANCEL or a dead transaction gets here: the checks ReadInvite makes passed above.
		log.Info("sip: INVITE gone before the dialog", "error", err)
		return
	}
	ctx, ccancel := context.WithCancel(context.Background())
	c := &InboundCall{
		s:              s,
		log:            log.With("trunk", adm.Trunk),
		req:            info,
		trunk:          adm.Trunk,
		tx:             tx,
		dlg:            dlg,
		contact:        contact,
		ctx:            ctx,
		cancel:         ccancel,
		acked:          make(chan struct{}),
		cancelled:      make(chan struct{}),
		refresh:        make(chan struct{}, 1),
		reinvites:      make(chan *ReInvite, 4),
		dtmf:           make(chan rune, 32),
		sessionExpires: se,
		sessionRequire: se > 0 && hasOption(req, "Supported", "k", "timer"),
	}
	var cancelOnce sync.Once
	if !tx.OnCancel(func(*sip.Request) {
		// Runs inside the transaction FSM: only signal.
		cancelOnce.Do(func() { close(c.cancelled) })
	}) {
		log.Info("sip: INVITE cancelled before the call started")
		ccancel()
		return
	}
	if !s.addCall(c) {
		ccancel()
		s.respond(tx, dlg.InviteRequest, 503, "Service Unavailable", sip.NewHeader("Retry-After", "30"))
		return
	}
	c.log.Info("sip: call admitted")

	watching := make(chan struct{})
	s.goTracked(func() {
		defer close(watching)
		c.watch()
	})
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.log.Error("sip: HandleCall panic", "panic", r)
			}
		}()
		s.h.HandleCall(ctx, c)
	}()
	hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = c.terminate(hctx, "us", "bye", 480)
	hcancel()
	<-watching
}

// watch is the call's event loop for what no request handler owns: the CANCEL signal and the
// session timer.
func (c *InboundCall) watch() {
	var expiry <-chan time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.cancelled:
			// The transaction layer already sent 200 to the CANCEL and 487 to the INVITE.
			c.finishRemote("cancel", 487)
			return
		case <-c.refresh:
			c.mu.Lock()
			se := c.sessionExpires
			c.mu.Unlock()
			if se <= 0 {
				continue
			}
			// RFC 4028 §10: without a refresh, send BYE at min(32 s, SE/3) before expiry.
			d := se - min(32*time.Second, se/3)
			if timer == nil {
				timer = time.NewTimer(d)
				expiry = timer.C
			} else {
				timer.Reset(d)
			}
		case <-expiry:
			c.log.Info("sip: session expired without refresh, sending BYE")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = c.terminate(ctx, "us", "session-timer", 0)
			cancel()
			return
		}
	}
}

// signalRefresh (re)starts the session timer.
func (c *InboundCall) signalRefresh() {
	select {
	case c.refresh <- struct{}{}:
	default:
	}
}

// onAck confirms a dialog (our 2xx to the INVITE or to a re-INVITE). An ACK is never
// answered (RFC 3261 §17.1.1.3), so one for an unknown dialog is just dropped.
func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil && s.outboundRequest(req, tx) {
		return
	}
	if c == nil {
		s.log.Debug("sip: ACK outside any dialog dropped", "call_id", req.CallID().Value())
		return
	}
	seq := req.CSeq().SeqNo
	if seq == c.dlg.InviteRequest.CSeq().SeqNo {
		c.ackOnce.Do(func() { close(c.acked) })
		_ = c.dlg.ReadAck(req, tx)
		return
	}
	c.mu.Lock()
	ri := c.pending
	c.mu.Unlock()
	if ri != nil && ri.seq == seq {
		ri.ackOnce.Do(func() { close(ri.acked) })
	}
}

// onBye ends a call the caller hung up (RFC 3261 §15.1.2).
func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		if !s.outboundRequest(req, tx) {
			s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		}
		return
	}
	s.respond(tx, req, 200, "OK")
	c.finishRemote("bye", 0)
}
