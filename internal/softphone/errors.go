package softphone

import "errors"

// Errors returned by the softphone. They are wrapped with context (the
// agent, the offending SDP line), so test them with errors.Is. A line that
// was dropped or a manager that was closed answers media.ErrClosed, and a
// line whose browser negotiated no telephone-event media.ErrNoDTMF, as a SIP
// session would: media.Bridge treats both legs alike.
var (
	// ErrBadOffer means the browser's SDP could not be parsed, or is not an
	// offer (an answer, or a JSON description whose type is not "offer"),
	// or pion refused it. The agent WebSocket reports it to the client.
	ErrBadOffer = errors.New("softphone: bad SDP offer")

	// ErrNoAudio means the offer has no usable audio m-line: the softphone
	// carries audio only.
	ErrNoAudio = errors.New("softphone: no audio in the offer")

	// ErrNoPCMU means the offer's audio m-line does not list PCMU/8000.
	// Bridging to SIP callers without transcoding needs it (Chromium and
	// Firefox always offer it).
	ErrNoPCMU = errors.New("softphone: PCMU not offered")

	// ErrNoPeerConnection means the agent has no PeerConnection (no offer
	// yet, or dropped), so a trickled candidate has nowhere to go.
	ErrNoPeerConnection = errors.New("softphone: agent has no peer connection")
)
