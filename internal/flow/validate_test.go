package flow

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// act writes one action; params and transitions are JSON object bodies.
func act(id, typ, params, transitions string) string {
	return `{"Identifier":"` + id + `","Type":"` + typ + `","Parameters":{` + params + `},"Transitions":{` + transitions + `}}`
}

// bye is the terminal action most test flows end in.
var bye = act("bye", "DisconnectParticipant", "", "")

// toBye is a success path plus the NoMatchingError branch, both to bye.
const toBye = `"NextAction":"bye","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`

func flowDoc(start string, actions ...string) string {
	return `{"Version":"2019-10-30","StartAction":"` + start + `","Metadata":{},"Actions":[` + strings.Join(actions, ",") + `]}`
}

func TestValidateAcceptsAValidFlow(t *testing.T) {
	doc := flowDoc("a1b2",
		act("a1b2", "GetParticipantInput", `"Text":"Press 1 for sales","StoreInput":"False","InputTimeLimitSeconds":"5"`,
			`"NextAction":"bye","Conditions":[{"NextAction":"q","Condition":{"Operator":"Equals","Operands":["1"]}}],
			 "Errors":[{"NextAction":"bye","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"bye","ErrorType":"NoMatchingCondition"},
			           {"NextAction":"bye","ErrorType":"NoMatchingError"}]`),
		act("q", "UpdateContactTargetQueue", `"QueueId":"${SalesQueueArn}"`, `"NextAction":"loop",`+toBye[len(`"NextAction":"bye",`):]),
		act("loop", "Loop", `"LoopCount":"$.Attributes.tries"`,
			`"NextAction":"t","Conditions":[{"NextAction":"t","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},
			 {"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]`),
		act("t", "TransferContactToQueue", "", `"Errors":[{"NextAction":"loop","ErrorType":"QueueAtCapacity"},{"NextAction":"bye","ErrorType":"NoMatchingError"}]`),
		bye)
	if ps := Validate(mustParse(t, doc), "Main"); len(ps) != 0 {
		t.Errorf("problems:\n%s", strings.Join(problemStrings(ps), "\n"))
	}
}

