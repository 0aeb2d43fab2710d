// Command chatload measures chat end to end through the real switchboard
// binary: chat messages per second and round-trip latency with thousands of
// concurrent chats.
//
// It starts `switchboard serve` (SQLite and embedded NATS by default, or
// PostgreSQL in a fresh schema with --database-url), or uses a running
// server (--url, --admin-token). Through the public APIs it creates an
// instance with a 24x7 queue, a routing profile with a CHAT concurrency of
// --per-agent, --agents auto-accept agents and a published flow that greets
// the customer and transfers to the queue. Every agent logs in
// (POST /api/v1/auth/login), opens the agent WebSocket (hello, setState
// Available) and echoes every customer message with sendMessage. Chats are
// started at --start-rate (StartChatContact, CreateParticipantConnection,
// the participant WebSocket with aws/subscribe, as amazon-connect-chatjs
// does) until every one is connected to an agent.
//
// Then, for each rate in --rates, the customers send messages in turn at that
// aggregate rate: one round trip is the customer posting
// (/participant/message), the agent receiving it on its WebSocket and
// replying, and the customer receiving the reply on its WebSocket. The first
// --warmup of each phase is not measured; the next --duration is.
//
//	make build
//	go run ./bench/chatload --bin bin/switchboard --agents 500 --per-agent 10 --rates 500,1000,2000
//
// Every socket of both sides is on this machine, so 5,000 chats take about
// 5,500 file descriptors in this process and as many in the server.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var cfg Config
	var rates, jsonOut string
	var clientGOGC int
	flag.StringVar(&cfg.Bin, "bin", "bin/switchboard", "the switchboard binary to start (unless --url)")
	flag.StringVar(&cfg.URL, "url", "", "base URL of a running server instead of starting one")
	flag.StringVar(&cfg.AdminToken, "admin-token", os.Getenv("SWITCHBOARD_ADMIN_TOKEN"), "deployment-admin key of the server at --url")
	flag.IntVar(&cfg.ServerPID, "server-pid", 0, "PID of the server at --url, to report its CPU and memory")
	flag.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL for the started server (a fresh schema is created and dropped); empty: SQLite")
	flag.StringVar(&cfg.DataDir, "data", "", "--data of the started server (default: a temporary directory)")
	flag.BoolVar(&cfg.KeepData, "keep", false, "keep the data directory and schema")
	var serverArgs, serverEnv listFlag
	flag.Var(&serverArgs, "server-arg", "an extra argument for `serve` (repeatable)")
	flag.Var(&serverEnv, "server-env", "an extra KEY=VALUE for the server's environment, e.g. GOGC=400 (repeatable)")
	flag.IntVar(&cfg.Agents, "agents", 500, "agents")
	flag.IntVar(&cfg.PerAgent, "per-agent", 10, "chats per agent (the routing profile's CHAT concurrency, at most 10)")
	flag.IntVar(&cfg.Chats, "chats", 0, "concurrent chats (default agents × per-agent)")
	flag.Float64Var(&cfg.StartRate, "start-rate", 100, "chats started per second during setup (0: as fast as possible)")
	flag.DurationVar(&cfg.SetupTimeout, "setup-timeout", 10*time.Minute, "how long every chat has to reach an agent")
	flag.StringVar(&rates, "rates", "1000", "comma-separated target rates, round trips per second over all chats; one measured phase each")
	flag.DurationVar(&cfg.Warmup, "warmup", 10*time.Second, "unmeasured start of each phase")
	flag.DurationVar(&cfg.Duration, "duration", 60*time.Second, "measured part of each phase")
	flag.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "a round trip slower than this is an error")
	flag.DurationVar(&cfg.CustomerHeartbeat, "customer-heartbeat", 10*time.Second, "aws/heartbeat interval of each customer (chatjs: 10s; 0: none)")
	flag.StringVar(&cfg.ProfileURL, "pprof", "", "the server's /debug/pprof base URL (bench/chatload/pprofserve serves one), to profile the first phase")
	flag.StringVar(&cfg.ProfileOut, "cpuprofile", "", "where to write the server's CPU profile of the first phase (needs --pprof)")
	flag.IntVar(&clientGOGC, "client-gogc", 400, "GOGC of this load generator (its own garbage collection adds to the measured latency)")
	flag.StringVar(&jsonOut, "json", "", "also write the result as JSON to this file")
	flag.Parse()
	cfg.ServerArgs, cfg.ServerEnv = serverArgs, serverEnv
	for _, r := range strings.Split(rates, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || v <= 0 {
			fmt.Fprintf(os.Stderr, "chatload: bad rate %q\n", r)
			os.Exit(2)
		}
		cfg.Rates = append(cfg.Rates, v)
	}
	debug.SetGCPercent(clientGOGC)
	cfg.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := Run(ctx, cfg)
	if res != nil {
		Report(os.Stdout, cfg, res)
		if jsonOut != "" {
			b, _ := json.MarshalIndent(res, "", "  ")
			if werr := os.WriteFile(jsonOut, b, 0o644); werr != nil {
				fmt.Fprintln(os.Stderr, "chatload:", werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatload:", err)
		os.Exit(1)
	}
	if res.TotalErrors() > 0 {
		os.Exit(3)
	}
}

// TotalErrors counts every error of the run.
func (r *Result) TotalErrors() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Report writes a readable summary.
func Report(w io.Writer, cfg Config, r *Result) {
	fmt.Fprintf(w, "chatload %s, server %s\n", r.Start.Format(time.RFC3339), r.ServerURL)
	db := "SQLite"
	if cfg.DatabaseURL != "" {
		db = "PostgreSQL"
	}
	if cfg.URL != "" {
		db = "external server"
	}
	fmt.Fprintf(w, "store: %s; %d agents × %d, %d chats, start rate %.0f/s; server env %v\n",
		db, cfg.Agents, cfg.PerAgent, r.Setup.Requested, cfg.StartRate, cfg.ServerEnv)
	s := r.Setup
	fmt.Fprintf(w, "setup: %d agents Available in %v; %d/%d chats connected to agents in %v = %.0f chats/s\n",
		s.Agents, s.AgentsTime.Round(time.Millisecond), s.Connected, s.Requested, s.Time.Round(time.Millisecond), s.Rate)
	fmt.Fprintf(w, "  start → agent connected: %s\n", s.Latency)
	if s.Server != nil {
		fmt.Fprintf(w, "  server after setup: RSS %d MB, %d threads, %d fds; CPU during chat starts %v\n",
			s.Server.RSS>>20, s.Server.Threads, s.Server.FDs, s.ServerCPUUsed.Round(time.Millisecond))
	}
	for _, p := range r.Phases {
		fmt.Fprintf(w, "phase target %.0f round trips/s (%v measured): %.0f round trips/s = %.0f chat messages/s\n",
			p.TargetRate, p.Duration, p.RoundTrips, 2*p.RoundTrips)
		fmt.Fprintf(w, "  sent %d, ok %d, failed %d, skipped (chat still busy) %d\n", p.Sent, p.OK, p.Failed, p.Skipped)
		fmt.Fprintf(w, "  round trip:       %s\n", p.RoundTrip)
		fmt.Fprintf(w, "  customer → agent: %s\n", p.ToAgent)
		fmt.Fprintf(w, "  POST message:     %s\n", p.Post)
		fmt.Fprintf(w, "  server CPU %.2f cores, RSS %d MB, %d fds; load generator CPU %.2f cores\n",
			p.ServerCPU, p.ServerRSS>>20, p.ServerFDs, p.ClientCPU)
		for _, e := range p.ErrorSample {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	if r.ServerFinal != nil {
		fmt.Fprintf(w, "server at the end: RSS %d MB (peak %d MB), %d threads, %d fds\n",
			r.ServerFinal.RSS>>20, r.ServerFinal.HWM>>20, r.ServerFinal.Threads, r.ServerFinal.FDs)
	}
	fmt.Fprintf(w, "errors: %d", r.TotalErrors())
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "; %s %d", k, r.Errors[k])
	}
	fmt.Fprintln(w)
	for _, e := range r.ErrorSample {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if r.ServerLogWarn > 0 {
		fmt.Fprintf(w, "server log: %d WARN/ERROR lines, first:\n", r.ServerLogWarn)
		for _, l := range r.ServerLogTail {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}
