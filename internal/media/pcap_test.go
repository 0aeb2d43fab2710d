package media

import (
	"encoding/binary"
	"os"
	"testing"
	"time"
)

// readPcapUDP returns the UDP payloads of a classic libpcap file with
// Ethernet framing and IPv4, as sipp ships its RTP samples. It is test code
// for those files, not a general pcap reader.
func readPcapUDP(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("sipp's pcap samples are not installed (apt-get install sip-tester): %v", err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != 1 {
		t.Skipf("%s is not a little-endian Ethernet pcap", path)
	}
	var out [][]byte
	for off := 24; off+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		rec := b[off+16 : min(off+16+n, len(b))]
		off += 16 + n
		if len(rec) < 14+20+8 || binary.BigEndian.Uint16(rec[12:]) != 0x0800 {
			continue
		}
		ip := rec[14:]
		ihl := int(ip[0]&0x0f) * 4
		if ip[9] != 17 || len(ip) < ihl+8 {
			continue
		}
		udp := ip[ihl:]
		ulen := int(binary.BigEndian.Uint16(udp[4:]))
		if ulen < 8 || ulen > len(udp) {
			continue
		}
		out = append(out, append([]byte(nil), udp[8:ulen]...))
	}
	return out
}

func TestSippDTMFPcapGivesOneDigit(t *testing.T) {
	pkts := readPcapUDP(t, "/usr/share/sip-tester/dtmf_2833_1.pcap")
	if len(pkts) != 10 {
		t.Fatalf("%d packets in the pcap, want 10", len(pkts))
	}
	for _, pt := range []uint8{101, 96} {
		peer := newRawPeer(t)
		s := newSession(t, testPorts(t, 4), peer.addr(), func(c *SessionConfig) { c.Codec = PCMA; c.DTMF = pt })
		runSession(t, s)
		for _, p := range pkts {
			p = append([]byte(nil), p...)
			p[1] = p[1]&0x80 | pt // the payload type, as the e2e test's byte patch does
			peer.send(t, s.LocalAddr(), p)
		}
		select {
		case d := <-s.DTMF():
			if d != '1' {
				t.Errorf("PT %d: digit %q, want '1'", pt, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("PT %d: no digit from the pcap", pt)
		}
		checkFor(t, 5*time.Second, "all packets", func() bool { return s.Stats().PacketsReceived == 10 })
		select {
		case d := <-s.DTMF():
			t.Errorf("PT %d: a second digit %q", pt, d)
		default:
		}
		if st := s.Stats(); st.DTMFEvents != 1 || st.Invalid != 0 {
			t.Errorf("PT %d: stats %+v", pt, st)
		}
	}
}

func TestSippG711APcapDecodes(t *testing.T) {
	pkts := readPcapUDP(t, "/usr/share/sip-tester/g711a.pcap")
	peer := newRawPeer(t)
	s := newSession(t, testPorts(t, 4), peer.addr(), func(c *SessionConfig) { c.Codec = PCMA })
	runSession(t, s)
	var sink frameSink
	s.OnAudio(sink.add)
	for i, p := range pkts {
		peer.send(t, s.LocalAddr(), p)
		if i%50 == 49 {
			time.Sleep(5 * time.Millisecond) // stay within the socket buffer
		}
	}
	checkFor(t, 5*time.Second, "every packet decoded", func() bool { return sink.len() == len(pkts) })
	var loud int
	for _, f := range sink.get() {
		if rms(f.PCM, 0, float64(len(f.PCM))/SampleRate) > 100 {
			loud++
		}
	}
	if loud < len(pkts)/2 || s.Stats().Invalid != 0 {
		t.Errorf("%d of %d frames carry sound, %d invalid", loud, len(pkts), s.Stats().Invalid)
	}
}
