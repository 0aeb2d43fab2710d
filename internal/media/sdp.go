package media

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pion/sdp/v3"
)

// Direction is an SDP media direction attribute (RFC 3264 §5.1, §6.1).
type Direction string

// The four direction attributes. Both sides keep sending RTCP whatever the
// direction (RFC 3264 §5.1).
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// CanSend reports whether a party whose direction is d may send RTP. The
// empty direction counts as sendrecv (RFC 4566 §6: the default).
func (d Direction) CanSend() bool { return d == SendRecv || d == SendOnly || d == "" }

// CanReceive reports whether a party whose direction is d expects RTP.
func (d Direction) CanReceive() bool { return d == SendRecv || d == RecvOnly || d == "" }

// Reverse returns the direction an answerer takes for an offer with
// direction d (RFC 3264 §6.1): sendonly is answered recvonly, recvonly
// sendonly, inactive inactive, and sendrecv sendrecv.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// maxSDP bounds the SDP we parse; a SIP message is at most 64 KiB anyway.
const maxSDP = 64 << 10

// Description is what we use of a remote session description: its first
// usable audio stream.
type Description struct {
	// Addr is the connection address (c=, media level over session level)
	// and the m= port. An unspecified address (c=IN IP4 0.0.0.0, the RFC 2543
	// way to hold, RFC 3264 §8.4) is kept as is and sets Direction to
	// Inactive.
	Addr netip.AddrPort
	// Codecs are the audio codecs we know (PCMU and PCMA), in offer order,
	// with the payload types the offer gave them.
	Codecs []Codec
	// DTMF is the payload type of telephone-event/8000 (RFC 4733 §7.1.1), any
	// dynamic type 96..127, or 0 if the offer has none.
	DTMF uint8
	// Direction is the remote party's direction (a=sendrecv by default; a
	// media-level attribute overrides a session-level one).
	Direction Direction
	// PTime is a=ptime (RFC 4566 §6), 0 when absent.
	PTime time.Duration
}

// Hold reports whether the description puts the stream on hold: the peer
// will not receive (RFC 3264 §8.4: sendonly, inactive, or a 0.0.0.0 address).
func (d Description) Hold() bool {
	return d.Direction == SendOnly || d.Direction == Inactive || d.Addr.Addr().IsUnspecified()
}

