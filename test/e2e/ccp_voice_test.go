//go:build e2e

package e2e

// The web console's CCP (web/src/ccp) on real calls, through the binary:
// headless Chromium (its fake microphone playing a 1 kHz tone) runs
// test/browser/ccp-voice.mjs, which logs the agent in on /ccp and clicks
// the CCP's own controls; a baresip caller (a 440 Hz tone) calls a number
// whose flow queues the call, and a sipp UAS plays the customer the agent
// dials. Where TestVoiceSoftphone drives the test softphone page, this
// drives what agents use.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/browser"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// The CCP fixture's numbers: the queue's (its flow queues the call) and
// the customer the agent dials, reached through the trunk's outbound proxy.
const (
	ccpNumber   = "+15550194"
	ccpCustomer = "+15550335"
	ccpCallerID = "+15550178"
)

// ccpAgent starts Chromium on the console's CCP of the instance alias with
// its microphone playing hz, logs a in through the CCP's login form (the
// console's cookie session), waits for its WebRTC audio line and sets it
// Available.
func ccpAgent(t *testing.T, s *e2etest.Server, alias string, a agentLogin, hz float64) *browser.Agent {
	t.Helper()
	wav := filepath.Join(t.TempDir(), "mic.wav")
	writeToneWAV(t, wav, hz, 5)
	ag := browser.StartScript(t, "ccp-voice.mjs", s.URL+"/ccp?instance="+alias, wav)
	ag.MustDo(map[string]any{"cmd": "login", "username": a.Username, "password": a.Password, "timeoutMs": 20000})
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "line:connected", "timeoutMs": 20000}); err != nil {
		t.Fatalf("%s: the CCP's audio line did not connect: %v", a.Username, err)
	}
	ag.MustDo(map[string]any{"cmd": "setState", "status": "Available"})
	return ag
}

// ccpShot saves a screenshot of the CCP as name-WxH.png in dir.
func ccpShot(ag *browser.Agent, dir, name string, width, height int) {
	ag.MustDo(map[string]any{"cmd": "screenshot", "path": filepath.Join(dir, fmt.Sprintf("%s-%dx%d.png", name, width, height)),
		"width": width, "height": height})
}

// TestCCPVoice: an agent on the CCP takes a call and uses every voice
// control, then dials out.
//
// The inbound call: the offer card shows the call, Accept connects it
// with audio both ways (the caller hears the agent's tone, the browser
// receives PCMU carrying the caller's); Mute silences the agent for the
// caller (who hears silence: the RTP goes on) while the agent still hears them,
// Unmute brings the tone back; Hold plays the caller the music and the
// agent nothing, with the CCP showing the call on hold, Resume; a keypad
// key goes out in band and reaches the caller as RFC 4733; Hang up puts
// the CCP in after-contact work with a running timer; the notes typed
// there are the contact's description when the agent completes, and the
// contact record counts one hold.
//
// The outbound call: the agent dials a number from the dial panel (the
// caller ID of the queue typed there) to a sipp UAS that echoes what it
// gets; the agent hears its own tone back (the UAS received the agent's
// audio), hangs up and completes after-contact work.
func TestCCPVoice(t *testing.T) {
	for _, tool := range []string{"baresip", "sipp", "chromium"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs it)", tool)
		}
	}
	rtpLo := freeRTPRange(t, 20)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "ccp-voice", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+19)}})
	c := newClient(t, s, s.AdminToken())
	proxyPort := voicepeer.FreeUDPPort(t, "127.0.0.1")
	proxy := "127.0.0.1:" + strconv.Itoa(proxyPort)
	const alias = "ccp-voice-e2e"
	vc, cc := voiceQueueCenter(t, c, s, alias, ccpNumber, proxy)
	id := vc.Inst.ID
	addAgent(t, c, cc, map[string]any{"username": "ccp0", "firstName": "Casey", "lastName": "Console", "phoneType": "SOFT_PHONE"})
	var out core.Queue
	c.call(t, "POST", instancePath(id, "queues"), map[string]any{"name": "Outbound", "hoursOfOperationId": vc.Queue.HoursOfOperationID,
		"outboundCallerId": map[string]any{"name": "Acme", "number": ccpCallerID}}, http.StatusCreated, &out)
	artifacts := artifactDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	ag := ccpAgent(t, s, alias, cc.Agents[0], softBrowserHz)
	ccpShot(ag, artifacts, "01-ccp-available", 1280, 800)

	// One test, not subtests: the browser driver and the helpers that use it
	// fail the test that started it.
	ccpInboundCall(ctx, t, s, c, vc, ag, artifacts)
	ccpDialOut(ctx, t, c, id, out.ID, proxyPort, proxy, ag, artifacts)
}

