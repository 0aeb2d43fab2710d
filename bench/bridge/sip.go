package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/bench/internal/benchserver"
	"github.com/switchboard-cc/switchboard/internal/media"
)

// phone is the tool's SIP side, on one UDP socket: the desk phones of the
// agents (a UAS answering every INVITE for sip:agentN@…) and the callers (a
// UAC calling the bench number).
type phone struct {
	log  *slog.Logger
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	conn *net.UDPConn
	addr netip.AddrPort
	dsc  *sipgo.DialogServerCache
	dcc  *sipgo.DialogClientCache

	desks    sync.Map // agent user → *deskCall (the latest)
	deskCh   chan *deskCall
	streams  atomic.Uint32
	answered atomic.Int64
	refused  atomic.Int64
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

// deskCall is a call the server made to an agent's desk phone.
type deskCall struct {
	user     string
	dlg      *sipgo.DialogServerSession
	rtp      *rtpEnd
	answered time.Time
}

// caller is a call the tool made to the bench number.
type caller struct {
	idx    int
	dlg    *sipgo.DialogClientSession
	rtp    *rtpEnd
	placed time.Time
	up     time.Time // 200 OK
}

func newPhone(log *slog.Logger) (*phone, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	p := &phone{log: log, conn: conn, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), deskCh: make(chan *deskCall, 1024)}
	quiet := slog.New(slog.DiscardHandler)
	p.ua, err = sipgo.NewUA(sipgo.WithUserAgent("bench-bridge"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err == nil {
		p.srv, err = sipgo.NewServer(p.ua, sipgo.WithServerLogger(quiet))
	}
	if err == nil {
		p.cli, err = sipgo.NewClient(p.ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet))
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("sipgo: %w", err)
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "bench", Host: "127.0.0.1", Port: int(p.addr.Port())}}
	p.dsc = sipgo.NewDialogServerCache(p.cli, contact)
	p.dcc = sipgo.NewDialogClientCache(p.cli, contact)
	p.srv.OnInvite(p.onInvite)
	p.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.dsc.ReadAck(req, tx) })
	p.srv.OnBye(p.onBye)
	p.srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := p.srv.ServeUDP(conn); err != nil && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
			log.Warn("sip: serve", "err", err)
		}
	}()
	return p, nil
}

// deskURI is the desk phone number of agent user.
func (p *phone) deskURI(user string) string {
	return "sip:" + user + "@" + p.addr.String()
}

