package sip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Registrar is an optional interface of the Handler. A Handler that implements it makes the
// Server a registrar (RFC 3261 §10.3) for agent devices such as desk phones; without it
// REGISTER is answered 405.
type Registrar interface {
	// DeviceCredentials returns the digest credentials the device registering r must prove.
	// The address of record is r.ToUser (the user part of the To URI; r.ToHost is its
	// domain). It returns false for an unknown AOR, which is challenged in DefaultRealm and then
	// refused with 403 whatever the credentials, so that extensions cannot be listed (as
	// Asterisk's alwaysauthreject; RFC 3261 §10.3 step 3 would allow a 404).
	DeviceCredentials(ctx context.Context, r Request) (Credentials, bool)
}

// Binding is one registered contact of an address of record.
type Binding struct {
	// Contact is the Contact URI the device registered, e.g.
	// "sip:1001@192.168.1.20:5060;transport=udp".
	Contact string
	// Source is where the REGISTER came from. Behind NAT it differs from Contact's host:
	// Target picks the one to send requests to.
	Source netip.AddrPort
	// Transport is the REGISTER's transport: "udp", "tcp" or "tls".
	Transport string
	// Expires is when the binding lapses unless refreshed.
	Expires time.Time
	// CallID and CSeq are those of the REGISTER that last refreshed the binding (RFC 3261
	// §10.3 step 7 orders the updates with them).
	CallID string
	CSeq   uint32
	// UserAgent is the REGISTER's User-Agent header, if any.
	UserAgent string
}

// Target returns the URI to send requests to the device: Contact, except that when its host
// is a private or link-local IP other than Source's (a device behind NAT), host and port are
// replaced by Source, where the NAT binding answers.
func (b Binding) Target() string {
	var u sip.Uri
	if err := sip.ParseUri(b.Contact, &u); err != nil || !b.Source.IsValid() {
		return b.Contact
	}
	ip, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	if err != nil || ip.Unmap() == b.Source.Addr() {
		return b.Contact
	}
	if !ip.IsPrivate() && !ip.IsLinkLocalUnicast() {
		return b.Contact
	}
	src := b.Source.Addr()
	if src.Is6() {
		u.Host = "[" + src.String() + "]"
	} else {
		u.Host = src.String()
	}
	u.Port = int(b.Source.Port())
	return u.String()
}

// Bindings stores the registrations of every AOR. An implementation must be safe for
// concurrent use; MemoryBindings keeps them in memory, and store.SIPBindings in the database
// (so they survive a restart and are shared by the processes on it). siptest.TestBindings
// checks an implementation against this contract.
type Bindings interface {
	// Get returns the unexpired bindings of aor (none is not an error).
	Get(ctx context.Context, aor string) ([]Binding, error)
	// Update changes the bindings of aor atomically: f gets the unexpired bindings and returns
	// the new set (empty removes the AOR). Update returns what f returned, or f's error with
	// nothing changed. f may be called more than once (optimistic concurrency), so it must
	// have no side effects.
	Update(ctx context.Context, aor string, f func(current []Binding) ([]Binding, error)) ([]Binding, error)
}

// MemoryBindings is an in-memory Bindings. Expired bindings are dropped as they are read and
// by a sweep of every AOR at most once a minute during updates.
type MemoryBindings struct {
	now   func() time.Time
	mu    sync.Mutex
	m     map[string][]Binding
	swept time.Time
}

// NewMemoryBindings returns an empty store reading time from now (time.Now if nil).
func NewMemoryBindings(now func() time.Time) *MemoryBindings {
	if now == nil {
		now = time.Now
	}
	return &MemoryBindings{now: now, m: make(map[string][]Binding)}
}

// live returns the bindings of aor that have not expired at now. The caller holds mu.
func (m *MemoryBindings) live(aor string, now time.Time) []Binding {
	var out []Binding
	for _, b := range m.m[aor] {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		delete(m.m, aor)
	} else if len(out) != len(m.m[aor]) {
		m.m[aor] = out
	}
	return out
}

