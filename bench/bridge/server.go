package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a `switchboard serve` process started by the tool, or a
// running one given by -url and -sip (then cmd is nil and stop does
// nothing but clean up).
type server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logPath string
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
	s := &server{done: make(chan struct{}), Token: "bridge-" + randomHex(16), keep: cfg.Keep}
	d, err := os.MkdirTemp("", "bench-bridge-")
	if err != nil {
		return nil, err
	}
	s.dataDir = d
	httpAddr, err := freeTCPAddr()
	if err != nil {
		s.stop(0)
		return nil, err
	}
	sipAddr, err := freeUDPTCPAddr()
	if err != nil {
		s.stop(0)
		return nil, err
	}
	args := []string{"serve", "--data", s.dataDir, "--http", httpAddr, "--sip", sipAddr,
		"--rtp-ports", cfg.RTPPorts, "--log-level", cfg.LogLevel}
	args = append(args, cfg.Args...)
	s.logPath = filepath.Join(s.dataDir, "server.log")
	logf, err := os.Create(s.logPath)
	if err != nil {
		s.stop(0)
		return nil, err
	}
	s.cmd = exec.Command(cfg.Bin, args...)
	s.cmd.Env = append(os.Environ(), "SWITCHBOARD_ADMIN_TOKEN="+s.Token)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Its own process group: a Ctrl-C in the terminal reaches the tool,
	// which hangs its calls up and then stops the server itself.
	// Pdeathsig: should the tool be killed outright, the server goes too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		s.stop(0)
		return nil, fmt.Errorf("start %s: %w", cfg.Bin, err)
	}
	s.PID = s.cmd.Process.Pid
	s.URL, s.SIP = "http://"+httpAddr, sipAddr
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.done:
			err := fmt.Errorf("the server exited before it was ready (%v): %s", s.waitErr, s.logTail(3000))
			s.stop(0)
			return nil, err
		case <-ctx.Done():
			s.stop(0)
			return nil, ctx.Err()
		default:
		}
		if resp, err := client.Get(s.URL + "/readyz"); err == nil {
			resp.Body.Close()
			// SIP listens on TCP as well as UDP: a TCP connect says it is up.
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", sipAddr, time.Second); err == nil {
					c.Close()
					return s, nil
				}
			}
		}
		if time.Now().After(deadline) {
			s.stop(0)
			return nil, fmt.Errorf("the server was not ready (HTTP and SIP) in 30 s: %s", s.logTail(3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM, waits up to timeout (then kills), and removes the
// data directory unless -keep.
func (s *server) stop(timeout time.Duration) error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(timeout):
				_ = s.cmd.Process.Kill()
				<-s.done
				err = fmt.Errorf("the server did not stop within %v of SIGTERM; killed", timeout)
			}
		}
	}
	if s.dataDir != "" && !s.keep {
		os.RemoveAll(s.dataDir)
	}
	return err
}

func (s *server) exited() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// logTail is the end of the server's log (empty for an external server).
func (s *server) logTail(n int) string {
	if s.logPath == "" {
		return ""
	}
	b, _ := os.ReadFile(s.logPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// logProblems counts the log's WARN/ERROR lines and returns the first max.
func (s *server) logProblems(max int) (n int, sample []string) {
	if s.logPath == "" {
		return 0, nil
	}
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return 0, nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) ||
			strings.Contains(line, "panic") || strings.Contains(line, "DATA RACE") {
			n++
			if len(sample) < max {
				if len(line) > 400 {
					line = line[:400] + "…"
				}
				sample = append(sample, line)
			}
		}
	}
	return n, sample
}

func freeTCPAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// freeUDPTCPAddr is a loopback port free for both UDP and TCP (SIP listens
// on both).
func freeUDPTCPAddr() (string, error) {
	for range 20 {
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return "", err
		}
		addr := u.LocalAddr().String()
		t, err := net.Listen("tcp", addr)
		u.Close()
		if err == nil {
			t.Close()
			return addr, nil
		}
	}
	return "", errors.New("no port free for both UDP and TCP")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// procStat is a process's CPU time and memory, from /proc.
type procStat struct {
	At      time.Time
	CPU     time.Duration // user + system
	RSS     int64         // bytes
	HWM     int64         // peak RSS, bytes
	Threads int
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 100

// readProc reads pid's /proc/<pid>/stat (utime, stime) and status (RSS);
// pid 0 means this process.
func readProc(pid int) (procStat, error) {
	p := procStat{At: time.Now()}
	name := "self"
	if pid != 0 {
		name = strconv.Itoa(pid)
	}
	b, err := os.ReadFile("/proc/" + name + "/stat")
	if err != nil {
		return p, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return p, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return p, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	p.CPU = time.Duration(ut+st) * time.Second / clockTick
	status, err := os.ReadFile("/proc/" + name + "/status")
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		switch k {
		case "VmRSS":
			p.RSS = n * 1024
		case "VmHWM":
			p.HWM = n * 1024
		case "Threads":
			p.Threads = int(n)
		}
	}
	return p, nil
}
