package voicepeer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SippBin is the sipp binary RunSipp and StartSipp run.
var SippBin = "sipp"

// SippPCAPDir is where Debian's sip-tester installs its RTP captures
// (dtmf_2833_{0..9,star,pound}.pcap and g711a.pcap).
const SippPCAPDir = "/usr/share/sip-tester"

// PT96PCAP is the name of the PT 96 copy of dtmf_2833_1.pcap that SippDir
// writes into sipp's working directory (dtmf_pt96.xml plays it by this
// relative name).
const PT96PCAP = "dtmf_pt96.pcap"

// DefaultSippTimeout bounds a sipp run when SippOptions.Timeout is zero.
const DefaultSippTimeout = 30 * time.Second

// SippOptions configures one sipp run.
type SippOptions struct {
	// Scenario is a path to a scenario file, a bare file name found in
	// ScenarioDir() (e.g. "dtmf_branch.xml"), or a sipp built-in scenario
	// name passed to -sn ("uac", "uas", "uac_pcap", ...).
	Scenario string
	// Target is the remote host:port. Empty for a UAS.
	Target string
	// Service is the dialled number (-s).
	Service string
	// LocalIP is the SIP and media source address (-i and -mi); default
	// 127.0.0.1. 127.0.0.2 works as a second loopback source.
	LocalIP string
	// Port is the local SIP port (-p) and MediaPort the local RTP port
	// (-mp); 0 picks a free one (FreeUDPPort / FreeRTPPort).
	Port, MediaPort int
	// Calls is the number of calls to place or answer (-m); 0 means 1.
	Calls int
	// Rate is the call rate in calls per second (-r); 0 keeps sipp's
	// default (10 cps).
	Rate float64
	// Limit is the maximum number of simultaneous calls (-l); 0 keeps
	// sipp's default.
	Limit int
	// Transport is sipp's -t value: "u1" (UDP, default) or "t1" (TCP).
	Transport string
	// Timeout bounds the run: sipp gets -timeout (counted as an error by
	// -timeout_error) and the process is killed 5 s after it.
	// Default DefaultSippTimeout.
	Timeout time.Duration
	// AuthUser and AuthPass are the digest credentials (-au, -ap).
	AuthUser, AuthPass string
	// Vars are global scenario variables (-set key value), e.g. "from".
	Vars map[string]string
	// Replace are literal text replacements applied to the scenario when
	// it is copied into the working directory (for what sipp parses at
	// load time and -set cannot change: pcap paths, response codes), e.g.
	// {"dtmf_2833_1.pcap": "dtmf_2833_5.pcap"}. Ignored for built-ins.
	Replace map[string]string
	// ExtraArgs are appended to the command line (e.g. "-d", "5000").
	ExtraArgs []string
	// Dir is sipp's working directory. It must hold a symlink pcap ->
	// /usr/share/sip-tester for built-in scenarios such as uac_pcap, and
	// dtmf_pt96.pcap for dtmf_pt96.xml. Empty means a fresh SippDir(t).
	Dir string
}

// SippResult is what one sipp run produced.
type SippResult struct {
	// ExitCode is sipp's: 0 all calls succeeded, 1 at least one failed,
	// 97 exit on an internal command, 99 no call processed, 255 fatal;
	// -1 when the process was killed (the hard timeout).
	ExitCode int
	// Successful and Failed are the cumulative call counts, from the
	// -trace_stat CSV (or sipp's final screen when the CSV is missing).
	Successful, Failed int
	// Stats is the last row of the -trace_stat CSV, keyed by column name
	// (e.g. "FailedCallRejected(C)"); nil if there was none.
	Stats map[string]string
	// Stdout and Stderr are sipp's output.
	Stdout, Stderr string
	// ErrorLog is the -trace_err file (unexpected messages, timeouts).
	ErrorLog string
	// Messages is the -trace_msg file: every SIP message sent and
	// received, with timestamps.
	Messages string
	// Args is the command line, for the report.
	Args []string
	// Err is set when sipp could not be started or waited for.
	Err error
}

// OK reports whether sipp exited 0 with at least one successful call and
// no failed one.
func (r SippResult) OK() bool {
	return r.Err == nil && r.ExitCode == 0 && r.Successful > 0 && r.Failed == 0
}