// ccpInboundCall: a baresip caller, and every voice control of the CCP.
func ccpInboundCall(ctx context.Context, t *testing.T, s *e2etest.Server, c *client, vc *voiceCenter, ag *browser.Agent, artifacts string) {
	const (
		caller = "ccpcaller"
		notes  = "Billing question; explained the invoice."
	)
	// baresip calls until the test stops it, once the server has hung up.
	cctx, stopCaller := context.WithCancel(ctx)
	var call voicepeer.BaresipResult
	callDone := make(chan struct{})
	go func() {
		defer close(callDone)
		call = voicepeer.RunBaresip(cctx, t, voicepeer.BaresipOptions{
			Dial: "sip:" + ccpNumber + "@" + vc.SIP, Duration: 90 * time.Second, ToneHz: softCallerHz, From: caller})
	}()
	defer func() {
		stopCaller()
		<-callDone
	}()

	// The offer card shows the call; Accept connects it.
	res, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "offer", "timeoutMs": 30000})
	if err != nil {
		t.Fatalf("the CCP shows no offer for the call: %v", err)
	}
	contactID, _ := res["contactId"].(string)
	if ch, _ := res["channel"].(string); ch != "VOICE" {
		t.Fatalf("the offer is of channel %q, want VOICE", ch)
	}
	ccpShot(ag, artifacts, "02-ccp-offer", 1280, 800)
	ag.MustDo(map[string]any{"cmd": "accept", "contactId": contactID, "timeoutMs": 20000})
	tConnected := time.Now()

	// Audio both ways: the browser receives PCMU with energy and hears the
	// caller's tone (the caller hearing the agent's is checked on its
	// recording at the end).
	waitInboundPCMU(t, ag, "the CCP", 15*time.Second)
	agentHears(t, ag, "the agent", "talking", []int{softCallerHz}, []int{softBrowserHz})
	ccpShot(ag, artifacts, "03-ccp-call", 1280, 800)
	ccpShot(ag, artifacts, "03-ccp-call", 390, 844)
	sleepUntil(tConnected.Add(4 * time.Second))

	// Mute: the agent's audio stops reaching the caller; the agent still
	// hears the caller.
	ag.MustDo(map[string]any{"cmd": "mute", "contactId": contactID})
	tMuted := time.Now()
	agentHears(t, ag, "the agent", "muted", []int{softCallerHz}, nil)
	ccpShot(ag, artifacts, "04-ccp-muted", 1280, 800)
	sleepUntil(tMuted.Add(3 * time.Second))
	ag.MustDo(map[string]any{"cmd": "unmute", "contactId": contactID})
	time.Sleep(3 * time.Second)

	// Hold: the caller hears the music, the agent nothing.
	ag.MustDo(map[string]any{"cmd": "hold", "contactId": contactID})
	ccpShot(ag, artifacts, "05-ccp-on-hold", 1280, 800)
	time.Sleep(time.Second)
	before, _, _ := inboundPackets(t, ag)
	time.Sleep(2500 * time.Millisecond)
	after, _, _ := inboundPackets(t, ag)
	if after-before > 10 {
		t.Errorf("on hold the CCP still received %d packets in 2.5 s; the agent should hear nothing", after-before)
	}
	tUnhold := time.Now()
	ag.MustDo(map[string]any{"cmd": "unhold", "contactId": contactID})
	var packets int
	if err := e2etest.Poll(10*time.Second, 200*time.Millisecond, func() (bool, error) {
		packets, _, _ = inboundPackets(t, ag)
		return packets-after > 100, nil
	}); err != nil {
		t.Errorf("after Resume the CCP received only %d packets", packets-after)
	}

	// A keypad key: played in band by the browser, relayed to the caller
	// as an RFC 4733 event.
	res = ag.MustDo(map[string]any{"cmd": "key", "digit": "7", "contactId": contactID})
	t.Logf("the line played %q", res["played"])
	if err := e2etest.Poll(10*time.Second, 100*time.Millisecond, func() (bool, error) {
		return serverLogHas(s.Log(), `"msg":"bridge: DTMF relayed"`, `"digit":"7"`), nil
	}); err != nil {
		t.Errorf("the keypad's 7 was not relayed to the caller")
	}
	sleepUntil(tUnhold.Add(4 * time.Second))

	// Hang up: after-contact work, its timer running.
	res = ag.MustDo(map[string]any{"cmd": "hangup", "contactId": contactID})
	timer0, _ := res["timer"].(string)
	var timer string
	if err := e2etest.Poll(5*time.Second, 200*time.Millisecond, func() (bool, error) {
		r, err := ag.Do(map[string]any{"cmd": "acwTimer", "contactId": contactID})
		timer, _ = r["timer"].(string)
		return err == nil && timer != timer0, err
	}); err != nil {
		t.Errorf("the after-contact work timer does not run: %q, then %q (%v)", timer0, timer, err)
	}
	if !strings.HasPrefix(timer0, "After-contact work") {
		t.Errorf("the after-contact work badge reads %q", timer0)
	}
	ag.MustDo(map[string]any{"cmd": "acwNotes", "contactId": contactID, "notes": notes})
	ccpShot(ag, artifacts, "06-ccp-acw", 1280, 800)
	ccpShot(ag, artifacts, "06-ccp-acw", 390, 844)
	ag.MustDo(map[string]any{"cmd": "completeAcw", "contactId": contactID})

	time.Sleep(500 * time.Millisecond) // the BYE reaches baresip, which closes its recording
	stopCaller()
	<-callDone
	if !call.Established() {
		t.Fatalf("the caller's call was not established:\n%s", call.Report())
	}
	if !strings.Contains(call.Log, "terminated") {
		t.Errorf("the agent's Hang up did not end the caller's call:\n%s", lastChars(call.Log, 3000))
	}
	if b, err := os.ReadFile(call.HeardWAV); err == nil { // for a look when the audio checks fail
		_ = os.WriteFile(filepath.Join(artifacts, "caller-heard.wav"), b, 0o644)
	}

	// The contact and its record.
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	rec := callRecord(rctx, t, c, vc.Inst.ID, caller)
	if rec.ID != contactID {
		t.Fatalf("the record is of contact %s, the CCP had %s", rec.ID, contactID)
	}
	var ct contact.Contact
	c.call(t, "GET", instancePath(vc.Inst.ID, "contacts", contactID), nil, http.StatusOK, &ct)
	if ct.Description != notes {
		t.Errorf("the contact's description is %q, want the notes %q", ct.Description, notes)
	}
	if rec.Agent == nil || rec.Agent.ConnectedToAgentTimestamp.IsZero() || rec.Agent.AfterContactWorkEndTimestamp.IsZero() {
		t.Fatalf("record agent %+v: want connected, after-contact work completed", rec.Agent)
	}
	if rec.Agent.NumberOfHolds != 1 || rec.Agent.CustomerHoldDurationSeconds < 2 {
		t.Errorf("record holds %d for %d s; want 1 of ≥ 2 s", rec.Agent.NumberOfHolds, rec.Agent.CustomerHoldDurationSeconds)
	}
	if rec.DisconnectReason != contact.AgentDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByAgent {
		t.Errorf("record disconnect %s by %+v, want AGENT_DISCONNECT by AGENT", rec.DisconnectReason, rec.Voice)
	}
	if !strings.Contains(call.Log, "received event: '7'") {
		t.Errorf("the caller received no RFC 4733 event for the keypad's 7:\n%s", lastChars(call.Log, 3000))
	}

	// What the caller heard, from its recording, cut where the agent's
	// tone starts, stops for the hold and comes back: on a loaded machine
	// the server's music can fall behind the clock, so the recording is
	// read by what it holds rather than by wall-clock windows.
	pcm, rate, ch, err := voicepeer.ReadWAV(call.HeardWAV)
	if err != nil {
		t.Fatalf("the caller's recording: %v", err)
	}
	h := newCallerHeard(voicepeer.Channel(pcm, ch, 0), rate, softBrowserHz)
	t.Logf("the caller heard: %s", h)
	onset := h.find(0, 2, true)
	if onset < 0 {
		t.Fatalf("the caller never heard the agent's tone: %s", h)
	}
	// The mute: the server fills the agent's muted audio with silence
	// (media.BridgeConfig.FillSilence), so the caller's RTP never stops
	// and the recording has the mute as a run of silence, as long as the
	// mute the server applied.
	mute := h.findMark(onset, 10, '.') // half a second of next to nothing
	if mute < 0 {
		t.Fatalf("the caller's recording has no silence for the mute: %s", h)
	}
	unmute := h.find(mute, 2, true)
	if unmute < 0 {
		t.Fatalf("the caller never heard the agent again after the mute: %s", h)
	}
	hold := h.find(unmute, 20, false) // a second without the tone
	if hold < 0 {
		t.Fatalf("the caller's recording has no hold after the agent's tone: %s", h)
	}
	resume := h.find(hold, 2, true)
	if resume < 0 {
		t.Fatalf("the caller never heard the agent again after the hold: %s", h)
	}
	talkFrom := serverLogTime(t, s, `"msg":"agent: talk"`, `"mode":"talk"`, contactID)
	muteFrom := serverLogTime(t, s, `"msg":"agent: mute"`, `"muted":true`, contactID)
	muteTo := serverLogTime(t, s, `"msg":"agent: mute"`, `"muted":false`, contactID)
	holdFrom := serverLogTime(t, s, `"msg":"agent: talk"`, `"mode":"hold"`, contactID)
	gap, silent := muteTo.Sub(muteFrom).Seconds(), h.secs(unmute-mute)
	talked, heard := holdFrom.Sub(talkFrom).Seconds(), h.secs(hold-onset)
	t.Logf("the agent talked %.1f s before the hold, muted for %.1f s; the caller's recording has %.1f s of the talk, %.1f s of it silent",
		talked, gap, heard, silent)
	if silent < gap-0.5 || silent > gap+1 {
		t.Errorf("the caller heard %.1f s of silence for a mute of %.1f s: %s", silent, gap, h)
	}
	if talked-heard > 1 {
		t.Errorf("the caller's recording lacks %.1f s of the talk: packets stopped (the mute should send silence)", talked-heard)
	}
	h.expect(t, "talking", onset, mute, true)
	h.expectQuiet(t, "muted", mute, unmute)
	h.expect(t, "after Unmute", unmute, hold, true)
	h.expect(t, "on hold", hold, resume, false)
	h.expect(t, "after Resume", resume, len(h.marks), true)
}

