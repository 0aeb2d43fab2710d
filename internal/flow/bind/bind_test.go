package bind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// Local resources of the test instance.
const (
	idBasicQueue   = "0190a1b2-0000-7000-8000-000000000001"
	idSales        = "0190a1b2-0000-7000-8000-000000000002"
	idSupportQueue = "0190a1b2-0000-7000-8000-000000000003"
	idBilling      = "0190a1b2-0000-7000-8000-000000000004"
	idMainMenu     = "0190a1b2-0000-7000-8000-000000000011"
	idWhisper      = "0190a1b2-0000-7000-8000-000000000012"
	idAuthModule   = "0190a1b2-0000-7000-8000-000000000013"
	idGetCustomer  = "0190a1b2-0000-7000-8000-000000000021"
	idRecording    = "0190a1b2-0000-7000-8000-000000000022"
	idTelephony    = "0190a1b2-0000-7000-8000-000000000023"
	idHoldMusic    = "0190a1b2-0000-7000-8000-000000000032"
	idOfficeHours  = "0190a1b2-0000-7000-8000-000000000041"
	idAlice        = "0190a1b2-0000-7000-8000-000000000051"
)

// testTable knows a few resources of each kind Switchboard has, and no Lex
// bots, views or case templates.
var testTable = Table{
	flow.ResourceQueue: {{idBasicQueue, "BasicQueue"}, {idSales, "Sales"}, {idSupportQueue, "SupportQueueArn"}, {idBilling, "Billing"}},
	flow.ResourceFlow:  {{idMainMenu, "Main menu"}, {idWhisper, "Whisper"}, {idAuthModule, "Auth module"}},
	flow.ResourceFunction: {{idGetCustomer, "getCustomer"}, {idRecording, "callRecordingControl"},
		{idTelephony, "INVOKE_TELEPHONY_FUNCTION"}},
	flow.ResourcePrompt: {{idHoldMusic, "Hold music"}},
	flow.ResourceHours:  {{idOfficeHours, "Office hours"}},
	flow.ResourceUser:   {{idAlice, "alice"}},
}

const otherQueueARN = "arn:aws:connect:us-west-2:111122223333:instance/d4a4312d-ab93-4cec-8f3c-74a0db1cbb38/queue/759422e1-920e-43dd-8fdc-feb35b19e7f8"

