// Package softphone is the server side of the agents' WebRTC softphone: the
// audio leg between a SIP caller's media session and the agent's browser,
// on pion/webrtc.
//
// # Persistent session
//
// Each logged-in agent has one Line for the whole login. The browser opens
// a PeerConnection at login and keeps it; calls come and go over it. When
// the router connects a call, the app runs media.Bridge(ctx, callSession,
// line): a Line is a media.Endpoint like a SIP leg's media.Session. A line
// exists without a PeerConnection (before the first offer, during a
// reload): frames written then are dropped without error, so a bridge
// never fails because the browser is reconnecting.
//
// # Swaps
//
// Every offer creates a new PeerConnection and installs it on the line,
// closing the previous one: a reload, or a browser that lost its
// connection, sends a new offer and the call in progress carries on. The
// outbound RTP stream belongs to the Line: sequence numbers and timestamps
// run on across swaps and calls (the SSRC is the one each PeerConnection
// announces), and the first packet after a swap or a silence has the
// marker bit. Only Manager.Drop and Manager.Close end a line (Done); a
// failed or disconnected PeerConnection only makes Connected false.
//
// # Codecs and payload types
//
// The media engine knows PCMU and telephone-event/8000 only, so there is
// no transcoding between a G.711 trunk and the browser (PCMA written to a
// line goes through a 256-byte table). pion's answer keeps the offer's
// payload types, and the line uses them: audio goes out with the browser's
// PCMU type, digits with its telephone-event type (Chromium 126, Firefox
// 101), whatever type the SIP leg uses; media.Bridge hands digits, not
// packets, from one leg to the other. The outbound track is a custom
// webrtc.TrackLocal: TrackLocalStaticRTP would rewrite telephone-event
// packets to the audio payload type. Inbound, PCMU packets go to the
// OnPacket sink and RFC 4733 events to DTMF (one digit per event,
// de-duplicated by timestamp as media does); anything else is counted and
// dropped.
//
// # Signalling
//
// The server uses vanilla ICE: Offer returns the answer once gathering is
// complete, with every local candidate in it, so nothing is trickled to the
// browser. The browser may trickle its own candidates (Manager.Candidate)
// or send them in the offer. Candidates are host candidates (no mDNS,
// loopback included for a browser on the same host), rewritten to
// Config.PublicIP behind a 1:1 NAT, on ports in Config's range. A
// PeerConnection that does not connect within Config.ConnectTimeout is
// closed.
package softphone
