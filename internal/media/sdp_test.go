package media

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sippOffer is what sipp's built-in uac_pcap scenario offers.
const sippOffer = "v=0\r\n" +
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 127.0.0.1\r\n" +
	"t=0 0\r\n" +
	"m=audio 6000 RTP/AVP 8 101\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-11,16\r\n"

func offer(mline string, extra ...string) string {
	s := "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=call\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" + mline + "\r\n"
	for _, e := range extra {
		s += e + "\r\n"
	}
	return s
}

func TestParseSDPSippPCMAOnlyOffer(t *testing.T) {
	d, err := ParseSDP([]byte(sippOffer))
	if err != nil {
		t.Fatal(err)
	}
	if want := netip.MustParseAddrPort("127.0.0.1:6000"); d.Addr != want {
		t.Errorf("Addr = %v, want %v", d.Addr, want)
	}
	if len(d.Codecs) != 1 || d.Codecs[0] != PCMA {
		t.Errorf("Codecs = %v, want [PCMA]", d.Codecs)
	}
	if d.DTMF != 101 || d.Direction != SendRecv || d.Hold() {
		t.Errorf("DTMF %d direction %q hold %v", d.DTMF, d.Direction, d.Hold())
	}
	n, err := Answer(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.Codec != PCMA || n.DTMF != 101 || n.Direction != SendRecv || n.Remote != d.Addr {
		t.Errorf("Answer = %+v", n)
	}
}

func TestParseSDPTelephoneEventAnyDynamicPT(t *testing.T) {
	for _, pt := range []string{"96", "101", "126"} {
		d, err := ParseSDP([]byte(offer("m=audio 4000 RTP/AVP 0 8 "+pt,
			"a=rtpmap:"+pt+" telephone-event/8000", "a=fmtp:"+pt+" 0-16", "a=ptime:20")))
		if err != nil {
			t.Fatal(err)
		}
		if got := strconv.Itoa(int(d.DTMF)); got != pt {
			t.Errorf("DTMF = %s, want %s", got, pt)
		}
		if len(d.Codecs) != 2 || d.Codecs[0] != PCMU || d.Codecs[1] != PCMA {
			t.Errorf("Codecs = %v", d.Codecs)
		}
		if d.PTime != 20*time.Millisecond {
			t.Errorf("PTime = %v", d.PTime)
		}
	}
}

func TestParseSDPIgnoresWideband(t *testing.T) {
	// telephone-event/48000 and opus are not for us; PCMU with a dynamic PT is.
	d, err := ParseSDP([]byte(offer("m=audio 4000 RTP/AVP 111 110 98 97",
		"a=rtpmap:111 opus/48000/2", "a=rtpmap:110 telephone-event/48000",
		"a=rtpmap:98 pcmu/8000", "a=rtpmap:97 telephone-event/8000")))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Codecs) != 1 || d.Codecs[0] != (Codec{"PCMU", 98, 8000}) || d.DTMF != 97 {
		t.Errorf("got %+v", d)
	}
}

func TestParseSDPHoldDirections(t *testing.T) {
	for _, tc := range []struct {
		name string
		sdp  string
		peer Direction
		ours Direction
		hold bool
	}{
		{"default", offer("m=audio 4000 RTP/AVP 0"), SendRecv, SendRecv, false},
		{"sendonly", offer("m=audio 4000 RTP/AVP 0", "a=sendonly"), SendOnly, RecvOnly, true},
		{"recvonly", offer("m=audio 4000 RTP/AVP 0", "a=recvonly"), RecvOnly, SendOnly, false},
		{"inactive", offer("m=audio 4000 RTP/AVP 0", "a=inactive"), Inactive, Inactive, true},
		{"session level", strings.Replace(offer("m=audio 4000 RTP/AVP 0"), "t=0 0\r\n", "t=0 0\r\na=sendonly\r\n", 1), SendOnly, RecvOnly, true},
		{"media overrides session", strings.Replace(offer("m=audio 4000 RTP/AVP 0", "a=sendrecv"), "t=0 0\r\n", "t=0 0\r\na=inactive\r\n", 1), SendRecv, SendRecv, false},
		{"c=0.0.0.0", strings.ReplaceAll(offer("m=audio 4000 RTP/AVP 0"), "192.0.2.10", "0.0.0.0"), Inactive, Inactive, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseSDP([]byte(tc.sdp))
			if err != nil {
				t.Fatal(err)
			}
			if d.Direction != tc.peer || d.Hold() != tc.hold {
				t.Errorf("Direction %q hold %v, want %q %v", d.Direction, d.Hold(), tc.peer, tc.hold)
			}
			n, err := Answer(d, []Codec{PCMU})
			if err != nil {
				t.Fatal(err)
			}
			if n.Direction != tc.ours {
				t.Errorf("our direction %q, want %q", n.Direction, tc.ours)
			}
		})
	}
}

