package core

import (
	"net/netip"
	"slices"
	"testing"
)

func TestTrunkNormalizeFillsDefaultsAndCanonicalisesSources(t *testing.T) {
	tr := Trunk{Name: " carrier ", AllowedSources: []string{" 192.0.2.7 ", "2001:db8::1", "10.1.2.3/8", "::ffff:198.51.100.9", "192.0.2.7/32"},
		Transport: " TCP ", CallerIDPolicy: "Number", DefaultCallerID: "+1 555-0100", Codecs: []string{" pcma", "PCMU"}}
	tr.Normalize()
	if err := tr.Validate(); err != nil {
		t.Fatal(err)
	}
	if tr.Name != "carrier" || tr.Realm != DefaultTrunkRealm || tr.Transport != TransportTCP || tr.CallerIDPolicy != CallerIDNumber ||
		tr.DefaultCallerID != "+15550100" || !slices.Equal(tr.Codecs, []string{CodecPCMA, CodecPCMU}) {
		t.Fatalf("normalised to %+v", tr)
	}
	want := []string{"192.0.2.7/32", "2001:db8::1/128", "10.0.0.0/8", "198.51.100.9/32"}
	if !slices.Equal(tr.AllowedSources, want) {
		t.Fatalf("sources %q, want %q", tr.AllowedSources, want)
	}
	var d Trunk
	d.Name, d.AllowedSources = "d", []string{"127.0.0.1"}
	d.Normalize()
	if d.Transport != TransportUDP || d.CallerIDPolicy != CallerIDPassthrough || !slices.Equal(d.Codecs, []string{CodecPCMU, CodecPCMA}) {
		t.Fatalf("defaults %+v", d)
	}
}

func TestTrunkValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   Trunk
		want string // a field at fault, "" for valid
	}{
		{"sources only", Trunk{Name: "t", AllowedSources: []string{"192.0.2.0/24", "::1"}}, ""},
		{"credentials only", Trunk{Name: "t", Username: "pbx", Password: "pw"}, ""},
		{"both", Trunk{Name: "t", AllowedSources: []string{"192.0.2.1"}, Username: "pbx", Password: "pw"}, ""},
		{"admits nobody", Trunk{Name: "t"}, "allowedSources"},
		{"a name is required", Trunk{AllowedSources: []string{"::1"}}, "name"},
		{"a source must parse", Trunk{Name: "t", AllowedSources: []string{"192.0.2.0/24", "example.com"}}, "allowedSources[1]"},
		{"a prefix length must fit", Trunk{Name: "t", AllowedSources: []string{"192.0.2.0/33"}}, "allowedSources[0]"},
		{"no zone", Trunk{Name: "t", AllowedSources: []string{"fe80::1%eth0"}}, "allowedSources[0]"},
		{"a username needs a password on create", Trunk{Name: "t", Username: "pbx"}, "password"},
		{"a stored trunk's update may leave the password out", Trunk{Meta: Meta{ID: "x"}, Name: "t", Username: "pbx"}, ""},
		{"a password needs a username", Trunk{Name: "t", AllowedSources: []string{"::1"}, Password: "pw"}, "username"},
		{"a username cannot hold a quote", Trunk{Name: "t", Username: `p"bx`, Password: "pw"}, "username"},
		{"a realm cannot hold a quote", Trunk{Name: "t", Username: "pbx", Password: "pw", Realm: `a"b`}, "realm"},
		{"transport", Trunk{Name: "t", AllowedSources: []string{"::1"}, Transport: "sctp"}, "transport"},
		{"tls", Trunk{Name: "t", AllowedSources: []string{"::1"}, Transport: "tls"}, ""},
		{"policy", Trunk{Name: "t", AllowedSources: []string{"::1"}, CallerIDPolicy: "random"}, "callerIdPolicy"},
		{"anonymous", Trunk{Name: "t", AllowedSources: []string{"::1"}, CallerIDPolicy: "anonymous"}, ""},
		{"number needs a default caller ID", Trunk{Name: "t", AllowedSources: []string{"::1"}, CallerIDPolicy: "number"}, "defaultCallerId"},
		{"a default caller ID is E.164", Trunk{Name: "t", AllowedSources: []string{"::1"}, DefaultCallerID: "0155501"}, "defaultCallerId"},
		{"codecs are G.711 only", Trunk{Name: "t", AllowedSources: []string{"::1"}, Codecs: []string{"PCMU", "G729"}}, "codecs[1]"},
		{"no codec twice", Trunk{Name: "t", AllowedSources: []string{"::1"}, Codecs: []string{"PCMA", "pcma"}}, "codecs[1]"},
		{"proxy host", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sbc.example.com"}, ""},
		{"proxy host and port", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sbc.example.com:5080"}, ""},
		{"proxy URI", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sip:192.0.2.1:5060"}, ""},
		{"proxy v6", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sips:[2001:db8::1]:5061"}, ""},
		{"proxy port range", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sbc.example.com:70000"}, "outboundProxy"},
		{"proxy with user part", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sip:bob@sbc.example.com"}, "outboundProxy"},
		{"proxy with parameters", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sip:sbc.example.com;lr"}, "outboundProxy"},
		{"proxy host name", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "sbc_1.example.com"}, "outboundProxy"},
		{"proxy URL", Trunk{Name: "t", AllowedSources: []string{"::1"}, OutboundProxy: "http://sbc.example.com/"}, "outboundProxy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.tr.Normalize()
			got := fields(tc.tr.Validate())
			if tc.want == "" && got != nil || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("fields at fault %v, want %q", got, tc.want)
			}
		})
	}
}

func TestTrunkKeepsItsPasswordApart(t *testing.T) {
	tr := Trunk{Name: "t", Username: "pbx"}
	tr.SetSecretValue("pw")
	if tr.Password != "pw" || !tr.HasPassword || tr.SecretValue() != "pw" {
		t.Fatalf("after SetSecretValue: %+v", tr)
	}
	tr.Redact()
	if tr.Password != "" || !tr.HasPassword {
		t.Fatalf("after Redact: %+v", tr)
	}
	noUser := Trunk{Name: "t", AllowedSources: []string{"::1"}}
	noUser.SetSecretValue("pw")
	if noUser.Password != "" || noUser.HasPassword {
		t.Fatalf("a trunk without a username took a password: %+v", noUser)
	}
	// An update that adds a username needs a password unless one is stored.
	update := &Trunk{Meta: Meta{ID: "x"}, Name: "t", Username: "pbx"}
	if fs := fields(update.CheckReplace(&noUser)); !slices.Equal(fs, []string{"password"}) {
		t.Fatalf("CheckReplace without any password: %v", fs)
	}
	stored := &Trunk{Meta: Meta{ID: "x"}, Name: "t", Username: "old"}
	stored.SetSecretValue("pw")
	if err := update.CheckReplace(stored); err != nil {
		t.Fatalf("CheckReplace keeping the stored password: %v", err)
	}
}

func TestTrunkAdmitsSource(t *testing.T) {
	tr := Trunk{Name: "t", AllowedSources: []string{"127.0.0.1", "::1", "192.0.2.0/24", "2001:db8:1::/48"}}
	tr.Normalize()
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.2", false},
		{"::1", true},
		{"::2", false},
		{"192.0.2.200", true},
		{"192.0.3.1", false},
		{"::ffff:192.0.2.9", true}, // an IPv4 caller on a dual-stack socket
		{"::ffff:127.0.0.1", true},
		{"2001:db8:1:ffff::5", true},
		{"2001:db8:2::5", false},
		{"fe80::1%eth0", false},
	} {
		if got := tr.AdmitsSource(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("AdmitsSource(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if tr.AdmitsSource(netip.Addr{}) {
		t.Error("the zero address is admitted")
	}
	// A mapped prefix given by hand admits the IPv4 addresses it maps.
	mapped := Trunk{AllowedSources: []string{"::ffff:10.0.0.0/104"}}
	if !mapped.AdmitsSource(netip.MustParseAddr("10.9.8.7")) || mapped.AdmitsSource(netip.MustParseAddr("11.0.0.1")) {
		t.Error("an IPv4-mapped prefix does not match its IPv4 addresses")
	}
	if n := len(tr.SourcePrefixes()); n != 4 {
		t.Errorf("%d source prefixes, want 4", n)
	}
	credsOnly := Trunk{Name: "t", Username: "pbx", Password: "pw"}
	if credsOnly.AdmitsSource(netip.MustParseAddr("127.0.0.1")) {
		t.Error("a trunk without sources admits a source")
	}
}

func TestTrunkOutboundAddr(t *testing.T) {
	for _, tc := range []struct {
		proxy, transport, want string
	}{
		{"", "udp", ""},
		{"sbc.example.com", "udp", "sbc.example.com:5060"},
		{"SBC.example.com:5080", "tcp", "sbc.example.com:5080"},
		{"sbc.example.com", "tls", "sbc.example.com:5061"},
		{"sips:sbc.example.com", "tcp", "sbc.example.com:5061"},
		{"sip:192.0.2.1:5070", "udp", "192.0.2.1:5070"},
		{"[2001:db8::1]", "udp", "[2001:db8::1]:5060"},
		{"2001:db8::1", "udp", "[2001:db8::1]:5060"},
		{"sip:[2001:db8::1]:5062", "udp", "[2001:db8::1]:5062"},
		{"sip:5060", "udp", "sip:5060"},
	} {
		tr := Trunk{OutboundProxy: tc.proxy, Transport: tc.transport}
		if got := tr.OutboundAddr(); got != tc.want {
			t.Errorf("OutboundAddr(%q, %s) = %q, want %q", tc.proxy, tc.transport, got, tc.want)
		}
	}
}
