package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEndpoint is an Endpoint without a network: packets are delivered by
// the test, writes and digits recorded. It has no Codec method, so the
// mixer sends it PCMU.
type fakeEndpoint struct {
	mu     sync.Mutex
	sink   func(Packet)
	writes int
	codec  Codec              // of the last write
	last   [FrameSamples]byte // the last write's payload
	digits []rune             // sent with SendDTMF
	tries  int                // SendDTMF calls, failed ones included
	dur    time.Duration      // the last digit's duration
	noDTMF bool               // SendDTMF fails with ErrNoDTMF
	dtmf   chan rune
	done   chan struct{}
}

func newFake() *fakeEndpoint {
	return &fakeEndpoint{dtmf: make(chan rune, DTMFBuffer), done: make(chan struct{})}
}

func (f *fakeEndpoint) OnPacket(fn func(Packet)) {
	f.mu.Lock()
	f.sink = fn
	f.mu.Unlock()
}

func (f *fakeEndpoint) WriteEncoded(c Codec, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	f.codec = c
	copy(f.last[:], payload)
	return nil
}

func (f *fakeEndpoint) DTMF() <-chan rune     { return f.dtmf }
func (f *fakeEndpoint) Done() <-chan struct{} { return f.done }

func (f *fakeEndpoint) SendDTMF(_ context.Context, d rune, dur time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if f.noDTMF {
		return fmt.Errorf("%w on fake", ErrNoDTMF)
	}
	f.digits, f.dur = append(f.digits, d), dur
	return nil
}

// deliver hands p to the sink, as a read loop would.
func (f *fakeEndpoint) deliver(p Packet) {
	f.mu.Lock()
	fn := f.sink
	f.mu.Unlock()
	if fn != nil {
		fn(p)
	}
}

func (f *fakeEndpoint) hasSink() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sink != nil
}

func (f *fakeEndpoint) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

// heard decodes the last frame written to f.
func (f *fakeEndpoint) heard(t *testing.T) []int16 {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writes == 0 {
		t.Fatal("nothing was written")
	}
	return f.codec.Decode(nil, f.last[:])
}

func (f *fakeEndpoint) sentDigits() []rune {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]rune(nil), f.digits...)
}

// pcmaFake is a fake that reports PCMA as its codec, as a Session does.
type pcmaFake struct{ *fakeEndpoint }

func (pcmaFake) Codec() Codec { return PCMA }

// roundTrip returns pcm as it comes out of a PCMU round trip.
func roundTrip(pcm []int16) []int16 { return PCMU.Decode(nil, PCMU.Encode(nil, pcm)) }

func constant(v int16, n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = v
	}
	return pcm
}

func pcmuPacket(pcm []int16) Packet { return Packet{Codec: PCMU, Payload: PCMU.Encode(nil, pcm)} }

// mixOf is what a participant should hear: the sum of the others' frames
// (as decoded), clipped, through codec c.
func mixOf(c Codec, frames ...[]int16) []int16 {
	sum := make([]int16, FrameSamples)
	for i := range sum {
		var v int32
		for _, f := range frames {
			v += int32(f[i])
		}
		sum[i] = clamp16(v)
	}
	return c.Decode(nil, c.Encode(nil, sum))
}

func samePCM(t *testing.T, what string, got, want []int16) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d samples, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: sample %d is %d, want %d", what, i, got[i], want[i])
		}
	}
}

func TestMixerEachParticipantHearsTheSumOfTheOthers(t *testing.T) {
	m := NewMixer(quiet)
	a, b, c := newFake(), newFake(), pcmaFake{newFake()}
	m.Add(a)
	m.Add(b)
	m.Add(c)
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	fa, fb, fc := tone(440, FrameSamples, 8000), tone(1000, FrameSamples, 6000), constant(-500, FrameSamples)
	a.deliver(pcmuPacket(fa))
	b.deliver(pcmuPacket(fb))
	c.deliver(Packet{Codec: PCMA, Payload: PCMA.Encode(nil, fc)})
	m.tick()
	da, db, dc := roundTrip(fa), roundTrip(fb), PCMA.Decode(nil, PCMA.Encode(nil, fc))
	samePCM(t, "A", a.heard(t), mixOf(PCMU, db, dc))
	samePCM(t, "B", b.heard(t), mixOf(PCMU, da, dc))
	// C reports PCMA: its mix is encoded with A-law directly.
	if c.codec.Name != "PCMA" {
		t.Fatalf("C was sent %s, want PCMA", c.codec)
	}
	samePCM(t, "C", c.heard(t), mixOf(PCMA, da, db))

	// Nobody sent this tick: everyone gets a frame of silence, on time.
	m.tick()
	for name, f := range map[string]*fakeEndpoint{"A": a, "B": b, "C": c.fakeEndpoint} {
		if f.writeCount() != 2 {
			t.Fatalf("%s got %d writes after two ticks", name, f.writeCount())
		}
		samePCM(t, name+" (silence)", f.heard(t), mixOf(f.codec)) // A-law silence is ±8
	}
}

