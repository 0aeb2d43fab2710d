// Package sip is Switchboard's SIP signalling stack, built on sipgo.
//
// It terminates inbound calls from trunks: it opens the UDP/TCP (and optionally TLS) listeners,
// admits each new INVITE through a Handler (IP or digest authentication is the Handler's
// decision, the digest exchange is done here), and then gives each call its own goroutine in
// which the Handler drives it with InboundCall (Ringing, Answer, Reject, Hangup, re-INVITEs,
// SIP INFO DTMF). The package knows nothing about contacts, flows or media: SDP bodies pass
// through as []byte, and the call logic lives behind Handler (the livekit/sip DispatchCall
// pattern).
//
// A Handler that also implements Registrar makes the Server the registrar of agent devices
// (desk phones): REGISTER with digest authentication, bindings in a Bindings store, and
// Server.Lookup to find where to call a registered device (registrar.go).
//
// What sipgo v1.7.2 leaves to us, and this package does: the bounded wait for the ACK of a 2xx
// and the BYE when it never comes (RFC 3261 §13.3.1.4), re-INVITE answering with 2xx
// retransmission and the §14.2 ordering rules, 400 for an INVITE without Contact, OPTIONS,
// 481 for requests outside any dialog, and RFC 4028 session timers.
package sip

import (
	"context"
	"crypto/tls"
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
)

