// Package netguard decides which network addresses Switchboard may connect to
// on behalf of a tenant: functions (the Lambda block) and webhook
// subscriptions call URLs an instance configures, and unless a deployment
// admin marked them internal they must not reach loopback, private,
// link-local (cloud metadata), CGNAT or reserved addresses. Callers check
// the address actually dialled, in net.Dialer's Control hook, after DNS
// resolution, so neither DNS rebinding nor redirects get around it.
package netguard

import "net/netip"

// blockedPrefixes are the ranges a URL not marked internal may not
// reach, beyond what netip's predicates cover (loopback, private, link-local,
// multicast, unspecified). IPv4 ranges from the IANA special-purpose
// registry (RFC 6890) that are not globally reachable, and the IPv6 ranges
// that are not, or that embed an IPv4 address we check separately.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (RFC 1122); 0.0.0.0 reaches the local host on Linux
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT shared space (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255 broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated, RFC 4291), with :: and ::1
	netip.MustParsePrefix("100::/64"),        // discard-only (RFC 6666)
	netip.MustParsePrefix("2001::/32"),       // Teredo (RFC 4380): tunnels to an address we cannot see
	netip.MustParsePrefix("2001:db8::/32"),   // documentation (RFC 3849)
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated, RFC 3879)
}

// IPv6 ranges that embed an IPv4 address, which must itself be public. NAT64
// matters on IPv6-only hosts with DNS64, where every IPv4 site resolves to
// 64:ff9b::a.b.c.d.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: address in the last 32 bits
	sixToFour   = netip.MustParsePrefix("2002::/16")    // RFC 3056: address in bits 16-47
)

// publicAddr reports whether a URL not marked internal may connect to

// PublicAddr reports whether a URL not marked internal may connect to ip.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return PublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return PublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}
