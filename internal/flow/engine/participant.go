package engine

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// Participant is the customer side of a contact as the engine sees it. The
// voice channel implements it with prompts, DTMF and speech recognition; the
// chat channel with text messages; tests and `switchboard flow run` with
// ScriptedParticipant.
//
// Every method blocks until it is done or ctx ends, and returns ctx.Err()
// when ctx ends first. Implementations are used by one contact at a time.
type Participant interface {
	// Play delivers msg to the customer: speaks or plays it on voice, sends
	// it on chat. It returns once the message has been played (voice) or
	// sent (chat). An error sends the action down its error branch.
	Play(ctx context.Context, msg Message) error

	// Input asks the customer for input as req describes, playing
	// req.Prompt first when it is set, and returns what the customer
	// entered: the DTMF digits on voice (for InputMenu one key), the text of
	// the customer's next message on chat, the words said for an
	// InputUtterance. It returns ErrInputTimeout when nothing came within
	// req.Timeout.
	Input(ctx context.Context, req InputRequest) (string, error)

	// Wait waits for at most req.Timeout or until one of req.Events
	// happens, and returns the event ("CustomerReturned", ...) or "" when
	// the time ran out. A participant that is no longer there returns
	// ErrParticipantNotFound.
	Wait(ctx context.Context, req WaitRequest) (string, error)
}

// IterativePlayer is implemented by participants that can loop a list of
// messages until something outside the flow interrupts them (a queue that
// offers the contact to an agent, or the InterruptFrequencySeconds timer of a
// customer queue flow). PlayIteratively returns interrupted=true when the
// interrupt timer fired, so the flow takes its MessagesInterrupted branch, and
// false when the loop ended otherwise (the contact left the queue).
//
// Participants that do not implement it have the messages played once; see
// the MessageParticipantIteratively action.
type IterativePlayer interface {
	PlayIteratively(ctx context.Context, msgs []Message, interruptEvery time.Duration) (interrupted bool, err error)
}

// ThirdPartyDialer is implemented by participants that can call a phone
// number and connect the customer to it (the voice channel). Dial returns
// nil once the third party answered and the call ended (when
// req.ContinueFlow) or was handed over (when not), ErrConnectionTimeout when
// the number did not answer in time, and ErrCallFailed when the call could
// not be made. Participants that do not implement it end the flow with an
// OutcomeTransferToPhoneNumber, which the channel carries out.
type ThirdPartyDialer interface {
	Dial(ctx context.Context, req ThirdPartyRequest) error
}

// RecordingController is implemented by participants whose channel records
// the contact (the voice channel). UpdateContactRecordingBehavior calls
// SetRecording with the new behaviour as soon as it runs, so that a
// recording starts (or pauses) mid-call rather than when the flow ends. An
// error is logged and the flow goes on: the action has no error branch.
// Participants that do not implement it only have the behaviour set on the
// Contact.
type RecordingController interface {
	SetRecording(ctx context.Context, r Recording) error
}

// MessageKind says what a Message holds.
type MessageKind string

// The kinds of message.
const (
	MessageText   MessageKind = "text"   // Text holds plain text
	MessageSSML   MessageKind = "ssml"   // Text holds an SSML document (voice)
	MessagePrompt MessageKind = "prompt" // Prompt is an uploaded audio prompt
	MessageMedia  MessageKind = "media"  // URI locates an audio file
)

// Message is something said to the customer, with every JSONPath reference
// already replaced by its value.
type Message struct {
	Kind MessageKind
	// Text is the text or SSML, for MessageText and MessageSSML.
	Text string
	// Prompt is the audio prompt, for MessagePrompt.
	Prompt *core.Prompt
	// URI locates the audio, for MessageMedia (an s3:// or https:// URI).
	URI string
	// Voice is the contact's text-to-speech settings when the message was
	// made (UpdateContactTextToSpeechVoice, UpdateContactData).
	Voice Voice
}

// String renders the message for a transcript: the text, or a note naming
// the audio.
func (m Message) String() string {
	switch m.Kind {
	case MessagePrompt:
		if m.Prompt != nil {
			return "[prompt " + m.Prompt.Name + "]"
		}
		return "[prompt]"
	case MessageMedia:
		return "[audio " + m.URI + "]"
	}
	return m.Text
}

// Voice is how text is spoken.
type Voice struct {
	// Name is the text-to-speech voice (a Polly voice name in imported
	// flows, e.g. "Joanna"); "" for the deployment's default.
	Name string
	// Engine is Standard, Neural, Generative or LongForm; "" for Standard.
	Engine string
	// Style is None, Conversational or Newscaster; "" for None.
	Style string
	// Language is the contact's language, e.g. "en-US".
	Language string
}

// InputKind says what input the engine wants.
type InputKind string

// The kinds of input.
const (
	// InputMenu is one key for a menu (GetParticipantInput with StoreInput
	// False); on chat, the customer's next message.
	InputMenu InputKind = "menu"
	// InputStored is a string of digits to store (StoreInput True), ended by
	// the terminator, MaxDigits or the inter-digit timeout.
	InputStored InputKind = "stored"
	// InputUtterance is what the customer says or writes to a bot.
	InputUtterance InputKind = "utterance"
)

// InputRequest describes the input the engine wants.
type InputRequest struct {
	Kind InputKind
	// Prompt, if set, is played before input is collected; on voice, input
	// typed while it plays counts (barge-in).
	Prompt *Message
	// Timeout is how long to wait for the first key or the message.
	Timeout time.Duration
	// MaxDigits ends InputStored collection; 0 means no limit.
	MaxDigits int
	// Terminator ends InputStored collection ("#" by default); it is not
	// part of the value.
	Terminator string
	// InterdigitTimeout ends InputStored collection when no key follows.
	InterdigitTimeout time.Duration
	// DisableCancelKey turns off '*' as "start again" in InputStored.
	DisableCancelKey bool
	// Sensitive asks the participant not to echo or log the value (the flow
	// asked for the input to be encrypted).
	Sensitive bool
	// Expected are the values an InputMenu's Conditions test for (the
	// operands of its Equals conditions, e.g. "1", "2" or "Sales"), in
	// order and without duplicates: a participant that recognises speech
	// listens for them and returns the one heard, as spelled here. Empty
	// for the other kinds.
	Expected []string
}

// WaitRequest describes a Wait action.
type WaitRequest struct {
	Timeout time.Duration
	// Events are the events that end the wait early: CustomerReturned,
	// BotParticipantDisconnected.
	Events []string
}

// ThirdPartyRequest is a transfer to a phone number.
type ThirdPartyRequest struct {
	// PhoneNumber is the E.164 number to call.
	PhoneNumber string
	// CallerIDNumber and CallerIDName are what the called party sees; empty
	// for the system's default.
	CallerIDNumber, CallerIDName string
	// Timeout bounds the wait for an answer; 0 means the channel's default.
	Timeout time.Duration
	// DTMF is sent once the third party answers.
	DTMF string
	// ContinueFlow says the flow goes on when the third-party call ends.
	ContinueFlow bool
}