// ParseSDP parses a session description (RFC 4566) and returns its first
// audio stream with a non-zero port and an RTP/AVP (or RTP/AVPF) profile.
// Errors wrap ErrBadSDP; an offer with an audio stream but no codec we know
// parses (Codecs is empty) and fails later in Answer with ErrNoCommonCodec.
func ParseSDP(b []byte) (Description, error) {
	var d Description
	if len(b) > maxSDP {
		return d, fmt.Errorf("%w: %d bytes, more than %d", ErrBadSDP, len(b), maxSDP)
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(b)); err != nil {
		return d, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	sessionDir := Direction("")
	for _, a := range sd.Attributes {
		if dir, ok := parseDirection(a.Key); ok {
			sessionDir = dir
		}
	}
	var md *sdp.MediaDescription
	var skipped []string
	for _, m := range sd.MediaDescriptions {
		if m == nil || m.MediaName.Media != "audio" {
			continue
		}
		proto := strings.Join(m.MediaName.Protos, "/")
		if m.MediaName.Port.Value == 0 { // rejected or disabled stream, RFC 3264 §5.1
			skipped = append(skipped, "port 0")
			continue
		}
		if proto != "RTP/AVP" && proto != "RTP/AVPF" {
			skipped = append(skipped, proto)
			continue
		}
		md = m
		break
	}
	if md == nil {
		if len(skipped) > 0 {
			return d, fmt.Errorf("%w: no usable audio stream (skipped: %s)", ErrBadSDP, strings.Join(skipped, ", "))
		}
		return d, fmt.Errorf("%w: no audio m= line", ErrBadSDP)
	}
	port := md.MediaName.Port.Value
	if port < 1 || port > 65535 {
		return d, fmt.Errorf("%w: audio port %d out of range", ErrBadSDP, port)
	}
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return d, fmt.Errorf("%w: no c= line for the audio stream", ErrBadSDP)
	}
	if ci.NetworkType != "IN" {
		return d, fmt.Errorf("%w: network type %q", ErrBadSDP, ci.NetworkType)
	}
	ip, err := netip.ParseAddr(ci.Address.Address)
	if err != nil {
		return d, fmt.Errorf("%w: connection address %q is not an IP address (host names are not resolved)", ErrBadSDP, ci.Address.Address)
	}
	ip = ip.Unmap()
	d.Addr = netip.AddrPortFrom(ip, uint16(port))

	// rtpmap by payload type, media level only (RFC 4566 §6: rtpmap is a
	// media-level attribute).
	rtpmap := map[uint8]string{}
	mediaDir := Direction("")
	for _, a := range md.Attributes {
		switch {
		case a.Key == "rtpmap":
			pt, enc, ok := parseRtpmap(a.Value)
			if ok {
				rtpmap[pt] = enc
			}
		case a.Key == "ptime":
			if ms, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && ms > 0 && ms <= 1000 {
				d.PTime = time.Duration(ms) * time.Millisecond
			}
		default:
			if dir, ok := parseDirection(a.Key); ok {
				mediaDir = dir
			}
		}
	}
	if d.PTime == 0 {
		if v, ok := sd.Attribute("ptime"); ok {
			if ms, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && ms > 0 && ms <= 1000 {
				d.PTime = time.Duration(ms) * time.Millisecond
			}
		}
	}
	switch {
	case mediaDir != "":
		d.Direction = mediaDir
	case sessionDir != "":
		d.Direction = sessionDir
	default:
		d.Direction = SendRecv
	}
	if ip.IsUnspecified() {
		d.Direction = Inactive
	}

	for _, f := range md.MediaName.Formats {
		n, err := strconv.ParseUint(f, 10, 8)
		if err != nil || n > 127 {
			continue // not an RTP payload type; ignore, as RFC 3264 §6 lets us
		}
		pt := uint8(n)
		enc, mapped := rtpmap[pt]
		if !mapped {
			// Static payload types need no rtpmap (RFC 3551 §6).
			switch pt {
			case PCMU.PayloadType:
				d.Codecs = append(d.Codecs, PCMU)
			case PCMA.PayloadType:
				d.Codecs = append(d.Codecs, PCMA)
			}
			continue
		}
		name, rate, _ := strings.Cut(enc, "/")
		rate, _, _ = strings.Cut(rate, "/") // drop encoding parameters (channels)
		if rate != "8000" {
			continue
		}
		if strings.EqualFold(name, "telephone-event") {
			if d.DTMF == 0 && pt >= 96 && pt <= 127 {
				d.DTMF = pt
			}
			continue
		}
		if c, ok := CodecByName(name); ok {
			c.PayloadType = pt
			d.Codecs = append(d.Codecs, c)
		}
	}
	return d, nil
}

// parseRtpmap splits "96 telephone-event/8000" (the value after "a=rtpmap:").
func parseRtpmap(v string) (uint8, string, bool) {
	ptStr, enc, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.ParseUint(ptStr, 10, 8)
	if err != nil || n > 127 {
		return 0, "", false
	}
	return uint8(n), strings.TrimSpace(enc), true
}

func parseDirection(key string) (Direction, bool) {
	switch Direction(key) {
	case SendRecv, SendOnly, RecvOnly, Inactive:
		return Direction(key), true
	}
	return "", false
}

// Negotiated is the outcome of an offer/answer exchange, from our side.
type Negotiated struct {
	// Remote is where to send RTP (until latching finds the real source).
	Remote netip.AddrPort
	// Codec is the one codec both sides use, with the offer's payload type.
	Codec Codec
	// DTMF is the telephone-event payload type, 0 if none.
	DTMF uint8
	// Direction is OUR direction (RFC 3264 §6.1).
	Direction Direction
}

