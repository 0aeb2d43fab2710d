//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/browser"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestWebConsole runs the web console's scenario in headless Chromium
// (test/browser/console.mjs): an admin imports a real Connect flow export
// (086.json) on the flows page, edits its welcome prompt and its queue in
// the designer and publishes it; a customer opens the chat widget and is
// greeted with the edited prompt; the supervisor's real-time view shows
// the contact waiting; the agent, logged in to the CCP in another browser,
// goes Available, accepts, they exchange messages, the agent ends the chat
// and completes after-contact work with notes (the contact's description). Screenshots of every screen (1280×800,
// and 390×844 for the main ones) go to the test's artefact directory
// (SWITCHBOARD_E2E_ARTIFACTS). The test then checks on the server what the
// browsers did.
func TestWebConsole(t *testing.T) {
	node, _, err := browser.Requirements()
	if err != nil {
		t.Fatal(err)
	}
	root, err := browser.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	s := e2etest.Start(t, bin, e2etest.Options{Args: []string{"--demo"}, Name: "web console"})
	c := newClient(t, s, s.AdminToken())
	if res, err := http.Get(s.URL + "/"); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if bytes.Contains(body, []byte("make web")) {
			t.Fatal("the binary serves the placeholder page: build the console first (make web, then make build)")
		}
	}
	creds := demoCredentials(t, s)
	inst := demoInstance(t, c)
	queueID := demoQueueID(t, c, inst.ID)
	artifacts := artifactDir(t)
	const (
		flowName = "Console e2e"
		welcome  = "Welcome to the console test."
	)
	cfg := map[string]any{
		"baseUrl": s.URL, "adminKey": s.AdminToken(), "instanceId": inst.ID, "instanceAlias": inst.Alias,
		"agentUsername": creds.Username, "agentPassword": creds.Password, "queueId": queueID,
		"flowFile": filepath.Join(root, "internal/flow/testdata/connect/086.json"), "flowName": flowName,
		"welcomeAction": "d06e0b16-e773-416c-a584-40eb16213113", "queueAction": "208f92b4-feeb-4394-b69d-086e98bbff89",
		"welcome": welcome, "artifacts": artifacts,
	}
	b, _ := json.Marshal(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "test/browser/console.mjs"))
	cmd.Dir = filepath.Join(root, "test/browser")
	cmd.Env = append(os.Environ(), "CONSOLE_E2E="+string(b), "CHROMIUM_PATH="+browser.ChromiumPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct {
		OK    bool
		Step  string
		Error string
		Steps []struct{ Step string }
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "{") {
			_ = json.Unmarshal([]byte(line), &res)
		}
	}
	if err != nil || !res.OK {
		t.Fatalf("the console scenario failed at %q: %v %s\nsteps done: %+v\n--- console.mjs ---\n%s", res.Step, err, res.Error, res.Steps,
			lastLines(stderr.String(), 80))
	}
	t.Logf("console scenario: %d steps; screenshots in %s", len(res.Steps), artifacts)

	// The server's side of what the browsers did.
	var flows struct{ Items []core.Flow }
	c.call(t, "GET", instancePath(inst.ID, "flows")+"?name="+strings.ReplaceAll(flowName, " ", "%20"), nil, http.StatusOK, &flows)
	if len(flows.Items) != 1 || flows.Items[0].PublishedVersion < 1 {
		t.Fatalf("imported flow: %+v", flows.Items)
	}
	var v core.FlowVersion
	c.call(t, "GET", instancePath(inst.ID, "flows", flows.Items[0].ID, "versions", fmt.Sprint(flows.Items[0].PublishedVersion)), nil, http.StatusOK, &v)
	if !bytes.Contains(v.Content, []byte(welcome)) || !bytes.Contains(v.Content, []byte(queueID)) {
		t.Errorf("the published flow lacks the designer's edits:\n%s", v.Content)
	}
	var page struct {
		Items []contact.Contact `json:"items"`
	}
	c.call(t, "GET", instancePath(inst.ID, "contacts")+"?channel=CHAT&max=100", nil, http.StatusOK, &page)
	var found *contact.Contact
	for i, ct := range page.Items {
		if ct.FlowID == flows.Items[0].ID {
			found = &page.Items[i]
		}
	}
	if found == nil || found.State != contact.Ended || found.Agent == nil || found.Agent.Username != creds.Username ||
		found.Agent.AfterContactWorkEndTimestamp.IsZero() || found.Description != "Answered the question." {
		t.Errorf("the widget's chat contact: %+v", found)
	}
	shots, _ := filepath.Glob(filepath.Join(artifacts, "*.png"))
	if len(shots) < 20 {
		t.Errorf("%d screenshots in %s, want every screen at both sizes", len(shots), artifacts)
	}
}

// lastLines is the end of s, at most n lines.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
