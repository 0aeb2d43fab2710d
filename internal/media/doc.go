// Package media is Switchboard's RTP media layer for SIP calls: G.711 codecs,
// SDP offer/answer (on pion/sdp/v3), an RTP/RTCP port-pair allocator, RTP
// sessions with symmetric RTP (latching), RFC 4733 DTMF in both directions,
// RTCP sender/receiver reports, paced playback, a jitter buffer, a
// silence-filled stereo WAV recorder, a two-party bridge and a conference
// mixer.
//
// The SIP B2BUA (internal/sip) parses the remote SDP with ParseSDP, picks a
// codec with Answer, opens a port pair with Ports.Open, replies with MarshalSDP
// and starts a Session. The voice participant (internal/voice) then plays
// prompts with Play or Loop, reads digits from Session.DTMF, and records with a
// Recorder fed from Session.OnAudio and from what it plays.
//
// A call with a third party (a transfer consultation, a supervisor barging
// in, a second agent) moves its legs from a Bridge, which relays packets as
// they arrive, to a Mixer, which every 20 ms sends each participant the sum
// of the others' audio (never its own), relays digits to all the others as
// RFC 4733 events, and can mute a participant; when the third party leaves,
// the two remaining legs go back to a Bridge.
//
// Audio inside the package is 8 kHz mono signed 16-bit PCM, in 20 ms frames of
// FrameSamples samples (RFC 3551 §4.5.14: G.711 at 8000 Hz, default packet
// time 20 ms).
//
// Every goroutine the package starts is owned by a Run(ctx) call and has ended
// when Run returns. Nothing in the package panics on bad input: malformed SDP
// is an ErrBadSDP error, malformed datagrams are counted (Stats.Invalid) and
// dropped.
package media
