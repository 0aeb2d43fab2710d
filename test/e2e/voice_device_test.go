//go:build e2e

package e2e

// Registered desk phones, through the binary: an auto-accepting agent on a
// DESK_PHONE whose number is sip:registered has a device password; a
// baresip registers as the agent's device (digest auth) and auto-answers;
// a caller reaches a number whose flow queues the call; Switchboard calls
// the registered device and bridges the two. The tests assert the
// registrar's answers, the audio each side heard and the contact records.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// The device fixture: its number (the flow queues) and the agent's device
// credentials.
const (
	deviceNumber   = "+15550191"
	deviceUser     = "device0"
	devicePassword = "desk-phone-s3cret"
	deviceAlias    = "voice-device-e2e"
)

// Tones: what the caller sends and what the desk phone sends.
const (
	callerToneHz = 440
	deviceToneHz = 880
)

// setupDeviceCenter creates an instance with a 24x7 queue, a routing
// profile taking one VOICE contact at a time from it, an auto-accepting
// agent on the registered desk phone (sip:registered) with a device
// password, a trunk admitting 127.0.0.1, and deviceNumber, whose flow
// queues the call.
func setupDeviceCenter(t *testing.T, c *client, s *e2etest.Server) (*voiceCenter, *chatCenter) {
	t.Helper()
	vc, cc := voiceQueueCenter(t, c, s, deviceAlias, deviceNumber, "")
	user := addAgent(t, c, cc, map[string]any{"username": deviceUser, "firstName": "Device", "autoAccept": true,
		"phoneType": "DESK_PHONE", "deskPhoneNumber": "sip:registered", "devicePassword": devicePassword})
	if user.DeskPhoneNumber != core.DeskPhoneRegistered || !user.HasDevicePassword || user.DevicePassword != "" {
		t.Fatalf("created user: deskPhoneNumber %q, hasDevicePassword %v, devicePassword %q", user.DeskPhoneNumber,
			user.HasDevicePassword, user.DevicePassword)
	}
	return vc, cc
}