// Config configures a Server. The zero value of each optional field picks a default.
type Config struct {
	// Addr is the UDP and TCP listen address, e.g. "127.0.0.1:5060". Port 0 picks a free
	// port; TCP then listens on the same port as UDP.
	Addr string
	// TLSAddr, when set with TLSConfig, adds a SIP over TLS listener.
	TLSAddr   string
	TLSConfig *tls.Config
	// PublicAddr is the IP put in our Contact header. Default: the listen IP (127.0.0.1 if
	// the listen IP is unspecified).
	PublicAddr netip.Addr
	// UserAgent is sent in the User-Agent/Server headers. Default "Switchboard".
	UserAgent string
	// AckTimeout bounds the wait for the ACK after our 2xx. Default 32 s (64·T1).
	AckTimeout time.Duration
	// ReInviteTimeout bounds how long a re-INVITE waits for the Handler to Accept or Reject
	// it before it is answered 500. Default 5 s.
	ReInviteTimeout time.Duration
	// MinSessionExpires is our Min-SE (RFC 4028 §5): a Session-Expires below it gets 422.
	// Default 90 s, the RFC minimum. Lower values are only meant for tests.
	MinSessionExpires time.Duration
	// Registrar tunes REGISTER handling when the Handler implements Registrar.
	Registrar RegistrarConfig
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server is a SIP user agent server for trunk calls. Create it with New, open its sockets
// with Listen and serve with Run.
type Server struct {
	cfg Config
	h   Handler
	log *slog.Logger

	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client
	host   string // Contact host
	nonces *nonceStore

	udp  net.PacketConn
	tcp  net.Listener
	tls  net.Listener
	addr netip.AddrPort

	mu       sync.Mutex
	calls    map[string]*InboundCall  // by dialog ID
	outCalls map[string]*OutboundCall // by dialog ID
	closing  bool
	ran      bool
	draining atomic.Bool // Drain: new INVITEs get 503
	// work tracks every goroutine that runs our code: request handlers (sipgo's transaction
	// layer starts them, we count them), call goroutines and their watchers.
	work sync.WaitGroup

	closeOnce sync.Once
	// stopCtx ends when shutdown starts; it cancels outbound dials in progress.
	stopCtx  context.Context
	stopFunc context.CancelFunc
}

// New validates cfg and builds a Server. It opens no socket: call Listen.
func New(cfg Config, h Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("sip: nil Handler")
	}
	if cfg.Addr == "" {
		return nil, errors.New("sip: Config.Addr is required")
	}
	if cfg.TLSAddr != "" && cfg.TLSConfig == nil {
		return nil, errors.New("sip: Config.TLSAddr needs TLSConfig")
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Switchboard"
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 64 * sip.T1
	}
	if cfg.ReInviteTimeout <= 0 {
		cfg.ReInviteTimeout = 5 * time.Second
	}
	if cfg.MinSessionExpires <= 0 {
		cfg.MinSessionExpires = 90 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Registrar.setDefaults()
	stopCtx, stopFunc := context.WithCancel(context.Background())
	return &Server{
		stopCtx:  stopCtx,
		stopFunc: stopFunc,
		cfg:      cfg,
		h:        h,
		log:      cfg.Logger.With("component", "sip"),
		calls:    make(map[string]*InboundCall),
		outCalls: make(map[string]*OutboundCall),
		nonces:   newNonceStore(5 * time.Minute),
	}, nil
}

// Listen opens the UDP and TCP sockets (and TLS if configured). TCP uses the port UDP got, so
// with port 0 both share one port. Errors name the address.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp != nil {
		return nil
	}
	if s.closing {
		return ErrClosed
	}
	ap, err := netip.ParseAddrPort(s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sip: listen address %q: %w", s.cfg.Addr, err)
	}
	// With port 0 the kernel may give UDP a port that is busy for TCP: try a few times.
	tries := 1
	if ap.Port() == 0 {
		tries = 10
	}
	var udp *net.UDPConn
	var tcp *net.TCPListener
	for i := 0; ; i++ {
		udp, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return fmt.Errorf("sip: listen udp %s: %w", ap, err)
		}
		bound := udp.LocalAddr().(*net.UDPAddr).AddrPort()
		tcp, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr(), bound.Port())))
		if err == nil {
			break
		}
		_ = udp.Close()
		if i+1 >= tries {
			return fmt.Errorf("sip: listen tcp %s: %w", netip.AddrPortFrom(ap.Addr(), bound.Port()), err)
		}
	}
	var tl net.Listener
	if s.cfg.TLSAddr != "" {
		tl, err = tls.Listen("tcp", s.cfg.TLSAddr, s.cfg.TLSConfig)
		if err != nil {
			_ = udp.Close()
			_ = tcp.Close()
			return fmt.Errorf("sip: listen tls %s: %w", s.cfg.TLSAddr, err)
		}
	}
	bound := udp.LocalAddr().(*net.UDPAddr).AddrPort()
	s.addr = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())

	host := s.cfg.PublicAddr
	if !host.IsValid() {
		host = s.addr.Addr()
		if host.IsUnspecified() {
			host = netip.MustParseAddr("127.0.0.1")
			s.log.Warn("sip: listening on an unspecified address without PublicAddr; Contact uses 127.0.0.1")
		}
	}
	s.host = host.String()

	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(s.cfg.UserAgent),
		sipgo.WithUserAgentHostname(s.host),
		sipgo.WithUserAgenTLSConfig(s.cfg.TLSConfig),
	)
	if err != nil {
		_ = udp.Close()
		_ = tcp.Close()
		if tl != nil {
			_ = tl.Close()
		}
		return fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(s.log.With("layer", "sipgo")))
	if err == nil {
		s.client, err = sipgo.NewClient(ua, sipgo.WithClientHostname(s.host), sipgo.WithClientLogger(s.log.With("layer", "sipgo")))
	}

	if err != nil {
		_ = ua.Close()
		_ = udp.Close()
		_ = tcp.Close()
		if tl != nil {
			_ = tl.Close()
		}
		return fmt.Errorf("sip: server: %w", err)
	}
	s.ua, s.srv = ua, srv
	s.udp, s.tcp, s.tls = udp, tcp, tl
	s.routes()
	return nil
}

// Addr returns the UDP address actually bound (TCP listens on the same port). It is the zero
// value before Listen.
func (s *Server) Addr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// TLSAddr returns the TLS listener's address, or the zero value without TLS.
func (s *Server) TLSAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsAddr()
}

// ActiveCalls returns the number of calls (inbound and outbound) not yet ended.
func (s *Server) ActiveCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls) + len(s.outCalls)
}