// doc builds a one-action flow (plus a terminal action it leads to) with
// the action's editor data.
func doc(action, meta string) string {
	if meta == "" {
		meta = "{}"
	}
	return `{"Version":"2019-10-30","StartAction":"a1","Metadata":{"ActionMetadata":{"a1":` + meta + `}},
		"Actions":[` + action + `,{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
}

func action(typ, params string) string {
	return `{"Identifier":"a1","Type":"` + typ + `","Parameters":` + params + `,
		"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"}]}}`
}

func queueAction(value string) string {
	return action("UpdateContactTargetQueue", `{"QueueId":`+jsonString(value)+`}`)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestBindEveryReferenceStyle(t *testing.T) {
	type want struct {
		by      Method // "" when the reference must stay unbound
		to      string // the value written (bound) or kept (unbound)
		match   string
		reason  string // a part of the unbound reason
		dynamic bool
	}
	tests := []struct {
		name     string
		doc      string
		param    string
		bindings map[string]string
		want     want
	}{
		{name: "ARN whose resource ID is a local ID",
			doc:   doc(queueAction("arn:aws:connect:us-east-1:111122223333:instance/abc/queue/"+idBilling), ""),
			param: "QueueId", want: want{by: ByARN, to: idBilling, match: idBilling}},
		{name: "ARN of another instance, bound by parameters.X.displayName",
			doc:   doc(queueAction(otherQueueARN), `{"parameters":{"QueueId":{"displayName":"Sales"}}}`),
			param: "QueueId", want: want{by: ByDisplayName, to: idSales, match: "Sales"}},
		{name: "ARN bound by the editor's queue.text",
			doc:   doc(queueAction(otherQueueARN), `{"queue":{"id":"x","text":"Billing"}}`),
			param: "QueueId", want: want{by: ByDisplayName, to: idBilling, match: "Billing"}},
		{name: "Lambda ARN with an alias names the function",
			doc: doc(action("InvokeLambdaFunction",
				`{"LambdaFunctionARN":"arn:aws:lambda:us-east-1:111122223333:function:getCustomer:live","InvocationTimeLimitSeconds":"8"}`), ""),
			param: "LambdaFunctionARN", want: want{by: ByARN, to: idGetCustomer, match: "getCustomer"}},
		{name: "Lambda ARN without an alias",
			doc: doc(action("InvokeLambdaFunction",
				`{"LambdaFunctionARN":"arn:aws:lambda:us-east-1:111122223333:function:callRecordingControl","InvocationTimeLimitSeconds":"8"}`), ""),
			param: "LambdaFunctionARN", want: want{by: ByARN, to: idRecording, match: "callRecordingControl"}},
		{name: "a local ID",
			doc:   doc(queueAction(idBasicQueue), ""),
			param: "QueueId", want: want{by: ByID, to: idBasicQueue, match: idBasicQueue}},
		{name: "a local name",
			doc:   doc(queueAction("BasicQueue"), ""),
			param: "QueueId", want: want{by: ByName, to: idBasicQueue, match: "BasicQueue"}},
		{name: "${X} by its inner name",
			doc:   doc(queueAction("${SupportQueueArn}"), ""),
			param: "QueueId", want: want{by: ByPlaceholder, to: idSupportQueue, match: "SupportQueueArn"}},
		{name: "${X} by its inner name without the Arn suffix",
			doc:   doc(queueAction("${BillingArn}"), ""),
			param: "QueueId", want: want{by: ByPlaceholder, to: idBilling, match: "Billing"}},
		{name: "{{collection.name.arn}} by the name",
			doc: doc(action("InvokeLambdaFunction",
				`{"LambdaFunctionARN":"{{lambdaFunctions.getCustomer.arn}}","InvocationTimeLimitSeconds":"8"}`), ""),
			param: "LambdaFunctionARN", want: want{by: ByPlaceholder, to: idGetCustomer, match: "getCustomer"}},
		{name: "%%X_ARN%% without the suffix",
			doc: doc(action("InvokeLambdaFunction",
				`{"LambdaFunctionARN":"%%INVOKE_TELEPHONY_FUNCTION_ARN%%","InvocationTimeLimitSeconds":"8"}`), ""),
			param: "LambdaFunctionARN", want: want{by: ByPlaceholder, to: idTelephony, match: "INVOKE_TELEPHONY_FUNCTION"}},
		{name: "a placeholder's display name comes before its inner name",
			doc: doc(action("TransferToFlow", `{"ContactFlowId":"{{contactFlows.RulesEngineMain.arn}}"}`),
				`{"ContactFlow":{"id":"x","text":"Main menu"}}`),
			param: "ContactFlowId", want: want{by: ByDisplayName, to: idMainMenu, match: "Main menu"}},
		{name: "an event hook's flow named by the editor's contactFlow.text",
			doc: doc(action("UpdateContactEventHooks", `{"EventHooks":{"AgentWhisper":"%%AWSSCVAgentWhisper%%"}}`),
				`{"contactFlow":{"id":"%%AWSSCVAgentWhisper%%","text":"Whisper"}}`),
			param: "EventHooks.AgentWhisper", want: want{by: ByDisplayName, to: idWhisper, match: "Whisper"}},
		{name: "a prompt inside a list of messages",
			doc: doc(action("MessageParticipantIteratively",
				`{"Messages":[{"Text":"Please hold"},{"PromptId":"arn:aws:connect:us-east-1:1:instance/i/prompt/p"}]}`),
				`{"audio":[{"type":"Text","text":"Please hold"},{"type":"Prompt","text":"Hold music"}]}`),
			param: "Messages[1].PromptId", want: want{by: ByDisplayName, to: idHoldMusic, match: "Hold music"}},
		{name: "a flow module among the flows",
			doc: doc(action("InvokeFlowModule", `{"FlowModuleId":"${COREFLOWMODULE}"}`),
				`{"parameters":{"FlowModuleId":{"displayName":"Auth module"}}}`),
			param: "FlowModuleId", want: want{by: ByDisplayName, to: idAuthModule, match: "Auth module"}},
		{name: "hours of operation",
			doc: doc(action("CheckHoursOfOperation", `{"HoursOfOperationId":"arn:aws:connect:us-east-1:1:instance/i/operating-hours/h"}`),
				`{"Hours":{"id":"x","text":"ignored"},"parameters":{"HoursOfOperationId":{"displayName":"Office hours"}}}`),
			param: "HoursOfOperationId", want: want{by: ByDisplayName, to: idOfficeHours, match: "Office hours"}},
		{name: "an agent shown as username (full name)",
			doc: doc(action("UpdateContactTargetQueue", `{"AgentId":"arn:aws:connect:us-west-2:1:instance/i/agent/a"}`),
				`{"parameters":{"AgentId":{"displayName":"alice (Alice Martin)"}}}`),
			param: "AgentId", want: want{by: ByDisplayName, to: idAlice, match: "alice"}},
		{name: "a prompt shown by its file name",
			doc:   doc(action("MessageParticipant", `{"PromptId":""}`), `{"promptName":"Hold music.wav"}`),
			param: "PromptId", want: want{by: ByDisplayName, to: idHoldMusic, match: "Hold music"}},
		{name: "an empty value bound by the old format's resourceName",
			doc: `{"modules":[{"id":"a1","type":"SetQueue","branches":[{"condition":"Success","transition":"end"},{"condition":"Error","transition":"end"}],
				"parameters":[{"name":"Queue","value":"","namespace":null,"resourceName":"BasicQueue"}],"metadata":{"position":{"x":1,"y":2}}},
				{"id":"end","type":"Disconnect","branches":[],"parameters":[],"metadata":{}}],
				"version":"1","type":"contactFlow","start":"a1","metadata":{"name":"Old","type":"contactFlow"}}`,
			param: "QueueId", want: want{by: ByDisplayName, to: idBasicQueue, match: "BasicQueue"}},
		{name: "an empty value without a display name stays unbound",
			doc:   doc(queueAction(""), ""),
			param: "QueueId", want: want{to: "", reason: "empty"}},
		{name: "a JSONPath is left for run time",
			doc:   doc(queueAction("$.Attributes.WorkingQueue"), ""),
			param: "QueueId", want: want{to: "$.Attributes.WorkingQueue", dynamic: true}},
		{name: "an author's instruction names nothing",
			doc: doc(action("InvokeLambdaFunction", `{"LambdaFunctionARN":"ENTER LAMBDA HERE","InvocationTimeLimitSeconds":"8"}`),
				`{"parameters":{"LambdaFunctionARN":{"displayName":"sms-sender"}}}`),
			param: "LambdaFunctionARN", want: want{to: "ENTER LAMBDA HERE", reason: `no function has the ID or name "ENTER LAMBDA HERE" or "sms-sender"`}},
		{name: "a Lex bot is not a Switchboard resource",
			doc: doc(action("ConnectParticipantWithLexBot",
				`{"Text":"How can I help?","LexV2Bot":{"AliasArn":"arn:aws:lex:us-east-1:1:bot-alias/BOT1/ALIAS1"}}`),
				`{"lexV2BotName":"OrderBot"}`),
			param: "LexV2Bot.AliasArn", want: want{to: "arn:aws:lex:us-east-1:1:bot-alias/BOT1/ALIAS1", reason: "no lex-bot resources"}},
		{name: "a binding by raw value",
			doc:      doc(queueAction("ENTER QUEUE HERE"), ""),
			bindings: map[string]string{"ENTER QUEUE HERE": "Sales"},
			param:    "QueueId", want: want{by: ByBinding, to: idSales, match: "ENTER QUEUE HERE"}},
		{name: "a binding by display name, to an ID",
			doc:      doc(queueAction(otherQueueARN), `{"parameters":{"QueueId":{"displayName":"AWS Sales"}}}`),
			bindings: map[string]string{"AWS Sales": idBilling},
			param:    "QueueId", want: want{by: ByBinding, to: idBilling, match: "AWS Sales"}},
		{name: "a binding by placeholder wins over the display name",
			doc:      doc(queueAction("${SalesQueueArn}"), `{"parameters":{"QueueId":{"displayName":"BasicQueue"}}}`),
			bindings: map[string]string{"${SalesQueueArn}": "Sales"},
			param:    "QueueId", want: want{by: ByBinding, to: idSales, match: "${SalesQueueArn}"}},
		{name: "a binding by inner name, ignoring case",
			doc:      doc(action("UpdateContactTargetQueue", `{"AgentId":"${TESTAGENT}"}`), ""),
			bindings: map[string]string{"testagent": "alice"},
			param:    "AgentId", want: want{by: ByBinding, to: idAlice, match: "TESTAGENT"}},
		{name: "a binding to a missing resource is reported, not ignored",
			doc:      doc(queueAction("${SalesQueueArn}"), `{"parameters":{"QueueId":{"displayName":"Sales"}}}`),
			bindings: map[string]string{"SalesQueueArn": "Nope"},
			param:    "QueueId", want: want{to: "${SalesQueueArn}", reason: `binding "SalesQueueArn" = "Nope": no queue`}},
		{name: "a binding fills in a placeholder that names no resource",
			doc:      doc(action("UpdateContactAttributes", `{"Attributes":{"timestamper":"${TIMESTAMPER}"}}`), ""),
			bindings: map[string]string{"TIMESTAMPER": "ts-1"},
			param:    "Attributes.timestamper", want: want{by: ByBinding, to: "ts-1", match: "TIMESTAMPER"}},
		{name: "a binding fills in a placeholder inside text",
			doc:      doc(action("MessageParticipant", `{"Text":"Call ${SUPPORT_NUMBER} any time"}`), ""),
			bindings: map[string]string{"${SUPPORT_NUMBER}": "+1 555 0100"},
			param:    "Text", want: want{by: ByBinding, to: "Call +1 555 0100 any time", match: "${SUPPORT_NUMBER}"}},
		{name: "a placeholder that names no resource and has no binding",
			doc:   doc(action("UpdateContactAttributes", `{"Attributes":{"timestamper":"${TIMESTAMPER}"}}`), ""),
			param: "Attributes.timestamper", want: want{to: "${TIMESTAMPER}", reason: "names no resource"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := flow.Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			before := refAt(t, f, tt.param)
			rep, err := Bind(context.Background(), f, testTable, Options{Bindings: tt.bindings})
			if err != nil {
				t.Fatalf("bind: %v", err)
			}
			if n := len(rep.Bound) + len(rep.Unbound) + len(rep.Dynamic); n != 1 {
				t.Fatalf("report has %d entries, want 1: %+v", n, rep)
			}
			switch {
			case tt.want.dynamic:
				if len(rep.Dynamic) != 1 || rep.Dynamic[0].Parameter != tt.param {
					t.Fatalf("want a dynamic reference, got %+v", rep)
				}
			case tt.want.by != "":
				if len(rep.Bound) != 1 {
					t.Fatalf("want bound, got %+v", rep.Unbound)
				}
				b := rep.Bound[0]
				if b.By != tt.want.by || b.To != tt.want.to || b.Match != tt.want.match || b.Parameter != tt.param ||
					b.From != before.Value || b.Action != "a1" {
					t.Errorf("bound = %+v, want by %s to %s match %q", b, tt.want.by, tt.want.to, tt.want.match)
				}
			default:
				if len(rep.Unbound) != 1 {
					t.Fatalf("want unbound, got %+v", rep.Bound)
				}
				u := rep.Unbound[0]
				if !strings.Contains(u.Reason, tt.want.reason) || u.Value != before.Value || u.Parameter != tt.param {
					t.Errorf("unbound = %+v, want reason containing %q", u, tt.want.reason)
				}
			}
			if len(rep.UnusedBindings) != 0 {
				t.Errorf("unused bindings %v", rep.UnusedBindings)
			}
			// What is written is what Parse reads back.
			again := reparse(t, f)
			after := refAt(t, again, tt.param)
			if after.Value != tt.want.to {
				t.Errorf("written value %q, want %q", after.Value, tt.want.to)
			}
			if tt.want.by != "" && before.Resource != "" {
				if want := before.DisplayName; want != "" && after.DisplayName != want {
					t.Errorf("display name %q changed to %q", want, after.DisplayName)
				} else if want == "" && after.DisplayName != rep.Bound[0].ToName {
					t.Errorf("display name %q, want the local name %q added", after.DisplayName, rep.Bound[0].ToName)
				}
			}
		})
	}
}

// refAt returns the reference at parameter path param of action a1.
func refAt(t *testing.T, f *flow.Flow, param string) flow.Reference {
	t.Helper()
	for _, r := range f.References() {
		if r.Action == "a1" && r.Param == param {
			return r
		}
	}
	// A bound placeholder in a non-resource parameter is no longer a
	// reference: read the value itself.
	for _, a := range f.Actions {
		if a.Identifier == "a1" {
			if v, ok := valueAt(a.Parameters, param); ok {
				return flow.Reference{Action: "a1", Param: param, Value: v}
			}
		}
	}
	t.Fatalf("no reference %s in %+v", param, f.References())
	return flow.Reference{}
}

func valueAt(params map[string]any, path string) (string, bool) {
	var cur any = params
	for _, seg := range splitPath(path) {
		switch x := cur.(type) {
		case map[string]any:
			cur = x[seg]
		case []any:
			var i int
			if _, err := fmt.Sscan(seg, &i); err != nil || i >= len(x) {
				return "", false
			}
			cur = x[i]
		default:
			return "", false
		}
	}
	s, ok := cur.(string)
	return s, ok
}

func reparse(t *testing.T, f *flow.Flow) *flow.Flow {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := flow.Parse(b)
	if err != nil {
		t.Fatalf("bound flow does not parse: %v\n%s", err, b)
	}
	return g
}

func TestBindReportsUnusedBindings(t *testing.T) {
	f, err := flow.Parse([]byte(doc(queueAction("BasicQueue"), "")))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Bind(context.Background(), f, testTable, Options{Bindings: map[string]string{"${Typo}": "Sales", "BasicQueue": "Billing"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Bound) != 1 || rep.Bound[0].To != idBilling {
		t.Errorf("bound = %+v, want BasicQueue bound to Billing by the binding", rep.Bound)
	}
	if len(rep.UnusedBindings) != 1 || rep.UnusedBindings[0] != "${Typo}" {
		t.Errorf("unused = %v, want [${Typo}]", rep.UnusedBindings)
	}
}

type failingResolver struct{ err error }

func (r failingResolver) Resolve(context.Context, flow.Resource, string) (Target, error) {
	return Target{}, r.err
}

func TestBindStopsOnResolverFailure(t *testing.T) {
	f, err := flow.Parse([]byte(doc(queueAction("BasicQueue"), "")))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("database is on fire")
	if _, err := Bind(context.Background(), f, failingResolver{boom}, Options{}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the resolver's error", err)
	}
}

func TestBindLooksEachNameUpOnce(t *testing.T) {
	// Twenty transfers to the same placeholder flow: one lookup per name.
	var acts []string
	for i := 0; i < 20; i++ {
		acts = append(acts, fmt.Sprintf(`{"Identifier":"t%d","Type":"TransferToFlow","Parameters":{"ContactFlowId":"{{contactFlows.Main.arn}}"},
			"Transitions":{"Errors":[{"NextAction":"t0","ErrorType":"NoMatchingError"}]}}`, i))
	}
	f, err := flow.Parse([]byte(`{"Version":"2019-10-30","StartAction":"t0","Actions":[` + strings.Join(acts, ",") + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := &countingResolver{Resolver: Table{flow.ResourceFlow: {{idMainMenu, "Main"}}}}
	rep, err := Bind(context.Background(), f, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Bound) != 20 || r.n != 1 {
		t.Errorf("bound %d of 20 with %d lookups, want 20 with 1", len(rep.Bound), r.n)
	}
}

type countingResolver struct {
	Resolver
	n int
}

func (c *countingResolver) Resolve(ctx context.Context, k flow.Resource, key string) (Target, error) {
	c.n++
	return c.Resolver.Resolve(ctx, k, key)
}

func TestARNKeys(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:connect:us-east-1:1:instance/i/queue/q1":             "q1",
		"arn:aws:connect:us-east-1:1:instance/i/contact-flow/f1":      "f1",
		"arn:aws:connect:us-east-1:1:instance/i/flow-module/m1":       "m1",
		"arn:aws:lambda:us-east-1:1:function:fn":                      "fn",
		"arn:aws:lambda:us-east-1:1:function:fn:prod":                 "fn",
		"arn:aws:lex:us-east-1:1:bot-alias/BOT/ALIAS":                 "ALIAS,BOT",
		"arn:aws-us-gov:connect:us-gov-west-1:1:instance/i/prompt/p1": "p1",
		"arn:aws:connect:us-east-1:1:instance/i/operating-hours/h1":   "h1",
		"arn:aws:connect:us-east-1:1:instance/i/agent/a1":             "a1",
		"arn:aws:connect": "",
		"arn:aws:connect:us-east-1:1:instance/i/queue/${AWS::StackName}/":                "",
		"arn:aws:connect:${AWS::Region}:${AWS::AccountId}:instance/${Instance}/queue/q9": "q9",
		"arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}":       "",
	} {
		if got := strings.Join(arnKeys(arn), ","); got != want {
			t.Errorf("arnKeys(%q) = %q, want %q", arn, got, want)
		}
	}
}

func TestInnerNames(t *testing.T) {
	for ph, want := range map[string]string{
		"${SalesQueueArn}":                    "SalesQueueArn,SalesQueue",
		"${Sales.Arn}":                        "Sales",
		"${AWS::Region}":                      "",
		"{{lambdaFunctions.getCustomer.arn}}": "getCustomer",
		"{{ contactFlows.Main.arn }}":         "Main",
		"{{prompts.CustomerQueue_wav.arn}}":   "CustomerQueue_wav",
		"%%CONNECT_BASIC_QUEUE_ARN%%":         "CONNECT_BASIC_QUEUE_ARN,CONNECT_BASIC_QUEUE",
		"%%AWSSCVAgentWhisperWithStreaming%%": "AWSSCVAgentWhisperWithStreaming",
		"${VMTESTAGENTID}":                    "VMTESTAGENTID,VMTESTAGENT",
		"{{x}}":                               "x",
		"plain":                               "",
	} {
		if got := strings.Join(innerNames(ph), ","); got != want {
			t.Errorf("innerNames(%q) = %q, want %q", ph, got, want)
		}
	}
}
