package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/function"
)

// stubInvoker answers every function call with a fixed result, or fails.
type stubInvoker struct {
	external map[string]any
	err      error
	calls    []function.Event
	last     core.Function
	opts     function.InvokeOptions
}

func (s *stubInvoker) Invoke(_ context.Context, fn core.Function, ev function.Event, opts function.InvokeOptions) (function.Result, error) {
	s.calls = append(s.calls, ev)
	s.last, s.opts = fn, opts
	if s.err != nil {
		return function.Result{}, s.err
	}
	ext := map[string]any{}
	for k, v := range s.external {
		ext[k] = v
	}
	return function.Result{External: ext, StatusCode: 200}, nil
}

// corpusScripts are the participants each corpus flow is run with: a
// caller who presses 1 at every prompt, one who never answers, and one who
// presses 2 and then gives a phone number.
var corpusScripts = map[string][]string{
	"ones":     repeat("1", 30),
	"silent":   nil,
	"twophone": append([]string{"2", "5551234567", "CustomerReturned"}, repeat("2", 20)...),
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestCorpusFlowsRunToAnOutcome runs every real export that parses and
// validates without errors, with stand-ins for every resource it refers to,
// and checks that each run reaches a terminal outcome.
func TestCorpusFlowsRunToAnOutcome(t *testing.T) {
	files, err := filepath.Glob("../testdata/connect/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	type tally struct{ files, invalid, runs int }
	var n tally
	outcomes := map[OutcomeType]int{}
	var errs []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		f, err := flow.Parse(data)
		if err != nil {
			n.invalid++
			continue
		}
		if flow.Validate(f, name).HasErrors() {
			n.invalid++
			continue
		}
		n.files++
		for script, inputs := range corpusScripts {
			t.Run(name+"/"+script, func(t *testing.T) {
				mem := &Memory{StubResources: true, StubFunctions: true}
				e := New(Env{
					Resources: mem,
					Functions: &stubInvoker{external: map[string]any{"status": "ok"}},
					Metrics:   &MemoryMetrics{},
					Clock:     FixedClock{T: time.Date(2024, 3, 5, 15, 0, 0, 0, time.UTC)},
					Rand:      fixedRand(42),
					Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
				})
				c := testContact(ChannelVoice)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				res, err := e.RunLoaded(ctx, &LoadedFlow{ID: name, Name: name, Flow: f}, c, NewScript(inputs...))
				n.runs++
				outcomes[res.Outcome.Type]++
				if err != nil {
					if !documentedCorpusError(err) {
						t.Errorf("run failed: %v", err)
					}
					errs = append(errs, fmt.Sprintf("%s/%s: %v", name, script, err))
					return
				}
				if res.Outcome.Type == "" {
					t.Fatalf("no outcome")
				}
				if len(res.Steps) == 0 {
					t.Fatalf("no steps")
				}
			})
		}
	}
	var kinds []string
	for k, v := range outcomes {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(kinds)
	t.Logf("corpus: %d files run (%d did not parse or validate), %d runs; outcomes: %s",
		n.files, n.invalid, n.runs, strings.Join(kinds, " "))
	for _, e := range errs {
		t.Logf("  error outcome: %s", e)
	}
	if n.files < 50 {
		t.Errorf("only %d corpus files validated; expected most of them", n.files)
	}
}

// documentedCorpusError reports whether a corpus run may end in err: a flow
// that loops for good on the scripted inputs (a retry loop with no exit on
// the path taken) is stopped by the loop guard or the step limit.
func documentedCorpusError(err error) bool {
	return errors.Is(err, ErrLoop) || errors.Is(err, ErrStepLimit)
}

type fixedRand int

func (r fixedRand) IntN(n int) int { return int(r) % n }

func testContact(channel string) *Contact {
	c := NewContact("c-1", channel)
	c.InstanceID = "inst-1"
	c.InstanceARN = "arn:aws:connect:us-east-1:123456789012:instance/inst-1"
	c.AwsRegion = "us-east-1"
	c.CustomerEndpoint = &Endpoint{Address: "+15551230001", Type: "TELEPHONE_NUMBER"}
	c.SystemEndpoint = &Endpoint{Address: "+15559870000", Type: "TELEPHONE_NUMBER"}
	c.Voice.Language = "en-US"
	return c
}
