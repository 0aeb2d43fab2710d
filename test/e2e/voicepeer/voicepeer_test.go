package voicepeer

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func need(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed", b)
		}
	}
}

func TestPatchPCAPPayloadType(t *testing.T) {
	src := filepath.Join(SippPCAPDir, "dtmf_2833_1.pcap")
	if _, err := os.Stat(src); err != nil {
		t.Skip("sip-tester pcaps not installed")
	}
	orig, err := PCAPRTP(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(orig) != 10 {
		t.Fatalf("dtmf_2833_1.pcap: %d RTP packets, want 10", len(orig))
	}
	dst := filepath.Join(t.TempDir(), "pt96.pcap")
	if err := PatchPCAPPayloadType(src, dst, 96); err != nil {
		t.Fatal(err)
	}
	got, err := PCAPRTP(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(orig) {
		t.Fatalf("%d packets after the patch, want %d", len(got), len(orig))
	}
	for i := range got {
		if orig[i][1]&0x7f != 101 {
			t.Errorf("packet %d: original PT %d, want 101", i, orig[i][1]&0x7f)
		}
		if got[i][1]&0x7f != 96 || got[i][1]&0x80 != orig[i][1]&0x80 {
			t.Errorf("packet %d: byte 1 %#x (was %#x), want PT 96 with the marker kept", i, got[i][1], orig[i][1])
		}
		if got[i][12] != 1 || !bytes.Equal(got[i][2:], orig[i][2:]) {
			t.Errorf("packet %d: payload changed beyond the PT: %x vs %x", i, got[i], orig[i])
		}
	}
	a, _ := os.ReadFile(src)
	b, _ := os.ReadFile(dst)
	if len(a) != len(b) {
		t.Fatalf("size %d, want %d", len(b), len(a))
	}
	if err := PatchPCAPPayloadType(src, dst, 200); err == nil {
		t.Error("PT 200 accepted")
	}
	if err := PatchPCAPPayloadType(filepath.Join(ScenarioDir(), "cancel.xml"), dst, 96); err == nil {
		t.Error("a non-pcap file accepted")
	}
}

func writeWAV(t *testing.T, format, channels, rate, bits int, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(4+8+16+8+len(data)))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, le, uint32(16))
	_ = binary.Write(&b, le, uint16(format))
	_ = binary.Write(&b, le, uint16(channels))
	_ = binary.Write(&b, le, uint32(rate))
	_ = binary.Write(&b, le, uint32(rate*channels*bits/8))
	_ = binary.Write(&b, le, uint16(channels*bits/8))
	_ = binary.Write(&b, le, uint16(bits))
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(len(data)))
	b.Write(data)
	p := filepath.Join(t.TempDir(), "x.wav")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadWAV(t *testing.T) {
	// PCM16 stereo: left loud, right silent.
	var d []byte
	for i := range 800 {
		v := int16(1000)
		if i%2 == 1 {
			v = -1000
		}
		d = binary.LittleEndian.AppendUint16(d, uint16(v))
		d = binary.LittleEndian.AppendUint16(d, 0)
	}
	s, rate, ch, err := ReadWAV(writeWAV(t, 1, 2, 8000, 16, d))
	if err != nil {
		t.Fatal(err)
	}
	if rate != 8000 || ch != 2 || len(s) != 1600 {
		t.Fatalf("rate %d ch %d n %d", rate, ch, len(s))
	}
	if l, r := RMS(Channel(s, ch, 0)), RMS(Channel(s, ch, 1)); l != 1000 || r != 0 {
		t.Fatalf("RMS left %v right %v, want 1000 and 0", l, r)
	}
	if Channel(s, ch, 2) != nil || RMS(nil) != 0 {
		t.Fatal("Channel out of range or RMS(nil)")
	}

	// G.711: A-law 0xd5/0x55 are +8/-8, 0xaa is +32256; µ-law 0xff is 0,
	// 0x80 is +32124, 0x00 is -32124.
	s, _, ch, err = ReadWAV(writeWAV(t, 6, 1, 8000, 8, []byte{0xd5, 0x55, 0xaa}))
	if err != nil || ch != 1 || !slices.Equal(s, []int16{8, -8, 32256}) {
		t.Fatalf("A-law: %v %v", s, err)
	}
	s, _, _, err = ReadWAV(writeWAV(t, 7, 1, 8000, 8, []byte{0xff, 0x80, 0x00}))
	if err != nil || !slices.Equal(s, []int16{0, 32124, -32124}) {
		t.Fatalf("µ-law: %v %v", s, err)
	}
	if _, _, _, err := ReadWAV(filepath.Join(ScenarioDir(), "cancel.xml")); err == nil {
		t.Fatal("a non-WAV file accepted")
	}
}