// onInvite answers a desk-phone call at once: PCMU, a new RTP port, and
// the bench's stamped audio from the ACK on.
func (p *phone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if req.To() != nil && req.To().Params != nil {
		if tag, ok := req.To().Params.Get("tag"); ok && tag != "" {
			// A re-INVITE (hold, a refresh): answer with the same stream.
			p.reinvite(req, tx)
			return
		}
	}
	user := req.Recipient.User
	offer, err := media.ParseSDP(req.Body())
	if err == nil {
		_, err = media.Answer(offer, []media.Codec{media.PCMU})
	}
	if err != nil {
		p.refused.Add(1)
		p.log.Warn("desk phone: bad offer", "user", user, "err", err)
		_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	dlg, err := p.dsc.ReadInvite(req, tx)
	if err != nil {
		p.refused.Add(1)
		_ = tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	e, err := newRTPEnd(kindDesk, 1_000_000+p.streams.Add(1))
	if err != nil {
		p.refused.Add(1)
		_ = dlg.Respond(503, "No RTP Port", nil)
		_ = dlg.Close()
		return
	}
	pcmu := media.PCMU
	for _, c := range offer.Codecs {
		if strings.EqualFold(c.Name, "PCMU") {
			pcmu = c
		}
	}
	answer := media.MarshalSDP(e.local(), media.Origin{SessionID: uint64(time.Now().UnixNano()), Version: 1},
		[]media.Codec{pcmu}, offer.DTMF, media.SendRecv)
	d := &deskCall{user: user, dlg: dlg, rtp: e}
	if err := dlg.RespondSDP(answer); err != nil { // returns once ACKed
		p.refused.Add(1)
		p.log.Warn("desk phone: answer", "user", user, "err", err)
		e.close()
		_ = dlg.Close()
		return
	}
	d.answered = time.Now()
	e.start(offer.Addr)
	p.answered.Add(1)
	p.desks.Store(user, d)
	select {
	case p.deskCh <- d:
	default:
	}
	go func() { // the server hangs up (BYE): stop the audio
		<-dlg.Context().Done()
		e.stopSending()
	}()
}

// reinvite answers an in-dialog INVITE with the same stream (sendrecv).
func (p *phone) reinvite(req *sip.Request, tx sip.ServerTransaction) {
	dlg, err := p.dsc.MatchDialogRequest(req)
	var d *deskCall
	if err == nil {
		p.desks.Range(func(_, v any) bool {
			if v.(*deskCall).dlg == dlg {
				d = v.(*deskCall)
				return false
			}
			return true
		})
	}
	if d == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	offer, _ := media.ParseSDP(req.Body())
	answer := media.MarshalSDP(d.rtp.local(), media.Origin{SessionID: uint64(d.answered.UnixNano()), Version: 2},
		[]media.Codec{media.PCMU}, offer.DTMF, media.SendRecv)
	res := sip.NewSDPResponseFromRequest(req, answer)
	_ = tx.Respond(res)
}

func (p *phone) onBye(req *sip.Request, tx sip.ServerTransaction) {
	if err := p.dsc.ReadBye(req, tx); err == nil {
		return
	}
	if err := p.dcc.ReadBye(req, tx); err == nil {
		return
	}
	_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
}

// call places call idx to number at the server's SIP address and returns
// once it is answered and ACKed, with its audio running.
func (p *phone) call(ctx context.Context, server, number string, idx int) (*caller, error) {
	e, err := newRTPEnd(kindCaller, uint32(idx+1))
	if err != nil {
		return nil, err
	}
	offer := media.MarshalSDP(e.local(), media.Origin{SessionID: uint64(time.Now().UnixNano()), Version: 1},
		[]media.Codec{media.PCMU}, 101, media.SendRecv)
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		e.close()
		return nil, err
	}
	pn, _ := strconv.Atoi(port)
	uri := sip.Uri{Scheme: "sip", User: number, Host: host, Port: pn}
	req := sip.NewRequest(sip.INVITE, uri)
	req.SetTransport("UDP")
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: fmt.Sprintf("+1555%07d", 1000000+idx), Host: "127.0.0.1"}, Params: sip.NewParams()}
	from.Params.Add("tag", benchserver.RandomHex(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: uri, Params: sip.NewParams()})
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(offer)
	c := &caller{idx: idx, rtp: e, placed: time.Now()}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dlg, err := p.dcc.WriteInvite(wctx, req)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("call %d: INVITE: %w", idx, err)
	}
	if err := dlg.WaitAnswer(wctx, sipgo.AnswerOptions{}); err != nil {
		e.close()
		_ = dlg.Close()
		return nil, fmt.Errorf("call %d: no answer: %w", idx, err)
	}
	if err := dlg.Ack(wctx); err != nil {
		e.close()
		_ = dlg.Close()
		return nil, fmt.Errorf("call %d: ACK: %w", idx, err)
	}
	c.dlg, c.up = dlg, time.Now()
	ans, err := media.ParseSDP(dlg.InviteResponse.Body())
	if err != nil {
		c.hangup()
		return nil, fmt.Errorf("call %d: the answer: %w", idx, err)
	}
	e.start(ans.Addr)
	go func() { // the server hangs up (BYE): stop the audio
		<-dlg.Context().Done()
		e.stopSending()
	}()
	return c, nil
}

// hangup sends BYE (unless the call already ended) and stops the audio.
func (c *caller) hangup() {
	c.rtp.stopSending()
	if c.dlg == nil {
		return
	}
	if c.dlg.Context().Err() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.dlg.Bye(ctx)
		cancel()
	}
	_ = c.dlg.Close()
}

// ended reports whether the call's dialog ended (a BYE either way).
func (c *caller) ended() bool { return c.dlg == nil || c.dlg.Context().Err() != nil }

// hangupDesks hangs up the desk calls still up (normally the server does).
func (p *phone) hangupDesks() {
	p.desks.Range(func(_, v any) bool {
		d := v.(*deskCall)
		d.rtp.stopSending()
		if d.dlg.Context().Err() == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = d.dlg.Bye(ctx)
			cancel()
		}
		return true
	})
}

// close stops the SIP side and every desk phone's audio.
func (p *phone) close() {
	p.desks.Range(func(_, v any) bool {
		v.(*deskCall).rtp.close()
		return true
	})
	p.cancel()
	_ = p.ua.Close()
	_ = p.conn.Close()
	p.wg.Wait()
}
