package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
)

func TestLoopCountsPerActionAndResets(t *testing.T) {
	// Loop 3 times around a prompt, then go round the whole thing again
	// through a second pass marker: the counter must start again.
	f := mustFlow(t, `{"Version":"2019-10-30","StartAction":"loop","Actions":[
		{"Identifier":"loop","Type":"Loop","Parameters":{"LoopCount":"$.Attributes.n"},"Transitions":{"NextAction":"done","Conditions":[
			{"NextAction":"say","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},
			{"NextAction":"done","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]}},
		{"Identifier":"say","Type":"MessageParticipant","Parameters":{"Text":"round"},"Transitions":{"NextAction":"loop"}},
		{"Identifier":"done","Type":"Compare","Parameters":{"ComparisonValue":"$.FlowAttributes.pass"},"Transitions":{"Conditions":[
			{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["2"]}}],"Errors":[{"NextAction":"second","ErrorType":"NoMatchingCondition"}]}},
		{"Identifier":"second","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"pass":{"Value":"2"}}},"Transitions":{"NextAction":"loop"}},
		{"Identifier":"end","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`)
	h := newHarness()
	c := testContact(ChannelVoice)
	c.Attributes["n"] = "3"
	r := h.run(t, f, c, NewScript())
	if got := len(said(r)); got != 6 {
		t.Errorf("said %d rounds, want 3 + 3", got)
	}
	if landed(r) != "end" {
		t.Errorf("landed on %q", landed(r))
	}

	// LoopCount 0 is done at once; a count that is not a number counts as 0.
	for _, n := range []string{"0", "many"} {
		c := testContact(ChannelVoice)
		c.Attributes["n"] = n
		if r := h.run(t, f, c, NewScript()); len(said(r)) != 0 {
			t.Errorf("LoopCount %q: said %q", n, said(r))
		}
	}
}

func TestTransferToFlowClearsFlowAttributes(t *testing.T) {
	h := newHarness()
	target := mustFlow(t, `{"Version":"2019-10-30","StartAction":"t1","Actions":[
		{"Identifier":"t1","Type":"MessageParticipant","Parameters":{"Text":"flow attr [$.FlowAttributes.step] attr [$.Attributes.kept]"},"Transitions":{"NextAction":"t2"}},
		{"Identifier":"t2","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`)
	h.mem.AddFlow("f-2", "Second", target)
	f := single(t, `{"Identifier":"a","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"step":{"Value":"one"}}},"Transitions":{"NextAction":"b"}}`,
		`{"Identifier":"b","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"kept":"yes"}},"Transitions":{"NextAction":"x"}}`,
		`{"Identifier":"x","Type":"TransferToFlow","Parameters":{"ContactFlowId":"arn:aws:connect:r:1:instance/i/contact-flow/f-2"},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`)
	r := h.run(t, f, nil, NewScript())
	if r.Outcome.Type != OutcomeDisconnect || r.Outcome.Flow != "Second" || r.Outcome.Action != "t2" {
		t.Fatalf("outcome %+v", r.Outcome)
	}
	if got := said(r); len(got) != 1 || got[0] != "flow attr [] attr [yes]" {
		t.Errorf("said %q", got)
	}
	if r.Steps[2].Branch != "Enter: Second" || r.Steps[3].Flow != "Second" {
		t.Errorf("steps %+v", r.Steps)
	}

	// An unknown flow takes the error branch.
	f.Actions[2].Parameters["ContactFlowId"] = "missing"
	if r := h.run(t, f, nil, NewScript()); landed(r) != "nme" {
		t.Errorf("unknown flow: landed on %q", landed(r))
	}
}