// Run serves SIP until ctx ends (calling Listen first if needed). Then it stops taking calls
// (new INVITEs get 503), hangs up live calls (BYE if answered, 503 if not), waits for every call
// goroutine and request handler, and closes the sockets. Run may be called once; a second call
// returns ErrClosed.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.ran || s.closing {
		s.mu.Unlock()
		return ErrClosed
	}
	s.ran = true
	s.mu.Unlock()

	serveErr := make(chan error, 3)
	var serving sync.WaitGroup
	serve := func(name string, f func() error) {
		serving.Add(1)
		go func() {
			defer serving.Done()
			if err := f(); err != nil && !errors.Is(err, net.ErrClosed) {
				serveErr <- fmt.Errorf("sip: serve %s: %w", name, err)
			}
		}()
	}
	serve("udp", func() error { return s.srv.ServeUDP(s.udp) })
	serve("tcp", func() error { return s.srv.ServeTCP(s.tcp) })
	if s.tls != nil {
		serve("tls", func() error { return s.srv.ServeTLS(s.tls) })
	}
	s.log.Info("sip: serving", "udp", s.addr.String(), "tcp", s.tcp.Addr().String(), "contact_host", s.host)

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		s.log.Error("sip: listener failed; shutting down", "error", err)
	}
	s.shutdown()
	serving.Wait()
	return err
}

// Drain makes the server refuse new calls (503 with Retry-After) while the
// calls in progress go on: the first phase of a graceful shutdown, before
// Run's ctx ends and the remaining calls are hung up.
func (s *Server) Drain() { s.draining.Store(true) }

// Close stops a server that is not running (or makes a running one stop taking calls and hang
// up; Run still returns only when its ctx ends or a listener fails). Safe to call more than once.
func (s *Server) Close() error {
	s.shutdown()
	return nil
}

// shutdown hangs up every call, waits for our goroutines and closes the sockets. Idempotent.
func (s *Server) shutdown() {
	s.closeOnce.Do(func() {
		s.stopFunc()
		s.mu.Lock()
		s.closing = true
		calls := make([]*InboundCall, 0, len(s.calls))
		for _, c := range s.calls {
			calls = append(calls, c)
		}
		outCalls := make([]*OutboundCall, 0, len(s.outCalls))
		for _, c := range s.outCalls {
			outCalls = append(outCalls, c)
		}
		s.mu.Unlock()

		if len(calls) > 0 {
			s.log.Info("sip: shutting down, hanging up calls", "calls", len(calls))
		}
		var wg sync.WaitGroup
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				c.terminate(ctx, "us", "shutdown", 503)
			}()
		}
		for _, c := range outCalls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = c.hangup(ctx, "shutdown")
			}()
		}
		wg.Wait()
		s.work.Wait()

		if s.udp != nil {
			_ = s.udp.Close()
			_ = s.tcp.Close()
			if s.tls != nil {
				_ = s.tls.Close()
			}
			_ = s.ua.Close()
		}
	})
}

// enter counts a request handler in s.work; it returns false once the server is closing and
// work may already be waited for. Every sipgo handler calls it first.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.work.Add(1)
	return true
}

// goTracked runs f in a goroutine tracked by s.work. The caller must itself be tracked.
func (s *Server) goTracked(f func()) {
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		f()
	}()
}

// allowed is our Allow header value (RFC 3261 §20.5).
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"

// routes registers the sipgo request handlers.
func (s *Server) routes() {
	s.srv.OnInvite(s.guard(s.onInvite))
	s.srv.OnAck(s.guard(s.onAck))
	s.srv.OnBye(s.guard(s.onBye))
	s.srv.OnInfo(s.guard(s.onInfo))
	s.srv.OnUpdate(s.guard(s.onUpdate))
	s.srv.OnOptions(s.onOptions)
	s.srv.OnRegister(s.guard(s.onRegister))
	// A CANCEL that matches an INVITE transaction never reaches us: the transaction layer sends
	// 200 and 487 itself. One that gets here matches nothing (RFC 3261 §9.2).
	s.srv.OnCancel(func(req *sip.Request, tx sip.ServerTransaction) {
		s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
	})
	s.srv.OnNoRoute(func(req *sip.Request, tx sip.ServerTransaction) {
		s.respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", allowed))
	})
}

