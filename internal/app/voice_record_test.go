package app

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/voice"
)

// recordingCall is a call's session (ours) and the caller's (peer), running
// and sending to each other, with the call's recording.
func recordingCall(t *testing.T) (r *callRecording, peer *media.Session, updates func() []contact.Recording) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	base := 30000 + 2*rand.IntN(10000)
	ports, err := media.NewPorts(netip.MustParseAddr("127.0.0.1"), base, base+2)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ports.Open()
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ports.Open()
	if err != nil {
		t.Fatal(err)
	}
	ours := media.NewSession(media.SessionConfig{Conn: ca, Remote: cb.LocalAddr(), Codec: media.PCMU, DTMF: 101, Direction: media.SendRecv, Logger: quiet})
	peer = media.NewSession(media.SessionConfig{Conn: cb, Remote: ca.LocalAddr(), Codec: media.PCMU, DTMF: 101, Direction: media.SendRecv, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range []*media.Session{ours, peer} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait(); ours.Close(); peer.Close() })
	var (
		mu  sync.Mutex
		got []contact.Recording
	)
	r = &callRecording{dataDir: t.TempDir(), sess: ours, inst: "inst-1", id: "contact-1", log: quiet,
		update: func(_ context.Context, rec contact.Recording) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, rec)
			return nil
		}}
	// As in HandleCall: the participant owns the session's audio sink and
	// the recording listens through it.
	r.listen = voice.New(voice.Config{Logger: quiet}, r.media()).ListenAudio
	return r, peer, func() []contact.Recording {
		mu.Lock()
		defer mu.Unlock()
		return append([]contact.Recording(nil), got...)
	}
}

func tone(d time.Duration, hz float64) []int16 {
	pcm := make([]int16, int(d.Seconds()*8000))
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/8000))
	}
	return pcm
}

// speakBoth plays d of tone to the caller (through the recording) and from
// the caller at the same time.
func speakBoth(t *testing.T, r *callRecording, peer *media.Session, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = media.Play(ctx, r.media(), tone(d, 440)) }()
	go func() { defer wg.Done(); _ = media.Play(ctx, peer, tone(d, 700)) }()
	wg.Wait()
}

func TestCallRecordingPausesAndIsStored(t *testing.T) {
	r, peer, updates := recordingCall(t)
	ctx := context.Background()
	speakBoth(t, r, peer, 200*time.Millisecond) // before the recording: not in it

	on, off := engine.Recording{IVR: true, Customer: true}, engine.Recording{Customer: true}
	if err := r.set(ctx, on); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if u := updates(); len(u) != 1 || u[0] != (contact.Recording{Enabled: true, Status: recordingInProgress}) {
		t.Fatalf("contact updates %+v, want IN_PROGRESS", u)
	}
	// The windows are checked from when each change really happened: on a
	// loaded machine the nominal 0.6 s steps drift.
	speakBoth(t, r, peer, 600*time.Millisecond) // 0 .. 0.6 s: recorded
	tPause := time.Since(started).Seconds()
	_ = r.set(ctx, off)
	speakBoth(t, r, peer, 600*time.Millisecond) // 0.6 .. 1.2 s: paused, silence
	tResume := time.Since(started).Seconds()
	_ = r.set(ctx, on)
	speakBoth(t, r, peer, 600*time.Millisecond) // 1.2 .. 1.8 s: recorded
	_ = r.set(ctx, off)
	stopped := time.Now()
	tStop := stopped.Sub(started).Seconds()
	time.Sleep(300 * time.Millisecond) // paused at the end: not in the file
	r.finish(ctx)
	if err := r.set(ctx, on); err != nil { // after the call: nothing
		t.Fatal(err)
	}

	u := updates()
	last := u[len(u)-1]
	if len(u) != 2 || last.Status != recordingAvailable || !last.Enabled {
		t.Fatalf("contact updates %+v, want IN_PROGRESS then AVAILABLE", u)
	}
	st, err := recordingStore(r.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := st.Key(last.Location)
	if want := recordingKey("inst-1", "contact-1", started); !ok || key != want {
		t.Fatalf("location %q has key %q, want %q", last.Location, key, want)
	}
	rc, err := st.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || len(data) < 44 {
		t.Fatalf("read %d bytes: %v", len(data), err)
	}
	if ch, rate := binary.LittleEndian.Uint16(data[22:]), binary.LittleEndian.Uint32(data[24:]); ch != 2 || rate != 8000 {
		t.Fatalf("%d channels at %d Hz, want stereo 8000 Hz", ch, rate)
	}
	pcm := make([]int16, (len(data)-44)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(data[44+2*i:]))
	}
	dur := float64(len(pcm)/2) / 8000
	if want := stopped.Sub(started).Seconds(); math.Abs(dur-want) > 0.05 {
		t.Errorf("recording lasts %.3f s, want %.3f s (start to the last pause)", dur, want)
	}
	rms := func(ch int, from, to float64) float64 {
		var sum float64
		n := 0
		for i := int(from * 8000); i < int(to*8000) && 2*i+ch < len(pcm); i++ {
			v := float64(pcm[2*i+ch])
			sum += v * v
			n++
		}
		if n == 0 {
			return 0
		}
		return math.Sqrt(sum / float64(n))
	}
	for _, w := range []struct {
		name     string
		from, to float64
		loud     bool
	}{{"first part", 0.15, tPause - 0.1, true}, {"paused", tPause + 0.15, tResume - 0.1, false},
		{"resumed", tResume + 0.15, tStop - 0.1, true}} {
		for ch, side := range []string{"customer (left)", "prompts (right)"} {
			v := rms(ch, w.from, w.to)
			if w.loud && v < 3000 || !w.loud && v > 50 {
				t.Errorf("%s, %s: RMS %.0f", w.name, side, v)
			}
		}
	}
	if left, _ := os.ReadDir(filepath.Join(r.dataDir, "recording-tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCallRecordingThatNeverStartedStoresNothing(t *testing.T) {
	r, peer, updates := recordingCall(t)
	ctx := context.Background()
	_ = r.set(ctx, engine.Recording{Customer: true, Agent: true}) // the agent conversation only: no agent leg yet
	speakBoth(t, r, peer, 100*time.Millisecond)
	r.finish(ctx)
	if u := updates(); len(u) != 0 {
		t.Errorf("contact updates %+v, want none", u)
	}
	if _, err := os.Stat(filepath.Join(r.dataDir, "recordings")); err == nil {
		t.Error("a recording was stored")
	}
	var nothing *callRecording
	nothing.finish(ctx)
}
