//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// TestVoiceCallOverTLS has baresip call the queue number over SIP/TLS
// (--sip-tls, with a self-signed certificate for 127.0.0.1 that baresip
// is given as its CA), hear the music on hold and hang up. Baresip 1.0.0
// does not verify the server's certificate (it takes the call with any
// CA), so a Go TLS client checks first that the listener presents the
// configured certificate and that it verifies for 127.0.0.1.
func TestVoiceCallOverTLS(t *testing.T) {
	if _, err := exec.LookPath("baresip"); err != nil {
		t.Fatal("baresip is not installed (.ci/run installs it: apt-get install baresip)")
	}
	dir := t.TempDir()
	certFile, keyFile := writeSelfSignedCert(t, dir, net.IPv4(127, 0, 0, 1))
	tlsAddr := "127.0.0.1:" + strconv.Itoa(voicepeer.FreeTCPPort(t, "127.0.0.1"))
	rtpLo := freeRTPRange(t, 20)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-tls", Args: []string{"--answer-delay", "600ms",
		"--rtp-ports", strconv.Itoa(rtpLo) + "-" + strconv.Itoa(rtpLo+19),
		"--sip-tls", tlsAddr, "--sip-cert", certFile, "--sip-key", keyFile}})
	c := newClient(t, s, s.AdminToken())
	vc := setupVoiceCenter(t, c, s)
	checkTLSListener(t, tlsAddr, certFile)

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	const caller = "15550220"
	r := voicepeer.RunBaresipTLS(ctx, t, voicepeer.BaresipOptions{Dial: "sip:" + queueNumber + "@" + tlsAddr + ";transport=tls",
		Duration: 7 * time.Second, From: caller}, certFile)
	if !r.Established() || r.HeardWAV == "" {
		t.Fatalf("baresip did not get through over TLS:\n%s", r.Report())
	}
	// The whole dialog went over TLS, on the TLS listener: baresip's SIP
	// trace shows the INVITE, the 200 and the BYE on a TLS connection to
	// tlsAddr, and the server admitted the call as a TLS one.
	for _, want := range []string{"-> " + tlsAddr + "\nINVITE sip:", tlsAddr + " -> ", "SIP/2.0 200 OK",
		"-> " + tlsAddr + "\nBYE sip:", "Via: SIP/2.0/TLS "} {
		if !strings.Contains(r.Log, want) {
			t.Errorf("baresip's SIP trace has no %q:\n%s", want, r.Report())
		}
	}
	if strings.Contains(r.Log, "\nUDP ") || strings.Contains(r.Log, "\nTCP ") {
		t.Errorf("baresip sent or got SIP over UDP or TCP:\n%s", r.Report())
	}
	if !serverLogHas(s.Log(), "sip: call admitted", `"transport":"tls"`, `"from":"`+caller+`"`) {
		t.Errorf("the server did not log the call as admitted over TLS:\n%s", s.Log())
	}
	pcm, rate, ch, err := voicepeer.ReadWAV(r.HeardWAV)
	if err != nil {
		t.Fatal(err)
	}
	pcm = voicepeer.Channel(pcm, ch, 0)
	// "Please hold." then the queue's music: every second from the 4th on
	// carries sound.
	for sec := 4; (sec+1)*rate <= len(pcm); sec++ {
		if rms := voicepeer.RMS(pcm[sec*rate : (sec+1)*rate]); rms < 300 {
			t.Errorf("second %d of what the caller heard is silent (RMS %.0f): no music on hold", sec, rms)
		}
	}
	if len(pcm) < 5*rate {
		t.Errorf("the caller heard only %.1f s", float64(len(pcm))/float64(rate))
	}
	rec := callRecord(ctx, t, c, vc.Inst.ID, caller)
	if rec.DisconnectReason != contact.CustomerDisconnect || rec.Queue == nil || rec.Queue.ID != vc.Queue.ID {
		t.Errorf("record: reason %s, queue %+v; want the caller to hang up in the queue", rec.DisconnectReason, rec.Queue)
	}
	if rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByCustomer {
		t.Errorf("voice details %+v: want the call ended by the customer", rec.Voice)
	}
}

// checkTLSListener makes a TLS handshake with addr that trusts only
// certFile and checks the server presents that certificate.
func checkTLSListener(t *testing.T, addr, certFile string) {
	t.Helper()
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s: no certificate", certFile)
	}
	block, _ := pem.Decode(pemBytes)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS handshake with the SIP/TLS listener %s: %v", addr, err)
	}
	defer conn.Close()
	st := conn.ConnectionState()
	if len(st.PeerCertificates) == 0 || !bytes.Equal(st.PeerCertificates[0].Raw, block.Bytes) {
		t.Fatalf("the SIP/TLS listener did not present %s", certFile)
	}
}

// serverLogHas reports whether one line of log contains all of parts.
func serverLogHas(log string, parts ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// writeSelfSignedCert writes cert.pem and key.pem to dir: a self-signed
// ECDSA certificate for ip (IP SAN), usable as its own CA.
func writeSelfSignedCert(t *testing.T, dir string, ip net.IP) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: ip.String(), Organization: []string{"Switchboard e2e"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{ip},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
