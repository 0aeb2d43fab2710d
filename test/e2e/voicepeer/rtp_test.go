package voicepeer

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// miniUAS is a tiny UDP UAS written for this test only: it answers one
// INVITE with 200 (SDP pointing at its own RTP socket, echoing the offered
// telephone-event payload type), records every RTP packet it receives
// with its source, and once it has seen an RFC 4733 end packet it sends
// BYE, as the server's flow does after the DTMF branch. It checks what
// sipp really puts on the wire, which a sipp UAS cannot.
type miniUAS struct {
	sip, rtp *net.UDPConn
	pts      map[uint8]int
	events   []byte
	srcs     map[string]bool
	bye      string
}

func headerValue(msg, name string) string {
	for _, line := range strings.Split(msg, "\r\n") {
		if n, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(n), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (u *miniUAS) run(t *testing.T, done chan<- error) {
	buf := make([]byte, 65535)
	_ = u.sip.SetReadDeadline(time.Now().Add(15 * time.Second))
	n, peer, err := u.sip.ReadFromUDP(buf)
	if err != nil {
		done <- err
		return
	}
	inv := string(buf[:n])
	if !strings.HasPrefix(inv, "INVITE ") {
		done <- fmt.Errorf("first message is not an INVITE: %q", inv)
		return
	}
	te := "101"
	for _, line := range strings.Split(inv, "\r\n") {
		if v, ok := strings.CutPrefix(line, "a=rtpmap:"); ok && strings.Contains(v, "telephone-event") {
			te = strings.Fields(v)[0]
		}
	}
	rtpPort := u.rtp.LocalAddr().(*net.UDPAddr).Port
	sdp := fmt.Sprintf("v=0\r\no=mini 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0 %s\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:%s telephone-event/8000\r\n", rtpPort, te, te)
	to := headerValue(inv, "To") + ";tag=mini1"
	ok := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContact: <sip:mini@%s>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		headerValue(inv, "Via"), headerValue(inv, "From"), to, headerValue(inv, "Call-ID"), headerValue(inv, "CSeq"), u.sip.LocalAddr(), len(sdp), sdp)
	if _, err := u.sip.WriteToUDP([]byte(ok), peer); err != nil {
		done <- err
		return
	}
	// Receive RTP until an end-of-event packet (byte 13 bit 0x80) has come
	// and 200 ms passed (the end packet is sent three times).
	var endAt time.Time
	for endAt.IsZero() || time.Since(endAt) < 200*time.Millisecond {
		deadline := time.Now().Add(5 * time.Second)
		if !endAt.IsZero() {
			deadline = endAt.Add(200 * time.Millisecond)
		}
		_ = u.rtp.SetReadDeadline(deadline)
		n, src, err := u.rtp.ReadFromUDP(buf)
		if err != nil {
			if !endAt.IsZero() {
				break
			}
			done <- fmt.Errorf("RTP: %v", err)
			return
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue
		}
		pt := buf[1] & 0x7f
		u.pts[pt]++
		u.srcs[src.String()] = true
		if fmt.Sprint(pt) == te && n >= 16 {
			u.events = append(u.events, buf[12])
			if buf[13]&0x80 != 0 && endAt.IsZero() {
				endAt = time.Now()
			}
		}
	}
	u.bye = fmt.Sprintf("BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-mini-bye\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		strings.Trim(headerValue(inv, "Contact"), "<>"), u.sip.LocalAddr(), to, headerValue(inv, "From"), headerValue(inv, "Call-ID"))
	if _, err := u.sip.WriteToUDP([]byte(u.bye), peer); err != nil {
		done <- err
		return
	}
	// Wait for the 200 to the BYE (skipping the ACK of the INVITE).
	for {
		_ = u.sip.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := u.sip.ReadFromUDP(buf)
		if err != nil {
			done <- fmt.Errorf("no 200 to the BYE: %v", err)
			return
		}
		if m := string(buf[:n]); strings.HasPrefix(m, "SIP/2.0 200") && strings.Contains(m, "BYE") {
			done <- nil
			return
		}
	}
}

// TestDTMFOnTheWire runs dtmf_branch.xml and dtmf_pt96.xml against
// miniUAS and checks the RTP they send: RFC 4733 event 1 with the
// negotiated payload type, from the SDP address (-mi:-mp), and no other
// payload type.
func TestDTMFOnTheWire(t *testing.T) {
	need(t, SippBin)
	for _, tc := range []struct {
		scenario string
		pt       uint8
	}{{"dtmf_branch.xml", 101}, {"dtmf_pt96.xml", 96}, {"uac_prompt_bench.xml", 101}} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			sipc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer sipc.Close()
			rtpc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer rtpc.Close()
			u := &miniUAS{sip: sipc, rtp: rtpc, pts: map[uint8]int{}, srcs: map[string]bool{}}
			done := make(chan error, 1)
			go u.run(t, done)
			media := FreeRTPPort(t, "127.0.0.1")
			r := RunSipp(context.Background(), t, SippOptions{
				Scenario: tc.scenario, Target: sipc.LocalAddr().String(), Service: "+15550100",
				MediaPort: media, Timeout: 15 * time.Second,
			})
			if err := <-done; err != nil {
				t.Fatalf("mini UAS: %v\n%s", err, r.Report())
			}
			RequireOK(t, r)
			if len(u.pts) != 1 || u.pts[tc.pt] != 10 {
				t.Errorf("RTP payload types %v, want 10 packets of PT %d only", u.pts, tc.pt)
			}
			for _, ev := range u.events {
				if ev != 1 {
					t.Errorf("event %d, want 1", ev)
				}
			}
			want := fmt.Sprintf("127.0.0.1:%d", media)
			if len(u.srcs) != 1 || !u.srcs[want] {
				t.Errorf("RTP sources %v, want only %s (the SDP address)", u.srcs, want)
			}
		})
	}
}
