//go:build e2e

package e2e

// An agent on the browser softphone, through the binary: headless
// Chromium (its fake microphone playing a 1 kHz tone) logs in on the test
// softphone page, connects its WebRTC line once and goes Available; a
// baresip caller (a 440 Hz tone) calls a number whose flow queues the
// call; the agent accepts in the page. The test asserts audio both ways
// (the caller's recording carries the browser's tone; the browser's
// WebRTC stats count PCMU packets with audio energy), a digit sent in
// band by the browser reaching the caller as RFC 4733, hold (the caller
// hears the music, the agent nothing) and resume, a reload of the page in
// the middle of the call (the call survives, the new line carries the
// audio), the agent's hang-up, and the contact record.

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"os"
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

// softNumber is the number of the softphone fixture: its flow queues.
const softNumber = "+15550191"

// Tones: what the caller sends, and what the browser's microphone plays.
const (
	softCallerHz  = 440
	softBrowserHz = 1000
)

// softphoneCenter is an instance with a 24x7 queue, a voice routing
// profile, agents on the softphone (soft0, soft1: not auto-accepting), a
// trunk admitting 127.0.0.1 and softNumber, whose flow queues the call.
type softphoneCenter struct {
	voice  *voiceCenter
	alias  string
	agents []agentLogin
}

func setupSoftphoneCenter(t *testing.T, c *client, s *e2etest.Server, alias string) *softphoneCenter {
	t.Helper()
	return setupSoftphoneCenterProxy(t, c, s, alias, "")
}

// setupSoftphoneCenterProxy is setupSoftphoneCenter with the trunk's
// outbound proxy (empty: none).
func setupSoftphoneCenterProxy(t *testing.T, c *client, s *e2etest.Server, alias, proxy string) *softphoneCenter {
	t.Helper()
	vc, cc := voiceQueueCenter(t, c, s, alias, softNumber, proxy)
	for i := range 2 {
		addAgent(t, c, cc, map[string]any{"username": fmt.Sprintf("soft%d", i), "firstName": "Soft", "phoneType": "SOFT_PHONE"})
	}
	return &softphoneCenter{voice: vc, alias: alias, agents: cc.Agents}
}

