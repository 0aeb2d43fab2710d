package softphone

import (
	"errors"
	"strings"
	"testing"
)

const chromeLikeOffer = "v=0\r\n" +
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"t=0 0\r\n" +
	"a=group:BUNDLE 0\r\n" +
	"a=msid-semantic: WMS\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:abcd\r\n" +
	"a=ice-pwd:aaaaaaaaaaaaaaaaaaaaaaaa\r\n" +
	"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
	"a=setup:actpass\r\n" +
	"a=mid:0\r\n" +
	"a=sendrecv\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
	"a=rtpmap:63 red/48000/2\r\n" +
	"a=rtpmap:9 G722/8000\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:13 CN/8000\r\n" +
	"a=rtpmap:110 telephone-event/48000\r\n" +
	"a=rtpmap:126 telephone-event/8000\r\n"

func TestParseOfferFindsPayloadTypes(t *testing.T) {
	sdp, info, err := parseOffer(chromeLikeOffer)
	if err != nil {
		t.Fatal(err)
	}
	if info.pcmuPT != 0 || info.tePT != 126 || info.ufrag != "abcd" {
		t.Fatalf("info %+v, want PCMU 0, telephone-event/8000 126, ufrag abcd", info)
	}
	if !strings.HasSuffix(sdp, "\r\n") {
		t.Fatal("the SDP lost its last line end")
	}
	// Firefox: telephone-event 101 with fmtp, LF line ends.
	ff := strings.ReplaceAll(strings.Replace(chromeLikeOffer, "126 telephone-event/8000", "101 telephone-event/8000", 1), "\r\n", "\n")
	ff = strings.Replace(ff, "110 126\n", "110 101\n", 1)
	if _, info, err := parseOffer(ff); err != nil || info.tePT != 101 {
		t.Fatalf("Firefox-style offer: %+v, %v", info, err)
	}
	// PCMU under its static type without a=rtpmap, no telephone-event.
	bare := strings.Replace(strings.Replace(chromeLikeOffer, "a=rtpmap:0 PCMU/8000\r\n", "", 1), "a=rtpmap:126 telephone-event/8000\r\n", "", 1)
	bare = strings.Replace(bare, " 126\r\n", "\r\n", 1)
	if _, info, err := parseOffer(bare); err != nil || info.pcmuPT != 0 || info.tePT != 0 {
		t.Fatalf("static PCMU offer: %+v, %v", info, err)
	}
	// A rejected audio stream (port 0) is no audio.
	if _, _, err := parseOffer(strings.Replace(chromeLikeOffer, "m=audio 9", "m=audio 0", 1)); !errors.Is(err, ErrNoAudio) {
		t.Fatalf("rejected audio: %v", err)
	}
	if _, _, err := parseOffer(strings.Replace(chromeLikeOffer, "a=setup:actpass", "a=setup:passive", 1)); !errors.Is(err, ErrBadOffer) {
		t.Fatalf("answer's setup: %v", err)
	}
	noPCMU := strings.Replace(chromeLikeOffer, "a=rtpmap:0 PCMU/8000\r\n", "", 1)
	noPCMU = strings.Replace(noPCMU, " 0 8 ", " 8 ", 1)
	_, _, err = parseOffer(noPCMU)
	if !errors.Is(err, ErrNoPCMU) || !strings.Contains(err.Error(), "opus/48000/2") {
		t.Fatalf("offer without PCMU: %v", err)
	}
}

func FuzzParseOffer(f *testing.F) {
	f.Add(chromeLikeOffer)
	f.Add(`{"type":"offer","sdp":"v=0\r\n"}`)
	f.Add("v=0\r\nm=audio 9 RTP/AVP 0\r\n")
	f.Add("v=0\r\nm=audio 9 RTP/AVP 300 -1 x\r\na=rtpmap:300 PCMU/8000\r\na=rtpmap:x\r\n")
	f.Fuzz(func(t *testing.T, raw string) {
		sdp, info, err := parseOffer(raw)
		if err != nil {
			if !errors.Is(err, ErrBadOffer) && !errors.Is(err, ErrNoAudio) && !errors.Is(err, ErrNoPCMU) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if sdp == "" || info.pcmuPT > 127 || info.tePT > 127 {
			t.Fatalf("accepted with %+v", info)
		}
	})
}
