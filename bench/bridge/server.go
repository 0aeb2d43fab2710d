package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/switchboard-cc/switchboard/bench/internal/benchserver"
)

// server is a `switchboard serve` process started by the tool, or a
// running one given by -url and -sip (then proc is nil and stop does
// nothing but clean up).
type server struct {
	proc    *benchserver.Process
	dataDir string
	keep    bool
	URL     string // http://host:port
	SIP     string // host:port (UDP)
	Token   string // deployment-admin key
	PID     int    // 0 when unknown
}

// serverConfig says how to start the server.
type serverConfig struct {
	Bin      string
	RTPPorts string // MIN-MAX
	Keep     bool   // keep the data directory and log
	LogLevel string
	Args     []string
}

// buildServer compiles ./cmd/switchboard into a temporary directory and
// returns the binary's path and a function that removes it.
func buildServer(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "bench-bridge-bin-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "switchboard")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/switchboard")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build ./cmd/switchboard (run from the repository root, or pass -bin): %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// startServer runs `bin serve` with a fresh data directory on free loopback
// ports (HTTP, SIP over UDP and TCP) and waits for /readyz and the SIP
// listener.
func startServer(ctx context.Context, cfg serverConfig) (*server, error) {
	s := &server{Token: "bridge-" + benchserver.RandomHex(16), keep: cfg.Keep}
	d, err := os.MkdirTemp("", "bench-bridge-")
	if err != nil {
		return nil, err
	}
	s.dataDir = d
	httpAddr, err := benchserver.FreeTCPAddr()
	if err != nil {
		s.stop(0)
		return nil, err
	}
	sipAddr, err := benchserver.FreeUDPTCPAddr()
	if err != nil {
		s.stop(0)
		return nil, err
	}
	args := []string{"serve", "--data", s.dataDir, "--http", httpAddr, "--sip", sipAddr,
		"--rtp-ports", cfg.RTPPorts, "--log-level", cfg.LogLevel}
	args = append(args, cfg.Args...)
	// Its own process group: a Ctrl-C in the terminal reaches the tool,
	// which hangs its calls up and then stops the server itself; should the
	// tool be killed outright, the server goes too.
	s.proc, err = benchserver.Start(benchserver.Options{
		Bin: cfg.Bin, Args: args, LogPath: filepath.Join(s.dataDir, "server.log"),
		Env: []string{"SWITCHBOARD_ADMIN_TOKEN=" + s.Token}, OwnGroup: true,
	})
	if err != nil {
		s.stop(0)
		return nil, err
	}
	s.PID = s.proc.PID
	s.URL, s.SIP = "http://"+httpAddr, sipAddr
	httpReady := benchserver.Readyz(s.URL)
	ready := func() bool {
		if !httpReady() {
			return false
		}
		// SIP listens on TCP as well as UDP: a TCP connect says it is up.
		c, err := net.DialTimeout("tcp", sipAddr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	if err := s.proc.WaitReady(ctx, benchserver.Ready{Check: ready, Poll: 20 * time.Millisecond, What: " (HTTP and SIP)", TailBytes: 3000}); err != nil {
		s.stop(0)
		return nil, err
	}
	return s, nil
}

// stop sends SIGTERM, waits up to timeout (then kills), and removes the
// data directory unless -keep.
func (s *server) stop(timeout time.Duration) error {
	err := s.proc.Stop(timeout)
	if s.dataDir != "" && !s.keep {
		os.RemoveAll(s.dataDir)
	}
	return err
}
