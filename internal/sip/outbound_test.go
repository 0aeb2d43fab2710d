package sip

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sippUAS starts sipp as the callee with scenario and returns its port and a wait function
// that returns sipp's error (nil when the scenario passed).
func sippUAS(t *testing.T, scenario string) (int, func() error) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed")
	}
	dir := t.TempDir()
	sf, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	msgs := filepath.Join(dir, "messages.log")
	cmd := exec.Command("sipp", "-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mp", strconv.Itoa(freePort(t)), "-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin",
		"-trace_msg", "-message_file", msgs, "-trace_err", "-error_file", filepath.Join(dir, "errors.log"))
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return port, func() error {
		select {
		case <-done:
			if err := waitErr; err != nil {
				trace, _ := os.ReadFile(msgs)
				errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
				t.Logf("sipp %s failed: %v\n--- errors ---\n%s\n--- messages ---\n%s\n--- output ---\n%s",
					scenario, err, errs, trace, tail(out.String(), 1500))
				return fmt.Errorf("sipp %s: %w", scenario, err)
			}
			return nil
		case <-time.After(25 * time.Second):
			return fmt.Errorf("sipp %s did not finish", scenario)
		}
	}
}

func dialReq(port int) DialRequest {
	return DialRequest{
		URI:      fmt.Sprintf("sip:+15550100@127.0.0.1:%d", port),
		From:     "+15551230000",
		FromName: "Switchboard",
		Offer:    []byte(answerSDP),
		Timeout:  10 * time.Second,
		Headers:  map[string]string{"X-Contact-Id": "c-1"},
	}
}

func TestDialAnsweredThenHangup(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	port, wait := sippUAS(t, "uas_answer.xml")
	ctx := context.Background()
	c, err := s.Dial(ctx, dialReq(port))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(c.Answer()), "m=audio") {
		t.Errorf("Answer = %q", c.Answer())
	}
	if s.ActiveCalls() != 1 {
		t.Errorf("ActiveCalls = %d", s.ActiveCalls())
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, c.End(), EndCause{By: "us", Reason: "bye"})
}

func TestDialCalleeHangsUp(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	port, wait := sippUAS(t, "uas_bye.xml")
	c, err := s.Dial(context.Background(), dialReq(port))
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Context().Done():
	case <-time.After(5 * time.Second):
		t.Fatal("callee BYE did not end the call")
	}
	wantEnd(t, c.End(), EndCause{By: "callee", Reason: "bye"})
}

func TestDialBusy(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	port, wait := sippUAS(t, "uas_busy.xml")
	_, err := s.Dial(context.Background(), dialReq(port))
	if !errors.Is(err, ErrBusy) {
		t.Errorf("Dial = %v, want ErrBusy", err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

func TestDialNoAnswerCancels(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	port, wait := sippUAS(t, "uas_noanswer.xml")
	d := dialReq(port)
	d.Timeout = time.Second
	start := time.Now()
	_, err := s.Dial(context.Background(), d)
	if !errors.Is(err, ErrNoAnswer) {
		t.Errorf("Dial = %v, want ErrNoAnswer", err)
	}
	if e := time.Since(start); e > 5*time.Second {
		t.Errorf("Dial took %v with a 1 s timeout", e)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

func TestDialDigest(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	port, wait := sippUAS(t, "uas_auth.xml")
	d := dialReq(port)
	d.Credentials = &Credentials{Username: "trunk1", Password: "s3cret"}
	c, err := s.Dial(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

func TestDialSilentPeerGivesUpAtTimeout(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	d := dialReq(freePort(t)) // nothing listens there: no provisional, so no CANCEL either
	d.Timeout = time.Second
	start := time.Now()
	_, err := s.Dial(context.Background(), d)
	if !errors.Is(err, ErrNoAnswer) {
		t.Errorf("Dial = %v, want ErrNoAnswer", err)
	}
	if e := time.Since(start); e > 3*time.Second {
		t.Errorf("Dial took %v with a 1 s timeout", e)
	}
}