// pair runs a stand-in UAS scenario and a UAC scenario against it, and
// requires both to succeed.
func pair(t *testing.T, uas, uac SippOptions) (SippResult, SippResult) {
	t.Helper()
	ctx := context.Background()
	if uas.Timeout == 0 {
		uas.Timeout = 20 * time.Second
	}
	if uac.Timeout == 0 {
		uac.Timeout = 20 * time.Second
	}
	srv := StartSipp(ctx, t, uas)
	srv.WaitListening(0)
	uac.Target = srv.Addr
	if uac.Service == "" {
		uac.Service = "+15550100"
	}
	c := RunSipp(ctx, t, uac)
	s := srv.Wait()
	if !c.OK() {
		t.Errorf("UAC %s failed:\n%s", uac.Scenario, c.Report())
	}
	if !s.OK() {
		t.Errorf("UAS %s failed:\n%s", uas.Scenario, s.Report())
	}
	return c, s
}

// TestScenarios runs every UAC scenario in test/e2e/sipp against its
// stand-in UAS, end to end over loopback.
func TestScenarios(t *testing.T) {
	need(t, SippBin)
	cases := []struct {
		name     string
		uas, uac SippOptions
		check    func(t *testing.T, c, s SippResult)
	}{
		{"dtmf_branch", SippOptions{Scenario: "uas_branch.xml"}, SippOptions{Scenario: "dtmf_branch.xml", Vars: map[string]string{"from": "+15557777"}},
			func(t *testing.T, c, s SippResult) {
				if !slices.Equal(c.ReceivedRequests(), []string{"BYE"}) || !slices.Contains(c.Responses(), 200) {
					t.Errorf("requests %v responses %v", c.ReceivedRequests(), c.Responses())
				}
				if !strings.Contains(s.Messages, "From: \"sipp\" <sip:+15557777@") {
					t.Error("-set from not applied")
				}
			}},
		{"dtmf_pt96", SippOptions{Scenario: "uas_branch.xml"}, SippOptions{Scenario: "dtmf_pt96.xml"},
			func(t *testing.T, c, s SippResult) {
				if !strings.Contains(s.Messages, "a=rtpmap:96 telephone-event/8000") || !strings.Contains(s.Messages, "RTP/AVP 0 8 96") {
					t.Error("the offer does not carry PT 96")
				}
				if !strings.Contains(s.Messages, "From: \"sipp\" <sip:+15550123@") {
					t.Error("default from not applied")
				}
			}},
		{"dtmf_other_digit", SippOptions{Scenario: "uas_branch.xml"}, SippOptions{Scenario: "dtmf_branch.xml",
			Replace: map[string]string{"dtmf_2833_1.pcap": "dtmf_2833_pound.pcap"}}, nil},
		{"uac_prompt_bench", SippOptions{Scenario: "uas_branch.xml", Calls: 3}, SippOptions{Scenario: "uac_prompt_bench.xml", Calls: 3, Rate: 10},
			func(t *testing.T, c, s SippResult) {
				if c.Successful != 3 {
					t.Errorf("successful %d, want 3", c.Successful)
				}
			}},
		{"bye_in_prompt", SippOptions{Scenario: "uas_answer.xml"}, SippOptions{Scenario: "bye_in_prompt.xml"}, nil},
		{"queue_hold_bench", SippOptions{Scenario: "uas_answer.xml", Calls: 4}, SippOptions{Scenario: "queue_hold_bench.xml", Calls: 4, Limit: 4, Rate: 20, ExtraArgs: []string{"-d", "1500"}},
			func(t *testing.T, c, s SippResult) {
				if c.Successful != 4 {
					t.Errorf("successful %d, want 4", c.Successful)
				}
			}},
		{"reinvite_hold", SippOptions{Scenario: "uas_answer.xml"}, SippOptions{Scenario: "reinvite_hold.xml"},
			func(t *testing.T, c, s SippResult) {
				if n := strings.Count(s.Messages, "a=sendonly"); n != 1 {
					t.Errorf("UAS saw %d sendonly offers, want 1", n)
				}
				if !slices.Equal(c.Responses(), []int{100, 180, 200, 200, 200, 200}) {
					t.Errorf("responses %v", c.Responses())
				}
			}},
		{"cancel", SippOptions{Scenario: "uas_cancel.xml"}, SippOptions{Scenario: "cancel.xml"},
			func(t *testing.T, c, s SippResult) {
				if !slices.Equal(c.Responses(), []int{100, 180, 200, 487}) {
					t.Errorf("responses %v", c.Responses())
				}
				// The CANCEL and the ACK must reuse the INVITE's branch.
				if b := branches(c.Messages); len(b) != 3 || b[0] != b[1] || b[0] != b[2] {
					t.Errorf("branches INVITE/CANCEL/ACK %v, want one value", b)
				}
			}},
		{"unknown_404", SippOptions{Scenario: "uas_reject.xml"}, SippOptions{Scenario: "unknown_404.xml", Service: "+15559999"},
			func(t *testing.T, c, s SippResult) {
				if b := branches(c.Messages); len(b) != 2 || b[0] != b[1] {
					t.Errorf("branches INVITE/ACK %v, want one value", b)
				}
			}},
		{"forbidden_403_from_127.0.0.2", SippOptions{Scenario: "uas_reject.xml", Replace: map[string]string{"404 Rejected": "403 Forbidden"}},
			SippOptions{Scenario: "forbidden_403.xml", LocalIP: "127.0.0.2"},
			func(t *testing.T, c, s SippResult) {
				if !strings.Contains(s.Messages, "Via: SIP/2.0/UDP 127.0.0.2:") {
					t.Error("the INVITE did not come from 127.0.0.2")
				}
			}},
		{"unavailable_480", SippOptions{Scenario: "uas_reject.xml", Replace: map[string]string{"404 Rejected": "480 Temporarily Unavailable"}},
			SippOptions{Scenario: "unavailable_480.xml"}, nil},
		{"bye_in_prompt_tcp", SippOptions{Scenario: "uas_answer.xml", Transport: "t1", Calls: 2}, SippOptions{Scenario: "bye_in_prompt.xml", Transport: "t1", Calls: 2}, nil},
		{"digest", SippOptions{Scenario: "uas_digest.xml"}, SippOptions{Scenario: "digest.xml", AuthUser: "trunk1", AuthPass: "secret"},
			func(t *testing.T, c, s SippResult) {
				if !slices.Equal(c.Responses(), []int{100, 401, 100, 180, 200, 200}) || !strings.Contains(s.Messages, "Authorization: Digest") {
					t.Errorf("responses %v", c.Responses())
				}
				if b := branches(c.Messages); len(b) < 2 || b[0] != b[1] {
					t.Errorf("branches %v: the ACK of the 401 must reuse the INVITE's", b)
				}
			}},
		{"digest_forbidden", SippOptions{Scenario: "uas_digest.xml"}, SippOptions{Scenario: "digest_forbidden.xml", AuthUser: "trunk1", AuthPass: "wrong"},
			func(t *testing.T, c, s SippResult) {
				if !slices.Equal(c.Responses(), []int{100, 401, 403}) {
					t.Errorf("responses %v", c.Responses())
				}
				if b := branches(c.Messages); len(b) != 4 || b[0] != b[1] || b[2] != b[3] || b[0] == b[2] {
					t.Errorf("branches %v: want INVITE=ACK, INVITE2=ACK2", b)
				}
			}},
		{"no_ack", SippOptions{Scenario: "uas_noack.xml"}, SippOptions{Scenario: "no_ack.xml"},
			func(t *testing.T, c, s SippResult) {
				if strings.Contains(c.Messages, "ACK sip:") {
					t.Error("no_ack.xml sent an ACK")
				}
				if !slices.Equal(c.ReceivedRequests(), []string{"BYE"}) {
					t.Errorf("requests %v", c.ReceivedRequests())
				}
				if n := strings.Count(s.Messages, "SIP/2.0 200 OK"); n < 3 {
					t.Errorf("the stand-in sent the 200 %d times, want retransmissions", n)
				}
			}},
		{"builtin_uac_pcap", SippOptions{Scenario: "uas"}, SippOptions{Scenario: "uac_pcap"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.name == "builtin_uac_pcap" {
				t.Skip("13 s: plays all of g711a.pcap")
			}
			t.Parallel()
			c, s := pair(t, tc.uas, tc.uac)
			if tc.check != nil && !t.Failed() {
				tc.check(t, c, s)
				if t.Failed() {
					t.Logf("UAC:\n%s", c.Report())
				}
			}
		})
	}
}

