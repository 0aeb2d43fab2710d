package voicepeer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// SendUDP sends payload as one datagram to addr (host:port) from an
// ephemeral port and does not wait for a reply.
func SendUDP(addr string, payload []byte) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write(payload)
	return err
}

// SendTCP opens a TCP connection to addr, writes payload, and closes the
// connection after a short linger (100 ms) so the server reads it. A
// "SIP/2.0/UDP" Via in payload is sent as "SIP/2.0/TCP".
func SendTCP(addr string, payload []byte) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(viaTCP(payload)); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond)
	return nil
}

// ErrNoReply is returned by ExchangeUDP and ExchangeTCP when nothing came
// back before the timeout (which is itself the expected outcome for some
// malformed input: the server drops it).
var ErrNoReply = errors.New("voicepeer: no reply before the timeout")

// ExchangeUDP sends payload to addr from an ephemeral UDP port and returns
// the first datagram that comes back within timeout. The canned requests
// below put ";rport" in their Via, so a server replies to the source port.
func ExchangeUDP(addr string, payload []byte, timeout time.Duration) (string, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write(payload); err != nil {
		return "", err
	}
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "", ErrNoReply
		}
		return "", err
	}
	return string(buf[:n]), nil
}

// ExchangeTCP sends payload on a new TCP connection and returns what the
// server wrote back within timeout (everything read until the timeout or
// the server closes, at least one SIP message if any came).
func ExchangeTCP(addr string, payload []byte, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write(payload); err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	var sb strings.Builder
	buf := make([]byte, 65535)
	for {
		if err := c.SetReadDeadline(deadline); err != nil {
			return sb.String(), err
		}
		n, err := c.Read(buf)
		sb.Write(buf[:n])
		if s := sb.String(); strings.Contains(s, "\r\n\r\n") && completeSIP(s) {
			return s, nil
		}
		if err != nil {
			if sb.Len() > 0 {
				return sb.String(), nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "", ErrNoReply
			}
			return "", err
		}
	}
}

// completeSIP reports whether s holds a whole message: headers and a body
// of Content-Length bytes.
func completeSIP(s string) bool {
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		return false
	}
	for _, line := range strings.Split(head, "\r\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "content-length" || name == "l" {
			var n int
			if _, err := fmt.Sscanf(strings.TrimSpace(val), "%d", &n); err == nil {
				return len(body) >= n
			}
		}
	}
	return true
}

// StatusCode returns the status code of a SIP response ("SIP/2.0 400 Bad
// Request" gives 400), or 0.
func StatusCode(reply string) int {
	var code int
	if _, err := fmt.Sscanf(reply, "SIP/2.0 %d", &code); err != nil {
		return 0
	}
	return code
}

func viaTCP(p []byte) []byte {
	return []byte(strings.Replace(string(p), "Via: SIP/2.0/UDP ", "Via: SIP/2.0/TCP ", 1))
}

func token() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sipMessage joins header lines with CRLF, adds the blank line and body.
func sipMessage(lines []string, body string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}

// offerSDP is a minimal PCMU/PCMA/telephone-event offer.
func offerSDP(ip string, port int) string {
	return strings.Join([]string{
		"v=0",
		fmt.Sprintf("o=voicepeer 1 1 IN IP4 %s", ip),
		"s=-",
		fmt.Sprintf("c=IN IP4 %s", ip),
		"t=0 0",
		fmt.Sprintf("m=audio %d RTP/AVP 0 8 101", port),
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=sendrecv",
	}, "\r\n") + "\r\n"
}

// Garbage is a datagram that is not SIP at all (binary and text noise).
func Garbage() []byte {
	return append([]byte{0x00, 0xff, 0x80, 0x7f, 0x13, 0x37}, []byte("\r\nnot sip at all \x00\x01\x02 INVITE?\r\n\r\n")...)
}

// headers returns the usual header lines for a request of method to
// number@target, with a fresh Call-ID and branch. Via is "127.0.0.1:5060"
// with rport, so a server answers to the real source port.
func headers(method, target, number string, cseq int) []string {
	return []string{
		fmt.Sprintf("%s sip:%s@%s SIP/2.0", method, number, target),
		fmt.Sprintf("Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bK-vp-%s", token()),
		fmt.Sprintf("From: <sip:+15550123@127.0.0.1>;tag=vp-%s", token()),
		fmt.Sprintf("To: <sip:%s@%s>", number, target),
		fmt.Sprintf("Call-ID: vp-%s@127.0.0.1", token()),
		fmt.Sprintf("CSeq: %d %s", cseq, method),
		"Max-Forwards: 70",
	}
}

func without(lines []string, prefix string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// BadContentLength is an OPTIONS to target whose Content-Length (500) is
// larger than its body (a few bytes): over UDP a server must drop it.
func BadContentLength(target string) []byte {
	lines := append(headers("OPTIONS", target, "probe", 1),
		"Contact: <sip:probe@127.0.0.1:5060>",
		"Content-Type: text/plain",
		"Content-Length: 500")
	return sipMessage(lines, "short body\r\n")
}

// MissingVia is an OPTIONS to target without a Via header (a server
// answers 400, statelessly, or drops it: there is no Via to answer to).
func MissingVia(target string) []byte {
	lines := without(headers("OPTIONS", target, "probe", 1), "Via:")
	lines = append(lines, "Contact: <sip:probe@127.0.0.1:5060>", "Content-Length: 0")
	return sipMessage(lines, "")
}

// MissingCSeq is an OPTIONS to target without a CSeq header (answered 400).
func MissingCSeq(target string) []byte {
	lines := without(headers("OPTIONS", target, "probe", 1), "CSeq:")
	lines = append(lines, "Contact: <sip:probe@127.0.0.1:5060>", "Content-Length: 0")
	return sipMessage(lines, "")
}

// InviteWithoutContact is a complete INVITE to number@target, with an SDP
// offer (PCMU/PCMA/101), that lacks the Contact header RFC 3261 requires:
// the server should answer 400. If it answered 2xx instead, the dialog is
// left dangling (nobody ACKs): a test should fail on that.
func InviteWithoutContact(target, number string) []byte {
	body := offerSDP("127.0.0.1", 40000)
	lines := append(headers("INVITE", target, number, 1),
		"Content-Type: application/sdp",
		fmt.Sprintf("Content-Length: %d", len(body)))
	return sipMessage(lines, body)
}

// Options is a valid OPTIONS ping to target (answered 200 by a server that
// registers an OPTIONS handler, 405 otherwise).
func Options(target string) []byte {
	lines := append(headers("OPTIONS", target, "ping", 1),
		"Contact: <sip:probe@127.0.0.1:5060>",
		"Accept: application/sdp",
		"Content-Length: 0")
	return sipMessage(lines, "")
}
