package sip

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const answerSDP = "v=0\r\n" +
	"o=- 1 1 IN IP4 127.0.0.1\r\n" +
	"s=switchboard\r\n" +
	"c=IN IP4 127.0.0.1\r\n" +
	"t=0 0\r\n" +
	"m=audio 40000 RTP/AVP 0 101\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=sendrecv\r\n"

// testHandler admits with admit (default: admitted on trunk "t1") and runs handle (default:
// answer and wait for the end). Every call is published on calls when HandleCall starts.
type testHandler struct {
	admit  func(Request) Admission
	handle func(ctx context.Context, c *InboundCall)
	calls  chan *InboundCall
	admits chan Request
}

func newTestHandler() *testHandler {
	return &testHandler{calls: make(chan *InboundCall, 16), admits: make(chan Request, 16)}
}

func (h *testHandler) Admit(_ context.Context, r Request) Admission {
	select {
	case h.admits <- r:
	default:
	}
	if h.admit != nil {
		return h.admit(r)
	}
	return Admission{Trunk: "t1"}
}

func (h *testHandler) HandleCall(ctx context.Context, c *InboundCall) {
	h.calls <- c
	if h.handle != nil {
		h.handle(ctx, c)
		return
	}
	if err := c.Answer(ctx, []byte(answerSDP)); err != nil {
		return
	}
	<-ctx.Done()
}

// nextCall waits for the next call the handler got.
func (h *testHandler) nextCall(t *testing.T) *InboundCall {
	t.Helper()
	select {
	case c := <-h.calls:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no call reached the handler")
		return nil
	}
}

// waitEnd waits for c to end and returns its cause.
func waitEnd(t *testing.T, c *InboundCall) EndCause {
	t.Helper()
	select {
	case <-c.Context().Done():
		return c.End()
	case <-time.After(15 * time.Second):
		t.Fatal("call did not end")
		return EndCause{}
	}
}

func startServer(t *testing.T, cfg Config, h Handler) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return s
}

// freePort returns a port that is free for UDP and TCP on 127.0.0.1 right now.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		_ = u.Close()
		if err == nil {
			_ = l.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// sipp runs one call of scenario against s and returns sipp's error (nil when the scenario
// passed). The message trace is logged on failure.
func sipp(t *testing.T, s *Server, scenario string, extra ...string) error {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed")
	}
	dir := t.TempDir()
	sf, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	msgs := filepath.Join(dir, "messages.log")
	args := []string{
		s.Addr().String(),
		"-sf", sf,
		"-s", "+15550100",
		"-i", "127.0.0.1",
		"-p", strconv.Itoa(freePort(t)),
		"-mp", strconv.Itoa(freePort(t)),
		"-timeout", "20s", "-timeout_error",
		"-nostdin",
		"-trace_msg", "-message_file", msgs,
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
	}
	if !slices.Contains(extra, "-m") {
		args = append(args, "-m", "1")
	}
	args = append(args, extra...)
	cmd := exec.Command("sipp", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		trace, _ := os.ReadFile(msgs)
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		t.Logf("sipp %s failed: %v\n--- errors ---\n%s\n--- messages ---\n%s\n--- output (tail) ---\n%s",
			scenario, err, errs, trace, tail(string(out), 1500))
		return fmt.Errorf("sipp %s: %w", scenario, err)
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func wantEnd(t *testing.T, got, want EndCause) {
	t.Helper()
	if got != want {
		t.Errorf("End() = %+v, want %+v", got, want)
	}
}

func TestCallerByeEndsAnsweredCall(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "basic.xml"); err != nil {
		t.Fatal(err)
	}
	c := h.nextCall(t)
	wantEnd(t, waitEnd(t, c), EndCause{By: "caller", Reason: "bye"})
	r := c.Request()
	if r.RequestUser != "+15550100" || r.FromUser != "+15551230000" || r.FromName != "Alice" || r.Transport != "udp" {
		t.Errorf("Request = %+v", r)
	}
	if c.Trunk() != "t1" || !strings.Contains(string(c.Offer()), "m=audio") {
		t.Errorf("Trunk = %q, Offer = %q", c.Trunk(), c.Offer())
	}
	waitFor(t, func() bool { return s.ActiveCalls() == 0 })
}

func TestHangupSendsBye(t *testing.T) {
	h := newTestHandler()
	h.handle = func(ctx context.Context, c *InboundCall) {
		if err := c.Ringing(); err != nil {
			t.Errorf("Ringing: %v", err)
		}
		if err := c.Answer(ctx, []byte(answerSDP)); err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		if err := c.Hangup(ctx); err != nil {
			t.Errorf("Hangup: %v", err)
		}
		if err := c.Hangup(ctx); err != nil {
			t.Errorf("second Hangup: %v", err)
		}
	}
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "server_bye.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "us", Reason: "bye"})
}

func TestAdmissionRejects(t *testing.T) {
	for _, code := range []int{403, 404} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			h := newTestHandler()
			h.admit = func(Request) Admission { return Admission{Status: code} }
			s := startServer(t, Config{}, h)
			if err := sipp(t, s, fmt.Sprintf("reject_%d.xml", code)); err != nil {
				t.Fatal(err)
			}
			select {
			case <-h.calls:
				t.Error("a rejected INVITE reached HandleCall")
			default:
			}
		})
	}
}