// writeToneWAV writes secs seconds of a hz sine (48 kHz mono PCM16) for
// Chromium's fake microphone.
func writeToneWAV(t *testing.T, path string, hz float64, secs int) {
	t.Helper()
	const rate = 48000
	n := rate * secs
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], rate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := range n {
		v := int16(12000 * math.Sin(2*math.Pi*hz*float64(i)/rate))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// browserAgent starts Chromium on the softphone page of the instance,
// logs agent in, waits for its WebRTC line and sets it Available; its fake
// microphone plays the browser's tone.
func browserAgent(t *testing.T, s *e2etest.Server, sc *softphoneCenter, a agentLogin) *browser.Agent {
	t.Helper()
	return toneAgent(t, s, sc.alias, a, softBrowserHz)
}

// waitInboundPCMU waits up to within for the browser (who, in messages) to
// receive over 100 packets of the caller's audio with energy, and checks
// they are PCMU.
func waitInboundPCMU(t *testing.T, ag *browser.Agent, who string, within time.Duration) {
	t.Helper()
	var packets int
	var energy float64
	var mime string
	if err := e2etest.Poll(within, 200*time.Millisecond, func() (bool, error) {
		packets, energy, mime = inboundPackets(t, ag)
		return packets > 100 && energy > 0, nil
	}); err != nil {
		t.Fatalf("%s receives no audio from the caller: %d packets, energy %g, %q", who, packets, energy, mime)
	}
	if mime != "audio/PCMU" {
		t.Errorf("%s receives %q, want audio/PCMU", who, mime)
	}
}

// inboundPackets is the browser's count of received RTP packets.
func inboundPackets(t *testing.T, ag *browser.Agent) (packets int, energy float64, mime string) {
	t.Helper()
	st := pageStats(t, ag)
	if st.Inbound == nil {
		return 0, 0, ""
	}
	return st.Inbound.PacketsReceived, st.Inbound.TotalAudioEnergy, st.Inbound.MimeType
}

func TestVoiceSoftphone(t *testing.T) {
	for _, tool := range []string{"baresip", "chromium"} {
		if _, err := os.Stat("/usr/bin/" + tool); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs it)", tool)
		}
	}
	rtpLo := freeRTPRange(t, 40)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-softphone", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+39)}})
	c := newClient(t, s, s.AdminToken())
	sc := setupSoftphoneCenter(t, c, s, "voice-softphone-e2e")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	artifacts := artifactDir(t)

	ag := browserAgent(t, s, sc, sc.agents[0])
	const caller = "softcaller"
	callDone := make(chan voicepeer.BaresipResult, 1)
	go func() {
		callDone <- voicepeer.RunBaresip(ctx, t, voicepeer.BaresipOptions{
			Dial: "sip:" + softNumber + "@" + sc.voice.SIP, Duration: 32 * time.Second, ToneHz: softCallerHz, From: caller})
	}()

	res := ag.MustDo(map[string]any{"cmd": "waitFor", "what": "offer", "timeoutMs": 20000})
	contactID, _ := res["contactId"].(string)
	ag.MustDo(map[string]any{"cmd": "accept"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "connected", "timeoutMs": 15000})
	tConnected := time.Now()

	// Audio both ways: the browser receives PCMU with energy.
	waitInboundPCMU(t, ag, "the browser", 10*time.Second)
	ag.MustDo(map[string]any{"cmd": "screenshot", "path": filepath.Join(artifacts, "softphone-call.png")})
	// A digit in band (RTCDTMFSender): relayed to the caller as RFC 4733.
	ag.MustDo(map[string]any{"cmd": "dtmf", "digits": "7"})
	if err := e2etest.Poll(10*time.Second, 100*time.Millisecond, func() (bool, error) {
		for _, line := range strings.Split(s.Log(), "\n") {
			if strings.Contains(line, `"msg":"bridge: DTMF relayed"`) && strings.Contains(line, `"digit":"7"`) {
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		t.Errorf("the browser's in-band digit 7 was not relayed to the caller")
	}
	time.Sleep(2 * time.Second)

	// Hold: the agent hears nothing, the caller the music.
	tHold := time.Now()
	ag.MustDo(map[string]any{"cmd": "hold"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:true", "timeoutMs": 5000})
	time.Sleep(time.Second)
	before, _, _ := inboundPackets(t, ag)
	time.Sleep(3 * time.Second)
	after, _, _ := inboundPackets(t, ag)
	if after-before > 10 {
		t.Errorf("on hold the browser still received %d packets in 3 s; the agent should hear nothing", after-before)
	}
	tUnhold := time.Now()
	ag.MustDo(map[string]any{"cmd": "unhold"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:false", "timeoutMs": 5000})
	time.Sleep(3 * time.Second)
	if now, _, _ := inboundPackets(t, ag); now-after < 100 {
		t.Errorf("after resuming the browser received only %d packets in 3 s", now-after)
	}

	// A reload in the middle of the call: the call survives, the page
	// reconnects a new line and the audio flows on it.
	tReload := time.Now()
	ag.MustDo(map[string]any{"cmd": "reload", "timeoutMs": 15000})
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "pc:connected", "timeoutMs": 15000}); err != nil {
		t.Fatalf("after a reload mid-call the line did not reconnect: %v", err)
	}
	tReconnected := time.Now()
	var packets int
	var energy float64
	if err := e2etest.Poll(10*time.Second, 200*time.Millisecond, func() (bool, error) {
		packets, energy, _ = inboundPackets(t, ag)
		return packets > 100 && energy > 0, nil
	}); err != nil {
		t.Fatalf("after the reload the browser receives no audio: %d packets", packets)
	}
	if st := pageState(t, ag); contactState(st, contactID) != "Connected" {
		t.Fatalf("after the reload the page shows the call as %q, want Connected", contactState(st, contactID))
	}
	time.Sleep(3 * time.Second)

	// The agent hangs up: after-contact work.
	tHang := time.Now()
	ag.MustDo(map[string]any{"cmd": "hangup"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "acw", "timeoutMs": 15000})
	ag.MustDo(map[string]any{"cmd": "completeAcw"})

	call := <-callDone
	if !call.Established() {
		t.Fatalf("the caller's call was not established:\n%s", call.Report())
	}
	rec := callRecord(ctx, t, c, sc.voice.Inst.ID, caller)
	if rec.ID != contactID {
		t.Fatalf("the record is of contact %s, the page had %s", rec.ID, contactID)
	}
	if rec.Agent == nil || rec.Agent.ID != sc.agents[0].UserID || rec.Agent.ConnectedToAgentTimestamp.IsZero() {
		t.Fatalf("record agent %+v, want %s connected", rec.Agent, sc.agents[0].UserID)
	}
	if rec.Agent.NumberOfHolds != 1 || rec.Agent.CustomerHoldDurationSeconds < 3 || rec.Agent.AgentInteractionDurationSeconds < 8 {
		t.Errorf("record holds %d, hold %d s, interaction %d s; want 1 hold of ≥3 s and ≥8 s of interaction",
			rec.Agent.NumberOfHolds, rec.Agent.CustomerHoldDurationSeconds, rec.Agent.AgentInteractionDurationSeconds)
	}
	if rec.DisconnectReason != contact.AgentDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByAgent {
		t.Errorf("record disconnect %s by %+v, want AGENT_DISCONNECT by AGENT", rec.DisconnectReason, rec.Voice)
	}

	// What the caller heard, window by window (its recording starts when
	// the call was answered, ConnectedToSystemTimestamp).
	checkCallerHeard(t, call, rec.ConnectedToSystemTimestamp, rec.DisconnectTimestamp, []span{
		{name: "talking", from: tConnected.Add(time.Second), to: tHold.Add(-500 * time.Millisecond), want: []int{softBrowserHz}},
		{name: "on hold", from: tHold.Add(time.Second), to: tUnhold.Add(-500 * time.Millisecond), absent: []int{softBrowserHz}, music: true},
		{name: "after the reload", from: tReconnected.Add(time.Second), to: tHang.Add(-time.Second), want: []int{softBrowserHz}, fromEnd: true},
	})
	_ = tReload
}

// contactState is the state the page shows for a contact.
func contactState(st softphoneState, id string) string {
	for _, c := range st.Contacts {
		if c.ContactID == id {
			return c.State
		}
	}
	return ""
}

// whisperNumber is the number whose flow sets whisper flows.
const whisperNumber = "+15550192"

// whisperFlow is a whisper flow that says text and ends.
func whisperFlow(text string) map[string]any {
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "say",
		"Actions": []any{
			map[string]any{"Identifier": "say", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": text},
				"Transitions": map[string]any{"NextAction": "end", "Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "end", "Type": "EndFlowExecution", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

// TestVoiceWhisper: a flow sets an agent whisper and a customer whisper
// flow (UpdateContactEventHooks) before queueing; when the browser agent
// accepts, each side hears its whisper before the two are bridged.
func TestVoiceWhisper(t *testing.T) {
	rtpLo := freeRTPRange(t, 20)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-whisper", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+19)}})
	c := newClient(t, s, s.AdminToken())
	sc := setupSoftphoneCenter(t, c, s, "voice-whisper-e2e")
	id := sc.voice.Inst.ID
	agentWhisper := publishFlowTyped(t, c, id, "Agent whisper", "AGENT_WHISPER", whisperFlow("A caller about billing."))
	customerWhisper := publishFlowTyped(t, c, id, "Customer whisper", "CUSTOMER_WHISPER", whisperFlow("You are now connected."))
	fl := holdFlow(sc.voice.Queue.ID)
	acts := fl["Actions"].([]any)
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	acts[0].(map[string]any)["Transitions"].(map[string]any)["NextAction"] = "hooks"
	fl["Actions"] = append(acts, map[string]any{"Identifier": "hooks", "Type": "UpdateContactEventHooks",
		"Parameters":  map[string]any{"EventHooks": map[string]any{"AgentWhisper": agentWhisper.ID, "CustomerWhisper": customerWhisper.ID}},
		"Transitions": map[string]any{"NextAction": "set-queue", "Errors": errs}})
	f := publishFlow(t, c, id, "Whisper queue", fl)
	c.call(t, "POST", instancePath(id, "phone-numbers"), map[string]any{"number": whisperNumber, "flowId": f.ID},
		http.StatusCreated, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ag := browserAgent(t, s, sc, sc.agents[0])
	callDone := make(chan voicepeer.BaresipResult, 1)
	go func() {
		callDone <- voicepeer.RunBaresip(ctx, t, voicepeer.BaresipOptions{
			Dial: "sip:" + whisperNumber + "@" + sc.voice.SIP, Duration: 12 * time.Second, ToneHz: softCallerHz, From: "whispered"})
	}()
	res := ag.MustDo(map[string]any{"cmd": "waitFor", "what": "offer", "timeoutMs": 20000})
	contactID, _ := res["contactId"].(string)
	ag.MustDo(map[string]any{"cmd": "accept"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "connected", "timeoutMs": 15000})
	tConnected := time.Now()

	// Both whispers play, then the two are bridged.
	var whispered []string
	talkAt := -1
	if err := e2etest.Poll(15*time.Second, 100*time.Millisecond, func() (bool, error) {
		whispered, talkAt = nil, -1
		for i, line := range strings.Split(s.Log(), "\n") {
			switch {
			case strings.Contains(line, `"msg":"whisper: played"`) && strings.Contains(line, contactID):
				whispered = append(whispered, line)
			case strings.Contains(line, `"msg":"agent: talk"`) && strings.Contains(line, `"mode":"talk"`) && strings.Contains(line, contactID) && talkAt < 0:
				talkAt = i
				if len(whispered) < 2 {
					return false, fmt.Errorf("bridged after %d whispers", len(whispered))
				}
			}
		}
		return len(whispered) == 2 && talkAt >= 0, nil
	}); err != nil {
		t.Fatalf("whispers %q then talk at line %d: %v", whispered, talkAt, err)
	}
	for _, side := range []string{`"whisper":"agent"`, `"whisper":"customer"`} {
		if !strings.Contains(strings.Join(whispered, "\n"), side) {
			t.Errorf("no %s whisper played: %q", side, whispered)
		}
	}
	if packets, _, _ := inboundPackets(t, ag); packets == 0 {
		t.Errorf("the browser received nothing")
	}
	call := <-callDone
	if !call.Established() {
		t.Fatalf("the call was not established:\n%s", call.Report())
	}
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "acw", "timeoutMs": 15000})
	ag.MustDo(map[string]any{"cmd": "completeAcw"})
	rec := callRecord(ctx, t, c, id, "whispered")
	// The caller heard the customer whisper (speech, before the bridge
	// could bring the browser's tone) right after the agent accepted.
	checkCallerHeard(t, call, rec.ConnectedToSystemTimestamp, rec.DisconnectTimestamp, []span{
		{name: "customer whisper", from: tConnected.Add(200 * time.Millisecond), to: tConnected.Add(900 * time.Millisecond),
			absent: []int{softBrowserHz}, music: true},
	})
}

// publishFlowTyped creates and publishes a flow of a type.
func publishFlowTyped(t *testing.T, c *client, instanceID, name, typ string, content map[string]any) core.Flow {
	t.Helper()
	var f core.Flow
	c.call(t, "POST", instancePath(instanceID, "flows"), map[string]any{"name": name, "type": typ, "content": content},
		http.StatusCreated, &f)
	c.call(t, "POST", instancePath(instanceID, "flows", f.ID, "publish"), nil, http.StatusOK, nil)
	return f
}

// TestVoiceAgentDial: the browser agent dials a number from the page; the
// call goes out through the trunk's outbound proxy (a sipp UAS that
// answers, plays audio for 3 s and hangs up) with the outbound queue's
// caller ID, and is bridged to the agent.
func TestVoiceAgentDial(t *testing.T) {
	rtpLo := freeRTPRange(t, 20)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-dial", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+19)}})
	c := newClient(t, s, s.AdminToken())
	proxyPort := voicepeer.FreeUDPPort(t, "127.0.0.1")
	proxy := "127.0.0.1:" + strconv.Itoa(proxyPort)
	sc := setupSoftphoneCenterProxy(t, c, s, "voice-dial-e2e", proxy)
	id := sc.voice.Inst.ID
	var out core.Queue
	c.call(t, "POST", instancePath(id, "queues"), map[string]any{"name": "Outbound", "hoursOfOperationId": sc.voice.Queue.HoursOfOperationID,
		"outboundCallerId": map[string]any{"name": "Acme", "number": "+15550177"}}, http.StatusCreated, &out)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ag := browserAgent(t, s, sc, sc.agents[0])
	uas := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "uas_xfer_bye.xml", Port: proxyPort, Timeout: 30 * time.Second})
	uas.WaitListening(0)
	const customer = "+15550333"
	ag.MustDo(map[string]any{"cmd": "dial", "phoneNumber": customer, "queueId": out.ID})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "connected", "timeoutMs": 15000})
	var packets int
	if err := e2etest.Poll(10*time.Second, 200*time.Millisecond, func() (bool, error) {
		packets, _, _ = inboundPackets(t, ag)
		return packets > 50, nil
	}); err != nil {
		t.Errorf("the agent hears nothing from the customer: %d packets", packets)
	}
	ur := uas.Wait()
	voicepeer.RequireOK(t, ur)
	if !strings.Contains(ur.Messages, "INVITE sip:"+customer+"@"+proxy+" SIP/2.0") {
		t.Errorf("the customer got no INVITE for %s:\n%s", customer, ur.Report())
	}
	from := ""
	for _, line := range strings.Split(ur.Messages, "\n") {
		if strings.HasPrefix(strings.ToLower(line), "from:") {
			from = line
			break
		}
	}
	if !strings.Contains(from, "sip:+15550177@") || !strings.Contains(from, "Acme") {
		t.Errorf("the INVITE's From is %q, want the queue's caller ID Acme <+15550177>", from)
	}
	// The customer hung up after 3 s: after-contact work.
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "acw", "timeoutMs": 15000})
	ag.MustDo(map[string]any{"cmd": "completeAcw"})
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	rec := callRecord(rctx, t, c, id, customer)
	if rec.InitiationMethod != contact.Outbound || rec.CustomerEndpoint == nil || rec.CustomerEndpoint.Address != customer ||
		rec.SystemEndpoint == nil || rec.SystemEndpoint.Address != "+15550177" {
		t.Errorf("contact %+v: want OUTBOUND to %s from +15550177", rec, customer)
	}
	if rec.Agent == nil || rec.Agent.ID != sc.agents[0].UserID || rec.Agent.ConnectedToAgentTimestamp.IsZero() {
		t.Errorf("contact agent %+v", rec.Agent)
	}
	if rec.DisconnectReason != contact.CustomerDisconnect || rec.Voice == nil || rec.Voice.DisconnectedBy != contact.ByCustomer {
		t.Errorf("contact disconnect %s voice %+v; want CUSTOMER_DISCONNECT by CUSTOMER", rec.DisconnectReason, rec.Voice)
	}
}