// guard tracks a handler in s.work and, once the server is closing, answers 503 instead (the
// calls are being hung up by then, so in-dialog requests have nothing left to act on).
func (s *Server) guard(f sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !s.enter() {
			if !req.IsAck() {
				s.respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", "30"))
			}
			return
		}
		defer s.work.Done()
		defer func() {
			// Never let one bad request take the server down.
			if r := recover(); r != nil {
				s.log.Error("sip: handler panic", "method", req.Method.String(), "panic", r)
				if !req.IsAck() {
					s.respond(tx, req, 500, "Server Internal Error")
				}
			}
		}()
		f(req, tx)
	}
}

// respond sends a response built from req, logging (not returning) failures: the peer's
// retransmission or our transaction timers take it from there.
func (s *Server) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if res.GetHeader("Server") == nil {
		res.AppendHeader(sip.NewHeader("Server", s.cfg.UserAgent))
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip: respond failed", "code", code, "method", req.Method.String(), "error", err)
	}
}

// onOptions answers OPTIONS, in or out of a dialog, with our capabilities (RFC 3261 §11.2).
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	allow := allowed
	if _, ok := s.h.(Registrar); ok {
		allow += ", REGISTER"
	}
	s.respond(tx, req, 200, "OK",
		sip.NewHeader("Allow", allow),
		sip.NewHeader("Accept", "application/sdp, application/dtmf-relay, application/dtmf"),
		sip.NewHeader("Supported", "timer"),
	)
}

// contact returns our Contact header for a request that arrived over transport.
func (s *Server) contact(transport string) sip.ContactHeader {
	port := s.addr.Port()
	uri := sip.Uri{Host: s.host, Port: int(port)}
	switch strings.ToLower(transport) {
	case "tcp":
		uri.UriParams = sip.NewParams()
		uri.UriParams.Add("transport", "tcp")
	case "tls":
		if ap := s.tlsAddr(); ap.IsValid() {
			uri.Port = int(ap.Port())
		}
		uri.UriParams = sip.NewParams()
		uri.UriParams.Add("transport", "tls")
	}
	return sip.ContactHeader{Address: uri}
}

// tlsAddr is TLSAddr for callers that may hold s.mu.
func (s *Server) tlsAddr() netip.AddrPort {
	if s.tls == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(s.tls.Addr().String())
	return ap
}

// lookup finds the call an in-dialog request belongs to.
func (s *Server) lookup(req *sip.Request) *InboundCall {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id]
}

func (s *Server) addCall(c *InboundCall) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.calls[c.dlg.ID] = c
	return true
}

func (s *Server) removeCall(c *InboundCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[c.dlg.ID] == c {
		delete(s.calls, c.dlg.ID)
	}
}

// requestInfo builds the Handler's view of a request.
func requestInfo(req *sip.Request) Request {
	r := Request{Transport: strings.ToLower(req.Transport())}
	if h := req.CallID(); h != nil {
		r.CallID = h.Value()
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		r.Source = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	r.RequestUser = req.Recipient.User
	if h := req.To(); h != nil {
		r.ToUser = h.Address.User
		r.ToHost = h.Address.Host
	}
	if h := req.From(); h != nil {
		r.FromUser = h.Address.User
		r.FromName = h.DisplayName
	}
	r.Header = func(name string) string {
		if h := req.GetHeader(name); h != nil {
			return h.Value()
		}
		return ""
	}
	return r
}

// statusText is the default reason phrase for the codes we send.
func statusText(code int) string {
	switch code {
	case 180:
		return "Ringing"
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 408:
		return "Request Timeout"
	case 415:
		return "Unsupported Media Type"
	case 422:
		return "Session Interval Too Small"
	case 423:
		return "Interval Too Brief"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	case 603:
		return "Decline"
	}
	return "Status " + strconv.Itoa(code)
}
