package media

import (
	"testing"

	"github.com/zaf/g711"
)

func TestCodecByName(t *testing.T) {
	for name, want := range map[string]Codec{"PCMU": PCMU, "pcma": PCMA, "PcMu": PCMU} {
		if c, ok := CodecByName(name); !ok || c != want {
			t.Errorf("CodecByName(%q) = %v, %v", name, c, ok)
		}
	}
	if _, ok := CodecByName("G729"); ok {
		t.Error("G729 known")
	}
}

func TestCodecEncodeDecodeMatchesG711AndAppends(t *testing.T) {
	pcm := tone(700, FrameSamples, 12000)
	for _, c := range []Codec{PCMU, PCMA} {
		enc := c.Encode([]byte{0xAA}, pcm)
		if len(enc) != 1+FrameSamples || enc[0] != 0xAA {
			t.Fatalf("%s: Encode did not append: %d bytes", c.Name, len(enc))
		}
		for i, s := range pcm {
			want := g711.EncodeUlawFrame(s)
			if c == PCMA {
				want = g711.EncodeAlawFrame(s)
			}
			if enc[1+i] != want {
				t.Fatalf("%s: sample %d encodes to %d, want %d", c.Name, i, enc[1+i], want)
			}
		}
		dec := c.Decode([]int16{7}, enc[1:])
		if len(dec) != 1+FrameSamples || dec[0] != 7 {
			t.Fatalf("%s: Decode did not append", c.Name)
		}
		for i, s := range dec[1:] {
			if d := int(s) - int(pcm[i]); d > 1100 || d < -1100 {
				t.Fatalf("%s: sample %d: %d decoded as %d", c.Name, i, pcm[i], s)
			}
		}
	}
	all := make([]int16, 1<<16)
	for i := range all {
		all[i] = int16(uint16(i))
	}
	u, a := PCMU.Encode(nil, all), PCMA.Encode(nil, all)
	for i, s := range all {
		if u[i] != g711.EncodeUlawFrame(s) || a[i] != g711.EncodeAlawFrame(s) {
			t.Fatalf("table differs from g711 at %d", s)
		}
	}
	if got := (Codec{Name: "G722"}).Encode(nil, pcm); len(got) != 0 {
		t.Error("unknown codec encoded something")
	}
}

func BenchmarkEncodePCMU(b *testing.B) {
	pcm := tone(440, FrameSamples, 8000)
	buf := make([]byte, 0, FrameSamples)
	for b.Loop() {
		buf = PCMU.Encode(buf[:0], pcm)
	}
}

func BenchmarkDecodePCMA(b *testing.B) {
	payload := PCMA.Encode(nil, tone(440, FrameSamples, 8000))
	buf := make([]int16, 0, FrameSamples)
	for b.Loop() {
		buf = PCMA.Decode(buf[:0], payload)
	}
}

func BenchmarkParseSDP(b *testing.B) {
	for b.Loop() {
		if _, err := ParseSDP([]byte(sippOffer)); err != nil {
			b.Fatal(err)
		}
	}
}
