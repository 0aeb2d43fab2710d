package media

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/audio"
)

// recWindow is how many sample positions a Recorder keeps in memory (2 s at
// 8 kHz). Audio placed before the window's start has already been written
// and is dropped.
const recWindow = 2 * SampleRate

// recJitterDepth is the depth of the recorder's jitter buffer (60 ms).
const recJitterDepth = 3

// reanchorAfter is how far the RTP-timestamp placement of customer audio may
// drift from its arrival time before it is re-anchored on the arrival time
// (a new stream after a re-INVITE, a timestamp reset, clock drift).
const reanchorAfter = SampleRate

// Recorder writes a call to a stereo WAV file (RIFF, 16-bit PCM, 8000 Hz,
// two channels): the left channel is the customer (inbound RTP), the right
// what the other side said (prompts, music, the agent). Each channel is
// placed on a common timeline that starts at the start time; what nobody
// said is silence, and the file lasts exactly from start to the end time
// given to Close. It writes as it goes and holds at most about 2 s of audio
// in memory. Safe for concurrent use: Customer is typically called from a
// Session's read loop and Other from a player.
type Recorder struct {
	mu       sync.Mutex
	w        io.WriteSeeker
	hdrAt    int64
	start    time.Time
	buf      []int16 // interleaved L/R for positions base .. base+recWindow
	base     int64   // sample position of buf[0]; all before it is written
	dataSize int64   // bytes of samples written
	scratch  []byte
	jb       *JitterBuffer
	released []Frame
	anchored bool
	anchor   int64 // position of extended timestamp 0
	extTS    int64
	lastTS   uint32
	dropped  uint64
	err      error
	closed   bool
}

// NewRecorder starts a recording at start and writes its WAV header (sizes
// are patched by Close) to w at its current offset.
func NewRecorder(w io.WriteSeeker, start time.Time) (*Recorder, error) {
	at, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	if _, err := w.Write(audio.EncodeWAVHeader("PCM16", SampleRate, 2, 0)); err != nil {
		return nil, fmt.Errorf("media: recorder: write header: %w", err)
	}
	return &Recorder{
		w:     w,
		hdrAt: at,
		start: start,
		buf:   make([]int16, 2*recWindow),
		jb:    NewJitterBuffer(recJitterDepth),
	}, nil
}

// samplesAt converts a time to a sample position on the timeline.
func (r *Recorder) samplesAt(t time.Time) int64 {
	return int64(t.Sub(r.start) * SampleRate / time.Second)
}

// Customer records a frame of inbound audio on the left channel. Frames go
// through a jitter buffer and are placed by RTP timestamp, anchored at the
// arrival time of the first frame; lost frames stay silent.
func (r *Recorder) Customer(f Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.released = r.jb.Push(r.released[:0], f)
	r.placeReleasedLocked()
}

func (r *Recorder) placeReleasedLocked() {
	for i := range r.released {
		f := r.released[i]
		r.released[i] = Frame{}
		if f.PCM == nil {
			continue // lost: silence
		}
		arrival := r.samplesAt(f.Arrived)
		if !r.anchored {
			r.anchored, r.anchor, r.extTS, r.lastTS = true, arrival, 0, f.Timestamp
		} else {
			r.extTS += int64(int32(f.Timestamp - r.lastTS))
			r.lastTS = f.Timestamp
		}
		pos := r.anchor + r.extTS
		if d := pos - arrival; d > reanchorAfter || d < -reanchorAfter {
			r.anchor, pos = arrival-r.extTS, arrival
		}
		r.mixLocked(0, pos, f.PCM)
	}
}

// Other records audio on the right channel, starting at the time it was
// sent.
func (r *Recorder) Other(pcm []int16, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.mixLocked(1, r.samplesAt(at), pcm)
}

// Dropped returns how many samples came too late (before the in-memory
// window) or before the start and were not recorded.
func (r *Recorder) Dropped() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// mixLocked adds pcm to channel ch from position pos, saturating.
func (r *Recorder) mixLocked(ch int, pos int64, pcm []int16) {
	if skip := r.base - pos; skip > 0 {
		n := min(skip, int64(len(pcm)))
		r.dropped += uint64(n)
		pcm, pos = pcm[n:], pos+n
	}
	for len(pcm) > 0 && r.err == nil {
		chunk := pcm[:min(len(pcm), recWindow/2)]
		if end := pos + int64(len(chunk)); end > r.base+recWindow {
			r.flushLocked(max(end-recWindow, r.base+recWindow/2))
		}
		i := 2*int(pos-r.base) + ch
		for _, s := range chunk {
			v := int32(r.buf[i]) + int32(s)
			r.buf[i] = int16(min(max(v, -32768), 32767))
			i += 2
		}
		pcm, pos = pcm[len(chunk):], pos+int64(len(chunk))
	}
}

// flushLocked writes every position before to, and moves the window.
func (r *Recorder) flushLocked(to int64) {
	for r.base < to && r.err == nil {
		n := int(min(to-r.base, recWindow))
		r.writeLocked(r.buf[:2*n])
		copy(r.buf, r.buf[2*n:])
		clear(r.buf[2*(recWindow-n):])
		r.base += int64(n)
	}
}

func (r *Recorder) writeLocked(samples []int16) {
	if cap(r.scratch) < 2*len(samples) {
		r.scratch = make([]byte, 2*len(samples))
	}
	b := r.scratch[:2*len(samples)]
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	n, err := r.w.Write(b)
	r.dataSize += int64(n)
	if err != nil {
		r.err = fmt.Errorf("media: recorder: write: %w", err)
	}
}

// Close ends the recording at end: it releases what the jitter buffer
// holds, writes everything up to end (silence where nothing was said; audio
// placed after end is cut), and patches the RIFF and data sizes. A second
// call returns ErrClosed. If audio was already written past end (placed
// more than 2 s after it) the file is that much longer.
func (r *Recorder) Close(end time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.released = r.jb.Flush(r.released[:0])
	r.placeReleasedLocked()
	r.closed = true
	if total := r.samplesAt(end); total > r.base {
		r.flushLocked(total)
	}
	if r.err != nil {
		return r.err
	}
	if r.dataSize > 1<<32-1-36 {
		return fmt.Errorf("media: recorder: %d bytes is too long for a WAV file", r.dataSize)
	}
	if _, err := r.w.Seek(r.hdrAt, io.SeekStart); err != nil {
		return fmt.Errorf("media: recorder: seek to header: %w", err)
	}
	if _, err := r.w.Write(audio.EncodeWAVHeader("PCM16", SampleRate, 2, int(r.dataSize))); err != nil {
		return fmt.Errorf("media: recorder: patch header: %w", err)
	}
	if _, err := r.w.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("media: recorder: %w", err)
	}
	return nil
}

// Tee returns a FrameWriter that records every frame written to it on the
// right channel at the time it is written, then passes it to w. It forwards
// late-frame counts to w when w counts them. Hand it to Play and Loop so
// prompts and music land in the recording.
func (r *Recorder) Tee(w FrameWriter) FrameWriter {
	return &teeWriter{r: r, w: w}
}

type teeWriter struct {
	r *Recorder
	w FrameWriter
}

func (t *teeWriter) WriteAudio(pcm []int16) error {
	t.r.Other(pcm, time.Now())
	return t.w.WriteAudio(pcm)
}

func (t *teeWriter) AddLateFrames(n uint64) {
	if c, ok := t.w.(LateFrameCounter); ok {
		c.AddLateFrames(n)
	}
}
