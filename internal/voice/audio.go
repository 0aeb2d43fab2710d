package voice

import (
	"sync"
	"sync/atomic"

	"github.com/switchboard-cc/switchboard/internal/media"
)

// AudioSource is implemented by media that deliver the caller's audio
// (*media.Session, through OnAudio). A source has one sink: New takes it and
// fans the audio out to ListenAudio's subscribers (speech input, and
// anything else that needs the caller's audio, such as a recorder), so once
// a participant exists nothing else should call the source's OnAudio.
type AudioSource interface {
	OnAudio(fn func(media.Frame))
}

var _ AudioSource = (*media.Session)(nil)

// fanout delivers each inbound frame to every subscriber. Subscribing is
// copy-on-write, so delivery (from the media read loop, 50 times a second)
// takes no lock and allocates nothing.
type fanout struct {
	mu   sync.Mutex
	next int
	subs atomic.Pointer[[]sub]
}

type sub struct {
	id int
	fn func(media.Frame)
}

func (f *fanout) deliver(fr media.Frame) {
	if s := f.subs.Load(); s != nil {
		for _, x := range *s {
			x.fn(fr)
		}
	}
}

func (f *fanout) subscribe(fn func(media.Frame)) (stop func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := f.next
	var cur []sub
	if s := f.subs.Load(); s != nil {
		cur = *s
	}
	next := append(append(make([]sub, 0, len(cur)+1), cur...), sub{id, fn})
	f.subs.Store(&next)
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			var kept []sub
			for _, x := range *f.subs.Load() {
				if x.id != id {
					kept = append(kept, x)
				}
			}
			f.subs.Store(&kept)
		})
	}
}

// subscribers returns how many subscriptions are active (for tests).
func (f *fanout) subscribers() int {
	if s := f.subs.Load(); s != nil {
		return len(*s)
	}
	return 0
}

// ListenAudio calls fn with each frame of the caller's audio until stop is
// called: fn runs on the media read loop, in arrival order (not reordered),
// and must not block. When the participant's media delivers no audio (it
// does not implement AudioSource) fn is never called.
func (p *Participant) ListenAudio(fn func(media.Frame)) (stop func()) {
	if p.in == nil {
		return func() {}
	}
	return p.in.subscribe(fn)
}
