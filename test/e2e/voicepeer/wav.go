package voicepeer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// WAV format tags ReadWAV decodes.
const (
	wavPCM        = 1
	wavALaw       = 6
	wavMuLaw      = 7
	wavExtensible = 0xfffe
)

// ReadWAV reads a RIFF/WAVE file and returns its samples as signed 16-bit
// PCM, interleaved when channels > 1. It decodes PCM16 (what baresip's
// sndfile module writes: mono, the decoder's rate, 8000 Hz for G.711),
// 8-bit unsigned PCM, G.711 A-law and µ-law (format tags 6 and 7, and the
// same inside WAVE_FORMAT_EXTENSIBLE). It tolerates a data chunk whose
// size field is 0 or too large (a writer killed before it closed the
// file): it then reads to the end of the file.
func ReadWAV(path string) (samples []int16, rate, channels int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, 0, fmt.Errorf("wav %s: not a RIFF/WAVE file", path)
	}
	var format, bits int
	var data []byte
	haveFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		end := body + size
		if id == "data" && (size == 0 || end > len(b)) {
			end = len(b)
		}
		if end > len(b) || end < body {
			return nil, 0, 0, fmt.Errorf("wav %s: chunk %q overruns the file", path, id)
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, 0, 0, fmt.Errorf("wav %s: short fmt chunk", path)
			}
			format = int(binary.LittleEndian.Uint16(b[body:]))
			channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			rate = int(binary.LittleEndian.Uint32(b[body+4:]))
			bits = int(binary.LittleEndian.Uint16(b[body+14:]))
			if format == wavExtensible && size >= 26 {
				format = int(binary.LittleEndian.Uint16(b[body+24:]))
			}
			haveFmt = true
		case "data":
			data = b[body:end]
		}
		off = end + (end-body)&1 // chunks are padded to an even size
	}
	if !haveFmt {
		return nil, 0, 0, fmt.Errorf("wav %s: no fmt chunk", path)
	}
	if data == nil {
		return nil, 0, 0, fmt.Errorf("wav %s: no data chunk", path)
	}
	if channels < 1 {
		return nil, 0, 0, fmt.Errorf("wav %s: %d channels", path, channels)
	}
	switch {
	case format == wavPCM && bits == 16:
		samples = make([]int16, len(data)/2)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
	case format == wavPCM && bits == 8:
		samples = make([]int16, len(data))
		for i, v := range data {
			samples[i] = (int16(v) - 128) << 8
		}
	case format == wavALaw && bits == 8:
		samples = make([]int16, len(data))
		for i, v := range data {
			samples[i] = ALawToLinear(v)
		}
	case format == wavMuLaw && bits == 8:
		samples = make([]int16, len(data))
		for i, v := range data {
			samples[i] = MuLawToLinear(v)
		}
	default:
		return nil, 0, 0, fmt.Errorf("wav %s: unsupported format %d with %d bits", path, format, bits)
	}
	return samples, rate, channels, nil
}

// ALawToLinear decodes one G.711 A-law byte.
func ALawToLinear(a byte) int16 {
	a ^= 0x55
	t := int16(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return t
	}
	return -t
}

// MuLawToLinear decodes one G.711 µ-law byte.
func MuLawToLinear(u byte) int16 {
	u = ^u
	t := (int16(u&0x0f) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return 0x84 - t
	}
	return t - 0x84
}

// RMS returns the root mean square of samples (0 for none). Silence is 0;
// a full-scale sine is about 23170. A G.711 "silent" stream decodes to
// a few units (A-law 0xd5 is ±8).
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(samples)))
}

// Channel returns channel i (0-based) of interleaved samples with the
// given channel count. It returns nil if i is out of range.
func Channel(samples []int16, channels, i int) []int16 {
	if channels < 1 || i < 0 || i >= channels {
		return nil
	}
	if channels == 1 {
		return samples
	}
	out := make([]int16, 0, len(samples)/channels)
	for j := i; j < len(samples); j += channels {
		out = append(out, samples[j])
	}
	return out
}

// ErrNoAudio is returned by WAVRMS for a file without samples.
var ErrNoAudio = errors.New("wav: no samples")

// WAVRMS reads path and returns the RMS of all its samples and its
// duration.
func WAVRMS(path string) (rms float64, dur float64, err error) {
	s, rate, ch, err := ReadWAV(path)
	if err != nil {
		return 0, 0, err
	}
	if len(s) == 0 || rate == 0 {
		return 0, 0, ErrNoAudio
	}
	return RMS(s), float64(len(s)/ch) / float64(rate), nil
}
