package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// Ports allocates RTP/RTCP port pairs from a range: RTP on an even port, RTCP
// on the next odd one (RFC 3550 §11). It hands pairs out round-robin, so a
// pair just released is the last to be reused and late packets of an ended
// call do not reach the next one. Safe for concurrent use.
type Ports struct {
	ip       netip.Addr
	min, max int // even RTP ports, inclusive

	mu   sync.Mutex
	next int
	used map[int]bool
}

// NewPorts returns an allocator for RTP ports in [min, max] on ip (RTCP may
// use max+1). min is rounded up to an even port, max down.
func NewPorts(ip netip.Addr, min, max int) (*Ports, error) {
	if !ip.IsValid() {
		return nil, fmt.Errorf("media: ports: invalid IP address")
	}
	if min%2 != 0 {
		min++
	}
	if max%2 != 0 {
		max--
	}
	if min < 1024 || max > 65534 || min > max {
		return nil, fmt.Errorf("media: ports: range %d-%d holds no even port pair within 1024-65535", min, max)
	}
	return &Ports{ip: ip.Unmap(), min: min, max: max, next: min, used: map[int]bool{}}, nil
}

// Open binds a free pair: the next even port of the range that neither we
// nor another program holds, and the odd port after it. It fails with
// ErrNoPorts when the whole range has been tried.
func (p *Ports) Open() (*Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := (p.max-p.min)/2 + 1
	var lastErr error
	for range n {
		port := p.next
		p.next += 2
		if p.next > p.max {
			p.next = p.min
		}
		if p.used[port] {
			continue
		}
		rtpConn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			lastErr = err
			continue
		}
		rtcpConn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port+1))))
		if err != nil {
			_ = rtpConn.Close()
			lastErr = err
			continue
		}
		p.used[port] = true
		return &Conn{ports: p, port: port, local: netip.AddrPortFrom(p.ip, uint16(port)), rtp: rtpConn, rtcp: rtcpConn}, nil
	}
	if lastErr != nil {
		return nil, fmt.Errorf("%w: %s ports %d-%d (last error: %v)", ErrNoPorts, p.ip, p.min, p.max+1, lastErr)
	}
	return nil, fmt.Errorf("%w: %s ports %d-%d all in use", ErrNoPorts, p.ip, p.min, p.max+1)
}

// InUse returns the number of pairs handed out and not yet closed.
func (p *Ports) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

func (p *Ports) release(port int) {
	p.mu.Lock()
	delete(p.used, port)
	p.mu.Unlock()
}

// Conn is a bound RTP/RTCP socket pair from Ports.Open.
type Conn struct {
	ports *Ports
	port  int
	local netip.AddrPort
	rtp   *net.UDPConn
	rtcp  *net.UDPConn

	once sync.Once
	err  error
}

// LocalAddr is the RTP address to put in SDP (RTCP is on the next port).
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// Close closes both sockets and returns the pair to the allocator. It is
// idempotent: later calls return the first call's result.
func (c *Conn) Close() error {
	c.once.Do(func() {
		err1 := c.rtp.Close()
		err2 := c.rtcp.Close()
		c.ports.release(c.port)
		if err1 != nil {
			c.err = fmt.Errorf("media: close RTP port %d: %w", c.port, err1)
		} else if err2 != nil {
			c.err = fmt.Errorf("media: close RTCP port %d: %w", c.port+1, err2)
		}
	})
	return c.err
}
