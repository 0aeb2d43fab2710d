package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/objectstore"
)

// Call recording (UpdateContactRecordingBehavior on a voice contact).
//
// What each setting records on voice today:
//
//   - IVRRecordingBehavior Enabled starts the recording at once: the caller
//     (left channel) and everything played to them (right channel: prompts,
//     text-to-speech, music on hold, position announcements) through the
//     flows and the queue. Disabled pauses it: the paused part is silence,
//     so the file keeps the call's timeline.
//   - RecordedParticipants (Customer, Agent) are for the conversation with
//     an agent: they are kept (callRecording.behaviour) for the agent leg,
//     which does not exist yet, and record nothing before it.
//
// The recording is a stereo 8 kHz WAV written as the call goes to a
// temporary file under <data>/recording-tmp, from the first time it is
// enabled to the last moment it was on (the end of the call when it was on
// then). When the call ends (call.finish, before the contact is hung up) it
// is put in the recordings object store under
// <instance>/<YYYY>/<MM>/<DD>/<contact>.wav (the date it started, UTC), and
// the contact record shows it: Recording{Enabled, Status: AVAILABLE,
// Location}. While it runs the record shows Status IN_PROGRESS; FAILED when
// it could not be written or stored.

// Recording statuses on the contact record.
const (
	recordingInProgress = "IN_PROGRESS"
	recordingAvailable  = "AVAILABLE"
	recordingFailed     = "FAILED"
)

// recordingStore is where recordings are kept: <data>/recordings. An
// S3-compatible store would be chosen here.
func recordingStore(dataDir string) (objectstore.Store, error) {
	return objectstore.NewFS(filepath.Join(dataDir, "recordings"))
}

// recordingKey is the object key of a contact's recording.
func recordingKey(instanceID, contactID string, started time.Time) string {
	return fmt.Sprintf("%s/%s/%s.wav", instanceID, started.UTC().Format("2006/01/02"), contactID)
}

// callRecording is a call's recording. Its methods are safe for concurrent
// use (flows set it, the call's goroutine finishes it, the session's read
// loop and players feed it); finish on a nil one does nothing.
type callRecording struct {
	dataDir string
	sess    *media.Session
	inst    string
	id      string // the contact
	log     *slog.Logger
	// update shows the recording on the contact record.
	update func(ctx context.Context, rec contact.Recording) error
	// listen subscribes to the caller's audio (the participant's
	// ListenAudio: the session has one audio sink, which the participant
	// shares with speech menus); set once the participant exists.
	listen     func(func(media.Frame)) (stop func())
	stopListen func()

	live atomic.Pointer[media.Recorder] // set while recording: the media path checks only this

	mu        sync.Mutex
	behaviour engine.Recording // the last one set; Customer and Agent are for the agent leg
	rec       *media.Recorder
	file      *os.File
	started   time.Time
	stopped   time.Time // when it was last paused; zero while on
	done      bool
}

// newCallRecording is the call's recording. It belongs to the call's first
// contact, transfers included: one recording of the whole call.
func newCallRecording(c *call) *callRecording {
	id := c.contactID()
	return &callRecording{dataDir: c.v.cfg.DataDir, sess: c.sess, inst: c.inst, id: id, log: c.log,
		update: func(ctx context.Context, rec contact.Recording) error {
			_, err := c.v.cc.contacts.UpdateData(ctx, c.inst, id, contact.DataUpdate{Recording: &rec})
			return err
		}}
}

// media is what plays to the caller, and the participant's voice.Media:
// the session, with what is written to it teed to the recording's right
// channel while the recording is on (one atomic load when it is not).
func (r *callRecording) media() recordingWriter { return recordingWriter{r} }

// recordingWriter is the session with playback teed to the live recording.
type recordingWriter struct{ r *callRecording }

func (w recordingWriter) WriteAudio(pcm []int16) error {
	if rec := w.r.live.Load(); rec != nil {
		rec.Other(pcm, time.Now())
	}
	return w.r.sess.WriteAudio(pcm)
}

func (w recordingWriter) AddLateFrames(n uint64) { w.r.sess.AddLateFrames(n) }

func (w recordingWriter) DTMF() <-chan rune { return w.r.sess.DTMF() }

// OnAudio makes the writer a voice.AudioSource: the participant takes the
// session's one audio sink and shares it (ListenAudio).
func (w recordingWriter) OnAudio(fn func(media.Frame)) { w.r.sess.OnAudio(fn) }

// set applies UpdateContactRecordingBehavior: it is the participant's
// voice.Config.Record.
func (r *callRecording) set(ctx context.Context, b engine.Recording) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	r.behaviour = b
	switch {
	case b.IVR && r.rec == nil:
		return r.startLocked(ctx)
	case b.IVR && r.live.Load() == nil:
		r.live.Store(r.rec)
		r.stopped = time.Time{}
		r.log.Info("call: recording resumed")
	case !b.IVR && r.live.Load() != nil:
		r.live.Store(nil)
		r.stopped = time.Now()
		r.log.Info("call: recording paused")
	}
	return nil
}

func (r *callRecording) startLocked(ctx context.Context) error {
	dir := filepath.Join(r.dataDir, "recording-tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	f, err := os.CreateTemp(dir, r.id+"-*.wav")
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	now := time.Now()
	rec, err := media.NewRecorder(f, now)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return err
	}
	r.rec, r.file, r.started = rec, f, now
	r.live.Store(rec)
	if r.listen != nil {
		r.stopListen = r.listen(func(fr media.Frame) {
			if rec := r.live.Load(); rec != nil {
				rec.Customer(fr)
			}
		})
	}
	r.log.Info("call: recording started", "file", f.Name())
	r.record(ctx, contact.Recording{Enabled: true, Status: recordingInProgress})
	return nil
}

// finish ends the recording when the call ends: the file is closed, put in
// the object store, and its location recorded on the contact (which must
// not have ended yet).
func (r *callRecording) finish(ctx context.Context) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.done = true
	rec, f, started, stopped, stopListen := r.rec, r.file, r.started, r.stopped, r.stopListen
	r.mu.Unlock()
	if rec == nil {
		return
	}
	r.live.Store(nil)
	if stopListen != nil {
		stopListen()
	}
	end := stopped
	if end.IsZero() {
		end = time.Now()
	}
	loc, err := r.store(ctx, rec, f, started, end)
	if err != nil {
		r.log.Error("call: recording lost", "err", err)
		r.record(ctx, contact.Recording{Enabled: true, Status: recordingFailed})
		return
	}
	r.log.Info("call: recording stored", "location", loc, "seconds", end.Sub(started).Seconds(), "dropped_samples", rec.Dropped())
	r.record(ctx, contact.Recording{Enabled: true, Status: recordingAvailable, Location: loc})
}

func (r *callRecording) store(ctx context.Context, rec *media.Recorder, f *os.File, started, end time.Time) (string, error) {
	defer func() { _ = os.Remove(f.Name()) }()
	err := rec.Close(end)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	st, err := recordingStore(r.dataDir)
	if err != nil {
		return "", err
	}
	in, err := os.Open(f.Name())
	if err != nil {
		return "", err
	}
	defer in.Close()
	return st.Put(ctx, recordingKey(r.inst, r.id, started), in)
}

// record shows the recording on the contact record.
func (r *callRecording) record(ctx context.Context, rec contact.Recording) {
	if err := r.update(ctx, rec); err != nil &&
		!errors.Is(err, context.Canceled) {
		r.log.Warn("call: record the recording on the contact", "status", rec.Status, "err", err)
	}
}
