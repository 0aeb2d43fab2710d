package benchapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// seen is what the test server received.
type seen struct {
	method, path, contentType, auth, amz, body string
}

func echoServer(t *testing.T, status int, answer string) (*httptest.Server, *seen) {
	t.Helper()
	var s seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s = seen{r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("X-Amz-Bearer"), string(b)}
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &s
}

func TestDoSendsJSONAndReadsTheAnswer(t *testing.T) {
	srv, s := echoServer(t, http.StatusCreated, `{"id":"i-1","name":"x"}`)
	hdr, val := Bearer("tok")
	resp, err := Do(context.Background(), srv.Client(), Request{Method: "POST", URL: srv.URL + "/api/v1/instances?a=b", Header: hdr, Value: val,
		Body: map[string]any{"alias": "bench"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != 201 || resp.Status != "201 Created" || string(resp.Body) != `{"id":"i-1","name":"x"}` {
		t.Errorf("response %d %q %q", resp.Code, resp.Status, resp.Body)
	}
	want := seen{"POST", "/api/v1/instances?a=b", "application/json", "Bearer tok", "", `{"alias":"bench"}`}
	if *s != want {
		t.Errorf("server saw %+v, want %+v", *s, want)
	}
}

func TestDoBytesBodyAndOtherHeader(t *testing.T) {
	srv, s := echoServer(t, http.StatusOK, "")
	_, err := Do(context.Background(), srv.Client(), Request{Method: "POST", URL: srv.URL + "/participant/message",
		Header: "X-Amz-Bearer", Value: "conn", Body: []byte(`{"Content":"hi"}`)})
	if err != nil {
		t.Fatal(err)
	}
	want := seen{"POST", "/participant/message", "application/json", "", "conn", `{"Content":"hi"}`}
	if *s != want {
		t.Errorf("server saw %+v, want %+v", *s, want)
	}
}

// A call without a body sends no Content-Type, and without a token no
// Authorization; an error status is the caller's to judge, not an error.
func TestDoNoBodyNoTokenErrorStatus(t *testing.T) {
	srv, s := echoServer(t, http.StatusNotFound, `{"message":"no"}`)
	hdr, val := Bearer("")
	resp, err := Do(context.Background(), srv.Client(), Request{Method: "GET", URL: srv.URL + "/x", Header: hdr, Value: val})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != 404 || string(resp.Body) != `{"message":"no"}` {
		t.Errorf("response %d %q", resp.Code, resp.Body)
	}
	want := seen{"GET", "/x", "", "", "", ""}
	if *s != want {
		t.Errorf("server saw %+v, want %+v", *s, want)
	}
}

func TestDoFailures(t *testing.T) {
	if _, err := Do(context.Background(), http.DefaultClient, Request{Method: "POST", URL: "http://127.0.0.1:1/", Body: func() {}}); err == nil ||
		!strings.Contains(err.Error(), "unsupported type") {
		t.Errorf("unencodable body: %v", err)
	}
	srv, _ := echoServer(t, 200, "")
	srv.Close()
	if _, err := Do(context.Background(), http.DefaultClient, Request{Method: "GET", URL: srv.URL}); err == nil {
		t.Error("a closed server answered")
	}
}

func TestAgentProfile(t *testing.T) {
	id, err := AgentProfile([]IDName{{ID: "1", Name: "Admin"}, {ID: "2", Name: "Agent"}, {ID: "3", Name: "CallCenterManager"}})
	if err != nil || id != "2" {
		t.Errorf("AgentProfile = %q, %v; want 2", id, err)
	}
	if _, err := AgentProfile([]IDName{{ID: "1", Name: "Admin"}}); err == nil || err.Error() != "the instance has no Agent security profile" {
		t.Errorf("no Agent profile: %v", err)
	}
}

func TestAllWeek(t *testing.T) {
	days := AllWeek()
	if len(days) != 7 {
		t.Fatalf("%d days", len(days))
	}
	for _, d := range days {
		if d["start"] != "00:00" || d["end"] != "24:00" || d["day"] == "" {
			t.Errorf("day %v", d)
		}
	}
	if days[0]["day"] != "MONDAY" || days[6]["day"] != "SUNDAY" {
		t.Errorf("days %v", days)
	}
}

// HoldFlow must be a flow the server accepts: it is checked with the
// server's own parser and validator.
func TestHoldFlowValidates(t *testing.T) {
	b, err := json.Marshal(HoldFlow("q-1"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := flow.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := flow.Validate(f, "hold").Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"QueueId":"q-1"`) || f.StartAction != "greet" || len(f.Actions) != 4 {
		t.Errorf("flow %s", b)
	}
}

func TestForEach(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]bool{}
	var running, most atomic.Int32
	err := ForEach(context.Background(), 50, 3, func(i int) error {
		if n := running.Add(1); n > most.Load() {
			most.Store(n)
		}
		defer running.Add(-1)
		time.Sleep(time.Millisecond)
		mu.Lock()
		seen[i] = true
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) != 50 || most.Load() > 3 {
		t.Errorf("err %v, %d done, %d at once", err, len(seen), most.Load())
	}
}

// The first error stops the handing out of work and is returned.
func TestForEachFirstError(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int32
	err := ForEach(context.Background(), 1000, 2, func(i int) error {
		calls.Add(1)
		if i == 3 {
			return boom
		}
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != boom || calls.Load() > 10 {
		t.Errorf("err %v after %d calls", err, calls.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ForEach(ctx, 1000, 2, func(int) error { return nil }); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}
