package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// harness is an engine over in-memory resources with a fixed clock and
// random source, and a log buffer.
type harness struct {
	mem     *Memory
	metrics *MemoryMetrics
	inv     *stubInvoker
	clock   FixedClock
	rand    fixedRand
	logs    *syncBuffer
	limits  Limits
	noFuncs bool // leave Env.Functions nil
	noMetr  bool // leave Env.Metrics nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness() *harness {
	return &harness{
		mem:     &Memory{},
		metrics: &MemoryMetrics{},
		inv:     &stubInvoker{external: map[string]any{}},
		clock:   FixedClock{T: time.Date(2024, 3, 5, 15, 0, 0, 0, time.UTC)}, // a Tuesday
		rand:    fixedRand(0),
		logs:    &syncBuffer{},
	}
}

func (h *harness) engine() *Engine {
	env := Env{
		Resources: h.mem,
		Functions: h.inv,
		Metrics:   h.metrics,
		Clock:     h.clock,
		Rand:      h.rand,
		Logger:    slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Limits:    h.limits,
	}
	if h.noFuncs {
		env.Functions = nil
	}
	if h.noMetr {
		env.Metrics = nil
	}
	return New(env)
}

// run runs f for c (a voice test contact if nil) with p (a script of
// inputs if nil).
func (h *harness) run(t *testing.T, f *flow.Flow, c *Contact, p Participant) *Result {
	t.Helper()
	if c == nil {
		c = testContact(ChannelVoice)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := h.engine().Run(ctx, f, c, p)
	if res == nil {
		t.Fatalf("Run returned no result (err %v)", err)
	}
	if (err != nil) != (res.Outcome.Type == OutcomeError) {
		t.Fatalf("Run: err %v with outcome %v", err, res.Outcome.Type)
	}
	return res
}

// mustFlow parses a flow document.
func mustFlow(t testing.TB, doc string) *flow.Flow {
	t.Helper()
	f, err := flow.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, doc)
	}
	return f
}

// single builds a flow whose start action is action (a JSON object with
// Identifier "a") followed by actions: every target the transitions name
// that is not defined is an EndFlowExecution action of that name, so a run
// "lands" on the identifier of the branch taken.
func single(t testing.TB, action string, more ...string) *flow.Flow {
	t.Helper()
	actions := append([]string{action}, more...)
	defined := map[string]bool{}
	targets := map[string]bool{}
	for _, a := range actions {
		var m struct {
			Identifier  string
			Transitions struct {
				NextAction string
				Conditions []struct{ NextAction string }
				Errors     []struct{ NextAction string }
			}
		}
		if err := json.Unmarshal([]byte(a), &m); err != nil {
			t.Fatalf("action JSON: %v\n%s", err, a)
		}
		defined[m.Identifier] = true
		targets[m.Transitions.NextAction] = true
		for _, c := range m.Transitions.Conditions {
			targets[c.NextAction] = true
		}
		for _, e := range m.Transitions.Errors {
			targets[e.NextAction] = true
		}
	}
	var ends []string
	for id := range targets {
		if id != "" && !defined[id] {
			ends = append(ends, id)
		}
	}
	sort.Strings(ends)
	for _, id := range ends {
		actions = append(actions, fmt.Sprintf(`{"Identifier":%q,"Type":"EndFlowExecution","Parameters":{},"Transitions":{}}`, id))
	}
	return mustFlow(t, `{"Version":"2019-10-30","StartAction":"a","Actions":[`+strings.Join(actions, ",")+`]}`)
}

// landed is the identifier of the action the run ended on.
func landed(r *Result) string { return r.Outcome.Action }

// said is the bot's lines of the transcript.
func said(r *Result) []string {
	var out []string
	for _, m := range r.Messages {
		if m.Role == RoleBot {
			out = append(out, m.Text)
		}
	}
	return out
}
