package audio

import (
	"encoding/binary"
	"fmt"
)

// PlayRate is the sample rate of the audio the voice channel plays: 8 kHz
// mono int16 PCM, sent in 20 ms frames of 160 samples.
const PlayRate = 8000

// DecodePCM8k decodes a WAV file that ParseWAV accepts (16-bit PCM, A-law or
// µ-law; mono or stereo; 8 to 48 kHz) into 8 kHz mono int16 PCM: stereo is
// mixed down (the mean of the two channels) and other rates are resampled
// with Resample (a windowed-sinc low-pass, so 16 or 48 kHz voices do not
// alias). A trailing partial sample frame is ignored. The errors are
// ParseWAV's, which say what is unsupported.
func DecodePCM8k(b []byte) ([]int16, error) {
	info, err := ParseWAV(b)
	if err != nil {
		return nil, err
	}
	data := b[info.DataOffset : info.DataOffset+info.DataBytes]
	var pcm []int16
	switch info.Encoding {
	case "PCM16":
		frames := len(data) / (2 * info.Channels)
		pcm = make([]int16, frames)
		for i := range pcm {
			off := i * 2 * info.Channels
			if info.Channels == 2 {
				l := int32(int16(binary.LittleEndian.Uint16(data[off:])))
				r := int32(int16(binary.LittleEndian.Uint16(data[off+2:])))
				pcm[i] = int16((l + r) >> 1)
			} else {
				pcm[i] = int16(binary.LittleEndian.Uint16(data[off:]))
			}
		}
	case "PCMA", "PCMU":
		table := &ulawTable
		if info.Encoding == "PCMA" {
			table = &alawTable
		}
		frames := len(data) / info.Channels
		pcm = make([]int16, frames)
		for i := range pcm {
			if info.Channels == 2 {
				l, r := int32(table[data[2*i]]), int32(table[data[2*i+1]])
				pcm[i] = int16((l + r) >> 1)
			} else {
				pcm[i] = table[data[i]]
			}
		}
	default: // ParseWAV returns no other encoding
		return nil, fmt.Errorf("unsupported encoding %q", info.Encoding)
	}
	if info.SampleRate != PlayRate {
		pcm = Resample(pcm, info.SampleRate, PlayRate)
	}
	return pcm, nil
}

// G.711 expansion tables (ITU-T G.711, the same values as the reference
// implementation's alaw2linear/ulaw2linear).
var alawTable, ulawTable = func() (a, u [256]int16) {
	for i := range 256 {
		a[i], u[i] = alawDecode(byte(i)), ulawDecode(byte(i))
	}
	return a, u
}()

func alawDecode(v byte) int16 {
	v ^= 0x55
	t := int32(v&0x0F) << 4
	switch seg := (v & 0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if v&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

func ulawDecode(v byte) int16 {
	v = ^v
	t := (int32(v&0x0F) << 3) + 0x84
	t <<= (v & 0x70) >> 4
	if v&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}
