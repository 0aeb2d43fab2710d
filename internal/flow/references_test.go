package flow

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReferencesListsResourcesAndPlaceholders(t *testing.T) {
	doc := `{"Version":"2019-10-30","StartAction":"f","Actions":[
		{"Identifier":"f","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"{{lambdaFunctions.lookup.arn}}",
			"InvocationTimeLimitSeconds":"8","LambdaInvocationAttributes":{"k":"v"}}},
		{"Identifier":"q","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"arn:aws:connect:us-east-1:1:instance/i/queue/q1"}},
		{"Identifier":"h","Type":"UpdateContactEventHooks","Parameters":{"EventHooks":{"CustomerQueue":"%%QUEUE_FLOW%%"}}},
		{"Identifier":"m","Type":"MessageParticipantIteratively","Parameters":{"Messages":[{"Text":"hold"},{"PromptId":"6c6d3f8e-1c43-4f0e-9d5e-2f6f3b7a9c11"}]}},
		{"Identifier":"x","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"fn":{"Value":"${TIMESTAMPER}"}}}},
		{"Identifier":"l","Type":"ConnectParticipantWithLexBot","Parameters":{"LexV2Bot":{"AliasArn":"$.Attributes.bot"}}},
		{"Identifier":"t","Type":"TransferToFlow","Parameters":{"ContactFlowId":""}},
		{"Identifier":"v","Type":"ShowView","Parameters":{"ViewResource":{"Id":"form","Version":"Latest"},"ViewData":{"Heading":"${TITLE}"}}},
		{"Identifier":"u","Type":"Unknown","Parameters":{"A":"plain","B":"{{x}}"}}],
		"Metadata":{"ActionMetadata":{
			"f":{"parameters":{"LambdaFunctionARN":{"displayName":"lookup"}}},
			"q":{"queue":{"id":"arn","text":"Sales"}},
			"h":{"contactFlow":{"text":"Queue flow"}},
			"m":{"audio":[{"type":"Text"},{"type":"Prompt","text":"music.wav"}]},
			"l":{"lexV2BotName":"Booking"},
			"t":{"ContactFlow":{"text":"Other flow"}}}}}`
	want := []Reference{
		{Action: "f", Type: "InvokeLambdaFunction", Param: "LambdaFunctionARN", Resource: ResourceFunction,
			Value: "{{lambdaFunctions.lookup.arn}}", Form: FormPlaceholder, DisplayName: "lookup"},
		{Action: "q", Type: "UpdateContactTargetQueue", Param: "QueueId", Resource: ResourceQueue,
			Value: "arn:aws:connect:us-east-1:1:instance/i/queue/q1", Form: FormARN, DisplayName: "Sales"},
		{Action: "h", Type: "UpdateContactEventHooks", Param: "EventHooks.CustomerQueue", Resource: ResourceFlow,
			Value: "%%QUEUE_FLOW%%", Form: FormPlaceholder, DisplayName: "Queue flow"},
		{Action: "m", Type: "MessageParticipantIteratively", Param: "Messages[1].PromptId", Resource: ResourcePrompt,
			Value: "6c6d3f8e-1c43-4f0e-9d5e-2f6f3b7a9c11", Form: FormID, DisplayName: "music.wav"},
		{Action: "x", Type: "UpdateFlowAttributes", Param: "FlowAttributes.fn.Value",
			Value: "${TIMESTAMPER}", Form: FormPlaceholder},
		{Action: "l", Type: "ConnectParticipantWithLexBot", Param: "LexV2Bot.AliasArn", Resource: ResourceLexBot,
			Value: "$.Attributes.bot", Form: FormJSONPath, DisplayName: "Booking"},
		{Action: "t", Type: "TransferToFlow", Param: "ContactFlowId", Resource: ResourceFlow,
			Value: "", Form: FormEmpty, DisplayName: "Other flow"},
		{Action: "v", Type: "ShowView", Param: "ViewResource.Id", Resource: ResourceView, Value: "form", Form: FormName},
		{Action: "v", Type: "ShowView", Param: "ViewData.Heading", Value: "${TITLE}", Form: FormPlaceholder},
		{Action: "u", Type: "Unknown", Param: "B", Value: "{{x}}", Form: FormPlaceholder},
	}
	got := mustParse(t, doc).References()
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w Reference
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("reference %d:\n got  %+v\n want %+v", i, g, w)
			}
		}
	}
}

