package media

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// clockWriter records when each frame was written.
type clockWriter struct {
	mu     sync.Mutex
	at     []time.Time
	frames [][]int16
	late   uint64
	fail   int // fail on this frame (1-based), 0 never
}

func (w *clockWriter) WriteAudio(pcm []int16) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != 0 && len(w.at)+1 == w.fail {
		return errors.New("boom")
	}
	w.at = append(w.at, time.Now())
	w.frames = append(w.frames, append([]int16(nil), pcm...))
	return nil
}

func (w *clockWriter) AddLateFrames(n uint64) {
	w.mu.Lock()
	w.late += n
	w.mu.Unlock()
}

func (w *clockWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.at)
}

func TestPlayPacesFramesAndPadsTheLastOne(t *testing.T) {
	w := &clockWriter{}
	pcm := tone(440, 25*FrameSamples+40, 5000) // 25 frames and 5 ms
	start := time.Now()
	if err := Play(context.Background(), w, pcm); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if len(w.frames) != 26 {
		t.Fatalf("%d frames, want 26", len(w.frames))
	}
	// 26 frames: the last is due 500 ms after the first. Generous bounds for a
	// loaded machine.
	if el < 480*time.Millisecond || el > 1500*time.Millisecond {
		t.Errorf("took %v, want about 500 ms", el)
	}
	last := w.frames[25]
	for i, s := range last {
		want := int16(0)
		if i < 40 {
			want = pcm[25*FrameSamples+i]
		}
		if s != want {
			t.Fatalf("last frame sample %d = %d, want %d", i, s, want)
		}
	}
	for i, f := range w.frames[:25] {
		if f[7] != pcm[i*FrameSamples+7] {
			t.Fatalf("frame %d is out of order", i)
		}
	}
	// The schedule is absolute: no frame may be early.
	for i, at := range w.at {
		if d := at.Sub(w.at[0]); d < time.Duration(i)*FrameDuration-2*time.Millisecond {
			t.Errorf("frame %d went out %v after the first, before its slot", i, d)
		}
	}
}

func TestPlayStopsOnCancel(t *testing.T) {
	w := &clockWriter{}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for w.count() < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err := Play(ctx, w, make([]int16, 100*FrameSamples)) // 2 s
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Play = %v, want context.Canceled", err)
	}
	if n := w.count(); n > 20 {
		t.Errorf("%d frames written after a cancel at 3", n)
	}
}

func TestPlayReturnsWriterError(t *testing.T) {
	w := &clockWriter{fail: 2}
	if err := Play(context.Background(), w, make([]int16, 5*FrameSamples)); err == nil || w.count() != 1 {
		t.Errorf("Play = %v after %d frames", err, w.count())
	}
	if err := Play(context.Background(), w, nil); err != nil {
		t.Errorf("empty Play = %v", err)
	}
}

func TestLoopRepeatsContinuouslyUntilCancelled(t *testing.T) {
	w := &clockWriter{}
	pcm := make([]int16, 100) // shorter than a frame: the loop wraps inside frames
	for i := range pcm {
		pcm[i] = int16(i + 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if err := Loop(ctx, w, pcm); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Loop = %v", err)
	}
	if len(w.frames) < 3 {
		t.Fatalf("only %d frames in 150 ms", len(w.frames))
	}
	for i, f := range w.frames[:3] {
		for j, s := range f {
			if want := int16((i*FrameSamples+j)%100 + 1); s != want {
				t.Fatalf("frame %d sample %d = %d, want %d", i, j, s, want)
			}
		}
	}
}

// stallWriter sleeps on one frame, like a descheduled goroutine.
type stallWriter struct {
	clockWriter
	stallAt int
}

func (w *stallWriter) WriteAudio(pcm []int16) error {
	if w.count() == w.stallAt {
		time.Sleep(150 * time.Millisecond)
	}
	return w.clockWriter.WriteAudio(pcm)
}

func TestPlayCountsLateFramesAndResyncs(t *testing.T) {
	w := &stallWriter{stallAt: 2}
	start := time.Now()
	if err := Play(context.Background(), w, make([]int16, 10*FrameSamples)); err != nil {
		t.Fatal(err)
	}
	if w.late == 0 {
		t.Error("no late frame counted after a 150 ms stall")
	}
	// After the stall the schedule restarts instead of bursting: the frames
	// after the late one are paced again.
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("took %v: the backlog was burst out", el)
	}
	// A Session counts them in its stats.
	s := newSession(t, testPorts(t, 4), newRawPeer(t).addr(), nil)
	defer s.Close()
	s.AddLateFrames(2)
	if s.Stats().LateFrames != 2 {
		t.Errorf("LateFrames = %d", s.Stats().LateFrames)
	}
}

// BenchmarkConcurrentPlayback plays one second of audio on 200 sessions at
// once (each op is one such second) and reports the share of late frames
// (sent more than 10 ms after their slot) and the packets sent per second.
func BenchmarkConcurrentPlayback(b *testing.B) {
	const calls = 200
	sink := newRawPeer(b)
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := sink.conn.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
		}
	}()
	p := testPorts(b, calls+50)
	sessions := make([]*Session, calls)
	for i := range sessions {
		sessions[i] = newSession(b, p, sink.addr(), nil)
		defer sessions[i].Close()
	}
	pcm := tone(440, SampleRate, 8000)
	start := time.Now()
	for b.Loop() {
		var wg sync.WaitGroup
		for _, s := range sessions {
			wg.Go(func() {
				if err := Play(context.Background(), s, pcm); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	var late, sent uint64
	for _, s := range sessions {
		st := s.Stats()
		late += st.LateFrames
		sent += st.PacketsSent
	}
	b.ReportMetric(100*float64(late)/float64(max(sent, 1)), "late%")
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "pkts/s")
}