func TestMixerMutedParticipantStillHearsButIsNotHeard(t *testing.T) {
	m := NewMixer(quiet)
	a, b, c := newFake(), newFake(), newFake()
	m.Add(a)
	m.Add(b)
	m.Add(c)
	m.SetMuted(b, true)
	fa, fb, fc := tone(440, FrameSamples, 8000), tone(1000, FrameSamples, 6000), tone(700, FrameSamples, 3000)
	send := func() {
		a.deliver(pcmuPacket(fa))
		b.deliver(pcmuPacket(fb))
		c.deliver(pcmuPacket(fc))
		m.tick()
	}
	send()
	da, db, dc := roundTrip(fa), roundTrip(fb), roundTrip(fc)
	samePCM(t, "A", a.heard(t), mixOf(PCMU, dc))
	samePCM(t, "B (muted)", b.heard(t), mixOf(PCMU, da, dc))
	samePCM(t, "C", c.heard(t), mixOf(PCMU, da))

	m.SetMuted(b, false)
	send()
	samePCM(t, "A after unmute", a.heard(t), mixOf(PCMU, db, dc))
	samePCM(t, "C after unmute", c.heard(t), mixOf(PCMU, da, db))
	m.SetMuted(newFake(), true) // not a participant: ignored
}

func TestMixerOfTwoIsAPlainMix(t *testing.T) {
	m := NewMixer(quiet)
	a, b := newFake(), newFake()
	m.Add(a)
	m.Add(b)
	fa, fb := tone(440, FrameSamples, 8000), tone(1000, FrameSamples, 6000)
	a.deliver(pcmuPacket(fa))
	b.deliver(pcmuPacket(fb))
	m.tick()
	samePCM(t, "A", a.heard(t), roundTrip(fb))
	samePCM(t, "B", b.heard(t), roundTrip(fa))
}

func TestMixerClipsInsteadOfWrappingAround(t *testing.T) {
	m := NewMixer(quiet)
	a, b, c := newFake(), newFake(), newFake()
	m.Add(a)
	m.Add(b)
	m.Add(c)
	a.deliver(pcmuPacket(constant(30000, FrameSamples)))
	b.deliver(pcmuPacket(constant(30000, FrameSamples)))
	m.tick()
	for i, s := range c.heard(t) {
		if s < 30000 {
			t.Fatalf("C sample %d is %d: the sum of two loud voices wrapped around instead of clipping", i, s)
		}
	}
}

func TestMixerCutsPacketsOfOtherSizesIntoFrames(t *testing.T) {
	m := NewMixer(quiet)
	a, b := newFake(), newFake()
	m.Add(a)
	m.Add(b)
	src := tone(440, 4*FrameSamples, 8000)
	want := roundTrip(src)
	silence := make([]int16, FrameSamples)

	a.deliver(pcmuPacket(src[:80])) // 10 ms: half a frame
	m.tick()
	samePCM(t, "after 10 ms", b.heard(t), silence)
	a.deliver(pcmuPacket(src[80:160]))
	m.tick()
	samePCM(t, "after 20 ms", b.heard(t), want[:160])
	a.deliver(pcmuPacket(src[160:400])) // 30 ms: a frame and a half
	m.tick()
	samePCM(t, "after 50 ms", b.heard(t), want[160:320])
	m.tick()
	samePCM(t, "half a frame left", b.heard(t), silence)
	a.deliver(pcmuPacket(src[400:480]))
	m.tick()
	samePCM(t, "after 60 ms", b.heard(t), want[320:480])
}

