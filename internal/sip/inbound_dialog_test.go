package sip

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReInviteUnansweredGets500AndSecondPendingGets500(t *testing.T) {
	h := newTestHandler() // answers and never reads ReInvites
	s := startServer(t, Config{ReInviteTimeout: time.Second}, h)
	if err := sipp(t, s, "reinvite_pending.xml"); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, waitEnd(t, h.nextCall(t)), EndCause{By: "caller", Reason: "bye"})
}

func TestParseInfoBodies(t *testing.T) {
	for _, tc := range []struct {
		body  string
		relay bool
		want  rune
		ok    bool
	}{
		{"Signal=5\r\nDuration=160\r\n", true, '5', true},
		{"signal= #\r\n", true, '#', true},
		{"Signal=10\r\n", true, '*', true},
		{"Signal=11", true, '#', true},
		{"Duration=160\r\n", true, 0, false},
		{"Signal=99", true, 0, false},
		{"7\r\n", false, '7', true},
		{"d", false, 'D', true},
		{"", false, 0, false},
		{"xyz", false, 0, false},
	} {
		var got rune
		var ok bool
		if tc.relay {
			got, ok = parseDTMFRelay(tc.body)
		} else {
			got, ok = parseDigit(strings.TrimSpace(tc.body))
		}
		if got != tc.want || ok != tc.ok {
			t.Errorf("parse(%q, relay=%v) = %q, %v; want %q, %v", tc.body, tc.relay, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseDTMFRelay(f *testing.F) {
	f.Add("Signal=5\r\nDuration=160")
	f.Add("Signal=\r\n=")
	f.Fuzz(func(t *testing.T, body string) {
		if d, ok := parseDTMFRelay(body); ok && !strings.ContainsRune("0123456789*#ABCD", d) {
			t.Errorf("digit %q from %q", d, body)
		}
	})
}

// selfSigned returns a TLS config with a fresh self-signed certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLSListenerAnswersOptions(t *testing.T) {
	s := startServer(t, Config{TLSAddr: "127.0.0.1:0", TLSConfig: selfSigned(t)}, newTestHandler())
	ap := s.TLSAddr()
	if !ap.IsValid() {
		t.Fatal("no TLS address")
	}
	conn, err := tls.Dial("tcp", ap.String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.TCPAddr).Port
	msg := strings.ReplaceAll(`OPTIONS sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:`+strconv.Itoa(port)+`;branch=z9hG4bK-tls-1
From: <sip:probe@127.0.0.1>;tag=tls1
To: <sip:127.0.0.1>
Call-ID: tls-1@127.0.0.1
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

`, "\n", "\r\n")
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if line, _, _ := strings.Cut(string(buf[:n]), "\r\n"); line != "SIP/2.0 200 OK" {
		t.Errorf("response = %q", line)
	}
}
