// Package benchserver runs the switchboard binary as a child process for
// the load tools under bench/ (chatload, bridge): start it with its output
// in a log file, wait until it is ready, stop it, read its log for
// warnings, find free loopback ports, and sample a process's CPU time and
// memory from /proc.
//
// The tools measure the real binary rather than an in-process server, so
// that what they report (CPU, RSS, latency) is what a deployment sees; this
// package is the part of that they share. What differs between them (the
// data directory, the database, the flags, what "ready" means) stays in
// each tool.
package benchserver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Options says how to start the process.
type Options struct {
	Bin     string
	Args    []string
	Env     []string // added to this process's environment
	LogPath string   // created; the process's stdout and stderr go there
	// OwnGroup puts the process in its own process group, so that a Ctrl-C
	// in the terminal reaches only the tool (which can then hang its calls
	// up before stopping the server itself), and has the kernel send it
	// SIGTERM should the tool be killed outright.
	OwnGroup bool
	// ReportExitStatus makes Stop return an error when the process, sent
	// SIGTERM, exits with a failure status: a server that cannot shut down
	// cleanly after a load run is a finding.
	ReportExitStatus bool
}

// Process is a started switchboard process. The methods of a nil *Process
// are those of a server the tool did not start (one given by URL): no log,
// never exited, nothing to stop.
type Process struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error // set before done is closed
	logPath string
	report  bool
	PID     int
}

// Start starts o.Bin with its output in o.LogPath. It does not wait for the
// process to be ready: see WaitReady.
func Start(o Options) (*Process, error) {
	logf, err := os.Create(o.LogPath)
	if err != nil {
		return nil, err
	}
	p := &Process{done: make(chan struct{}), logPath: o.LogPath, report: o.ReportExitStatus}
	p.cmd = exec.Command(o.Bin, o.Args...)
	p.cmd.Env = append(os.Environ(), o.Env...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if o.OwnGroup {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	}
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", o.Bin, err)
	}
	p.PID = p.cmd.Process.Pid
	go func() {
		p.waitErr = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// Ready says when the process counts as ready and how to wait for it.
type Ready struct {
	Check     func() bool   // true once the process serves
	Poll      time.Duration // between checks
	What      string        // named in the timeout error, e.g. " (HTTP and SIP)"
	TailBytes int           // of the log, in the errors
}

// readyTimeout is how long a server has to become ready: a fresh data
// directory (migrations, embedded NATS) takes well under a second.
const readyTimeout = 30 * time.Second

// WaitReady polls r.Check until it returns true, and fails with the end of
// the log should the process exit first or not become ready within 30 s.
// It does not stop the process.
func (p *Process) WaitReady(ctx context.Context, r Ready) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("the server exited before it was ready (%v): %s", p.waitErr, p.LogTail(r.TailBytes))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if r.Check() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server was not ready%s in %d s: %s", r.What, int(readyTimeout.Seconds()), p.LogTail(r.TailBytes))
		}
		time.Sleep(r.Poll)
	}
}

// Stop sends SIGTERM and waits up to timeout for the process to exit, then
// kills it; it returns an error when it had to (and, with
// ReportExitStatus, when the process exited with a failure status).
func (p *Process) Stop(timeout time.Duration) error {
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.report && p.waitErr != nil {
			return fmt.Errorf("the server exited after SIGTERM: %v", p.waitErr)
		}
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("the server did not stop within %v of SIGTERM; killed", timeout)
	}
}

// Exited reports whether the process has exited (a server that dies during
// a run makes its figures meaningless).
func (p *Process) Exited() bool {
	if p == nil {
		return false
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// LogPath is the file the process writes its output to ("" for nil).
func (p *Process) LogPath() string {
	if p == nil {
		return ""
	}
	return p.logPath
}

// LogTail is the last n bytes of the log, to explain a failure.
func (p *Process) LogTail(n int) string {
	if p == nil {
		return ""
	}
	b, _ := os.ReadFile(p.logPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// LogProblems counts the log's WARN and ERROR lines (and panics and data
// races) and returns the first max of them, each cut to cut bytes when cut
// is positive: a run that made the server complain is suspect even when
// every request succeeded.
func (p *Process) LogProblems(max, cut int) (n int, sample []string) {
	if p == nil {
		return 0, nil
	}
	f, err := os.Open(p.logPath)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if isProblem(line) {
			n++
			if len(sample) < max {
				if cut > 0 && len(line) > cut {
					line = line[:cut] + "…"
				}
				sample = append(sample, line)
			}
		}
	}
	return n, sample
}

// isProblem reports whether a log line (slog's JSON) is a warning, an
// error, a panic or a race report.
func isProblem(line string) bool {
	return strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) ||
		strings.Contains(line, "panic") || strings.Contains(line, "DATA RACE")
}
