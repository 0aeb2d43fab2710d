// Package audio reads and describes the audio files Switchboard stores
// (prompts, later recordings): RIFF/WAVE with PCM, A-law or µ-law samples.
package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// WAV format codes (RIFF WAVE fmt chunk) that telephony audio uses.
const (
	formatPCM  = 1
	formatALaw = 6
	formatULaw = 7
)

// Info describes a WAV file.
type Info struct {
	Encoding      string // PCM16, PCMA or PCMU
	SampleRate    int
	Channels      int
	BitsPerSample int
	DataBytes     int64
	DurationMs    int64
	// DataOffset is where the samples start in the file.
	DataOffset int64
}

// ErrNotWAV means the bytes are not a RIFF/WAVE file.
var ErrNotWAV = errors.New("not a RIFF/WAVE file")

// ParseWAV reads a WAV header and checks the format is one Switchboard can
// play: 16-bit PCM, A-law or µ-law, mono or stereo, 8 to 48 kHz.
func ParseWAV(b []byte) (Info, error) {
	var info Info
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return info, ErrNotWAV
	}
	var haveFmt bool
	var blockAlign int
	off := 12
	for off+8 <= len(b) {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		if size < 0 || body+size < body {
			return info, fmt.Errorf("chunk %q: bad size", id)
		}
		switch id {
		case "fmt ":
			if size < 16 || body+16 > len(b) {
				return info, errors.New("fmt chunk too short")
			}
			format := int(binary.LittleEndian.Uint16(b[body:]))
			info.Channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			info.SampleRate = int(binary.LittleEndian.Uint32(b[body+4:]))
			blockAlign = int(binary.LittleEndian.Uint16(b[body+12:]))
			info.BitsPerSample = int(binary.LittleEndian.Uint16(b[body+14:]))
			if format == 0xFFFE && size >= 40 && body+26 <= len(b) { // WAVE_FORMAT_EXTENSIBLE: subformat's first two bytes
				format = int(binary.LittleEndian.Uint16(b[body+24:]))
			}
			switch {
			case format == formatPCM && info.BitsPerSample == 16:
				info.Encoding = "PCM16"
			case format == formatALaw && info.BitsPerSample == 8:
				info.Encoding = "PCMA"
			case format == formatULaw && info.BitsPerSample == 8:
				info.Encoding = "PCMU"
			default:
				return info, fmt.Errorf("unsupported WAV encoding (format %d, %d bits): use 16-bit PCM, A-law or µ-law", format, info.BitsPerSample)
			}
			if info.Channels < 1 || info.Channels > 2 {
				return info, fmt.Errorf("unsupported channel count %d: use mono or stereo", info.Channels)
			}
			if info.SampleRate < 8000 || info.SampleRate > 48000 {
				return info, fmt.Errorf("unsupported sample rate %d Hz: use 8000 to 48000", info.SampleRate)
			}
			if blockAlign != info.Channels*info.BitsPerSample/8 {
				return info, fmt.Errorf("inconsistent block align %d", blockAlign)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return info, errors.New("data chunk before fmt chunk")
			}
			avail := len(b) - body
			if size > avail {
				return info, fmt.Errorf("data chunk claims %d bytes but the file has %d", size, avail)
			}
			info.DataBytes, info.DataOffset = int64(size), int64(body)
			bytesPerSec := int64(info.SampleRate * blockAlign)
			info.DurationMs = info.DataBytes * 1000 / bytesPerSec
			return info, nil
		}
		off = body + size + size%2 // chunks are padded to even sizes
	}
	if !haveFmt {
		return info, errors.New("no fmt chunk")
	}
	return info, errors.New("no data chunk")
}

// EncodeWAVHeader returns a 44-byte header for PCM16/PCMA/PCMU data of n bytes.
func EncodeWAVHeader(encoding string, sampleRate, channels int, n int) []byte {
	format, bits := formatPCM, 16
	switch encoding {
	case "PCMA":
		format, bits = formatALaw, 8
	case "PCMU":
		format, bits = formatULaw, 8
	}
	block := channels * bits / 8
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], uint16(format))
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(sampleRate))
	binary.LittleEndian.PutUint32(h[28:], uint32(sampleRate*block))
	binary.LittleEndian.PutUint16(h[32:], uint16(block))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(n))
	return h
}
