package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// ReInvite is an in-dialog INVITE (RFC 3261 §14.2) waiting for the Handler's answer.
type ReInvite struct {
	// Offer is the new SDP offer; empty when the caller wants our offer in the 200.
	Offer []byte

	c       *InboundCall
	req     *sip.Request
	tx      sip.ServerTransaction
	seq     uint32
	once    sync.Once
	done    chan struct{} // closed once answered (by the Handler or automatically)
	res     *sip.Response // the 2xx, when accepted
	acked   chan struct{}
	ackOnce sync.Once
}

// Accept answers 200 with sdp. It returns once the 200 is sent; the server retransmits it until
// the ACK comes (RFC 3261 §13.3.1.4) and hangs the call up if it never does within
// Config.AckTimeout. It returns ErrClosed if the re-INVITE was already answered.
func (r *ReInvite) Accept(sdp []byte) error {
	err := ErrClosed
	r.once.Do(func() {
		r.c.mu.Lock()
		res := r.c.okResponse(r.req, sdp)
		r.c.mu.Unlock()
		err = r.tx.Respond(res)
		if err == nil {
			r.res = res
		} else {
			err = fmt.Errorf("sip: 200 to re-INVITE of call %s: %w", r.c.req.CallID, err)
		}
		close(r.done)
	})
	return err
}

// Reject answers the re-INVITE with a final non-2xx (488 for an offer we cannot take, 491 ...);
// the call stays up with the previous session (RFC 3261 §14.2). It returns ErrClosed if the
// re-INVITE was already answered.
func (r *ReInvite) Reject(code int) error {
	if code < 300 || code > 699 {
		return fmt.Errorf("sip: reject re-INVITE: status %d is not a final non-2xx", code)
	}
	err := ErrClosed
	r.once.Do(func() {
		err = r.respond(code)
		close(r.done)
	})
	return err
}

func (r *ReInvite) respond(code int) error {
	res := sip.NewResponseFromRequest(r.req, code, statusText(code), nil)
	if code == 500 || code == 491 {
		res.AppendHeader(sip.NewHeader("Retry-After", "1"))
	}
	if err := r.tx.Respond(res); err != nil {
		return fmt.Errorf("sip: %d to re-INVITE of call %s: %w", code, r.c.req.CallID, err)
	}
	return nil
}

// handleReInvite runs in the re-INVITE's own transaction goroutine until it is answered and,
// for a 2xx, ACKed.
func (c *InboundCall) handleReInvite(req *sip.Request, tx sip.ServerTransaction) {
	c.mu.Lock()
	switch {
	case c.state == stateEnded:
		c.mu.Unlock()
		c.s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	case c.state != stateConfirmed || c.pending != nil:
		// RFC 3261 §14.2: a second INVITE before the final response (or ACK) of the first one
		// gets 500 with Retry-After. (491 is for glare with our own re-INVITE, which we never send.)
		c.mu.Unlock()
		c.s.respond(tx, req, 500, "Server Internal Error", sip.NewHeader("Retry-After", "1"))
		return
	}
	if err := c.dlg.ReadRequest(req, tx); err != nil {
		c.mu.Unlock()
		c.s.respond(tx, req, 500, "CSeq Out of Order")
		return
	}
	se, _, err := sessionTimer(req)
	if err == nil && se >= c.s.cfg.MinSessionExpires {
		c.sessionExpires = se
		c.sessionRequire = hasOption(req, "Supported", "k", "timer")
	}
	ri := &ReInvite{
		Offer: req.Body(),
		c:     c,
		req:   req,
		tx:    tx,
		seq:   req.CSeq().SeqNo,
		done:  make(chan struct{}),
		acked: make(chan struct{}),
	}
	c.pending = ri
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.pending == ri {
			c.pending = nil
		}
		c.mu.Unlock()
	}()
	c.log.Info("sip: re-INVITE", "cseq", ri.seq, "sdp_bytes", len(ri.Offer))
	c.signalRefresh() // a re-INVITE is a session refresh (RFC 4028 §10)

	select {
	case c.reinvites <- ri:
	default:
		c.log.Warn("sip: re-INVITE queue full; it will time out")
	}
	timeout := time.NewTimer(c.s.cfg.ReInviteTimeout)
	defer timeout.Stop()
	select {
	case <-ri.done:
	case <-timeout.C:
		ri.once.Do(func() {
			c.log.Warn("sip: re-INVITE not answered in time, sending 500")
			_ = ri.respond(500)
			close(ri.done)
		})
	case <-c.ctx.Done():
		ri.once.Do(func() {
			_ = ri.respond(487)
			close(ri.done)
		})
	}
	if ri.res == nil {
		return
	}
	if err := c.awaitAck(context.Background(), tx, ri.res, ri.acked); err != nil {
		c.log.Info("sip: re-INVITE 2xx not ACKed", "error", err)
	}
}

