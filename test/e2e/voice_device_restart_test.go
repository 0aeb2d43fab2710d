//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// TestVoiceDeviceRegistrationSurvivesRestart: baresip registers as the
// agent's desk phone (for an hour, so it does not register again during
// the test); the server is killed and started again on the same data
// (SQLite in the data dir, or PostgreSQL); a caller calls the queue on the
// new process, which calls the desk phone at the binding the first process
// stored: the phone rings, answers, and the audio flows both ways.
func TestVoiceDeviceRegistrationSurvivesRestart(t *testing.T) {
	for _, b := range []string{"sipp", "baresip"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs it: apt-get install sip-tester baresip)", b)
		}
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			rtpLo := freeRTPRange(t, 20)
			args := append(b.args(t), "--log-level", "debug", "--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+19))
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "before the restart"})
			token := s.AdminToken()
			c := newClient(t, s, token)
			vc, cc := setupDeviceCenter(t, c, s)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()

			phone := voicepeer.StartBaresipUA(ctx, t, voicepeer.BaresipUAOptions{Registrar: vc.SIP, User: deviceUser,
				Password: devicePassword, ToneHz: deviceToneHz, RegInt: time.Hour, Duration: 150 * time.Second})
			if !phone.WaitRegistered(10 * time.Second) {
				t.Fatalf("baresip did not register:\n%s", phone.Stop().Report())
			}

			s.Kill()
			s = e2etest.Start(t, bin, e2etest.Options{Args: args, DataDir: s.DataDir, Name: "after the restart"})
			c = newClient(t, s, token)
			vc.SIP = s.SIPAddr(20 * time.Second)
			ag, _ := cc.agentWS(ctx, t, s, 0)
			ag.setState(ctx, t, "Available")

			caller := voicepeer.RunBaresip(ctx, t, voicepeer.BaresipOptions{Dial: "sip:" + deviceNumber + "@" + vc.SIP,
				Duration: 12 * time.Second, From: "15550392", ToneHz: callerToneHz})
			if !caller.Established() || caller.HeardWAV == "" {
				t.Fatalf("the caller did not get through:\n%s", caller.Report())
			}
			if strings.Contains(s.Log(), "not registered") {
				t.Fatalf("the restarted server found the desk phone not registered (the binding did not survive):\n%s",
					phone.Stop().Report())
			}
			m := ag.await(ctx, t, "contactConnected", func(m map[string]any) bool { return m["type"] == "contactConnected" })
			id, _ := m["contactId"].(string)
			ag.awaitEvent(ctx, t, "contactEnded", id)
			ag.awaitEvent(ctx, t, "acwStarted", id)
			// The router reports ACW before the call's goroutine has recorded
			// the hang-up: a completeAcw in between is acked, but the contact
			// then stays in AFTER_CONTACT_WORK (the agent API logs "cannot
			// complete after-contact work in state CONNECTED"). Wait for it.
			awaitContactState(t, c, cc, id, contact.AfterContactWork)
			if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id}); r["type"] != "ack" {
				t.Fatalf("completeAcw: %v", r)
			}
			if !phone.WaitLog("terminated", 10*time.Second) {
				t.Errorf("the desk phone's call did not end")
			}
			// The phone never registered with the new process: it was
			// called on the binding the first one stored.
			if strings.Contains(s.Log(), `"sip: REGISTER`) {
				t.Errorf("the restarted server got a REGISTER; the test needs the phone to keep its first registration")
			}
			dev := phone.Stop()
			if !dev.Established() || !strings.Contains(dev.Log, "INVITE sip:"+deviceUser) {
				t.Fatalf("the desk phone got no call at its registered contact after the restart:\n%s", dev.Report())
			}

			rec := callRecord(ctx, t, c, vc.Inst.ID, "15550392")
			if rec.ID != id || rec.Agent == nil || rec.Agent.ID != cc.Agents[0].UserID || rec.ConnectedToAgentTimestamp.IsZero() {
				t.Fatalf("record %s: agent %+v, connected %v; want contact %s connected to the device agent", rec.ID,
					rec.Agent, rec.ConnectedToAgentTimestamp, id)
			}
			if rec.DisconnectReason != contact.CustomerDisconnect {
				t.Errorf("record: reason %s, want CUSTOMER_DISCONNECT", rec.DisconnectReason)
			}
			checkTone(t, "the desk phone heard", dev.HeardWAV, callerToneHz, deviceToneHz, 2)
			checkTone(t, "the caller heard at the end", caller.HeardWAV, deviceToneHz, callerToneHz, 2)
		})
	}
}
