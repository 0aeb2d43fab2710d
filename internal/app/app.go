// Package app wires Switchboard's roles together: it opens the store and the
// event bus, builds the HTTP API, and runs them until the context ends, then
// stops them in reverse order. It is the one place that chooses between the
// embedded defaults (SQLite, in-process NATS) and scale-out (PostgreSQL, a
// NATS cluster).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/demo"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Version is set at build time (-ldflags "-X .../internal/app.Version=...").
var Version = "dev"

// App is one Switchboard process.
type App struct {
	cfg   config.Config
	log   *slog.Logger
	reg   *prometheus.Registry
	Store *store.Store
	Bus   *bus.Bus
	API   *api.Server
	ln    net.Listener
	cc    *contactCenter
}

// New opens the store and the bus and builds the API; it binds the HTTP
// listener so that the address is known (and taken) before Run.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *App, err error) {
	// a is not the named result, which is nil on error: the deferred close needs it.
	a := &App{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	start := time.Now()
	a.Store, err = store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, err
	}
	log.Info("store open", "engine", a.Store.Dialect(), "took", time.Since(start))

	start = time.Now()
	a.Bus, err = bus.Open(ctx, bus.Config{
		URL: cfg.NATSURL, DataDir: filepath.Join(cfg.DataDir, "nats"), Prefix: cfg.NATSPrefix,
		Replicas: cfg.NATSReplicas, Listen: cfg.NATSListen, Registerer: a.reg,
	}, log)
	if err != nil {
		return nil, err
	}
	log.Info("event bus open", "embedded", cfg.NATSURL == "", "took", time.Since(start))

	if err := a.bootstrapAdmin(ctx); err != nil {
		return nil, err
	}
	if a.cc, err = newContactCenter(a); err != nil {
		return nil, err
	}
	recordings, err := recordingStore(cfg.DataDir) // voice_record.go
	if err != nil {
		return nil, err
	}
	a.API = api.New(api.Options{
		Store: a.Store, Logger: log, Registry: a.reg, MaxBodyBytes: cfg.MaxBodyBytes, Version: Version,
		Checks:    map[string]api.Check{"store": a.Store.Ping, "bus": a.Bus.Ready, "contact center": a.cc.ready},
		FlowCheck: api.CheckFlow,
		AgentAuth: a.cc.auth, Handlers: a.cc.handlers(), Chats: a.cc, Contacts: a.cc.contacts,
		Recordings: recordings, Realtime: a.cc.realtime,
		WidgetChatRate: cfg.WidgetChatRate, WidgetChatBurst: cfg.WidgetChatBurst,
	})
	a.ln, err = net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	return a, nil
}

// Addr is the HTTP address the app listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Run serves until ctx is cancelled, then drains and stops every role.
func (a *App) Run(ctx context.Context) error {
	defer a.close()
	if a.cfg.Demo {
		res, err := demo.Seed(ctx, a.Store, a.cfg.DataDir)
		if err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		a.printDemo(res)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	roles := a.cc.roles()
	var (
		wg   sync.WaitGroup
		errc = make(chan error, 2+len(roles))
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Bus.Run(runCtx); err != nil {
			errc <- fmt.Errorf("bus: %w", err)
		}
	}()
	// The contact center's roles stop after the HTTP server (which feeds
	// them) and before the bus (which the relay and webhooks use).
	ccCtx, ccCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer ccCancel()
	var ccWG sync.WaitGroup
	for _, r := range roles {
		ccWG.Add(1)
		go func() {
			defer ccWG.Done()
			if err := r.run(ccCtx); err != nil {
				errc <- fmt.Errorf("%s: %w", r.name, err)
			}
		}()
	}
	httpCtx, httpCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer httpCancel()
	var httpWG sync.WaitGroup
	httpWG.Add(1)
	go func() {
		defer httpWG.Done()
		if err := a.API.Serve(httpCtx, a.ln, a.cfg.ShutdownTimeout); err != nil {
			errc <- err
		}
	}()
	a.log.Info("switchboard ready", "http", "http://"+a.Addr(), "version", Version)

	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down: draining", "grace", a.cfg.ShutdownTimeout)
	case runErr = <-errc:
		a.log.Error("a role failed; shutting down", "err", runErr)
	}
	a.API.Drain()
	// Calls first, while HTTP still serves the agents who have them.
	a.cc.drainCalls(a.cfg.ShutdownTimeout)
	httpCancel()
	httpWG.Wait()
	ccCancel()
	ccWG.Wait()
	cancel()
	wg.Wait()
	close(errc)
	for err := range errc {
		runErr = errors.Join(runErr, err)
	}
	a.log.Info("stopped")
	return runErr
}