func TestMixerQueueKeepsTheNewestFramesWhenASenderRunsAhead(t *testing.T) {
	m := NewMixer(quiet)
	a, b := newFake(), newFake()
	m.Add(a)
	m.Add(b)
	// Eight frames arrive before a tick: only the last five are kept.
	for k := range 8 {
		a.deliver(pcmuPacket(constant(int16(1000*(k+1)), FrameSamples)))
	}
	for k := 3; k < 8; k++ {
		m.tick()
		samePCM(t, fmt.Sprintf("tick for frame %d", k), b.heard(t), roundTrip(constant(int16(1000*(k+1)), FrameSamples)))
	}
	m.tick()
	samePCM(t, "queue drained", b.heard(t), make([]int16, FrameSamples))
}

func TestMixerIgnoresBadPackets(t *testing.T) {
	m := NewMixer(quiet)
	a, b := newFake(), newFake()
	m.Add(a)
	m.Add(b)
	total := 0
	for _, n := range []int{0, 1, 3, 79, 161, 333, 1400, 1401, 4096} {
		a.deliver(Packet{Codec: PCMU, Payload: make([]byte, n)})
		total += n
	}
	a.deliver(Packet{Codec: Codec{Name: "G722", PayloadType: 9, ClockRate: 8000}, Payload: make([]byte, 160)})
	a.deliver(Packet{Payload: make([]byte, 7)}) // no codec at all
	// The odd sizes add up to whole frames and a remainder; the queue holds
	// at most five of them.
	frames := min(total/FrameSamples, mixQueueFrames)
	for range frames + 2 {
		m.tick()
	}
	if b.writeCount() != frames+2 {
		t.Fatalf("B got %d writes in %d ticks", b.writeCount(), frames+2)
	}
	a.deliver(pcmuPacket(make([]int16, FrameSamples-total%FrameSamples)))
	a.deliver(pcmuPacket(tone(440, FrameSamples, 8000)))
	m.tick() // the completed remainder
	m.tick()
	samePCM(t, "B after the garbage", b.heard(t), roundTrip(tone(440, FrameSamples, 8000)))
}

func TestMixerRemoveRestoresTheSinkAndStopsWrites(t *testing.T) {
	m := NewMixer(quiet)
	a, b, c := newFake(), newFake(), newFake()
	m.Add(a)
	removeB := m.Add(b)
	m.Add(c)
	if again := m.Add(b); m.Len() != 3 {
		t.Fatalf("adding B twice: Len = %d, want 3", m.Len())
	} else {
		again() // the same participant's remove
	}
	if m.Len() != 2 || b.hasSink() {
		t.Fatalf("after remove: Len = %d, B has a sink: %v", m.Len(), b.hasSink())
	}
	removeB() // idempotent
	if m.Len() != 2 {
		t.Fatalf("a second remove changed Len to %d", m.Len())
	}
	n := b.writeCount()
	b.deliver(pcmuPacket(tone(1000, FrameSamples, 8000))) // no sink: nothing happens
	a.deliver(pcmuPacket(tone(440, FrameSamples, 8000)))
	m.tick()
	if b.writeCount() != n {
		t.Fatal("the mixer wrote to a removed endpoint")
	}
	samePCM(t, "C", c.heard(t), roundTrip(tone(440, FrameSamples, 8000)))
	samePCM(t, "A", a.heard(t), make([]int16, FrameSamples))
}

func TestMixerTickDoesNotAllocate(t *testing.T) {
	m := NewMixer(quiet)
	fakes := []*fakeEndpoint{newFake(), newFake(), newFake()}
	for _, f := range fakes {
		m.Add(f)
	}
	pkt := pcmuPacket(tone(440, FrameSamples, 8000))
	allocs := testing.AllocsPerRun(200, func() {
		for _, f := range fakes {
			f.deliver(pkt)
		}
		m.tick()
	})
	if allocs != 0 {
		t.Fatalf("a tick allocates %v times", allocs)
	}
}

// logCounter counts log records whose message contains a substring.
type logCounter struct {
	substr string
	mu     sync.Mutex
	n      int
}

