package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// A call's log lines name its contact at the time of each line: after a
// transfer moves the call to a new contact, the lines name the new one,
// including those of loggers derived with With before the transfer.
func TestCallLoggerFollowsTheContact(t *testing.T) {
	var buf bytes.Buffer
	c := &call{id: "first"}
	log := newCallLogger(slog.New(slog.NewJSONHandler(&buf, nil)).With("channel", "voice"), c)
	derived := log.With("agent", "a1")
	log.Info("answered")
	c.idMu.Lock()
	c.prevIDs, c.id = append(c.prevIDs, c.id), "second"
	c.idMu.Unlock()
	log.Info("transferred")
	derived.Info("agent leg")

	want := []struct{ msg, contact string }{{"answered", "first"}, {"transferred", "second"}, {"agent leg", "second"}}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] != want[i].msg || rec["contact"] != want[i].contact || rec["channel"] != "voice" {
			t.Errorf("line %d: %s; want msg %q contact %q channel voice", i, line, want[i].msg, want[i].contact)
		}
	}
	if !strings.Contains(lines[2], `"agent":"a1"`) {
		t.Errorf("derived logger lost its attribute: %s", lines[2])
	}
}