// Get implements Bindings.
func (m *MemoryBindings) Get(_ context.Context, aor string) ([]Binding, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Binding(nil), m.live(aor, m.now())...), nil
}

// Update implements Bindings.
func (m *MemoryBindings) Update(_ context.Context, aor string, f func([]Binding) ([]Binding, error)) ([]Binding, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.swept) >= time.Minute {
		m.swept = now
		for k := range m.m {
			m.live(k, now)
		}
	}
	cur := append([]Binding(nil), m.live(aor, now)...)
	next, err := f(cur)
	if err != nil {
		return nil, err
	}
	if len(next) == 0 {
		delete(m.m, aor)
		return nil, nil
	}
	m.m[aor] = append([]Binding(nil), next...)
	return append([]Binding(nil), next...), nil
}

// Len returns the number of AORs with bindings (expired ones not yet swept included).
func (m *MemoryBindings) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

// RegistrarConfig tunes REGISTER handling. The zero value of each field picks its default.
type RegistrarConfig struct {
	// DefaultExpires applies when neither the Contact's expires parameter nor an Expires
	// header says how long. Default 3600 s.
	DefaultExpires time.Duration
	// MinExpires is the shortest registration accepted: a shorter non-zero one is answered
	// 423 Interval Too Brief with Min-Expires (RFC 3261 §10.3 step 7). Default 60 s.
	MinExpires time.Duration
	// MaxExpires caps longer registrations. Default 7200 s.
	MaxExpires time.Duration
	// MaxContacts bounds the bindings of one AOR; a REGISTER that would exceed it gets 403.
	// Default 10.
	MaxContacts int
	// Bindings stores the registrations. Default: NewMemoryBindings(nil).
	Bindings Bindings
}

func (c *RegistrarConfig) setDefaults() {
	if c.DefaultExpires <= 0 {
		c.DefaultExpires = 3600 * time.Second
	}
	if c.MinExpires <= 0 {
		c.MinExpires = 60 * time.Second
	}
	if c.MaxExpires <= 0 {
		c.MaxExpires = 7200 * time.Second
	}
	c.MaxExpires = max(c.MaxExpires, c.MinExpires)
	c.DefaultExpires = min(max(c.DefaultExpires, c.MinExpires), c.MaxExpires)
	if c.MaxContacts <= 0 {
		c.MaxContacts = 10
	}
	if c.Bindings == nil {
		c.Bindings = NewMemoryBindings(nil)
	}
}

// Lookup returns the current bindings of the address of record aor (the user part the device
// registered in To, or the Registrar's Credentials.AOR), to dial a registered device (see
// Binding.Target and DialRequest.Device). It returns false when
// there is none, or when the store fails (logged).
func (s *Server) Lookup(aor string) ([]Binding, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bs, err := s.cfg.Registrar.Bindings.Get(ctx, aor)
	if err != nil {
		s.log.Warn("sip: bindings lookup failed", "aor", aor, "error", err)
		return nil, false
	}
	return bs, len(bs) > 0
}

// contactUpdate is one Contact of a REGISTER: its URI and the expiry asked for (0 removes).
type contactUpdate struct {
	uri     sip.Uri
	expires time.Duration
}

// registerUpdate is what a REGISTER asks of the bindings of its AOR.
type registerUpdate struct {
	wildcard  bool // Contact: * (with Expires: 0): remove them all
	contacts  []contactUpdate
	callID    string
	cseq      uint32
	source    netip.AddrPort
	transport string
	userAgent string
}

// regError is a REGISTER refused with a status.
type regError struct {
	code   int
	reason string
	hdrs   []sip.Header
}

func (e *regError) Error() string { return fmt.Sprintf("%d %s", e.code, e.reason) }

var (
	errOutOfOrder  = &regError{code: 500, reason: "Out Of Order REGISTER"}
	errTooMany     = &regError{code: 403, reason: "Too Many Contacts"}
	errBadWildcard = &regError{code: 400, reason: "Invalid Contact *"}
)