// callerHeard is the caller's recording cut into 50 ms blocks, each
// marked T when the agent's tone (hz) is most of it, M when it holds
// other sound (the prompts, the music) and . when next to nothing.
type callerHeard struct {
	pcm         []int16
	rate, block int
	hz          float64
	marks       []byte
}

func newCallerHeard(pcm []int16, rate int, hz float64) *callerHeard {
	h := &callerHeard{pcm: pcm, rate: rate, block: rate / 20, hz: hz}
	for i := 0; i+h.block <= len(pcm); i += h.block {
		w := pcm[i : i+h.block]
		switch rms := voicepeer.RMS(w); {
		case rms >= callerQuiet && toneLevel(w, rate, hz) >= 0.5*rms:
			h.marks = append(h.marks, 'T')
		case rms >= 100:
			h.marks = append(h.marks, 'M')
		default:
			h.marks = append(h.marks, '.')
		}
	}
	return h
}

// find is the first block from from on that starts n blocks in a row
// with (tone) or without the tone, or -1.
func (h *callerHeard) find(from, n int, tone bool) int {
	run := 0
	for i := from; i < len(h.marks); i++ {
		if (h.marks[i] == 'T') == tone {
			run++
		} else {
			run = 0
		}
		if run == n {
			return i - n + 1
		}
	}
	return -1
}

