package media

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
)

// receiveStats keeps what an RTCP reception report needs about the peer's
// stream (RFC 3550 §6.4.1, appendix A.1, A.3 and A.8). Guarded by
// Session.mu.
type receiveStats struct {
	started         bool
	ssrc            uint32
	baseSeq, maxSeq uint16
	cycles          uint32
	received        uint32
	expectedPrior   uint32
	receivedPrior   uint32
	jitter          float64 // in timestamp units
	lastTransit     int64
	haveTransit     bool
	lastSR          uint32 // middle 32 bits of the last SR's NTP time
	lastSRAt        time.Time
}

func (r *receiveStats) update(ssrc uint32, seq uint16, ts uint32, now time.Time, audio bool) {
	if !r.started || ssrc != r.ssrc {
		*r = receiveStats{started: true, ssrc: ssrc, baseSeq: seq, maxSeq: seq, lastSR: r.lastSR, lastSRAt: r.lastSRAt}
		r.received = 1
		return
	}
	r.received++
	if delta := seq - r.maxSeq; delta != 0 && delta < 0x8000 {
		if seq < r.maxSeq {
			r.cycles += 1 << 16
		}
		r.maxSeq = seq
	}
	if !audio {
		return // DTMF packets repeat the event's timestamp; they would skew jitter
	}
	// Interarrival jitter, RFC 3550 §6.4.1 and A.8.
	arrival := now.UnixNano() * SampleRate / int64(time.Second)
	transit := arrival - int64(ts)
	if r.haveTransit {
		d := transit - r.lastTransit
		if d < 0 {
			d = -d
		}
		if d < SampleRate*10 { // ignore timestamp jumps (pauses, wrap)
			r.jitter += (float64(d) - r.jitter) / 16
		}
	}
	r.lastTransit, r.haveTransit = transit, true
}

// report builds the reception report block for now (RFC 3550 §6.4.1).
func (r *receiveStats) report(now time.Time) rtcp.ReceptionReport {
	extMax := r.cycles + uint32(r.maxSeq)
	expected := extMax - uint32(r.baseSeq) + 1
	lost := int64(expected) - int64(r.received)
	lost = min(max(lost, 0), 0x7FFFFF)
	expInterval := expected - r.expectedPrior
	recvInterval := r.received - r.receivedPrior
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if lostInterval := int64(expInterval) - int64(recvInterval); expInterval != 0 && lostInterval > 0 {
		fraction = uint8(min(lostInterval<<8/int64(expInterval), 255))
	}
	var dlsr uint32
	if !r.lastSRAt.IsZero() {
		dlsr = uint32(now.Sub(r.lastSRAt) * 65536 / time.Second)
	}
	return rtcp.ReceptionReport{
		SSRC:               r.ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(lost),
		LastSequenceNumber: extMax,
		Jitter:             uint32(r.jitter),
		LastSenderReport:   r.lastSR,
		Delay:              dlsr,
	}
}

// ntpTime converts t to the 64-bit NTP format of RFC 3550 §4.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// sendReport sends a compound RTCP packet (RFC 3550 §6.1): an SR when we
// sent RTP since the previous report, else an RR, then SDES CNAME, and a
// BYE when the session ends (§6.6). Reports go out whatever the direction
// (RFC 3264 §5.1).
func (s *Session) sendReport(now time.Time, bye bool) {
	s.mu.Lock()
	dst := s.rtcpRemote
	var reports []rtcp.ReceptionReport
	if s.recv.started {
		reports = append(reports, s.recv.report(now))
	}
	sent := s.packetsSent.Load()
	var first rtcp.Packet
	if sent != s.sentAtSR {
		rtpTime := s.lastTS + uint32(now.Sub(s.lastSendAt)*SampleRate/time.Second)
		first = &rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     ntpTime(now),
			RTPTime:     rtpTime,
			PacketCount: uint32(sent),
			OctetCount:  uint32(s.bytesSent.Load()),
			Reports:     reports,
		}
		s.sentAtSR = sent
	} else {
		first = &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: reports}
	}
	s.mu.Unlock()
	if !dst.IsValid() || dst.Addr().IsUnspecified() {
		return
	}
	pkts := []rtcp.Packet{first, rtcp.NewCNAMESourceDescription(s.ssrc, s.cname)}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		s.log.Debug("RTCP marshal", "err", err)
		return
	}
	if _, err := s.conn.rtcp.WriteToUDPAddrPort(b, dst); err != nil {
		s.log.Debug("RTCP send", "to", dst.String(), "err", err)
		return
	}
	s.rtcpSent.Add(1)
}

func (s *Session) readRTCP(stopping *atomic.Bool) {
	buf := make([]byte, 2048)
	for {
		n, src, err := s.conn.rtcp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("RTCP read", "err", err)
			time.Sleep(time.Millisecond)
			continue
		}
		s.handleRTCP(buf[:n], netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), time.Now())
	}
}

func (s *Session) handleRTCP(b []byte, src netip.AddrPort, now time.Time) {
	if len(b) < 8 || b[0]>>6 != 2 {
		s.invalid.Add(1)
		return
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.invalid.Add(1)
		return
	}
	s.rtcpReceived.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Symmetric RTCP: answer where the peer's reports come from, if that
	// source is the RTP peer's address or may latch.
	if !s.rtcpLatched && src != s.rtcpRemote &&
		(src.Addr() == s.remote.Addr() || s.cfg.Latch == nil || s.cfg.Latch(src.Addr())) {
		s.rtcpRemote, s.rtcpLatched = src, true
	} else if src == s.rtcpRemote {
		s.rtcpLatched = true
	}
	for _, p := range pkts {
		if sr, ok := p.(*rtcp.SenderReport); ok && (!s.recv.started || sr.SSRC == s.recv.ssrc) {
			s.recv.lastSR = uint32(sr.NTPTime >> 16)
			s.recv.lastSRAt = now
		}
	}
}
