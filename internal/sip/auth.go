package sip

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// nonceStore remembers the nonces we issued, each valid for ttl.
type nonceStore struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]time.Time // nonce → expiry
}

func newNonceStore(ttl time.Duration) *nonceStore {
	return &nonceStore{ttl: ttl, m: make(map[string]time.Time)}
}

// issue returns a fresh nonce and drops expired ones.
func (n *nonceStore) issue() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, exp := range n.m {
		if now.After(exp) {
			delete(n.m, k)
		}
	}
	n.m[nonce] = now.Add(n.ttl)
	return nonce
}

// valid reports whether nonce was issued by us and has not expired.
func (n *nonceStore) valid(nonce string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	exp, ok := n.m[nonce]
	return ok && time.Now().Before(exp)
}

// checkDigest verifies the Authorization of an INVITE or REGISTER against creds (RFC 3261
// §22.4, RFC 2617 without qop, MD5). It answers the request itself when it returns false: 401
// with a challenge per realm when there are no credentials or the nonce is unknown or stale,
// 403 when they are wrong. On success it returns the credentials that matched.
func (s *Server) checkDigest(req *sip.Request, tx sip.ServerTransaction, creds []Credentials, log *slog.Logger) (Credentials, bool) {
	h := req.GetHeader("Authorization")
	if h == nil {
		s.challenge(req, tx, creds, false)
		return Credentials{}, false
	}
	got, err := digest.ParseCredentials(h.Value())
	if err != nil {
		log.Info("sip: bad Authorization header", "error", err)
		s.respond(tx, req, 403, "Forbidden")
		return Credentials{}, false
	}
	if !s.nonces.valid(got.Nonce) {
		s.challenge(req, tx, creds, true)
		return Credentials{}, false
	}
	for _, c := range creds {
		if c.Username != got.Username || c.Realm != got.Realm {
			continue
		}
		chal := &digest.Challenge{Realm: c.Realm, Nonce: got.Nonce, Opaque: got.Opaque, Algorithm: "MD5"}
		want, err := digest.Digest(chal, digest.Options{
			Method:   req.Method.String(),
			URI:      got.URI,
			Username: c.Username,
			Password: c.Password,
		})
		if err == nil && subtle.ConstantTimeCompare([]byte(want.Response), []byte(got.Response)) == 1 {
			return c, true
		}
	}
	log.Info("sip: digest authentication failed", "username", got.Username, "realm", got.Realm)
	s.respond(tx, req, 403, "Forbidden")
	return Credentials{}, false
}

// challenge answers 401 with one WWW-Authenticate per realm (RFC 3261 §22.2).
func (s *Server) challenge(req *sip.Request, tx sip.ServerTransaction, creds []Credentials, stale bool) {
	nonce := s.nonces.issue()
	var hdrs []sip.Header
	seen := map[string]bool{}
	for _, c := range creds {
		if seen[c.Realm] {
			continue
		}
		seen[c.Realm] = true
		chal := digest.Challenge{Realm: c.Realm, Nonce: nonce, Algorithm: "MD5", Stale: stale}
		hdrs = append(hdrs, sip.NewHeader("WWW-Authenticate", chal.String()))
	}
	s.respond(tx, req, 401, "Unauthorized", hdrs...)
}
