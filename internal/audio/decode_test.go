package audio

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
)

func tone(freq float64, rate, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// zeroCrossings counts sign changes, a frequency estimate: a tone of f Hz
// over d seconds has about 2·f·d.
func zeroCrossings(pcm []int16) int {
	n := 0
	for i := 1; i < len(pcm); i++ {
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			n++
		}
	}
	return n
}

// Reference G.711 compressors (ITU-T G.711 / Sun g711.c), for building test files.
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int32(s)
	sign := byte(0)
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, clip) + bias
	exp := byte(7)
	for mask := int32(0x4000); v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(v>>(exp+3)) & 0x0F
	return ^(sign | exp<<4 | mant)
}

func linearToALaw(s int16) byte {
	v := int32(s)
	mask := byte(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	segEnd := []int32{0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF}
	seg := 0
	for seg < 8 && v > segEnd[seg] {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := byte(seg << 4)
	if seg < 2 {
		a |= byte(v>>4) & 0x0F
	} else {
		a |= byte(v>>(seg+3)) & 0x0F
	}
	return a ^ mask
}

func TestG711Tables(t *testing.T) {
	for _, c := range []struct {
		name string
		in   byte
		want int16
		dec  func(byte) int16
	}{
		{"ulaw 0xFF", 0xFF, 0, ulawDecode},
		{"ulaw 0x7F", 0x7F, 0, ulawDecode},
		{"ulaw 0x00", 0x00, -32124, ulawDecode},
		{"ulaw 0x80", 0x80, 32124, ulawDecode},
		{"alaw 0xD5", 0xD5, 8, alawDecode},
		{"alaw 0x55", 0x55, -8, alawDecode},
		{"alaw 0xAA", 0xAA, 32256, alawDecode},
		{"alaw 0x2A", 0x2A, -32256, alawDecode},
	} {
		if got := c.dec(c.in); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
	// Every code round-trips through the reference compressor.
	for i := range 256 {
		if got := linearToULaw(ulawTable[i]); ulawTable[got] != ulawTable[i] {
			t.Errorf("ulaw %#x: %d re-encodes to %#x (%d)", i, ulawTable[i], got, ulawTable[got])
		}
		if got := linearToALaw(alawTable[i]); got != byte(i) {
			t.Errorf("alaw %#x: %d re-encodes to %#x", i, alawTable[i], got)
		}
	}
}

// makeWAV encodes mono or stereo PCM (interleaved when stereo) as a WAV file.
func makeWAV(enc string, rate, channels int, samples []int16) []byte {
	var data []byte
	for _, s := range samples {
		switch enc {
		case "PCM16":
			data = binary.LittleEndian.AppendUint16(data, uint16(s))
		case "PCMA":
			data = append(data, linearToALaw(s))
		case "PCMU":
			data = append(data, linearToULaw(s))
		}
	}
	return append(EncodeWAVHeader(enc, rate, channels, len(data)), data...)
}

func TestDecodePCM8k(t *testing.T) {
	const seconds = 0.5
	for _, enc := range []string{"PCM16", "PCMA", "PCMU"} {
		for _, rate := range []int{8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000} {
			for _, ch := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/%d/%d", enc, rate, ch), func(t *testing.T) {
					n := int(seconds * float64(rate))
					mono := tone(440, rate, n, 10000)
					in := mono
					if ch == 2 {
						// Left carries half the tone, right one and a half
						// times it: the mix-down is the tone again.
						in = make([]int16, 2*n)
						for i, v := range mono {
							in[2*i], in[2*i+1] = v/2, v+v/2
						}
					}
					pcm, err := DecodePCM8k(makeWAV(enc, rate, ch, in))
					if err != nil {
						t.Fatal(err)
					}
					if want := int(seconds * 8000); abs(len(pcm)-want) > 1 {
						t.Fatalf("got %d samples, want %d", len(pcm), want)
					}
					if zc := zeroCrossings(pcm); abs(zc-440) > 4 { // 2·440·0.5
						t.Errorf("zero crossings %d, want about 440", zc)
					}
					if r := RMS(pcm[400 : len(pcm)-400]); math.Abs(r-10000/math.Sqrt2) > 300 {
						t.Errorf("RMS %.0f, want about %.0f", r, 10000/math.Sqrt2)
					}
				})
			}
		}
	}
}