func TestModuleReturnsToTheCaller(t *testing.T) {
	h := newHarness()
	module := mustFlow(t, `{"Version":"2019-10-30","StartAction":"m1","Settings":{"InputParameters":[],"OutputParameters":[],"Transitions":[{"DisplayName":"Success","ReferenceName":"Success"}]},"Actions":[
		{"Identifier":"m1","Type":"MessageParticipant","Parameters":{"Text":"in module, caller flow attr [$.FlowAttributes.mine]"},"Transitions":{"NextAction":"m2"}},
		{"Identifier":"m2","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"mine":{"Value":"module"}}},"Transitions":{"NextAction":"m3"}},
		{"Identifier":"m3","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"fromModule":"yes"}},"Transitions":{"NextAction":"m4"}},
		{"Identifier":"m4","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}]}`)
	h.mem.AddModule("mod-1", "Greeting module", module)
	f := single(t, `{"Identifier":"a","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"mine":{"Value":"caller"}}},"Transitions":{"NextAction":"call"}}`,
		`{"Identifier":"call","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"$.Attributes.module"},"Transitions":{"NextAction":"after","Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
		`{"Identifier":"after","Type":"MessageParticipant","Parameters":{"Text":"back: [$.FlowAttributes.mine] [$.Attributes.fromModule]"},"Transitions":{"NextAction":"end"}}`)
	c := testContact(ChannelVoice)
	c.Attributes["module"] = "mod-1"
	r := h.run(t, f, c, NewScript())
	if landed(r) != "end" || r.Outcome.Flow != "flow" {
		t.Fatalf("outcome %+v steps %+v", r.Outcome, r.Steps)
	}
	want := []string{"in module, caller flow attr []", "back: [caller] [yes]"}
	if got := said(r); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("said %q, want %q", got, want)
	}

	c = testContact(ChannelVoice)
	c.Attributes["module"] = "nope"
	if r := h.run(t, f, c, NewScript()); landed(r) != "nme" {
		t.Errorf("unknown module: landed on %q", landed(r))
	}
}

func TestModuleThatDisconnectsEndsTheRun(t *testing.T) {
	h := newHarness()
	h.mem.AddModule("m", "m", mustFlow(t, `{"StartAction":"d","Settings":{},"Actions":[{"Identifier":"d","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`))
	f := single(t, `{"Identifier":"a","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"m"},"Transitions":{"NextAction":"after"}}`)
	r := h.run(t, f, nil, NewScript())
	if r.Outcome.Type != OutcomeDisconnect || r.Outcome.Flow != "m" {
		t.Errorf("outcome %+v", r.Outcome)
	}
}

func TestModulesNestedTooDeepStop(t *testing.T) {
	h := newHarness()
	h.limits.MaxModuleDepth = 3
	h.mem.AddModule("self", "self", mustFlow(t, `{"StartAction":"a","Settings":{},"Actions":[{"Identifier":"a","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"self"},"Transitions":{"NextAction":"r"}},{"Identifier":"r","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}]}`))
	_, err := h.engine().Run(context.Background(), single(t, `{"Identifier":"a","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"self"},"Transitions":{"NextAction":"x"}}`), nil, NewScript())
	if !errors.Is(err, ErrTransferLimit) {
		t.Errorf("err = %v", err)
	}
}

func TestInfiniteLoopHitsTheStepLimit(t *testing.T) {
	// A prompt that leads to itself talks to the participant, so only the
	// step limit stops it.
	h := newHarness()
	h.limits.MaxSteps = 500
	f := single(t, `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"again"},"Transitions":{"NextAction":"a"}}`)
	res, err := h.engine().Run(context.Background(), f, nil, NewScript())
	var re *RunError
	if !errors.Is(err, ErrStepLimit) || !errors.As(err, &re) || re.Action != "a" {
		t.Fatalf("err = %v", err)
	}
	if res.Outcome.Type != OutcomeError || len(res.Steps) != 500 {
		t.Errorf("outcome %+v after %d steps", res.Outcome, len(res.Steps))
	}
	if !strings.Contains(err.Error(), `action "a"`) || !strings.Contains(err.Error(), "step limit") {
		t.Errorf("message %q", err)
	}
}

func TestSilentLoopIsStopped(t *testing.T) {
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.x"},"Transitions":{"Errors":[{"NextAction":"b","ErrorType":"NoMatchingCondition"}]}}`,
		`{"Identifier":"b","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"x":"y"}},"Transitions":{"NextAction":"a"}}`)
	res, err := h.engine().Run(context.Background(), f, nil, NewScript())
	if !errors.Is(err, ErrLoop) || len(res.Steps) != DefaultLimits.MaxSilentSteps {
		t.Errorf("err = %v after %d steps", err, len(res.Steps))
	}
}

func TestFlowTransferLoopIsStopped(t *testing.T) {
	h := newHarness()
	self := single(t, `{"Identifier":"a","Type":"TransferToFlow","Parameters":{"ContactFlowId":"self"},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`)
	h.mem.AddFlow("self", "self", self)
	_, err := h.engine().Run(context.Background(), self, nil, NewScript())
	if !errors.Is(err, ErrTransferLimit) {
		t.Errorf("err = %v", err)
	}
}

// cancelling is a participant that cancels the run's context when asked for
// input.
type cancelling struct {
	ScriptedParticipant
	cancel context.CancelFunc
}

func (c *cancelling) Input(ctx context.Context, _ InputRequest) (string, error) {
	c.cancel()
	<-ctx.Done()
	return "", ctx.Err()
}

func TestCancelStopsTheRun(t *testing.T) {
	h := newHarness()
	f := single(t, menu(""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := h.engine().Run(ctx, f, nil, &cancelling{cancel: cancel})
	if !errors.Is(err, context.Canceled) || res.Outcome.Type != OutcomeError {
		t.Fatalf("err = %v, outcome %+v", err, res.Outcome)
	}

	// Already cancelled: not one action runs.
	res, err = h.engine().Run(ctx, f, nil, NewScript("1"))
	if !errors.Is(err, context.Canceled) || len(res.Steps) != 0 {
		t.Errorf("err = %v after %d steps", err, len(res.Steps))
	}
}

func TestCancelDuringALongFlow(t *testing.T) {
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"again"},"Transitions":{"NextAction":"a"}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	slow := &ScriptedParticipant{OnPlay: func(Message) { time.Sleep(time.Millisecond) }}
	_, err := h.engine().Run(ctx, f, nil, slow)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

func TestTransitionToAMissingActionNamesIt(t *testing.T) {
	h := newHarness()
	f := mustFlow(t, `{"StartAction":"a","Metadata":{"name":"Main"},"Actions":[{"Identifier":"a","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Disabled"},"Transitions":{"NextAction":"ghost"}}]}`)
	_, err := h.engine().Run(context.Background(), f, nil, NewScript())
	if !errors.Is(err, ErrMissingAction) || !strings.Contains(err.Error(), `"ghost"`) || !strings.Contains(err.Error(), `"Main"`) {
		t.Errorf("err = %v", err)
	}
	f.StartAction = "nowhere"
	if _, err := h.engine().Run(context.Background(), f, nil, NewScript()); !errors.Is(err, ErrMissingAction) {
		t.Errorf("bad start: err = %v", err)
	}
	if _, err := h.engine().Run(context.Background(), nil, nil, NewScript()); err == nil {
		t.Error("nil flow ran")
	}
}

func TestFailureWithoutABranchEndsTheRun(t *testing.T) {
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"PromptId":"missing"},"Transitions":{"NextAction":"next"}}`)
	_, err := h.engine().Run(context.Background(), f, nil, NewScript())
	if !errors.Is(err, ErrNoBranch) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("err = %v", err)
	}
}

func TestUnknownActionTypeTakesTheErrorBranch(t *testing.T) {
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"FlyToTheMoon","Parameters":{},`+okOrErr+`}`)
	r := h.run(t, f, nil, NewScript())
	if landed(r) != "nme" || !strings.Contains(r.Steps[0].Cause, "unknown action type") {
		t.Errorf("landed on %q, step %+v", landed(r), r.Steps[0])
	}
}

func TestStepsRecordBranchesAndFlowLogs(t *testing.T) {
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Enabled"},"Transitions":{"NextAction":"b"}}`,
		menu(""))
	f.Actions[1].Identifier = "b"
	r := h.run(t, f, nil, NewScript("7"))
	want := []Step{
		{Flow: "flow", Identifier: "a", Type: "UpdateFlowLoggingBehavior", Branch: "NextAction"},
		{Flow: "flow", Identifier: "b", Type: "GetParticipantInput", Branch: "Error: NoMatchingCondition", Result: "7"},
		{Flow: "flow", Identifier: "nmc", Type: "EndFlowExecution", Branch: "End"},
	}
	if len(r.Steps) != len(want) {
		t.Fatalf("steps %+v", r.Steps)
	}
	for i := range want {
		if r.Steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, r.Steps[i], want[i])
		}
	}
	logs := h.logs.String()
	if n := strings.Count(logs, `"msg":"flow action"`); n != 3 {
		t.Errorf("%d flow log lines:\n%s", n, logs)
	}
	if !strings.Contains(logs, `"branch":"Error: NoMatchingCondition"`) || !strings.Contains(logs, `"contact_id":"c-1"`) {
		t.Errorf("flow log lacks fields:\n%s", logs)
	}
}