// branches returns the Via branch of every message sipp sent, in order.
func branches(messages string) []string {
	var out []string
	sent := false
	for _, line := range strings.Split(messages, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.Contains(line, "message sent") {
			sent = true
			continue
		}
		if sent && strings.HasPrefix(line, "Via:") {
			_, b, _ := strings.Cut(line, "branch=")
			out = append(out, strings.SplitN(b, ";", 2)[0])
			sent = false
		}
	}
	return out
}

// TestSippFailureIsReported checks that a scenario that cannot complete
// (nobody answers) comes back as a failure with its messages, within the
// timeout, rather than hanging.
func TestSippFailureIsReported(t *testing.T) {
	need(t, SippBin)
	t.Parallel()
	start := time.Now()
	r := RunSipp(context.Background(), t, SippOptions{
		Scenario: "bye_in_prompt.xml",
		Target:   "127.0.0.1:" + itoa(FreeUDPPort(t, "127.0.0.1")),
		Service:  "+15550100",
		Timeout:  3 * time.Second,
	})
	if r.OK() || r.ExitCode == 0 {
		t.Fatalf("a call to nobody succeeded:\n%s", r.Report())
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if !strings.Contains(r.Messages, "INVITE sip:+15550100@") {
		t.Fatalf("messages lack the INVITE:\n%s", r.Report())
	}
	if !strings.Contains(r.Report(), "exit=") {
		t.Fatal("report")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestBaresipHearsAudio places a baresip call to a sipp UAS that plays
// g711a.pcap and checks that the dec WAV holds non-silent audio and that
// -t hung up with a BYE.
func TestBaresipHearsAudio(t *testing.T) {
	need(t, SippBin, BaresipBin)
	t.Parallel()
	ctx := context.Background()
	srv := StartSipp(ctx, t, SippOptions{Scenario: "uas_play.xml", Timeout: 20 * time.Second})
	srv.WaitListening(0)
	r := RunBaresip(ctx, t, BaresipOptions{Dial: "sip:+15550100@" + srv.Addr, Duration: 4 * time.Second, ToneHz: 600})
	s := srv.Wait()
	if !r.Established() || r.ExitCode != 0 || r.HeardWAV == "" {
		t.Fatalf("%s\n%s", r.Report(), s.Report())
	}
	if !s.OK() {
		t.Fatalf("the UAS did not get its BYE:\n%s\n%s", s.Report(), r.Report())
	}
	samples, rate, ch, err := ReadWAV(r.HeardWAV)
	if err != nil {
		t.Fatal(err)
	}
	rms := RMS(samples)
	t.Logf("heard %s: %d Hz, %d ch, %.2f s, RMS %.0f", filepath.Base(r.HeardWAV), rate, ch, float64(len(samples))/float64(rate*ch), rms)
	if rate != 8000 || ch != 1 || len(samples) < rate {
		t.Errorf("unexpected WAV shape: %d Hz %d ch %d samples", rate, ch, len(samples))
	}
	if rms < 300 {
		t.Errorf("heard RMS %.0f: silence", rms)
	}
	sent, _, _, err := ReadWAV(r.SentWAV)
	if err != nil || RMS(sent) < 1000 {
		t.Errorf("sent WAV: RMS %.0f err %v", RMS(sent), err)
	}
}

// TestBaresipRejected checks what a refused call looks like: no WAV.
func TestBaresipRejected(t *testing.T) {
	need(t, SippBin, BaresipBin)
	t.Parallel()
	ctx := context.Background()
	srv := StartSipp(ctx, t, SippOptions{Scenario: "uas_reject.xml", Timeout: 15 * time.Second})
	srv.WaitListening(0)
	r := RunBaresip(ctx, t, BaresipOptions{Dial: "sip:+15559999@" + srv.Addr, Duration: 2 * time.Second})
	s := srv.Wait()
	if r.Established() || r.HeardWAV != "" {
		t.Fatalf("a rejected call was established:\n%s", r.Report())
	}
	if !strings.Contains(r.Log, "404") || !s.OK() {
		t.Fatalf("%s\n%s", r.Report(), s.Report())
	}
}

// TestMalformedPayloads sends the canned payloads to a real sipp UAS: the
// well-formed INVITE without Contact is still parsed and answered (sipp is
// lenient, so it answers 100 Trying over UDP and TCP, which proves the
// payload is a parseable INVITE and that Exchange* read replies); garbage
// gets no reply.
func TestMalformedPayloads(t *testing.T) {
	need(t, SippBin)
	t.Parallel()
	ctx := context.Background()
	for _, tr := range []string{"u1", "t1"} {
		srv := StartSipp(ctx, t, SippOptions{Scenario: "uas_reject.xml", Transport: tr, Timeout: 10 * time.Second})
		srv.WaitListening(0)
		exchange := ExchangeUDP
		if tr == "t1" {
			exchange = ExchangeTCP
		}
		if reply, err := exchange(srv.Addr, Garbage(), 300*time.Millisecond); err == nil {
			t.Errorf("%s: garbage got a reply: %q", tr, reply)
		}
		reply, err := exchange(srv.Addr, InviteWithoutContact(srv.Addr, "+15550100"), 3*time.Second)
		if err != nil || StatusCode(reply) != 100 || !strings.Contains(reply, "Call-ID: vp-") {
			t.Errorf("%s: reply %q err %v", tr, reply, err)
		}
		srv.Stop()
	}
	for _, p := range [][]byte{BadContentLength("127.0.0.1:5060"), MissingVia("127.0.0.1:5060"), MissingCSeq("127.0.0.1:5060"), Options("127.0.0.1:5060")} {
		if !bytes.Contains(p, []byte("\r\n\r\n")) {
			t.Errorf("no header end in %q", p)
		}
	}
	if bytes.Contains(MissingVia("x:1"), []byte("Via:")) || bytes.Contains(MissingCSeq("x:1"), []byte("CSeq:")) ||
		bytes.Contains(InviteWithoutContact("x:1", "1"), []byte("Contact:")) {
		t.Error("a header that should be missing is there")
	}
	if StatusCode("SIP/2.0 400 Bad Request\r\n") != 400 || StatusCode("garbage") != 0 {
		t.Error("StatusCode")
	}
}
