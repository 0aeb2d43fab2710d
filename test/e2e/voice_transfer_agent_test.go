//go:build e2e

package e2e

// Transfers of calls by agents, through the binary, with real peers: a
// baresip caller (a 440 Hz tone) calls a number whose flow queues the
// call for agent A, in headless Chromium on the test softphone page (its
// fake microphone plays 1 kHz); agent B is a second Chromium (1.5 kHz) on
// another queue. In order, one call each:
//
//   - a cold transfer to B's queue: A goes to after-contact work, the
//     caller hears the music again, then B;
//   - a cold transfer to a phone number through the trunk's outbound
//     proxy, a sipp UAS that echoes what it gets and hangs up;
//   - a warm transfer: A consults B (the caller on hold hears the music,
//     A and B hear each other), the three confer, A hangs up and the
//     caller carries on with B;
//   - a consultation cancelled: B's contact ends, the caller stays on hold
//     until A resumes.
//
// What each side heard is measured: the caller's recording (baresip's
// dump), window by window, and the browsers' own analysis of their audio
// line (window.softphone.listen, a Goertzel per tone).

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/browser"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// The numbers and tones of the agent-transfer fixture.
const (
	axNumber     = "+15550193" // its flow queues for agent A
	axThirdParty = "+15550998" // the external number, through the trunk
	axCallerHz   = 440
	axAgentAHz   = 1000
	axAgentBHz   = 1500
)

// axCenter is an instance with two queues (A's and B's), an agent on the
// softphone for each, a trunk with an outbound proxy, and axNumber.
type axCenter struct {
	inst       core.Instance
	q1, q2     core.Queue
	a, b       agentLogin
	sip, proxy string
	proxyPort  int
	alias      string
}

func setupAgentTransferCenter(t *testing.T, c *client, s *e2etest.Server) *axCenter {
	t.Helper()
	ax := &axCenter{sip: s.SIPAddr(20 * time.Second), alias: "voice-xfer-agent-e2e"}
	ax.proxyPort = voicepeer.FreeUDPPort(t, "127.0.0.1")
	ax.proxy = "127.0.0.1:" + strconv.Itoa(ax.proxyPort)
	vc, cc := voiceQueueCenter(t, c, s, ax.alias, axNumber, ax.proxy)
	ax.inst, ax.q1 = vc.Inst, vc.Queue
	id := ax.inst.ID
	// Agent B takes calls from a second queue, Tier2.
	c.call(t, "POST", instancePath(id, "queues"), map[string]any{"name": "Tier2", "hoursOfOperationId": ax.q1.HoursOfOperationID},
		http.StatusCreated, &ax.q2)
	var tier2 core.RoutingProfile
	c.call(t, "POST", instancePath(id, "routing-profiles"), map[string]any{"name": "Voice Tier2",
		"queues":             []any{map[string]any{"queueId": ax.q2.ID, "channel": "VOICE", "priority": 1}},
		"mediaConcurrencies": []any{map[string]any{"channel": "VOICE", "concurrency": 1}}},
		http.StatusCreated, &tier2)
	addAgent(t, c, cc, map[string]any{"username": "xfera", "firstName": "Xfer", "phoneType": "SOFT_PHONE"})
	addAgent(t, c, cc, map[string]any{"username": "xferb", "firstName": "Xfer", "phoneType": "SOFT_PHONE",
		"routingProfileId": tier2.ID})
	ax.a, ax.b = cc.Agents[0], cc.Agents[1]
	return ax
}

// toneAgent starts Chromium on the softphone page with its microphone
// playing hz, logs a in, waits for its audio line and sets it Available.
func toneAgent(t *testing.T, s *e2etest.Server, alias string, a agentLogin, hz float64) *browser.Agent {
	t.Helper()
	wav := filepath.Join(t.TempDir(), "mic.wav")
	writeToneWAV(t, wav, hz, 5)
	ag := browser.StartWithAudio(t, s.URL+"/softphone/?instance="+alias, wav)
	ag.MustDo(map[string]any{"cmd": "login", "username": a.Username, "password": a.Password})
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "pc:connected", "timeoutMs": 15000}); err != nil {
		t.Fatalf("%s: the softphone's line did not connect: %v", a.Username, err)
	}
	ag.MustDo(map[string]any{"cmd": "setState", "status": "Available"})
	return ag
}

