package benchserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"time"
)

// Readyz returns a check that the server at base (http://host:port)
// answers 200 on /readyz, for Ready.Check.
func Readyz(base string) func() bool {
	client := &http.Client{Timeout: time.Second}
	return func() bool {
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// FreeTCPAddr is a loopback host:port free for TCP now. Another process may
// take it before the server binds it; on one test machine that is rare
// enough.
func FreeTCPAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// FreeUDPTCPAddr is a loopback port free for both UDP and TCP (SIP listens
// on both).
func FreeUDPTCPAddr() (string, error) {
	for range 20 {
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return "", err
		}
		addr := u.LocalAddr().String()
		t, err := net.Listen("tcp", addr)
		u.Close()
		if err == nil {
			t.Close()
			return addr, nil
		}
	}
	return "", errors.New("no port free for both UDP and TCP")
}

// RandomHex is n random bytes in hex: names (instance aliases, schemas,
// tokens, SIP tags) that do not collide between runs against one server or
// database.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