func TestValidateFindsProblems(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		errors   []string
		warnings []string
	}{
		{
			name:   "bad boolean",
			doc:    flowDoc("a1b2", act("a1b2", "GetParticipantInput", `"Text":"Your PIN?","StoreInput":"Yes","InputTimeLimitSeconds":"5"`, toBye), bye),
			errors: []string{`flow "Main": action "a1b2" (GetParticipantInput): parameter "StoreInput": must be "True" or "False", got "Yes"`},
		},
		{
			name: "unsupported action types",
			doc: flowDoc("x", act("x", "Teleport", "", `"NextAction":"y"`), act("y", "Levitate", "", `"NextAction":"z"`),
				act("z", "Teleport", "", `"NextAction":"bye"`), bye),
			errors: []string{
				`flow "Main": action "x" (Teleport): Type: unsupported action type "Teleport"`,
				`flow "Main": action "y" (Levitate): Type: unsupported action type "Levitate"`,
				`flow "Main": action "z" (Teleport): Type: unsupported action type "Teleport"`,
			},
		},
		{
			name:   "missing type",
			doc:    flowDoc("x", act("x", "", "", `"NextAction":"bye"`), bye),
			errors: []string{`flow "Main": action "x": Type: is missing`},
		},
		{
			name:   "missing StartAction",
			doc:    flowDoc("", bye),
			errors: []string{`flow "Main": StartAction: is missing`},
		},
		{
			name:   "dangling StartAction",
			doc:    flowDoc("nope", bye),
			errors: []string{`flow "Main": StartAction: names no action: "nope"`},
		},
		{
			name:   "no actions",
			doc:    flowDoc("x"),
			errors: []string{`flow "Main": Actions: the flow has no actions`, `flow "Main": StartAction: names no action: "x"`},
		},
		{
			name: "dangling transitions",
			doc: flowDoc("c", act("c", "Compare", `"ComparisonValue":"$.Attributes.x"`,
				`"NextAction":"gone","Conditions":[{"NextAction":"void","Condition":{"Operator":"Equals","Operands":["1"]}}],
				 "Errors":[{"NextAction":"nowhere","ErrorType":"NoMatchingCondition"}]`), bye),
			errors: []string{
				`flow "Main": action "c" (Compare): Transitions.NextAction: names no action: "gone"`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[0].NextAction: names no action: "void"`,
				`flow "Main": action "c" (Compare): Transitions.Errors[0].NextAction: names no action: "nowhere"`,
			},
			warnings: []string{`flow "Main": action "bye" (DisconnectParticipant): unreachable: no path from StartAction leads here`},
		},
		{
			name: "missing required condition",
			doc: flowDoc("l", act("l", "Loop", `"LoopCount":"3"`,
				`"NextAction":"bye","Conditions":[{"NextAction":"l","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}}]`), bye),
			errors: []string{`flow "Main": action "l" (Loop): Transitions.Conditions: missing the "DoneLooping" condition`},
		},
		{
			name: "condition value the action never produces",
			doc: flowDoc("l", act("l", "Loop", `"LoopCount":"3"`,
				`"NextAction":"bye","Conditions":[{"NextAction":"l","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},
				 {"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}},
				 {"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["Done"]}}]`), bye),
			errors: []string{`flow "Main": action "l" (Loop): Transitions.Conditions[2].Condition.Operands: Loop results are ContinueLooping, DoneLooping; "Done" never matches`},
		},
		{
			name: "operator the action does not allow",
			doc: flowDoc("h", act("h", "CheckHoursOfOperation", "",
				`"NextAction":"bye","Conditions":[{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["True"]}},
				 {"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["False"]}},
				 {"NextAction":"bye","Condition":{"Operator":"TextContains","Operands":["T"]}}],
				 "Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`), bye),
			errors: []string{`flow "Main": action "h" (CheckHoursOfOperation): Transitions.Conditions[2].Condition.Operator: CheckHoursOfOperation allows only Equals, got TextContains`},
		},
		{
			name:   "missing required error branch",
			doc:    flowDoc("f", act("f", "InvokeLambdaFunction", `"LambdaFunctionARN":"arn:aws:lambda:r:1:function:f","InvocationTimeLimitSeconds":"3"`, `"NextAction":"bye"`), bye),
			errors: []string{`flow "Main": action "f" (InvokeLambdaFunction): Transitions.Errors: missing the "NoMatchingError" error branch`},
		},
		{
			name:   "missing required parameter",
			doc:    flowDoc("l", act("l", "Loop", "", `"NextAction":"bye","Conditions":[{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]`), bye),
			errors: []string{`flow "Main": action "l" (Loop): parameter "LoopCount": is required`},
		},
		{
			name:   "missing required nested field",
			doc:    flowDoc("x", act("x", "ConnectParticipantWithLexBot", `"Text":"Hi","LexV2Bot":{}`, toBye), bye),
			errors: []string{`flow "Main": action "x" (ConnectParticipantWithLexBot): parameter "LexV2Bot.AliasArn": is required`},
		},
		{
			name:   "none of a required group",
			doc:    flowDoc("m", act("m", "MessageParticipant", "", `"NextAction":"bye"`), bye),
			errors: []string{`flow "Main": action "m" (MessageParticipant): Parameters: one of Text, SSML, PromptId, Media is required`},
		},
		{
			name:   "two of an exclusive group",
			doc:    flowDoc("m", act("m", "MessageParticipant", `"Text":"a","SSML":"<speak>b</speak>"`, `"NextAction":"bye"`), bye),
			errors: []string{`flow "Main": action "m" (MessageParticipant): Parameters: only one of Text, SSML, PromptId, Media may be given, found Text and SSML`},
		},
		{
			name:   "invalid JSONPath",
			doc:    flowDoc("c", act("c", "Compare", `"ComparisonValue":"$.Attributes..x"`, `"NextAction":"bye","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingCondition"}]`), bye),
			errors: []string{`flow "Main": action "c" (Compare): parameter "ComparisonValue": invalid JSONPath "$.Attributes..x": `},
		},
		{
			name:   "not a JSONPath where one is required",
			doc:    flowDoc("c", act("c", "Compare", `"ComparisonValue":"Attributes.x"`, `"NextAction":"bye","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingCondition"}]`), bye),
			errors: []string{`flow "Main": action "c" (Compare): parameter "ComparisonValue": must be a JSONPath such as $.Attributes.name, got "Attributes.x"`},
		},
		{
			name:   "JSONPath where only a static value is allowed",
			doc:    flowDoc("g", act("g", "UpdateFlowLoggingBehavior", `"FlowLoggingBehavior":"$.Attributes.logging"`, `"NextAction":"bye"`), bye),
			errors: []string{`flow "Main": action "g" (UpdateFlowLoggingBehavior): parameter "FlowLoggingBehavior": must be a static value: a JSONPath is not allowed here`},
		},
		{
			name:   "JSONPath inside a value that takes only a whole one",
			doc:    flowDoc("q", act("q", "UpdateContactTargetQueue", `"QueueId":"queue-$.Attributes.x"`, toBye), bye),
			errors: []string{`flow "Main": action "q" (UpdateContactTargetQueue): parameter "QueueId": a JSONPath must be the whole value, not part of it: "queue-$.Attributes.x"`},
		},
		{
			name:   "bad enum value",
			doc:    flowDoc("g", act("g", "UpdateFlowLoggingBehavior", `"FlowLoggingBehavior":"On"`, `"NextAction":"bye"`), bye),
			errors: []string{`flow "Main": action "g" (UpdateFlowLoggingBehavior): parameter "FlowLoggingBehavior": must be one of Enabled, Disabled, got "On"`},
		},
		{
			name: "bad values in nested parameters",
			doc: flowDoc("s", act("s", "UpdateContactMediaStreamingBehavior",
				`"MediaStreamingState":"Enabled","Participants":[{"ParticipantType":"Customer","MediaDirections":["From","Sideways"]}]`, toBye), bye),
			errors: []string{`flow "Main": action "s" (UpdateContactMediaStreamingBehavior): parameter "Participants[0].MediaDirections[1]": must be one of From, To, got "Sideways"`},
		},
		{
			name:   "number out of range",
			doc:    flowDoc("l", act("l", "Loop", `"LoopCount":"101"`, `"Conditions":[{"NextAction":"l","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]`), bye),
			errors: []string{`flow "Main": action "l" (Loop): parameter "LoopCount": must be from 0 to 100, got 101`},
		},
		{
			name:   "not a number",
			doc:    flowDoc("w", act("w", "Wait", `"TimeLimitSeconds":"soon"`, `"Conditions":[{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["WaitCompleted"]}}]`), bye),
			errors: []string{`flow "Main": action "w" (Wait): parameter "TimeLimitSeconds": must be a number, got "soon"`},
		},
		{
			name:   "not a whole number",
			doc:    flowDoc("w", act("w", "Wait", `"TimeLimitSeconds":"1.5"`, `"Conditions":[{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["WaitCompleted"]}}]`), bye),
			errors: []string{`flow "Main": action "w" (Wait): parameter "TimeLimitSeconds": must be a whole number, got "1.5"`},
		},
		{
			name:   "synchronous Lambda timeout",
			doc:    flowDoc("f", act("f", "InvokeLambdaFunction", `"LambdaFunctionARN":"arn:aws:lambda:r:1:function:f","InvocationTimeLimitSeconds":"9"`, toBye), bye),
			errors: []string{`flow "Main": action "f" (InvokeLambdaFunction): parameter "InvocationTimeLimitSeconds": must be from 1 to 8 for a synchronous invocation, got 9`},
		},
		{
			name:   "wrong JSON type",
			doc:    flowDoc("u", act("u", "UpdateContactAttributes", `"Attributes":["a"]`, toBye), bye),
			errors: []string{`flow "Main": action "u" (UpdateContactAttributes): parameter "Attributes": must be an object, got array`},
		},
		{
			name:   "unknown event hook",
			doc:    flowDoc("e", act("e", "UpdateContactEventHooks", `"EventHooks":{"Teatime":"arn:f"}`, toBye), bye),
			errors: []string{`flow "Main": action "e" (UpdateContactEventHooks): parameter "EventHooks.Teatime": unknown key; expected one of ` + strings.Join(EventHooks, ", ")},
		},
		{
			name: "duplicate and malformed identifiers",
			doc: flowDoc("bye", bye, act("bye", "EndFlowExecution", "", ""), act("a:b", "EndFlowExecution", "", ""),
				act("toString", "EndFlowExecution", "", ""), act(strings.Repeat("x", 51), "EndFlowExecution", "", "")),
			errors: []string{
				`flow "Main": action "bye" (EndFlowExecution): Identifier: duplicate identifier: action 0 has it too`,
				`flow "Main": action "a:b" (EndFlowExecution): Identifier: must not contain ":"`,
				`flow "Main": action "toString" (EndFlowExecution): Identifier: "toString" is reserved`,
				`flow "Main": action "` + strings.Repeat("x", 51) + `" (EndFlowExecution): Identifier: is 51 characters long; at most 50 are allowed`,
			},
			warnings: []string{
				`flow "Main": action "a:b" (EndFlowExecution): unreachable: no path from StartAction leads here`,
				`flow "Main": action "toString" (EndFlowExecution): unreachable: no path from StartAction leads here`,
				`flow "Main": action "` + strings.Repeat("x", 51) + `" (EndFlowExecution): unreachable: no path from StartAction leads here`,
			},
		},
		{
			name:   "missing identifier",
			doc:    flowDoc("bye", bye, act("", "EndFlowExecution", "", "")),
			errors: []string{`flow "Main": Actions[1].Identifier: is missing (action type "EndFlowExecution")`},
		},
		{
			name:     "unreachable actions are warnings",
			doc:      flowDoc("bye", bye, act("m", "MessageParticipant", `"Text":"never"`, `"NextAction":"bye"`)),
			warnings: []string{`flow "Main": action "m" (MessageParticipant): unreachable: no path from StartAction leads here`},
		},
		{
			name: "conditions",
			doc: flowDoc("c", act("c", "Compare", `"ComparisonValue":"$.Attributes.x"`,
				`"NextAction":"bye","Conditions":[
				 {"NextAction":"bye","Condition":{"Operator":"Resembles","Operands":["1"]}},
				 {"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["1","2"]}},
				 {"NextAction":"bye","Condition":{"Operator":"NumberLessThan","Operands":["ten"]}},
				 {"Condition":{"Operator":"Equals","Operands":["$.Attributes.y"]}},
				 {"NextAction":"bye","Condition":{"Operands":["1"]}},
				 {"NextAction":"bye","Condition":{"Operator":"And","Operands":["1"]}},
				 {"NextAction":"bye","Condition":{"Operator":"Or","Operands":[{"Operator":"Equals","Operands":["a"]},{"Operator":"TextEndsWith","Operands":["z"]}]}},
				 {"NextAction":"bye","Condition":{"Operator":"Not","Operands":[]}},
				 {"NextAction":"bye","Condition":{"Operator":"And"}}],
				 "Errors":[{"NextAction":"bye","ErrorType":"NoMatchingCondition"}]`), bye),
			errors: []string{
				`flow "Main": action "c" (Compare): Transitions.Conditions[0].Condition.Operator: unknown operator "Resembles"`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[1].Condition.Operands: Equals takes one string operand, got 2 operands`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[2].Condition.Operands: NumberLessThan needs a number, got "ten"`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[3].NextAction: is missing`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[4].Condition.Operator: is missing`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[5].Condition.Operands[0]: And takes conditions, not "1"`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[7].Condition.Operands: Not takes one condition, got 0 operands`,
				`flow "Main": action "c" (Compare): Transitions.Conditions[8].Condition.Operands: And takes one or more conditions`,
			},
		},
		{
			name: "conditions nested too deep",
			doc: flowDoc("c", act("c", "Compare", `"ComparisonValue":"$.Attributes.x"`,
				`"NextAction":"bye","Conditions":[{"NextAction":"bye","Condition":`+
					strings.Repeat(`{"Operator":"Not","Operands":[`, 5)+`{"Operator":"Equals","Operands":["1"]}`+strings.Repeat(`]}`, 5)+`}],
				 "Errors":[{"NextAction":"bye","ErrorType":"NoMatchingCondition"}]`), bye),
			errors: []string{`flow "Main": action "c" (Compare): Transitions.Conditions[0].Condition.Operands[0].Operands[0].Operands[0].Operands[0].Operands[0]: conditions nest more than 5 levels deep`},
		},
		{
			name: "menu options must be one key",
			doc: flowDoc("g", act("g", "GetParticipantInput", `"Text":"Menu","StoreInput":"False","InputTimeLimitSeconds":"5"`,
				`"NextAction":"bye","Conditions":[{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["12"]}}],
				 "Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`), bye),
			errors:   []string{`flow "Main": action "g" (GetParticipantInput): Transitions.Conditions[0].Condition.Operands: a menu option must be one key: 0-9, * or #; got "12"`},
			warnings: []string{`flow "Main": action "g" (GetParticipantInput): Transitions.Errors: no "NoMatchingCondition" branch: a key that matches no condition takes "NoMatchingError"`},
		},
		{
			name: "Wait needs a condition per event",
			doc: flowDoc("w", act("w", "Wait", `"TimeLimitSeconds":"60","Events":["CustomerReturned"]`,
				`"NextAction":"bye","Conditions":[{"NextAction":"bye","Condition":{"Operator":"Equals","Operands":["WaitCompleted"]}}],
				 "Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`), bye),
			errors: []string{`flow "Main": action "w" (Wait): Transitions.Conditions: missing the "CustomerReturned" condition for the event in Events`},
		},
		{
			name: "branches that are never taken",
			doc: flowDoc("m", act("m", "MessageParticipant", `"Text":"hi","Colour":"red"`,
				`"NextAction":"d","Conditions":[{"NextAction":"d","Condition":{"Operator":"Equals","Operands":["x"]}}],
				 "Errors":[{"NextAction":"d","ErrorType":"NoMatchingError"},{"NextAction":"d","ErrorType":"QueueAtCapacity"},{"NextAction":"d","ErrorType":"NoMatchingError"}]`),
				act("d", "DisconnectParticipant", "", `"NextAction":"m"`)),
			warnings: []string{
				`flow "Main": action "m" (MessageParticipant): Transitions.Conditions: MessageParticipant has no result to test; its conditions are never evaluated`,
				`flow "Main": action "m" (MessageParticipant): Transitions.Errors[1].ErrorType: MessageParticipant does not raise "QueueAtCapacity"; the branch is never taken`,
				`flow "Main": action "m" (MessageParticipant): Transitions.Errors[2]: second "NoMatchingError" branch; the first one is taken`,
				`flow "Main": action "m" (MessageParticipant): parameter "Colour": unknown parameter of MessageParticipant; it is ignored`,
				`flow "Main": action "d" (DisconnectParticipant): Transitions: DisconnectParticipant ends the flow; its transitions are never followed`,
			},
		},
		{
			name:     "missing NextAction",
			doc:      flowDoc("m", act("m", "MessageParticipant", `"Text":"hi"`, ""), bye),
			warnings: []string{`flow "Main": action "m" (MessageParticipant): Transitions.NextAction: is missing: the flow ends when this action succeeds`, `flow "Main": action "bye" (DisconnectParticipant): unreachable: no path from StartAction leads here`},
		},
		{
			name: "placeholders",
			doc: flowDoc("f",
				act("f", "InvokeLambdaFunction", `"LambdaFunctionARN":"{{lambdaFunctions.lookup.arn}}","InvocationTimeLimitSeconds":"%%TIMEOUT%%"`, `"NextAction":"q","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`),
				act("q", "UpdateContactTargetQueue", `"QueueId":""`, `"NextAction":"flow","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`),
				act("flow", "TransferToFlow", `"ContactFlowId":"%%MAIN_FLOW%%"`, `"Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]`),
				bye),
			warnings: []string{`flow "Main": action "f" (InvokeLambdaFunction): parameter "InvocationTimeLimitSeconds": unresolved placeholder "%%TIMEOUT%%"`},
		},
		{
			name:     "unknown JSONPath root",
			doc:      flowDoc("m", act("m", "MessageParticipant", `"Text":"Hi $.attributes.name"`, `"NextAction":"bye"`), bye),
			warnings: []string{`flow "Main": action "m" (MessageParticipant): parameter "Text": jsonpath: unknown root: "attributes" in $.attributes.name (did you mean "Attributes"?)`},
		},
		{
			name:     "unknown version",
			doc:      strings.Replace(flowDoc("bye", bye), "2019-10-30", "2030-01-01", 1),
			warnings: []string{`flow "Main": Version: unknown version "2030-01-01"; read as "2019-10-30"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Validate(mustParse(t, tt.doc), "Main")
			gotErrs, gotWarns := problemStrings(ps.Errors()), problemStrings(ps.Warnings())
			if !matchProblems(gotErrs, tt.errors) {
				t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(gotErrs, "\n  "), strings.Join(tt.errors, "\n  "))
			}
			if !matchProblems(gotWarns, tt.warnings) {
				t.Errorf("warnings:\n  %s\nwant:\n  %s", strings.Join(gotWarns, "\n  "), strings.Join(tt.warnings, "\n  "))
			}
		})
	}
}

// matchProblems compares problem strings; a wanted string ending in ": "
// matches any message with that prefix (for messages that quote another
// package's error).
func matchProblems(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if strings.HasSuffix(want[i], ": ") {
			if !strings.HasPrefix(got[i], want[i]) {
				return false
			}
		} else if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestValidationErrorListsUnsupportedTypes(t *testing.T) {
	f := mustParse(t, flowDoc("x", act("x", "Teleport", "", `"NextAction":"y"`), act("y", "Levitate", "", `"NextAction":"z"`),
		act("z", "Teleport", "", `"NextAction":"bye"`), bye))
	if got := UnsupportedTypes(f); !reflect.DeepEqual(got, []string{"Levitate", "Teleport"}) {
		t.Errorf("UnsupportedTypes = %q", got)
	}
	ps := Validate(f, "Main")
	err := ps.Err()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Err() = %v", err)
	}
	if !reflect.DeepEqual(ve.Unsupported, []string{"Levitate", "Teleport"}) {
		t.Errorf("Unsupported = %q", ve.Unsupported)
	}
	if first := strings.SplitN(err.Error(), "\n", 2)[0]; first != `flow "Main": 3 errors; unsupported action types: Levitate, Teleport` {
		t.Errorf("first line %q", first)
	}
	if Validate(mustParse(t, flowDoc("bye", bye)), "ok").Err() != nil {
		t.Error("Err() of a valid flow is not nil")
	}
}

func TestValidateNilFlow(t *testing.T) {
	ps := Validate(nil, "Main")
	if len(ps) != 1 || ps[0].Error() != `flow "Main": no flow` {
		t.Errorf("Validate(nil) = %v", ps)
	}
}

func TestValidateHandBuiltValuesOfOtherTypes(t *testing.T) {
	// A flow built in Go rather than parsed may hold non-string scalars.
	f := &Flow{Version: CurrentVersion, StartAction: "l", Actions: []Action{
		{Identifier: "l", Type: "Loop", Parameters: map[string]any{"LoopCount": 3},
			Transitions: Transitions{Conditions: []ConditionTransition{
				{NextAction: "bye", Condition: eq("ContinueLooping")}, {NextAction: "bye", Condition: eq("DoneLooping")}}}},
		{Identifier: "bye", Type: "DisconnectParticipant"},
	}}
	if ps := Validate(f, "Main"); len(ps) != 0 {
		t.Errorf("problems: %v", ps)
	}
	f.Actions[0].Parameters["LoopCount"] = []any{}
	if got := problemStrings(Validate(f, "Main")); len(got) != 1 || !strings.HasSuffix(got[0], `parameter "LoopCount": must be a string, got array`) {
		t.Errorf("problems: %q", got)
	}
}

func TestCatalogueIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, typ := range ActionTypes() {
		if seen[typ] {
			t.Errorf("%s listed twice", typ)
		}
		seen[typ] = true
		spec, ok := LookupAction(typ)
		if !ok || spec.Type != typ {
			t.Fatalf("LookupAction(%q) = %v, %v", typ, spec, ok)
		}
		if spec.Category == 0 {
			t.Errorf("%s has no category", typ)
		}
		for _, g := range spec.OneOf {
			for _, p := range g.Params {
				if _, ok := spec.Param(p); !ok {
					t.Errorf("%s: one-of group names unknown parameter %s", typ, p)
				}
			}
		}
		if spec.Terminal && (len(spec.Errors) > 0 || spec.Conditions != nil) {
			t.Errorf("%s is terminal but has branches", typ)
		}
		if c := spec.Conditions; c != nil {
			for _, r := range c.Required {
				if c.Values != nil && !contains(c.Values, r) {
					t.Errorf("%s requires condition %q that is not among its values", typ, r)
				}
			}
		}
	}
	for _, typ := range []string{"MessageParticipant", "MessageParticipantIteratively", "GetParticipantInput",
		"ConnectParticipantWithLexBot", "UpdateContactAttributes", "UpdateFlowAttributes", "Compare", "InvokeLambdaFunction",
		"UpdateContactTargetQueue", "TransferContactToQueue", "TransferToFlow", "InvokeFlowModule", "EndFlowModuleExecution",
		"TransferParticipantToThirdParty", "CheckHoursOfOperation", "CheckMetricData", "GetMetricData", "Loop", "Wait",
		"DistributeByPercentage", "EndFlowExecution", "DisconnectParticipant", "UpdateFlowLoggingBehavior",
		"UpdateContactRecordingBehavior", "UpdateContactEventHooks", "UpdateContactTextToSpeechVoice", "UpdateContactData",
		"UpdateContactRoutingBehavior", "UpdateContactMediaStreamingBehavior", "TagContact", "UnTagContact", "CreateCallbackContact"} {
		if !seen[typ] {
			t.Errorf("required action type %s is not in the catalogue", typ)
		}
	}
	if s, ok := LookupAction("UpdateRoutingCriteria"); !ok || s.Type != "UpdateContactRoutingCriteria" {
		t.Errorf("alias UpdateRoutingCriteria not found")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
