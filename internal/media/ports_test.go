package media

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// testPorts returns an allocator over a random range of pairs (tests of
// other packages may run at the same time; the allocator skips ports in
// use).
func testPorts(t testing.TB, pairs int) *Ports {
	t.Helper()
	base := 20000 + 2*rand.IntN(20000)
	p, err := NewPorts(loopback, base, base+2*(pairs-1))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPortsAllocateEvenPairsAndReleaseOnClose(t *testing.T) {
	p := testPorts(t, 3)
	var conns []*Conn
	for range 3 {
		c, err := p.Open()
		if err != nil {
			t.Fatal(err)
		}
		if c.LocalAddr().Port()%2 != 0 || c.LocalAddr().Addr() != loopback {
			t.Errorf("RTP address %v is not an even port on 127.0.0.1", c.LocalAddr())
		}
		conns = append(conns, c)
	}
	if p.InUse() != 3 {
		t.Errorf("InUse = %d, want 3", p.InUse())
	}
	if _, err := p.Open(); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("fourth Open: err = %v, want ErrNoPorts", err)
	}
	if err := conns[1].Close(); err != nil {
		t.Fatal(err)
	}
	if err := conns[1].Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if p.InUse() != 2 {
		t.Errorf("InUse after Close = %d, want 2", p.InUse())
	}
	c, err := p.Open()
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if c.LocalAddr() != conns[1].LocalAddr() {
		t.Errorf("reused %v, want the freed %v", c.LocalAddr(), conns[1].LocalAddr())
	}
	for _, c := range append(conns, c) {
		c.Close()
	}
	if p.InUse() != 0 {
		t.Errorf("InUse at the end = %d", p.InUse())
	}
}

func TestPortsSkipPortsHeldByOthers(t *testing.T) {
	p := testPorts(t, 2)
	// Someone else holds the RTCP port of the first pair.
	other, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(p.min+1))))
	if err != nil {
		t.Skipf("port taken already: %v", err)
	}
	defer other.Close()
	c, err := p.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if int(c.LocalAddr().Port()) != p.min+2 {
		t.Errorf("got %v, want port %d", c.LocalAddr(), p.min+2)
	}
	if _, err := p.Open(); !errors.Is(err, ErrNoPorts) {
		t.Errorf("err = %v, want ErrNoPorts", err)
	}
}

func TestNewPortsRejectsBadRanges(t *testing.T) {
	for _, r := range [][2]int{{10001, 10001}, {20000, 10000}, {80, 100}, {65530, 70000}} {
		if _, err := NewPorts(loopback, r[0], r[1]); err == nil {
			t.Errorf("NewPorts(%d, %d) accepted", r[0], r[1])
		}
	}
	if _, err := NewPorts(netip.Addr{}, 10000, 10010); err == nil {
		t.Error("invalid IP accepted")
	}
}