func (h *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		h.mu.Lock()
		h.n++
		h.mu.Unlock()
	}
	return nil
}
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logCounter) WithGroup(string) slog.Handler      { return h }
func (h *logCounter) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// runMixer runs m until the test ends, and checks that Run returns nil.
func runMixer(t *testing.T, m *Mixer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Mixer.Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Mixer.Run did not return after cancel")
		}
	})
}

func TestMixerRelaysDigitsToTheOthersAndWarnsOnceWithoutTelephoneEvent(t *testing.T) {
	logs := &logCounter{substr: "no telephone-event"}
	m := NewMixer(slog.New(logs))
	a, b, c := newFake(), newFake(), newFake()
	c.noDTMF = true
	m.Add(a)
	m.Add(b)
	m.Add(c)
	runMixer(t, m)
	a.dtmf <- '7'
	a.dtmf <- '#'
	a.dtmf <- '9'
	checkFor(t, 2*time.Second, "B to get the digits", func() bool { return len(b.sentDigits()) == 3 })
	if got := string(b.sentDigits()); got != "7#9" {
		t.Fatalf("B was sent %q, want 7#9", got)
	}
	b.mu.Lock()
	dur := b.dur
	b.mu.Unlock()
	if dur != BridgeDTMFDuration {
		t.Fatalf("digit duration %v, want %v", dur, BridgeDTMFDuration)
	}
	// C's digits are sent one after the other: once the third is tried,
	// the first two failures have been handled.
	checkFor(t, 2*time.Second, "C to be asked to send the digits", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.tries == 3
	})
	if n := logs.count(); n != 1 {
		t.Fatalf("the missing telephone-event was logged %d times, want once", n)
	}
	if len(a.sentDigits()) != 0 {
		t.Fatalf("A got its own digits back: %q", string(a.sentDigits()))
	}
	// And the other way, from a participant added while Run runs.
	d := newFake()
	m.Add(d)
	d.dtmf <- '3'
	checkFor(t, 2*time.Second, "A and B to get the digit of a late joiner", func() bool {
		return strings.Contains(string(a.sentDigits()), "3") && strings.Contains(string(b.sentDigits()), "3")
	})
}

func TestMixerDropsAnEndpointThatCloses(t *testing.T) {
	m := NewMixer(quiet)
	a, b, c := newFake(), newFake(), newFake()
	m.Add(a)
	m.Add(b)
	m.Add(c)
	runMixer(t, m)
	close(c.done)
	checkFor(t, 2*time.Second, "the closed endpoint to be dropped", func() bool { return m.Len() == 2 })
	if c.hasSink() {
		t.Fatal("the closed endpoint kept the mixer's sink")
	}
	n := c.writeCount()
	checkFor(t, 2*time.Second, "A and B to keep getting frames", func() bool { return a.writeCount() > n+3 && b.writeCount() > n+3 })
	if c.writeCount() != n {
		t.Fatal("the mixer kept writing to the closed endpoint")
	}
}

