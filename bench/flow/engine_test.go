// Flow engine benchmarks: how many actions per second the interpreter runs
// when nothing waits on I/O (a scripted participant, in-memory resources, a
// fixed clock), which is the engine's own cost per action:
//
//	go test -run '^$' -bench 'BenchmarkEngine' -benchtime 2s ./bench/flow/

package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/hours"
)

// engineFlow is a representative inbound IVR: logging and recording on,
// attributes set with interpolation, hours checked in a time zone, a
// greeting, a menu answered wrongly twice (Loop + retry) and then right, a
// Compare on an attribute, the queue set and the transfer. 19 actions per
// contact.
const engineFlow = `{"Version":"2019-10-30","StartAction":"log","Metadata":{"name":"bench"},"Actions":[
{"Identifier":"log","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Disabled"},"Transitions":{"NextAction":"rec"}},
{"Identifier":"rec","Type":"UpdateContactRecordingBehavior","Parameters":{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"]}},"Transitions":{"NextAction":"attrs"}},
{"Identifier":"attrs","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"caller":"$.CustomerEndpoint.Address","greeting":"Welcome back $.Attributes.name","tier":"gold"}},"Transitions":{"NextAction":"hours","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"hours","Type":"CheckHoursOfOperation","Parameters":{"HoursOfOperationId":"h-1"},"Transitions":{"Conditions":[{"NextAction":"hello","Condition":{"Operator":"Equals","Operands":["True"]}},{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["False"]}}],"Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"hello","Type":"MessageParticipant","Parameters":{"Text":"$.Attributes.greeting, thank you for calling."},"Transitions":{"NextAction":"loop","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"loop","Type":"Loop","Parameters":{"LoopCount":"3"},"Transitions":{"Conditions":[{"NextAction":"menu","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]}},
{"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Press 1 for sales or 2 for support.","StoreInput":"False","InputTimeLimitSeconds":"5"},"Transitions":{"NextAction":"bye","Conditions":[{"NextAction":"sales","Condition":{"Operator":"Equals","Operands":["1"]}},{"NextAction":"support","Condition":{"Operator":"Equals","Operands":["2"]}}],"Errors":[{"NextAction":"sorry","ErrorType":"NoMatchingCondition"},{"NextAction":"sorry","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"sorry","Type":"MessageParticipant","Parameters":{"Text":"Sorry, I did not get that."},"Transitions":{"NextAction":"loop"}},
{"Identifier":"sales","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.tier"},"Transitions":{"Conditions":[{"NextAction":"vip","Condition":{"Operator":"Equals","Operands":["gold"]}}],"Errors":[{"NextAction":"queue","ErrorType":"NoMatchingCondition"}]}},
{"Identifier":"vip","Type":"UpdateContactRoutingBehavior","Parameters":{"QueuePriority":"1"},"Transitions":{"NextAction":"flowattr"}},
{"Identifier":"flowattr","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"path":{"Value":"sales-$.Attributes.tier"}}},"Transitions":{"NextAction":"queue","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"support","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"q-support"},"Transitions":{"NextAction":"xfer","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"queue","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"arn:aws:connect:us-east-1:1:instance/i/queue/q-sales"},"Transitions":{"NextAction":"voice","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"voice","Type":"UpdateContactTextToSpeechVoice","Parameters":{"TextToSpeechVoice":"Joanna"},"Transitions":{"NextAction":"hold"}},
{"Identifier":"hold","Type":"MessageParticipant","Parameters":{"Text":"Connecting you to $.Queue.Name."},"Transitions":{"NextAction":"xfer"}},
{"Identifier":"xfer","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"bye","Errors":[{"NextAction":"bye","ErrorType":"QueueAtCapacity"},{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// engineInputs answer the menu: a wrong key, a timeout, then sales.
var engineInputs = []string{"9", engine.TimeoutInput, "1"}

func engineEnv(b *testing.B) (*engine.Engine, *flow.Flow) {
	b.Helper()
	f, err := flow.Parse([]byte(engineFlow))
	if err != nil {
		b.Fatal(err)
	}
	if ps := flow.Validate(f, "bench").Errors(); len(ps) > 0 {
		b.Fatalf("bench flow invalid: %v", ps)
	}
	mem := &engine.Memory{}
	mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q-sales"}, Name: "Sales", HoursOfOperationID: "h-1"})
	mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q-support"}, Name: "Support", HoursOfOperationID: "h-1"})
	mem.AddHours(core.HoursOfOperation{Meta: core.Meta{ID: "h-1"}, Name: "Office", Schedule: hours.Schedule{
		TimeZone: "America/New_York",
		Config:   []hours.Range{{Day: "TUESDAY", Start: "08:00", End: "20:00"}},
	}})
	e := engine.New(engine.Env{
		Resources: mem,
		Metrics:   &engine.MemoryMetrics{},
		Clock:     engine.FixedClock{T: time.Date(2024, 3, 5, 15, 0, 0, 0, time.UTC)},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return e, f
}

func engineContact() *engine.Contact {
	c := engine.NewContact("c-1", engine.ChannelVoice)
	c.CustomerEndpoint = &engine.Endpoint{Address: "+15551230001", Type: "TELEPHONE_NUMBER"}
	c.Attributes["name"] = "Ada"
	return c
}

// BenchmarkEngineRepresentativeFlow runs the representative IVR once per
// iteration and reports actions/s and contacts/s.
func BenchmarkEngineRepresentativeFlow(b *testing.B) {
	e, f := engineEnv(b)
	ctx := context.Background()
	steps := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Run(ctx, f, engineContact(), engine.NewScript(engineInputs...))
		if err != nil || res.Outcome.Type != engine.OutcomeTransferToQueue {
			b.Fatalf("run: %v %+v", err, res.Outcome)
		}
		steps += len(res.Steps)
	}
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(steps)/secs, "actions/s")
	b.ReportMetric(float64(b.N)/secs, "contacts/s")
	b.ReportMetric(float64(steps)/float64(b.N), "actions/contact")
}

// BenchmarkEngineRepresentativeFlowParallel runs contacts on every core, as
// a server does.
func BenchmarkEngineRepresentativeFlowParallel(b *testing.B) {
	e, f := engineEnv(b)
	ctx := context.Background()
	// Every run takes the same path, so the action count is per contact.
	first, err := e.Run(ctx, f, engineContact(), engine.NewScript(engineInputs...))
	if err != nil {
		b.Fatal(err)
	}
	perContact := float64(len(first.Steps))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := e.Run(ctx, f, engineContact(), engine.NewScript(engineInputs...))
			if err != nil || len(res.Steps) == 0 {
				b.Errorf("run: %v", err)
				return
			}
		}
	})
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*perContact/secs, "actions/s")
	b.ReportMetric(float64(b.N)/secs, "contacts/s")
}

// BenchmarkEngineCorpus runs every real export in the corpus once per
// iteration with stand-ins for every resource, a caller who presses 1, and
// functions that answer at once: the mix of actions real flows use.
func BenchmarkEngineCorpus(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "internal", "flow", "testdata", "connect", "*.json"))
	var flows []*flow.Flow
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		f, err := flow.Parse(data)
		if err != nil || flow.Validate(f, p).HasErrors() {
			continue
		}
		flows = append(flows, f)
	}
	mem := &engine.Memory{StubResources: true}
	e := engine.New(engine.Env{
		Resources: mem,
		Metrics:   &engine.MemoryMetrics{},
		Clock:     engine.FixedClock{T: time.Date(2024, 3, 5, 15, 0, 0, 0, time.UTC)},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Flows that poll a function forever stop early.
		Limits: engine.Limits{MaxSilentSteps: 200, MaxSteps: 1000},
	})
	ctx := context.Background()
	inputs := []string{"1", "1", "1", "1", "1"}
	steps := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range flows {
			res, _ := e.Run(ctx, f, engineContact(), engine.NewScript(inputs...))
			steps += len(res.Steps)
		}
	}
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(steps)/secs, "actions/s")
	b.ReportMetric(float64(b.N*len(flows))/secs, "contacts/s")
}
