package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, to make a fresh schema
)

// server is a `switchboard serve` process started by the load generator.
type server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logPath string
	dataDir string
	cleanup []func()
	URL     string
	Token   string
	PID     int
}

// startServer runs `bin serve` on a free loopback port with a fresh data
// directory (and a fresh PostgreSQL schema when databaseURL is set), and
// waits for /readyz.
func startServer(ctx context.Context, cfg Config) (*server, error) {
	s := &server{done: make(chan struct{}), Token: "chatload-" + randomHex(16)}
	s.dataDir = cfg.DataDir
	if s.dataDir == "" {
		d, err := os.MkdirTemp("", "chatload-")
		if err != nil {
			return nil, err
		}
		s.dataDir = d
		if !cfg.KeepData {
			s.cleanup = append(s.cleanup, func() { os.RemoveAll(d) })
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--data", s.dataDir, "--http", addr, "--log-level", "warn"}
	if cfg.DatabaseURL != "" {
		u, drop, err := freshSchema(cfg.DatabaseURL)
		if err != nil {
			s.stop(0)
			return nil, err
		}
		if !cfg.KeepData {
			s.cleanup = append(s.cleanup, drop)
		}
		args = append(args, "--database-url", u)
	}
	args = append(args, cfg.ServerArgs...)
	s.logPath = filepath.Join(s.dataDir, "server.log")
	logf, err := os.Create(s.logPath)
	if err != nil {
		s.stop(0)
		return nil, err
	}
	s.cmd = exec.Command(cfg.Bin, args...)
	s.cmd.Env = append(append(os.Environ(), "SWITCHBOARD_ADMIN_TOKEN="+s.Token), cfg.ServerEnv...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		s.stop(0)
		return nil, fmt.Errorf("start %s: %w", cfg.Bin, err)
	}
	s.PID = s.cmd.Process.Pid
	s.URL = "http://" + addr
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
			err := fmt.Errorf("the server exited before it was ready (%v): %s", s.waitErr, s.logTail(2000))
			s.stop(0)
			return nil, err
		case <-ctx.Done():
			s.stop(0)
			return nil, ctx.Err()
		default:
		}
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop(0)
			return nil, fmt.Errorf("the server was not ready in 30 s: %s", s.logTail(2000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends SIGTERM, waits up to timeout for the process (then kills it),
// and removes what startServer created.
func (s *server) stop(timeout time.Duration) error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
				if s.waitErr != nil {
					err = fmt.Errorf("the server exited after SIGTERM: %v", s.waitErr)
				}
			case <-time.After(timeout):
				_ = s.cmd.Process.Kill()
				<-s.done
				err = fmt.Errorf("the server did not stop within %v of SIGTERM; killed", timeout)
			}
		}
	}
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	return err
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// logProblems returns the server log's WARN and ERROR lines (at most max).
func (s *server) logProblems(max int) (n int, sample []string) {
	f, err := os.Open(s.logPath)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) ||
			strings.Contains(line, "panic") || strings.Contains(line, "DATA RACE") {
			n++
			if len(sample) < max {
				sample = append(sample, line)
			}
		}
	}
	return n, sample
}

func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// freshSchema creates a new schema in the database at base and returns
// base with search_path set to it, and a function that drops it.
func freshSchema(base string) (string, func(), error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	schema := "chatload_" + randomHex(6)
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		return "", nil, fmt.Errorf("postgres %s: %w", base, err)
	}
	drop := func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
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
	FDs     int
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 100

func readProc(pid int) (procStat, error) {
	p := procStat{At: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
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
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
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
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		p.FDs = len(ents)
	}
	return p, nil
}
