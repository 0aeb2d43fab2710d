//go:build e2e

package e2e

// Agents on desk phones, through the binary: an auto-accepting agent whose
// desk phone is a sipp UAS (sip:agent@127.0.0.1:PORT) is Available on the
// agent WebSocket; a sipp caller reaches a number whose flow queues the
// call; Switchboard calls the desk phone and bridges the two. The tests
// assert what the desk phone got, the agent's events and the contact
// records.

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
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// deskNumber is the number of the desk-phone fixture: its flow queues.
const deskNumber = "+15550181"

// setupDeskPhoneCenter creates an instance with a 24x7 queue, a routing
// profile taking one VOICE contact at a time from it, an auto-accepting
// agent on a desk phone at deskURI, a trunk admitting 127.0.0.1 and
// deskNumber, whose flow queues the call. It returns the voice center and
// the agent's login in a chatCenter (for agentWS).
func setupDeskPhoneCenter(t *testing.T, c *client, s *e2etest.Server, deskURI string) (*voiceCenter, *chatCenter) {
	t.Helper()
	vc, cc := voiceQueueCenter(t, c, s, "voice-desk-e2e", deskNumber, "")
	user := addAgent(t, c, cc, map[string]any{"username": "desk0", "firstName": "Desk", "autoAccept": true,
		"phoneType": "DESK_PHONE", "deskPhoneNumber": deskURI})
	if user.DeskPhoneNumber != deskURI {
		t.Fatalf("deskPhoneNumber stored as %q, want %q", user.DeskPhoneNumber, deskURI)
	}
	return vc, cc
}

