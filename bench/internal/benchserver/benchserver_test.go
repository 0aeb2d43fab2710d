package benchserver

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sh starts /bin/sh -c script as the "server", its log in a temporary
// directory.
func sh(t *testing.T, script string, report bool) *Process {
	t.Helper()
	p, err := Start(Options{Bin: "/bin/sh", Args: []string{"-c", script}, Env: []string{"BENCH_X=from-env"},
		LogPath: filepath.Join(t.TempDir(), "server.log"), OwnGroup: true, ReportExitStatus: report})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(5 * time.Second) })
	return p
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStartLogAndStop(t *testing.T) {
	p := sh(t, `echo "start $BENCH_X"; echo '{"level":"WARN","msg":"`+strings.Repeat("w", 50)+`"}'; echo '{"level":"INFO"}'; `+
		`echo '{"level":"ERROR","msg":"e"}'; echo 'panic: boom'; echo ready; exec sleep 30`, false)
	if p.PID <= 0 {
		t.Fatalf("PID %d", p.PID)
	}
	err := p.WaitReady(context.Background(), Ready{Check: func() bool { return strings.Contains(p.LogTail(1000), "ready") }, Poll: time.Millisecond, TailBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.LogTail(1000), "start from-env\n") || p.LogTail(6) != "ready\n" {
		t.Errorf("log %q, tail %q", p.LogTail(1000), p.LogTail(6))
	}
	warn := `{"level":"WARN","msg":"` + strings.Repeat("w", 50) + `"}`
	n, sample := p.LogProblems(2, 30)
	if n != 3 || len(sample) != 2 || sample[0] != warn[:30]+"…" || sample[1] != `{"level":"ERROR","msg":"e"}` {
		t.Errorf("problems %d %q", n, sample)
	}
	if n, sample := p.LogProblems(10, 0); n != 3 || len(sample) != 3 || sample[0] != warn || sample[2] != "panic: boom" {
		t.Errorf("uncut problems %d %q", n, sample)
	}
	if st, err := ReadProc(p.PID); err != nil || st.RSS <= 0 || st.Threads < 1 || st.FDs < 3 {
		t.Errorf("ReadProc(child) = %+v, %v", st, err)
	}
	if p.Exited() {
		t.Fatal("exited while sleeping")
	}
	// sleep dies of SIGTERM: a failure status, not reported without ReportExitStatus.
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !p.Exited() {
		t.Error("not exited after Stop")
	}
	if err := p.Stop(time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStopReportsExitStatus(t *testing.T) {
	p := sh(t, `exec sleep 30`, true)
	err := p.Stop(5 * time.Second)
	if err == nil || !strings.HasPrefix(err.Error(), "the server exited after SIGTERM: signal: terminated") {
		t.Errorf("Stop: %v", err)
	}
}

func TestStopKillsAfterTimeout(t *testing.T) {
	p := sh(t, `trap '' TERM; echo trapped; while :; do sleep 0.05; done`, false)
	waitFor(t, func() bool { return p.LogTail(100) == "trapped\n" })
	t0 := time.Now()
	err := p.Stop(200 * time.Millisecond)
	if err == nil || err.Error() != "the server did not stop within 200ms of SIGTERM; killed" {
		t.Errorf("Stop: %v", err)
	}
	if d := time.Since(t0); d < 200*time.Millisecond || !p.Exited() {
		t.Errorf("stopped in %v, exited %v", d, p.Exited())
	}
}

func TestWaitReadyExitAndContext(t *testing.T) {
	p := sh(t, `echo 'bad flag'; exit 3`, false)
	err := p.WaitReady(context.Background(), Ready{Check: func() bool { return false }, Poll: time.Millisecond, TailBytes: 100})
	if err == nil || err.Error() != "the server exited before it was ready (exit status 3): bad flag\n" {
		t.Errorf("WaitReady: %v", err)
	}
	q := sh(t, `exec sleep 30`, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.WaitReady(ctx, Ready{Check: func() bool { return false }, Poll: time.Millisecond}); err != context.Canceled {
		t.Errorf("WaitReady with a cancelled context: %v", err)
	}
}

func TestStartFailures(t *testing.T) {
	dir := t.TempDir()
	if _, err := Start(Options{Bin: filepath.Join(dir, "missing"), LogPath: filepath.Join(dir, "log")}); err == nil ||
		!strings.HasPrefix(err.Error(), "start "+filepath.Join(dir, "missing")+": ") {
		t.Errorf("missing binary: %v", err)
	}
	if _, err := Start(Options{Bin: "/bin/true", LogPath: filepath.Join(dir, "no", "log")}); err == nil {
		t.Error("a log in a missing directory")
	}
}

// A nil *Process is a server the tool did not start.
func TestNilProcess(t *testing.T) {
	var p *Process
	if p.Exited() || p.LogTail(10) != "" || p.LogPath() != "" || p.Stop(0) != nil {
		t.Error("nil process")
	}
	if n, s := p.LogProblems(5, 0); n != 0 || s != nil {
		t.Error("nil process problems")
	}
}

func TestReadProcSelf(t *testing.T) {
	a, err := ReadProc(0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.RSS <= 0 || a.HWM < a.RSS || a.Threads < 1 || a.FDs < 3 || b.RSS <= 0 || b.CPU < a.CPU || !b.At.After(a.At) {
		t.Errorf("self %+v, by PID %+v", a, b)
	}
	if _, err := ReadProc(1 << 30); err == nil {
		t.Error("a PID that cannot exist")
	}
}

func TestFreeAddrs(t *testing.T) {
	a, err := FreeTCPAddr()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	u, err := FreeUDPTCPAddr()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp4", u)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tl, err := net.Listen("tcp", u)
	if err != nil {
		t.Fatal(err)
	}
	tl.Close()
}

func TestReadyz(t *testing.T) {
	if Readyz("http://127.0.0.1:1")() {
		t.Error("ready with nothing listening")
	}
}

func TestRandomHex(t *testing.T) {
	a, b := RandomHex(8), RandomHex(8)
	if len(a) != 16 || a == b {
		t.Errorf("%q %q", a, b)
	}
}