// Report formats everything a failing test should print: the command,
// the exit code, the counts, stderr, the error log and the SIP messages.
func (r SippResult) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sipp %s\nexit=%d successful=%d failed=%d", strings.Join(r.Args, " "), r.ExitCode, r.Successful, r.Failed)
	if r.Err != nil {
		fmt.Fprintf(&b, " err=%v", r.Err)
	}
	b.WriteString("\n")
	section := func(name, s string) {
		if s = strings.TrimSpace(s); s != "" {
			fmt.Fprintf(&b, "--- %s ---\n%s\n", name, s)
		}
	}
	section("stderr", r.Stderr)
	section("errors log", r.ErrorLog)
	section("messages", r.Messages)
	return b.String()
}

// RequireOK fails the test (t.Fatalf) with r.Report() unless r.OK().
func RequireOK(t testing.TB, r SippResult) {
	t.Helper()
	if !r.OK() {
		t.Fatalf("sipp run failed:\n%s", r.Report())
	}
}

// Responses returns the status codes of the SIP responses sipp received,
// in order, from r.Messages (e.g. [100 180 200 200]).
func (r SippResult) Responses() []int {
	var codes []int
	received := false
	for _, line := range strings.Split(r.Messages, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.Contains(line, "message received") {
			received = true
			continue
		}
		if received && line != "" {
			received = false
			if rest, ok := strings.CutPrefix(line, "SIP/2.0 "); ok {
				if code, err := strconv.Atoi(strings.SplitN(rest, " ", 2)[0]); err == nil {
					codes = append(codes, code)
				}
			}
		}
	}
	return codes
}

// ReceivedRequests returns the methods of the SIP requests sipp received,
// in order, from r.Messages (e.g. ["BYE"]).
func (r SippResult) ReceivedRequests() []string {
	var methods []string
	received := false
	for _, line := range strings.Split(r.Messages, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.Contains(line, "message received") {
			received = true
			continue
		}
		if received && line != "" {
			received = false
			if f := strings.Fields(line); len(f) == 3 && f[2] == "SIP/2.0" {
				methods = append(methods, f[0])
			}
		}
	}
	return methods
}

// Sipp is a running sipp process (see StartSipp).
type Sipp struct {
	t       testing.TB
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	logDir  string
	args    []string
	Port    int    // the local SIP port
	Media   int    // the local RTP port
	LocalIP string // the local address
	// Addr is LocalIP:Port, the address a UAS listens on.
	Addr string

	transport string
	once      sync.Once
	result    SippResult
}

// ScenarioDir returns the absolute path of test/e2e/sipp, found from this
// source file so it works from any test's working directory.
func ScenarioDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("test", "e2e", "sipp")
	}
	return filepath.Join(filepath.Dir(file), "..", "sipp")
}

// Scenario returns the absolute path of a scenario in ScenarioDir().
func Scenario(name string) string { return filepath.Join(ScenarioDir(), name) }

// SippDir makes a working directory for sipp under t.TempDir(): a symlink
// pcap -> /usr/share/sip-tester (for built-in scenarios such as uac_pcap)
// and dtmf_pt96.pcap (dtmf_2833_1.pcap with payload type 96).
func SippDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(SippPCAPDir, filepath.Join(dir, "pcap")); err != nil {
		t.Fatalf("voicepeer: %v", err)
	}
	if err := PatchPCAPPayloadType(filepath.Join(SippPCAPDir, "dtmf_2833_1.pcap"), filepath.Join(dir, PT96PCAP), 96); err != nil {
		t.Fatalf("voicepeer: %v", err)
	}
	return dir
}

func isBuiltin(s string) bool {
	return !strings.ContainsAny(s, "/.")
}

