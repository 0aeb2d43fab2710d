package flow

import (
	"reflect"
	"strings"
	"testing"
)

// legacyDoc wraps old-format modules into a document starting at "m".
func legacyDocOf(modules ...string) string {
	return `{"modules":[` + strings.Join(modules, ",") + `],"version":"1","type":"contactFlow","start":"m",
		"metadata":{"entryPointPosition":{"x":20,"y":20},"name":"Old flow","description":null,"type":"contactFlow","status":"published","hash":"abc"}}`
}

// params is shorthand for Action.Parameters in expectations.
type params = map[string]any

func next1(id string) Transitions { return Transitions{NextAction: id} }

func eq(v string) Condition { return Condition{Operator: OpEquals, Operands: []Operand{{Value: v}}} }

func TestLegacyModulesConvertToActions(t *testing.T) {
	tests := []struct {
		name   string
		module string
		want   Action
		names  map[string]string // expected display names
		notes  int
	}{
		{"PlayPrompt text",
			`{"id":"m","type":"PlayPrompt","branches":[{"condition":"Success","transition":"x"}],
			  "parameters":[{"name":"Text","value":"Hello","namespace":null},{"name":"TextToSpeechType","value":"text"}]}`,
			Action{Type: "MessageParticipant", Parameters: params{"Text": "Hello"}, Transitions: next1("x")}, nil, 0},
		{"PlayPrompt dynamic SSML",
			`{"id":"m","type":"PlayPrompt","branches":[{"condition":"Success","transition":"x"}],
			  "parameters":[{"name":"Text","value":"GREETING","namespace":"External"},{"name":"TextToSpeechType","value":"ssml"}]}`,
			Action{Type: "MessageParticipant", Parameters: params{"SSML": "$.External.GREETING"}, Transitions: next1("x")}, nil, 0},
		{"PlayPrompt audio prompt keeps its name",
			`{"id":"m","type":"PlayPrompt","branches":[{"condition":"Success","transition":"x"}],
			  "parameters":[{"name":"AudioPrompt","value":"arn:aws:connect:r:1:instance/i/prompt/p","namespace":null,"resourceName":"Beep.wav"}]}`,
			Action{Type: "MessageParticipant", Parameters: params{"PromptId": "arn:aws:connect:r:1:instance/i/prompt/p"}, Transitions: next1("x")},
			map[string]string{"PromptId": "Beep.wav"}, 0},
		{"GetUserInput menu",
			`{"id":"m","type":"GetUserInput","target":"Digits","branches":[
			  {"condition":"Evaluate","conditionType":"Equals","conditionValue":"1","transition":"one"},
			  {"condition":"Timeout","transition":"t"},{"condition":"NoMatch","transition":"n"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Text","value":"Press 1"},{"name":"TextToSpeechType","value":"text"},{"name":"Timeout","value":"8"},{"name":"MaxDigits","value":"1"}]}`,
			Action{Type: "GetParticipantInput",
				Parameters: params{"Text": "Press 1", "StoreInput": "False", "InputTimeLimitSeconds": "8"},
				Transitions: Transitions{NextAction: "n",
					Conditions: []ConditionTransition{{NextAction: "one", Condition: eq("1")}},
					Errors: []ErrorTransition{{"t", "InputTimeLimitExceeded"}, {"n", ErrorNoMatchingCondition},
						{"e", ErrorNoMatchingError}}}}, nil, 0},
		{"GetUserInput without a timeout",
			`{"id":"m","type":"GetUserInput","target":"Digits","branches":[{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Text","value":"Press 1"}]}`,
			Action{Type: "GetParticipantInput",
				Parameters:  params{"Text": "Press 1", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
				Transitions: Transitions{NextAction: "e", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}}, nil, 1},
		{"GetUserInput Lex",
			`{"id":"m","type":"GetUserInput","target":"Lex","branches":[
			  {"condition":"Evaluate","conditionType":"Equals","conditionValue":"CheckSchedule","transition":"c"},
			  {"condition":"NoMatch","transition":"n"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Text","value":"How can I help?"},{"name":"BotName","value":"Cable"},
			  {"name":"BotAlias","value":"$LATEST"},{"name":"BotRegion","value":"us-west-2"},
			  {"name":"Parameter","key":"lang","value":"language","namespace":"User Defined"}]}`,
			Action{Type: "ConnectParticipantWithLexBot",
				Parameters: params{"Text": "How can I help?",
					"LexBot":               map[string]any{"Name": "Cable", "Alias": "$LATEST", "Region": "us-west-2"},
					"LexSessionAttributes": map[string]any{"lang": "$.Attributes.language"}},
				Transitions: Transitions{NextAction: "n",
					Conditions: []ConditionTransition{{NextAction: "c", Condition: eq("CheckSchedule")}},
					Errors:     []ErrorTransition{{"n", ErrorNoMatchingCondition}, {"e", ErrorNoMatchingError}}}}, nil, 0},
		{"StoreUserInput custom",
			`{"id":"m","type":"StoreUserInput","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Text","value":"Enter your PIN"},{"name":"TextToSpeechType","value":"text"},
			  {"name":"CustomerInputType","value":"Custom"},{"name":"Timeout","value":"5"},{"name":"MaxDigits","value":4},
			  {"name":"EncryptEntry","value":"false"},{"name":"TerminatorDigits","value":"#"},{"name":"DisableCancel","value":false}]}`,
			Action{Type: "GetParticipantInput",
				Parameters: params{"Text": "Enter your PIN", "StoreInput": "True", "InputTimeLimitSeconds": "5",
					"InputValidation":   map[string]any{"CustomValidation": map[string]any{"MaximumLength": "4"}},
					"DTMFConfiguration": map[string]any{"InputTerminationSequence": "#", "DisableCancelKey": "False"}},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}}, nil, 0},
		{"StoreUserInput phone number",
			`{"id":"m","type":"StoreUserInput","branches":[{"condition":"Success","transition":"s"},{"condition":"InvalidNumber","transition":"i"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Text","value":"Your number?"},{"name":"CustomerInputType","value":"PhoneNumber"},
			  {"name":"PhoneNumberFormat","value":"Local"},{"name":"CountryCode","value":"US"},{"name":"Timeout","value":"7"}]}`,
			Action{Type: "GetParticipantInput",
				Parameters: params{"Text": "Your number?", "StoreInput": "True", "InputTimeLimitSeconds": "7",
					"InputValidation": map[string]any{"PhoneNumberValidation": map[string]any{"NumberFormat": "Local", "CountryCode": "US"}}},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"i", "InvalidPhoneNumber"}, {"e", ErrorNoMatchingError}}}}, nil, 0},
		{"CheckAttribute on a system value",
			`{"id":"m","type":"CheckAttribute","branches":[
			  {"condition":"Evaluate","conditionType":"GreaterThan","conditionValue":"5","transition":"big"},
			  {"condition":"Evaluate","conditionType":"Contains","conditionValue":"x","transition":"x"},
			  {"condition":"NoMatch","transition":"n"}],
			  "parameters":[{"name":"Attribute","value":"Stored customer input"},{"name":"Namespace","value":"System"}]}`,
			Action{Type: "Compare", Parameters: params{"ComparisonValue": "$.StoredCustomerInput"},
				Transitions: Transitions{NextAction: "n",
					Conditions: []ConditionTransition{
						{NextAction: "big", Condition: Condition{Operator: OpNumberGreaterThan, Operands: []Operand{{Value: "5"}}}},
						{NextAction: "x", Condition: Condition{Operator: OpTextContains, Operands: []Operand{{Value: "x"}}}}},
					Errors: []ErrorTransition{{"n", ErrorNoMatchingCondition}}}}, nil, 0},
		{"CheckAttribute with an unknown condition type",
			`{"id":"m","type":"CheckAttribute","branches":[{"condition":"Evaluate","conditionType":"Regex","conditionValue":"a","transition":"a"}],
			  "parameters":[{"name":"Attribute","value":"x"},{"name":"Namespace","value":"User Defined"}]}`,
			Action{Type: "Compare", Parameters: params{"ComparisonValue": "$.Attributes.x"},
				Transitions: Transitions{Conditions: []ConditionTransition{{NextAction: "a", Condition: eq("a")}}}}, nil, 1},
		{"SetAttributes from every namespace",
			`{"id":"m","type":"SetAttributes","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Attribute","key":"lit","value":"1","namespace":null},
			  {"name":"Attribute","key":"ext","value":"Status","namespace":"External"},
			  {"name":"Attribute","key":"ani","value":"Customer Number","namespace":"System"},
			  {"name":"Attribute","key":"q","value":"Queue.Name","namespace":"System"},
			  {"name":"Attribute","key":"usr","value":"my key","namespace":"User Defined"}]}`,
			Action{Type: "UpdateContactAttributes", Parameters: params{"Attributes": map[string]any{
				"lit": "1", "ext": "$.External.Status", "ani": "$.CustomerEndpoint.Address", "q": "$.Queue.Name",
				"usr": "$.Attributes.['my key']"}},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}}, nil, 0},
		{"InvokeExternalResource",
			`{"id":"m","type":"InvokeExternalResource","target":"Lambda","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"FunctionArn","value":"arn:aws:lambda:r:1:function:f","namespace":null},{"name":"TimeLimit","value":"8"},
			  {"name":"Parameter","key":"n","value":"Dialed Number","namespace":"System"}]}`,
			Action{Type: "InvokeLambdaFunction", Parameters: params{"LambdaFunctionARN": "arn:aws:lambda:r:1:function:f",
				"InvocationTimeLimitSeconds": "8", "LambdaInvocationAttributes": map[string]any{"n": "$.SystemEndpoint.Address"}},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}}, nil, 0},
		{"SetQueue keeps the queue name",
			`{"id":"m","type":"SetQueue","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Queue","value":"","namespace":null,"resourceName":"BasicQueue"}]}`,
			Action{Type: "UpdateContactTargetQueue", Parameters: params{"QueueId": ""},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}},
			map[string]string{"QueueId": "BasicQueue"}, 0},
		{"SetQueue to a dynamic agent",
			`{"id":"m","type":"SetQueue","branches":[{"condition":"Success","transition":"s"}],
			  "parameters":[{"name":"Agent","value":"agent","namespace":"User Defined","resourceName":null}]}`,
			Action{Type: "UpdateContactTargetQueue", Parameters: params{"AgentId": "$.Attributes.agent"}, Transitions: next1("s")}, nil, 0},
		{"Transfer to queue",
			`{"id":"m","type":"Transfer","target":"Queue","branches":[{"condition":"AtCapacity","transition":"c"},{"condition":"Error","transition":"e"}],"parameters":[]}`,
			Action{Type: "TransferContactToQueue", Parameters: params{},
				Transitions: Transitions{Errors: []ErrorTransition{{"c", "QueueAtCapacity"}, {"e", ErrorNoMatchingError}}}}, nil, 0},
		{"Transfer to flow keeps the flow name",
			`{"id":"m","type":"Transfer","target":"Flow","branches":[{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"ContactFlowId","value":"arn:aws:connect:r:1:instance/i/contact-flow/f","resourceName":"Main"}]}`,
			Action{Type: "TransferToFlow", Parameters: params{"ContactFlowId": "arn:aws:connect:r:1:instance/i/contact-flow/f"},
				Transitions: Transitions{Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}},
			map[string]string{"ContactFlowId": "Main"}, 0},
		{"Transfer to a phone number",
			`{"id":"m","type":"Transfer","target":"PhoneNumber","branches":[{"condition":"Success","transition":"s"},
			  {"condition":"CallFailure","transition":"f"},{"condition":"Timeout","transition":"t"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"TimeLimit","value":"15"},{"name":"BlindTransfer","value":false},{"name":"PhoneNumber","value":"Callback","namespace":"External"}]}`,
			Action{Type: "TransferParticipantToThirdParty", Parameters: params{"ThirdPartyPhoneNumber": "$.External.Callback",
				"ThirdPartyConnectionTimeLimitSeconds": "15", "ContinueFlowExecution": "True"},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"f", "CallFailed"},
					{"t", "ConnectionTimeLimitExceeded"}, {"e", ErrorNoMatchingError}}}}, nil, 0},
		{"SetLoggingBehavior",
			`{"id":"m","type":"SetLoggingBehavior","branches":[{"condition":"Success","transition":"s"}],"parameters":[{"name":"LoggingBehavior","value":"Enable"}]}`,
			Action{Type: "UpdateFlowLoggingBehavior", Parameters: params{"FlowLoggingBehavior": "Enabled"}, Transitions: next1("s")}, nil, 0},
		{"SetVoice",
			`{"id":"m","type":"SetVoice","branches":[{"condition":"Success","transition":"s"}],
			  "parameters":[{"name":"GlobalVoice","value":"Joanna"},{"name":"GlobalEngine","value":"Neural"},{"name":"SpeakingStyle","value":"None"}]}`,
			Action{Type: "UpdateContactTextToSpeechVoice", Parameters: params{"TextToSpeechVoice": "Joanna",
				"TextToSpeechEngine": "Neural", "TextToSpeechStyle": "None"}, Transitions: next1("s")}, nil, 0},
		{"SetRecordingBehavior with analytics",
			`{"id":"m","type":"SetRecordingBehavior","branches":[{"condition":"Success","transition":"s"}],
			  "parameters":[{"name":"RecordingBehaviorOption","value":"Enable"},{"name":"RecordingParticipantOption","value":"Both"},
			  {"name":"AnalyticsBehaviorOption","value":"Enable"},{"name":"AnalyticsMode","value":"RealTime"},
			  {"name":"AnalyticsLanguageLocaleCode","value":"en-US"},{"name":"AnalyticsRedactionOption","value":"Enable"},
			  {"name":"AnalyticsRedactionPolicy","value":"RedactedAndOriginal"}]}`,
			Action{Type: "UpdateContactRecordingBehavior", Parameters: params{
				"RecordingBehavior": map[string]any{"RecordedParticipants": []any{"Agent", "Customer"}},
				"AnalyticsBehavior": map[string]any{"Enabled": "True", "AnalyticsMode": "RealTime", "AnalyticsLanguage": "en-US",
					"AnalyticsRedactionBehavior": "Enabled", "AnalyticsRedactionResults": "RedactedAndOriginal"}},
				Transitions: next1("s")}, nil, 0},
		{"SetRecordingBehavior off",
			`{"id":"m","type":"SetRecordingBehavior","branches":[{"condition":"Success","transition":"s"}],
			  "parameters":[{"name":"RecordingBehaviorOption","value":"Disable"},{"name":"RecordingParticipantOption","value":"Both"}]}`,
			Action{Type: "UpdateContactRecordingBehavior", Parameters: params{
				"RecordingBehavior": map[string]any{"RecordedParticipants": []any{}}}, Transitions: next1("s")}, nil, 0},
		{"StartMediaStreaming",
			`{"id":"m","type":"StartMediaStreaming","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Track","value":"FromCustomer"},{"name":"MediaStreamTypes","value":"Audio"}]}`,
			Action{Type: "UpdateContactMediaStreamingBehavior", Parameters: params{"MediaStreamingState": "Enabled", "MediaStreamType": "Audio",
				"Participants": []any{map[string]any{"ParticipantType": "Customer", "MediaDirections": []any{"From"}}}},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}}, nil, 0},
		{"StopMediaStreaming",
			`{"id":"m","type":"StopMediaStreaming","branches":[{"condition":"Success","transition":"s"}],
			  "parameters":[{"name":"Track","value":"FromCustomer"},{"name":"Track","value":"ToCustomer"}]}`,
			Action{Type: "UpdateContactMediaStreamingBehavior", Parameters: params{"MediaStreamingState": "Disabled", "MediaStreamType": "Audio",
				"Participants": []any{map[string]any{"ParticipantType": "Customer", "MediaDirections": []any{"From", "To"}}}},
				Transitions: next1("s")}, nil, 0},
		{"SetEventHook keeps the flow name",
			`{"id":"m","type":"SetEventHook","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Type","value":"CustomerQueue"},{"name":"ContactFlowId","value":"","resourceName":"Queue flow"}]}`,
			Action{Type: "UpdateContactEventHooks", Parameters: params{"EventHooks": map[string]any{"CustomerQueue": ""}},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}},
			map[string]string{"EventHooks.CustomerQueue": "Queue flow"}, 0},
		{"SetContactFlow",
			`{"id":"m","type":"SetContactFlow","branches":[{"condition":"Success","transition":"s"}],
			  "parameters":[{"name":"ContactFlowId","value":"","resourceName":"Whisper"},{"name":"Type","value":"AgentWhisper"}]}`,
			Action{Type: "UpdateContactEventHooks", Parameters: params{"EventHooks": map[string]any{"AgentWhisper": ""}}, Transitions: next1("s")},
			map[string]string{"EventHooks.AgentWhisper": "Whisper"}, 0},
		{"CheckStaffing",
			`{"id":"m","type":"CheckStaffing","branches":[{"condition":"True","transition":"y"},{"condition":"False","transition":"n"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Status","value":"Staffed"}]}`,
			Action{Type: "CheckMetricData", Parameters: params{"MetricType": "NumberOfAgentsStaffed"},
				Transitions: Transitions{NextAction: "n",
					Conditions: []ConditionTransition{{NextAction: "y", Condition: Condition{Operator: OpNumberGreaterThan, Operands: []Operand{{Value: "0"}}}}},
					Errors:     []ErrorTransition{{"n", ErrorNoMatchingCondition}, {"e", ErrorNoMatchingError}}}}, nil, 0},
		{"CheckQueueStatus",
			`{"id":"m","type":"CheckQueueStatus","branches":[{"condition":"CheckQueueTime","conditionType":"LessThan","conditionValue":300,"transition":"y"},
			  {"condition":"NoMatch","transition":"n"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Queue","value":"arn:q","namespace":null,"resourceName":"Sales"}]}`,
			Action{Type: "CheckMetricData", Parameters: params{"MetricType": "OldestContactInQueueAgeSeconds", "QueueId": "arn:q"},
				Transitions: Transitions{NextAction: "n",
					Conditions: []ConditionTransition{{NextAction: "y", Condition: Condition{Operator: OpNumberLessThan, Operands: []Operand{{Value: "300"}}}}},
					Errors:     []ErrorTransition{{"n", ErrorNoMatchingCondition}, {"e", ErrorNoMatchingError}}}},
			map[string]string{"QueueId": "Sales"}, 1},
		{"GetMetricData",
			`{"id":"m","type":"GetMetricData","branches":[{"condition":"Success","transition":"s"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Queue","value":"arn:q","namespace":null,"resourceName":"Sales"}]}`,
			Action{Type: "GetMetricData", Parameters: params{"QueueId": "arn:q"},
				Transitions: Transitions{NextAction: "s", Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}},
			map[string]string{"QueueId": "Sales"}, 0},
		{"LoopPrompts",
			`{"id":"m","type":"LoopPrompts","branches":[{"condition":"Timeout","transition":"t"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Text","value":"Please hold","key":"text"},{"name":"AudioPrompt","value":"arn:p","resourceName":"Jazz.wav"},
			  {"name":"InterruptSeconds","value":120}]}`,
			Action{Type: "MessageParticipantIteratively", Parameters: params{
				"Messages": []any{map[string]any{"Text": "Please hold"}, map[string]any{"PromptId": "arn:p"}}, "InterruptFrequencySeconds": "120"},
				Transitions: Transitions{Conditions: []ConditionTransition{{NextAction: "t", Condition: eq("MessagesInterrupted")}},
					Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}},
			map[string]string{"Messages[1].PromptId": "Jazz.wav"}, 0},
		{"Loop",
			`{"id":"m","type":"Loop","branches":[{"condition":"Looping","transition":"l"},{"condition":"Complete","transition":"c"}],
			  "parameters":[{"name":"LoopCount","value":"3"}]}`,
			Action{Type: "Loop", Parameters: params{"LoopCount": "3"},
				Transitions: Transitions{NextAction: "c", Conditions: []ConditionTransition{
					{NextAction: "l", Condition: eq("ContinueLooping")}, {NextAction: "c", Condition: eq("DoneLooping")}}}}, nil, 0},
		{"UpdateRoutingPriority",
			`{"id":"m","type":"UpdateRoutingPriority","branches":[{"condition":"Success","transition":"s"}],"parameters":[{"name":"AbsolutePosition","value":1}]}`,
			Action{Type: "UpdateContactRoutingBehavior", Parameters: params{"QueuePriority": "1"}, Transitions: next1("s")}, nil, 0},
		{"Wait",
			`{"id":"m","type":"Wait","branches":[{"condition":"Timeout","transition":"t"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"TimeoutSeconds","value":"20"}]}`,
			Action{Type: "Wait", Parameters: params{"TimeLimitSeconds": "20"},
				Transitions: Transitions{NextAction: "e", Conditions: []ConditionTransition{{NextAction: "t", Condition: eq("WaitCompleted")}},
					Errors: []ErrorTransition{{"e", ErrorNoMatchingError}}}}, nil, 0},
		{"CheckHoursOfOperation",
			`{"id":"m","type":"CheckHoursOfOperation","branches":[{"condition":"True","transition":"y"},{"condition":"False","transition":"n"},{"condition":"Error","transition":"e"}],
			  "parameters":[{"name":"Hours","value":"arn:h","resourceName":"Business hours"}]}`,
			Action{Type: "CheckHoursOfOperation", Parameters: params{"HoursOfOperationId": "arn:h"},
				Transitions: Transitions{NextAction: "e",
					Conditions: []ConditionTransition{{NextAction: "y", Condition: eq("True")}, {NextAction: "n", Condition: eq("False")}},
					Errors:     []ErrorTransition{{"e", ErrorNoMatchingError}}}},
			map[string]string{"HoursOfOperationId": "Business hours"}, 0},
		{"Disconnect", `{"id":"m","type":"Disconnect","branches":[],"parameters":[]}`,
			Action{Type: "DisconnectParticipant", Parameters: params{}}, nil, 0},
		{"Resume", `{"id":"m","type":"Resume","branches":[],"parameters":[]}`,
			Action{Type: "EndFlowExecution", Parameters: params{}}, nil, 0},
		{"unknown module type is kept",
			`{"id":"m","type":"Teleport","branches":[{"condition":"Success","transition":"s"},{"condition":"Beamed","transition":"b"}],
			  "parameters":[{"name":"Where","value":"Mars"}]}`,
			Action{Type: "Teleport", Parameters: params{"Where": "Mars"}, Transitions: next1("s")}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, legacyDocOf(tt.module))
			if f.Format != FormatLegacy {
				t.Errorf("Format = %v", f.Format)
			}
			tt.want.Identifier = "m"
			if got := f.Actions[0]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("converted to\n %#v\nwant\n %#v", got, tt.want)
			}
			for param, want := range tt.names {
				if got := f.Metadata.DisplayName("m", param); got != want {
					t.Errorf("DisplayName(%q) = %q, want %q", param, got, want)
				}
			}
			if len(f.ConversionNotes) != tt.notes {
				t.Errorf("notes = %+v, want %d", f.ConversionNotes, tt.notes)
			}
		})
	}
}

