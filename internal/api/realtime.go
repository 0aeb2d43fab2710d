package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// RealtimeState is what a supervisor sees of an instance at one moment:
// every agent with its state and the contacts it holds, and every queue
// with the contacts in it. It is a view of the instance's router, so it
// says what routing does now, not what the contact records say.
type RealtimeState struct {
	InstanceID string          `json:"instanceId"`
	Time       time.Time       `json:"time"`
	Agents     []RealtimeAgent `json:"agents"`
	Queues     []RealtimeQueue `json:"queues"`
}

// RealtimeAgent is one agent's state.
type RealtimeAgent struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	// Name is the agent's first and last name, when the user has them.
	Name string `json:"name,omitempty"`
	// Status is the status the agent chose: Available, Offline or a custom one.
	Status string `json:"status"`
	// System is the router's own state when it overrides the status: Missed
	// (an offer timed out) or Error (a contact failed to connect).
	System      string    `json:"system,omitempty"`
	StatusSince time.Time `json:"statusSince"`
	// Activity is what a supervisor groups agents by: the system state when
	// there is one, else OnContact, Incoming or AfterContactWork when the
	// agent holds a contact in that state (in that order), else the status.
	Activity string `json:"activity"`
	// Contacts are the contacts the agent holds (offered, connected or in
	// after-contact work).
	Contacts []RealtimeAgentContact `json:"contacts"`
}

// RealtimeAgentContact is one contact an agent holds.
type RealtimeAgentContact struct {
	ContactID string `json:"contactId"`
	Channel   string `json:"channel"`
	QueueID   string `json:"queueId,omitempty"`
	// State is Pending (offered), Connected or AfterContactWork.
	State string    `json:"state"`
	Since time.Time `json:"since"`
}

// RealtimeQueue is one queue's figures.
type RealtimeQueue struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Open says whether the queue's hours are open now.
	Open bool `json:"open"`
	// InQueue counts contacts waiting or being offered; Waiting only the former.
	InQueue int `json:"inQueue"`
	Waiting int `json:"waiting"`
	// OldestEnqueuedAt is when the longest-waiting contact in the queue
	// (waiting or offered) entered it; absent when the queue is empty.
	OldestEnqueuedAt *time.Time `json:"oldestEnqueuedAt,omitempty"`
	// OldestAgeSeconds is that contact's age at Time; 0 when the queue is empty.
	OldestAgeSeconds float64 `json:"oldestAgeSeconds"`
}

// QueueDepthSample is the number of contacts in each queue (waiting or
// offered, by queue ID) at one time.
type QueueDepthSample struct {
	Time    time.Time      `json:"time"`
	InQueue map[string]int `json:"inQueue"`
}

// RealtimeHistory is the queue depth over the last hour, oldest first.
type RealtimeHistory struct {
	// IntervalSeconds is how often the depth is sampled.
	IntervalSeconds int                `json:"intervalSeconds"`
	Samples         []QueueDepthSample `json:"samples"`
}

// RealtimeSnapshot is the one-shot answer of GET .../realtime to a client
// that accepts application/json and not text/event-stream (scripts,
// monitoring): the state now and the last hour's history.
type RealtimeSnapshot struct {
	State   RealtimeState   `json:"state"`
	History RealtimeHistory `json:"history"`
}

// Realtime serves the supervisor's real-time view; the app implements it
// over each instance's router. It lives behind an interface so the API
// does not depend on the contact center.
type Realtime interface {
	// RealtimeState returns the instance's state now.
	RealtimeState(ctx context.Context, instanceID string) (RealtimeState, error)
	// RealtimeHistory returns the queue depth samples taken after since
	// (all of the last hour's for the zero time).
	RealtimeHistory(ctx context.Context, instanceID string, since time.Time) (RealtimeHistory, error)
}

// realtimeInterval is how often the stream sends a snapshot; a variable so
// tests can speed it up.
var realtimeInterval = time.Second

// realtimeKeepAlive bounds the silence on a stream whose state does not
// change, so proxies do not close it as idle.
const realtimeKeepAlive = 15 * time.Second

