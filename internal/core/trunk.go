package core

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Trunk is a SIP trunk: the carriers or PBXs whose calls the instance
// admits, recognised by source address (AllowedSources) or by digest
// credentials (Username and Password), and where the instance's outbound
// calls through it go (OutboundProxy). A call it admits may only reach a
// phone number of the trunk's own instance.
type Trunk struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// AllowedSources are the IP prefixes (v4 or v6) whose calls the trunk
	// admits. A bare address is stored as a /32 or /128 prefix.
	AllowedSources []string `json:"allowedSources,omitempty"`
	// Username and Password are digest credentials a caller may present
	// instead of, or as well as, coming from an allowed source. Password is
	// write-only: returned as HasPassword; an update without it keeps the
	// stored one (a trunk without a username has no password).
	Username    string `json:"username,omitempty"`
	Password    string `json:"password,omitempty"`
	HasPassword bool   `json:"hasPassword"`
	// Realm is the digest realm of the challenge, "switchboard" by default.
	Realm string `json:"realm"`
	// OutboundProxy is where outbound calls through the trunk go: host,
	// host:port, [v6]:port or a sip:/sips: URI of that form. Optional.
	OutboundProxy string `json:"outboundProxy,omitempty"`
	// Transport is udp (the default), tcp or tls.
	Transport string `json:"transport"`
	// CallerIDPolicy is what outbound calls present as the caller:
	// passthrough (the default: the caller ID the flow or agent chose),
	// number (always DefaultCallerID) or anonymous.
	CallerIDPolicy string `json:"callerIdPolicy"`
	// DefaultCallerID is an E.164 number, required by the number policy.
	DefaultCallerID string `json:"defaultCallerId,omitempty"`
	// Codecs are the audio codecs offered and accepted, in order of
	// preference: PCMU and PCMA, both by default.
	Codecs []string `json:"codecs"`
}

// Trunk transports.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
	TransportTLS = "tls"
)

// Trunk caller ID policies.
const (
	CallerIDPassthrough = "passthrough"
	CallerIDNumber      = "number"
	CallerIDAnonymous   = "anonymous"
)

// Codecs a trunk may use.
const (
	CodecPCMU = "PCMU"
	CodecPCMA = "PCMA"
)

// DefaultTrunkRealm is a trunk's digest realm unless it names another.
const DefaultTrunkRealm = "switchboard"

// maxTrunkSources bounds AllowedSources.
const maxTrunkSources = 256

func (t *Trunk) ResourceName() string { return t.Name }

func (t *Trunk) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Username = strings.TrimSpace(t.Username)
	t.Realm = strings.TrimSpace(t.Realm)
	if t.Realm == "" {
		t.Realm = DefaultTrunkRealm
	}
	t.OutboundProxy = strings.TrimSpace(t.OutboundProxy)
	t.Transport = strings.ToLower(strings.TrimSpace(t.Transport))
	if t.Transport == "" {
		t.Transport = TransportUDP
	}
	t.CallerIDPolicy = strings.ToLower(strings.TrimSpace(t.CallerIDPolicy))
	if t.CallerIDPolicy == "" {
		t.CallerIDPolicy = CallerIDPassthrough
	}
	t.DefaultCallerID = NormalizeE164(t.DefaultCallerID)
	if len(t.Codecs) == 0 {
		t.Codecs = []string{CodecPCMU, CodecPCMA}
	} else {
		for i, c := range t.Codecs {
			t.Codecs[i] = strings.ToUpper(strings.TrimSpace(c))
		}
	}
	var srcs []string
	for _, s := range t.AllowedSources {
		s = strings.TrimSpace(s)
		if p, err := ParseSource(s); err == nil {
			s = p.String()
		}
		if !slices.Contains(srcs, s) {
			srcs = append(srcs, s)
		}
	}
	t.AllowedSources = srcs
}

// Validate checks the trunk. A trunk not yet stored (no ID) with a username
// needs a password; on update the stored one is kept (see CheckReplace).
func (t *Trunk) Validate() error {
	var c checker
	c.name("name", t.Name, 127)
	c.maxLen("description", t.Description, 250)
	c.check(len(t.AllowedSources) <= maxTrunkSources, "allowedSources", "must hold at most %d entries", maxTrunkSources)
	for i, s := range t.AllowedSources {
		if _, err := ParseSource(s); err != nil {
			c.add(fmt.Sprintf("allowedSources[%d]", i), "%v", err)
		}
	}
	if len(t.AllowedSources) == 0 && t.Username == "" {
		c.add("allowedSources", "must hold at least one address or prefix unless the trunk has a username: otherwise it admits nobody")
	}
	c.credential("username", t.Username, 127)
	c.check(!strings.ContainsAny(t.Password, "\x00\r\n"), "password", "must not contain control characters")
	c.maxLen("password", t.Password, 128)
	switch {
	case t.Password != "" && t.Username == "":
		c.add("username", "is required with a password")
	case t.Username != "" && t.Password == "" && t.ID == "":
		c.add("password", "is required with a username")
	}
	c.credential("realm", t.Realm, 127)
	if t.OutboundProxy != "" {
		if _, _, err := ParseOutboundProxy(t.OutboundProxy); err != nil {
			c.add("outboundProxy", "%v", err)
		}
	}
	c.oneOf("transport", t.Transport, TransportUDP, TransportTCP, TransportTLS)
	c.oneOf("callerIdPolicy", t.CallerIDPolicy, CallerIDPassthrough, CallerIDNumber, CallerIDAnonymous)
	switch {
	case t.DefaultCallerID != "" && !ValidE164(t.DefaultCallerID):
		c.add("defaultCallerId", "must be an E.164 number such as +15550100")
	case t.DefaultCallerID == "" && t.CallerIDPolicy == CallerIDNumber:
		c.add("defaultCallerId", "is required when callerIdPolicy is %s", CallerIDNumber)
	}
	for i, codec := range t.Codecs {
		f := fmt.Sprintf("codecs[%d]", i)
		switch {
		case codec != CodecPCMU && codec != CodecPCMA:
			c.add(f, "must be one of %s, %s", CodecPCMU, CodecPCMA)
		case slices.Index(t.Codecs, codec) < i:
			c.add(f, "%s is listed twice", codec)
		}
	}
	return c.err()
}

