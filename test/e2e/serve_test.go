//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

func TestServeOnEmptyDataDirBecomesReady(t *testing.T) {
	s := e2etest.Start(t, bin, e2etest.Options{})
	// The target is under a second; this only catches a hang. bench/startup measures it.
	t.Logf("ready %v after start", s.Ready.Round(time.Millisecond))
	if s.Ready > e2etest.ReadyTimeout {
		t.Errorf("ready after %v", s.Ready)
	}
	c := newClient(t, s, "")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	c.call(t, "GET", "/readyz", nil, http.StatusOK, &ready)
	if ready.Status != "ready" || ready.Checks["store"] != "ok" || ready.Checks["bus"] != "ok" {
		t.Errorf("/readyz = %+v, want ready with store and bus ok", ready)
	}
	c.call(t, "GET", "/healthz", nil, http.StatusOK, nil)
	if fi, err := os.Stat(filepath.Join(s.DataDir, "admin.token")); err != nil {
		t.Errorf("admin.token: %v", err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("admin.token has mode %v, want 0600", fi.Mode().Perm())
	}
	s.Stop(10 * time.Second)
}

func TestAPIOverHTTP(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := e2etest.Start(t, bin, e2etest.Options{Args: b.args(t)})
			c := newClient(t, s, s.AdminToken())

			var inst core.Instance
			h := c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "acme", "description": "e2e"}, http.StatusCreated, &inst)
			if loc := h.Get("Location"); loc != "/api/v1/instances/"+inst.ID {
				t.Errorf("Location %q, want /api/v1/instances/%s", loc, inst.ID)
			}
			var got core.Instance
			c.call(t, "GET", instancePath(inst.ID), nil, http.StatusOK, &got)
			if got.ID != inst.ID || got.Alias != "acme" || got.Description != "e2e" || got.Version != 1 {
				t.Errorf("instance read back as %+v, want alias acme, description e2e, version 1", got)
			}

			var hoo core.HoursOfOperation
			c.call(t, "POST", instancePath(inst.ID, "hours-of-operation"), alwaysOpen("24x7"), http.StatusCreated, &hoo)
			var q core.Queue
			c.call(t, "POST", instancePath(inst.ID, "queues"),
				map[string]any{"name": "Support", "hoursOfOperationId": hoo.ID, "maxContacts": 5}, http.StatusCreated, &q)
			var gotQ core.Queue
			c.call(t, "GET", instancePath(inst.ID, "queues", q.ID), nil, http.StatusOK, &gotQ)
			if gotQ.Name != "Support" || gotQ.HoursOfOperationID != hoo.ID || gotQ.MaxContacts != 5 ||
				gotQ.Status != core.StatusEnabled || gotQ.InstanceID != inst.ID || gotQ.Version != 1 {
				t.Errorf("queue read back as %+v", gotQ)
			}
			if items := c.listAll(t, instancePath(inst.ID, "queues")); len(items) != 1 || idOf(t, items[0]) != q.ID {
				t.Errorf("queue list = %s, want just %s", items, q.ID)
			}

			status, h, body, err := c.send(context.Background(), "POST", "/api/v1/instances", []byte(`{"alias": "broken"`))
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			if status != http.StatusBadRequest || h.Get("Content-Type") != "application/problem+json" ||
				json.Unmarshal(body, &p) != nil || p.Status != 400 || p.Code != "bad_json" {
				t.Errorf("truncated JSON: status %d, Content-Type %q, body %s; want a 400 problem+json with code bad_json",
					status, h.Get("Content-Type"), body)
			}

			anon := newClient(t, s, "")
			status, h, body, err = anon.send(context.Background(), "GET", instancePath(inst.ID, "queues"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusUnauthorized || h.Get("Content-Type") != "application/problem+json" {
				t.Errorf("no key: status %d, Content-Type %q, body %s; want a 401 problem+json", status, h.Get("Content-Type"), body)
			}
			s.Stop(10 * time.Second)
		})
	}
}

