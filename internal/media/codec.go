package media

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zaf/g711"
)

// Codec is an audio codec as negotiated in SDP: its encoding name, the RTP
// payload type it was given and its RTP clock rate (RFC 4566 §6 a=rtpmap).
type Codec struct {
	Name        string
	PayloadType uint8
	ClockRate   int
}

// The two G.711 codecs, with their static payload types (RFC 3551 §6, table 4).
var (
	PCMU = Codec{"PCMU", 0, 8000}
	PCMA = Codec{"PCMA", 8, 8000}
)

const (
	// SampleRate is the rate of all PCM inside the package (8 kHz mono).
	SampleRate = 8000
	// FrameSamples is the number of samples in one 20 ms frame at 8 kHz.
	FrameSamples = 160
	// FrameDuration is the packet time we send and pace at (RFC 3551 §4.5.14).
	FrameDuration = 20 * time.Millisecond
)

// CodecByName returns the codec with this encoding name (case-insensitive,
// RFC 4566 §6: encoding names are case-insensitive), with its static payload
// type.
func CodecByName(name string) (Codec, bool) {
	switch {
	case strings.EqualFold(name, "PCMU"):
		return PCMU, true
	case strings.EqualFold(name, "PCMA"):
		return PCMA, true
	}
	return Codec{}, false
}

// Encode appends the G.711 encoding of pcm (one byte per sample) to dst and
// returns the extended slice. A codec the package does not know returns dst
// unchanged.
func (c Codec) Encode(dst []byte, pcm []int16) []byte {
	var table *[1 << 16]byte
	switch {
	case strings.EqualFold(c.Name, "PCMU"):
		table = ulawTable()
	case strings.EqualFold(c.Name, "PCMA"):
		table = alawTable()
	default:
		return dst
	}
	for _, s := range pcm {
		dst = append(dst, table[uint16(s)])
	}
	return dst
}

// Encoding tables, 64 KiB each, built on first use from zaf/g711's
// encoders: a lookup is about ten times faster than computing the segment
// (see BenchmarkEncodePCMU).
var (
	ulawTable = sync.OnceValue(func() *[1 << 16]byte {
		var t [1 << 16]byte
		for i := range t {
			t[i] = g711.EncodeUlawFrame(int16(uint16(i)))
		}
		return &t
	})
	alawTable = sync.OnceValue(func() *[1 << 16]byte {
		var t [1 << 16]byte
		for i := range t {
			t[i] = g711.EncodeAlawFrame(int16(uint16(i)))
		}
		return &t
	})
)

// Decode appends the linear PCM decoding of a G.711 payload to dst and returns
// the extended slice. A codec the package does not know returns dst
// unchanged.
func (c Codec) Decode(dst []int16, payload []byte) []int16 {
	switch {
	case strings.EqualFold(c.Name, "PCMU"):
		for _, b := range payload {
			dst = append(dst, g711.DecodeUlawFrame(b))
		}
	case strings.EqualFold(c.Name, "PCMA"):
		for _, b := range payload {
			dst = append(dst, g711.DecodeAlawFrame(b))
		}
	}
	return dst
}

// String returns "PCMU/8000" style text for logs.
func (c Codec) String() string {
	if c.Name == "" {
		return "none"
	}
	return c.Name + "/" + strconv.Itoa(c.ClockRate)
}
