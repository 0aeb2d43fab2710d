// Command bridge measures agent voice through the real switchboard binary:
//
//   - -mode bridge (default): -calls concurrent calls, each bridged caller ↔
//     Switchboard ↔ the agent's desk phone, held for -duration. The tool is
//     both ends (sipgo, raw RTP): it creates -calls auto-accept agents on
//     desk phones (sip:agentN@<its own UAS>), places the calls to a number
//     whose flow queues them, answers the desk-phone INVITEs, and sends a
//     20 ms PCMU frame each way on every call, stamped with its send time
//     and number. It reports per direction the loss, the transit delay and
//     the added jitter (|transit − the stream's median|, and RFC 3550's
//     estimate) over the packets sent in the steady window, and the server's
//     CPU (/proc/<pid>/stat) and RSS in that window.
//   - -mode softphone: one agent on the browser softphone (a pion
//     PeerConnection as Chromium's: PCMU 0, telephone-event 126), connected
//     once at login (rtcOffer), Available, not auto-accepting; -calls calls
//     one after the other, each accepted on its offer event; it reports
//     offer/accept → the first caller packet at the browser and the first
//     browser packet at the caller. Then the same with a fresh
//     PeerConnection per call (rtcOffer after the offer event, then accept).
//
// It starts `switchboard serve` (SQLite, embedded NATS, a temporary data
// directory, SIP on a free loopback port) from -bin, or builds one, or uses
// a running server (-url, -sip, -admin-token, -server-pid).
//
//	go run ./bench/bridge -calls 50 -duration 30s
//	go run ./bench/bridge -mode softphone -calls 20
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

