package media

import "errors"

// Errors returned by the media layer. They are wrapped with context (the
// offending SDP line, the port range, the session's local address), so test
// them with errors.Is.
var (
	// ErrBadSDP means a session description could not be parsed or has no
	// usable audio stream (RFC 4566, RFC 3264 §5). A SIP layer answers 400 or
	// 488 Not Acceptable Here.
	ErrBadSDP = errors.New("media: bad SDP")

	// ErrNoCommonCodec means the offer lists none of the codecs we accept.
	// RFC 3264 §6 lets the answerer reject the stream; a SIP layer answers 488.
	ErrNoCommonCodec = errors.New("media: no common codec")

	// ErrNoPorts means every RTP/RTCP port pair of the configured range is in
	// use (by us or by another program). A SIP layer answers 503.
	ErrNoPorts = errors.New("media: no free RTP ports")

	// ErrMediaTimeout means no RTP arrived for SessionConfig.MediaTimeout while
	// the negotiated direction let the peer send. The call is presumed dead.
	ErrMediaTimeout = errors.New("media: RTP timeout")

	// ErrNoDTMF means no telephone-event payload type (RFC 4733 §7) was
	// negotiated, so DTMF cannot be sent in band. Use SIP INFO instead.
	ErrNoDTMF = errors.New("media: no telephone-event negotiated")

	// ErrBadDigit means SendDTMF was asked for a rune that is not a DTMF
	// event (0-9, *, #, A-D; RFC 4733 §3.2).
	ErrBadDigit = errors.New("media: not a DTMF digit")

	// ErrClosed means the session (or recorder) was closed.
	ErrClosed = errors.New("media: closed")

	// ErrRunning means Session.Run was called while it was already running.
	ErrRunning = errors.New("media: session already running")
)