// heard is what a browser's listen measured: the RMS and each tone's
// amplitude, on the -1..1 scale.
type heard struct {
	RMS    float64            `json:"rms"`
	Levels map[string]float64 `json:"levels"`
	Frames int                `json:"frames"`
}

func (h heard) level(hz int) float64 { return h.Levels[strconv.Itoa(hz)] }

func (h heard) String() string {
	return fmt.Sprintf("RMS %.4f, %d Hz %.4f, %d Hz %.4f, %d Hz %.4f (%d frames)", h.RMS, axCallerHz, h.level(axCallerHz),
		axAgentAHz, h.level(axAgentAHz), axAgentBHz, h.level(axAgentBHz), h.Frames)
}

// listen measures for ms what the agent hears.
func listen(ag *browser.Agent, ms int) (heard, error) {
	res, err := ag.Do(map[string]any{"cmd": "listen", "ms": ms, "hz": []int{axCallerHz, axAgentAHz, axAgentBHz}})
	if err != nil {
		return heard{}, err
	}
	var h heard
	h.RMS, _ = res["rms"].(float64)
	f, _ := res["frames"].(float64)
	h.Frames = int(f)
	h.Levels = map[string]float64{}
	if lv, ok := res["levels"].(map[string]any); ok {
		for k, v := range lv {
			h.Levels[k], _ = v.(float64)
		}
	}
	return h, nil
}

// listenBoth measures what two agents hear at the same time.
func listenBoth(t *testing.T, a, b *browser.Agent, ms int) (heard, heard) {
	t.Helper()
	var ha, hb heard
	var ea, eb error
	var wg sync.WaitGroup
	wg.Go(func() { ha, ea = listen(a, ms) })
	wg.Go(func() { hb, eb = listen(b, ms) })
	wg.Wait()
	if ea != nil || eb != nil {
		t.Fatalf("listen: %v %v", ea, eb)
	}
	return ha, hb
}

// In the caller's recording a tone is heard when its amplitude is a good
// part of the signal (a pure tone's is 0.71 of its RMS, each of two equal
// tones' 0.5), and absent when it is a small part of it or there is
// hardly any signal.
const (
	heardRatio  = 0.2
	absentRatio = 0.1
	callerQuiet = 300.0 // PCM16 RMS
)

// What a browser hears is judged by each tone's own amplitude instead:
// Chromium's audio processing (noise suppression, gain control) brings
// the browsers' steady tones down to about -29 dBFS (a level near 0.018),
// while the caller's sine arrives near 0.21, so in a conference the other
// agent's tone is a small part of the mix. A tone that is not sent at all
// measures below 0.002 (leakage of the others).
const (
	browserHeard  = 0.006
	browserAbsent = 0.003
)

// settle is the wait after a change of who hears whom before a browser
// listens: its jitter buffer conceals the end of the previous audio
// (a fading copy of it) for a few hundred milliseconds.
const settle = 700 * time.Millisecond

// checkAgentHears asserts which of the three tones an agent hears.
func checkAgentHears(t *testing.T, who, when string, h heard, want, absent []int) {
	t.Helper()
	t.Logf("%s hears %s: %s", who, when, h)
	for _, hz := range want {
		if h.level(hz) < browserHeard {
			t.Errorf("%s: %s does not hear the %d Hz tone: %s", when, who, hz, h)
		}
	}
	for _, hz := range absent {
		if h.level(hz) >= browserAbsent {
			t.Errorf("%s: %s hears the %d Hz tone, which should not reach them: %s", when, who, hz, h)
		}
	}
}

// agentHears lets the browser's audio settle after a change, listens
// 1.5 s and asserts which tones the agent hears.
func agentHears(t *testing.T, ag *browser.Agent, who, when string, want, absent []int) {
	t.Helper()
	time.Sleep(settle)
	h, err := listen(ag, 1500)
	if err != nil {
		t.Fatal(err)
	}
	checkAgentHears(t, who, when, h, want, absent)
}