func TestMixerRunTicksEvery20msAndOnlyOnce(t *testing.T) {
	m := NewMixer(quiet)
	a := newFake()
	m.Add(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	checkFor(t, 2*time.Second, "the first tick", func() bool { return a.writeCount() > 0 })
	if err := m.Run(ctx); !errors.Is(err, ErrRunning) {
		t.Fatalf("a second Run = %v, want ErrRunning", err)
	}
	n0, t0 := a.writeCount(), time.Now()
	time.Sleep(500 * time.Millisecond)
	n, el := a.writeCount()-n0, time.Since(t0)
	// The schedule catches up after a late tick (at most one extra), and
	// skips ticks only after a stall of more than 60 ms.
	if want := int(el / FrameDuration); n < want-5 || n > want+2 {
		t.Fatalf("%d ticks in %v, want about %d", n, el, want)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return")
	}
	// The participant stays, and a new Run carries on with it.
	if m.Len() != 1 {
		t.Fatalf("Len after Run = %d", m.Len())
	}
	n = a.writeCount()
	runMixer(t, m)
	checkFor(t, 2*time.Second, "ticks from a second Run", func() bool { return a.writeCount() > n })
}

// conference is three legs in a mixer, each talking to a peer session over
// loopback UDP: peer i ↔ leg i =Mixer=.
type conference struct {
	m      *Mixer
	legs   [3]*Session
	peers  [3]*Session
	heard  [3]*frameSink // what each peer received
	remove [3]func()
}

func newConference(t *testing.T, log *slog.Logger, codecs [3]Codec, dtmf [3]uint8) *conference {
	t.Helper()
	ports := testPorts(t, 12)
	open := func() *Conn {
		c, err := ports.Open()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := &conference{m: NewMixer(log)}
	for i := range 3 {
		cl, cp := open(), open()
		c.legs[i] = NewSession(SessionConfig{Conn: cl, Remote: cp.LocalAddr(), Codec: codecs[i], DTMF: dtmf[i], Logger: quiet})
		c.peers[i] = NewSession(SessionConfig{Conn: cp, Remote: cl.LocalAddr(), Codec: codecs[i], DTMF: dtmf[i], Logger: quiet})
		runSession(t, c.legs[i])
		runSession(t, c.peers[i])
		c.heard[i] = &frameSink{}
		c.peers[i].OnAudio(c.heard[i].add)
		c.remove[i] = c.m.Add(c.legs[i])
	}
	runMixer(t, c.m)
	return c
}

// talk makes peer i send a continuous tone until the test ends.
func (c *conference) talk(t *testing.T, i int, hz, amp float64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan struct{})
	go func() { defer close(exited); _ = Loop(ctx, c.peers[i], tone(hz, SampleRate, amp)) }()
	t.Cleanup(func() { cancel(); <-exited })
}

// listen returns the next n frames peer i receives, after skipping skip.
func (c *conference) listen(t *testing.T, i, skip, n int) []int16 {
	t.Helper()
	from := c.heard[i].len() + skip
	checkFor(t, 5*time.Second, fmt.Sprintf("peer %d to receive %d frames", i, skip+n), func() bool {
		return c.heard[i].len() >= from+n
	})
	var pcm []int16
	for _, f := range c.heard[i].get()[from : from+n] {
		pcm = append(pcm, f.PCM...)
	}
	return pcm
}

// goertzel returns the power of x at hz (Hann-windowed, so that a strong
// tone does not leak into a far bin), normalised so that a full-length
// sine of amplitude a gives about a²/16.
func goertzel(x []int16, hz float64) float64 {
	n := float64(len(x))
	coeff := 2 * math.Cos(2*math.Pi*hz/SampleRate)
	var s1, s2 float64
	for i, v := range x {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/(n-1))
		s := float64(v)*w + coeff*s1 - s2
		s2, s1 = s1, s
	}
	return (s1*s1 + s2*s2 - coeff*s1*s2) / (n * n)
}

// tonePower is goertzel of a clean tone of amplitude amp: what a listener
// hearing it whole would measure.
func tonePower(hz, amp float64) float64 { return goertzel(tone(hz, 4000, amp), hz) }

// spectrum describes what a peer heard, for failure messages.
func spectrum(pcm []int16) string {
	return fmt.Sprintf("440 Hz: %.3g, 1000 Hz: %.3g (clean tones: %.3g, %.3g)",
		goertzel(pcm, 440), goertzel(pcm, 1000), tonePower(440, 8000), tonePower(1000, 6000))
}

// hears reports whether pcm carries the tone at hz of amplitude amp, at
// least at a quarter of its power (frames lost to timing cost some).
func hears(pcm []int16, hz, amp float64) bool { return goertzel(pcm, hz) > tonePower(hz, amp)/4 }

// hearsNothingOf reports whether pcm has less than 1/10000 (-40 dB) of the
// power of a tone at hz of amplitude amp.
func hearsNothingOf(pcm []int16, hz, amp float64) bool {
	return goertzel(pcm, hz) < tonePower(hz, amp)/1e4
}

const (
	toneA, ampA = 440, 8000
	toneB, ampB = 1000, 6000
)