// onInfo takes DTMF from SIP INFO (RFC 6086) into InboundCall.DTMF.
func (s *Server) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		if !s.outboundRequest(req, tx) {
			s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		}
		return
	}
	digit, code, reason := parseInfo(req)
	if code != 200 {
		s.respond(tx, req, code, reason, sip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
		return
	}
	s.respond(tx, req, 200, "OK")
	if digit == 0 {
		return
	}
	select {
	case c.dtmf <- digit:
		c.log.Debug("sip: INFO DTMF", "digit", string(digit))
	default:
		c.log.Warn("sip: DTMF queue full, digit dropped", "digit", string(digit))
	}
}

// parseInfo reads a DTMF digit from an INFO body: application/dtmf-relay ("Signal=5") or
// application/dtmf ("5"), the two common SIP INFO DTMF formats (neither has an RFC). It returns
// the status to answer: 200 (digit 0 for an empty keep-alive INFO, RFC 6086 §4.2.2), 415 for
// other bodies, 400 for an unreadable digit.
func parseInfo(req *sip.Request) (digit rune, code int, reason string) {
	ctype := ""
	if h := req.ContentType(); h != nil {
		ctype = strings.ToLower(strings.TrimSpace(strings.SplitN(h.Value(), ";", 2)[0]))
	}
	var ok bool
	switch ctype {
	case "application/dtmf-relay":
		digit, ok = parseDTMFRelay(string(req.Body()))
	case "application/dtmf":
		digit, ok = parseDigit(strings.TrimSpace(string(req.Body())))
	case "":
		if len(req.Body()) == 0 {
			return 0, 200, "OK"
		}
		return 0, 415, "Unsupported Media Type"
	default:
		return 0, 415, "Unsupported Media Type"
	}
	if !ok {
		return 0, 400, "Bad DTMF Body"
	}
	return digit, 200, "OK"
}

// parseDTMFRelay reads "Signal=5\r\nDuration=160".
func parseDTMFRelay(body string) (rune, bool) {
	for line := range strings.Lines(body) {
		k, v, found := strings.Cut(line, "=")
		if found && strings.EqualFold(strings.TrimSpace(k), "signal") {
			return parseDigit(strings.TrimSpace(v))
		}
	}
	return 0, false
}

// parseDigit accepts 0-9 * # A-D, and the RFC 4733 event numbers 10-15 some gateways send.
func parseDigit(v string) (rune, bool) {
	if len(v) == 1 {
		r := rune(strings.ToUpper(v)[0])
		if (r >= '0' && r <= '9') || r == '*' || r == '#' || (r >= 'A' && r <= 'D') {
			return r, true
		}
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 10 && n <= 15 {
		return rune("*#ABCD"[n-10]), true
	}
	return 0, false
}

// onUpdate accepts UPDATE as a session refresh (RFC 4028 §10, RFC 3311). Offers in UPDATE are
// not supported: 488.
func (s *Server) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		if !s.outboundRequest(req, tx) {
			s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		}
		return
	}
	if len(req.Body()) > 0 {
		s.respond(tx, req, 488, "Not Acceptable Here")
		return
	}
	c.mu.Lock()
	if se, _, err := sessionTimer(req); err == nil && se >= c.s.cfg.MinSessionExpires {
		c.sessionExpires = se
	}
	se := c.sessionExpires
	c.mu.Unlock()
	var hdrs []sip.Header
	if se > 0 {
		hdrs = append(hdrs, sip.NewHeader("Session-Expires", fmt.Sprintf("%d;refresher=uac", int(se/time.Second))))
		if hasOption(req, "Supported", "k", "timer") {
			hdrs = append(hdrs, sip.NewHeader("Require", "timer"))
		}
	}
	s.respond(tx, req, 200, "OK", hdrs...)
	c.signalRefresh()
}

// sessionTimer reads Session-Expires (compact "x") and Min-SE (RFC 4028 §4-5). se is 0 when the
// request has none.
func sessionTimer(req *sip.Request) (se, minSE time.Duration, err error) {
	parse := func(names ...string) (time.Duration, error) {
		for _, n := range names {
			h := req.GetHeader(n)
			if h == nil {
				continue
			}
			v, _, _ := strings.Cut(h.Value(), ";")
			secs, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || secs < 0 || secs > 1<<30 {
				return 0, fmt.Errorf("bad %s %q", n, h.Value())
			}
			return time.Duration(secs) * time.Second, nil
		}
		return 0, nil
	}
	if se, err = parse("Session-Expires", "x"); err != nil {
		return 0, 0, err
	}
	if minSE, err = parse("Min-SE"); err != nil {
		return 0, 0, err
	}
	return se, minSE, nil
}

// hasOption reports whether an option tag list header (Supported, Require) holds tag.
func hasOption(req *sip.Request, name, compact, tag string) bool {
	for _, n := range []string{name, compact} {
		for _, h := range req.GetHeaders(n) {
			for _, t := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(t), tag) {
					return true
				}
			}
		}
	}
	return false
}