// Answer picks the first codec of prefer that the offer lists, keeping the
// offer's payload type (RFC 3264 §6.1: the answer uses the offer's payload
// type numbers), takes the offer's telephone-event type, and reverses its
// direction. A nil prefer means PCMU then PCMA. It fails with
// ErrNoCommonCodec when no codec matches.
func Answer(offer Description, prefer []Codec) (Negotiated, error) {
	if prefer == nil {
		prefer = []Codec{PCMU, PCMA}
	}
	n := Negotiated{Remote: offer.Addr, DTMF: offer.DTMF, Direction: offer.Direction.Reverse()}
	if !offer.Addr.IsValid() {
		return n, fmt.Errorf("%w: offer has no address", ErrBadSDP)
	}
	for _, want := range prefer {
		for _, have := range offer.Codecs {
			if strings.EqualFold(want.Name, have.Name) && (want.ClockRate == 0 || want.ClockRate == have.ClockRate) {
				n.Codec = have
				return n, nil
			}
		}
	}
	names := make([]string, 0, len(offer.Codecs))
	for _, c := range offer.Codecs {
		names = append(names, c.Name)
	}
	return n, fmt.Errorf("%w: offer has [%s]", ErrNoCommonCodec, strings.Join(names, " "))
}

// Origin is the SDP o= line's session ID and version (RFC 4566 §5.2). Keep
// the ID for the dialog and increment Version for every new description
// (RFC 3264 §8).
type Origin struct {
	SessionID, Version uint64
}

// MarshalSDP writes an answer (one codec) or an offer (several, in order of
// preference) for one audio stream at local: the static or offered payload
// types with their rtpmap, telephone-event/8000 with fmtp 0-16 when dtmf is
// non-zero (RFC 4733 §7.1.1), ptime 20 and the direction attribute.
func MarshalSDP(local netip.AddrPort, o Origin, codecs []Codec, dtmf uint8, dir Direction) []byte {
	ip := local.Addr().Unmap()
	addrType := "IP4"
	if ip.Is6() {
		addrType = "IP6"
	}
	if dir == "" {
		dir = SendRecv
	}
	formats := make([]string, 0, len(codecs)+1)
	attrs := make([]sdp.Attribute, 0, len(codecs)+5)
	for _, c := range codecs {
		rate := c.ClockRate
		if rate == 0 {
			rate = SampleRate
		}
		pt := strconv.Itoa(int(c.PayloadType))
		formats = append(formats, pt)
		attrs = append(attrs, sdp.NewAttribute("rtpmap", pt+" "+c.Name+"/"+strconv.Itoa(rate)))
	}
	if dtmf != 0 {
		pt := strconv.Itoa(int(dtmf))
		formats = append(formats, pt)
		attrs = append(attrs,
			sdp.NewAttribute("rtpmap", pt+" telephone-event/8000"),
			sdp.NewAttribute("fmtp", pt+" 0-16"))
	}
	attrs = append(attrs,
		sdp.NewAttribute("ptime", "20"),
		sdp.NewPropertyAttribute(string(dir)))
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       "switchboard",
			SessionID:      o.SessionID,
			SessionVersion: o.Version,
			NetworkType:    "IN",
			AddressType:    addrType,
			UnicastAddress: ip.String(),
		},
		SessionName: "switchboard",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: addrType,
			Address:     &sdp.Address{Address: ip.String()},
		},
		TimeDescriptions: []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName: sdp.MediaName{
				Media:   "audio",
				Port:    sdp.RangedPort{Value: int(local.Port())},
				Protos:  []string{"RTP", "AVP"},
				Formats: formats,
			},
			Attributes: attrs,
		}},
	}
	b, err := sd.Marshal()
	if err != nil { // pion's Marshal cannot fail today; keep a valid fallback anyway
		return nil
	}
	return b
}
