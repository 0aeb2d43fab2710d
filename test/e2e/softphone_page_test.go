//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/app"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/demo"
	"github.com/switchboard-cc/switchboard/internal/flow/flowtest"
	"github.com/switchboard-cc/switchboard/test/e2e/browser"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestSoftphonePage plays the demo agent in headless Chromium on the test
// softphone page the binary serves at /softphone/: it logs in (the instance
// from ?instance=demo), gets the fake microphone, goes Available — which
// the page shows and the server publishes on the AGENT_EVENTS stream —
// then takes a chat contact entirely through the page's buttons: the
// offer, Accept, a reload in the middle (the page resumes its session from
// sessionStorage and finds the contact), Hang up and Complete ACW.
// Screenshots go to $SWITCHBOARD_E2E_ARTIFACTS when set.
//
// The subtest AudioLine checks the WebRTC leg: the page's rtcOffer is
// answered, the PeerConnection connects and sends audio, and a reload
// connects a new one.
func TestSoftphonePage(t *testing.T) {
	args := withNATSListen([]string{"--demo"})
	s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "softphone page"})
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	creds := demoCredentials(t, s)
	inst := demoInstance(t, c)
	artifacts := artifactDir(t)

	ag := browser.Start(t, s.URL+"/softphone/?instance="+demo.Alias)
	st := pageState(t, ag)
	if st.Phase != "login" {
		t.Fatalf("a new page is in phase %q, want login", st.Phase)
	}
	// The instance comes from ?instance=: the driver types only the user's credentials.
	if _, err := ag.Do(map[string]any{"cmd": "login", "username": creds.Username, "password": "wrong"}); err == nil ||
		!strings.Contains(err.Error(), "invalid instance, username or password") {
		t.Fatalf("login with a wrong password: %v, want the server's 401", err)
	}
	res := ag.MustDo(map[string]any{"cmd": "login", "username": creds.Username, "password": creds.Password})
	var login struct {
		Agent  struct{ ID, Username, InstanceID string }
		Status string
	}
	decodeInto(t, res, &login)
	if login.Agent.InstanceID != inst.ID || login.Agent.Username != creds.Username || login.Status != "Offline" {
		t.Fatalf("after login the page shows %+v, want %s of instance %s, Offline", login, creds.Username, inst.ID)
	}

	// The fake microphone, acquired right after login.
	if err := e2etest.Poll(10*time.Second, 50*time.Millisecond, func() (bool, error) {
		st = pageState(t, ag)
		return st.Mic != nil && (st.Mic.ReadyState != "" || st.Mic.Error != ""), nil
	}); err != nil || st.Mic.Error != "" || st.Mic.ReadyState != "live" || st.Mic.Label == "" {
		t.Fatalf("microphone: %+v (%v), want a live fake device track", st.Mic, err)
	}

	// Available: on the page, and on the server's agent event stream.
	ag.MustDo(map[string]any{"cmd": "setState", "status": "Available"})
	if st = pageState(t, ag); st.Status != "Available" || st.WS != "open" {
		t.Fatalf("page state after Available: status %q, ws %q", st.Status, st.WS)
	}
	es := openEventStream(ctx, t, s, args)
	es.stream = strings.Replace(es.stream, "_CONTACT_EVENTS", "_AGENT_EVENTS", 1)
	if err := e2etest.Poll(15*time.Second, 50*time.Millisecond, func() (bool, error) {
		return slices.ContainsFunc(readAgentEvents(ctx, t, es), func(e bus.Envelope[app.AgentEvent]) bool {
			return e.InstanceID == inst.ID && e.Type == "STATE_CHANGE" && e.Data.AgentID == login.Agent.ID && e.Data.Status == "Available"
		}), nil
	}); err != nil {
		t.Fatalf("the server published no STATE_CHANGE Available for the page's agent: %v", err)
	}
	ag.MustDo(map[string]any{"cmd": "screenshot", "path": filepath.Join(artifacts, "softphone-available.png")})

	t.Run("AudioLine", func(t *testing.T) { testSoftphoneAudioLine(t, ag) })

	// A chat contact reaches the browser agent: the router offers it to
	// the Available agent, and the page's buttons take it to the end.
	fl := publishFlow(t, c, inst.ID, "Softphone page chat", flowtest.GreetAndQueue(greeting, demoQueueID(t, c, inst.ID)))
	cu := startCustomerWith(ctx, t, s, c, &chatCenter{Inst: inst}, map[string]any{"ContactFlowId": fl.ID,
		"ParticipantDetails": map[string]any{"DisplayName": "Jo"}})
	res = ag.MustDo(map[string]any{"cmd": "waitFor", "what": "offer", "timeoutMs": 20000})
	if res["contactId"] != cu.ContactID {
		t.Fatalf("offer of %v, want the chat %s", res["contactId"], cu.ContactID)
	}
	ag.MustDo(map[string]any{"cmd": "accept"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "connected", "timeoutMs": 15000})
	ag.MustDo(map[string]any{"cmd": "screenshot", "path": filepath.Join(artifacts, "softphone-connected.png")})
	if got, want := contactEvents(pageState(t, ag), cu.ContactID), []string{"offer", "contactConnected"}; !slices.Equal(got, want) {
		t.Errorf("the page's events of the contact: %v, want %v", got, want)
	}

	// A reload reattaches: the token and lastSeq are in sessionStorage.
	res = ag.MustDo(map[string]any{"cmd": "reload", "timeoutMs": 15000})
	var reloaded struct {
		Resumed  bool
		Status   string
		Contacts []struct{ ContactID, State, Channel string }
	}
	decodeInto(t, res, &reloaded)
	if !reloaded.Resumed || reloaded.Status != "Available" || len(reloaded.Contacts) != 1 ||
		reloaded.Contacts[0].ContactID != cu.ContactID || reloaded.Contacts[0].State != "Connected" {
		t.Fatalf("after a reload the page shows %+v, want the session resumed, Available, the chat Connected", reloaded)
	}

	ag.MustDo(map[string]any{"cmd": "hangup"})
	res = ag.MustDo(map[string]any{"cmd": "waitFor", "what": "acw", "timeoutMs": 15000})
	if res["contactId"] != cu.ContactID {
		t.Fatalf("after-contact work on %v, want %s", res["contactId"], cu.ContactID)
	}
	ag.MustDo(map[string]any{"cmd": "completeAcw"})
	ag.MustDo(map[string]any{"cmd": "waitFor", "what": "idle", "timeoutMs": 15000})
	ag.MustDo(map[string]any{"cmd": "setState", "status": "Offline"})

	// Errors the server sends reach the page and the driver.
	if _, err := ag.Do(map[string]any{"cmd": "setState", "status": "No such status"}); err == nil || !strings.Contains(err.Error(), "invalid_status") {
		t.Errorf("setState of an unknown status: %v, want invalid_status", err)
	}
	st = pageState(t, ag)
	if st.LastError == nil || st.LastError.Code != "invalid_status" {
		t.Errorf("the page's last error is %+v, want invalid_status", st.LastError)
	}
	// The page's event log starts with each page load: the events since the reload.
	if got, want := contactEvents(st, cu.ContactID), []string{"contactEnded", "acwStarted", "acwEnded"}; !slices.Equal(got, want) {
		t.Errorf("the page's events of the contact after the reload: %v, want %v", got, want)
	}
}

