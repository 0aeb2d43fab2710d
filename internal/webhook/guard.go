package webhook

import (
	"context"
	"net/netip"
	"syscall"

	"github.com/switchboard-cc/switchboard/internal/netguard"
)

// publicAddr is netguard.PublicAddr: the one definition of the addresses a
// URL not marked internal may reach.
func publicAddr(ip netip.Addr) bool { return netguard.PublicAddr(ip) }

// errBlocked is the dial error for a refused address.
type errBlocked struct{ addr string }

func (e *errBlocked) Error() string {
	return "address " + e.addr + " is not allowed for a webhook subscription not marked internal"
}

// control is the net.Dialer ControlContext of the public transport. It runs
// after DNS resolution and before connect(2), for every address tried, so
// neither a hostname resolving to an internal address nor DNS rebinding
// between a check and the dial can get past it.
func control(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !publicAddr(ap.Addr()) {
		return &errBlocked{addr: address}
	}
	if network != "tcp4" && network != "tcp6" {
		return &errBlocked{addr: network + " " + address}
	}
	return nil
}