func TestDigestAuthentication(t *testing.T) {
	creds := []Credentials{{Realm: "switchboard", Username: "trunk1", Password: "s3cret"}}
	h := newTestHandler()
	h.admit = func(Request) Admission { return Admission{Trunk: "digest", Digest: creds} }
	s := startServer(t, Config{}, h)

	t.Run("right password", func(t *testing.T) {
		if err := sipp(t, s, "digest.xml", "-au", "trunk1", "-ap", "s3cret"); err != nil {
			t.Fatal(err)
		}
		c := h.nextCall(t)
		if c.Trunk() != "digest" {
			t.Errorf("Trunk = %q", c.Trunk())
		}
		wantEnd(t, waitEnd(t, c), EndCause{By: "caller", Reason: "bye"})
	})
	t.Run("wrong password", func(t *testing.T) {
		if err := sipp(t, s, "digest_wrong.xml", "-au", "trunk1", "-ap", "guess"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-h.calls:
			t.Error("a call with a wrong password reached HandleCall")
		default:
		}
	})
}

func TestCancelBeforeAnswer(t *testing.T) {
	h := newTestHandler()
	h.handle = func(ctx context.Context, c *InboundCall) {
		if err := c.Ringing(); err != nil {
			t.Errorf("Ringing: %v", err)
		}
		<-ctx.Done()
		if err := c.Answer(context.Background(), []byte(answerSDP)); err != ErrHungUp {
			t.Errorf("Answer after CANCEL = %v, want ErrHungUp", err)
		}
	}
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "cancel.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "caller", Reason: "cancel", Status: 487})
}

func TestReInviteHoldAccepted(t *testing.T) {
	h := newTestHandler()
	got := make(chan string, 1)
	h.handle = func(ctx context.Context, c *InboundCall) {
		if err := c.Answer(ctx, []byte(answerSDP)); err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		select {
		case ri := <-c.ReInvites():
			got <- string(ri.Offer)
			if err := ri.Accept([]byte(strings.Replace(answerSDP, "a=sendrecv", "a=recvonly", 1))); err != nil {
				t.Errorf("Accept: %v", err)
			}
			if err := ri.Reject(488); err != ErrClosed {
				t.Errorf("Reject after Accept = %v, want ErrClosed", err)
			}
		case <-ctx.Done():
			return
		}
		<-ctx.Done()
	}
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "reinvite.xml"); err != nil {
		t.Fatal(err)
	}
	c := h.nextCall(t)
	if offer := <-got; !strings.Contains(offer, "a=sendonly") {
		t.Errorf("re-INVITE offer = %q", offer)
	}
	// The call survived the re-INVITE: it ended with the caller's BYE, not earlier.
	wantEnd(t, waitEnd(t, c), EndCause{By: "caller", Reason: "bye"})
}

