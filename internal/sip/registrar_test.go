package sip

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// regHandler is a testHandler that is also a Registrar for the AORs in creds.
type regHandler struct {
	*testHandler
	creds map[string]Credentials
	mu    sync.Mutex
	asked []Request
}

func (h *regHandler) DeviceCredentials(_ context.Context, r Request) (Credentials, bool) {
	h.mu.Lock()
	h.asked = append(h.asked, r)
	h.mu.Unlock()
	c, ok := h.creds[r.ToUser]
	return c, ok
}

func newRegHandler() *regHandler {
	return &regHandler{testHandler: newTestHandler(), creds: map[string]Credentials{
		"1001": {Realm: "switchboard", Username: "agent1001", Password: "desk-s3cret"},
	}}
}

// register runs scenario for AOR 1001 with the given contact, expiry and password.
func register(t *testing.T, s *Server, scenario, contact, expires, password string, extra ...string) error {
	t.Helper()
	args := append([]string{"-au", "agent1001", "-ap", password,
		"-key", "aor", "1001", "-key", "dev_contact", contact, "-key", "dev_expires", expires}, extra...)
	return sipp(t, s, scenario, args...)
}

func mustLookup(t *testing.T, s *Server, aor string, n int) []Binding {
	t.Helper()
	bs, ok := s.Lookup(aor)
	if len(bs) != n || ok != (n > 0) {
		t.Fatalf("Lookup(%q) = %+v, %v; want %d bindings", aor, bs, ok, n)
	}
	return bs
}

func wantExpiry(t *testing.T, b Binding, d time.Duration) {
	t.Helper()
	if left := time.Until(b.Expires); left > d || left < d-10*time.Second {
		t.Errorf("binding %s expires in %v, want about %v", b.Contact, left, d)
	}
}