// parseRegister reads the Contacts and expiries of req (RFC 3261 §10.3 steps 6 and 7).
func parseRegister(req *sip.Request, cfg RegistrarConfig) (registerUpdate, error) {
	u := registerUpdate{transport: strings.ToLower(req.Transport())}
	if h := req.CallID(); h != nil {
		u.callID = h.Value()
	}
	if h := req.CSeq(); h != nil {
		u.cseq = h.SeqNo
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		u.source = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if h := req.GetHeader("User-Agent"); h != nil {
		u.userAgent = h.Value()
	}
	headerExpires := time.Duration(-1)
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
		if err != nil {
			return u, &regError{code: 400, reason: "Invalid Expires"}
		}
		headerExpires = time.Duration(n) * time.Second
	}
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return u, &regError{code: 400, reason: "Invalid Contact"}
		}
		if c.Address.Wildcard {
			u.wildcard = true
			continue
		}
		exp := headerExpires
		if v, ok := c.Params.Get("expires"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return u, &regError{code: 400, reason: "Invalid Contact expires"}
			}
			exp = time.Duration(n) * time.Second
		}
		if exp < 0 {
			exp = cfg.DefaultExpires
		}
		u.contacts = append(u.contacts, contactUpdate{uri: c.Address, expires: exp})
	}
	if u.wildcard {
		// RFC 3261 §10.2.2: "*" only alone and with Expires: 0.
		if len(u.contacts) > 0 || headerExpires != 0 {
			return u, errBadWildcard
		}
		return u, nil
	}
	for i, c := range u.contacts {
		if c.expires == 0 {
			continue
		}
		if c.expires < cfg.MinExpires {
			return u, &regError{code: 423, reason: "Interval Too Brief",
				hdrs: []sip.Header{sip.NewHeader("Min-Expires", strconv.Itoa(int(cfg.MinExpires/time.Second)))}}
		}
		u.contacts[i].expires = min(c.expires, cfg.MaxExpires)
	}
	return u, nil
}

// contactKey identifies a Contact URI for matching bindings: scheme, user, host (case
// insensitive), port and transport, a simplification of RFC 3261 §19.1.4.
func contactKey(uri sip.Uri) string {
	tp := ""
	if uri.UriParams != nil {
		tp, _ = uri.UriParams.Get("transport")
	}
	scheme := uri.Scheme
	if scheme == "" {
		scheme = "sip"
	}
	return strings.ToLower(scheme) + ":" + uri.User + "@" + strings.ToLower(uri.Host) + ":" +
		strconv.Itoa(uri.Port) + ";" + strings.ToLower(tp)
}

func contactKeyOf(contact string) string {
	var u sip.Uri
	if err := sip.ParseUri(contact, &u); err != nil {
		return contact
	}
	return contactKey(u)
}

// applyRegister computes the bindings of an AOR after u, at now (RFC 3261 §10.3 steps 7 and
// 8). current holds the unexpired bindings. A refresh with the same Call-ID must have a
// higher CSeq, or the whole update fails with errOutOfOrder.
func applyRegister(now time.Time, current []Binding, u registerUpdate, maxContacts int) ([]Binding, error) {
	inOrder := func(b Binding) bool { return b.CallID != u.callID || u.cseq > b.CSeq }
	if u.wildcard {
		for _, b := range current {
			if !inOrder(b) {
				return nil, errOutOfOrder
			}
		}
		return nil, nil
	}
	next := append([]Binding(nil), current...)
	for _, c := range u.contacts {
		key := contactKey(c.uri)
		i := -1
		for j, b := range next {
			if contactKeyOf(b.Contact) == key {
				i = j
				break
			}
		}
		if i >= 0 && !inOrder(next[i]) {
			return nil, errOutOfOrder
		}
		if c.expires == 0 {
			if i >= 0 {
				next = append(next[:i], next[i+1:]...)
			}
			continue
		}
		uri := c.uri
		b := Binding{
			Contact:   uri.String(),
			Source:    u.source,
			Transport: u.transport,
			Expires:   now.Add(c.expires),
			CallID:    u.callID,
			CSeq:      u.cseq,
			UserAgent: u.userAgent,
		}
		if i >= 0 {
			next[i] = b
		} else {
			next = append(next, b)
		}
	}
	if len(next) > maxContacts {
		return nil, errTooMany
	}
	return next, nil
}