// StartSipp starts sipp in the background (typically a UAS for a UAC
// under test) and returns once the process has started. Wait collects the
// result; the process is killed and waited for at test cleanup if the
// test did not.
func StartSipp(ctx context.Context, t testing.TB, o SippOptions) *Sipp {
	t.Helper()
	s := &Sipp{t: t}
	if o.LocalIP == "" {
		o.LocalIP = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = FreeSIPPort(t, o.LocalIP)
	}
	if o.MediaPort == 0 {
		o.MediaPort = FreeRTPPort(t, o.LocalIP)
	}
	if o.Calls == 0 {
		o.Calls = 1
	}
	if o.Transport == "" {
		o.Transport = "u1"
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultSippTimeout
	}
	if o.Dir == "" {
		o.Dir = SippDir(t)
	}
	s.Port, s.Media, s.LocalIP, s.transport = o.Port, o.MediaPort, o.LocalIP, o.Transport
	s.Addr = net.JoinHostPort(o.LocalIP, strconv.Itoa(o.Port))
	s.logDir = t.TempDir()

	var args []string
	if isBuiltin(o.Scenario) {
		args = append(args, "-sn", o.Scenario)
	} else {
		path := o.Scenario
		if !strings.Contains(path, "/") {
			if _, err := os.Stat(path); err != nil {
				path = Scenario(path)
			}
		}
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("voicepeer: scenario: %v", err)
		}
		str := string(text)
		for from, to := range o.Replace {
			if !strings.Contains(str, from) {
				t.Fatalf("voicepeer: scenario %s does not contain %q", path, from)
			}
			str = strings.ReplaceAll(str, from, to)
		}
		copyPath := filepath.Join(s.logDir, filepath.Base(path))
		if err := os.WriteFile(copyPath, []byte(str), 0o644); err != nil {
			t.Fatalf("voicepeer: %v", err)
		}
		args = append(args, "-sf", copyPath)
	}
	if o.Target != "" {
		args = append(args, o.Target)
	}
	if o.Service != "" {
		args = append(args, "-s", o.Service)
	}
	timeoutSec := int((o.Timeout + time.Second - 1) / time.Second)
	args = append(args,
		"-i", o.LocalIP, "-mi", o.LocalIP,
		"-p", strconv.Itoa(o.Port), "-mp", strconv.Itoa(o.MediaPort),
		"-t", o.Transport,
		"-m", strconv.Itoa(o.Calls),
		"-nostdin",
		"-timeout", strconv.Itoa(timeoutSec), "-timeout_error",
		"-trace_msg", "-message_file", filepath.Join(s.logDir, "messages.log"),
		"-trace_err", "-error_file", filepath.Join(s.logDir, "errors.log"),
		"-trace_stat", "-stf", filepath.Join(s.logDir, "stat.csv"), "-fd", "1",
	)
	if o.Rate > 0 {
		args = append(args, "-r", strconv.FormatFloat(o.Rate, 'f', -1, 64))
	}
	if o.Limit > 0 {
		args = append(args, "-l", strconv.Itoa(o.Limit))
	}
	if o.AuthUser != "" {
		args = append(args, "-au", o.AuthUser, "-ap", o.AuthPass)
	}
	for k, v := range o.Vars {
		args = append(args, "-set", k, v)
	}
	args = append(args, o.ExtraArgs...)
	s.args = args

	cctx, cancel := context.WithTimeout(ctx, o.Timeout+5*time.Second)
	s.cancel = cancel
	s.cmd = exec.CommandContext(cctx, SippBin, args...)
	s.cmd.Dir = o.Dir
	s.cmd.Stdout = &s.stdout
	s.cmd.Stderr = &s.stderr
	s.cmd.WaitDelay = 2 * time.Second
	if err := s.cmd.Start(); err != nil {
		cancel()
		s.once.Do(func() { s.result = SippResult{ExitCode: -1, Args: args, Err: err} })
		return s
	}
	t.Cleanup(func() {
		s.Stop()
	})
	return s
}