// findMark is the first block from from on that starts n blocks in a row
// marked m, or -1.
func (h *callerHeard) findMark(from, n int, m byte) int {
	run := 0
	for i := from; i < len(h.marks); i++ {
		if h.marks[i] == m {
			run++
		} else {
			run = 0
		}
		if run == n {
			return i - n + 1
		}
	}
	return -1
}

// expectQuiet checks blocks a to b, less 300 ms at each end: next to
// nothing heard (and so not the agent's tone).
func (h *callerHeard) expectQuiet(t *testing.T, name string, a, b int) {
	t.Helper()
	a, b = a+6, b-6
	if b-a < 4 {
		t.Errorf("%s: only %.1f s of the caller's recording (%s)", name, h.secs(b-a+12), h)
		return
	}
	w := h.pcm[a*h.block : b*h.block]
	rms := voicepeer.RMS(w)
	t.Logf("caller heard %s (%.1f s): RMS %.0f", name, h.secs(b-a), rms)
	if rms >= 100 {
		t.Errorf("%s: the caller heard sound (RMS %.0f), want silence", name, rms)
	}
}

func (h *callerHeard) secs(blocks int) float64 { return float64(blocks*h.block) / float64(h.rate) }

// String is the recording as runs of marks and their lengths, e.g.
// "M 2.60 s, T 11.60 s, M 6.20 s, T 2.90 s".
func (h *callerHeard) String() string {
	var runs []string
	for i := 0; i < len(h.marks); {
		j := i
		for j < len(h.marks) && h.marks[j] == h.marks[i] {
			j++
		}
		runs = append(runs, fmt.Sprintf("%c %.2f s", h.marks[i], h.secs(j-i)))
		i = j
	}
	if len(runs) > 40 {
		runs = append(runs[:40], "…")
	}
	return strings.Join(runs, ", ")
}