// span is a stretch of the caller's call, in wall-clock time: from the
// start of its recording (the answer), or from its end (fromEnd: the
// recording has no samples where no packets came, so late windows drift
// from the start).
type span struct {
	name     string
	from, to time.Time
	fromEnd  bool
	want     []int // tones that must be heard
	absent   []int // tones that must not
	music    bool  // some signal must be heard
}

// checkCallerHeard checks the caller's recording, span by span.
func checkCallerHeard(t *testing.T, call voicepeer.BaresipResult, answered, ended time.Time, spans []span) {
	t.Helper()
	if call.HeardWAV == "" {
		t.Errorf("the caller recorded nothing:\n%s", call.Report())
		return
	}
	pcm, rate, ch, err := voicepeer.ReadWAV(call.HeardWAV)
	if err != nil {
		t.Error(err)
		return
	}
	pcm = voicepeer.Channel(pcm, ch, 0)
	// The recording has samples only for the packets that came: a shortfall
	// is time the caller heard nothing at all.
	recorded, lasted := float64(len(pcm))/float64(rate), ended.Sub(answered).Seconds()
	t.Logf("the caller's recording: %.1f s for %.1f s of call", recorded, lasted)
	if lasted-recorded > 1 {
		t.Errorf("the caller heard nothing at all (no packets) for %.1f s of the call's %.1f s", lasted-recorded, lasted)
	}
	for _, w := range spans {
		a, b := int(w.from.Sub(answered).Seconds()*float64(rate)), int(w.to.Sub(answered).Seconds()*float64(rate))
		if w.fromEnd {
			a, b = len(pcm)-int(ended.Sub(w.from).Seconds()*float64(rate)), len(pcm)-int(ended.Sub(w.to).Seconds()*float64(rate))
		}
		if a < 0 || b > len(pcm) || b-a < rate/2 {
			t.Errorf("%s: window %d..%d of %d samples recorded", w.name, a, b, len(pcm))
			continue
		}
		win := pcm[a:b]
		rms := voicepeer.RMS(win)
		lv := func(hz int) float64 { return toneLevel(win, rate, float64(hz)) }
		var levels []string
		for _, hz := range append(append([]int(nil), w.want...), w.absent...) {
			levels = append(levels, fmt.Sprintf("%d Hz %.1f", hz, lv(hz)))
		}
		t.Logf("caller heard %s (%.1f s): RMS %.0f, %s", w.name, float64(b-a)/float64(rate), rms, strings.Join(levels, ", "))
		for _, hz := range w.want {
			if rms < callerQuiet || lv(hz) < heardRatio*rms {
				t.Errorf("%s: the caller did not hear the %d Hz tone (level %.1f, RMS %.0f)", w.name, hz, lv(hz), rms)
			}
		}
		for _, hz := range w.absent {
			if rms >= callerQuiet && lv(hz) >= absentRatio*rms {
				t.Errorf("%s: the caller heard the %d Hz tone (level %.1f, RMS %.0f), which should not reach them", w.name, hz, lv(hz), rms)
			}
		}
		if w.music && rms < 100 {
			t.Errorf("%s: the caller heard silence (RMS %.0f), want the music on hold", w.name, rms)
		}
	}
}

// axCaller is a baresip call to axNumber, stopped by stop once the server
// has ended it.
type axCaller struct {
	from   string
	cancel context.CancelFunc
	done   chan voicepeer.BaresipResult
}

func startCaller(ctx context.Context, t *testing.T, ax *axCenter, from string) *axCaller {
	t.Helper()
	cctx, cancel := context.WithCancel(ctx)
	c := &axCaller{from: from, cancel: cancel, done: make(chan voicepeer.BaresipResult, 1)}
	go func() {
		c.done <- voicepeer.RunBaresip(cctx, t, voicepeer.BaresipOptions{
			Dial: "sip:" + axNumber + "@" + ax.sip, Duration: 60 * time.Second, ToneHz: axCallerHz, From: from})
	}()
	t.Cleanup(cancel)
	return c
}

