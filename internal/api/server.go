// Package api serves Switchboard's native REST API under /api/v1, plus the
// operational endpoints /healthz, /readyz and /metrics. Every route is
// declared once in a table (routes.go) from which both the HTTP mux and the
// OpenAPI 3 document (openapi.json, served at /api/v1/openapi.json) are built.
//
// Errors are RFC 9457 problem+json documents naming the field at fault.
// Resources of another instance are answered 404, exactly like missing ones.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/objectstore"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/testphone"
	"github.com/switchboard-cc/switchboard/web"
)

// Check is a readiness probe of one dependency.
type Check func(ctx context.Context) error

// Options configure a Server.
type Options struct {
	Store    *store.Store
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Checks are run by /readyz; every one must pass.
	Checks map[string]Check
	// MaxBodyBytes bounds JSON request bodies.
	MaxBodyBytes int64
	// Version is reported by /healthz.
	Version string
	// FlowCheck validates flows before they are published.
	FlowCheck FlowChecker
	// AgentAuth checks agent logins (POST /api/v1/auth/login); nil means
	// one over the store's users (see Server.AgentAuth).
	AgentAuth *agent.Authenticator
	// Handlers are mounted on the server's mux as they are, by pattern
	// (e.g. "/participant/", "GET /api/v1/agent"): the parts of the
	// contact center the app builds.
	Handlers map[string]http.Handler
	// Chats starts chat contacts (POST .../contacts/chat); nil: that route
	// answers 503.
	Chats ChatStarter
	// Contacts serves the contacts and contact-records routes (reads and
	// attribute updates); *contact.Manager implements it. nil: those routes
	// are still routed and documented but answer 503.
	Contacts ContactService
	// Transcripts reads chat transcripts (GET .../contacts/{id}/transcript);
	// nil means the store's (Store.ChatBackend), where the chat service keeps them.
	Transcripts ChatTranscripts
	// Recordings holds call recordings (GET .../contacts/{id}/recording);
	// nil: that route answers 404.
	Recordings objectstore.Store
	// Realtime serves the supervisor's real-time view (GET .../realtime);
	// nil: that route answers 503.
	Realtime Realtime
	// WidgetChatRate limits the chats started through the public chat
	// widget routes: this many a minute per widget and client address
	// (DefaultWidgetChatRate in `serve`), in bursts of up to
	// WidgetChatBurst (DefaultWidgetChatBurst when 0). 0: no limit.
	WidgetChatRate  float64
	WidgetChatBurst int
	// Now is the clock of the widget rate limit and token checks; nil
	// means time.Now.
	Now func() time.Time
}

// Server is the HTTP front of the API.
type Server struct {
	st        *store.Store
	log       *slog.Logger
	reg       *prometheus.Registry
	checks    map[string]Check
	maxBody   int64
	version   string
	handler   http.Handler
	routes    []route
	flowCheck FlowChecker
	agentAuth *agent.Authenticator
	chats     ChatStarter
	contacts  ContactService
	// transcripts is never nil on a Server built by New.
	transcripts ChatTranscripts
	recordings  objectstore.Store
	realtime    Realtime
	draining    atomic.Bool
	// clock is Options.Now; widgetLimiter is nil when widget chat starts
	// are not limited.
	clock         func() time.Time
	widgetLimiter *widgetLimiter

	reqs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Transcripts == nil && o.Store != nil {
		o.Transcripts = o.Store.ChatBackend()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{st: o.Store, log: o.Logger, reg: o.Registry, checks: o.Checks, maxBody: o.MaxBodyBytes, version: o.Version,
		flowCheck: o.FlowCheck, agentAuth: o.AgentAuth, chats: o.Chats, contacts: o.Contacts, transcripts: o.Transcripts,
		recordings: o.Recordings, realtime: o.Realtime, clock: o.Now}
	s.widgetLimiter = newWidgetLimiter(o.WidgetChatRate, o.WidgetChatBurst, o.Now)
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "switchboard_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"method", "route"})
	s.reg.MustRegister(s.reqs, s.duration)

	s.routes = s.apiRoutes()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		h := rt.handler
		if rt.auth != authNone {
			h = s.authenticate(rt, h)
		}
		mux.Handle(rt.method+" "+rt.path, h)
	}
	s.mountWidgetPreflight(mux)
	for pattern, h := range o.Handlers {
		mux.Handle(pattern, h)
	}
	// The test softphone (internal/testphone): an agent page for e2e tests and the demo.
	mux.Handle("GET /softphone/", http.StripPrefix("/softphone", testphone.Handler()))
	// The web console (web/): every path nothing else claims.
	console := web.Handler()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		console.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		// This catch-all also wins over routes of the same path with
		// another method, so tell "wrong method" from "no such path" here.
		if allow := s.allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, errStatus(http.StatusMethodNotAllowed, "method_not_allowed",
				"%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, r, errStatus(http.StatusNotFound, "no_route", "no API route %s %s", r.Method, r.URL.Path))
	})
	s.handler = s.observe(mux)
	return s
}

// allowedMethods lists the methods that have a route for r's path.
func (s *Server) allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, rt := range s.routes {
		if slices.Contains(allow, rt.method) {
			continue
		}
		probe := &http.Request{Method: rt.method, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); strings.HasPrefix(pattern, rt.method+" ") {
			allow = append(allow, rt.method)
		}
	}
	slices.Sort(allow)
	return allow
}

// Handler returns the root handler (for tests and for embedding more routes).
func (s *Server) Handler() http.Handler { return s.handler }

// Drain makes /readyz fail so load balancers stop sending new work.
func (s *Server) Drain() { s.draining.Store(true) }

// Serve answers HTTP on ln until ctx is cancelled, then shuts down, giving
// in-flight requests up to grace to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	if err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	results := map[string]string{}
	ok := true
	for name, check := range s.checks {
		if err := check(ctx); err != nil {
			ok = false
			results[name] = err.Error()
		} else {
			results[name] = "ok"
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"status": map[bool]string{true: "ready", false: "not ready"}[ok], "checks": results})
}

// statusWriter records the status code for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(r.Context(), "panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				if sw.status == 0 {
					s.writeError(sw, r, errors.New("panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.reqs.WithLabelValues(r.Method, route, fmt.Sprint(sw.status)).Inc()
			s.duration.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
			if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
				s.log.DebugContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
