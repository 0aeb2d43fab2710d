package media

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/audio"
)

// readStereo reads a recorder's WAV back into its two channels.
func readStereo(t *testing.T, path string) (left, right []int16, info audio.Info) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err = audio.ParseWAV(b)
	if err != nil {
		t.Fatalf("not a valid WAV: %v", err)
	}
	if info.Encoding != "PCM16" || info.Channels != 2 || info.SampleRate != 8000 {
		t.Fatalf("format %+v", info)
	}
	if int64(len(b)) != info.DataOffset+info.DataBytes {
		t.Fatalf("file is %d bytes, header says %d", len(b), info.DataOffset+info.DataBytes)
	}
	data := b[info.DataOffset:]
	for i := 0; i+3 < len(data); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(data[i:])))
		right = append(right, int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	return left, right, info
}

// rms of s[from:to] (in seconds).
func rms(s []int16, from, to float64) float64 {
	a, b := int(from*SampleRate), min(int(to*SampleRate), len(s))
	var sum float64
	for _, v := range s[a:b] {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(max(b-a, 1)))
}

// crossings counts sign changes per second in s[from:to], twice the
// frequency of a pure tone.
func crossings(s []int16, from, to float64) float64 {
	a, b := int(from*SampleRate), int(to*SampleRate)
	n := 0
	for i := a + 1; i < b; i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			n++
		}
	}
	return float64(n) / (to - from)
}

// soundHz is the frequency of a pure tone in s[from:to] measured over its
// sound alone: the silence the recorder puts where packets came late (a
// loaded machine: runs of zeros longer than a millisecond) counts neither
// crossings nor time.
func soundHz(s []int16, from, to float64) float64 {
	a, b := int(from*SampleRate), min(int(to*SampleRate), len(s))
	silent := 0
	for i := a; i < b; {
		j := i
		for j < b && s[j] == 0 {
			j++
		}
		if j-i > SampleRate/1000 {
			silent += j - i
		}
		i = j + 1
	}
	sound := float64(b-a-silent) / SampleRate
	return crossings(s, from, to) * (to - from) / 2 / max(sound, 1.0/SampleRate)
}

func newTestRecorder(t *testing.T, start time.Time) (*Recorder, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "call.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := NewRecorder(f, start)
	if err != nil {
		t.Fatal(err)
	}
	return r, path
}

