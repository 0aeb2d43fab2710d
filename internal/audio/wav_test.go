package audio

import (
	"strings"
	"testing"
)

func TestParseWAVFormats(t *testing.T) {
	for _, tc := range []struct {
		enc      string
		rate, ch int
		n        int
		wantMs   int64
	}{
		{"PCMU", 8000, 1, 8000, 1000},
		{"PCMA", 8000, 1, 4000, 500},
		{"PCM16", 16000, 1, 64000, 2000},
		{"PCM16", 8000, 2, 32000, 1000},
	} {
		b := append(EncodeWAVHeader(tc.enc, tc.rate, tc.ch, tc.n), make([]byte, tc.n)...)
		info, err := ParseWAV(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.enc, err)
		}
		if info.Encoding != tc.enc || info.SampleRate != tc.rate || info.Channels != tc.ch || info.DurationMs != tc.wantMs || info.DataOffset != 44 {
			t.Errorf("%s: got %+v", tc.enc, info)
		}
	}
}

func TestParseWAVRejectsBadFiles(t *testing.T) {
	good := append(EncodeWAVHeader("PCMU", 8000, 1, 100), make([]byte, 100)...)
	truncated := good[:100]
	badRate := append([]byte(nil), good...)
	badRate[24] = 1 // 8000 -> something tiny
	badRate[25] = 0
	cases := map[string][]byte{
		"not a RIFF":       []byte("hello world, this is not audio"),
		"claims":           truncated,
		"sample rate":      badRate,
		"no data":          good[:44-8],
		"not a RIFF/WAVE ": nil,
	}
	for want, b := range cases {
		_, err := ParseWAV(b)
		if err == nil || !strings.Contains(err.Error(), strings.TrimSpace(want)) {
			t.Errorf("%q: got %v", want, err)
		}
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(append(EncodeWAVHeader("PCMU", 8000, 1, 10), make([]byte, 10)...))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseWAV(b)
		if err == nil && (info.DataOffset+info.DataBytes > int64(len(b)) || info.SampleRate == 0) {
			t.Fatalf("accepted inconsistent file: %+v", info)
		}
	})
}