func run() int {
	mode := flag.String("mode", "bridge", "bridge (concurrent bridged desk-phone calls) or softphone (accept → audio on the WebRTC softphone)")
	calls := flag.Int("calls", 0, "bridge: concurrent calls (default 50); softphone: calls per series (default 20)")
	duration := flag.Duration("duration", 30*time.Second, "bridge: the measured steady window")
	warmup := flag.Duration("warmup", 2*time.Second, "bridge: after every call is bridged, before the window")
	rate := flag.Float64("rate", 20, "bridge: calls placed per second")
	talk := flag.Duration("talk", 500*time.Millisecond, "softphone: how long each call stays up once audio flows both ways")
	bin := flag.String("bin", "", "the switchboard binary (default: go build ./cmd/switchboard into a temporary directory)")
	url := flag.String("url", "", "a running server's HTTP base URL instead of starting one (with -sip and -admin-token)")
	sipAddr := flag.String("sip", "", "the running server's SIP address host:port (UDP), with -url")
	adminToken := flag.String("admin-token", os.Getenv("SWITCHBOARD_ADMIN_TOKEN"), "the running server's deployment-admin key, with -url")
	serverPID := flag.Int("server-pid", 0, "the running server's PID, with -url, for its CPU and RSS")
	rtpPorts := flag.String("rtp-ports", "30000-39999", "--rtp-ports of the started server")
	logLevel := flag.String("server-log-level", "warn", "--log-level of the started server")
	keep := flag.Bool("keep", false, "keep the started server's data directory and log (server.log)")
	jsonOut := flag.String("json", "", "also write the result as indented JSON to this file")
	verbose := flag.Bool("v", false, "log the tool's progress in detail")
	flag.Parse()
	if *calls <= 0 {
		*calls = 50
		if *mode == "softphone" {
			*calls = 20
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// sipgo's transport logs through the default logger: only its errors.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if *mode != "bridge" && *mode != "softphone" {
		fmt.Fprintf(os.Stderr, "bridge: unknown -mode %q (bridge or softphone)\n", *mode)
		return 2
	}
	if *rate <= 0 {
		fmt.Fprintln(os.Stderr, "bridge: -rate must be positive")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var srv *server
	if *url != "" {
		if *sipAddr == "" || *adminToken == "" {
			fmt.Fprintln(os.Stderr, "bridge: -url needs -sip and -admin-token")
			return 2
		}
		srv = &server{URL: *url, SIP: *sipAddr, Token: *adminToken, PID: *serverPID}
	} else {
		b := *bin
		if b == "" {
			log.Info("building ./cmd/switchboard")
			built, cleanup, err := buildServer(ctx)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bridge:", err)
				return 1
			}
			defer cleanup()
			b = built
		}
		var err error
		srv, err = startServer(ctx, serverConfig{Bin: b, RTPPorts: *rtpPorts, Keep: *keep, LogLevel: *logLevel})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bridge:", err)
			return 1
		}
		log.Info("server started", "pid", srv.PID, "http", srv.URL, "sip", srv.SIP, "data", srv.dataDir)
		defer func() {
			if err := srv.stop(15 * time.Second); err != nil {
				log.Warn("server stop", "err", err)
			}
			if *keep {
				log.Info("server log kept", "path", srv.proc.LogPath())
			}
		}()
	}

	var res any
	var err error
	switch *mode {
	case "bridge":
		var r *bridgeResult
		r, err = runBridge(ctx, log, srv, bridgeConfig{Calls: *calls, Rate: *rate, Warmup: *warmup, Duration: *duration})
		if r != nil {
			reportBridge(os.Stdout, r)
			res = r
		}
	case "softphone":
		var r *softResult
		r, err = runSoftphone(ctx, log, srv, softConfig{Calls: *calls, Talk: *talk})
		if r != nil {
			reportSoft(os.Stdout, r)
			res = r
		}
	}
	if n := helloRetries.Load(); n > 0 {
		fmt.Printf("note: %d agent hellos were refused as \"not an agent\" right after the user was created, and retried\n", n)
	}
	if n, sample := srv.proc.LogProblems(5, 400); n > 0 {
		fmt.Printf("server log: %d WARN/ERROR lines; first:\n", n)
		for _, l := range sample {
			fmt.Printf("  %s\n", l)
		}
	}
	if res != nil {
		b, _ := json.Marshal(res)
		fmt.Printf("%s\n", b)
		if *jsonOut != "" {
			b, _ := json.MarshalIndent(res, "", "  ")
			if werr := os.WriteFile(*jsonOut, b, 0o644); werr != nil {
				fmt.Fprintln(os.Stderr, "bridge:", werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bridge:", err)
		return 1
	}
	return 0
}

func reportBridge(w io.Writer, r *bridgeResult) {
	fmt.Fprintf(w, "bridge %s: %d calls requested, %d answered, %d failed, %d bridged to desk phones, %d ended early\n",
		r.Start.Format(time.RFC3339), r.Calls, r.Placed, r.Failed, r.Bridged, r.EndedEarly)
	fmt.Fprintf(w, "setup: agents %.1f s; calls placed and bridged in %.1f s; placed → desk answered %s\n",
		r.SetupSeconds, r.RampSeconds, r.Answer)
	if r.WindowSeconds == 0 {
		fmt.Fprintln(w, "no measurement (interrupted or failed before the window)")
		for _, e := range r.Errors {
			fmt.Fprintf(w, "error: %s\n", e)
		}
		return
	}
	fmt.Fprintf(w, "window %.1f s\n", r.WindowSeconds)
	fmt.Fprintf(w, "%-16s %8s %8s %7s %28s %28s %22s %7s\n", "direction", "sent", "recv", "loss%", "transit p50/p99/max ms", "jitter p50/p99/max ms", "RFC3550 p50/max ms", "crossed")
	for _, d := range []struct {
		name string
		d    direction
	}{{"caller → agent", r.CallerToAgent}, {"agent → caller", r.AgentToCaller}} {
		fmt.Fprintf(w, "%-16s %8d %8d %7.3f %28s %28s %22s %7d\n", d.name, d.d.Sent, d.d.Received, d.d.LossPct,
			triple(d.d.Transit), triple(d.d.Jitter), ms(d.d.RFC3550.P50)+" / "+ms(d.d.RFC3550.Max), d.d.Crossed)
	}
	if len(r.AgentEvents) > 0 {
		fmt.Fprintf(w, "agent events: %v\n", r.AgentEvents)
	}
	fmt.Fprintf(w, "server: %.3f cores = %.2f %% of a core per call; RSS %.0f MiB (peak %.0f), %d threads; this tool %.3f cores\n",
		r.ServerCores, r.ServerPctCall, r.ServerRSSMiB, r.ServerHWMMiB, r.ServerThreads, r.ToolCores)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
}

func triple(d dist) string {
	if d.N == 0 {
		return "-"
	}
	return ms(d.P50) + " / " + ms(d.P99) + " / " + ms(d.Max)
}

func reportSoft(w io.Writer, r *softResult) {
	fmt.Fprintf(w, "softphone %s: persistent session connected in %.0f ms (rtcOffer → connected)\n", r.Start.Format(time.RFC3339), r.LoginConnect)
	for _, run := range r.Runs {
		fmt.Fprintf(w, "%s session: %d/%d calls ok\n", run.Session, run.OK, run.Calls)
		fmt.Fprintf(w, "  accept → audio at the agent:  %s\n", run.AcceptToAgentAudio)
		fmt.Fprintf(w, "  accept → audio at the caller: %s\n", run.AcceptToCallerAudio)
		fmt.Fprintf(w, "  accept → path open to the agent (first relayed packet's send time):  %s\n", run.AcceptToPathAgent)
		fmt.Fprintf(w, "  accept → path open to the caller (first relayed packet's send time): %s\n", run.AcceptToPathCaller)
		fmt.Fprintf(w, "  offer  → audio at the agent:  %s\n", run.OfferToAgentAudio)
		fmt.Fprintf(w, "  offer  → audio at the caller: %s\n", run.OfferToCallerAudio)
		if run.Connect.N > 0 {
			fmt.Fprintf(w, "  offer  → new PeerConnection connected: %s\n", run.Connect)
		}
		for _, e := range run.Errors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
}