func TestRegisterDigestBindAndUnbind(t *testing.T) {
	h := newRegHandler()
	s := startServer(t, Config{}, h)
	const phone = "sip:1001@192.168.1.20:5062"
	const phone2 = "sip:1001@192.168.1.21:5062;transport=udp"

	if err := register(t, s, "register.xml", phone, "300", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	b := mustLookup(t, s, "1001", 1)[0]
	if b.Contact != phone || b.Transport != "udp" || b.UserAgent != "sipp-desk-phone" || b.CSeq != 2 || b.CallID == "" {
		t.Errorf("binding = %+v", b)
	}
	if b.Source.Addr() != netip.MustParseAddr("127.0.0.1") || b.Source.Port() == 0 {
		t.Errorf("Source = %v, want sipp's 127.0.0.1 socket", b.Source)
	}
	// The Contact is private and not where the REGISTER came from: dial the source.
	if got, want := b.Target(), "sip:1001@"+b.Source.String(); got != want {
		t.Errorf("Target() = %q, want %q", got, want)
	}
	wantExpiry(t, b, 300*time.Second)
	h.mu.Lock()
	if len(h.asked) == 0 || h.asked[0].ToUser != "1001" || h.asked[0].ToHost != "127.0.0.1" {
		t.Errorf("DeviceCredentials asked %+v", h.asked)
	}
	h.mu.Unlock()

	// A second device for the same AOR; 9000 s is clamped to 7200 s.
	if err := register(t, s, "register.xml", phone2, "9000", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	bs := mustLookup(t, s, "1001", 2)
	if bs[0].Contact != phone || bs[1].Contact != phone2 {
		t.Fatalf("bindings = %+v", bs)
	}
	wantExpiry(t, bs[1], 7200*time.Second)

	// Refreshing the first one (another Call-ID) keeps two bindings.
	if err := register(t, s, "register.xml", phone, "600", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	bs = mustLookup(t, s, "1001", 2)
	wantExpiry(t, bs[0], 600*time.Second)

	// Expires 0 removes that one binding only.
	if err := register(t, s, "register.xml", phone, "0", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	if b := mustLookup(t, s, "1001", 1)[0]; b.Contact != phone2 {
		t.Errorf("left %+v, want %s", b, phone2)
	}

	// Contact: * with Expires: 0 removes the rest.
	if err := register(t, s, "unregister_all.xml", "", "0", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, s, "1001", 0)
}

func TestRegisterWrongPassword(t *testing.T) {
	h := newRegHandler()
	s := startServer(t, Config{}, h)
	if err := register(t, s, "register_wrong.xml", "sip:1001@192.168.1.20:5062", "300", "guess"); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, s, "1001", 0)
}

func TestRegisterIntervalTooBrief(t *testing.T) {
	h := newRegHandler()
	s := startServer(t, Config{}, h)
	if err := register(t, s, "register_brief.xml", "sip:1001@10.0.0.7:5060", "", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	b := mustLookup(t, s, "1001", 1)[0]
	if b.Contact != "sip:1001@10.0.0.7:5060" || b.CSeq != 3 {
		t.Errorf("binding = %+v", b)
	}
	wantExpiry(t, b, 60*time.Second)
}

func TestRegisterOverTCP(t *testing.T) {
	h := newRegHandler()
	s := startServer(t, Config{}, h)
	if err := register(t, s, "register.xml", "sip:1001@127.0.0.1:5070;transport=tcp", "120", "desk-s3cret", "-t", "t1"); err != nil {
		t.Fatal(err)
	}
	b := mustLookup(t, s, "1001", 1)[0]
	if b.Transport != "tcp" {
		t.Errorf("Transport = %q, want tcp", b.Transport)
	}
	// Not private: the Contact itself is the target.
	if b.Target() != b.Contact {
		t.Errorf("Target() = %q, want the Contact %q", b.Target(), b.Contact)
	}
}

func TestRegisterWithoutRegistrarIs405(t *testing.T) {
	s := startServer(t, Config{}, newTestHandler())
	if err := register(t, s, "register_405.xml", "sip:1001@192.168.1.20:5062", "300", "x"); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, s, "1001", 0)
}

// TestRegisterBindingExpires registers for 1 s (MinExpires lowered for the test) and waits
// for the binding to lapse on its own.
func TestRegisterBindingExpires(t *testing.T) {
	h := newRegHandler()
	s := startServer(t, Config{Registrar: RegistrarConfig{MinExpires: time.Second}}, h)
	if err := register(t, s, "register.xml", "sip:1001@192.168.1.20:5062", "1", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	b := mustLookup(t, s, "1001", 1)[0]
	if left := time.Until(b.Expires); left > time.Second {
		t.Errorf("expires in %v, want ≤ 1s", left)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := s.Lookup("1001"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("binding did not expire")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if time.Now().Before(b.Expires) {
		t.Error("binding gone before its expiry")
	}
}

// fakeClock is a settable clock for MemoryBindings.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestMemoryBindingsSweepsOnceAMinute checks what only MemoryBindings
// shows: expired AORs nobody reads are dropped by the minute sweep during
// updates. The Bindings contract itself (expiry, removal, failed and
// concurrent updates) is siptest.TestBindings, run on every implementation.
func TestMemoryBindingsSweepsOnceAMinute(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	m := NewMemoryBindings(clk.now)
	set := func(aor string, bs ...Binding) {
		t.Helper()
		if _, err := m.Update(ctx, aor, func([]Binding) ([]Binding, error) { return bs, nil }); err != nil {
			t.Fatal(err)
		}
	}
	t0 := clk.now()
	set("a", Binding{Contact: "sip:a@h", Expires: t0.Add(time.Hour)})
	set("b", Binding{Contact: "sip:b@h", Expires: t0.Add(5 * time.Second)})
	clk.advance(10 * time.Second)
	// "b" expired and nobody read it; the last sweep was at the first update.
	set("a", Binding{Contact: "sip:a@h", Expires: t0.Add(time.Hour)})
	if m.Len() != 2 {
		t.Fatalf("Len = %d before the sweep, want 2", m.Len())
	}
	clk.advance(time.Minute)
	set("c", Binding{Contact: "sip:c@h", Expires: clk.now().Add(time.Hour)})
	if m.Len() != 2 {
		t.Fatalf("Len = %d after the sweep, want 2 (a and c)", m.Len())
	}
}

func TestApplyRegister(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	uri := func(s string) sip.Uri {
		var u sip.Uri
		if err := sip.ParseUri(s, &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	upd := func(callID string, cseq uint32, cs ...contactUpdate) registerUpdate {
		return registerUpdate{contacts: cs, callID: callID, cseq: cseq, transport: "udp",
			source: netip.MustParseAddrPort("203.0.113.5:40000")}
	}
	c1 := contactUpdate{uri: uri("sip:1001@192.168.1.20:5062"), expires: time.Hour}

	bs, err := applyRegister(now, nil, upd("x", 1, c1), 10)
	if err != nil || len(bs) != 1 || !bs[0].Expires.Equal(now.Add(time.Hour)) || bs[0].Source.Port() != 40000 {
		t.Fatalf("add: %+v, %v", bs, err)
	}
	// Same Call-ID, same or lower CSeq: out of order, nothing changes.
	if _, err := applyRegister(now, bs, upd("x", 1, c1), 10); err != errOutOfOrder {
		t.Errorf("replayed CSeq: %v, want errOutOfOrder", err)
	}
	// Another Call-ID may carry any CSeq (a rebooted phone).
	if _, err := applyRegister(now, bs, upd("y", 1, c1), 10); err != nil {
		t.Errorf("new Call-ID: %v", err)
	}
	// Matching is case-insensitive on the host; a refresh replaces.
	c1b := contactUpdate{uri: uri("sip:1001@192.168.1.20:5062"), expires: 2 * time.Hour}
	bs2, err := applyRegister(now, bs, upd("x", 2, c1b), 10)
	if err != nil || len(bs2) != 1 || !bs2[0].Expires.Equal(now.Add(2*time.Hour)) || bs2[0].CSeq != 2 {
		t.Fatalf("refresh: %+v, %v", bs2, err)
	}
	// Another port is another binding.
	c2 := contactUpdate{uri: uri("sip:1001@192.168.1.20:5064"), expires: time.Hour}
	bs3, err := applyRegister(now, bs2, upd("z", 1, c2), 10)
	if err != nil || len(bs3) != 2 {
		t.Fatalf("second binding: %+v, %v", bs3, err)
	}
	// Too many.
	if _, err := applyRegister(now, bs3, upd("z", 2, c2, contactUpdate{uri: uri("sip:1001@10.1.1.1"), expires: time.Hour}), 2); err != errTooMany {
		t.Errorf("third binding with max 2: %v, want errTooMany", err)
	}
	// expires=0 removes one; removing an unknown one is fine.
	c1rm := contactUpdate{uri: c1.uri}
	bs4, err := applyRegister(now, bs3, upd("x", 3, c1rm, contactUpdate{uri: uri("sip:nobody@h")}), 10)
	if err != nil || len(bs4) != 1 || bs4[0].Contact != "sip:1001@192.168.1.20:5064" {
		t.Fatalf("remove: %+v, %v", bs4, err)
	}
	// Wildcard removes all, but not with an old CSeq of a stored Call-ID.
	wild := registerUpdate{wildcard: true, callID: "z", cseq: 1}
	if _, err := applyRegister(now, bs4, wild, 10); err != errOutOfOrder {
		t.Errorf("stale wildcard: %v, want errOutOfOrder", err)
	}
	wild.cseq = 2
	if bs5, err := applyRegister(now, bs4, wild, 10); err != nil || len(bs5) != 0 {
		t.Errorf("wildcard: %+v, %v", bs5, err)
	}
	// The input slice is not modified.
	if len(bs3) != 2 || bs3[0].Contact != "sip:1001@192.168.1.20:5062" {
		t.Errorf("applyRegister changed its input: %+v", bs3)
	}
}

func parseRegisterText(t *testing.T, hdrs ...string) *sip.Request {
	t.Helper()
	raw := "REGISTER sip:example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1\r\n" +
		"From: <sip:1001@example.com>;tag=1\r\n" +
		"To: <sip:1001@example.com>\r\n" +
		"Call-ID: c1\r\n" +
		"CSeq: 7 REGISTER\r\n" +
		"Max-Forwards: 70\r\n" +
		strings.Join(hdrs, "\r\n") + "\r\n" +
		"Content-Length: 0\r\n\r\n"
	msg, err := sip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return msg.(*sip.Request)
}

func TestParseRegister(t *testing.T) {
	cfg := RegistrarConfig{}
	cfg.setDefaults()
	type want struct {
		code     int
		wildcard bool
		expires  []time.Duration
	}
	for _, tc := range []struct {
		name string
		hdrs []string
		want want
	}{
		{"default", []string{"Contact: <sip:1001@10.0.0.2>"}, want{expires: []time.Duration{3600 * time.Second}}},
		{"header", []string{"Contact: <sip:1001@10.0.0.2>", "Expires: 120"}, want{expires: []time.Duration{120 * time.Second}}},
		{"param wins", []string{"Contact: <sip:1001@10.0.0.2>;expires=90", "Expires: 120"}, want{expires: []time.Duration{90 * time.Second}}},
		{"two in one header", []string{"Contact: <sip:1001@10.0.0.2>;expires=0, <sip:1001@10.0.0.3>", "Expires: 300"},
			want{expires: []time.Duration{0, 300 * time.Second}}},
		{"clamped", []string{"Contact: <sip:1001@10.0.0.2>", "Expires: 86400"}, want{expires: []time.Duration{7200 * time.Second}}},
		{"too brief", []string{"Contact: <sip:1001@10.0.0.2>", "Expires: 59"}, want{code: 423}},
		{"zero is not brief", []string{"Contact: <sip:1001@10.0.0.2>", "Expires: 0"}, want{expires: []time.Duration{0}}},
		{"bad expires", []string{"Contact: <sip:1001@10.0.0.2>", "Expires: soon"}, want{code: 400}},
		{"bad param", []string{"Contact: <sip:1001@10.0.0.2>;expires=-1"}, want{code: 400}},
		{"wildcard", []string{"Contact: *", "Expires: 0"}, want{wildcard: true}},
		{"wildcard needs expires 0", []string{"Contact: *", "Expires: 60"}, want{code: 400}},
		{"wildcard without expires", []string{"Contact: *"}, want{code: 400}},
		{"wildcard alone", []string{"Contact: *", "Contact: <sip:1001@10.0.0.2>", "Expires: 0"}, want{code: 400}},
		{"query", []string{"Expires: 60"}, want{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := parseRegister(parseRegisterText(t, tc.hdrs...), cfg)
			if tc.want.code != 0 {
				var re *regError
				if !errors.As(err, &re) || re.code != tc.want.code {
					t.Fatalf("err = %v, want %d", err, tc.want.code)
				}
				if re.code == 423 && (len(re.hdrs) != 1 || re.hdrs[0].Name() != "Min-Expires" || re.hdrs[0].Value() != "60") {
					t.Errorf("423 headers = %v", re.hdrs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.wildcard != tc.want.wildcard || len(u.contacts) != len(tc.want.expires) {
				t.Fatalf("update = %+v", u)
			}
			for i, c := range u.contacts {
				if c.expires != tc.want.expires[i] {
					t.Errorf("contact %d expires %v, want %v", i, c.expires, tc.want.expires[i])
				}
			}
			if u.callID != "c1" || u.cseq != 7 || u.transport != "udp" {
				t.Errorf("update = %+v", u)
			}
		})
	}
}

func TestRegisterOKHeaders(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	hdrs := registerOK(now, []Binding{
		{Contact: "sip:1001@10.0.0.3;transport=tcp", Expires: now.Add(7200 * time.Second)},
		{Contact: "sip:1001@10.0.0.2:5062", Expires: now.Add(299600 * time.Millisecond)},
	})
	var got []string
	for _, h := range hdrs {
		got = append(got, h.Name()+": "+h.Value())
	}
	want := []string{
		"Contact: <sip:1001@10.0.0.2:5062>;expires=300",
		"Contact: <sip:1001@10.0.0.3;transport=tcp>;expires=7200",
		"Date: Thu, 01 Jan 2026 09:00:00 GMT",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("headers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBindingTarget(t *testing.T) {
	src := netip.MustParseAddrPort("203.0.113.5:40000")
	for _, tc := range []struct{ contact, want string }{
		{"sip:1001@192.168.1.20:5062", "sip:1001@203.0.113.5:40000"},
		{"sip:1001@192.168.1.20:5062;transport=tcp", "sip:1001@203.0.113.5:40000;transport=tcp"},
		{"sip:1001@198.51.100.7:5060", "sip:1001@198.51.100.7:5060"}, // public: as registered
		{"sip:1001@phone.example.com", "sip:1001@phone.example.com"}, // a name: as registered
		{"sip:1001@203.0.113.5:5060", "sip:1001@203.0.113.5:5060"},   // the source itself
	} {
		if got := (Binding{Contact: tc.contact, Source: src}).Target(); got != tc.want {
			t.Errorf("Target(%s) = %s, want %s", tc.contact, got, tc.want)
		}
	}
	if got := (Binding{Contact: "sip:1001@10.0.0.2"}).Target(); got != "sip:1001@10.0.0.2" {
		t.Errorf("Target without source = %s", got)
	}
}

// An unknown AOR is challenged like a known one and then refused, so a
// scanner cannot tell which extensions exist.
func TestRegisterUnknownAORIsChallengedThenRefused(t *testing.T) {
	h := newRegHandler()
	s := startServer(t, Config{}, h)
	if err := sipp(t, s, "register_wrong.xml", "-au", "agent2002", "-ap", "any", "-key", "aor", "2002",
		"-key", "dev_contact", "sip:2002@192.168.1.20:5062", "-key", "dev_expires", "300"); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, s, "2002", 0)
}

func TestOptionsAllowsRegisterWithRegistrar(t *testing.T) {
	s := startServer(t, Config{}, newRegHandler())
	if err := sipp(t, s, "options_registrar.xml"); err != nil {
		t.Fatal(err)
	}
}
