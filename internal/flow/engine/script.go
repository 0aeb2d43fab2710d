package engine

import (
	"context"
	"slices"
	"sync"
)

// TimeoutInput is the scripted input that stands for "the customer entered
// nothing": the request times out. An empty string does the same.
const TimeoutInput = "(timeout)"

// ScriptedParticipant is a Participant that answers from a list of inputs,
// for tests, benchmarks and `switchboard flow run`:
//
//   - Play records the message and succeeds (or returns PlayErr);
//   - Input returns the next input; when the inputs have run out, or the
//     next one is "" or TimeoutInput, it returns ErrInputTimeout;
//   - Wait returns at once: when the next input is the name of one of the
//     awaited events ("CustomerReturned", "BotParticipantDisconnected") it
//     is consumed and returned, otherwise the wait completes.
//
// It is safe for concurrent use, though a run uses it from one goroutine.
type ScriptedParticipant struct {
	// Inputs are answered in order.
	Inputs []string
	// PlayErr, if set, is returned by every Play.
	PlayErr error
	// OnPlay and OnInput, if set, are called for each message played and
	// each input given (value "" for a timeout), e.g. to echo them.
	OnPlay  func(Message)
	OnInput func(req InputRequest, value string)

	mu     sync.Mutex
	next   int
	played []Message
}

var _ Participant = (*ScriptedParticipant)(nil)

// NewScript returns a ScriptedParticipant answering inputs.
func NewScript(inputs ...string) *ScriptedParticipant {
	return &ScriptedParticipant{Inputs: inputs}
}

// Play implements Participant.
func (s *ScriptedParticipant) Play(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.played = append(s.played, msg)
	onPlay := s.OnPlay
	s.mu.Unlock()
	if onPlay != nil {
		onPlay(msg)
	}
	return s.PlayErr
}

// Input implements Participant.
func (s *ScriptedParticipant) Input(ctx context.Context, req InputRequest) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	if req.Prompt != nil {
		s.played = append(s.played, *req.Prompt)
	}
	v, ok := "", false
	if s.next < len(s.Inputs) {
		v = s.Inputs[s.next]
		s.next++
		ok = v != "" && v != TimeoutInput
	}
	onPlay, onInput := s.OnPlay, s.OnInput
	s.mu.Unlock()
	if onPlay != nil && req.Prompt != nil {
		onPlay(*req.Prompt)
	}
	if !ok {
		v = ""
	}
	if onInput != nil {
		onInput(req, v)
	}
	if !ok {
		return "", ErrInputTimeout
	}
	return v, nil
}

// Wait implements Participant.
func (s *ScriptedParticipant) Wait(ctx context.Context, req WaitRequest) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next < len(s.Inputs) && slices.Contains(req.Events, s.Inputs[s.next]) {
		s.next++
		return s.Inputs[s.next-1], nil
	}
	return "", nil
}

// Played returns the messages played so far, prompts of input requests
// included.
func (s *ScriptedParticipant) Played() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.played)
}

// Remaining returns the inputs not used yet.
func (s *ScriptedParticipant) Remaining() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.Inputs[s.next:])
}