func TestLegacyDocumentKeepsFlowMetadata(t *testing.T) {
	f := mustParse(t, legacyDocOf(
		`{"id":"m","type":"PlayPrompt","branches":[{"condition":"Success","transition":"d"}],
		  "parameters":[{"name":"Text","value":"Bye"}],"metadata":{"position":{"x":5,"y":6},"useDynamic":false}}`,
		`{"id":"d","type":"Disconnect","branches":[],"parameters":[],"metadata":{"position":{"x":7,"y":8}}}`))
	if f.StartAction != "m" || f.Version != CurrentVersion {
		t.Errorf("StartAction %q Version %q", f.StartAction, f.Version)
	}
	if f.Metadata.Name != "Old flow" || f.Type() != "CONTACT_FLOW" {
		t.Errorf("name %q type %q", f.Metadata.Name, f.Type())
	}
	if p := f.Metadata.Actions["d"].Position; p == nil || *p != (Position{7, 8}) {
		t.Errorf("position = %v", p)
	}
	if lt := f.Metadata.Actions["m"].LegacyType; lt != "PlayPrompt" {
		t.Errorf("LegacyType = %q", lt)
	}
	if ps := Validate(f, "old"); len(ps) != 0 {
		t.Errorf("Validate = %v", ps)
	}
}

