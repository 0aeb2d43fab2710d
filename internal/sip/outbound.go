package sip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// DialRequest describes an outbound call (third-party transfer through a trunk).
type DialRequest struct {
	// URI is the callee, e.g. "sip:+15550100@host:port" (";transport=tcp" selects TCP).
	URI string
	// From and FromName are the caller ID user part and display name.
	From, FromName string
	// Offer is our SDP offer (required: we do not do offer-in-200 on outbound calls).
	Offer []byte
	// Proxy, when set ("host:port"), is the outbound proxy: it goes in a loose Route header.
	Proxy string
	// Credentials answer a 401/407 digest challenge.
	Credentials *Credentials
	// Timeout bounds the wait for an answer (default 60 s); then the INVITE is cancelled.
	Timeout time.Duration
	// Headers are added to the INVITE.
	Headers map[string]string
	// Device marks a call to a registered device (URI is a Binding's Target): the ACK and the
	// in-dialog requests go where the answer came from rather than to its Contact, which
	// behind NAT is a private address (sipgo's RewriteContact).
	Device bool
}

// OutboundCall is an answered outbound call. Its methods are safe for concurrent use.
type OutboundCall struct {
	s      *Server
	log    *slog.Logger
	dlg    *sipgo.DialogClientSession
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	dtmf   chan rune

	mu    sync.Mutex
	ended bool
	end   EndCause
}

// Answer returns the callee's SDP answer from its 2xx.
func (c *OutboundCall) Answer() []byte { return c.dlg.InviteResponse.Body() }

// CallID returns the SIP Call-ID.
func (c *OutboundCall) CallID() string { return c.dlg.InviteRequest.CallID().Value() }

// Context is done when the call ends for any reason.
func (c *OutboundCall) Context() context.Context { return c.ctx }

// DTMF delivers digits the callee sent in SIP INFO.
func (c *OutboundCall) DTMF() <-chan rune { return c.dtmf }

// End says why the call ended; valid once Context is done. By is "callee" when the far end
// sent BYE, "us" after Hangup or "us"/"shutdown" when the server stopped.
func (c *OutboundCall) End() EndCause {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.end
}

// Hangup sends BYE. It is idempotent.
func (c *OutboundCall) Hangup(ctx context.Context) error {
	return c.hangup(ctx, "bye")
}

func (c *OutboundCall) hangup(ctx context.Context, reason string) error {
	if !c.finish(EndCause{By: "us", Reason: reason}) {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 32*time.Second)
		defer cancel()
	}
	if err := c.dlg.Bye(ctx); err != nil {
		c.log.Warn("sip: BYE failed", "error", err)
		return fmt.Errorf("sip: BYE for call %s: %w", c.CallID(), err)
	}
	return nil
}

// finish records the end once; it reports whether this call did it.
func (c *OutboundCall) finish(e EndCause) bool {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return false
	}
	c.ended = true
	c.end = e
	c.mu.Unlock()
	c.cancel()
	c.s.mu.Lock()
	if c.s.outCalls[c.id] == c {
		delete(c.s.outCalls, c.id)
	}
	c.s.mu.Unlock()
	c.log.Info("sip: outbound call ended", "by", e.By, "reason", e.Reason)
	return true
}