// credential checks a field that goes into a quoted digest parameter.
func (c *checker) credential(field, v string, max int) {
	c.maxLen(field, v, max)
	if strings.ContainsAny(v, "\"\\\x00\r\n\t") {
		c.add(field, "must not contain quotes, backslashes or control characters")
	}
}

// CheckReplace refuses an update that gives the trunk a username while
// neither the update nor the stored trunk has a password.
func (t *Trunk) CheckReplace(old Resource) error {
	o, ok := old.(*Trunk)
	if ok && t.Username != "" && t.Password == "" && o.Password == "" {
		return Invalid("password", "is required with a username (this trunk has no password stored)")
	}
	return nil
}

func (t *Trunk) References() []Ref { return nil }

func (t *Trunk) SecretValue() string { return t.Password }

// SetSecretValue sets the password; a trunk without a username has none.
func (t *Trunk) SetSecretValue(s string) {
	if t.Username == "" {
		s = ""
	}
	t.Password, t.HasPassword = s, s != ""
}

// Redact removes the password before the trunk is returned to a client.
func (t *Trunk) Redact() { t.Password = "" }

// SourcePrefixes returns the trunk's allowed sources as prefixes, skipping
// any that do not parse (a stored trunk has none).
func (t *Trunk) SourcePrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(t.AllowedSources))
	for _, s := range t.AllowedSources {
		if p, err := ParseSource(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// AdmitsSource reports whether a call from a comes from one of the trunk's
// allowed sources. An IPv4-mapped IPv6 address counts as its IPv4 address.
func (t *Trunk) AdmitsSource(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, s := range t.AllowedSources {
		if p, err := ParseSource(s); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}

// OutboundAddr returns the host:port outbound calls through the trunk go
// to, with the transport's default port (5060, or 5061 for tls and sips:
// URIs) when the proxy names none; "" when the trunk has no valid proxy.
func (t *Trunk) OutboundAddr() string {
	host, port, err := ParseOutboundProxy(t.OutboundProxy)
	if err != nil {
		return ""
	}
	if port == 0 {
		port = 5060
		if t.Transport == TransportTLS || strings.HasPrefix(strings.ToLower(t.OutboundProxy), "sips:") {
			port = 5061
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// ParseSource parses an allowed source: an IP address (a /32 or /128
// prefix) or a prefix in CIDR notation, IPv4 or IPv6. The prefix comes back
// masked, and an IPv4-mapped IPv6 one as IPv4.
func ParseSource(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, fmt.Errorf("must be an IP address or a prefix such as 192.0.2.0/24")
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or a prefix such as 192.0.2.0/24", s)
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or a prefix such as 192.0.2.0/24", s)
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q must not name an interface zone", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q mixes IPv4-mapped and other IPv6 addresses; name the IPv4 prefix", s)
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// ParseOutboundProxy parses a trunk's outbound proxy: host, host:port,
// [v6] or [v6]:port, optionally as a sip: or sips: URI. The port is 0 when
// none is given. The host is an IP address or a DNS name.
func ParseOutboundProxy(s string) (host string, port int, err error) {
	bad := func(why string) (string, int, error) {
		return "", 0, fmt.Errorf("%s: must be host[:port] or sip:host[:port]", why)
	}
	rest := s
	if i := strings.IndexByte(rest, ':'); i > 0 {
		// sip:5060 is the host "sip" and a port, not a URI.
		if scheme := strings.ToLower(rest[:i]); (scheme == "sip" || scheme == "sips") && !allDigits(rest[i+1:]) {
			rest = rest[i+1:]
		}
	}
	if rest == "" {
		return bad("no host")
	}
	if strings.ContainsAny(rest, "@;?/ \t\r\n\x00") {
		return bad("only a host and a port are allowed")
	}
	host = rest
	if strings.HasPrefix(rest, "[") || strings.Count(rest, ":") == 1 {
		h, p, splitErr := net.SplitHostPort(rest)
		if splitErr != nil {
			// [v6] without a port
			if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
				h, p = rest[1:len(rest)-1], ""
			} else {
				return bad(fmt.Sprintf("%q is not a host and port", rest))
			}
		}
		host = h
		if p != "" {
			n, convErr := strconv.Atoi(p)
			if convErr != nil || n < 1 || n > 65535 {
				return bad(fmt.Sprintf("port %q is not between 1 and 65535", p))
			}
			port = n
		}
	}
	if a, addrErr := netip.ParseAddr(host); addrErr == nil {
		if a.Zone() != "" {
			return bad("an interface zone is not allowed")
		}
		return a.String(), port, nil
	}
	if strings.Contains(host, ":") {
		return bad("an IPv6 address goes in brackets")
	}
	if !validHostname(host) {
		return bad(fmt.Sprintf("%q is not a host name or IP address", host))
	}
	return strings.ToLower(host), port, nil
}

// validHostname reports whether h is a DNS name: dot-separated labels of
// letters, digits and inner hyphens, at most 253 characters.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
