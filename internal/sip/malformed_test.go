package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// rawUDP sends msg to s from a fresh UDP socket and returns the first response's status line,
// or "" if nothing came back within wait.
func rawUDP(t *testing.T, s *Server, msg string, wait time.Duration) string {
	t.Helper()
	conn, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg = strings.ReplaceAll(msg, "LPORT", fmt.Sprint(conn.LocalAddr().(*net.UDPAddr).Port))
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		n, err := conn.Read(buf)
		if err != nil {
			return ""
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		if strings.Contains(line, " 100 ") {
			continue
		}
		return line
	}
}

const rawInvite = `INVITE sip:+15550100@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-raw-%[1]s
From: <sip:+15551230000@127.0.0.1>;tag=raw%[1]s
To: <sip:+15550100@127.0.0.1>%[2]s
Call-ID: raw-%[1]s@127.0.0.1
CSeq: 1 %[3]s
Max-Forwards: 70
%[4]sContent-Length: 0

`

func TestMalformedInputThenCallSucceeds(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, Config{}, h)
	cases := []struct {
		name, msg, want string
	}{
		{"garbage", "\x00\x01hello world\r\n\r\n", ""},
		{"no Via", strings.Replace(fmt.Sprintf(rawInvite, "a", "", "INVITE", "Contact: <sip:x@127.0.0.1:LPORT>\n"), "Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-raw-a\n", "", 1), "SIP/2.0 400 Bad Request"},
		{"no CSeq", strings.Replace(fmt.Sprintf(rawInvite, "b", "", "INVITE", "Contact: <sip:x@127.0.0.1:LPORT>\n"), "CSeq: 1 INVITE\n", "", 1), "SIP/2.0 400 Bad Request"},
		{"Content-Length beyond body", strings.Replace(fmt.Sprintf(rawInvite, "c", "", "INVITE", "Contact: <sip:x@127.0.0.1:LPORT>\n"), "Content-Length: 0", "Content-Length: 500", 1) + "v=0\n", ""},
		{"INVITE without Contact", fmt.Sprintf(rawInvite, "d", "", "INVITE", ""), "SIP/2.0 400 Missing Contact header"},
		{"BYE outside dialog", strings.Replace(fmt.Sprintf(rawInvite, "e", ";tag=nope", "BYE", ""), "INVITE sip", "BYE sip", 1), "SIP/2.0 481 Call/Transaction Does Not Exist"},
		{"INFO outside dialog", strings.Replace(fmt.Sprintf(rawInvite, "f", ";tag=nope", "INFO", ""), "INVITE sip", "INFO sip", 1), "SIP/2.0 481 Call/Transaction Does Not Exist"},
		{"re-INVITE outside dialog", fmt.Sprintf(rawInvite, "g", ";tag=nope", "INVITE", "Contact: <sip:x@127.0.0.1:LPORT>\n"), "SIP/2.0 481 Call/Transaction Does Not Exist"},
		{"CANCEL matching nothing", strings.Replace(fmt.Sprintf(rawInvite, "h", "", "CANCEL", ""), "INVITE sip", "CANCEL sip", 1), "SIP/2.0 481 Call/Transaction Does Not Exist"},
		{"OPTIONS", strings.Replace(fmt.Sprintf(rawInvite, "i", "", "OPTIONS", ""), "INVITE sip", "OPTIONS sip", 1), "SIP/2.0 200 OK"},
		{"REGISTER", strings.Replace(fmt.Sprintf(rawInvite, "j", "", "REGISTER", ""), "INVITE sip", "REGISTER sip", 1), "SIP/2.0 405 Method Not Allowed"},
		{"bad Session-Expires", fmt.Sprintf(rawInvite, "k", "", "INVITE", "Contact: <sip:x@127.0.0.1:LPORT>\nSession-Expires: soon\n"), "SIP/2.0 400 Bad Session-Expires"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wait := 2 * time.Second
			if tc.want == "" {
				wait = 300 * time.Millisecond
			}
			if got := rawUDP(t, s, tc.msg, wait); got != tc.want {
				t.Errorf("response = %q, want %q", got, tc.want)
			}
		})
	}
	// "bad Session-Expires" was admitted before the header check; nothing else reached the handler.
	if n := len(h.calls); n != 0 {
		t.Errorf("%d malformed requests reached HandleCall", n)
	}
	if err := sipp(t, s, "basic.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "caller", Reason: "bye"})
}

func TestHandlerRejectAndReturn(t *testing.T) {
	h := newTestHandler()
	h.handle = func(ctx context.Context, c *InboundCall) {
		if err := c.Reject(404, "No Such Number"); err != nil {
			t.Errorf("Reject: %v", err)
		}
		if err := c.Answer(ctx, []byte(answerSDP)); err != ErrClosed {
			t.Errorf("Answer after Reject = %v, want ErrClosed", err)
		}
	}
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "reject_404.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "us", Reason: "rejected", Status: 404})

	// A handler that returns without answering: the server answers 480.
	h.handle = func(context.Context, *InboundCall) {}
	if err := sipp(t, s, "reject_480.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "us", Reason: "rejected", Status: 480})
}

func TestShutdownHangsUpLiveCalls(t *testing.T) {
	h := newTestHandler()
	cfg := Config{Addr: "127.0.0.1:0"}
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
	sippDone := make(chan error, 1)
	go func() { sippDone <- sipp(t, s, "server_bye.xml") }()
	c := h.nextCall(t)
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.state == stateConfirmed
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if err := <-sippDone; err != nil {
		t.Fatal(err)
	}
	wantEnd(t, c.End(), EndCause{By: "us", Reason: "shutdown"})
	if s.ActiveCalls() != 0 {
		t.Errorf("ActiveCalls = %d after Run", s.ActiveCalls())
	}
	if err := s.Close(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if err := s.Run(context.Background()); err != ErrClosed {
		t.Errorf("Run after stop = %v, want ErrClosed", err)
	}
}