func (s *Server) realtimeRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/instances/{instanceId}/realtime", op: "streamRealtime", tag: "Metrics",
			summary: "Stream the instance's real-time state as Server-Sent Events: a `history` event (queue depth over the last hour), " +
				"then a `snapshot` event (agents by state, contacts in queue and the oldest contact's age) every second while it changes, " +
				"and a `sample` event for each new queue depth sample (see docs/realtime.md). " +
				"A client that accepts application/json and not text/event-stream gets one RealtimeSnapshot instead",
			auth: authInstance, rawOut: "text/event-stream", status: 200, handler: s.streamRealtime},
	}
}

// streamRealtime answers one supervisor's view until the client goes away
// or the server shuts down.
func (s *Server) streamRealtime(w http.ResponseWriter, r *http.Request) {
	if s.realtime == nil {
		s.writeError(w, r, errStatus(http.StatusServiceUnavailable, "unavailable", "this server has no real-time view"))
		return
	}
	ctx := r.Context()
	inst := r.PathValue("instanceId")
	if err := s.instanceExists(ctx, inst); err != nil {
		s.writeError(w, r, err)
		return
	}
	// Errors before the first byte are answered as problem details; after
	// it the stream just ends (the client reconnects).
	hist, err := s.realtime.RealtimeHistory(ctx, inst, time.Time{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	state, err := s.realtime.RealtimeState(ctx, inst)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wantsJSONOnce(r) {
		writeJSON(w, http.StatusOK, RealtimeSnapshot{State: state, History: hist})
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	ev := &sseWriter{w: w, rc: rc}
	ev.raw("retry: 3000\n\n")
	ev.event("history", hist)
	ev.event("snapshot", state)
	if err := ev.flush(); err != nil {
		return
	}
	lastSample := time.Time{}
	if n := len(hist.Samples); n > 0 {
		lastSample = hist.Samples[n-1].Time
	}
	last, _ := json.Marshal(stateWithoutTime(state))
	lastSent := time.Now()
	tick := time.NewTicker(realtimeInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		state, err := s.realtime.RealtimeState(ctx, inst)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.DebugContext(ctx, "realtime state", "instance", inst, "err", err)
			continue // transient (e.g. the contact center moving to another process)
		}
		// Ages grow every second on their own; clients compute them from
		// oldestEnqueuedAt, so only a change of what is held is news.
		cur, _ := json.Marshal(stateWithoutTime(state))
		if string(cur) != string(last) || time.Since(lastSent) >= realtimeKeepAlive {
			ev.event("snapshot", state)
			last, lastSent = cur, time.Now()
		}
		if more, err := s.realtime.RealtimeHistory(ctx, inst, lastSample); err == nil {
			for _, smp := range more.Samples {
				ev.event("sample", smp)
				lastSample = smp.Time
			}
		}
		if err := ev.flush(); err != nil {
			return
		}
	}
}

// wantsJSONOnce reports whether the client asked for one JSON document
// rather than the stream.
func wantsJSONOnce(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/event-stream")
}

// stateWithoutTime is s with its time-dependent fields cleared, to tell
// whether anything but the clock changed.
func stateWithoutTime(s RealtimeState) RealtimeState {
	s.Time = time.Time{}
	qs := make([]RealtimeQueue, len(s.Queues))
	for i, q := range s.Queues {
		q.OldestAgeSeconds = 0
		qs[i] = q
	}
	s.Queues = qs
	return s
}

// sseWriter writes Server-Sent Events and remembers the first write error.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (e *sseWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.Write([]byte(s))
	}
}

// event writes one event whose data is v as JSON (one line: JSON never
// contains a raw newline).
func (e *sseWriter) event(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.err = fmt.Errorf("encode %s event: %w", name, err)
		return
	}
	e.raw("event: " + name + "\ndata: " + string(b) + "\n\n")
}

func (e *sseWriter) flush() error {
	if e.err == nil {
		e.err = e.rc.Flush()
	}
	return e.err
}