func TestContactLookupRoots(t *testing.T) {
	c := testContact(ChannelChat)
	c.PreviousContactID = "prev"
	c.StoredCustomerInput = "1234"
	c.CustomerID = "cust"
	c.Tags["team"] = "blue"
	c.Queue = &QueueTarget{ID: "q", Name: "Sales", ARN: "arn:q"}
	c.Lex = LexResult{IntentName: "Pay", Slots: map[string]string{"Amount": "10"}, Confidence: 0.8, SessionAttributes: map[string]string{"k": "v"}}
	c.External = map[string]any{"items": []any{map[string]any{"id": "x1"}}}
	for path, want := range map[string]any{
		"$.ContactId": "c-1", "$.InitialContactId": "c-1", "$.PreviousContactId": "prev", "$.Channel": "CHAT",
		"$.InstanceARN": "arn:aws:connect:us-east-1:123456789012:instance/inst-1", "$.AwsRegion": "us-east-1",
		"$.CustomerEndpoint.Address": "+15551230001", "$.SystemEndpoint.Address": "+15559870000",
		"$.StoredCustomerInput": "1234", "$.CustomerId": "cust", "$.Tags.team": "blue", "$.LanguageCode": "en-US",
		"$.Queue.Name": "Sales", "$.Queue.ARN": "arn:q", "$.Lex.IntentName": "Pay", "$.Lex.Slots.Amount": "10",
		"$.Lex.IntentConfidence.Score": 0.8, "$.Lex.SessionAttributes.k": "v", "$.External.items[0].id": "x1",
		"$.InitiationMethod": "INBOUND",
	} {
		got, ok := c.Lookup(mustPath(path))
		if !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", path, got, ok, want)
		}
	}
	for _, path := range []string{"$.Metrics.Queue.Size", "$.Customer.FirstName", "$.Attributes.none", "$.Views.Action"} {
		if v, ok := c.Lookup(mustPath(path)); ok {
			t.Errorf("%s = %v, want nothing", path, v)
		}
	}
}