func TestReferencesOfAnOldFormatExportKeepResourceNames(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "connect", "013.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, string(data))
	want := map[string]Reference{
		"QueueId": {Action: "cc7f800e-5c27-4d6a-942a-80b3454e2cda", Type: "UpdateContactTargetQueue", Param: "QueueId",
			Resource: ResourceQueue, Value: "", Form: FormEmpty, DisplayName: "BasicQueue"},
		"EventHooks.AgentWhisper": {Action: "91148bad-401e-4e0d-b806-3aa879a9a71b", Type: "UpdateContactEventHooks",
			Param: "EventHooks.AgentWhisper", Resource: ResourceFlow, Value: "", Form: FormEmpty, DisplayName: "RecordLastAgent"},
		"LambdaFunctionARN": {Action: "e607e3d3-1126-4552-9158-11d2d31acede", Type: "InvokeLambdaFunction",
			Param: "LambdaFunctionARN", Resource: ResourceFunction, Value: "GetUserDataLambda", Form: FormName},
	}
	for _, r := range f.References() {
		if w, ok := want[r.Param]; ok && r.Action == w.Action {
			if r != w {
				t.Errorf("reference\n got  %+v\n want %+v", r, w)
			}
			delete(want, r.Param)
		}
	}
	for _, w := range want {
		t.Errorf("missing reference %+v", w)
	}
}

func TestFormOf(t *testing.T) {
	for in, want := range map[string]ValueForm{
		"":                                     FormEmpty,
		"  ":                                   FormEmpty,
		"${SalesQueue}":                        FormPlaceholder,
		"{{lambdaFunctions.x.arn}}":            FormPlaceholder,
		"%%KVS_TRIGGER_ARN%%":                  FormPlaceholder,
		"${VMPLAYERVIEWARN}:$LATEST":           FormPlaceholder,
		"$.FlowAttributes.vmx3_queue_flow":     FormJSONPath,
		"arn:aws:lambda:r:1:function:f":        FormARN,
		"0b5f3c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c": FormID,
		"ENTER LAMBDA HERE":                    FormName,
		"$LATEST":                              FormName,
		"100%":                                 FormName,
	} {
		if got := FormOf(in); got != want {
			t.Errorf("FormOf(%q) = %s, want %s", in, got, want)
		}
	}
	if got := Placeholders("a ${X} b {{y.z}} c %%W%% d"); !reflect.DeepEqual(got, []string{"${X}", "{{y.z}}", "%%W%%"}) {
		t.Errorf("Placeholders = %q", got)
	}
}

// TestCorpusReferencesAreClassified checks every reference in the corpus
// has a resource kind or a placeholder, and that binding has something to
// go on (a value or a display name) for the resources that are not chosen
// at run time.
func TestCorpusReferencesAreClassified(t *testing.T) {
	forms := map[ValueForm]int{}
	for _, path := range corpusFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := mustParse(t, string(data))
		for _, r := range f.References() {
			forms[r.Form]++
			if r.Resource == "" && r.Form != FormPlaceholder {
				t.Errorf("%s: %+v has neither a resource kind nor a placeholder", filepath.Base(path), r)
			}
			if r.Form == FormEmpty && r.DisplayName == "" {
				t.Logf("%s: %s %s is empty and has no display name", filepath.Base(path), r.Action, r.Param)
			}
		}
	}
	t.Logf("reference forms in the corpus: %v", forms)
	for _, f := range []ValueForm{FormARN, FormJSONPath, FormPlaceholder, FormName, FormEmpty} {
		if forms[f] == 0 {
			t.Errorf("no %s reference in the corpus; the classifier is likely broken", f)
		}
	}
}
