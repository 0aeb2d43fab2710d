package api

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// fakeRealtime is an instance whose state the test changes.
type fakeRealtime struct {
	mu      sync.Mutex
	state   RealtimeState
	samples []QueueDepthSample
	calls   int // RealtimeState calls
}

func (f *fakeRealtime) RealtimeState(_ context.Context, instanceID string) (RealtimeState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	s := f.state // a deep copy: the handler keeps it while the test changes f.state
	s.Agents, s.Queues = slices.Clone(s.Agents), slices.Clone(s.Queues)
	s.InstanceID, s.Time = instanceID, time.Now()
	return s, nil
}

func (f *fakeRealtime) RealtimeHistory(_ context.Context, _ string, since time.Time) (RealtimeHistory, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []QueueDepthSample
	for _, s := range f.samples {
		if s.Time.After(since) {
			out = append(out, s)
		}
	}
	return RealtimeHistory{IntervalSeconds: 10, Samples: out}, nil
}

func (f *fakeRealtime) set(fn func(*fakeRealtime)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

type sseEvent struct {
	name string
	data string
}

// readEvents parses a text/event-stream into events on a channel, closed
// when the stream ends.
func readEvents(r *bufio.Reader) <-chan sseEvent {
	ch := make(chan sseEvent, 16)
	go func() {
		defer close(ch)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if ev.name != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

func nextEvent(t *testing.T, ch <-chan sseEvent, name string) sseEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before a %s event", name)
			}
			if ev.name == name {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within 5 s", name)
		}
	}
}

func TestRealtimeStreamsSnapshotsAndEndsWithTheClient(t *testing.T) {
	realtimeInterval = 20 * time.Millisecond
	t.Cleanup(func() { realtimeInterval = time.Second })
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		enq := time.Now().Add(-42 * time.Second).UTC().Truncate(time.Millisecond)
		rt := &fakeRealtime{
			state: RealtimeState{
				Agents: []RealtimeAgent{{ID: "agent-1", Username: "alice", Status: "Available", Activity: "Available", Contacts: []RealtimeAgentContact{}}},
				Queues: []RealtimeQueue{{ID: "q-1", Name: "Billing", Open: true}},
			},
			samples: []QueueDepthSample{{Time: time.Now().Add(-20 * time.Second), InQueue: map[string]int{"q-1": 0}}},
		}
		srv := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Realtime: rt})
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()

		// Another instance's key sees no such instance; no key, no stream.
		for key, want := range map[string]int{f.keys["b"]: http.StatusNotFound, "": http.StatusUnauthorized} {
			req, _ := http.NewRequest("GET", hs.URL+"/api/v1/instances/"+f.vars["a"]+"/realtime", nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				t.Errorf("key %q: status %d, want %d", key[:min(len(key), 8)], res.StatusCode, want)
			}
		}

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/api/v1/instances/"+f.vars["a"]+"/realtime", nil)
		req.Header.Set("Authorization", "Bearer "+f.keys["a"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		events := readEvents(bufio.NewReader(res.Body))

		var hist RealtimeHistory
		if err := json.Unmarshal([]byte(nextEvent(t, events, "history").data), &hist); err != nil {
			t.Fatal(err)
		}
		if hist.IntervalSeconds != 10 || len(hist.Samples) != 1 || hist.Samples[0].InQueue["q-1"] != 0 {
			t.Fatalf("history %+v", hist)
		}
		var first map[string]any // the wire shape, as the console reads it
		if err := json.Unmarshal([]byte(nextEvent(t, events, "snapshot").data), &first); err != nil {
			t.Fatal(err)
		}
		if first["instanceId"] != f.vars["a"] {
			t.Errorf("instanceId %v", first["instanceId"])
		}
		agent := first["agents"].([]any)[0].(map[string]any)
		queue := first["queues"].([]any)[0].(map[string]any)
		if agent["id"] != "agent-1" || agent["status"] != "Available" || agent["activity"] != "Available" {
			t.Errorf("agent %v", agent)
		}
		if queue["id"] != "q-1" || queue["name"] != "Billing" || queue["inQueue"] != 0.0 || queue["oldestAgeSeconds"] != 0.0 {
			t.Errorf("queue %v", queue)
		}
		if _, ok := queue["oldestEnqueuedAt"]; ok {
			t.Errorf("an empty queue has an oldest contact: %v", queue)
		}

		// A contact joins the queue: the next snapshot shows it, and a new
		// depth sample follows as a sample event.
		rt.set(func(f *fakeRealtime) {
			f.state.Queues[0].InQueue, f.state.Queues[0].Waiting = 1, 1
			f.state.Queues[0].OldestEnqueuedAt, f.state.Queues[0].OldestAgeSeconds = &enq, 42
			f.samples = append(f.samples, QueueDepthSample{Time: time.Now(), InQueue: map[string]int{"q-1": 1}})
		})
		var next RealtimeState
		if err := json.Unmarshal([]byte(nextEvent(t, events, "snapshot").data), &next); err != nil {
			t.Fatal(err)
		}
		if q := next.Queues[0]; q.InQueue != 1 || q.Waiting != 1 || q.OldestEnqueuedAt == nil || !q.OldestEnqueuedAt.Equal(enq) || q.OldestAgeSeconds != 42 {
			t.Errorf("after a contact queued: %+v", q)
		}
		var smp QueueDepthSample
		if err := json.Unmarshal([]byte(nextEvent(t, events, "sample").data), &smp); err != nil || smp.InQueue["q-1"] != 1 {
			t.Errorf("sample %+v, %v", smp, err)
		}

		// An unchanged state is not sent again every tick.
		time.Sleep(10 * realtimeInterval)
		select {
		case ev := <-events:
			t.Errorf("an unchanged state sent %s event %s", ev.name, ev.data)
		default:
		}

		// The client goes away: the handler stops asking for the state.
		cancel()
		time.Sleep(5 * realtimeInterval)
		rt.mu.Lock()
		n := rt.calls
		rt.mu.Unlock()
		time.Sleep(10 * realtimeInterval)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		if rt.calls != n {
			t.Errorf("the handler still polls after the client left: %d calls, then %d", n, rt.calls)
		}
	})
}

func TestRealtimeWithoutAViewIsUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		req := httptest.NewRequest("GET", "/api/v1/instances/"+f.vars["a"]+"/realtime", nil)
		req.Header.Set("Authorization", "Bearer "+f.keys["a"])
		rec := httptest.NewRecorder()
		New(Options{Store: st, Logger: slog.New(slog.DiscardHandler)}).Handler().ServeHTTP(rec, req) // no Realtime
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
			t.Fatalf("status %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	})
}

// The server's ReadTimeout (60 s in Serve) must not end a stream (it does
// not today: net/http clears the read deadline once the request is read;
// this keeps it so), or every supervisor's view would reconnect every minute.
func TestRealtimeStreamOutlivesTheReadTimeout(t *testing.T) {
	realtimeInterval = 20 * time.Millisecond
	t.Cleanup(func() { realtimeInterval = time.Second })
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		rt := &fakeRealtime{state: RealtimeState{Queues: []RealtimeQueue{{ID: "q-1", Name: "Billing"}}}}
		hs := httptest.NewUnstartedServer(New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Realtime: rt}).Handler())
		hs.Config.ReadTimeout = 100 * time.Millisecond
		hs.Start()
		defer hs.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/api/v1/instances/"+f.vars["a"]+"/realtime", nil)
		req.Header.Set("Authorization", "Bearer "+f.keys["a"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		events := readEvents(bufio.NewReader(res.Body))
		nextEvent(t, events, "snapshot")
		time.Sleep(5 * hs.Config.ReadTimeout)
		rt.set(func(f *fakeRealtime) { f.state.Queues[0].InQueue = 3 })
		var s RealtimeState
		if err := json.Unmarshal([]byte(nextEvent(t, events, "snapshot").data), &s); err != nil || s.Queues[0].InQueue != 3 {
			t.Fatalf("after the read timeout: %+v, %v", s, err)
		}
	})
}
