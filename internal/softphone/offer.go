package softphone

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// offerInfo is what the softphone needs from a browser's offer before pion
// sees it: the payload types of PCMU and of telephone-event/8000 (0: none;
// 0 is PCMU's static type, never a telephone-event's). pion's answer keeps
// the offer's payload types, so these are the types both directions use.
type offerInfo struct {
	pcmuPT uint8
	tePT   uint8
	ufrag  string // a=ice-ufrag (RFC 8839 §5.4)
}

// sessionDescriptionInit is the JSON of the browser's RTCSessionDescriptionInit.
type sessionDescriptionInit struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// parseOffer checks a browser's offer and returns its SDP text. raw is the
// SDP itself or the JSON of an RTCSessionDescriptionInit ({"type":"offer",
// "sdp":...}), whatever the client sent. Errors wrap ErrBadOffer, ErrNoAudio
// or ErrNoPCMU.
func parseOffer(raw string) (string, offerInfo, error) {
	text := strings.TrimSpace(raw)
	if strings.HasPrefix(text, "{") {
		var d sessionDescriptionInit
		if err := json.Unmarshal([]byte(text), &d); err != nil {
			return "", offerInfo{}, fmt.Errorf("%w: JSON description: %v", ErrBadOffer, err)
		}
		if !strings.EqualFold(d.Type, "offer") {
			return "", offerInfo{}, fmt.Errorf("%w: description type %q, want offer", ErrBadOffer, d.Type)
		}
		text = strings.TrimSpace(d.SDP)
	}
	if !strings.HasPrefix(text, "v=") {
		return "", offerInfo{}, fmt.Errorf("%w: does not start with v= (RFC 4566 §5)", ErrBadOffer)
	}
	text += "\r\n" // pion's parser wants the last line's end
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(text); err != nil {
		return "", offerInfo{}, fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	// An offerer must say a=setup:actpass (RFC 5763 §5, RFC 8842 §5.2); an
	// answer says active or passive. The text alone does not carry its
	// type, so this is how an answer sent as an offer is told apart.
	if v, ok := sd.Attribute("setup"); ok && !strings.EqualFold(v, "actpass") {
		return "", offerInfo{}, fmt.Errorf("%w: a=setup:%s is an answer's (an offer says actpass)", ErrBadOffer, v)
	}
	var audio *sdp.MediaDescription
	for _, md := range sd.MediaDescriptions {
		if !strings.EqualFold(md.MediaName.Media, "audio") || md.MediaName.Port.Value == 0 {
			continue // not audio, or a rejected stream (RFC 3264 §6)
		}
		if v, ok := md.Attribute("setup"); ok && !strings.EqualFold(v, "actpass") {
			return "", offerInfo{}, fmt.Errorf("%w: a=setup:%s is an answer's (an offer says actpass)", ErrBadOffer, v)
		}
		audio = md
		break
	}
	if audio == nil {
		return "", offerInfo{}, ErrNoAudio
	}
	rtpmap := map[string]string{} // payload type → "name/rate"
	for _, a := range audio.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		pt, enc, ok := strings.Cut(a.Value, " ")
		if ok {
			rtpmap[pt] = strings.TrimSpace(enc)
		}
	}
	var info offerInfo
	info.ufrag, _ = sd.Attribute("ice-ufrag")
	if v, ok := audio.Attribute("ice-ufrag"); ok {
		info.ufrag = v
	}
	var havePCMU bool
	var offered []string
	for _, f := range audio.MediaName.Formats {
		pt, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			continue
		}
		enc, mapped := rtpmap[f]
		if !mapped && pt == 0 {
			enc = "PCMU/8000" // static type without a=rtpmap (RFC 3551 §6)
		}
		offered = append(offered, enc)
		name, rate, _ := strings.Cut(enc, "/")
		rate, _, _ = strings.Cut(rate, "/") // drop a channel count
		switch {
		case strings.EqualFold(name, "PCMU") && rate == "8000" && !havePCMU:
			havePCMU, info.pcmuPT = true, uint8(pt)
		case strings.EqualFold(name, "telephone-event") && rate == "8000" && info.tePT == 0:
			info.tePT = uint8(pt)
		}
	}
	if !havePCMU {
		return "", offerInfo{}, fmt.Errorf("%w: audio offers %s", ErrNoPCMU, strings.Join(offered, ", "))
	}
	return text, info, nil
}
