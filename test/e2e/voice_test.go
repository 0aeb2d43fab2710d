//go:build e2e

package e2e

// Voice through the binary, with real SIP peers: sipp (scenarios in
// test/e2e/sipp) and baresip place calls to numbers of an instance set up
// over the API, through a trunk that admits 127.0.0.1; the tests assert the
// SIP responses and the contact records the calls leave.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// The numbers of the voice fixture.
const (
	ivrNumber   = "+15550142" // voiceIVR: press 1 or 2
	queueNumber = "+15550143" // straight to the queue
	otherNumber = "+15550144" // claimed by another instance
)

// The digest credentials of the fixture's second trunk.
const (
	carrierUser     = "carrier1"
	carrierPassword = "s3cret-digest"
)

// voiceCenter is an instance ready to take calls.
type voiceCenter struct {
	Inst  core.Instance
	Queue core.Queue
	SIP   string // host:port of the server's SIP listener
}

// voiceIVR asks for a key: 1 sets department=sales and says goodbye, 2
// sets department=support and queues the call; no key ends it.
func voiceIVR(queueID string) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	equals := func(value, next string) map[string]any {
		return map[string]any{"NextAction": next, "Condition": map[string]any{"Operator": "Equals", "Operands": []string{value}}}
	}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "menu",
		"Actions": []any{
			map[string]any{"Identifier": "menu", "Type": "GetParticipantInput",
				"Parameters": map[string]any{"Text": "Welcome to Switchboard. For sales, press 1. For support, press 2.",
					"StoreInput": "False", "InputTimeLimitSeconds": "8"},
				"Transitions": map[string]any{"NextAction": "end",
					"Conditions": []any{equals("1", "sales"), equals("2", "support")},
					"Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "InputTimeLimitExceeded"},
						map[string]any{"NextAction": "end", "ErrorType": "NoMatchingCondition"},
						map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "sales", "Type": "UpdateContactAttributes",
				"Parameters":  map[string]any{"Attributes": map[string]any{"department": "sales", "menuChoice": "1"}},
				"Transitions": map[string]any{"NextAction": "bye", "Errors": errs}},
			map[string]any{"Identifier": "bye", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Thank you. Goodbye."},
				"Transitions": map[string]any{"NextAction": "end", "Errors": errs}},
			map[string]any{"Identifier": "support", "Type": "UpdateContactAttributes",
				"Parameters":  map[string]any{"Attributes": map[string]any{"department": "support", "menuChoice": "2"}},
				"Transitions": map[string]any{"NextAction": "set-queue", "Errors": errs}},
			map[string]any{"Identifier": "set-queue", "Type": "UpdateContactTargetQueue", "Parameters": map[string]any{"QueueId": queueID},
				"Transitions": map[string]any{"NextAction": "transfer", "Errors": errs}},
			map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
				"Transitions": map[string]any{"Errors": []any{
					map[string]any{"NextAction": "end", "ErrorType": "QueueAtCapacity"},
					map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

// holdFlow greets and queues at once.
func holdFlow(queueID string) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "greet",
		"Actions": []any{
			map[string]any{"Identifier": "greet", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Please hold."},
				"Transitions": map[string]any{"NextAction": "set-queue", "Errors": errs}},
			map[string]any{"Identifier": "set-queue", "Type": "UpdateContactTargetQueue", "Parameters": map[string]any{"QueueId": queueID},
				"Transitions": map[string]any{"NextAction": "transfer", "Errors": errs}},
			map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
				"Transitions": map[string]any{"Errors": errs}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

// setupVoiceCenter creates the instance, its trunk (127.0.0.1 only), a
// queue nobody serves, the two flows and their numbers, and another
// instance that claims otherNumber.
func setupVoiceCenter(t *testing.T, c *client, s *e2etest.Server) *voiceCenter {
	t.Helper()
	vc := &voiceCenter{SIP: s.SIPAddr(20 * time.Second)}
	c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "voice-e2e"}, http.StatusCreated, &vc.Inst)
	id := vc.Inst.ID
	var hoo core.HoursOfOperation
	c.call(t, "POST", instancePath(id, "hours-of-operation"), alwaysOpen("24x7"), http.StatusCreated, &hoo)
	c.call(t, "POST", instancePath(id, "queues"), map[string]any{"name": "Support", "hoursOfOperationId": hoo.ID},
		http.StatusCreated, &vc.Queue)
	c.call(t, "POST", instancePath(id, "trunks"), map[string]any{"name": "local", "allowedSources": []string{"127.0.0.1/32"}},
		http.StatusCreated, nil)
	for number, content := range map[string]map[string]any{ivrNumber: voiceIVR(vc.Queue.ID), queueNumber: holdFlow(vc.Queue.ID)} {
		var f core.Flow
		c.call(t, "POST", instancePath(id, "flows"), map[string]any{"name": "Voice " + number, "type": "CONTACT_FLOW",
			"content": content}, http.StatusCreated, &f)
		c.call(t, "POST", instancePath(id, "flows", f.ID, "publish"), nil, http.StatusOK, nil)
		c.call(t, "POST", instancePath(id, "phone-numbers"), map[string]any{"number": number, "flowId": f.ID},
			http.StatusCreated, nil)
	}
	var other core.Instance
	c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "voice-e2e-other"}, http.StatusCreated, &other)
	c.call(t, "POST", instancePath(other.ID, "phone-numbers"), map[string]any{"number": otherNumber}, http.StatusCreated, nil)
	return vc
}

// callRecord waits for the contact of the call from caller to end and
// returns its record.
func callRecord(ctx context.Context, t *testing.T, c *client, instanceID, caller string) *contact.Contact {
	t.Helper()
	for {
		var page struct {
			Items []contact.Contact `json:"items"`
		}
		c.call(t, "GET", instancePath(instanceID, "contacts")+"?channel=VOICE&max=1000", nil, http.StatusOK, &page)
		for _, ct := range page.Items {
			if ct.CustomerEndpoint != nil && ct.CustomerEndpoint.Address == caller && ct.State == contact.Ended {
				var rec contact.Contact
				c.call(t, "GET", instancePath(instanceID, "contact-records", ct.ID), nil, http.StatusOK, &rec)
				return &rec
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no ended contact from %s: %+v", caller, page.Items)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// noContactFrom asserts that no contact has caller as its customer.
func noContactFrom(t *testing.T, c *client, instanceID, caller string) {
	t.Helper()
	var page struct {
		Items []contact.Contact `json:"items"`
	}
	c.call(t, "GET", instancePath(instanceID, "contacts")+"?channel=VOICE&max=1000", nil, http.StatusOK, &page)
	for _, ct := range page.Items {
		if ct.CustomerEndpoint != nil && ct.CustomerEndpoint.Address == caller {
			t.Fatalf("a contact was created for %s: %+v", caller, ct)
		}
	}
}

func sippCall(ctx context.Context, t *testing.T, vc *voiceCenter, scenario, number, from string, o voicepeer.SippOptions) voicepeer.SippResult {
	t.Helper()
	o.Scenario, o.Target, o.Service = scenario, vc.SIP, number
	if o.Vars == nil {
		o.Vars = map[string]string{}
	}
	o.Vars["from"] = from
	if o.Timeout == 0 {
		o.Timeout = 25 * time.Second
	}
	return voicepeer.RunSipp(ctx, t, o)
}

// TestVoiceCalls drives one server with real SIP peers, a call per subtest.
func TestVoiceCalls(t *testing.T) {
	for _, b := range []string{"sipp", "baresip"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs it: apt-get install sip-tester baresip)", b)
		}
	}
	rtpLo := freeRTPRange(t, 40)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice", Args: []string{"--answer-delay", "600ms", "--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+39)}})
	c := newClient(t, s, s.AdminToken())
	vc := setupVoiceCenter(t, c, s)
	inst := vc.Inst.ID

	t.Run("DTMF1BranchesAndTheFlowHangsUp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r := sippCall(ctx, t, vc, "dtmf_branch.xml", ivrNumber, "+15550201", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		rec := callRecord(ctx, t, c, inst, "+15550201")
		if rec.Attributes["department"] != "sales" || rec.Attributes["menuChoice"] != "1" {
			t.Errorf("attributes = %v, want the branch of key 1 (department=sales)", rec.Attributes)
		}
		checkFlowHangUp(t, rec, ivrNumber)
		if !strings.Contains(r.Messages, "BYE sip:") {
			t.Errorf("sipp saw no BYE from the server:\n%s", r.Report())
		}
	})

	t.Run("DTMFWithPayloadType96", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		dir := voicepeer.SippDir(t)
		if err := voicepeer.PatchPCAPPayloadType(filepath.Join(voicepeer.SippPCAPDir, "dtmf_2833_1.pcap"),
			filepath.Join(dir, voicepeer.PT96PCAP), 96); err != nil {
			t.Fatal(err)
		}
		r := sippCall(ctx, t, vc, "dtmf_pt96.xml", ivrNumber, "+15550202", voicepeer.SippOptions{Dir: dir})
		voicepeer.RequireOK(t, r)
		rec := callRecord(ctx, t, c, inst, "+15550202")
		if rec.Attributes["department"] != "sales" {
			t.Errorf("attributes = %v, want department=sales from key 1 sent with PT 96", rec.Attributes)
		}
		checkFlowHangUp(t, rec, ivrNumber)
	})

	t.Run("CallerHangsUpDuringThePrompt", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r := sippCall(ctx, t, vc, "bye_in_prompt.xml", ivrNumber, "+15550203", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		rec := callRecord(ctx, t, c, inst, "+15550203")
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByCustomer ||
			rec.Voice.HangupCause != "bye" {
			t.Errorf("record: reason %s, voice %+v; want CUSTOMER_DISCONNECT by CUSTOMER (bye)", rec.DisconnectReason, rec.Voice)
		}
		if rec.Attributes["department"] != "" {
			t.Errorf("the flow went on after the caller left: %v", rec.Attributes)
		}
	})

	t.Run("CancelBeforeAnswer", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r := sippCall(ctx, t, vc, "cancel.xml", ivrNumber, "+15550204", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		if !containsAll(r.Responses(), 200, 487) {
			t.Errorf("responses %v, want 200 to the CANCEL and 487 to the INVITE", r.Responses())
		}
		rec := callRecord(ctx, t, c, inst, "+15550204")
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Voice == nil || rec.Voice.HangupCause != "cancel" {
			t.Errorf("record: reason %s, voice %+v; want CUSTOMER_DISCONNECT (cancel)", rec.DisconnectReason, rec.Voice)
		}
		if !rec.ConnectedToSystemTimestamp.IsZero() {
			t.Errorf("a cancelled call reached its flow at %s", rec.ConnectedToSystemTimestamp)
		}
	})

	t.Run("UnknownNumberIs404", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, n := range []string{"+15559999", otherNumber} { // nobody's, and another instance's
			r := sippCall(ctx, t, vc, "unknown_404.xml", n, "+15550205", voicepeer.SippOptions{})
			voicepeer.RequireOK(t, r)
		}
		noContactFrom(t, c, inst, "+15550205")
	})

	t.Run("ForbiddenSourceIs403", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := sippCall(ctx, t, vc, "forbidden_403.xml", ivrNumber, "+15550206", voicepeer.SippOptions{LocalIP: "127.0.0.2"})
		voicepeer.RequireOK(t, r)
		noContactFrom(t, c, inst, "+15550206")
	})

	t.Run("ReInviteToHold", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r := sippCall(ctx, t, vc, "reinvite_hold.xml", queueNumber, "+15550207", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		rec := callRecord(ctx, t, c, inst, "+15550207")
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Queue == nil || rec.Queue.ID != vc.Queue.ID {
			t.Errorf("record: reason %s, queue %+v; want the caller to hang up from the queue after hold and resume",
				rec.DisconnectReason, rec.Queue)
		}
	})

	t.Run("QueueMusicThenTheCallerAbandons", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r := voicepeer.RunBaresip(ctx, t, voicepeer.BaresipOptions{Dial: "sip:" + queueNumber + "@" + vc.SIP,
			Duration: 7 * time.Second, From: "15550208"})
		if !r.Established() || r.HeardWAV == "" {
			t.Fatalf("baresip did not get through:\n%s", r.Report())
		}
		pcm, rate, ch, err := voicepeer.ReadWAV(r.HeardWAV)
		if err != nil {
			t.Fatal(err)
		}
		pcm = voicepeer.Channel(pcm, ch, 0)
		// After "Please hold." (about 1 s) and the position announcement,
		// music: every second from the 4th on must carry sound.
		for sec := 4; (sec+1)*rate <= len(pcm); sec++ {
			if rms := voicepeer.RMS(pcm[sec*rate : (sec+1)*rate]); rms < 300 {
				t.Errorf("second %d of what the caller heard is silent (RMS %.0f): no music on hold", sec, rms)
			}
		}
		if len(pcm) < 5*rate {
			t.Errorf("the caller heard only %.1f s", float64(len(pcm))/float64(rate))
		}
		rec := callRecord(ctx, t, c, inst, "15550208")
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Queue == nil || rec.Queue.ID != vc.Queue.ID || rec.Agent != nil {
			t.Errorf("record: reason %s, queue %+v, agent %+v; want the customer to abandon in the queue", rec.DisconnectReason, rec.Queue, rec.Agent)
		}
		if rec.Voice == nil || rec.Voice.QueueDurationSeconds < 3 || rec.Voice.DisconnectedBy != contact.ByCustomer {
			t.Errorf("voice details %+v: want at least 3 s in queue, ended by the customer", rec.Voice)
		}
	})

	t.Run("DigestTrunk", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		// From 127.0.0.3, which no trunk's sources hold: only the
		// carrier trunk's digest credentials get the call in. (Before
		// this trunk existed, such a source got 403 at once: above.)
		c.call(t, "POST", instancePath(inst, "trunks"), map[string]any{"name": "carrier", "username": carrierUser,
			"password": carrierPassword}, http.StatusCreated, nil)
		r := sippCall(ctx, t, vc, "digest.xml", ivrNumber, "+15550210", voicepeer.SippOptions{LocalIP: "127.0.0.3",
			AuthUser: carrierUser, AuthPass: carrierPassword})
		voicepeer.RequireOK(t, r)
		rec := callRecord(ctx, t, c, inst, "+15550210")
		if rec.Voice == nil || rec.Voice.TrunkName != "carrier" || rec.DisconnectReason != contact.CustomerDisconnect {
			t.Errorf("record: reason %s, voice %+v; want the carrier trunk, ended by the caller", rec.DisconnectReason, rec.Voice)
		}
		r = sippCall(ctx, t, vc, "digest_forbidden.xml", ivrNumber, "+15550211", voicepeer.SippOptions{LocalIP: "127.0.0.3",
			AuthUser: carrierUser, AuthPass: "wrong-password"})
		voicepeer.RequireOK(t, r)
		noContactFrom(t, c, inst, "+15550211")
	})

	t.Run("CallOverTCP", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r := sippCall(ctx, t, vc, "bye_in_prompt.xml", ivrNumber, "+15550212", voicepeer.SippOptions{Transport: "t1"})
		voicepeer.RequireOK(t, r)
		if rec := callRecord(ctx, t, c, inst, "+15550212"); rec.DisconnectReason != contact.CustomerDisconnect {
			t.Errorf("record over TCP: reason %s", rec.DisconnectReason)
		}
	})

	t.Run("MalformedSIPThenACallStillWorks", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		for name, p := range map[string][]byte{"garbage": voicepeer.Garbage(), "bad Content-Length": voicepeer.BadContentLength(vc.SIP),
			"no Via": voicepeer.MissingVia(vc.SIP), "no CSeq": voicepeer.MissingCSeq(vc.SIP)} {
			if err := voicepeer.SendUDP(vc.SIP, p); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := voicepeer.SendTCP(vc.SIP, p); err != nil {
				t.Fatalf("%s over TCP: %v", name, err)
			}
		}
		reply, err := voicepeer.ExchangeUDP(vc.SIP, voicepeer.InviteWithoutContact(vc.SIP, ivrNumber), 3*time.Second)
		if err != nil || voicepeer.StatusCode(reply) != 400 {
			t.Errorf("INVITE without Contact: %q, %v; want 400", reply, err)
		}
		// A call while datagrams that are not RTP hit every port of the
		// server's RTP range (its own among them): the call goes on, the
		// DTMF still branches.
		sp := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "dtmf_branch.xml", Target: vc.SIP, Service: ivrNumber,
			Vars: map[string]string{"from": "+15550209"}, Timeout: 25 * time.Second})
		junk := [][]byte{[]byte("not rtp at all"), {0x00, 0x01}, make([]byte, 12), append([]byte{0x80, 0x7f}, make([]byte, 30)...)}
		for i := 0; i < 25; i++ {
			for p := rtpLo; p < rtpLo+40; p++ {
				for _, j := range junk {
					_ = voicepeer.SendUDP(fmt.Sprintf("127.0.0.1:%d", p), j)
				}
			}
			time.Sleep(40 * time.Millisecond)
		}
		r := sp.Wait()
		voicepeer.RequireOK(t, r)
		if rec := callRecord(ctx, t, c, inst, "+15550209"); rec.Attributes["department"] != "sales" {
			t.Errorf("the call after malformed input did not branch: %v", rec.Attributes)
		}
		if n := metricValue(t, s, "switchboard_rtp_invalid_total"); n < 1 {
			t.Errorf("switchboard_rtp_invalid_total = %v: the junk datagrams were not seen on the call's RTP port", n)
		}
		if s.Exited() {
			t.Fatal("the server exited")
		}
	})
}