// WaitListening waits until sipp has bound its SIP port (UDP for "u1",
// TCP for "t1"), for a UAS started with StartSipp, by probing the port:
// once our own bind fails, sipp holds it. It fails the test after
// timeout (default 20 s when 0).
func (s *Sipp) WaitListening(timeout time.Duration) {
	s.t.Helper()
	if timeout == 0 {
		// sipp starts in milliseconds, but on a loaded 2-core machine
		// (parallel tests, -race) it has taken more than 5 s.
		timeout = 20 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		var err error
		if s.transport == "t1" || s.transport == "tn" {
			var l net.Listener
			if l, err = net.Listen("tcp", s.Addr); err == nil {
				l.Close()
			}
		} else {
			var pc net.PacketConn
			if pc, err = net.ListenPacket("udp", s.Addr); err == nil {
				pc.Close()
			}
		}
		if err != nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("voicepeer: sipp is not listening on %s after %v", s.Addr, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Wait waits for sipp to exit and returns what it produced. It is safe to
// call more than once.
func (s *Sipp) Wait() SippResult {
	s.once.Do(func() {
		err := s.cmd.Wait()
		s.cancel()
		r := SippResult{Args: s.args, Stdout: s.stdout.String(), Stderr: s.stderr.String()}
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			r.ExitCode = ee.ExitCode()
		default:
			r.ExitCode = -1
			r.Err = err
		}
		r.ErrorLog = readString(filepath.Join(s.logDir, "errors.log"))
		r.Messages = readString(filepath.Join(s.logDir, "messages.log"))
		r.Stats = lastStats(filepath.Join(s.logDir, "stat.csv"))
		if r.Stats != nil {
			r.Successful, _ = strconv.Atoi(r.Stats["SuccessfulCall(C)"])
			r.Failed, _ = strconv.Atoi(r.Stats["FailedCall(C)"])
		} else {
			r.Successful, r.Failed = screenCounts(r.Stdout)
		}
		s.result = r
	})
	return s.result
}

// Stop kills sipp if it still runs (SIGKILL), then returns Wait(). A
// killed sipp has ExitCode -1 and its logs as far as it wrote them.
func (s *Sipp) Stop() SippResult {
	if s.cancel != nil {
		s.cancel()
	}
	return s.Wait()
}

// RunSipp runs sipp to completion (see SippOptions) and returns its result.
// It does not fail the test by itself: use RequireOK or inspect the result.
func RunSipp(ctx context.Context, t testing.TB, o SippOptions) SippResult {
	t.Helper()
	return StartSipp(ctx, t, o).Wait()
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// lastStats parses sipp's -trace_stat CSV (';'-separated, one header row,
// one row per dump) and returns the last row by column name.
func lastStats(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var header, last []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil
		}
		if header == nil {
			header = rec
			continue
		}
		last = rec
	}
	if header == nil || last == nil {
		return nil
	}
	m := make(map[string]string, len(header))
	for i, h := range header {
		if h == "" || i >= len(last) {
			continue
		}
		m[h] = strings.TrimSpace(last[i])
	}
	return m
}

// screenCounts reads "Successful call" and "Failed call" from sipp's
// final statistics screen (columns: name, periodic, cumulative).
func screenCounts(stdout string) (ok, failed int) {
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "|", " "))
		if len(f) < 4 {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			continue
		}
		switch {
		case f[0] == "Successful" && f[1] == "call":
			ok = n
		case f[0] == "Failed" && f[1] == "call":
			failed = n
		}
	}
	return ok, failed
}

// FreeUDPPort returns a UDP port that was free on ip a moment ago. There
// is a window in which another process may take it: good enough for tests.
func FreeUDPPort(t testing.TB, ip string) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("voicepeer: free UDP port: %v", err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// FreeSIPPort returns a port that was free on ip for both UDP and TCP a
// moment ago (sipp binds its -p port on the transport it uses; tests run
// side by side, so a port free for UDP may be taken for TCP).
func FreeSIPPort(t testing.TB, ip string) int {
	t.Helper()
	for range 100 {
		p := FreeUDPPort(t, ip)
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatalf("voicepeer: no port free for both UDP and TCP on %s", ip)
	return 0
}

// FreeTCPPort is FreeUDPPort for TCP.
func FreeTCPPort(t testing.TB, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("voicepeer: free TCP port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeRTPPort returns an even UDP port p on ip such that p..p+3 were free
// a moment ago: sipp binds -mp (audio) and -mp+2 (video), and RTCP
// conventionally takes the odd port above.
func FreeRTPPort(t testing.TB, ip string) int {
	t.Helper()
	for range 200 {
		p := FreeUDPPort(t, ip) &^ 1
		if p < 1024 || p > 65530 {
			continue
		}
		var conns []net.PacketConn
		ok := true
		for i := range 4 {
			pc, err := net.ListenPacket("udp", net.JoinHostPort(ip, strconv.Itoa(p+i)))
			if err != nil {
				ok = false
				break
			}
			conns = append(conns, pc)
		}
		for _, c := range conns {
			c.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatalf("voicepeer: no free RTP port range on %s", ip)
	return 0
}