func TestMixerConferenceOfThreeSessions(t *testing.T) {
	// C's leg negotiated PCMA: the mixer encodes its mix with A-law.
	c := newConference(t, quiet, [3]Codec{PCMU, PCMU, PCMA}, [3]uint8{101, 101, 101})
	c.talk(t, 0, toneA, ampA)
	c.talk(t, 1, toneB, ampB)
	// Peer C is silent.
	// Each listens after 10 frames, once both talkers' audio flows (on a loaded
	// machine one talker may start a few frames after the other).
	heardA, heardB, heardC := c.listen(t, 0, 10, 25), c.listen(t, 1, 10, 25), c.listen(t, 2, 10, 25)
	t.Logf("A heard %s", spectrum(heardA))
	t.Logf("B heard %s", spectrum(heardB))
	t.Logf("C heard %s", spectrum(heardC))
	if !hears(heardC, toneA, ampA) || !hears(heardC, toneB, ampB) {
		t.Errorf("C should hear both A and B: %s", spectrum(heardC))
	}
	if !hears(heardA, toneB, ampB) || !hearsNothingOf(heardA, toneA, ampA) {
		t.Errorf("A should hear B and not itself: %s", spectrum(heardA))
	}
	if !hears(heardB, toneA, ampA) || !hearsNothingOf(heardB, toneB, ampB) {
		t.Errorf("B should hear A and not itself: %s", spectrum(heardB))
	}
	for i, p := range c.peers {
		if st := p.Stats(); st.Invalid != 0 {
			t.Errorf("peer %d counted %d invalid packets", i, st.Invalid)
		}
	}
}

func TestMixerMuteStopsAParticipantReachingTheOthers(t *testing.T) {
	c := newConference(t, quiet, [3]Codec{PCMU, PCMU, PCMU}, [3]uint8{101, 101, 101})
	c.talk(t, 0, toneA, ampA)
	c.talk(t, 1, toneB, ampB)
	if heard := c.listen(t, 2, 10, 15); !hears(heard, toneB, ampB) {
		t.Fatalf("before the mute C should hear B: %s", spectrum(heard))
	}
	c.m.SetMuted(c.legs[1], true)
	heardC, heardB := c.listen(t, 2, 3, 25), c.listen(t, 1, 0, 25)
	if !hearsNothingOf(heardC, toneB, ampB) || !hears(heardC, toneA, ampA) {
		t.Errorf("with B muted C should hear A only: %s", spectrum(heardC))
	}
	if !hears(heardB, toneA, ampA) {
		t.Errorf("muted B should still hear A: %s", spectrum(heardB))
	}
	c.m.SetMuted(c.legs[1], false)
	if heard := c.listen(t, 2, 3, 25); !hears(heard, toneB, ampB) {
		t.Errorf("after the unmute C should hear B again: %s", spectrum(heard))
	}
}

func TestMixerRemoveWhileRunning(t *testing.T) {
	c := newConference(t, quiet, [3]Codec{PCMU, PCMU, PCMU}, [3]uint8{101, 101, 101})
	c.talk(t, 0, toneA, ampA)
	c.talk(t, 2, toneB, ampB) // C talks, then leaves
	if heard := c.listen(t, 1, 10, 10); !hears(heard, toneB, ampB) {
		t.Fatalf("B should hear C before C leaves: %s", spectrum(heard))
	}
	c.remove[2]()
	if c.m.Len() != 2 || c.legs[2].onPacket.Load() != nil {
		t.Fatalf("after remove: Len = %d, C's leg has a sink: %v", c.m.Len(), c.legs[2].onPacket.Load() != nil)
	}
	sent := c.legs[2].Stats().PacketsSent
	heardB := c.listen(t, 1, 3, 25)
	if !hearsNothingOf(heardB, toneB, ampB) || !hears(heardB, toneA, ampA) {
		t.Errorf("after C left B should hear A only: %s", spectrum(heardB))
	}
	if n := c.legs[2].Stats().PacketsSent; n != sent {
		t.Errorf("the mixer sent %d packets on C's leg after it was removed", n-sent)
	}
	// The two left can go back to a plain bridge.
	c.remove[0]()
	c.remove[1]()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, c.legs[0], c.legs[1]) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Bridge: %v", err)
		}
	}()
	if heard := c.listen(t, 1, 5, 10); !hears(heard, toneA, ampA) {
		t.Errorf("B should hear A through the bridge: %s", spectrum(heard))
	}
}