// TestVoiceDevice runs its subtests in order on one server: the agent
// takes one call at a time.
func TestVoiceDevice(t *testing.T) {
	for _, b := range []string{"sipp", "baresip"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs it: apt-get install sip-tester baresip)", b)
		}
	}
	rtpLo := freeRTPRange(t, 40)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-device", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+39)}})
	c := newClient(t, s, s.AdminToken())
	vc, cc := setupDeviceCenter(t, c, s)
	inst := vc.Inst.ID

	wsCtx, wsCancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer wsCancel()
	ag, _ := cc.agentWS(wsCtx, t, s, 0)
	ag.setState(wsCtx, t, "Available")

	// First, before any device registered: the offer fails like a busy
	// phone's, the call goes back to the queue and the agent to Error.
	t.Run("UnregisteredDeviceReturnsTheCallToTheQueue", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		held := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "queue_hold_bench.xml", Target: vc.SIP,
			Service: deviceNumber, Vars: map[string]string{"from": "+15550390"}, ExtraArgs: []string{"-d", "6000"},
			Timeout: 30 * time.Second})
		m := ag.await(ctx, t, "contactError", func(m map[string]any) bool { return m["type"] == "contactError" })
		id, _ := m["contactId"].(string)
		ag.await(ctx, t, "Error state", func(m map[string]any) bool { return m["type"] == "state" && m["system"] == "Error" })
		var ct contact.Contact
		c.call(t, "GET", instancePath(inst, "contacts", id), nil, http.StatusOK, &ct)
		if ct.State != contact.Queued || ct.Agent != nil {
			t.Errorf("after the unregistered desk phone the contact is %s with agent %+v; want QUEUED without an agent", ct.State, ct.Agent)
		}
		voicepeer.RequireOK(t, held.Wait())
		rec := callRecord(ctx, t, c, inst, "+15550390")
		if rec.DisconnectReason != contact.CustomerDisconnect || rec.Agent != nil || !rec.ConnectedToAgentTimestamp.IsZero() {
			t.Errorf("record: reason %s, agent %+v; want CUSTOMER_DISCONNECT, never connected", rec.DisconnectReason, rec.Agent)
		}
		if !strings.Contains(s.Log(), "not registered") {
			t.Errorf("the server did not log that the desk phone is not registered")
		}
		ag.setState(ctx, t, "Available")
	})

	// A wrong device password, and an unknown user, are challenged and
	// then refused with 403.
	t.Run("WrongPasswordIs403", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, o := range []voicepeer.BaresipUAOptions{
			{User: deviceUser, Password: "not-the-password"},
			{User: "nobody", Password: devicePassword},
		} {
			o.Registrar = vc.SIP
			ua := voicepeer.StartBaresipUA(ctx, t, o)
			ok := ua.WaitLog("403 Forbidden", 10*time.Second)
			r := ua.Stop()
			if !ok || !strings.Contains(r.Log, "401 Unauthorized") || strings.Contains(r.Log, "200 OK (") {
				t.Errorf("%s with a wrong password: want a challenge (401) then 403, no 200:\n%s", o.User, r.Report())
			}
		}
	})

	// A device whose To host names the instance by its alias (the
	// REGISTER goes to Switchboard as the outbound proxy) registers too.
	t.Run("RegisterNamingTheInstance", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ua := voicepeer.StartBaresipUA(ctx, t, voicepeer.BaresipUAOptions{Registrar: vc.SIP, Domain: deviceAlias,
			User: deviceUser, Password: devicePassword})
		ok := ua.WaitRegistered(10 * time.Second)
		r := ua.Stop() // it unregisters
		if !ok {
			t.Fatalf("baresip did not register as %s@%s:\n%s", deviceUser, deviceAlias, r.Report())
		}
	})

	t.Run("RegisteredDeviceAnswersAndAudioFlowsBothWays", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		ua := voicepeer.StartBaresipUA(ctx, t, voicepeer.BaresipUAOptions{Registrar: vc.SIP, User: deviceUser,
			Password: devicePassword, ToneHz: deviceToneHz})
		if !ua.WaitRegistered(10 * time.Second) {
			t.Fatalf("baresip did not register:\n%s", ua.Stop().Report())
		}
		caller := voicepeer.RunBaresip(ctx, t, voicepeer.BaresipOptions{Dial: "sip:" + deviceNumber + "@" + vc.SIP,
			Duration: 14 * time.Second, From: "15550391", ToneHz: callerToneHz})
		if !caller.Established() || caller.HeardWAV == "" {
			t.Fatalf("the caller did not get through:\n%s", caller.Report())
		}
		m := ag.await(ctx, t, "contactConnected", func(m map[string]any) bool { return m["type"] == "contactConnected" })
		id, _ := m["contactId"].(string)
		ag.awaitEvent(ctx, t, "contactEnded", id)
		ag.awaitEvent(ctx, t, "acwStarted", id)
		if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id}); r["type"] != "ack" {
			t.Fatalf("completeAcw: %v", r)
		}
		if !ua.WaitLog("terminated", 10*time.Second) { // our BYE, after the caller's
			t.Errorf("the desk phone's call did not end")
		}
		dev := ua.Stop()
		// Called at its registered Contact (baresip's is sip:device0-0x...@127.0.0.1:PORT).
		if !dev.Established() || !strings.Contains(dev.Log, "INVITE sip:"+deviceUser) {
			t.Fatalf("the desk phone got no call at its registered contact:\n%s", dev.Report())
		}

		rec := callRecord(ctx, t, c, inst, "15550391")
		if rec.ID != id {
			t.Errorf("the agent had contact %s, the caller's is %s", id, rec.ID)
		}
		if rec.Agent == nil || rec.Agent.ID != cc.Agents[0].UserID || rec.ConnectedToAgentTimestamp.IsZero() {
			t.Fatalf("record: agent %+v, connected %v; want the device agent", rec.Agent, rec.ConnectedToAgentTimestamp)
		}
		if got := rec.Agent.AgentInteractionDurationSeconds; got < 4 {
			t.Errorf("agent interaction %d s, want >= 4 (bridged)", got)
		}
		if rec.DisconnectReason != contact.CustomerDisconnect {
			t.Errorf("record: reason %s, want CUSTOMER_DISCONNECT", rec.DisconnectReason)
		}
		// Audio both ways: the desk phone heard the caller's tone; the
		// caller, at the end, the desk phone's (no more music on hold).
		checkTone(t, "the desk phone heard", dev.HeardWAV, callerToneHz, deviceToneHz, 2)
		checkTone(t, "the caller heard at the end", caller.HeardWAV, deviceToneHz, callerToneHz, 2)
	})
}

// checkTone asserts that the last secs seconds of the WAV at path (minus
// the very last half second, where the call ends) carry the tone want,
// well above the tone other.
func checkTone(t *testing.T, what, path string, want, other float64, secs int) {
	t.Helper()
	if path == "" {
		t.Errorf("%s: no recording", what)
		return
	}
	pcm, rate, ch, err := voicepeer.ReadWAV(path)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	pcm = voicepeer.Channel(pcm, ch, 0)
	end := len(pcm) - rate/2
	start := end - secs*rate
	if start < 0 {
		t.Errorf("%s: only %.1f s recorded", what, float64(len(pcm))/float64(rate))
		return
	}
	win := pcm[start:end]
	w, o, rms := toneLevel(win, rate, want), toneLevel(win, rate, other), voicepeer.RMS(win)
	t.Logf("%s: %.0f Hz level %.1f, %.0f Hz level %.1f, RMS %.0f", what, want, w, other, o, rms)
	if rms < 300 || w < 4*o {
		t.Errorf("%s: %.0f Hz at %.1f and %.0f Hz at %.1f (RMS %.0f); want the %.0f Hz tone", what, want, w, other, o, rms, want)
	}
}

// toneLevel is the amplitude of the hz component of pcm (Goertzel).
func toneLevel(pcm []int16, rate int, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/float64(rate))
	var s1, s2 float64
	for _, x := range pcm {
		s1, s2 = float64(x)+k*s1-s2, s1
	}
	return math.Sqrt(s1*s1+s2*s2-k*s1*s2) / float64(len(pcm))
}
