// Package e2etest runs the real switchboard binary for end-to-end tests and
// benchmarks: it starts `switchboard serve` as a child process with a
// temporary data dir on a free port, waits for /readyz by polling, captures
// the process log (shown in the test output when the test fails), and stops
// the process with SIGTERM or SIGKILL.
//
// The binary is the one named by SWITCHBOARD_E2E_BIN (make e2e sets it), or
// else one built from this module.
package e2etest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvBin names the environment variable holding the binary under test.
const EnvBin = "SWITCHBOARD_E2E_BIN"

// ReadyTimeout bounds how long Start waits for /readyz. It is generous on
// purpose: the time to ready is measured by bench/startup, not asserted
// here; and a process restarted after a kill on a shared NATS waits for
// the dead one's contact-center lease to expire (10 s) before it is ready.
const ReadyTimeout = 25 * time.Second

// Binary returns the switchboard binary to run: $SWITCHBOARD_E2E_BIN if set,
// otherwise one built from this module into dir.
func Binary(dir string) (string, error) {
	if bin := os.Getenv(EnvBin); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("%s: %w", EnvBin, err)
		}
		return bin, nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("%s is not set and no go tool to build one: %w", EnvBin, err)
	}
	bin := filepath.Join(dir, "switchboard")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/switchboard-cc/switchboard/cmd/switchboard")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Options configure one server process.
type Options struct {
	// DataDir is the --data directory; empty means a new temporary one.
	DataDir string
	// Args are added after `serve --data DIR --http ADDR`.
	Args []string
	// Env is added to the test process's environment.
	Env []string
	// Name labels the process in the test log ("server" when empty).
	Name string
}

// Server is one running `switchboard serve` process.
type Server struct {
	tb      testing.TB
	name    string
	cmd     *exec.Cmd
	log     *logBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
	started time.Time

	// DataDir is the process's --data directory.
	DataDir string
	// Addr is the HTTP address, host:port.
	Addr string
	// URL is the HTTP base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Ready is the time from starting the process to the first 200 from /readyz.
	Ready time.Duration
}

// Start runs `bin serve` and waits until /readyz answers 200. The process
// is killed when the test ends if it is still running, and its log is written
// to the test output if the test failed.
func Start(tb testing.TB, bin string, o Options) *Server {
	tb.Helper()
	for attempt := 1; ; attempt++ {
		s := StartNoWait(tb, bin, o)
		err := s.waitReady(ReadyTimeout)
		if err == nil {
			return s
		}
		// The free port may have been taken between FreeAddr and the bind.
		if attempt < 3 && s.Exited() && strings.Contains(s.Log(), "address already in use") {
			tb.Logf("%s: %s was taken; trying another port", s.name, s.Addr)
			continue
		}
		tb.Fatal(err)
	}
}

// StartNoWait starts the process without waiting for it to be ready.
func StartNoWait(tb testing.TB, bin string, o Options) *Server {
	tb.Helper()
	if o.DataDir == "" {
		o.DataDir = tb.TempDir()
	}
	if o.Name == "" {
		o.Name = "server"
	}
	addr := FreeAddr(tb)
	args := []string{"serve", "--data", o.DataDir, "--http", addr}
	if !slices.ContainsFunc(o.Args, func(a string) bool { return a == "--sip" || strings.HasPrefix(a, "--sip=") }) {
		// Tests run servers side by side: each gets its own SIP port
		// (SIPAddr reads it from the log) instead of the default 5060.
		args = append(args, "--sip", "127.0.0.1:0")
	}
	args = append(args, o.Args...)
	s := &Server{tb: tb, name: o.Name, log: &logBuffer{}, done: make(chan struct{}),
		DataDir: o.DataDir, Addr: addr, URL: "http://" + addr}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), o.Env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	tb.Cleanup(func() {
		if !s.Exited() {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if tb.Failed() {
			tb.Logf("--- log of %s (%s) ---\n%s", s.name, strings.Join(args, " "), s.log.String())
		}
	})
	return s
}

// SIPAddr waits until the process logs the address its SIP server listens
// on and returns it (host:port).
func (s *Server) SIPAddr(timeout time.Duration) string {
	s.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, line := range strings.Split(s.log.String(), "\n") {
			if !strings.Contains(line, `"sip listening"`) {
				continue
			}
			var rec struct {
				Addr string `json:"addr"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err == nil && rec.Addr != "" {
				return rec.Addr
			}
		}
		if time.Now().After(deadline) || s.Exited() {
			s.tb.Fatalf("%s: no \"sip listening\" in the log", s.name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitReady polls /readyz until it answers 200, failing the test if the
// process exits first or timeout passes.
func (s *Server) WaitReady(timeout time.Duration) {
	s.tb.Helper()
	if err := s.waitReady(timeout); err != nil {
		s.tb.Fatal(err)
	}
}

func (s *Server) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	err := Poll(timeout, 2*time.Millisecond, func() (bool, error) {
		if s.Exited() {
			return false, fmt.Errorf("%s exited before it was ready: %v", s.name, s.waitErr)
		}
		resp, err := client.Get(s.URL + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("%s at %s not ready: %w", s.name, s.Addr, err)
	}
	if s.Ready == 0 {
		s.Ready = time.Since(s.started)
	}
	return nil
}

// Stop sends SIGTERM and requires a clean exit (status 0) within timeout.
func (s *Server) Stop(timeout time.Duration) {
	s.tb.Helper()
	if err := s.Signal(syscall.SIGTERM); err != nil {
		s.tb.Fatalf("SIGTERM %s: %v", s.name, err)
	}
	if code := s.Wait(timeout); code != 0 {
		s.tb.Fatalf("%s exited with status %d after SIGTERM, want 0", s.name, code)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Server) Kill() {
	s.tb.Helper()
	if err := s.Signal(syscall.SIGKILL); err != nil {
		s.tb.Fatalf("SIGKILL %s: %v", s.name, err)
	}
	s.Wait(10 * time.Second)
}

// Signal sends sig to the process.
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Wait waits for the process to exit and returns its exit status (-1 when
// killed by a signal), failing the test after timeout.
func (s *Server) Wait(timeout time.Duration) int {
	s.tb.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.tb.Fatalf("%s still running %v after it was told to stop", s.name, timeout)
	}
	return s.cmd.ProcessState.ExitCode()
}

// Exited reports whether the process has exited.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Log returns what the process wrote to stdout and stderr so far.
func (s *Server) Log() string { return s.log.String() }

// AdminToken returns the deployment-admin key the server wrote to
// DATA/admin.token on first start.
func (s *Server) AdminToken() string {
	s.tb.Helper()
	b, err := os.ReadFile(filepath.Join(s.DataDir, "admin.token"))
	if err != nil {
		s.tb.Fatalf("admin token: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// Run runs the binary to completion with args, and env added to the
// environment, and returns its exit status and combined output, failing the
// test if it runs longer than timeout.
func Run(tb testing.TB, bin string, env []string, timeout time.Duration, args ...string) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		tb.Fatalf("%s %s: still running after %v\n%s", bin, strings.Join(args, " "), timeout, out)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		tb.Fatalf("run %s: %v", bin, err)
	}
	if ee != nil {
		return ee.ExitCode(), string(out)
	}
	return 0, string(out)
}

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Poll calls cond every interval until it reports true or an error, or
// until timeout passes.
func Poll(timeout, interval time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("condition not met within %v", timeout)
		}
		time.Sleep(interval)
	}
}

// logBuffer collects a process's output; exec copies into it from its own goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var _ io.Writer = (*logBuffer)(nil)

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