// Dial places an outbound call and returns once it is answered and ACKed. It answers a digest
// challenge with d.Credentials, ACKs retransmitted 2xx (sipgo's WriteAck), and CANCELs the
// INVITE when ctx ends or d.Timeout passes (ErrNoAnswer). A 486/600 gives ErrBusy, any other
// failure ErrCallFailed (wrapped with the status).
func (s *Server) Dial(ctx context.Context, d DialRequest) (*OutboundCall, error) {
	if !s.enter() {
		return nil, ErrClosed
	}
	defer s.work.Done()
	if s.client == nil {
		return nil, fmt.Errorf("sip: dial before Listen: %w", ErrClosed)
	}
	if len(d.Offer) == 0 {
		return nil, errors.New("sip: dial: an SDP offer is required")
	}
	var uri sip.Uri
	if err := sip.ParseUri(d.URI, &uri); err != nil {
		return nil, fmt.Errorf("sip: dial URI %q: %w", d.URI, err)
	}
	transport := "udp"
	if uri.UriParams != nil {
		if t, ok := uri.UriParams.Get("transport"); ok && t != "" {
			transport = strings.ToLower(t)
		}
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}

	req := sip.NewRequest(sip.INVITE, uri)
	req.SetTransport(strings.ToUpper(transport))
	from := &sip.FromHeader{
		DisplayName: d.FromName,
		Address:     sip.Uri{User: d.From, Host: s.host},
		Params:      sip.NewParams(),
	}
	from.Params.Add("tag", randomTag())
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{User: uri.User, Host: uri.Host, Port: uri.Port}, Params: sip.NewParams()})
	contact := s.contact(transport)
	req.AppendHeader(&contact)
	if d.Proxy != "" {
		req.AppendHeader(sip.NewHeader("Route", "<sip:"+d.Proxy+";lr>"))
	}
	for k, v := range d.Headers {
		req.AppendHeader(sip.NewHeader(k, v))
	}
	req.AppendHeader(sip.NewHeader("Allow", allowed))
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(d.Offer)

	log := s.log.With("direction", "outbound", "to", d.URI)
	dua := &sipgo.DialogUA{Client: s.client, ContactHDR: contact, RewriteContact: d.Device}
	// The wait ends on d.Timeout, on ctx or on server shutdown. RFC 3261 §9.1: a CANCEL is only
	// sent once a provisional response came; before that sipgo would wait out Timer B (32 s),
	// so we force its WaitAnswer to give up at once instead.
	var provisional atomic.Bool
	wctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	abort := func() {
		if provisional.Load() {
			cancel(ErrNoAnswer)
		} else {
			cancel(sipgo.WaitAnswerForceCancelErr)
		}
	}
	timer := time.AfterFunc(timeout, abort)
	defer timer.Stop()
	defer context.AfterFunc(ctx, abort)()
	defer context.AfterFunc(s.stopCtx, abort)()
	sess, err := dua.WriteInvite(wctx, req)
	if err != nil {
		return nil, fmt.Errorf("%w: INVITE %s: %v", ErrCallFailed, d.URI, err)
	}
	log = log.With("call_id", req.CallID().Value())
	opts := sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		if r.IsProvisional() {
			provisional.Store(true)
		}
		return nil
	}}
	if d.Credentials != nil {
		opts.Username, opts.Password = d.Credentials.Username, d.Credentials.Password
	}
	if err := sess.WaitAnswer(wctx, opts); err != nil {
		var resErr *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &resErr):
			code := resErr.Res.StatusCode
			log.Info("sip: outbound call failed", "status", code)
			if code == 486 || code == 600 {
				return nil, fmt.Errorf("%w: %d %s", ErrBusy, code, resErr.Res.Reason)
			}
			return nil, fmt.Errorf("%w: %d %s", ErrCallFailed, code, resErr.Res.Reason)
		case wctx.Err() != nil:
			log.Info("sip: outbound call not answered, cancelled")
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNoAnswer, err)
			}
			return nil, ErrNoAnswer
		default:
			return nil, fmt.Errorf("%w: %v", ErrCallFailed, err)
		}
	}
	if err := sess.Ack(ctx); err != nil {
		return nil, fmt.Errorf("%w: ACK: %v", ErrCallFailed, err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	c := &OutboundCall{
		s:      s,
		log:    log,
		dlg:    sess,
		id:     sess.ID,
		ctx:    cctx,
		cancel: ccancel,
		dtmf:   make(chan rune, 32),
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ccancel()
		bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer bcancel()
		_ = sess.Bye(bctx)
		return nil, ErrClosed
	}
	s.outCalls[c.id] = c
	s.mu.Unlock()
	log.Info("sip: outbound call answered")
	return c, nil
}

// lookupOut finds the outbound call an in-dialog request belongs to (we are the UAC of its
// dialog, so the request's To tag is ours).
func (s *Server) lookupOut(req *sip.Request) *OutboundCall {
	id, err := sip.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outCalls[id]
}

// outboundRequest handles an in-dialog request for an outbound call; it reports false when req
// belongs to none.
func (s *Server) outboundRequest(req *sip.Request, tx sip.ServerTransaction) bool {
	c := s.lookupOut(req)
	if c == nil {
		return false
	}
	switch req.Method {
	case sip.BYE:
		s.respond(tx, req, 200, "OK")
		c.finish(EndCause{By: "callee", Reason: "bye"})
	case sip.INFO:
		digit, code, reason := parseInfo(req)
		if code != 200 {
			s.respond(tx, req, code, reason, sip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
			return true
		}
		s.respond(tx, req, 200, "OK")
		if digit != 0 {
			select {
			case c.dtmf <- digit:
			default:
			}
		}
	case sip.ACK:
	case sip.UPDATE:
		s.respond(tx, req, 200, "OK")
	default:
		// re-INVITEs on outbound legs are not supported yet: keep the current session.
		s.respond(tx, req, 488, "Not Acceptable Here")
	}
	return true
}

// randomTag returns a From tag (RFC 3261 §19.3: at least 32 bits of randomness).
func randomTag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
