package audio

import (
	"math"
	"sync"
)

// Music on hold: a generated loop, so it has no licence question.
const (
	mohChordSeconds = 6.0  // each chord lasts this long
	mohFadeSeconds  = 1.5  // crossfade between chords
	mohPluckEvery   = 0.75 // seconds between arpeggio notes
	mohPeakDBFS     = -12.0
)

// mohChords is a slow I–vi–IV–V progression in C major (C maj7, A m7,
// F maj7, G6): a pad of the chord's notes in MIDI numbers; the first is the
// bass.
var mohChords = [][]int{
	{48, 60, 64, 67, 71}, // Cmaj7
	{45, 57, 60, 64, 67}, // Am7
	{41, 57, 60, 64, 65}, // Fmaj7 (A C E F over F)
	{43, 59, 62, 64, 67}, // G6
}

// mohArpeggio is the note order (indexes into the chord, upper notes
// raised an octave) of the plucked arpeggio over each chord.
var mohArpeggio = []int{1, 2, 3, 4, 3, 2, 3, 4}

var (
	mohOnce sync.Once
	mohPCM  []int16
)

// MusicOnHold returns a 24-second loop of gentle music at 8 kHz mono int16
// (a pad of slow chords with soft crossfades and a quiet plucked arpeggio),
// peaking at -12 dBFS. It is computed once and cached: callers must not
// modify the returned slice. The loop is seamless: every frequency is a
// whole number of cycles per loop and every envelope wraps around, so
// playing it again from the start makes no click. Its length is a whole
// number of 20 ms frames.
func MusicOnHold() []int16 {
	mohOnce.Do(func() { mohPCM = renderMOH() })
	return mohPCM
}

func renderMOH() []int16 {
	const rate = PlayRate
	nChords := len(mohChords)
	loop := mohChordSeconds * float64(nChords)
	n := int(loop * rate)
	buf := make([]float64, n)
	// snap rounds a frequency to a whole number of cycles per loop.
	snap := func(f float64) float64 { return math.Round(f*loop) / loop }
	midi := func(note int) float64 { return snap(440 * math.Pow(2, float64(note-69)/12)) }
	// circ returns t-start wrapped into [-loop/2, loop/2).
	circ := func(t, start float64) float64 {
		d := math.Mod(t-start+loop/2, loop)
		if d < 0 {
			d += loop
		}
		return d - loop/2
	}
	// Pad: each chord's envelope is 1 inside its slot and a raised-cosine
	// crossfade of mohFadeSeconds centred on each slot boundary, so the
	// envelopes of neighbouring chords sum to 1.
	padEnv := func(t float64, c int) float64 {
		d := circ(t, (float64(c)+0.5)*mohChordSeconds) // distance from the slot centre
		a := math.Abs(d) - (mohChordSeconds/2 - mohFadeSeconds/2)
		switch {
		case a <= 0:
			return 1
		case a >= mohFadeSeconds:
			return 0
		}
		return 0.5 * (1 + math.Cos(math.Pi*a/mohFadeSeconds))
	}
	for c, chord := range mohChords {
		freqs := make([]float64, len(chord))
		for i, note := range chord {
			freqs[i] = midi(note)
		}
		for s := range n {
			t := float64(s) / rate
			e := padEnv(t, c)
			if e == 0 {
				continue
			}
			var v float64
			for i, f := range freqs {
				w := 2 * math.Pi * f * t
				// A soft tone: fundamental, a little second harmonic, and a
				// slow tremolo per note so the pad breathes.
				trem := 1 + 0.15*math.Sin(2*math.Pi*snap(0.2+0.05*float64(i))*t)
				amp := 0.16
				if i == 0 {
					amp = 0.22 // bass
				}
				v += amp * trem * (math.Sin(w) + 0.25*math.Sin(2*w))
			}
			buf[s] += e * v
		}
	}
	// Arpeggio: plucks with a 10 ms attack and a 0.6 s decay, over the
	// chord of their slot.
	perChord := int(mohChordSeconds / mohPluckEvery)
	for c, chord := range mohChords {
		for p := range perChord {
			start := float64(c)*mohChordSeconds + float64(p)*mohPluckEvery
			f := midi(chord[mohArpeggio[p%len(mohArpeggio)]] + 12)
			for s := range int(3 * rate) {
				t := start + float64(s)/rate
				idx := int(math.Round(t*rate)) % n
				dt := float64(s) / rate
				env := math.Exp(-dt / 0.6)
				if dt < 0.01 {
					env *= 0.5 * (1 - math.Cos(math.Pi*dt/0.01))
				}
				// Fade the tail to exactly 0 at 3 s.
				env *= 0.5 * (1 + math.Cos(math.Pi*dt/3))
				w := 2 * math.Pi * f * t
				buf[idx] += 0.12 * env * (math.Sin(w) + 0.3*math.Sin(2*w)*math.Exp(-dt/0.2))
			}
		}
	}
	var peak float64
	for _, v := range buf {
		peak = max(peak, math.Abs(v))
	}
	gain := math.MaxInt16 * math.Pow(10, mohPeakDBFS/20) / peak
	out := make([]int16, n)
	for i, v := range buf {
		out[i] = clip16(v * gain)
	}
	return out
}