// stop ends baresip (its call is over: the server hung it up, so its
// recording is complete) and returns what it recorded.
func (c *axCaller) stop(t *testing.T) voicepeer.BaresipResult {
	t.Helper()
	time.Sleep(500 * time.Millisecond) // the BYE reaches baresip, which closes its dump
	c.cancel()
	res := <-c.done
	if !res.Established() {
		t.Fatalf("the caller's call was not established:\n%s", res.Report())
	}
	if !strings.Contains(res.Log, "terminated") {
		t.Errorf("the caller's call was not ended by the server before baresip stopped:\n%s", lastChars(res.Log, 3000))
	}
	return res
}

// endedContact waits for contact id to end and returns it.
func endedContact(ctx context.Context, t *testing.T, c *client, instanceID, id string) *contact.Contact {
	t.Helper()
	for {
		var ct contact.Contact
		c.call(t, "GET", instancePath(instanceID, "contacts", id), nil, http.StatusOK, &ct)
		if ct.State == contact.Ended {
			return &ct
		}
		select {
		case <-ctx.Done():
			t.Fatalf("contact %s did not end: %s, %+v", id, ct.State, ct)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// answer has an agent take its offer (of want, when not empty) and waits
// for the connection; it returns the contact.
func answer(t *testing.T, ag *browser.Agent, who, want string) string {
	t.Helper()
	res := ag.MustDo(map[string]any{"cmd": "waitFor", "what": "offer", "timeoutMs": 20000})
	id, _ := res["contactId"].(string)
	if want != "" && id != want {
		t.Fatalf("%s was offered %s, want %s", who, id, want)
	}
	ag.MustDo(map[string]any{"cmd": "accept", "contactId": id})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "connected", "timeoutMs": 15000})
	return id
}

// wrapUp waits for the agent's contact id to be in after-contact work and
// completes it.
func wrapUp(t *testing.T, ag *browser.Agent, who, id string) {
	t.Helper()
	res, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "acw", "timeoutMs": 15000})
	if err != nil {
		t.Fatalf("%s did not go to after-contact work on %s: %v", who, id, err)
	}
	if got, _ := res["contactId"].(string); got != id {
		t.Fatalf("%s is in after-contact work on %s, want %s", who, got, id)
	}
	ag.MustDo(map[string]any{"cmd": "completeAcw", "contactId": id})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "idle", "timeoutMs": 10000})
}

// sleepUntil sleeps until t.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