func TestParseSDPMediaLevelConnectionAndIPv6(t *testing.T) {
	s := "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\nc=IN IP6 2001:db8::2\r\n"
	d, err := ParseSDP([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if d.Addr != netip.MustParseAddrPort("[2001:db8::2]:5004") {
		t.Errorf("Addr = %v", d.Addr)
	}
}

func TestParseSDPSkipsRejectedAndSecureStreams(t *testing.T) {
	s := offer("m=audio 0 RTP/AVP 0") + "m=audio 4002 RTP/SAVP 0\r\n" + "m=audio 4004 RTP/AVP 8\r\n"
	d, err := ParseSDP([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if d.Addr.Port() != 4004 || len(d.Codecs) != 1 || d.Codecs[0] != PCMA {
		t.Errorf("got %+v", d)
	}
}

func TestParseSDPErrors(t *testing.T) {
	for name, s := range map[string]string{
		"empty":         "",
		"garbage":       "hello world",
		"no audio":      offer("m=video 4000 RTP/AVP 96"),
		"only rejected": offer("m=audio 0 RTP/AVP 0"),
		"only SRTP":     offer("m=audio 4000 RTP/SAVP 0"),
		"no c=":         "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
		"host name":     strings.ReplaceAll(offer("m=audio 4000 RTP/AVP 0"), "c=IN IP4 192.0.2.10", "c=IN IP4 pbx.example.com"),
		"too big":       offer("m=audio 4000 RTP/AVP 0", "a=x:"+strings.Repeat("a", maxSDP)),
	} {
		if _, err := ParseSDP([]byte(s)); !errors.Is(err, ErrBadSDP) {
			t.Errorf("%s: err = %v, want ErrBadSDP", name, err)
		}
	}
}

func TestAnswerPicksFirstPreferredCodecPresentInOffer(t *testing.T) {
	d, err := ParseSDP([]byte(offer("m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000")))
	if err != nil {
		t.Fatal(err)
	}
	n, err := Answer(d, []Codec{PCMA, PCMU})
	if err != nil || n.Codec != PCMA {
		t.Errorf("Answer(PCMA first) = %v, %v", n.Codec, err)
	}
	n, err = Answer(d, nil)
	if err != nil || n.Codec != PCMU {
		t.Errorf("Answer(nil) = %v, %v", n.Codec, err)
	}
	d2, _ := ParseSDP([]byte(offer("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000")))
	if _, err := Answer(d2, nil); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("G729 only: err = %v, want ErrNoCommonCodec", err)
	}
	if _, err := Answer(d, []Codec{{Name: "G722", PayloadType: 9, ClockRate: 8000}}); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("prefer G722: err = %v", err)
	}
}

func TestMarshalSDPRoundTrips(t *testing.T) {
	local := netip.MustParseAddrPort("127.0.0.1:10000")
	for _, tc := range []struct {
		codecs []Codec
		dtmf   uint8
		dir    Direction
	}{
		{[]Codec{PCMA}, 101, SendRecv},
		{[]Codec{PCMU}, 96, RecvOnly},
		{[]Codec{PCMU, PCMA}, 101, SendOnly},
		{[]Codec{PCMU}, 0, Inactive},
	} {
		b := MarshalSDP(local, Origin{SessionID: 42, Version: 3}, tc.codecs, tc.dtmf, tc.dir)
		s := string(b)
		for _, want := range []string{"v=0\r\n", "o=switchboard 42 3 IN IP4 127.0.0.1\r\n", "c=IN IP4 127.0.0.1\r\n", "t=0 0\r\n", "a=ptime:20\r\n", "a=" + string(tc.dir) + "\r\n"} {
			if !strings.Contains(s, want) {
				t.Errorf("SDP lacks %q:\n%s", want, s)
			}
		}
		if tc.dtmf != 0 && !strings.Contains(s, "a=fmtp:"+strconv.Itoa(int(tc.dtmf))+" 0-16\r\n") {
			t.Errorf("SDP lacks the telephone-event fmtp:\n%s", s)
		}
		d, err := ParseSDP(b)
		if err != nil {
			t.Fatalf("our own SDP does not parse: %v\n%s", err, s)
		}
		if d.Addr != local || d.DTMF != tc.dtmf || d.Direction != tc.dir || len(d.Codecs) != len(tc.codecs) {
			t.Errorf("round trip: %+v from\n%s", d, s)
		}
		for i := range tc.codecs {
			if d.Codecs[i] != tc.codecs[i] {
				t.Errorf("codec %d: %v, want %v", i, d.Codecs[i], tc.codecs[i])
			}
		}
	}
	b := MarshalSDP(netip.MustParseAddrPort("[2001:db8::5]:20000"), Origin{1, 1}, []Codec{PCMU}, 0, SendRecv)
	if d, err := ParseSDP(b); err != nil || d.Addr.String() != "[2001:db8::5]:20000" {
		t.Errorf("IPv6 round trip: %+v %v\n%s", d, err, b)
	}
}

func FuzzParseSDP(f *testing.F) {
	f.Add([]byte(sippOffer))
	f.Add([]byte(offer("m=audio 4000 RTP/AVP 0 8 96", "a=rtpmap:96 telephone-event/8000", "a=sendonly")))
	f.Add(MarshalSDP(netip.MustParseAddrPort("10.0.0.1:1234"), Origin{1, 2}, []Codec{PCMU, PCMA}, 101, SendRecv))
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 65535/2 RTP/AVP 255 -1 x\r\na=rtpmap:x\r\na=ptime:-5\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseSDP(b)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) {
				t.Fatalf("error does not wrap ErrBadSDP: %v", err)
			}
			return
		}
		if !d.Addr.IsValid() || d.Addr.Port() == 0 {
			t.Fatalf("accepted without an address: %+v", d)
		}
		if d.DTMF != 0 && (d.DTMF < 96 || d.DTMF > 127) {
			t.Fatalf("DTMF PT %d", d.DTMF)
		}
		if n, err := Answer(d, nil); err == nil {
			_ = MarshalSDP(netip.MustParseAddrPort("127.0.0.1:10000"), Origin{1, 1}, []Codec{n.Codec}, n.DTMF, n.Direction)
		}
	})
}
