package engine

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// FuzzRun runs whatever Parse accepts — validated or not — with stand-ins
// for every resource, and checks that the engine neither panics nor fails
// to produce an outcome.
func FuzzRun(f *testing.F) {
	for _, name := range []string{"002.json", "038.json", "051.json", "056.json", "070.json"} {
		if data, err := os.ReadFile(filepath.Join("..", "testdata", "connect", name)); err == nil {
			f.Add(data, "1")
		}
	}
	f.Add([]byte(`{"StartAction":"a","Actions":[{"Identifier":"a","Type":"Loop","Parameters":{"LoopCount":"$.Attributes.n"},"Transitions":{"Conditions":[{"NextAction":"a","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}}]}}]}`), "")
	f.Add([]byte(`{"StartAction":"a","Actions":[{"Identifier":"a","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"m"},"Transitions":{"NextAction":"a"}}]}`), "2")
	f.Add([]byte(`{"StartAction":"a","Actions":[{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.External[0]"},"Transitions":{"Conditions":[{"NextAction":"a","Condition":{"Operator":"And","Operands":[{"Operator":"Not","Operands":[]}]}}]}}]}`), "x")
	f.Fuzz(func(t *testing.T, doc []byte, input string) {
		fl, err := flow.Parse(doc)
		if err != nil {
			return
		}
		e := New(Env{
			Resources: &Memory{StubResources: true, StubFunctions: true},
			Functions: &stubInvoker{external: map[string]any{"a": "b"}},
			Metrics:   &MemoryMetrics{},
			Clock:     FixedClock{T: time.Date(2024, 3, 5, 15, 0, 0, 0, time.UTC)},
			Rand:      fixedRand(7),
			Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
			Limits:    Limits{MaxSteps: 300, MaxSilentSteps: 100},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := e.Run(ctx, fl, testContact(ChannelVoice), NewScript(input, input))
		if res == nil || res.Outcome.Type == "" {
			t.Fatalf("no outcome (err %v)", err)
		}
		if (err != nil) != (res.Outcome.Type == OutcomeError) {
			t.Fatalf("err %v with outcome %s", err, res.Outcome.Type)
		}
	})
}
