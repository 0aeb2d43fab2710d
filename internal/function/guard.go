package function

import (
	"context"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"

	"github.com/switchboard-cc/switchboard/internal/netguard"
)

// publicAddr is netguard.PublicAddr: the one definition of the addresses a
// URL not marked internal may reach.
func publicAddr(ip netip.Addr) bool { return netguard.PublicAddr(ip) }

// guard decides which addresses the public (not Internal) transport may
// dial. allow, set only by tests, admits addresses that would otherwise be
// refused.
type guard struct {
	allow func(netip.AddrPort) bool
}

func (g *guard) permitted(ap netip.AddrPort) bool {
	if g.allow != nil && g.allow(ap) {
		return true
	}
	return publicAddr(ap.Addr())
}

// control is the net.Dialer ControlContext of the public transport. It runs
// after DNS resolution and before connect(2), for every address tried, so
// neither a hostname resolving to an internal address nor DNS rebinding
// between a check and the dial can get past it.
func (g *guard) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !g.permitted(ap) {
		return &blockedError{addr: address}
	}
	if network != "tcp4" && network != "tcp6" {
		return &blockedError{addr: network + " " + address}
	}
	return nil
}

// checkURL refuses, before dialling, a URL whose host is an IP literal the
// guard would refuse, giving a clear KindBlocked error even where the socket
// could not be created (an IPv6 literal on a host without IPv6). Hostnames
// are left to control, which sees what they resolve to.
func (g *guard) checkURL(u *url.URL) error {
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil
	}
	port, err := strconv.ParseUint(u.Port(), 10, 16)
	if err != nil {
		port = 80
		if u.Scheme == "https" {
			port = 443
		}
	}
	if ap := netip.AddrPortFrom(ip, uint16(port)); !g.permitted(ap) {
		return &blockedError{addr: ap.String()}
	}
	return nil
}