// expect checks blocks a to b, less 300 ms at each end (the changes):
// the agent's tone heard (tone), or sound without it (the music).
func (h *callerHeard) expect(t *testing.T, name string, a, b int, tone bool) {
	t.Helper()
	a, b = a+6, b-6
	if b-a < 10 {
		t.Errorf("%s: only %.1f s of the caller's recording (%s)", name, h.secs(b-a+12), h)
		return
	}
	w := h.pcm[a*h.block : b*h.block]
	rms, lv := voicepeer.RMS(w), toneLevel(w, h.rate, h.hz)
	t.Logf("caller heard %s (%.1f s): RMS %.0f, %.0f Hz %.1f", name, h.secs(b-a), rms, h.hz, lv)
	switch {
	case tone && (rms < callerQuiet || lv < heardRatio*rms):
		t.Errorf("%s: the caller did not hear the agent's %.0f Hz tone (level %.1f, RMS %.0f)", name, h.hz, lv, rms)
	case !tone && rms < 100:
		t.Errorf("%s: the caller heard silence (RMS %.0f), want the music on hold", name, rms)
	case !tone && lv >= absentRatio*rms:
		t.Errorf("%s: the caller heard the agent's %.0f Hz tone (level %.1f, RMS %.0f)", name, h.hz, lv, rms)
	}
}