func TestSignalStopsGracefully(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			s := e2etest.Start(t, bin, e2etest.Options{})
			if err := s.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := s.Wait(10 * time.Second); code != 0 {
				t.Fatalf("exit status %d after %v, want 0", code, sig)
			}
			resp, err := http.Get(s.URL + "/readyz")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("/readyz still answers %d after the process exited", resp.StatusCode)
			}
		})
	}
}

func TestInvalidConfigExitsNamingTheSetting(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"log level", []string{"--log-level", "nope"}, nil, "--log-level"},
		{"log format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"http address", []string{"--http", "nowhere"}, nil, "--http"},
		{"database url", []string{"--database-url", "mysql://db/x"}, nil, "--database-url"},
		{"nats replicas", []string{"--nats-replicas", "2"}, nil, "--nats-replicas"},
		{"unknown flag", []string{"--no-such-flag"}, nil, "--no-such-flag"},
		{"environment", nil, []string{"SWITCHBOARD_LOG_LEVEL=nope"}, "--log-level"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", t.TempDir()}, tc.args...)
			code, out := e2etest.Run(t, bin, tc.env, 10*time.Second, args...)
			if code == 0 {
				t.Fatalf("exit status 0, want non-zero; output:\n%s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output does not name %s:\n%s", tc.want, out)
			}
			if strings.Contains(out, "switchboard ready") {
				t.Errorf("served despite the invalid setting:\n%s", out)
			}
		})
	}
}

// TestFailedStartExitsWithTheReason covers errors found while starting, after
// the configuration was accepted: they must be reported, not panic.
func TestFailedStartExitsWithTheReason(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"http port taken", []string{"--http", ln.Addr().String()}, "address already in use"},
		{"database unreachable", []string{"--database-url", "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5"}, "postgres"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", t.TempDir()}, tc.args...)
			code, out := e2etest.Run(t, bin, nil, 20*time.Second, args...)
			if code != 1 || !strings.Contains(out, tc.want) || strings.Contains(out, "panic") {
				t.Errorf("exit status %d, want 1 with a message containing %q and no panic; output:\n%s", code, tc.want, out)
			}
		})
	}
}

func TestDemoSeedIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	first := demoSnapshot(t, dir, "first start")
	creds, err := os.ReadFile(filepath.Join(dir, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	second := demoSnapshot(t, dir, "second start")
	if first.instanceID != second.instanceID {
		t.Errorf("demo instance %s on the first start, %s on the second", first.instanceID, second.instanceID)
	}
	for kind, n := range first.counts {
		if n == 0 {
			t.Errorf("the demo seeded no %s", kind)
		}
		if second.counts[kind] != n {
			t.Errorf("%s: %d after the first start, %d after the second", kind, n, second.counts[kind])
		}
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "demo-credentials.json")); string(again) != string(creds) {
		t.Errorf("demo credentials changed on the second start")
	}
	t.Logf("demo instance %s: %v", first.instanceID, first.counts)
}

type demoState struct {
	instanceID string
	counts     map[string]int
}

// demoSnapshot serves --demo on dir, records what the demo instance holds
// and stops.
func demoSnapshot(t *testing.T, dir, name string) demoState {
	t.Helper()
	s := e2etest.Start(t, bin, e2etest.Options{DataDir: dir, Args: []string{"--demo"}, Name: name})
	c := newClient(t, s, s.AdminToken())
	insts := c.listAll(t, "/api/v1/instances")
	if len(insts) != 1 {
		t.Fatalf("%s: %d instances, want only the demo: %s", name, len(insts), insts)
	}
	var inst core.Instance
	if err := json.Unmarshal(insts[0], &inst); err != nil || inst.Alias != "demo" {
		t.Fatalf("%s: instance %s (%v), want alias demo", name, insts[0], err)
	}
	st := demoState{instanceID: inst.ID, counts: map[string]int{}}
	for _, kind := range []string{"users", "security-profiles", "hours-of-operation", "queues", "routing-profiles", "phone-numbers", "flows"} {
		st.counts[kind] = len(c.listAll(t, instancePath(inst.ID, kind)))
	}
	s.Stop(10 * time.Second)
	return st
}
