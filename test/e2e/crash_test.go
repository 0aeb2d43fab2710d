//go:build e2e

package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	_ "modernc.org/sqlite" // to check the SQLite file after the crash
)

const (
	crashWriters = 4
	// crashAfter is how many writes must be acknowledged before the kill.
	crashAfter = 100
)

// TestKillNineKeepsAcknowledgedWrites kills the server with SIGKILL while
// several clients create queues, restarts it on the same data, and requires
// every creation that was answered 201 to be there.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := b.args(t)
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "before the kill"})
			token := s.AdminToken()
			c := newClient(t, s, token)
			var inst core.Instance
			c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "crash"}, http.StatusCreated, &inst)
			var hoo core.HoursOfOperation
			c.call(t, "POST", instancePath(inst.ID, "hours-of-operation"), alwaysOpen("24x7"), http.StatusCreated, &hoo)

			// Writers create queues until the server is gone.
			var (
				mu        sync.Mutex
				acked     = map[string]string{} // id -> name, answered 201
				attempted = map[string]bool{}   // every name sent
				unknown   atomic.Int32          // requests that got no answer
				wg        sync.WaitGroup
			)
			for w := range crashWriters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						name := fmt.Sprintf("q-%d-%d", w, i)
						mu.Lock()
						attempted[name] = true
						mu.Unlock()
						status, _, body, err := c.send(context.Background(), "POST", instancePath(inst.ID, "queues"),
							map[string]any{"name": name, "hoursOfOperationId": hoo.ID})
						if err != nil { // the server died under this request
							unknown.Add(1)
							return
						}
						if status != http.StatusCreated {
							t.Errorf("create %s: status %d: %s", name, status, body)
							return
						}
						var q core.Queue
						if err := json.Unmarshal(body, &q); err != nil {
							t.Errorf("create %s: %v", name, err)
							return
						}
						mu.Lock()
						acked[q.ID] = name
						mu.Unlock()
					}
				}()
			}
			err := e2etest.Poll(20*time.Second, time.Millisecond, func() (bool, error) {
				mu.Lock()
				defer mu.Unlock()
				return len(acked) >= crashAfter, nil
			})
			s.Kill()
			wg.Wait()
			if err != nil {
				t.Fatalf("writes before the kill: %v", err)
			}
			t.Logf("killed after %d acknowledged creations; %d requests were in flight", len(acked), unknown.Load())

			s = e2etest.Start(t, bin, e2etest.Options{DataDir: s.DataDir, Args: args, Name: "after the kill"})
			t.Logf("ready %v after the restart", s.Ready.Round(time.Millisecond))
			c = newClient(t, s, token)
			stored := map[string]string{}
			for _, raw := range c.listAll(t, instancePath(inst.ID, "queues")) {
				var q core.Queue
				if err := json.Unmarshal(raw, &q); err != nil {
					t.Fatal(err)
				}
				stored[q.ID] = q.Name
				if !attempted[q.Name] {
					t.Errorf("stored queue %s %q was never sent", q.ID, q.Name)
				}
			}
			lost := 0
			for id, name := range acked {
				if stored[id] != name {
					lost++
					t.Errorf("acknowledged queue %s %q is missing after the restart", id, name)
				}
			}
			t.Logf("after the restart: %d queues stored, %d acknowledged, %d lost", len(stored), len(acked), lost)

			// The store takes writes again, and the process still stops cleanly.
			c.call(t, "POST", instancePath(inst.ID, "queues"), map[string]any{"name": "after-restart", "hoursOfOperationId": hoo.ID}, http.StatusCreated, nil)
			s.Stop(10 * time.Second)
			if b.name == "sqlite" {
				checkSQLiteIntegrity(t, filepath.Join(s.DataDir, "switchboard.db"))
			}
		})
	}
}

// checkSQLiteIntegrity runs SQLite's own consistency check on the file.
func checkSQLiteIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("integrity check of %s: %v", path, err)
	}
	if res != "ok" {
		t.Errorf("integrity check of %s: %s", path, res)
	}
}