func TestInfoDTMF(t *testing.T) {
	h := newTestHandler()
	digits := make(chan string, 1)
	h.handle = func(ctx context.Context, c *InboundCall) {
		if err := c.Answer(ctx, []byte(answerSDP)); err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		var got []rune
		for {
			select {
			case d := <-c.DTMF():
				got = append(got, d)
			case <-ctx.Done():
				digits <- string(got)
				return
			}
		}
	}
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "info.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "caller", Reason: "bye"})
	if got := <-digits; got != "5#" {
		t.Errorf("DTMF = %q, want \"5#\"", got)
	}
}

func TestNoAckSendsBye(t *testing.T) {
	h := newTestHandler()
	answered := make(chan error, 1)
	h.handle = func(ctx context.Context, c *InboundCall) {
		answered <- c.Answer(ctx, []byte(answerSDP))
	}
	s := startServer(t, Config{AckTimeout: 2 * time.Second}, h)
	start := time.Now()
	if err := sipp(t, s, "no_ack.xml"); err != nil {
		t.Fatal(err)
	}
	if err := <-answered; err != ErrNoAck {
		t.Errorf("Answer = %v, want ErrNoAck", err)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("BYE after %v, before AckTimeout", d)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "timeout", Reason: "no-ack"})
}

func TestOptionsAnswered(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	if err := sipp(t, s, "options.xml"); err != nil {
		t.Fatal(err)
	}
}

func TestTCPCall(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "basic.xml", "-t", "t1"); err != nil {
		t.Fatal(err)
	}
	c := h.nextCall(t)
	if c.Request().Transport != "tcp" {
		t.Errorf("Transport = %q", c.Request().Transport)
	}
	wantEnd(t, waitEnd(t, c), EndCause{By: "caller", Reason: "bye"})

	h.handle = func(ctx context.Context, c *InboundCall) {
		if err := c.Answer(ctx, []byte(answerSDP)); err == nil {
			_ = c.Hangup(ctx)
		}
	}
	if err := sipp(t, s, "server_bye.xml", "-t", "t1"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "us", Reason: "bye"})
}

func TestSessionTimerExpires(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, Config{MinSessionExpires: time.Second}, h)
	if err := sipp(t, s, "session_timer.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "us", Reason: "session-timer"})
}

func TestSessionTimerRefreshedByUpdate(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, Config{MinSessionExpires: time.Second}, h)
	// Session-Expires 3 s would end the call at 2 s; UPDATEs at 1.5 s and 3 s keep it up to
	// the caller's BYE at 4 s.
	if err := sipp(t, s, "session_refresh.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "caller", Reason: "bye"})
}

func TestSessionIntervalTooSmall(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, Config{}, h) // Min-SE 90 s, the INVITE asks for 30 s
	if err := sipp(t, s, "session_small.xml"); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSippRate runs 300 calls at 100 calls/s (each held 300 ms) and wants every one to pass.
func TestSippRate(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	h := newTestHandler()
	h.calls = make(chan *InboundCall, 1000)
	s := startServer(t, Config{}, h)
	start := time.Now()
	if err := sipp(t, s, "basic.xml", "-m", "300", "-r", "100", "-l", "100"); err != nil {
		t.Fatal(err)
	}
	t.Logf("300 calls in %v", time.Since(start))
	waitFor(t, func() bool { return s.ActiveCalls() == 0 })
	if n := len(h.calls); n != 300 {
		t.Errorf("%d calls reached the handler, want 300", n)
	}
}
