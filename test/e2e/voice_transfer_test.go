//go:build e2e

package e2e

// Transfer to a phone number (TransferParticipantToThirdParty) on a call,
// through the binary: a sipp caller reaches a number whose flow calls
// +15550999 through the instance's trunk, whose outbound proxy is a sipp
// UAS standing in for the third party (answering and hanging up, ringing
// until cancelled, or busy). The tests assert the INVITE the UAS got and
// the contact records.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// The numbers of the transfer fixture.
const (
	xferContinueNumber = "+15550171" // transfer with ContinueFlowExecution
	xferConnectNumber  = "+15550172" // transfer without: the flow ends, the call stays bridged
	xferThirdParty     = "+15550999" // the number the flows call
)

// xferFlow marks the contact, calls the third party (3 s to answer), and
// records which branch it took in the attribute "xfer"; the answered
// branch (with ContinueFlowExecution) says something before hanging up.
func xferFlow(continueFlow bool) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	set := func(id, value, next string) map[string]any {
		return map[string]any{"Identifier": id, "Type": "UpdateContactAttributes",
			"Parameters":  map[string]any{"Attributes": map[string]any{"xfer": value}},
			"Transitions": map[string]any{"NextAction": next, "Errors": errs}}
	}
	cont := "False"
	if continueFlow {
		cont = "True"
	}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "record",
		"Actions": []any{
			// Recorded, so that the bridged part shows in the recording.
			map[string]any{"Identifier": "record", "Type": "UpdateContactRecordingBehavior",
				"Parameters": map[string]any{"RecordingBehavior": map[string]any{
					"RecordedParticipants": []string{"Customer"}, "IVRRecordingBehavior": "Enabled"}},
				"Transitions": map[string]any{"NextAction": "mark"}},
			map[string]any{"Identifier": "mark", "Type": "UpdateContactAttributes",
				"Parameters":  map[string]any{"Attributes": map[string]any{"stage": "transferring"}},
				"Transitions": map[string]any{"NextAction": "xfer", "Errors": errs}},
			map[string]any{"Identifier": "xfer", "Type": "TransferParticipantToThirdParty",
				"Parameters": map[string]any{"ThirdPartyPhoneNumber": xferThirdParty, "ThirdPartyConnectionTimeLimitSeconds": "3",
					"ContinueFlowExecution": cont, "ThirdPartyDTMFDigits": "1"},
				"Transitions": map[string]any{"NextAction": "answered", "Errors": []any{
					map[string]any{"NextAction": "timeout", "ErrorType": "ConnectionTimeLimitExceeded"},
					map[string]any{"NextAction": "failed", "ErrorType": "CallFailed"},
					map[string]any{"NextAction": "error", "ErrorType": "NoMatchingError"}}}},
			set("answered", "answered", "back"),
			set("timeout", "timeout", "end"),
			set("failed", "failed", "end"),
			set("error", "error", "end"),
			map[string]any{"Identifier": "back", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Welcome back."},
				"Transitions": map[string]any{"NextAction": "end", "Errors": errs}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

// TestVoiceThirdParty drives transfers to a phone number, one per subtest,
// in order: each starts its own third-party UAS on the trunk's proxy port.
func TestVoiceThirdParty(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatalf("sipp is not installed (.ci/run installs it: apt-get install sip-tester)")
	}
	rtpLo := freeRTPRange(t, 40)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-xfer", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+39)}})
	c := newClient(t, s, s.AdminToken())
	vc := &voiceCenter{SIP: s.SIPAddr(20 * time.Second)}
	c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "voice-xfer-e2e"}, http.StatusCreated, &vc.Inst)
	inst := vc.Inst.ID
	proxyPort := voicepeer.FreeUDPPort(t, "127.0.0.1")
	proxy := "127.0.0.1:" + strconv.Itoa(proxyPort)
	c.call(t, "POST", instancePath(inst, "trunks"), map[string]any{"name": "local", "allowedSources": []string{"127.0.0.1/32"},
		"outboundProxy": proxy}, http.StatusCreated, nil)
	for number, content := range map[string]map[string]any{xferContinueNumber: xferFlow(true), xferConnectNumber: xferFlow(false)} {
		var f core.Flow
		c.call(t, "POST", instancePath(inst, "flows"), map[string]any{"name": "Transfer " + number, "type": "CONTACT_FLOW",
			"content": content}, http.StatusCreated, &f)
		c.call(t, "POST", instancePath(inst, "flows", f.ID, "publish"), nil, http.StatusOK, nil)
		c.call(t, "POST", instancePath(inst, "phone-numbers"), map[string]any{"number": number, "flowId": f.ID},
			http.StatusCreated, nil)
	}
	thirdParty := func(ctx context.Context, t *testing.T, o voicepeer.SippOptions) *voicepeer.Sipp {
		t.Helper()
		o.Port, o.Timeout = proxyPort, 30*time.Second
		uas := voicepeer.StartSipp(ctx, t, o)
		uas.WaitListening(0)
		return uas
	}
	// The INVITE the third party got: to the number at the proxy, from
	// the caller (the trunk's default passthrough policy).
	checkInvite := func(t *testing.T, r voicepeer.SippResult, caller string) {
		t.Helper()
		if !strings.Contains(r.Messages, "INVITE sip:"+xferThirdParty+"@"+proxy+" SIP/2.0") {
			t.Errorf("the third party got no INVITE for sip:%s@%s:\n%s", xferThirdParty, proxy, r.Report())
		}
		from := ""
		for _, line := range strings.Split(r.Messages, "\n") {
			if strings.HasPrefix(strings.ToLower(line), "from:") {
				from = line
				break
			}
		}
		if !strings.Contains(from, "sip:"+caller+"@") {
			t.Errorf("the INVITE's From is %q, want the caller %s", from, caller)
		}
	}

	t.Run("AnsweredThenHangsUpAndTheFlowContinues", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		uas := thirdParty(ctx, t, voicepeer.SippOptions{Scenario: "uas_xfer_bye.xml"})
		start := time.Now()
		r := sippCall(ctx, t, vc, "xfer_caller.xml", xferContinueNumber, "+15550271", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		ur := uas.Wait()
		voicepeer.RequireOK(t, ur)
		checkInvite(t, ur, "+15550271")
		if d := time.Since(start); d < 3*time.Second {
			t.Errorf("the call lasted %v: the caller was not bridged for the third party's 3 s", d)
		}
		rec := callRecord(ctx, t, c, inst, "+15550271")
		if rec.Attributes["xfer"] != "answered" || rec.Attributes["stage"] != "transferring" {
			t.Errorf("attributes = %v, want xfer=answered (the success branch)", rec.Attributes)
		}
		if rec.DisconnectReason != contact.ContactFlowDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.BySystem {
			t.Errorf("record: reason %s, voice %+v; want CONTACT_FLOW_DISCONNECT by SYSTEM (the flow went on)", rec.DisconnectReason, rec.Voice)
		}
		checkThirdPartyMedia(t, s, rec.ID)
		// The recording has both sides of the bridge: the caller on the
		// left, the third party (its g711a.pcap audio) on the right.
		if rec.Recording == nil || !strings.HasPrefix(rec.Recording.Location, "file://") {
			t.Fatalf("recording %+v", rec.Recording)
		}
		pcm, rate, ch, err := voicepeer.ReadWAV(strings.TrimPrefix(rec.Recording.Location, "file://"))
		if err != nil || ch != 2 {
			t.Fatalf("recording: %v, %d channels", err, ch)
		}
		right := voicepeer.Channel(pcm, ch, 1)
		if n := len(right); n < 3*rate {
			t.Fatalf("recording of %d samples", n)
		}
		if rms := voicepeer.RMS(right[rate/2 : 2*rate]); rms < 300 {
			t.Errorf("right channel while bridged: RMS %.0f, want the third party's audio", rms)
		}
	})

	t.Run("NoAnswerTakesConnectionTimeLimitExceeded", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		uas := thirdParty(ctx, t, voicepeer.SippOptions{Scenario: "uas_cancel.xml"})
		r := sippCall(ctx, t, vc, "xfer_caller.xml", xferContinueNumber, "+15550272", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		ur := uas.Wait()
		voicepeer.RequireOK(t, ur) // it got the CANCEL
		checkInvite(t, ur, "+15550272")
		rec := callRecord(ctx, t, c, inst, "+15550272")
		if rec.Attributes["xfer"] != "timeout" {
			t.Errorf("attributes = %v, want xfer=timeout (ConnectionTimeLimitExceeded)", rec.Attributes)
		}
		if rec.DisconnectReason != contact.ContactFlowDisconnect {
			t.Errorf("disconnect reason %s, want CONTACT_FLOW_DISCONNECT", rec.DisconnectReason)
		}
	})

	t.Run("BusyTakesCallFailed", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		uas := thirdParty(ctx, t, voicepeer.SippOptions{Scenario: "uas_reject.xml",
			Replace: map[string]string{"404 Rejected": "486 Busy Here"}})
		r := sippCall(ctx, t, vc, "xfer_caller.xml", xferContinueNumber, "+15550273", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		uas.Wait()
		rec := callRecord(ctx, t, c, inst, "+15550273")
		if rec.Attributes["xfer"] != "failed" {
			t.Errorf("attributes = %v, want xfer=failed (CallFailed)", rec.Attributes)
		}
	})

	t.Run("WithoutContinueTheCallStaysBridgedUntilTheThirdPartyHangsUp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		uas := thirdParty(ctx, t, voicepeer.SippOptions{Scenario: "uas_xfer_bye.xml"})
		start := time.Now()
		r := sippCall(ctx, t, vc, "xfer_caller.xml", xferConnectNumber, "+15550274", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r)
		ur := uas.Wait()
		voicepeer.RequireOK(t, ur)
		checkInvite(t, ur, "+15550274")
		if d := time.Since(start); d < 3*time.Second {
			t.Errorf("the call lasted %v: the caller was not bridged for the third party's 3 s", d)
		}
		rec := callRecord(ctx, t, c, inst, "+15550274")
		if rec.DisconnectReason != contact.ThirdPartyDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByThirdParty {
			t.Errorf("record: reason %s, voice %+v; want THIRD_PARTY_DISCONNECT by THIRD_PARTY", rec.DisconnectReason, rec.Voice)
		}
		if rec.Attributes["stage"] != "transferring" || rec.Attributes["xfer"] != "" {
			t.Errorf("attributes = %v, want stage=transferring and no branch taken (the flow ended with the transfer)", rec.Attributes)
		}
		checkThirdPartyMedia(t, s, rec.ID)
	})

	// The caller hangs up while bridged (PCMU to the caller, PCMA to the
	// third party: the bridge transcodes): the third party gets a BYE and
	// the contact ends as the customer's, whether the flow would have gone
	// on or not.
	for i, number := range []string{xferContinueNumber, xferConnectNumber} {
		caller := fmt.Sprintf("+1555028%d", i)
		t.Run("CallerHangsUpWhileBridged"+number, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			uas := thirdParty(ctx, t, voicepeer.SippOptions{Scenario: "uas_answer.xml"})
			r := sippCall(ctx, t, vc, "bye_in_prompt.xml", number, caller, voicepeer.SippOptions{
				Replace: map[string]string{`<pause milliseconds="500" />`: `<pause milliseconds="2000" />`}})
			voicepeer.RequireOK(t, r)
			ur := uas.Wait()
			voicepeer.RequireOK(t, ur) // it got our BYE
			checkInvite(t, ur, caller)
			rec := callRecord(ctx, t, c, inst, caller)
			if rec.DisconnectReason != contact.CustomerDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByCustomer {
				t.Errorf("record: reason %s, voice %+v; want CUSTOMER_DISCONNECT by CUSTOMER", rec.DisconnectReason, rec.Voice)
			}
			if rec.Attributes["xfer"] != "" {
				t.Errorf("attributes = %v: the flow went on after the caller left", rec.Attributes)
			}
		})
	}
}

// checkThirdPartyMedia reads the server's log line for the third-party leg
// of contact id and checks that audio went both ways across the bridge.
func checkThirdPartyMedia(t *testing.T, s *e2etest.Server, id string) {
	t.Helper()
	for _, line := range strings.Split(s.Log(), "\n") {
		if !strings.Contains(line, "third-party leg closed") || !strings.Contains(line, id) {
			continue
		}
		var rec struct {
			Sent     uint64 `json:"rtp_sent"`
			Received uint64 `json:"rtp_received"`
			DTMF     uint64 `json:"dtmf_received"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		// 3 s of the third party's audio came in; the caller's audio (and
		// the digit of ThirdPartyDTMFDigits) went out.
		if rec.Sent < 50 || rec.Received < 50 {
			t.Errorf("third-party leg: sent %d, received %d RTP packets; want audio both ways", rec.Sent, rec.Received)
		}
		return
	}
	t.Errorf("no log line for the third-party leg of contact %s", id)
}
