package main

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// The payload of every bench packet is a 160-byte PCMU frame (20 ms) that
// says who sent it and when, so that the receiving end can tell it from
// the server's own audio (prompts, music on hold) and measure its transit:
//
//	[0:3]   "SBB"
//	[3]     the sender's kind: kindCaller, kindDesk or kindBrowser
//	[4:8]   the sender's stream ID (big endian)
//	[8:16]  send time, Unix nanoseconds
//	[16:20] the sender's packet number, from 0
//	[20:]   filler (0x55: never 0xFF, PCMU's silence)
const (
	frameBytes   = 160
	frameSamples = 160
	frameTime    = 20 * time.Millisecond

	kindCaller  = 'C'
	kindDesk    = 'D'
	kindBrowser = 'B'
)

// stamp writes the bench header into a 160-byte payload.
func stamp(p []byte, kind byte, stream uint32, sent time.Time, n uint32) {
	copy(p, "SBB")
	p[3] = kind
	binary.BigEndian.PutUint32(p[4:], stream)
	binary.BigEndian.PutUint64(p[8:], uint64(sent.UnixNano()))
	binary.BigEndian.PutUint32(p[16:], n)
}

// newPayload returns a frame with the filler set.
func newPayload() []byte {
	p := make([]byte, frameBytes)
	for i := 20; i < len(p); i++ {
		p[i] = 0x55
	}
	return p
}

// stampOf reads the bench header of a payload.
type stampOf struct {
	Kind   byte
	Stream uint32
	Sent   int64 // Unix ns
	N      uint32
}

func readStamp(p []byte) (stampOf, bool) {
	if len(p) < 20 || p[0] != 'S' || p[1] != 'B' || p[2] != 'B' {
		return stampOf{}, false
	}
	return stampOf{Kind: p[3], Stream: binary.BigEndian.Uint32(p[4:]), Sent: int64(binary.BigEndian.Uint64(p[8:])),
		N: binary.BigEndian.Uint32(p[16:])}, true
}

// arrival is one bench packet received.
type arrival struct {
	Kind   byte
	Stream uint32
	N      uint32
	Sent   int64 // Unix ns, from the payload
	At     int64 // Unix ns, when read from the socket
}

// rtpEnd is one end of a bench call's audio: a UDP socket that sends a
// stamped PCMU frame every 20 ms to the far end and records every packet it
// receives. Sending starts with start and stops with close.
type rtpEnd struct {
	conn   *net.UDPConn
	kind   byte
	stream uint32

	mu     sync.Mutex
	remote netip.AddrPort
	sent   []int64 // send time of packet n, Unix ns
	got    []arrival
	other  int64 // packets without the bench header (prompts, music)

	firstOther atomic.Int64 // Unix ns of the first packet without the header; 0 before
	stop       chan struct{}
	done       chan struct{}
	started    atomic.Bool
	closeOnce  sync.Once
}

// newRTPEnd opens a socket on a free loopback port.
func newRTPEnd(kind byte, stream uint32) (*rtpEnd, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(1 << 20)
	e := &rtpEnd{conn: c, kind: kind, stream: stream, stop: make(chan struct{}), done: make(chan struct{})}
	go e.readLoop()
	return e, nil
}

func (e *rtpEnd) local() netip.AddrPort { return e.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (e *rtpEnd) readLoop() {
	buf := make([]byte, 1500)
	var p rtp.Packet
	for {
		n, err := e.conn.Read(buf)
		at := time.Now().UnixNano()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP unreachable and the like
		}
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		s, ok := readStamp(p.Payload)
		e.mu.Lock()
		if ok {
			e.got = append(e.got, arrival{Kind: s.Kind, Stream: s.Stream, N: s.N, Sent: s.Sent, At: at})
		} else {
			e.other++
			e.firstOther.CompareAndSwap(0, at)
		}
		e.mu.Unlock()
	}
}

// start sends to remote every 20 ms until close.
func (e *rtpEnd) start(remote netip.AddrPort) {
	e.mu.Lock()
	e.remote = remote
	e.mu.Unlock()
	if !e.started.CompareAndSwap(false, true) {
		return
	}
	go e.sendLoop(remote)
}

func (e *rtpEnd) sendLoop(remote netip.AddrPort) {
	defer close(e.done)
	dst := net.UDPAddrFromAddrPort(remote)
	payload := newPayload()
	h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32(), SSRC: rand.Uint32(), Marker: true}
	buf := make([]byte, 0, 12+frameBytes)
	t := time.NewTicker(frameTime)
	defer t.Stop()
	for n := uint32(0); ; n++ {
		now := time.Now()
		stamp(payload, e.kind, e.stream, now, n)
		pkt := rtp.Packet{Header: h, Payload: payload}
		b, err := pkt.Header.MarshalTo(buf[:12])
		if err == nil {
			b := append(buf[:b], payload...)
			e.mu.Lock()
			e.sent = append(e.sent, now.UnixNano())
			e.mu.Unlock()
			_, _ = e.conn.WriteToUDP(b, dst)
		}
		h.Marker = false
		h.SequenceNumber++
		h.Timestamp += frameSamples
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
	}
}

// stopSending stops the sender; the socket keeps receiving.
func (e *rtpEnd) stopSending() {
	e.closeOnce.Do(func() { close(e.stop) })
	if e.started.Load() {
		<-e.done
	}
}

// close stops sending and receiving.
func (e *rtpEnd) close() {
	e.stopSending()
	_ = e.conn.Close()
}

// snapshot returns copies of what was sent and received.
func (e *rtpEnd) snapshot() (sent []int64, got []arrival, other int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int64(nil), e.sent...), append([]arrival(nil), e.got...), e.other
}