func TestMixerRelaysDTMFBetweenSessionsAsEvents(t *testing.T) {
	c := newConference(t, quiet, [3]Codec{PCMU, PCMU, PCMA}, [3]uint8{101, 96, 101})
	if err := c.peers[0].SendDTMF(context.Background(), '5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		select {
		case d := <-c.peers[i].DTMF():
			if d != '5' {
				t.Fatalf("peer %d got %q, want 5", i, d)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("the digit did not reach peer %d", i)
		}
		if st := c.peers[i].Stats(); st.DTMFEvents != 1 || st.Invalid != 0 {
			t.Fatalf("peer %d: %d events, %d invalid packets", i, st.DTMFEvents, st.Invalid)
		}
	}
	select {
	case d := <-c.peers[0].DTMF():
		t.Fatalf("A got its own digit %q back", d)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestMixerDropsASessionThatCloses(t *testing.T) {
	c := newConference(t, quiet, [3]Codec{PCMU, PCMU, PCMU}, [3]uint8{101, 101, 101})
	c.talk(t, 0, toneA, ampA)
	c.listen(t, 1, 0, 5)
	c.legs[2].Close()
	checkFor(t, 2*time.Second, "the closed leg to leave the mixer", func() bool { return c.m.Len() == 2 })
	if heard := c.listen(t, 1, 3, 10); !hears(heard, toneA, ampA) {
		t.Errorf("B should still hear A: %s", spectrum(heard))
	}
}

func TestMixerSurvivesOddPacketsFromTheNetwork(t *testing.T) {
	peer := newRawPeer(t)
	ports := testPorts(t, 4)
	leg := newSession(t, ports, peer.addr(), nil)
	other := newSession(t, ports, netip.MustParseAddrPort("127.0.0.1:9"), nil)
	runSession(t, leg)
	runSession(t, other)
	var heard frameSink
	m := NewMixer(quiet)
	m.Add(leg)
	m.Add(other)
	other.OnAudio(heard.add)
	runMixer(t, m)
	seq := uint16(1)
	for _, n := range []int{0, 1, 3, 79, 161, 333, 1, 1400} {
		peer.send(t, leg.LocalAddr(), rtpPacket(t, 0, seq, uint32(seq)*160, make([]byte, n)))
		seq++
	}
	checkFor(t, 2*time.Second, "the odd packets to arrive", func() bool { return leg.Stats().PacketsReceived+leg.Stats().Invalid >= 8 })
	// The mixer still sends the peer its frames.
	for range 5 {
		if _, ok := peer.read(t, time.Second); !ok {
			t.Fatal("the mixer stopped sending after odd packets")
		}
	}
	if m.Len() != 2 {
		t.Fatalf("Len = %d", m.Len())
	}
}

// BenchmarkMixerTick measures one tick with every participant sending a
// 20 ms PCMU packet (decoding into the queue, summing, and encoding a mix
// for each): with fake endpoints (the mixer's own cost), and with real
// sessions (plus one RTP send per participant over loopback UDP).
func BenchmarkMixerTick(b *testing.B) {
	pkt := pcmuPacket(tone(440, FrameSamples, 8000))
	for _, n := range []int{3, 10} {
		b.Run(fmt.Sprintf("fake/%d", n), func(b *testing.B) {
			m := NewMixer(quiet)
			fakes := make([]*fakeEndpoint, n)
			for i := range fakes {
				fakes[i] = newFake()
				m.Add(fakes[i])
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range fakes {
					f.deliver(pkt)
				}
				m.tick()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/participant")
		})
		b.Run(fmt.Sprintf("sessions/%d", n), func(b *testing.B) {
			peer := newRawPeer(b)
			go func() { // drain, so the socket buffer never fills
				buf := make([]byte, 1500)
				for {
					if _, _, err := peer.conn.ReadFromUDPAddrPort(buf); err != nil {
						return
					}
				}
			}()
			ports := testPorts(b, n+2)
			m := NewMixer(quiet)
			sinks := make([]func(Packet), n)
			for i := range n {
				s := newSession(b, ports, peer.addr(), nil)
				b.Cleanup(func() { s.Close() })
				m.Add(s)
				sinks[i] = *s.onPacket.Load()
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, sink := range sinks {
					sink(pkt)
				}
				m.tick()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/participant")
		})
	}
}
