package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	// opTimeout bounds a single JetStream API call attempt.
	opTimeout = 2 * time.Second
	// readyTimeout bounds the JetStream round trip made by Ready.
	readyTimeout = time.Second
	// drainTimeout bounds how long Close waits for the connection to drain.
	drainTimeout = 5 * time.Second
)

// Config configures the event bus.
type Config struct {
	URL        string                // external NATS URL(s), comma-separated; "" = run NATS embedded in-process
	DataDir    string                // JetStream store dir for the embedded server (e.g. DATA/nats)
	Prefix     string                // prefix of every subject, stream name and KV bucket, e.g. "sb"
	Replicas   int                   // stream replicas (1, 3, 5); 0 means 1
	Listen     string                // "host:port": embedded server also listens for other processes (no auth: bind to a private interface); "" = in-process only; port 0 = random
	Registerer prometheus.Registerer // may be nil
}

// Bus is a connection to NATS JetStream, optionally owning an embedded
// NATS server. It is safe for concurrent use.
type Bus struct {
	cfg      Config
	log      *slog.Logger
	srv      *server.Server // nil when connected to an external server
	nc       *nats.Conn
	js       jetstream.JetStream
	metrics  *metrics
	replicas int

	connClosed chan struct{} // closed by the connection's ClosedHandler
	srvDone    chan struct{} // closed when the embedded server has shut down

	closeOnce sync.Once
	closing   chan struct{} // closed when Close starts
}