// awaitQueuedCall waits until one voice contact of the instance is QUEUED
// (the call sipp s placed), failing with sipp's report if it never is.
func awaitQueuedCall(ctx context.Context, t *testing.T, c *client, instanceID string, s *voicepeer.Sipp) {
	t.Helper()
	for {
		var page struct {
			Items []contact.Contact `json:"items"`
		}
		c.call(t, "GET", instancePath(instanceID, "contacts")+"?channel=VOICE&state=QUEUED", nil, http.StatusOK, &page)
		if len(page.Items) == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the call never reached the queue:\n%s", s.Stop().Report())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// checkFlowHangUp checks the voice record of a call the flow ended.
func checkFlowHangUp(t *testing.T, rec *contact.Contact, dnis string) {
	t.Helper()
	if rec.Channel != contact.Voice || rec.InitiationMethod != contact.Inbound {
		t.Errorf("channel %s, initiation %s; want VOICE INBOUND", rec.Channel, rec.InitiationMethod)
	}
	if rec.DisconnectReason != contact.ContactFlowDisconnect {
		t.Errorf("disconnect reason %s, want CONTACT_FLOW_DISCONNECT", rec.DisconnectReason)
	}
	if rec.SystemEndpoint == nil || rec.SystemEndpoint.Address != dnis {
		t.Errorf("system endpoint %+v, want %s", rec.SystemEndpoint, dnis)
	}
	v := rec.Voice
	if v == nil {
		t.Fatal("the record has no voice details")
	}
	if v.DisconnectedBy != contact.BySystem || v.HangupCause != "flow" || v.TrunkName != "local" || v.SIPCallID == "" ||
		(v.Codec != "PCMU" && v.Codec != "PCMA") {
		t.Errorf("voice details %+v", v)
	}
	// The prompt (several seconds of speech) went out as 20 ms packets,
	// and the caller's audio and DTMF came in.
	if v.PacketsSent < 50 || v.PacketsReceived < 10 {
		t.Errorf("RTP sent %d, received %d: the prompt did not play or the caller's media did not arrive", v.PacketsSent, v.PacketsReceived)
	}
	if rec.ConnectedToSystemTimestamp.IsZero() || rec.DisconnectTimestamp.Before(rec.ConnectedToSystemTimestamp) {
		t.Errorf("timestamps: flow %s, disconnect %s", rec.ConnectedToSystemTimestamp, rec.DisconnectTimestamp)
	}
}

// freeRTPRange finds n consecutive free UDP ports on 127.0.0.1, starting
// at an even port.
func freeRTPRange(t *testing.T, n int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		lo := 30000 + 2*rand.IntN(10000)
		var conns []net.PacketConn
		ok := true
		for p := lo; p < lo+n && ok; p++ {
			c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
		if ok {
			return lo
		}
	}
	t.Fatal("no free RTP port range")
	return 0
}

// metricValue reads one unlabelled counter from the server's /metrics.
func metricValue(t *testing.T, s *e2etest.Server, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

func containsAll(have []int, want ...int) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestVoiceDrainOnShutdown stops the server with one call waiting in the
// queue: the first SIGTERM refuses new calls (503) but lets the call go on
// until the caller hangs up, and the process then exits cleanly with the
// call's record written.
func TestVoiceDrainOnShutdown(t *testing.T) {
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-drain", Args: []string{"--shutdown-timeout", "20s"}})
	c := newClient(t, s, s.AdminToken())
	vc := setupVoiceCenter(t, c, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	held := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "queue_hold_bench.xml", Target: vc.SIP, Service: queueNumber,
		Vars: map[string]string{"from": "+15550301"}, ExtraArgs: []string{"-d", "5000"}, Timeout: 30 * time.Second})
	// Wait until the call is in the queue, then ask the server to stop.
	awaitQueuedCall(ctx, t, c, vc.Inst.ID, held)
	if err := s.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// A new call while draining is turned away.
	var refused voicepeer.SippResult
	for try := 0; try < 20; try++ {
		refused = sippCall(ctx, t, vc, "unavailable_480.xml", ivrNumber, "+15550302",
			voicepeer.SippOptions{Replace: map[string]string{`response="480"`: `response="503"`}, Timeout: 5 * time.Second})
		if refused.OK() {
			break
		}
		time.Sleep(100 * time.Millisecond) // the signal may not have landed yet
	}
	voicepeer.RequireOK(t, refused)
	// The waiting call was not cut: the caller's BYE ends it.
	voicepeer.RequireOK(t, held.Wait())
	if code := s.Wait(30 * time.Second); code != 0 {
		t.Fatalf("exit code %d after draining", code)
	}
	st := openServerStore(ctx, t, s, nil)
	list, _, err := contact.New(st, contact.Options{}).List(ctx, contact.Query{InstanceID: vc.Inst.ID, Channel: contact.Voice})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].State != contact.Ended || list[0].DisconnectReason != contact.CustomerDisconnect {
		t.Fatalf("after the drain: %d voice contacts; want one, ended by the caller: %+v", len(list), list)
	}
}