// onRegister is the registrar (RFC 3261 §10.3): digest authentication of the device, then
// the bindings of the AOR in To are queried, added, refreshed or removed, and the 200 lists
// them with their remaining expiry.
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	reg, ok := s.h.(Registrar)
	if !ok {
		s.respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", allowed))
		return
	}
	info := requestInfo(req)
	log := s.log.With("call_id", info.CallID, "source", info.Source.String(), "transport", info.Transport,
		"aor", info.ToUser)
	if info.ToUser == "" {
		s.respond(tx, req, 404, "Not Found")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	creds, known := reg.DeviceCredentials(ctx, info)
	cancel()
	if !known {
		// Challenged like a known one, and refused whatever the answer:
		// a 404 would let anyone list the extensions that exist.
		log.Info("sip: REGISTER for an unknown AOR")
		creds = Credentials{Realm: DefaultRealm, Username: info.ToUser, Password: unguessable()}
	}
	if _, ok := s.checkDigest(req, tx, []Credentials{creds}, log); !ok {
		return
	}
	if !known {
		s.respond(tx, req, 403, "Forbidden")
		return
	}
	aor := info.ToUser
	if creds.AOR != "" {
		aor = creds.AOR
		log = log.With("binding_key", aor)
	}
	cfg := s.cfg.Registrar
	var bindings []Binding
	u, err := parseRegister(req, cfg)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if !u.wildcard && len(u.contacts) == 0 {
			bindings, err = cfg.Bindings.Get(ctx, aor) // a query (§10.2.3)
		} else {
			now := time.Now()
			bindings, err = cfg.Bindings.Update(ctx, aor, func(cur []Binding) ([]Binding, error) {
				return applyRegister(now, cur, u, cfg.MaxContacts)
			})
		}
		cancel()
	}
	if err != nil {
		var re *regError
		if !errors.As(err, &re) {
			log.Warn("sip: bindings update failed", "error", err)
			re = &regError{code: 500, reason: "Server Internal Error"}
		}
		log.Info("sip: REGISTER refused", "status", re.code, "reason", re.reason)
		s.respond(tx, req, re.code, re.reason, re.hdrs...)
		return
	}
	s.respond(tx, req, 200, "OK", registerOK(time.Now(), bindings)...)
	log.Info("sip: REGISTER", "bindings", len(bindings), "wildcard", u.wildcard, "contacts", len(u.contacts))
	if log.Enabled(context.Background(), slog.LevelDebug) {
		for _, b := range bindings {
			log.Debug("sip: binding", "contact", b.Contact, "expires", b.Expires.Format(time.RFC3339))
		}
	}
}

// registerOK returns the headers of a 200 to REGISTER: one Contact per binding with its
// remaining expiry, and Date (RFC 3261 §10.3 step 8).
func registerOK(now time.Time, bindings []Binding) []sip.Header {
	bs := append([]Binding(nil), bindings...)
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Expires.Before(bs[j].Expires) })
	hdrs := make([]sip.Header, 0, len(bs)+1)
	for _, b := range bs {
		var uri sip.Uri
		if err := sip.ParseUri(b.Contact, &uri); err != nil {
			continue
		}
		left := max(int((b.Expires.Sub(now)+time.Second/2)/time.Second), 1)
		h := &sip.ContactHeader{Address: uri, Params: sip.NewParams()}
		h.Params.Add("expires", strconv.Itoa(left))
		hdrs = append(hdrs, h)
	}
	hdrs = append(hdrs, sip.NewHeader("Date", now.UTC().Format(http.TimeFormat)))
	return hdrs
}

// DefaultRealm is the digest realm of challenges to unknown AORs; a
// Registrar should use it for its devices too, so the two look alike.
const DefaultRealm = "switchboard"

// unguessable is a password nobody can answer a challenge with.
func unguessable() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
