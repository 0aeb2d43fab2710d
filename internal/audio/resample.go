package audio

import (
	"math"
	"sync"
)

// Resample converts mono PCM from one sample rate to another with a
// rational polyphase resampler: a Blackman-windowed sinc whose cutoff is 90%
// of the lower of the two Nyquist frequencies, so downsampling removes what
// would alias (16 kHz → 8 kHz keeps 0–3.4 kHz and drops ≥ 4 kHz) and
// upsampling (8 kHz → 16 kHz, for speech recognition) adds no images. An
// integer ratio such as 16k/48k → 8k is a single-phase low-pass FIR then
// decimation. Each phase's taps are normalised to unit DC gain. Samples
// beyond either end count as silence. The output has len(pcm)*to/from
// samples (rounded down); the input is not modified. Non-positive rates, or
// equal rates, return a copy of the input.
func Resample(pcm []int16, from, to int) []int16 {
	if from <= 0 || to <= 0 || from == to {
		return append([]int16(nil), pcm...)
	}
	g := gcd(from, to)
	l, m := to/g, from/g // output n sits at input position n*m/l
	n := int(int64(len(pcm)) * int64(l) / int64(m))
	out := make([]int16, n)
	if n == 0 {
		return out
	}
	bank := filterBankFor(l, m)
	h := bank.half
	for j := range out {
		pos := int64(j) * int64(m)
		i := int(pos / int64(l))
		phase := int(pos % int64(l))
		var taps []float64
		if bank.taps != nil {
			taps = bank.taps[phase*2*h : (phase+1)*2*h]
		} else {
			taps = bank.compute(phase, make([]float64, 2*h))
		}
		// taps[k] weighs input sample i-h+1+k.
		start := i - h + 1
		var acc float64
		if start >= 0 && start+2*h <= len(pcm) {
			seg := pcm[start : start+2*h]
			for k, c := range taps {
				acc += c * float64(seg[k])
			}
		} else {
			for k, c := range taps {
				if x := start + k; x >= 0 && x < len(pcm) {
					acc += c * float64(pcm[x])
				}
			}
		}
		out[j] = clip16(acc)
	}
	return out
}

// filterBank holds, for each of l phases, 2*half taps of the low-pass.
type filterBank struct {
	l, half int
	fc      float64   // cutoff in cycles per input sample
	taps    []float64 // nil when l is too large to tabulate
}

// maxTabulated bounds a bank's table (phases × taps floats); larger banks
// (odd rate pairs like 44 099 Hz) compute taps per output sample instead.
const maxTabulated = 1 << 18

var banks sync.Map // [2]int{l, m} → *filterBank

func filterBankFor(l, m int) *filterBank {
	key := [2]int{l, m}
	if b, ok := banks.Load(key); ok {
		return b.(*filterBank)
	}
	ratio := float64(m) / float64(l) // > 1 when downsampling
	half := 24
	fc := 0.45 // 0.9 × Nyquist of the input
	if ratio > 1 {
		half = int(math.Ceil(24 * ratio))
		fc = 0.45 / ratio // 0.9 × Nyquist of the output
	}
	b := &filterBank{l: l, half: half, fc: fc}
	if l*2*half <= maxTabulated {
		b.taps = make([]float64, l*2*half)
		for p := range l {
			b.compute(p, b.taps[p*2*half:(p+1)*2*half])
		}
	}
	v, _ := banks.LoadOrStore(key, b)
	return v.(*filterBank)
}

// compute fills dst (2*half taps) for a phase: tap k weighs input sample
// i-half+1+k for an output at input position i + phase/l.
func (b *filterBank) compute(phase int, dst []float64) []float64 {
	frac := float64(phase) / float64(b.l)
	h := float64(b.half)
	var sum float64
	for k := range dst {
		t := float64(k-b.half+1) - frac // distance from the output position, in input samples
		x := 2 * b.fc * t
		s := 1.0
		if x != 0 {
			s = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		// Blackman window over t ∈ [-h, h].
		w := 0.42 + 0.5*math.Cos(math.Pi*t/h) + 0.08*math.Cos(2*math.Pi*t/h)
		if math.Abs(t) >= h {
			w = 0
		}
		dst[k] = s * w
		sum += dst[k]
	}
	for k := range dst {
		dst[k] /= sum
	}
	return dst
}

func clip16(v float64) int16 {
	v = math.Round(v)
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// RMS returns the root mean square of the samples, in int16 units (0 for
// silence or no samples, about 23 170 for a full-scale sine).
func RMS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(pcm)))
}