// contactEvents lists the types of the events about contactID in the
// page's event log.
func contactEvents(st softphoneState, contactID string) []string {
	var types []string
	for _, e := range st.Log {
		if e.Dir == "in" && e.ContactID == contactID {
			types = append(types, e.Type)
		}
	}
	return types
}

// testSoftphoneAudioLine: the page's rtcOffer is answered and its
// PeerConnection reaches connected and sends the fake microphone's audio
// (PCMU, the codec the server bridges to SIP without transcoding); a reload
// makes a new PeerConnection that connects too.
func testSoftphoneAudioLine(t *testing.T, ag *browser.Agent) {
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "pc:connected", "timeoutMs": 15000}); err != nil {
		t.Fatalf("the audio line did not connect (does the server answer rtcOffer?): %v", err)
	}
	var stats softphoneStats
	if err := e2etest.Poll(10*time.Second, 200*time.Millisecond, func() (bool, error) {
		stats = pageStats(t, ag)
		return stats.Outbound != nil && stats.Outbound.PacketsSent > 10, nil
	}); err != nil {
		t.Fatalf("the browser sends no audio on the line: %+v", stats)
	}
	if stats.Outbound.MimeType != "audio/PCMU" {
		t.Errorf("the browser sends %q, want audio/PCMU", stats.Outbound.MimeType)
	}
	t.Logf("audio line: %s → %s, %d packets sent", stats.Pair.Local, stats.Pair.Remote, stats.Outbound.PacketsSent)
	offers := pageState(t, ag).PC.Offers

	ag.MustDo(map[string]any{"cmd": "reload", "timeoutMs": 15000})
	if _, err := ag.Do(map[string]any{"cmd": "waitFor", "what": "pc:connected", "timeoutMs": 15000}); err != nil {
		t.Fatalf("after a reload the new audio line did not connect: %v", err)
	}
	if st := pageState(t, ag); st.PC.Offers != 1 || offers != 1 || st.PC.Answers != 1 {
		t.Errorf("offers before and after the reload: %d, %+v; want one answered offer per page", offers, st.PC)
	}
}