func TestMemoryResolvesReferences(t *testing.T) {
	m := &Memory{}
	m.AddQueue(core.Queue{Meta: core.Meta{ID: "q-1"}, Name: "BasicQueue"})
	m.AddFunction(core.Function{Meta: core.Meta{ID: "fn-1"}, Name: "lookup"})
	ctx := context.Background()
	for _, ref := range []Ref{
		{Value: "q-1"}, {Value: "basicqueue"}, {Value: "arn:aws:connect:us-east-1:1:instance/x/queue/q-1"},
		{Value: "${QueueArn}", Name: "BasicQueue"}, {Value: "", Name: "BasicQueue"},
	} {
		if q, err := m.Queue(ctx, ref); err != nil || q.ID != "q-1" {
			t.Errorf("queue %+v: %v %v", ref, q, err)
		}
	}
	if _, err := m.Queue(ctx, Ref{Value: "other"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
	for _, v := range []string{"arn:aws:lambda:us-east-1:1:function:lookup", "arn:aws:lambda:us-east-1:1:function:lookup:$LATEST", "fn-1"} {
		if f, err := m.Function(ctx, Ref{Value: v}); err != nil || f.ID != "fn-1" {
			t.Errorf("function %q: %v %v", v, f, err)
		}
	}
	m.StubResources = true
	q, err := m.Queue(ctx, Ref{Value: "%%QUEUE%%", Name: "Support"})
	if err != nil || q.Name != "Support" {
		t.Fatalf("stub queue %v %v", q, err)
	}
	if q2, _ := m.Queue(ctx, Ref{Value: "%%QUEUE%%", Name: "Support"}); q2 != q {
		t.Error("the stub is not reused")
	}
	if h, err := m.Hours(ctx, Ref{Value: q.HoursOfOperationID}); err != nil || !h.IsOpen(time.Now()) {
		t.Errorf("stub queue hours %v %v", h, err)
	}
	if _, err := m.Function(ctx, Ref{Value: "unbound"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("functions stubbed without StubFunctions: %v", err)
	}
	if got := m.Stubbed(); len(got) != 1 || got[0] != "queue %%QUEUE%% (Support)" {
		t.Errorf("stubbed %q", got)
	}
}

func TestRunUsesTheLoadedFlowName(t *testing.T) {
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}`)
	res, err := h.engine().RunLoaded(context.Background(), &LoadedFlow{ID: "f-1", Name: "Main menu", Flow: f}, nil, NewScript())
	if err != nil || res.Outcome.Flow != "Main menu" || res.Contact == nil {
		t.Errorf("outcome %+v err %v", res.Outcome, err)
	}
}

func TestPlaceholdersResolveByTheirInnerName(t *testing.T) {
	m := &Memory{}
	m.AddFunction(core.Function{Name: "connectloadstate"})
	m.AddQueue(core.Queue{Meta: core.Meta{ID: "q"}, Name: "AWSSCVQueue"})
	ctx := context.Background()
	if _, err := m.Function(ctx, Ref{Value: "{{lambdaFunctions.connectloadstate.arn}}"}); err != nil {
		t.Error(err)
	}
	for _, v := range []string{"%%AWSSCVQueue%%", "${AWSSCVQueue}"} {
		if _, err := m.Queue(ctx, Ref{Value: v}); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}