func TestVoiceAgentTransfer(t *testing.T) {
	for _, tool := range []string{"baresip", "chromium"} {
		if _, err := os.Stat("/usr/bin/" + tool); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs it)", tool)
		}
	}
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatalf("sipp is not installed (.ci/run installs it: apt-get install sip-tester)")
	}
	rtpLo := freeRTPRange(t, 60)
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-xfer-agent", Args: []string{"--log-level", "debug",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtpLo, rtpLo+59)}})
	artifacts := artifactDir(t)
	t.Cleanup(func() {
		if t.Failed() {
			path := filepath.Join(artifacts, "server.log")
			if err := os.WriteFile(path, []byte(s.Log()), 0o644); err == nil {
				t.Logf("the server's log is in %s", path)
			}
		}
	})
	c := newClient(t, s, s.AdminToken())
	ax := setupAgentTransferCenter(t, c, s)
	inst := ax.inst.ID
	agA := toneAgent(t, s, ax.alias, ax.a, axAgentAHz)
	agB := toneAgent(t, s, ax.alias, ax.b, axAgentBHz)

	// A takes the call and they talk: A hears the caller.
	takeCall := func(t *testing.T, from string) (*axCaller, string, time.Time) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		t.Cleanup(cancel)
		caller := startCaller(ctx, t, ax, from)
		id := answer(t, agA, "A", "")
		connected := time.Now()
		h, err := listen(agA, 1500)
		if err != nil {
			t.Fatal(err)
		}
		checkAgentHears(t, "A", "talking to the caller", h, []int{axCallerHz}, []int{axAgentBHz})
		return caller, id, connected
	}

	t.Run("ColdTransferToQueue", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		// B is away, so that the transferred caller waits in B's queue.
		agB.MustDo(map[string]any{"cmd": "setState", "status": "Offline"})
		caller, c1, tA := takeCall(t, "xfercold")
		sleepUntil(tA.Add(3 * time.Second))

		tXfer := time.Now()
		res := agA.MustDo(map[string]any{"cmd": "transfer", "kind": "queueId", "target": ax.q2.ID, "contactId": c1})
		c2, _ := res["nextContactId"].(string)
		if c2 == "" || c2 == c1 {
			t.Fatalf("the transfer's ack names the new contact %q", c2)
		}
		wrapUp(t, agA, "A", c1)
		var waiting contact.Contact
		c.call(t, "GET", instancePath(inst, "contacts", c2), nil, http.StatusOK, &waiting)
		if waiting.State != contact.Queued || waiting.Queue == nil || waiting.Queue.ID != ax.q2.ID {
			t.Errorf("the transferred contact is %s in %+v, want QUEUED in B's queue", waiting.State, waiting.Queue)
		}
		// The caller waits, hearing the queue's music, until B is back.
		sleepUntil(tXfer.Add(4 * time.Second))
		tBack := time.Now()
		agB.MustDo(map[string]any{"cmd": "setState", "status": "Available"})
		answer(t, agB, "B", c2)
		tB := time.Now()
		h, err := listen(agB, 1500)
		if err != nil {
			t.Fatal(err)
		}
		checkAgentHears(t, "B", "after the transfer", h, []int{axCallerHz}, []int{axAgentAHz})
		sleepUntil(tB.Add(4 * time.Second))
		tEnd := time.Now()
		agB.MustDo(map[string]any{"cmd": "hangup", "contactId": c2})
		wrapUp(t, agB, "B", c2)

		r1 := endedContact(ctx, t, c, inst, c1)
		r2 := endedContact(ctx, t, c, inst, c2)
		call := caller.stop(t)
		if r1.NextContactID != c2 || r1.DisconnectReason != contact.AgentDisconnect || r1.Agent == nil || r1.Agent.ID != ax.a.UserID {
			t.Errorf("A's contact: next %q, reason %s, agent %+v; want next %s, AGENT_DISCONNECT, agent A", r1.NextContactID,
				r1.DisconnectReason, r1.Agent, c2)
		}
		if r2.InitiationMethod != contact.Transfer || r2.PreviousContactID != c1 || r2.InitialContactID != c1 {
			t.Errorf("the new contact: %s, previous %q, initial %q; want TRANSFER from %s", r2.InitiationMethod,
				r2.PreviousContactID, r2.InitialContactID, c1)
		}
		if r2.Queue == nil || r2.Queue.ID != ax.q2.ID {
			t.Errorf("the new contact's queue %+v, want %s", r2.Queue, ax.q2.ID)
		}
		if r2.Agent == nil || r2.Agent.ID != ax.b.UserID || r2.ConnectedToAgentTimestamp.IsZero() {
			t.Errorf("the new contact's agent %+v, want B connected", r2.Agent)
		}
		if r2.DisconnectReason != contact.AgentDisconnect {
			t.Errorf("the new contact ended %s, want AGENT_DISCONNECT (B hung up)", r2.DisconnectReason)
		}
		checkCallerHeard(t, call, r1.ConnectedToSystemTimestamp, tEnd, []span{
			{name: "A", from: tA.Add(time.Second), to: tXfer.Add(-500 * time.Millisecond), want: []int{axAgentAHz}, absent: []int{axAgentBHz}},
			{name: "the queue's music", from: tXfer.Add(time.Second), to: tBack.Add(-500 * time.Millisecond),
				music: true, absent: []int{axAgentAHz, axAgentBHz}},
			{name: "B", from: tB.Add(time.Second), to: tEnd.Add(-500 * time.Millisecond), fromEnd: true,
				want: []int{axAgentBHz}, absent: []int{axAgentAHz}},
		})
	})

	t.Run("TransferToPhoneNumber", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		// The far end answers, echoes what it gets (sipp -rtp_echo) and
		// hangs up 6 s later.
		far := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "uas_xfer_bye.xml", Port: ax.proxyPort,
			Timeout: 60 * time.Second, ExtraArgs: []string{"-rtp_echo"}, Replace: map[string]string{
				`<pause milliseconds="3000" />`:                               `<pause milliseconds="6000" />`,
				`<exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap" />`: `<log message="echoing" />`}})
		far.WaitListening(0)
		caller, c1, tA := takeCall(t, "xfernumber")
		sleepUntil(tA.Add(3 * time.Second))

		tXfer := time.Now()
		res := agA.MustDo(map[string]any{"cmd": "transfer", "kind": "phoneNumber", "target": axThirdParty, "contactId": c1})
		c2, _ := res["nextContactId"].(string)
		if c2 == "" || c2 == c1 {
			t.Fatalf("the transfer's ack names the new contact %q", c2)
		}
		wrapUp(t, agA, "A", c1)
		fr := far.Wait()
		tFarBye := time.Now().Add(-500 * time.Millisecond) // the scenario waits 500 ms after its BYE
		voicepeer.RequireOK(t, fr)
		if !strings.Contains(fr.Messages, "INVITE sip:"+axThirdParty+"@"+ax.proxy+" SIP/2.0") {
			t.Errorf("the far end got no INVITE for sip:%s@%s:\n%s", axThirdParty, ax.proxy, fr.Report())
		}
		r1 := endedContact(ctx, t, c, inst, c1)
		r2 := endedContact(ctx, t, c, inst, c2)
		call := caller.stop(t)
		if r1.NextContactID != c2 || r1.DisconnectReason != contact.AgentDisconnect {
			t.Errorf("A's contact: next %q, reason %s; want next %s, AGENT_DISCONNECT", r1.NextContactID, r1.DisconnectReason, c2)
		}
		if r2.InitiationMethod != contact.Transfer || r2.PreviousContactID != c1 {
			t.Errorf("the new contact: %s, previous %q; want TRANSFER from %s", r2.InitiationMethod, r2.PreviousContactID, c1)
		}
		if r2.DisconnectReason != contact.ThirdPartyDisconnect || r2.Voice == nil || r2.Voice.DisconnectedBy != contact.ByThirdParty {
			t.Errorf("the new contact ended %s by %+v, want THIRD_PARTY_DISCONNECT by THIRD_PARTY", r2.DisconnectReason, r2.Voice)
		}
		// Audio both ways on the far end's leg (the call's log lines carry
		// its current contact: the transfer's).
		checkThirdPartyMedia(t, s, c2)
		// The caller hears itself: its audio reached the far end, and the
		// far end's came back.
		checkCallerHeard(t, call, r1.ConnectedToSystemTimestamp, tFarBye, []span{
			{name: "A", from: tA.Add(time.Second), to: tXfer.Add(-500 * time.Millisecond), want: []int{axAgentAHz}},
			{name: "the far end (echo)", from: tFarBye.Add(-4 * time.Second), to: tFarBye.Add(-time.Second), fromEnd: true,
				want: []int{axCallerHz}, absent: []int{axAgentAHz}},
		})
	})

	t.Run("WarmTransferWithConference", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		caller, c1, tA := takeCall(t, "xferwarm")
		sleepUntil(tA.Add(3 * time.Second))

		tConsult := time.Now()
		res := agA.MustDo(map[string]any{"cmd": "consult", "kind": "agentId", "target": ax.b.UserID, "contactId": c1})
		c2, _ := res["nextContactId"].(string)
		if c2 == "" || c2 == c1 {
			t.Fatalf("the consult's ack names the consultation's contact %q", c2)
		}
		agA.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:true", "timeoutMs": 5000})
		time.Sleep(settle)
		ha, err := listen(agA, 1000)
		if err != nil {
			t.Fatal(err)
		}
		checkAgentHears(t, "A", "while B's softphone rings", ha, nil, []int{axCallerHz, axAgentBHz})
		answer(t, agB, "B", c2)
		tB := time.Now()
		time.Sleep(settle)
		ha, hb := listenBoth(t, agA, agB, 1500)
		checkAgentHears(t, "A", "consulting B", ha, []int{axAgentBHz}, []int{axCallerHz})
		checkAgentHears(t, "B", "consulted by A", hb, []int{axAgentAHz}, []int{axCallerHz})
		sleepUntil(tB.Add(3 * time.Second))

		tConf := time.Now()
		agA.MustDo(map[string]any{"cmd": "conference", "contactId": c1})
		agA.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:false", "timeoutMs": 5000})
		time.Sleep(settle)
		ha, hb = listenBoth(t, agA, agB, 2000)
		checkAgentHears(t, "A", "in the conference", ha, []int{axCallerHz, axAgentBHz}, nil)
		checkAgentHears(t, "B", "in the conference", hb, []int{axCallerHz, axAgentAHz}, nil)
		agA.MustDo(map[string]any{"cmd": "screenshot", "path": filepath.Join(artifacts, "conference-a.png")})
		sleepUntil(tConf.Add(4 * time.Second))

		// A hangs up: the caller carries on with B.
		tALeft := time.Now()
		agA.MustDo(map[string]any{"cmd": "hangup", "contactId": c1})
		wrapUp(t, agA, "A", c1)
		if st := pageState(t, agB); contactState(st, c2) != "Connected" {
			t.Fatalf("after A left, B's page shows %s as %q, want Connected", c2, contactState(st, c2))
		}
		agentHears(t, agB, "B", "after A left", []int{axCallerHz}, []int{axAgentAHz})
		sleepUntil(tALeft.Add(4 * time.Second))
		tEnd := time.Now()
		agB.MustDo(map[string]any{"cmd": "hangup", "contactId": c2})
		wrapUp(t, agB, "B", c2)

		r1 := endedContact(ctx, t, c, inst, c1)
		r2 := endedContact(ctx, t, c, inst, c2)
		call := caller.stop(t)
		if r1.DisconnectReason != contact.AgentDisconnect || r1.Agent == nil || r1.Agent.ID != ax.a.UserID {
			t.Errorf("A's contact: reason %s, agent %+v; want AGENT_DISCONNECT by A", r1.DisconnectReason, r1.Agent)
		} else if r1.Agent.NumberOfHolds != 1 || r1.Agent.CustomerHoldDurationSeconds < 3 || r1.Agent.AfterContactWorkStartTimestamp.IsZero() {
			t.Errorf("A's contact: %d holds for %d s, ACW from %v; want the consultation counted as 1 hold of ≥3 s, and ACW",
				r1.Agent.NumberOfHolds, r1.Agent.CustomerHoldDurationSeconds, r1.Agent.AfterContactWorkStartTimestamp)
		}
		if r2.InitiationMethod != contact.Transfer || r2.PreviousContactID != c1 || r2.InitialContactID != c1 {
			t.Errorf("the consultation's contact: %s, previous %q, initial %q; want TRANSFER from %s", r2.InitiationMethod,
				r2.PreviousContactID, r2.InitialContactID, c1)
		}
		if r2.Agent == nil || r2.Agent.ID != ax.b.UserID || r2.ConnectedToAgentTimestamp.IsZero() {
			t.Errorf("the consultation's agent %+v, want B connected", r2.Agent)
		}
		if r2.DisconnectReason != contact.AgentDisconnect || r2.Voice == nil || r2.Voice.DisconnectedBy != contact.ByAgent {
			t.Errorf("the consultation's contact ended %s by %+v, want AGENT_DISCONNECT by AGENT (B hung up on the caller)",
				r2.DisconnectReason, r2.Voice)
		}
		if r2.Voice != nil && r2.Voice.SIPCallID == "" {
			t.Errorf("the consultation's contact has no SIP Call-ID: %+v", r2.Voice)
		}
		checkCallerHeard(t, call, r1.ConnectedToSystemTimestamp, tEnd, []span{
			{name: "A", from: tA.Add(time.Second), to: tConsult.Add(-500 * time.Millisecond), want: []int{axAgentAHz}, absent: []int{axAgentBHz}},
			{name: "on hold while A consults B", from: tConsult.Add(time.Second), to: tConf.Add(-500 * time.Millisecond),
				music: true, absent: []int{axAgentAHz, axAgentBHz}},
			{name: "the conference", from: tConf.Add(time.Second), to: tALeft.Add(-500 * time.Millisecond), fromEnd: true,
				want: []int{axAgentAHz, axAgentBHz}},
			{name: "B after A left", from: tALeft.Add(time.Second), to: tEnd.Add(-500 * time.Millisecond), fromEnd: true,
				want: []int{axAgentBHz}, absent: []int{axAgentAHz}},
		})
	})

	t.Run("CancelConsult", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		caller, c1, tA := takeCall(t, "xfercancel")
		sleepUntil(tA.Add(2 * time.Second))

		res := agA.MustDo(map[string]any{"cmd": "consult", "kind": "agentId", "target": ax.b.UserID, "contactId": c1})
		c2, _ := res["nextContactId"].(string)
		if c2 == "" || c2 == c1 {
			t.Fatalf("the consult's ack names the consultation's contact %q", c2)
		}
		agA.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:true", "timeoutMs": 5000})
		answer(t, agB, "B", c2)
		time.Sleep(settle)
		ha, _ := listenBoth(t, agA, agB, 1000)
		checkAgentHears(t, "A", "consulting B", ha, []int{axAgentBHz}, []int{axCallerHz})

		tCancel := time.Now()
		agA.MustDo(map[string]any{"cmd": "cancelConsult", "contactId": c1})
		wrapUp(t, agB, "B", c2)
		// The caller is still on hold: A hears nothing, the caller the music.
		if st := pageState(t, agA); contactState(st, c1) != "Connected" {
			t.Fatalf("after the cancel A's page shows %s as %q, want Connected", c1, contactState(st, c1))
		}
		agA.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:true", "timeoutMs": 2000})
		agentHears(t, agA, "A", "after cancelling (the caller on hold)", nil, []int{axCallerHz, axAgentBHz})
		sleepUntil(tCancel.Add(3 * time.Second))

		tUnhold := time.Now()
		agA.MustDo(map[string]any{"cmd": "unhold", "contactId": c1})
		agA.MustDo(map[string]any{"cmd": "waitFor", "what": "hold:false", "timeoutMs": 5000})
		agentHears(t, agA, "A", "resumed", []int{axCallerHz}, []int{axAgentBHz})
		sleepUntil(tUnhold.Add(4 * time.Second))
		tEnd := time.Now()
		agA.MustDo(map[string]any{"cmd": "hangup", "contactId": c1})
		wrapUp(t, agA, "A", c1)

		r1 := endedContact(ctx, t, c, inst, c1)
		r2 := endedContact(ctx, t, c, inst, c2)
		call := caller.stop(t)
		if r2.PreviousContactID != c1 || r2.Agent == nil || r2.Agent.ID != ax.b.UserID || r2.DisconnectReason != contact.AgentDisconnect {
			t.Errorf("the consultation's contact: previous %q, agent %+v, reason %s; want from %s, B, AGENT_DISCONNECT",
				r2.PreviousContactID, r2.Agent, r2.DisconnectReason, c1)
		}
		if r1.NextContactID != "" || r1.DisconnectReason != contact.AgentDisconnect || r1.Agent == nil || r1.Agent.ID != ax.a.UserID {
			t.Errorf("A's contact: next %q, reason %s, agent %+v; want no transfer, AGENT_DISCONNECT by A", r1.NextContactID,
				r1.DisconnectReason, r1.Agent)
		} else if r1.Agent.NumberOfHolds != 1 || r1.Agent.CustomerHoldDurationSeconds < 3 {
			t.Errorf("A's contact: %d holds for %d s; want 1 hold (the consultation, then on hold until resumed) of ≥3 s",
				r1.Agent.NumberOfHolds, r1.Agent.CustomerHoldDurationSeconds)
		}
		checkCallerHeard(t, call, r1.ConnectedToSystemTimestamp, tEnd, []span{
			{name: "on hold after the cancel", from: tUnhold.Add(-2500 * time.Millisecond), to: tUnhold.Add(-500 * time.Millisecond),
				fromEnd: true, music: true, absent: []int{axAgentAHz, axAgentBHz}},
			{name: "A again", from: tUnhold.Add(time.Second), to: tEnd.Add(-500 * time.Millisecond), fromEnd: true,
				want: []int{axAgentAHz}, absent: []int{axAgentBHz}},
		})
	})
}