// TestVoiceDeskPhone connects queued calls to an agent's desk phone, one
// call per subtest, in order (the agent takes one call at a time).
func TestVoiceDeskPhone(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatalf("sipp is not installed (.ci/run installs it: apt-get install sip-tester)")
	}
	rtpLo := freeRTPRange(t, 40)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-desk", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+39)}})
	c := newClient(t, s, s.AdminToken())
	deskPort := voicepeer.FreeUDPPort(t, "127.0.0.1")
	deskURI := "sip:agent@127.0.0.1:" + strconv.Itoa(deskPort)
	vc, cc := setupDeskPhoneCenter(t, c, s, deskURI)
	inst := vc.Inst.ID

	wsCtx, wsCancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer wsCancel()
	ag, _ := cc.agentWS(wsCtx, t, s, 0)
	ag.setState(wsCtx, t, "Available")

	deskPhone := func(ctx context.Context, t *testing.T, o voicepeer.SippOptions) *voicepeer.Sipp {
		t.Helper()
		o.Port, o.Timeout = deskPort, 40*time.Second
		uas := voicepeer.StartSipp(ctx, t, o)
		uas.WaitListening(0)
		return uas
	}
	// The desk phone got an INVITE for its URI, from the caller.
	checkInvite := func(t *testing.T, r voicepeer.SippResult, caller string) {
		t.Helper()
		if !strings.Contains(r.Messages, "INVITE "+deskURI+" SIP/2.0") {
			t.Errorf("the desk phone got no INVITE for %s:\n%s", deskURI, r.Report())
		}
		if !strings.Contains(r.Messages, "sip:"+caller+"@") {
			t.Errorf("the desk phone's INVITE does not present the caller %s:\n%s", caller, r.Report())
		}
	}
	// The agent's events for the call: connected, then ended and in
	// after-contact work, which the agent completes (the contact ends).
	agentHandles := func(ctx context.Context, t *testing.T) string {
		t.Helper()
		m := ag.await(ctx, t, "contactConnected", func(m map[string]any) bool { return m["type"] == "contactConnected" })
		id, _ := m["contactId"].(string)
		if m["channel"] != "VOICE" {
			t.Errorf("contactConnected %v, want a VOICE contact", m)
		}
		ag.awaitEvent(ctx, t, "contactEnded", id)
		ag.awaitEvent(ctx, t, "acwStarted", id)
		if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id}); r["type"] != "ack" {
			t.Fatalf("completeAcw: %v", r)
		}
		return id
	}
	checkConnected := func(t *testing.T, rec *contact.Contact, minTalk int64) {
		t.Helper()
		if rec.Agent == nil || rec.Agent.ID != cc.Agents[0].UserID || rec.ConnectedToAgentTimestamp.IsZero() {
			t.Fatalf("record: agent %+v, connected %v; want the desk agent", rec.Agent, rec.ConnectedToAgentTimestamp)
		}
		if got := rec.Agent.AgentInteractionDurationSeconds; got < minTalk {
			t.Errorf("agent interaction %d s, want >= %d (bridged)", got, minTalk)
		}
	}

	t.Run("CallerHangsUp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		uas := deskPhone(ctx, t, voicepeer.SippOptions{Scenario: "uas_play.xml"})
		r := sippCall(ctx, t, vc, "queue_hold_bench.xml", deskNumber, "+15550281",
			voicepeer.SippOptions{ExtraArgs: []string{"-d", "6000"}})
		voicepeer.RequireOK(t, r)
		ur := uas.Wait()
		voicepeer.RequireOK(t, ur) // it got our BYE
		checkInvite(t, ur, "+15550281")
		id := agentHandles(ctx, t)
		rec := callRecord(ctx, t, c, inst, "+15550281")
		if rec.ID != id {
			t.Errorf("the agent had contact %s, the caller's is %s", id, rec.ID)
		}
		checkConnected(t, rec, 2)
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByCustomer {
			t.Errorf("record: reason %s, voice %+v; want CUSTOMER_DISCONNECT by CUSTOMER", rec.DisconnectReason, rec.Voice)
		}
		sent, received := deskLegMedia(t, s, rec.ID)
		if received < 50 {
			t.Errorf("desk leg: received %d RTP packets (sent %d); want the desk phone's audio", received, sent)
		}
	})

	t.Run("DeskPhoneHangsUp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		uas := deskPhone(ctx, t, voicepeer.SippOptions{Scenario: "uas_xfer_bye.xml"}) // BYE 3 s after the ACK
		r := sippCall(ctx, t, vc, "xfer_caller.xml", deskNumber, "+15550282", voicepeer.SippOptions{})
		voicepeer.RequireOK(t, r) // it got our BYE
		ur := uas.Wait()
		voicepeer.RequireOK(t, ur)
		checkInvite(t, ur, "+15550282")
		agentHandles(ctx, t)
		rec := callRecord(ctx, t, c, inst, "+15550282")
		checkConnected(t, rec, 2)
		if rec.DisconnectReason != contact.AgentDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByAgent {
			t.Errorf("record: reason %s, voice %+v; want AGENT_DISCONNECT by AGENT", rec.DisconnectReason, rec.Voice)
		}
		// Both play audio: it crossed the bridge both ways.
		if sent, received := deskLegMedia(t, s, rec.ID); sent < 50 || received < 50 {
			t.Errorf("desk leg: sent %d, received %d RTP packets; want audio both ways", sent, received)
		}
	})

	t.Run("AgentEndsTheContact", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		uas := deskPhone(ctx, t, voicepeer.SippOptions{Scenario: "uas_play.xml"})
		caller := make(chan voicepeer.SippResult, 1)
		go func() {
			caller <- sippCall(ctx, t, vc, "xfer_caller.xml", deskNumber, "+15550284", voicepeer.SippOptions{})
		}()
		m := ag.await(ctx, t, "contactConnected", func(m map[string]any) bool { return m["type"] == "contactConnected" })
		id, _ := m["contactId"].(string)
		time.Sleep(3 * time.Second) // the desk phone answers; they talk
		if r := ag.request(ctx, t, "endContact", map[string]any{"contactId": id}); r["type"] != "ack" {
			t.Fatalf("endContact: %v", r)
		}
		voicepeer.RequireOK(t, <-caller) // it got our BYE
		ur := uas.Wait()
		voicepeer.RequireOK(t, ur) // so did the desk phone
		checkInvite(t, ur, "+15550284")
		ag.awaitEvent(ctx, t, "acwStarted", id)
		if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id}); r["type"] != "ack" {
			t.Fatalf("completeAcw: %v", r)
		}
		rec := callRecord(ctx, t, c, inst, "+15550284")
		checkConnected(t, rec, 2)
		if rec.DisconnectReason != contact.AgentDisconnect {
			t.Errorf("record: reason %s, want AGENT_DISCONNECT", rec.DisconnectReason)
		}
	})

	// Last: the agent ends in Error.
	t.Run("DeskPhoneBusyReturnsTheCallToTheQueue", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		uas := deskPhone(ctx, t, voicepeer.SippOptions{Scenario: "uas_reject.xml",
			Replace: map[string]string{"404 Rejected": "486 Busy Here"}})
		held := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "queue_hold_bench.xml", Target: vc.SIP, Service: deskNumber,
			Vars: map[string]string{"from": "+15550283"}, ExtraArgs: []string{"-d", "6000"}, Timeout: 30 * time.Second})
		m := ag.await(ctx, t, "contactError", func(m map[string]any) bool { return m["type"] == "contactError" })
		id, _ := m["contactId"].(string)
		ag.await(ctx, t, "Error state", func(m map[string]any) bool { return m["type"] == "state" && m["system"] == "Error" })
		uas.Wait()
		// Back in the queue, and QUEUED on record, while the caller waits.
		var ct contact.Contact
		c.call(t, "GET", instancePath(inst, "contacts", id), nil, http.StatusOK, &ct)
		if ct.State != contact.Queued || ct.Agent != nil {
			t.Errorf("after the busy desk phone the contact is %s with agent %+v; want QUEUED without an agent", ct.State, ct.Agent)
		}
		voicepeer.RequireOK(t, held.Wait())
		rec := callRecord(ctx, t, c, inst, "+15550283")
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Agent != nil || !rec.ConnectedToAgentTimestamp.IsZero() {
			t.Errorf("record: reason %s, agent %+v; want CUSTOMER_DISCONNECT, never connected", rec.DisconnectReason, rec.Agent)
		}
	})
}

// deskLegMedia reads the server's log line for the desk-phone leg of
// contact id (bridgeCall's "third-party leg closed") and returns the RTP
// packets sent to and received from the desk phone.
func deskLegMedia(t *testing.T, s *e2etest.Server, id string) (sent, received uint64) {
	t.Helper()
	for _, line := range strings.Split(s.Log(), "\n") {
		if !strings.Contains(line, "leg closed") || !strings.Contains(line, id) || !strings.Contains(line, "desk_phone") {
			continue
		}
		var rec struct {
			Sent     uint64 `json:"rtp_sent"`
			Received uint64 `json:"rtp_received"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		t.Logf("desk leg of %s: %d RTP packets sent, %d received", id, rec.Sent, rec.Received)
		return rec.Sent, rec.Received
	}
	t.Errorf("no log line for the desk-phone leg of contact %s", id)
	return 0, 0
}
