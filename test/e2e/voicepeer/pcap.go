package voicepeer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// PCAP link types this package understands.
const (
	linkTypeEthernet = 1   // DLT_EN10MB: the sip-tester captures
	linkTypeRaw      = 101 // DLT_RAW: a bare IPv4/IPv6 packet
	linkTypeLinuxSLL = 113 // DLT_LINUX_SLL: "any" interface captures
)

// PatchPCAPPayloadType copies the pcap file src to dst, rewriting the RTP
// payload type of every IPv4/UDP packet to pt (keeping the marker bit:
// rtp[1] = rtp[1]&0x80 | pt). Use it to make sipp send RFC 4733 DTMF with a
// dynamic payload type other than the capture's 101 (e.g. 96).
//
// It parses the file properly: the 24-byte global header (either byte
// order, micro- or nanosecond magic), 16-byte record headers, then the
// link layer (Ethernet with optional 802.1Q tags, raw IP or Linux SLL),
// the IPv4 header (its IHL), and the 8-byte UDP header. The UDP checksum is
// cleared (zero means "none" over IPv4) because the payload changed; sipp
// rebuilds the headers when it plays the file anyway. Packets that are not
// IPv4/UDP carrying RTP version 2 are copied unchanged.
func PatchPCAPPayloadType(src, dst string, pt uint8) error {
	if pt > 127 {
		return fmt.Errorf("pcap: payload type %d out of range", pt)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	n, err := patchPCAP(data, func(rtp []byte) {
		rtp[1] = rtp[1]&0x80 | pt
	})
	if err != nil {
		return fmt.Errorf("pcap %s: %w", src, err)
	}
	if n == 0 {
		return fmt.Errorf("pcap %s: no RTP packet found", src)
	}
	return os.WriteFile(dst, data, 0o644)
}

// PCAPRTP returns the RTP payload of every IPv4/UDP RTP packet in a pcap
// file (headers included), in file order. Tests use it to check a patch.
func PCAPRTP(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	_, err = patchPCAP(data, func(rtp []byte) {
		out = append(out, append([]byte(nil), rtp...))
	})
	return out, err
}

// patchPCAP calls fn on the RTP bytes of every RTP-in-UDP-in-IPv4 packet
// in data, in place, and returns how many it found.
func patchPCAP(data []byte, fn func(rtp []byte)) (int, error) {
	if len(data) < 24 {
		return 0, errors.New("short global header")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(data[0:4]) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return 0, errors.New("not a pcap file (pcapng is not supported)")
	}
	link := bo.Uint32(data[20:24]) & 0x0fffffff
	count := 0
	for off := 24; off < len(data); {
		if off+16 > len(data) {
			return count, fmt.Errorf("short record header at %d", off)
		}
		incl := int(bo.Uint32(data[off+8 : off+12]))
		off += 16
		if incl < 0 || off+incl > len(data) {
			return count, fmt.Errorf("record at %d overruns the file", off-16)
		}
		if rtp := rtpIn(data[off:off+incl], link); rtp != nil {
			fn(rtp)
			count++
		}
		off += incl
	}
	return count, nil
}

// rtpIn returns the RTP bytes of one captured frame, or nil. When it
// returns RTP it also clears the UDP checksum.
func rtpIn(frame []byte, link uint32) []byte {
	var ip []byte
	switch link {
	case linkTypeEthernet:
		if len(frame) < 14 {
			return nil
		}
		etype, l2 := binary.BigEndian.Uint16(frame[12:14]), 14
		for etype == 0x8100 || etype == 0x88a8 { // VLAN tags
			if len(frame) < l2+4 {
				return nil
			}
			etype = binary.BigEndian.Uint16(frame[l2+2 : l2+4])
			l2 += 4
		}
		if etype != 0x0800 {
			return nil
		}
		ip = frame[l2:]
	case linkTypeRaw:
		ip = frame
	case linkTypeLinuxSLL:
		if len(frame) < 16 || binary.BigEndian.Uint16(frame[14:16]) != 0x0800 {
			return nil
		}
		ip = frame[16:]
	default:
		return nil
	}
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 17 {
		return nil
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 || len(ip) < ihl+8 {
		return nil
	}
	if frag := binary.BigEndian.Uint16(ip[6:8]); frag&0x1fff != 0 {
		return nil // a later fragment has no UDP header
	}
	udp := ip[ihl:]
	ulen := int(binary.BigEndian.Uint16(udp[4:6]))
	if ulen < 8+12 || ulen > len(udp) {
		return nil
	}
	rtp := udp[8:ulen]
	if rtp[0]>>6 != 2 {
		return nil
	}
	udp[6], udp[7] = 0, 0
	return rtp
}