func TestRecorderWritesCustomerLeftAndOtherRightWithSilence(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	r, path := newTestRecorder(t, start)
	// The customer speaks (1 kHz) from 1 s to 2 s. Packets arrive with
	// jitter, pairwise swapped, and one is lost (frame 30: 1.60-1.62 s). The
	// RTP timestamp and the sequence number wrap during the call.
	cust := tone(1000, 50*FrameSamples, 8000)
	const ts0 = math.MaxUint32 - 10*FrameSamples
	for k := 0; k < 50; k += 2 {
		for _, i := range []int{k + 1, k} {
			if i == 30 {
				continue
			}
			r.Customer(Frame{
				Seq:       uint16(65530 + i),
				Timestamp: uint32(ts0 + i*FrameSamples),
				PCM:       cust[i*FrameSamples : (i+1)*FrameSamples],
				Arrived:   start.Add(time.Second + time.Duration(i)*FrameDuration + time.Duration(i%3)*3*time.Millisecond),
			})
		}
	}
	// We play a prompt (400 Hz) from 3 s to 4 s.
	other := tone(400, 50*FrameSamples, 8000)
	for i := range 50 {
		r.Other(other[i*FrameSamples:(i+1)*FrameSamples], start.Add(3*time.Second+time.Duration(i)*FrameDuration))
	}
	if err := r.Close(start.Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(start.Add(5 * time.Second)); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	left, right, info := readStereo(t, path)
	if info.DurationMs != 5000 || len(left) != 5*SampleRate {
		t.Fatalf("duration %d ms, %d samples; want the span, 5 s", info.DurationMs, len(left))
	}
	for _, c := range []struct {
		name     string
		ch       []int16
		from, to float64
		loud     bool
		hz       float64
	}{
		{"left before the customer", left, 0, 1, false, 0},
		{"left, customer", left, 1, 1.6, true, 1000},
		{"left, lost packet", left, 1.601, 1.619, false, 0},
		{"left, customer after loss", left, 1.62, 2, true, 1000},
		{"left after the customer", left, 2, 5, false, 0},
		{"right before the prompt", right, 0, 3, false, 0},
		{"right, prompt", right, 3, 4, true, 400},
		{"right after the prompt", right, 4, 5, false, 0},
	} {
		v := rms(c.ch, c.from, c.to)
		if c.loud != (v > 1000) || !c.loud && v != 0 {
			t.Errorf("%s: RMS %.0f", c.name, v)
		}
		if c.hz != 0 {
			if got := crossings(c.ch, c.from, c.to) / 2; math.Abs(got-c.hz) > c.hz/20 {
				t.Errorf("%s: %.0f Hz, want %.0f", c.name, got, c.hz)
			}
		}
	}
	// The customer's first sample lands where the first frame arrived.
	if left[SampleRate-1] != 0 || left[SampleRate+2] == 0 {
		t.Errorf("customer audio is not anchored at 1 s: %v", left[SampleRate-2:SampleRate+4])
	}
}

func TestRecorderStreamsLongCallsInBoundedMemory(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	r, path := newTestRecorder(t, start)
	frame := tone(300, FrameSamples, 3000)
	const secs = 60
	for i := range secs * 50 {
		r.Other(frame, start.Add(time.Duration(i)*FrameDuration))
		r.Customer(Frame{Seq: uint16(i), Timestamp: uint32(i * FrameSamples), PCM: frame, Arrived: start.Add(time.Duration(i) * FrameDuration)})
		if len(r.buf) != 2*recWindow {
			t.Fatalf("buffer grew to %d", len(r.buf))
		}
	}
	if written := r.base; written < (secs-3)*SampleRate {
		t.Errorf("only %d samples written before Close: not streaming", written)
	}
	// Audio for a time already written is dropped, not misplaced.
	r.Other(frame, start)
	if r.Dropped() != FrameSamples {
		t.Errorf("Dropped = %d", r.Dropped())
	}
	// A long gap at the end is silence-filled.
	if err := r.Close(start.Add((secs + 5) * time.Second)); err != nil {
		t.Fatal(err)
	}
	left, right, _ := readStereo(t, path)
	if len(left) != (secs+5)*SampleRate {
		t.Fatalf("%d samples", len(left))
	}
	if rms(left, 10, 50) < 1000 || rms(right, 10, 50) < 1000 || rms(left, secs+0.1, secs+5) != 0 || rms(right, secs+0.1, secs+5) != 0 {
		t.Error("wrong content")
	}
}

func TestRecorderTeeRecordsWhatIsPlayed(t *testing.T) {
	start := time.Now()
	r, path := newTestRecorder(t, start)
	w := &clockWriter{}
	if err := Play(t.Context(), r.Tee(w), tone(500, 10*FrameSamples, 6000)); err != nil {
		t.Fatal(err)
	}
	if w.count() != 10 {
		t.Fatalf("%d frames passed through", w.count())
	}
	if err := r.Close(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	left, right, _ := readStereo(t, path)
	if rms(right, 0, 0.15) < 1000 || rms(left, 0, float64(len(left))/SampleRate) != 0 {
		t.Errorf("right RMS %.0f, left RMS %.0f", rms(right, 0, 0.15), rms(left, 0, 0.2))
	}
}

// The whole path: a caller's session plays a tone over real RTP; ours
// records it (left) together with the prompt it plays back (right).
func TestRecordingACallOverRTP(t *testing.T) {
	caller, us := sessionPair(t, nil)
	start := time.Now()
	r, path := newTestRecorder(t, start)
	us.OnAudio(r.Customer)
	ctx := t.Context()
	errs := make(chan error, 2)
	go func() { errs <- Play(ctx, caller, tone(1000, SampleRate/2, 8000)) }() // 0.5 s
	go func() {
		time.Sleep(time.Second)
		errs <- Play(ctx, r.Tee(us), tone(400, SampleRate/2, 8000)) // 1.0-1.5 s
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 5*time.Second, "the caller's audio", func() bool { return us.Stats().PacketsReceived == 25 })
	end := start.Add(2 * time.Second)
	if err := r.Close(end); err != nil {
		t.Fatal(err)
	}
	left, right, info := readStereo(t, path)
	if info.DurationMs != 2000 {
		t.Fatalf("duration %d ms", info.DurationMs)
	}
	// Generous windows: a loaded machine delays goroutines.
	if v := rms(left, 0.1, 0.45); v < 3000 {
		t.Errorf("left channel lacks the caller's tone: RMS %.0f", v)
	}
	if hz := soundHz(left, 0.1, 0.45); math.Abs(hz-1000) > 50 {
		t.Errorf("left channel at %.0f Hz", hz)
	}
	if v := rms(right, 1.1, 1.45); v < 3000 {
		t.Errorf("right channel lacks our prompt: RMS %.0f", v)
	}
	if rms(left, 0.9, 2) != 0 || rms(right, 0, 0.9) != 0 {
		t.Error("audio where there should be silence")
	}
}