// softphoneState is the part of window.softphone.snapshot() the tests read.
type softphoneState struct {
	Phase, Status, WS string
	Mic               *struct{ Label, ReadyState, Error string }
	PC                struct {
		Connection, Error string
		Offers, Answers   int
	}
	LastError *struct{ Source, Code, Message string }
	Log       []struct{ Dir, Type, ContactID string }
	Contacts  []struct{ ContactID, State, Channel string }
}

type softphoneStats struct {
	ConnectionState string
	Inbound         *struct {
		PacketsReceived, BytesReceived int
		AudioLevel, TotalAudioEnergy   float64
		MimeType                       string
	}
	Outbound *struct {
		PacketsSent int
		MimeType    string
	}
	Pair *struct{ Local, Remote string }
}

func pageState(t *testing.T, ag *browser.Agent) softphoneState {
	t.Helper()
	var st softphoneState
	decodeInto(t, ag.MustDo(map[string]any{"cmd": "state"})["state"], &st)
	return st
}

func pageStats(t *testing.T, ag *browser.Agent) softphoneStats {
	t.Helper()
	var st softphoneStats
	decodeInto(t, ag.MustDo(map[string]any{"cmd": "stats"})["stats"], &st)
	return st
}

// decodeInto converts a driver answer (decoded JSON) into out.
func decodeInto(t *testing.T, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// demoCredentials reads the demo agent's login that --demo wrote.
func demoCredentials(t *testing.T, s *e2etest.Server) demo.Credentials {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.DataDir, "demo-credentials.json"))
	if err != nil {
		t.Fatalf("demo credentials: %v", err)
	}
	var creds map[string]demo.Credentials
	if err := json.Unmarshal(b, &creds); err != nil || creds["agent"].Password == "" {
		t.Fatalf("demo-credentials.json: %v %s", err, b)
	}
	return creds["agent"]
}

func demoInstance(t *testing.T, c *client) core.Instance {
	t.Helper()
	for _, raw := range c.listAll(t, "/api/v1/instances") {
		var inst core.Instance
		if err := json.Unmarshal(raw, &inst); err != nil {
			t.Fatal(err)
		}
		if inst.Alias == demo.Alias {
			return inst
		}
	}
	t.Fatal("no demo instance")
	return core.Instance{}
}

func demoQueueID(t *testing.T, c *client, instanceID string) string {
	t.Helper()
	for _, raw := range c.listAll(t, instancePath(instanceID, "queues")) {
		var q core.Queue
		if err := json.Unmarshal(raw, &q); err != nil {
			t.Fatal(err)
		}
		if q.Name == "Support" {
			return q.ID
		}
	}
	t.Fatal("the demo has no Support queue")
	return ""
}

// publishFlow creates and publishes a contact flow.
func publishFlow(t *testing.T, c *client, instanceID, name string, content map[string]any) core.Flow {
	t.Helper()
	var fl core.Flow
	c.call(t, "POST", instancePath(instanceID, "flows"), map[string]any{"name": name, "type": "CONTACT_FLOW", "content": content},
		http.StatusCreated, &fl)
	c.call(t, "POST", instancePath(instanceID, "flows", fl.ID, "publish"), nil, http.StatusOK, nil)
	return fl
}

// artifactDir is where a test leaves screenshots: a directory per test
// under $SWITCHBOARD_E2E_ARTIFACTS, or a temporary one.
func artifactDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("SWITCHBOARD_E2E_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(fmt.Errorf("artifacts: %w", err))
	}
	t.Logf("artifacts in %s", dir)
	return dir
}