func TestLegacyUnknownModuleIsRejectedByValidate(t *testing.T) {
	f := mustParse(t, legacyDocOf(`{"id":"m","type":"Teleport","branches":[],"parameters":[]}`))
	ps := Validate(f, "old")
	want := []string{
		`flow "old": action "m" (Teleport): Type: unsupported action type "Teleport" (old-format module with no current equivalent)`,
	}
	if got := problemStrings(ps.Errors()); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	if got := problemStrings(ps.Warnings()); len(got) != 1 || !strings.Contains(got[0], `old-format conversion: old-format module type "Teleport" has no known equivalent`) {
		t.Errorf("warnings = %q", got)
	}
}

func TestLegacyPath(t *testing.T) {
	tests := []struct {
		ns, key, want string
		ok            bool
	}{
		{"External", "ContactStatus", "$.External.ContactStatus", true},
		{"User Defined", "no_voicemail", "$.Attributes.no_voicemail", true},
		{"User Defined", "two words", "$.Attributes.['two words']", true},
		{"System", "Customer Number", "$.CustomerEndpoint.Address", true},
		{"System", "dialed number", "$.SystemEndpoint.Address", true},
		{"System", "Stored customer input", "$.StoredCustomerInput", true},
		{"System", "Queue.ARN", "$.Queue.ARN", true},
		{"System", "Metrics.Queue.OldestContactAge", "$.Metrics.Queue.OldestContactAge", true},
		{"System", "Something odd", "$.['Something odd']", false},
		{"Lex Slots", "city", "$.Lex.Slots.city", true},
		{"Martian", "x", "$.Attributes.x", false},
	}
	for _, tt := range tests {
		got, ok := legacyPath(tt.ns, tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("legacyPath(%q, %q) = %q, %v; want %q, %v", tt.ns, tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLooseStringAcceptsAnyJSON(t *testing.T) {
	f := mustParse(t, legacyDocOf(`{"id":7,"type":"Loop","branches":[{"condition":"Looping","transition":{"odd":true}}],
		"parameters":[{"name":"LoopCount","value":[1,2]}]}`))
	a := f.Actions[0]
	if a.Identifier != "7" || a.Parameters["LoopCount"] != "[1,2]" || a.Transitions.Conditions[0].NextAction != `{"odd":true}` {
		t.Errorf("action = %#v", a)
	}
}

func problemStrings(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}
