package flow

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// one wraps a single action into a current-format document.
func one(action string) string {
	return `{"Version":"2019-10-30","StartAction":"a","Metadata":{},"Actions":[` + action + `]}`
}

func mustParse(t *testing.T, doc string) *Flow {
	t.Helper()
	f, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return f
}

func TestParseNormalisesLenientValues(t *testing.T) {
	tests := []struct {
		name   string
		action string
		want   map[string]any
	}{
		{"number becomes string",
			`{"Identifier":"a","Type":"Loop","Parameters":{"LoopCount":3}}`,
			map[string]any{"LoopCount": "3"}},
		{"number keeps its spelling",
			`{"Identifier":"a","Type":"InvokeLambdaFunction","Parameters":{"InvocationTimeLimitSeconds":8.0}}`,
			map[string]any{"InvocationTimeLimitSeconds": "8.0"}},
		{"JSON boolean becomes True/False",
			`{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"StoreInput":true}}`,
			map[string]any{"StoreInput": "True"}},
		{"boolean string in any case",
			`{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"StoreInput":"false"}}`,
			map[string]any{"StoreInput": "False"}},
		{"nested boolean normalised by the catalogue",
			`{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"DTMFConfiguration":{"DisableCancelKey":false}}}`,
			map[string]any{"DTMFConfiguration": map[string]any{"DisableCancelKey": "False"}}},
		{"map values become strings",
			`{"Identifier":"a","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"n":5,"b":true}}}`,
			map[string]any{"Attributes": map[string]any{"n": "5", "b": "True"}}},
		{"free-form values are kept",
			`{"Identifier":"a","Type":"ShowView","Parameters":{"ViewData":{"Copyable":true,"N":2}}}`,
			map[string]any{"ViewData": map[string]any{"Copyable": true, "N": json.Number("2")}}},
		{"null parameter is dropped",
			`{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"hi","PromptId":null}}`,
			map[string]any{"Text": "hi"}},
		{"lone list element is wrapped",
			`{"Identifier":"a","Type":"Wait","Parameters":{"Events":"CustomerReturned"}}`,
			map[string]any{"Events": []any{"CustomerReturned"}}},
		{"alias Wait.TimeoutSeconds",
			`{"Identifier":"a","Type":"Wait","Parameters":{"TimeoutSeconds":"20"}}`,
			map[string]any{"TimeLimitSeconds": "20"}},
		{"alias loses to the canonical name",
			`{"Identifier":"a","Type":"Wait","Parameters":{"TimeoutSeconds":"20","TimeLimitSeconds":"30"}}`,
			map[string]any{"TimeLimitSeconds": "30", "TimeoutSeconds": "20"}},
		{"exact name wins over a case variant",
			`{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"STOREINPUT":"False","StoreInput":"True"}}`,
			map[string]any{"StoreInput": "True", "STOREINPUT": "False"}},
		{"exact field name wins in nested objects",
			`{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Media":{"URI":"a","Uri":"b"}}}`,
			map[string]any{"Media": map[string]any{"Uri": "b", "URI": "a"}}},
		{"parameter name in the wrong case",
			`{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"storeinput":"True"}}`,
			map[string]any{"StoreInput": "True"}},
		{"unknown parameter kept, scalar as string",
			`{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Colour":7}}`,
			map[string]any{"Colour": "7"}},
		{"parameters of an unknown type kept",
			`{"Identifier":"a","Type":"FutureAction","Parameters":{"X":false,"Y":{"Z":1}}}`,
			map[string]any{"X": "False", "Y": map[string]any{"Z": json.Number("1")}}},
		{"null Parameters", `{"Identifier":"a","Type":"TransferContactToQueue","Parameters":null}`, map[string]any{}},
		{"missing Parameters", `{"Identifier":"a","Type":"DisconnectParticipant"}`, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, one(tt.action))
			if got := f.Actions[0].Parameters; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parameters = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseRenamesTypeAliases(t *testing.T) {
	for in, want := range map[string]string{
		"UpdateRoutingCriteria": "UpdateContactRoutingCriteria",
		"messageparticipant":    "MessageParticipant",
		"MessageParticipant":    "MessageParticipant",
		"SomethingNew":          "SomethingNew",
	} {
		f := mustParse(t, one(`{"Identifier":"a","Type":"`+in+`"}`))
		if got := f.Actions[0].Type; got != want {
			t.Errorf("Type %q parsed as %q, want %q", in, got, want)
		}
	}
}

func TestParseTreatsEmptyAndMissingListsAlike(t *testing.T) {
	docs := []string{
		`{"Identifier":"a","Type":"DisconnectParticipant","Transitions":{}}`,
		`{"Identifier":"a","Type":"DisconnectParticipant","Transitions":null}`,
		`{"Identifier":"a","Type":"DisconnectParticipant"}`,
		`{"Identifier":"a","Type":"DisconnectParticipant","Transitions":{"Conditions":[],"Errors":[]}}`,
		`{"Identifier":"a","Type":"DisconnectParticipant","Transitions":{"NextAction":null,"Conditions":null,"Errors":null}}`,
	}
	for _, d := range docs {
		f := mustParse(t, one(d))
		if tr := f.Actions[0].Transitions; !reflect.DeepEqual(tr, Transitions{}) {
			t.Errorf("%s: Transitions = %#v, want empty", d, tr)
		}
	}
}

func TestParseAcceptsAFlowWithoutActionsYet(t *testing.T) {
	for _, doc := range []string{`{"Version":"2019-10-30"}`, `{"StartAction":"a"}`, `{"Actions":[]}`} {
		f := mustParse(t, doc)
		if len(f.Actions) != 0 || f.Format != FormatCurrent {
			t.Errorf("%s: parsed as %+v", doc, f)
		}
	}
}

func TestParseReadsTransitions(t *testing.T) {
	f := mustParse(t, one(`{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.x"},
		"Transitions":{"NextAction":"b",
			"Conditions":[{"NextAction":"c","Condition":{"Operator":"NumberGreaterThan","Operands":[5]}},
			              {"NextAction":"d","Condition":{"Operator":"Equals","Operands":"x"}},
			              {"NextAction":"e","Condition":{"Operator":"And","Operands":[{"Operator":"Equals","Operands":["y"]}]}}],
			"Errors":[{"NextAction":"b","ErrorType":"NoMatchingCondition"}]}}`))
	want := Transitions{
		NextAction: "b",
		Conditions: []ConditionTransition{
			{NextAction: "c", Condition: Condition{Operator: "NumberGreaterThan", Operands: []Operand{{Value: "5"}}}},
			{NextAction: "d", Condition: Condition{Operator: "Equals", Operands: []Operand{{Value: "x"}}}},
			{NextAction: "e", Condition: Condition{Operator: "And", Operands: []Operand{
				{Condition: &Condition{Operator: "Equals", Operands: []Operand{{Value: "y"}}}}}}},
		},
		Errors: []ErrorTransition{{NextAction: "b", ErrorType: "NoMatchingCondition"}},
	}
	if got := f.Actions[0].Transitions; !reflect.DeepEqual(got, want) {
		t.Errorf("Transitions = %#v\nwant %#v", got, want)
	}
}

func TestParseToleratesUnknownAndMiscasedFields(t *testing.T) {
	f := mustParse(t, "\xef\xbb\xbf"+`{"version":"2019-10-30","startAction":"a","Exported":"2024-01-01","actions":[
		{"identifier":"a","type":"DisconnectParticipant","Colour":"blue"}],"metadata":{"name":"x"}}`)
	if f.Version != CurrentVersion || f.StartAction != "a" || len(f.Actions) != 1 || f.Actions[0].Identifier != "a" {
		t.Fatalf("parsed %+v", f)
	}
	if f.Metadata.Name != "x" {
		t.Errorf("Metadata.Name = %q", f.Metadata.Name)
	}
	if f.Format != FormatCurrent {
		t.Errorf("Format = %v", f.Format)
	}
}

func TestParseRejectsUnusableDocuments(t *testing.T) {
	tests := []struct {
		name, doc  string
		err        error
		line, col  int
		path, text string
	}{
		{"empty", "", ErrEmpty, 0, 0, "", "flow: empty document"},
		{"white space", " \n\t", ErrEmpty, 0, 0, "", ""},
		{"not JSON", "hello", ErrSyntax, 1, 1, "", "line 1, column 1: invalid JSON"},
		{"truncated", "{\n  \"Actions\": [\n    {\"Identifier\": \"a\"", ErrSyntax, 3, 23, "", "line 3, column 23"},
		{"syntax error on line 3", "{\n \"Actions\": [\n  ,]}", ErrSyntax, 3, 3, "", "line 3, column 3"},
		{"array", "[1,2]", ErrNotObject, 0, 0, "", "the document is a JSON array"},
		{"null", "null", ErrNotObject, 0, 0, "", "the document is null"},
		{"number", "42", ErrNotObject, 0, 0, "", "JSON number"},
		{"string", `"flow"`, ErrNotObject, 0, 0, "", "JSON string"},
		{"not a flow", `{"name":"x","Type":"CONTACT_FLOW"}`, ErrNotFlow, 0, 0, "", "neither"},
		{"trailing data", "{\"Actions\":[]}\n  x", ErrSyntax, 2, 3, "", "unexpected data after the document"},
		{"Actions not a list", `{"Actions":{}}`, ErrType, 0, 0, "Actions", "Actions: wrong type: got object, want array"},
		{"action not an object", `{"Actions":[1]}`, ErrType, 0, 0, "Actions[0]", ""},
		{"Identifier not a string", `{"Actions":[{"Identifier":{}}]}`, ErrType, 0, 0, "Actions[0].Identifier", ""},
		{"Parameters not an object", `{"Actions":[{"Parameters":[]}]}`, ErrType, 0, 0, "Actions[0].Parameters", ""},
		{"Conditions not a list", `{"Actions":[{"Transitions":{"Conditions":{}}}]}`, ErrType, 0, 0, "Actions[0].Transitions.Conditions", ""},
		{"Error not an object", `{"Actions":[{"Transitions":{"Errors":["x"]}}]}`, ErrType, 0, 0, "Actions[0].Transitions.Errors[0]", ""},
		{"operand of a bad type", `{"Actions":[{"Transitions":{"Conditions":[{"Condition":{"Operands":[[1]]}}]}}]}`, ErrType, 0, 0,
			"Actions[0].Transitions.Conditions[0].Condition.Operands[0]", ""},
		{"Metadata not an object", `{"Actions":[],"Metadata":[]}`, ErrNotObject, 0, 0, "Metadata", ""},
		{"Settings not an object", `{"Actions":[],"Settings":"x"}`, ErrType, 0, 0, "Settings", ""},
		{"StartAction not a string", `{"Actions":[],"StartAction":[]}`, ErrType, 0, 0, "StartAction", ""},
		{"old format: modules not a list", `{"modules":{}}`, ErrType, 1, 12, "modules", "modules: wrong type"},
		{"old format: branches not a list", `{"modules":[{"branches":1}]}`, ErrType, 0, 0, "modules.branches", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", f)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error %q does not wrap %q", err, tt.err)
			}
			if tt.line != 0 && (pe.Line != tt.line || pe.Column != tt.col) {
				t.Errorf("location %d:%d, want %d:%d (%v)", pe.Line, pe.Column, tt.line, tt.col, err)
			}
			if pe.Path != tt.path {
				t.Errorf("Path = %q, want %q (%v)", pe.Path, tt.path, err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

func TestParseReadsMetadata(t *testing.T) {
	f := mustParse(t, `{"Version":"2019-10-30","StartAction":"a","Actions":[],
		"Metadata":{"entryPointPosition":{"x":20,"y":-5.5},"name":"Main","type":"contactFlow","status":"published",
		"ActionMetadata":{
			"a":{"position":{"x":1,"y":2},"isFriendlyName":true,
			     "parameters":{"LambdaFunctionARN":{"displayName":"lookup"},"LexV2Bot":{"AliasArn":{"displayName":"Bot"}}}},
			"b":{"queue":{"id":"arn:q","text":"Sales"},"ContactFlow":{"text":"Main flow"},"contactFlow":{"text":"Hold flow"}},
			"c":{"audio":[{"type":"Text"},{"type":"Prompt","text":"music.wav"}],"parameters":{"Messages":{"0":{"PromptId":{"displayName":"beep.wav"}}}}},
			"d":"not an object"}}}`)
	md := f.Metadata
	if md.EntryPointPosition == nil || *md.EntryPointPosition != (Position{X: 20, Y: -5.5}) {
		t.Errorf("entryPointPosition = %v", md.EntryPointPosition)
	}
	if md.Name != "Main" || md.Type != "contactFlow" || md.Status != "published" {
		t.Errorf("name/type/status = %q %q %q", md.Name, md.Type, md.Status)
	}
	if f.Type() != "CONTACT_FLOW" {
		t.Errorf("Type() = %q", f.Type())
	}
	a := md.Actions["a"]
	if !a.IsFriendlyName || a.Position == nil || a.Position.Y != 2 {
		t.Errorf("action a metadata = %+v", a)
	}
	for _, tc := range []struct{ id, param, want string }{
		{"a", "LambdaFunctionARN", "lookup"},
		{"a", "LexV2Bot.AliasArn", "Bot"},
		{"b", "QueueId", "Sales"},
		{"b", "ContactFlowId", "Main flow"},
		{"b", "EventHooks", "Hold flow"},
		{"c", "Messages[0].PromptId", "beep.wav"},
		{"c", "Messages[1].PromptId", "music.wav"},
		{"d", "QueueId", ""},
		{"a", "LexV2Bot", "Bot"},                       // a member's name
		{"b", "EventHooks.CustomerQueue", "Hold flow"}, // the parent's name
		{"a", "", ""},
		{"zz", "QueueId", ""},
	} {
		if got := md.DisplayName(tc.id, tc.param); got != tc.want {
			t.Errorf("DisplayName(%q, %q) = %q, want %q", tc.id, tc.param, got, tc.want)
		}
	}
}

func TestParseReadsModuleSettings(t *testing.T) {
	f := mustParse(t, `{"Version":"2019-10-30","StartAction":"a","Actions":[],
		"Settings":{"InputParameters":[{"Name":"x"}],"OutputParameters":null,
		"Transitions":[{"DisplayName":"Success","ReferenceName":"Success","Description":""},{"DisplayName":"Error","ReferenceName":"Error"}]}}`)
	want := &Settings{
		InputParameters: []map[string]any{{"Name": "x"}},
		Transitions:     []ModuleTransition{{"Success", "Success", ""}, {"Error", "Error", ""}},
	}
	if !reflect.DeepEqual(f.Settings, want) {
		t.Errorf("Settings = %#v", f.Settings)
	}
	if f.Type() != "FLOW_MODULE" {
		t.Errorf("Type() = %q", f.Type())
	}
}

func TestMarshalWritesTheCurrentFormat(t *testing.T) {
	f := &Flow{StartAction: "a", Actions: []Action{
		{Identifier: "a", Type: "MessageParticipant", Parameters: map[string]any{"Text": "hi"},
			Transitions: Transitions{NextAction: "b"}},
		{Identifier: "b", Type: "DisconnectParticipant"},
	}}
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2019-10-30","StartAction":"a","Metadata":{},"Actions":[` +
		`{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"hi"},"Transitions":{"NextAction":"b"}},` +
		`{"Identifier":"b","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
	if string(out) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", out, want)
	}
}

func TestMarshalWritesTypedMetadataWithoutRaw(t *testing.T) {
	f := &Flow{StartAction: "a", Actions: []Action{{Identifier: "a", Type: "TransferToFlow",
		Parameters: map[string]any{"ContactFlowId": ""}}},
		Metadata: Metadata{Name: "Main", Actions: map[string]ActionMetadata{
			"a": {Position: &Position{X: 1, Y: 2}, DisplayNames: map[string]string{"ContactFlowId": "Other", "Messages[0].PromptId": "p"}},
		}}}
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, string(out))
	if g.Metadata.Name != "Main" {
		t.Errorf("name lost: %s", out)
	}
	for param, want := range map[string]string{"ContactFlowId": "Other", "Messages[0].PromptId": "p"} {
		if got := g.Metadata.DisplayName("a", param); got != want {
			t.Errorf("DisplayName(%q) = %q after a round trip, want %q: %s", param, got, want, out)
		}
	}
}

func TestFlowUnmarshalJSONAcceptsBothFormats(t *testing.T) {
	var doc struct {
		Flows []Flow `json:"flows"`
	}
	in := `{"flows":[` + one(`{"Identifier":"a","Type":"DisconnectParticipant"}`) +
		`,{"modules":[{"id":"m","type":"Disconnect","branches":[],"parameters":[]}],"version":"1","start":"m"}]}`
	if err := json.Unmarshal([]byte(in), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Flows) != 2 || doc.Flows[1].Actions[0].Type != "DisconnectParticipant" || doc.Flows[1].Format != FormatLegacy {
		t.Errorf("flows = %+v", doc.Flows)
	}
	if err := json.Unmarshal([]byte(`{"flows":[[]]}`), &doc); !errors.Is(err, ErrNotObject) {
		t.Errorf("bad flow: error %v, want ErrNotObject", err)
	}
}

func TestActionParamAccessors(t *testing.T) {
	f := mustParse(t, one(`{"Identifier":"a","Type":"GetParticipantInput","Parameters":{
		"StoreInput":"true","InputTimeLimitSeconds":5,"DTMFConfiguration":{"DisableCancelKey":"False"},
		"Bad":"maybe","List":[1]}}`))
	a := &f.Actions[0]
	if got := a.StringParam("InputTimeLimitSeconds"); got != "5" {
		t.Errorf("StringParam = %q", got)
	}
	if got := a.StringParam("DTMFConfiguration"); got != "" {
		t.Errorf("StringParam of an object = %q", got)
	}
	if v, ok := a.BoolParam("StoreInput"); !v || !ok {
		t.Errorf("BoolParam(StoreInput) = %v, %v", v, ok)
	}
	if _, ok := a.BoolParam("Bad"); ok {
		t.Error("BoolParam(Bad) ok")
	}
	if _, ok := a.BoolParam("Missing"); ok {
		t.Error("BoolParam(Missing) ok")
	}
	if m := a.MapParam("DTMFConfiguration"); m["DisableCancelKey"] != "False" {
		t.Errorf("MapParam = %v", m)
	}
	if l := a.ListParam("List"); len(l) != 1 {
		t.Errorf("ListParam = %v", l)
	}
	g := mustParse(t, one(`{"Identifier":"a","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"a":"1","b":2,"c":{}}}}`))
	if got := g.Actions[0].StringMapParam("Attributes"); !reflect.DeepEqual(got, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("StringMapParam = %v", got)
	}
}

func TestActionTargetsAndIndex(t *testing.T) {
	a := Action{Transitions: Transitions{NextAction: "b",
		Conditions: []ConditionTransition{{NextAction: "c"}, {NextAction: "b"}},
		Errors:     []ErrorTransition{{NextAction: "d", ErrorType: "NoMatchingError"}, {NextAction: ""}}}}
	if got := a.Targets(); !reflect.DeepEqual(got, []string{"b", "c", "d"}) {
		t.Errorf("Targets = %v", got)
	}
	if got := a.Transitions.ErrorTarget("NoMatchingError"); got != "d" {
		t.Errorf("ErrorTarget = %q", got)
	}
	f := &Flow{Actions: []Action{{Identifier: "x", Type: "A"}, {Identifier: "x", Type: "B"}}}
	if got := f.ActionIndex()["x"].Type; got != "A" {
		t.Errorf("ActionIndex keeps %q, want the first", got)
	}
}