func abs(v int) int { return max(v, -v) }

func TestDecodePCM8kErrors(t *testing.T) {
	bad := EncodeWAVHeader("PCM16", 8000, 1, 4)
	bad[34] = 24 // 24-bit
	bad = append(bad, 0, 0, 0, 0)
	fast := makeWAV("PCM16", 96000, 1, make([]int16, 10))
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"not wav":   {[]byte("hello, this is not a wav file"), "not a RIFF/WAVE"},
		"24-bit":    {bad, "unsupported WAV encoding"},
		"96 kHz":    {fast, "unsupported sample rate"},
		"truncated": {makeWAV("PCM16", 8000, 1, make([]int16, 100))[:100], "data chunk claims"},
	} {
		if _, err := DecodePCM8k(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	// An odd trailing byte is ignored.
	w := makeWAV("PCM16", 8000, 1, []int16{1, 2, 3})
	w = append(w, 9)
	binary.LittleEndian.PutUint32(w[40:], 7)
	if pcm, err := DecodePCM8k(w); err != nil || len(pcm) != 3 {
		t.Errorf("odd data: %v, %v", pcm, err)
	}
}

func TestResampleKeepsFrequency(t *testing.T) {
	for _, c := range [][2]int{{16000, 8000}, {48000, 8000}, {44100, 8000}, {8000, 16000}, {8000, 44100}, {11025, 8000}} {
		from, to := c[0], c[1]
		in := tone(440, from, from, 12000) // 1 s
		out := Resample(in, from, to)
		if len(out) != to {
			t.Errorf("%d→%d: %d samples, want %d", from, to, len(out), to)
		}
		if zc := zeroCrossings(out); abs(zc-880) > 2 {
			t.Errorf("%d→%d: zero crossings %d, want about 880", from, to, zc)
		}
		if r := RMS(out[100 : len(out)-100]); math.Abs(r-12000/math.Sqrt2) > 200 {
			t.Errorf("%d→%d: RMS %.0f, want about %.0f", from, to, r, 12000/math.Sqrt2)
		}
	}
}

func TestResampleRemovesAliases(t *testing.T) {
	// 6 kHz at 16 kHz would alias to 2 kHz at 8 kHz: it must be gone.
	in := tone(6000, 16000, 16000, 20000)
	out := Resample(in, 16000, 8000)
	if r := RMS(out[100 : len(out)-100]); r > 20 { // > 57 dB down from 14 142
		t.Errorf("6 kHz tone after 16k→8k has RMS %.1f, want < 20", r)
	}
	// 5 kHz at 48 kHz likewise.
	out = Resample(tone(5000, 48000, 48000, 20000), 48000, 8000)
	if r := RMS(out[100 : len(out)-100]); r > 20 {
		t.Errorf("5 kHz tone after 48k→8k has RMS %.1f, want < 20", r)
	}
	// Telephone-band speech frequencies pass: 3 kHz within 1 dB.
	out = Resample(tone(3000, 16000, 16000, 20000), 16000, 8000)
	if r := RMS(out[100 : len(out)-100]); r < 20000/math.Sqrt2*0.89 {
		t.Errorf("3 kHz tone after 16k→8k has RMS %.0f, want ≥ %.0f", r, 20000/math.Sqrt2*0.89)
	}
	// Upsampling adds no image: 8k→16k of 1 kHz has nothing at 7 kHz. A
	// 7 kHz image would add zero crossings.
	up := Resample(tone(1000, 8000, 8000, 20000), 8000, 16000)
	if zc := zeroCrossings(up); abs(zc-2000) > 2 {
		t.Errorf("8k→16k of 1 kHz: zero crossings %d, want about 2000", zc)
	}
}

func TestResampleEdgeCases(t *testing.T) {
	in := []int16{1, 2, 3}
	out := Resample(in, 8000, 8000)
	out[0] = 9
	if in[0] != 1 {
		t.Error("same-rate resample aliases the input")
	}
	if got := Resample(nil, 16000, 8000); len(got) != 0 {
		t.Errorf("empty input: %v", got)
	}
	if got := Resample([]int16{5}, 16000, 8000); len(got) != 0 {
		t.Errorf("one sample at 16k: %v", got)
	}
	// Full-scale input clips rather than wraps.
	sq := make([]int16, 1600)
	for i := range sq {
		sq[i] = math.MaxInt16
		if i/40%2 == 1 {
			sq[i] = math.MinInt16
		}
	}
	out = Resample(sq, 16000, 8000)
	if out[10] < 30000 || out[30] > -30000 { // 20-sample half periods at 8 kHz
		t.Errorf("full-scale square wave: %d, %d, want near ±32767", out[10], out[30])
	}
	// An odd rate pair too large to tabulate still works.
	if got := Resample(tone(440, 44099, 44099, 10000), 44099, 8000); abs(zeroCrossings(got)-880) > 2 {
		t.Errorf("44099→8000: zero crossings %d", zeroCrossings(got))
	}
}

func TestRMS(t *testing.T) {
	if RMS(nil) != 0 || RMS(make([]int16, 100)) != 0 {
		t.Error("silence is not 0")
	}
	if r := RMS([]int16{100, -100, 100, -100}); r != 100 {
		t.Errorf("RMS = %v, want 100", r)
	}
}

func TestMusicOnHold(t *testing.T) {
	pcm := MusicOnHold()
	if secs := float64(len(pcm)) / PlayRate; secs < 20 || secs > 30 {
		t.Errorf("loop is %.1f s, want 20–30", secs)
	}
	if len(pcm)%160 != 0 {
		t.Errorf("loop is not a whole number of 20 ms frames: %d samples", len(pcm))
	}
	var peak, maxStep int
	for i, v := range pcm {
		peak = max(peak, abs(int(v)))
		if i > 0 {
			maxStep = max(maxStep, abs(int(v)-int(pcm[i-1])))
		}
	}
	want := int(math.MaxInt16 * math.Pow(10, -12.0/20)) // -12 dBFS
	if abs(peak-want) > 2 {
		t.Errorf("peak %d, want about %d (-12 dBFS)", peak, want)
	}
	// Never silent for long: every second has sound.
	for s := 0; s+PlayRate <= len(pcm); s += PlayRate {
		if r := RMS(pcm[s : s+PlayRate]); r < 300 {
			t.Errorf("second %d: RMS %.0f, too quiet", s/PlayRate, r)
		}
	}
	// The seam (last sample → first) is no bigger a step than the music
	// makes anyway, and the waveform continues smoothly: extrapolating the
	// last two samples predicts the first about as well as inside the loop.
	seam := abs(int(pcm[0]) - int(pcm[len(pcm)-1]))
	if seam > maxStep {
		t.Errorf("seam step %d > largest step inside the loop %d", seam, maxStep)
	}
	pred := func(a, b, c int16) int { return abs(2*int(b) - int(a) - int(c)) }
	var maxPred int
	for i := 2; i < len(pcm); i++ {
		maxPred = max(maxPred, pred(pcm[i-2], pcm[i-1], pcm[i]))
	}
	n := len(pcm)
	if p := max(pred(pcm[n-2], pcm[n-1], pcm[0]), pred(pcm[n-1], pcm[0], pcm[1])); p > maxPred {
		t.Errorf("seam second difference %d > largest inside %d", p, maxPred)
	}
	if &MusicOnHold()[0] != &pcm[0] {
		t.Error("MusicOnHold is not cached")
	}
}

func BenchmarkResample16kTo8k(b *testing.B) {
	in := tone(440, 16000, 16000, 10000)
	b.SetBytes(int64(2 * len(in)))
	for b.Loop() {
		Resample(in, 16000, 8000)
	}
}