// Open starts the embedded NATS server (when cfg.URL is empty) or connects to
// the external one, then creates or updates the event streams. The returned
// Bus must be closed with Close.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (_ *Bus, err error) {
	if log == nil {
		log = slog.Default()
	}
	if err := validatePrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	replicas := cfg.Replicas
	switch {
	case replicas == 0:
		replicas = 1
	case replicas < 0 || replicas > 5:
		return nil, fmt.Errorf("bus: invalid replicas %d: must be between 1 and 5", cfg.Replicas)
	}
	if cfg.URL == "" && replicas > 1 {
		log.Warn("bus: embedded NATS server is a single node; using 1 stream replica", "replicas", replicas)
		replicas = 1
	}
	log = log.With("component", "bus")
	b := &Bus{
		cfg:        cfg,
		log:        log,
		metrics:    newMetrics(cfg.Registerer, log),
		replicas:   replicas,
		connClosed: make(chan struct{}),
		closing:    make(chan struct{}),
	}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()

	opts := []nats.Option{
		nats.Name("switchboard"),
		nats.Timeout(opTimeout),
		nats.DrainTimeout(drainTimeout),
		nats.ClosedHandler(func(*nats.Conn) { close(b.connClosed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("bus: disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("bus: reconnected to NATS", "url", redactURL(nc.ConnectedUrl()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			b.log.Warn("bus: asynchronous NATS error", "subject", subj, "err", err)
		}),
	}
	target := redactURL(cfg.URL)
	if cfg.URL == "" {
		if err := b.startEmbedded(); err != nil {
			return nil, err
		}
		target = "embedded server"
		opts = append(opts, nats.InProcessServer(b.srv), nats.NoReconnect())
	} else {
		opts = append(opts, nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	}
	// nats.Connect has no context; honour an already-cancelled ctx at least.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bus: connect to %s: %w", target, err)
	}
	url := cfg.URL
	if url == "" {
		url = nats.DefaultURL // ignored: InProcessServer takes precedence
	}
	b.nc, err = nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("bus: connect to %s: %w", target, err)
	}
	b.js, err = jetstream.New(b.nc, jetstream.WithDefaultTimeout(opTimeout))
	if err != nil {
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	for _, s := range Streams() {
		if err := b.ensureStream(ctx, s); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// startEmbedded starts the in-process NATS server with JetStream.
func (b *Bus) startEmbedded() error {
	if b.cfg.DataDir == "" {
		return errors.New("bus: DataDir is required for the embedded NATS server")
	}
	opts := &server.Options{
		ServerName: "switchboard-" + b.cfg.Prefix,
		JetStream:  true,
		StoreDir:   b.cfg.DataDir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	}
	if b.cfg.Listen != "" {
		host, portStr, err := net.SplitHostPort(b.cfg.Listen)
		if err != nil {
			return fmt.Errorf("bus: invalid listen address %q: %w", b.cfg.Listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return fmt.Errorf("bus: invalid listen port in %q", b.cfg.Listen)
		}
		if port == 0 {
			port = server.RANDOM_PORT
		}
		opts.DontListen = false
		opts.Host = host
		opts.Port = port
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("bus: embedded NATS server: %w", err)
	}
	srv.SetLoggerV2(&serverLogger{log: b.log}, false, false, false)
	b.srv = srv
	b.srvDone = make(chan struct{})
	srv.Start()
	go func() {
		srv.WaitForShutdown()
		close(b.srvDone)
	}()
	if !srv.ReadyForConnections(5 * time.Second) {
		return fmt.Errorf("bus: embedded NATS server (store %s) not ready after 5s", b.cfg.DataDir)
	}
	if b.cfg.Listen != "" {
		b.log.Info("bus: embedded NATS server listening", "url", srv.ClientURL())
	}
	return nil
}

// Ready reports whether the connection is up and JetStream answers.
func (b *Bus) Ready(ctx context.Context) error {
	select {
	case <-b.closing:
		return errors.New("bus: closed")
	default:
	}
	if !b.nc.IsConnected() {
		return fmt.Errorf("bus: not connected to NATS (status %s)", b.nc.Status())
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("bus: jetstream account info: %w", err)
	}
	return nil
}

// Run blocks until ctx is done. It returns an error if the NATS connection
// is permanently closed or the embedded server shuts down before that
// (other than through Close).
func (b *Bus) Run(ctx context.Context) error {
	var srvDone <-chan struct{} = b.srvDone // nil (never ready) when external
	select {
	case <-ctx.Done():
		return nil
	case <-b.closing:
		return nil
	case <-srvDone:
		if b.isClosing() {
			return nil
		}
		return errors.New("bus: embedded NATS server shut down")
	case <-b.connClosed:
		if b.isClosing() {
			return nil
		}
		if err := b.nc.LastError(); err != nil {
			return fmt.Errorf("bus: NATS connection closed: %w", err)
		}
		return errors.New("bus: NATS connection closed")
	}
}

func (b *Bus) isClosing() bool {
	select {
	case <-b.closing:
		return true
	default:
		return false
	}
}

// Close drains the connection and shuts down the embedded server, waiting
// for it to stop. It is idempotent.
func (b *Bus) Close() {
	b.closeOnce.Do(func() {
		close(b.closing)
		if b.nc != nil {
			if err := b.nc.Drain(); err != nil {
				b.nc.Close()
			}
			select {
			case <-b.connClosed:
			case <-time.After(drainTimeout + time.Second):
				b.log.Warn("bus: timed out draining NATS connection")
				b.nc.Close()
			}
		}
		if b.srv != nil {
			b.srv.Shutdown()
			b.srv.WaitForShutdown()
		}
	})
}

// Prefix is the configured subject prefix.
func (b *Bus) Prefix() string { return b.cfg.Prefix }

// Conn is the underlying NATS connection, for advanced use.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream is the underlying JetStream context, for advanced use.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// ClientURL is the URL other processes can use to reach the bus: the
// external URL(s), or the embedded server's client URL when it listens
// (Config.Listen), or "" for an in-process-only embedded server.
func (b *Bus) ClientURL() string {
	if b.srv == nil {
		return b.cfg.URL
	}
	if b.cfg.Listen == "" {
		return ""
	}
	return b.srv.ClientURL()
}

// redactURL hides passwords and tokens in (comma-separated) NATS URLs.
func redactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		parts[i] = u.Redacted()
		if _, hasPw := u.User.Password(); !hasPw {
			// A bare user part is a token or nkey: hide it too.
			u.User = url.User("xxxxx")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}

// serverLogger bridges the embedded server's logger to slog. Only warnings
// and errors are forwarded.
type serverLogger struct{ log *slog.Logger }

func (l *serverLogger) Noticef(string, ...any) {}
func (l *serverLogger) Debugf(string, ...any)  {}
func (l *serverLogger) Tracef(string, ...any)  {}
func (l *serverLogger) Warnf(format string, v ...any) {
	l.log.Warn("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *serverLogger) Errorf(format string, v ...any) {
	l.log.Error("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *serverLogger) Fatalf(format string, v ...any) {
	l.log.Error("nats-server fatal: " + fmt.Sprintf(format, v...))
}