func (a *App) close() {
	if a.ln != nil {
		a.ln.Close()
	}
	if a.Bus != nil {
		a.Bus.Close()
	}
	if a.Store != nil {
		if err := a.Store.Close(); err != nil {
			a.log.Warn("close store", "err", err)
		}
	}
}

// bootstrapAdmin makes sure a deployment-admin key exists: the one given in
// SWITCHBOARD_ADMIN_TOKEN, or on an empty store a fresh one written to
// DATA/admin.token (mode 0600).
func (a *App) bootstrapAdmin(ctx context.Context) error {
	if tok := a.cfg.AdminToken; tok != "" {
		if !auth.ValidKeyShape(tok) {
			return errors.New("SWITCHBOARD_ADMIN_TOKEN must be 16 to 256 characters without spaces")
		}
		_, err := a.Store.APIKeyByHash(ctx, auth.HashAPIKey(tok))
		if errors.Is(err, store.ErrNotFound) {
			err = a.Store.CreateAPIKey(ctx, &core.APIKey{Name: "SWITCHBOARD_ADMIN_TOKEN", Prefix: tok[:min(len(tok), 10)], Hash: auth.HashAPIKey(tok)})
			var ce *store.ConflictError
			if errors.As(err, &ce) { // another node stored it first
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("admin token: %w", err)
		}
		a.log.Info("deployment-admin key from SWITCHBOARD_ADMIN_TOKEN")
		return nil
	}
	n, err := a.Store.CountAdminKeys(ctx)
	if err != nil {
		return fmt.Errorf("count admin keys: %w", err)
	}
	path := filepath.Join(a.cfg.DataDir, "admin.token")
	if n > 0 {
		a.log.Info("deployment-admin key exists", "token_file", path)
		return nil
	}
	key, prefix, hash := auth.NewAPIKey()
	if err := os.MkdirAll(a.cfg.DataDir, 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin token: %w", err)
	}
	if err := a.Store.CreateAPIKey(ctx, &core.APIKey{Name: "bootstrap admin", Description: "created on first start", Prefix: prefix, Hash: hash}); err != nil {
		return fmt.Errorf("store admin key: %w", err)
	}
	a.log.Info("created the deployment-admin API key", "token_file", path)
	return nil
}

// demoCall says how to call the demo number from this machine.
func (a *App) demoCall() string {
	if a.cfg.SIPAddr == "off" {
		return ""
	}
	return fmt.Sprintf("  Call it:      any SIP phone on this machine (trunk %q admits 127.0.0.1), e.g.\n"+
		"                baresip -e \"/dial sip:%s@%s\"\n", demo.LocalTrunk, demo.Number, a.cfg.SIPAddr)
}

func (a *App) printDemo(res *demo.Result) {
	base := "http://" + a.Addr()
	fmt.Fprintf(os.Stderr, `
  Switchboard demo is ready.
    API:          %[1]s/api/v1   (OpenAPI: %[1]s/api/v1/openapi.json)
    Admin key:    %[2]s
    Instance:     demo (%[3]s)
    Agent:        %[4]s / %[5]s
    Supervisor:   %[6]s / %[7]s
    Phone number: %[8]s -> flow "Demo inbound"
    Metrics:      %[1]s/metrics   Health: %[1]s/readyz
  Try: curl -H "Authorization: Bearer $(cat %[2]s)" %[1]s/api/v1/instances/%[3]s/queues
%[9]s
`, base, filepath.Join(a.cfg.DataDir, "admin.token"), res.InstanceID, res.Agent.Username, res.Agent.Password,
		res.Supervisor.Username, res.Supervisor.Password, demo.Number, a.demoCall())
}