// serverLogTime is the time of the first line of the server's log that
// has every one of parts.
func serverLogTime(t *testing.T, s *e2etest.Server, parts ...string) time.Time {
	t.Helper()
	for _, line := range strings.Split(s.Log(), "\n") {
		if !serverLogHas(line, parts...) {
			continue
		}
		var l struct{ Time time.Time }
		if err := json.Unmarshal([]byte(line), &l); err != nil || l.Time.IsZero() {
			t.Fatalf("log line %q: no time (%v)", line, err)
		}
		return l.Time
	}
	t.Fatalf("the server logged no line with %q", parts)
	return time.Time{}
}

// ccpDialOut: the agent dials from the dial panel.
func ccpDialOut(ctx context.Context, t *testing.T, c *client, instanceID, queueID string, proxyPort int, proxy string,
	ag *browser.Agent, artifacts string) {
	// The customer answers, echoes the RTP it gets (sipp -rtp_echo) and
	// waits for the BYE.
	uas := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "uas_answer.xml", Port: proxyPort, Timeout: 60 * time.Second,
		ExtraArgs: []string{"-rtp_echo"}})
	uas.WaitListening(0)
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "status:Available", "timeoutMs": 10000}); err != nil {
		t.Fatalf("the agent is not Available to dial: %v", err)
	}
	res := ag.MustDo(map[string]any{"cmd": "dial", "phoneNumber": ccpCustomer, "queueId": queueID, "timeoutMs": 20000})
	contactID, _ := res["contactId"].(string)
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "contact:Connected", "contactId": contactID, "timeoutMs": 20000}); err != nil {
		t.Fatalf("the dialled call did not connect: %v", err)
	}
	var packets int
	if err := e2etest.Poll(10*time.Second, 200*time.Millisecond, func() (bool, error) {
		packets, _, _ = inboundPackets(t, ag)
		return packets > 50, nil
	}); err != nil {
		t.Errorf("the agent hears nothing from the customer: %d packets", packets)
	}
	// The echo of the agent's own tone: the customer received it.
	agentHears(t, ag, "the agent", "the customer's echo", []int{softBrowserHz}, []int{softCallerHz})
	ccpShot(ag, artifacts, "07-ccp-dial-call", 1280, 800)
	ag.MustDo(map[string]any{"cmd": "hangup", "contactId": contactID})
	ag.MustDo(map[string]any{"cmd": "completeAcw", "contactId": contactID, "notes": "Called back."})

	ur := uas.Wait()
	voicepeer.RequireOK(t, ur)
	if !strings.Contains(ur.Messages, "INVITE sip:"+ccpCustomer+"@"+proxy+" SIP/2.0") {
		t.Errorf("the customer got no INVITE for %s:\n%s", ccpCustomer, ur.Report())
	}
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	rec := callRecord(rctx, t, c, instanceID, ccpCustomer)
	if rec.ID != contactID || rec.InitiationMethod != contact.Outbound || rec.SystemEndpoint == nil || rec.SystemEndpoint.Address != ccpCallerID {
		t.Errorf("record %s %s from %+v; want %s OUTBOUND from %s", rec.ID, rec.InitiationMethod, rec.SystemEndpoint, contactID, ccpCallerID)
	}
	if rec.DisconnectReason != contact.AgentDisconnect || rec.Voice == nil || rec.Voice.PacketsSent < 50 || rec.Voice.PacketsReceived < 50 {
		t.Errorf("record disconnect %s, voice %+v; want AGENT_DISCONNECT with audio both ways", rec.DisconnectReason, rec.Voice)
	}
}
