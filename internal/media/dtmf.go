package media

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// dtmfVolume is the power level we send, -10 dBm0 (RFC 4733 §2.3.4).
const dtmfVolume = 10

// dtmfEvents maps event codes 0-15 to digits (RFC 4733 §3.2, table 7).
const dtmfEvents = "0123456789*#ABCD"

// DTMFEvent returns the RFC 4733 event code of a digit (0-9, *, #, A-D; a-d
// are accepted too).
func DTMFEvent(digit rune) (uint8, bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i, d := range dtmfEvents {
		if d == digit {
			return uint8(i), true
		}
	}
	return 0, false
}

type dtmfKey struct {
	valid bool
	ts    uint32
	event uint8
}

// handleDTMF processes a telephone-event payload (RFC 4733 §2.3). A digit is
// delivered on the first packet of an event, so it arrives without waiting
// for the end of the key press and is not lost when every end packet is.
// All packets of one event share its RTP timestamp (§2.5.1.1), and the end
// packet is retransmitted (§2.5.1.4), so later packets with the same
// timestamp and event code are duplicates.
func (s *Session) handleDTMF(ts uint32, payload []byte) {
	if len(payload) < 4 {
		s.invalid.Add(1)
		return
	}
	event := payload[0]
	if int(event) >= len(dtmfEvents) {
		return // a non-DTMF event (flash, tones): ignored
	}
	key := dtmfKey{valid: true, ts: ts, event: event}
	if key == s.lastDTMF {
		return
	}
	s.lastDTMF = key
	s.dtmfEvents.Add(1)
	digit := rune(dtmfEvents[event])
	s.log.Debug("DTMF received", "digit", string(digit), "ts", ts)
	s.pushDTMF(digit)
}

// pushDTMF puts a digit on the DTMF channel. When the channel is full the
// oldest digit is dropped: a reader that has not listened for 16 digits
// cares about the newest ones.
func (s *Session) pushDTMF(d rune) {
	s.dtmfPush.Lock()
	defer s.dtmfPush.Unlock()
	select {
	case s.dtmfCh <- d:
		return
	default:
	}
	select {
	case <-s.dtmfCh:
		s.dtmfDropped.Add(1)
	default:
	}
	select {
	case s.dtmfCh <- d:
	default:
		s.dtmfDropped.Add(1)
	}
}

// DTMF returns the received digits (0-9 * # A-D), one per event, in order.
// The channel holds DTMFBuffer digits; when it is full the oldest is dropped
// (Stats.DTMFDropped). It is never closed.
func (s *Session) DTMF() <-chan rune { return s.dtmfCh }

// InjectDTMF puts a digit received out of band (SIP INFO,
// application/dtmf-relay) on the DTMF channel. Runs that are not digits are
// ignored; a-d become A-D.
func (s *Session) InjectDTMF(r rune) {
	ev, ok := DTMFEvent(r)
	if !ok {
		s.log.Debug("ignored injected DTMF", "rune", string(r))
		return
	}
	s.pushDTMF(rune(dtmfEvents[ev]))
}

// SendDTMF sends one digit as an RFC 4733 event lasting d (clamped to 40 ms
// .. 8 s): a packet every 20 ms with the event's start timestamp and a
// growing duration, the marker bit on the first (§2.5.1.1-§2.5.1.3), then
// the end packet three times (§2.5.1.4). Audio frames written meanwhile are
// suppressed (dropped, not delayed); audio resumes after the event with the
// marker bit and a timestamp advanced by the event's length. If ctx ends
// during the event the end packets are sent at once and ctx.Err() returned.
// Calls are serialised. While our direction forbids sending nothing goes
// out but the call still takes d.
func (s *Session) SendDTMF(ctx context.Context, digit rune, d time.Duration) error {
	ev, ok := DTMFEvent(digit)
	if !ok {
		return fmt.Errorf("%w: %q", ErrBadDigit, digit)
	}
	s.mu.Lock()
	pt := s.dtmfPT
	s.mu.Unlock()
	if pt == 0 {
		return fmt.Errorf("%w on %s", ErrNoDTMF, s.LocalAddr())
	}
	d = min(max(d, 2*FrameDuration), 8*time.Second)
	total := uint32(d * SampleRate / time.Second)

	s.dtmfMu.Lock()
	defer s.dtmfMu.Unlock()
	select {
	case <-s.done:
		return ErrClosed
	default:
	}

	start := time.Now()
	s.mu.Lock()
	s.dtmfActive = true
	ts, _ := s.nextTimestampLocked(start, FrameSamples)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.dtmfActive = false
		s.marker = true
		s.mu.Unlock()
	}()

	err := PlayEvent(ctx, s.done, ev, total, start, func(payload []byte, marker bool) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.canSendLocked() {
			return nil
		}
		return s.sendLocked(pt, marker, ts, payload)
	})
	if err != nil {
		return err
	}
	s.log.Debug("DTMF sent", "digit", string(digit), "duration", d)
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	return nil
}

// PlayEvent sends the packets of one RFC 4733 event of total samples
// that started at start, on the schedule SendDTMF describes: one every
// 20 ms after start with a growing duration and the marker bit on the
// first, then the end packet three times. send writes one packet's
// payload (valid only during the call) with the sender's payload type,
// SSRC, sequence number and the event's timestamp; PlayEvent returns its
// first error. If ctx ends or done closes during the event, the end
// packets are sent at once and ctx.Err() returned (nil when only done
// closed). A SIP leg's Session and a WebRTC line share it.
func PlayEvent(ctx context.Context, done <-chan struct{}, ev byte, total uint32, start time.Time,
	send func(payload []byte, marker bool) error) error {
	var payload [4]byte
	packet := func(marker, end bool, dur uint32) error {
		payload[0] = ev
		payload[1] = dtmfVolume
		if end {
			payload[1] |= 0x80
		}
		binary.BigEndian.PutUint16(payload[2:], uint16(min(dur, 0xFFFF)))
		return send(payload[:], marker)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	wait := func(i int) bool {
		timer.Reset(time.Until(start.Add(time.Duration(i) * FrameDuration)))
		select {
		case <-ctx.Done():
			return false
		case <-done:
			return false
		case <-timer.C:
			return true
		}
	}
	var dur uint32
	var cause error
	stopped := false
	k := 0 // packet k goes out k*20 ms after start and covers (k+1)*160 samples
	for {
		dur = min(uint32(k+1)*FrameSamples, total)
		if dur >= total {
			break // this slot carries the end packet
		}
		if err := packet(k == 0, false, dur); err != nil {
			return err
		}
		k++
		if !wait(k) {
			cause, dur, stopped = ctx.Err(), uint32(k)*FrameSamples, true
			break
		}
	}
	for i := range 3 {
		if i > 0 && !stopped && !wait(k+i) {
			cause, stopped = ctx.Err(), true
		}
		if err := packet(false, true, dur); err != nil {
			return err
		}
	}
	return cause
}
