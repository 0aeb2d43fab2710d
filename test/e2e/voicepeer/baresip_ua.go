package voicepeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BaresipUAOptions configures a baresip that registers to a registrar with
// digest authentication and answers the calls it gets: an agent's desk
// phone.
type BaresipUAOptions struct {
	// Registrar is the registrar's host:port (Switchboard's SIP address).
	Registrar string
	// User and Password are the account's user part (the address of
	// record) and its digest password.
	User, Password string
	// Domain is the host of the address of record, when it is not the
	// registrar (e.g. an instance alias): the REGISTER then goes to
	// Registrar as the outbound proxy.
	Domain string
	// RegInt is the registration interval (default 60 s).
	RegInt time.Duration
	// Duration is baresip's -t: it quits after that long (default 60 s).
	Duration time.Duration
	// ToneHz is the frequency of the sine it sends (default 880).
	ToneHz int
	// LocalIP, SIPPort and RTPPorts are as in BaresipOptions.
	LocalIP  string
	SIPPort  int
	RTPPorts string
}

// BaresipUA is a running registered baresip.
type BaresipUA struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	dir    string
	done   chan struct{}
	cancel context.CancelFunc
	err    error
}

// syncBuffer is an output buffer read while the process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartBaresipUA starts baresip with one account that registers to
// o.Registrar as o.User with o.Password and auto-answers calls, sending a
// sine and dumping what it hears (sndfile module) to its directory. The
// log carries the SIP trace (-s). It fails the test if baresip cannot
// start; the process is stopped at the end of the test.
func StartBaresipUA(ctx context.Context, t testing.TB, o BaresipUAOptions) *BaresipUA {
	t.Helper()
	if o.RegInt <= 0 {
		o.RegInt = 60 * time.Second
	}
	if o.Duration <= 0 {
		o.Duration = 60 * time.Second
	}
	if o.ToneHz == 0 {
		o.ToneHz = 880
	}
	dir := t.TempDir()
	cfg := renderConfig(t, dir, &o.LocalIP, &o.SIPPort, &o.RTPPorts, o.ToneHz)
	domain := o.Domain
	if domain == "" {
		domain = o.Registrar
	}
	account := fmt.Sprintf("<sip:%s@%s>;auth_pass=%s;regint=%d;answermode=auto", o.User, domain, o.Password,
		int(o.RegInt/time.Second))
	if o.Domain != "" {
		account += fmt.Sprintf(";outbound=\"sip:%s\"", o.Registrar)
	}
	for name, body := range map[string]string{"config": cfg, "accounts": account + "\n", "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatalf("baresip %s: %v", name, err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, o.Duration+15*time.Second)
	secs := int((o.Duration + time.Second - 1) / time.Second)
	cmd := exec.CommandContext(cctx, BaresipBin, "-f", dir, "-s", "-t", strconv.Itoa(secs))
	cmd.Dir = dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start baresip: %v", err)
	}
	b := &BaresipUA{cmd: cmd, out: out, dir: dir, done: make(chan struct{}), cancel: cancel}
	go func() {
		b.err = cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() { b.Stop() })
	return b
}

// Log returns baresip's output so far.
func (b *BaresipUA) Log() string { return b.out.String() }

// WaitLog waits until the log contains substr, or timeout passes or
// baresip exits; it reports whether it appeared.
func (b *BaresipUA) WaitLog(substr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(b.Log(), substr) {
			return true
		}
		select {
		case <-b.done:
			return strings.Contains(b.Log(), substr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// WaitRegistered waits for the 200 OK to baresip's REGISTER (baresip logs
// "USER@HOST: {0/UDP/v4} 200 OK (...) [N binding]").
func (b *BaresipUA) WaitRegistered(timeout time.Duration) bool {
	return b.WaitLog(" 200 OK (", timeout) && b.WaitLog("binding]", timeout)
}

// Stop asks baresip to quit (SIGINT: it unregisters and exits), kills it
// if it has not after a few seconds, and returns what it produced. Safe to
// call more than once.
func (b *BaresipUA) Stop() BaresipResult {
	select {
	case <-b.done:
	default:
		_ = b.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-b.done:
		case <-time.After(5 * time.Second):
			b.cancel()
			<-b.done
		}
	}
	b.cancel()
	res := BaresipResult{Dir: b.dir, Log: b.Log(), ExitCode: -1,
		HeardWAV: newest(filepath.Join(b.dir, "dump-*-dec.wav")), SentWAV: newest(filepath.Join(b.dir, "dump-*-enc.wav"))}
	var ee *exec.ExitError
	switch {
	case b.err == nil:
		res.ExitCode = 0
	case errors.As(b.err, &ee):
		res.ExitCode = ee.ExitCode()
	default:
		res.Err = b.err
	}
	return res
}
