package media

import (
	"context"
	"fmt"
	"time"
)

// FrameWriter takes one 20 ms frame of 8 kHz PCM at a time. *Session is one.
// WriteAudio must not keep pcm after it returns: Play and Loop reuse it.
type FrameWriter interface {
	WriteAudio(pcm []int16) error
}

// LateFrameCounter is implemented by writers that want to know how many
// frames Play and Loop sent late (*Session counts them in
// Stats.LateFrames). A wrapper around a Session should forward it.
type LateFrameCounter interface {
	AddLateFrames(n uint64)
}

const (
	// lateAfter is how far behind its slot a frame may go out before it
	// counts as late.
	lateAfter = 10 * time.Millisecond
	// resyncAfter is how far behind the schedule may fall before it is
	// reset rather than caught up with a burst.
	resyncAfter = 3 * FrameDuration
)

// Play sends pcm to w in 20 ms frames, paced from the start time: frame i
// is due at start + i*20 ms (the schedule is absolute, so it does not drift
// the way a Ticker does under load). The last partial frame is padded with
// silence. A frame sent more than 10 ms after its slot counts as late and
// is reported to w if it implements LateFrameCounter. If the schedule falls
// more than 60 ms behind (a stalled machine) it restarts from now instead of
// bursting. Play returns ctx.Err() when ctx ends first (barge-in), the
// writer's error if it fails, and nil when everything was sent.
func Play(ctx context.Context, w FrameWriter, pcm []int16) error {
	if len(pcm) == 0 {
		return nil
	}
	frames := (len(pcm) + FrameSamples - 1) / FrameSamples
	buf := make([]int16, FrameSamples)
	return pace(ctx, w, frames, func(i int, dst []int16) {
		n := copy(dst, pcm[i*FrameSamples:])
		clear(dst[n:])
	}, buf)
}

// Loop sends pcm over and over (music on hold) until ctx ends, and returns
// ctx.Err() (or the writer's error). The loop is sample-continuous: the end
// of pcm is followed directly by its start, with no padding. Empty pcm sends
// silence, which keeps NAT bindings and the peer's media timeout alive.
func Loop(ctx context.Context, w FrameWriter, pcm []int16) error {
	buf := make([]int16, FrameSamples)
	pos := 0
	return pace(ctx, w, -1, func(_ int, dst []int16) {
		if len(pcm) == 0 {
			clear(dst)
			return
		}
		for n := 0; n < len(dst); {
			c := copy(dst[n:], pcm[pos:])
			n += c
			pos = (pos + c) % len(pcm)
		}
	}, buf)
}

// pace writes frames (forever if frames < 0), each filled by fill, at 20 ms
// slots from now.
func pace(ctx context.Context, w FrameWriter, frames int, fill func(i int, dst []int16), buf []int16) error {
	counter, _ := w.(LateFrameCounter)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	start := time.Now()
	slot := 0 // slots since start
	for i := 0; frames < 0 || i < frames; i++ {
		due := start.Add(time.Duration(slot) * FrameDuration)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		now := time.Now()
		if lag := now.Sub(due); lag > lateAfter {
			if counter != nil {
				counter.AddLateFrames(1)
			}
			if lag > resyncAfter {
				start, slot = now, 0
			}
		}
		fill(i, buf)
		if err := w.WriteAudio(buf); err != nil {
			return fmt.Errorf("media: play frame %d: %w", i, err)
		}
		slot++
	}
	return nil
}
