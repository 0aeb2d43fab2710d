package flow

import (
	"math"
	"sort"
)

// This file is the action catalogue: one table describing every action type
// Switchboard accepts, its parameters and its branches. The parser uses it to
// normalise values and aliases, the validator to check flows, References to
// find resource names, and the interpreter (internal/flow/engine) to know
// what each action may produce. Sources: docs/flow-language-reference.md and
// the real exports in testdata/connect.

// ValueKind says what a parameter value may be.
type ValueKind uint8

// The value kinds. The first four are strings; the docs call the first three
// "static", "static or dynamic" and "dynamic text".
const (
	// ValueStatic is a literal; a JSONPath is not allowed.
	ValueStatic ValueKind = iota + 1
	// ValueDynamic is a literal, or one JSONPath that is the whole value
	// ("$.Attributes.queueArn", not "queue-$.Attributes.x").
	ValueDynamic
	// ValuePath must be one JSONPath, e.g. Compare.ComparisonValue.
	ValuePath
	// ValueText is free text in which JSONPath references may appear
	// anywhere: "Hello $.Attributes.name".
	ValueText
	// ValueObject is a JSON object whose known members are Fields.
	ValueObject
	// ValueList is a JSON array of Elem.
	ValueList
	// ValueMap is a JSON object with free keys and Elem values.
	ValueMap
	// ValueAny is any JSON value; it is not checked.
	ValueAny
)

// String names the kind as the docs do.
func (k ValueKind) String() string {
	switch k {
	case ValueStatic:
		return "static"
	case ValueDynamic:
		return "static or JSONPath"
	case ValuePath:
		return "JSONPath"
	case ValueText:
		return "text"
	case ValueObject:
		return "object"
	case ValueList:
		return "list"
	case ValueMap:
		return "map"
	case ValueAny:
		return "any"
	}
	return "unknown"
}

// isScalar reports whether values of kind k are strings.
func (k ValueKind) isScalar() bool { return k >= ValueStatic && k <= ValueText }

// Resource is the kind of resource a parameter names. The values match
// core.Kind where Switchboard has the resource.
type Resource string

// The resources flows refer to.
const (
	ResourceQueue        Resource = "queue"
	ResourceFlow         Resource = "flow"
	ResourceFlowModule   Resource = "flow-module"
	ResourcePrompt       Resource = "prompt"
	ResourceFunction     Resource = "function" // an AWS Lambda function
	ResourceHours        Resource = "hours-of-operation"
	ResourceUser         Resource = "user" // an agent
	ResourceLexBot       Resource = "lex-bot"
	ResourceView         Resource = "view"
	ResourceCaseTemplate Resource = "case-template"
)

// Category is the docs' grouping of actions.
type Category uint8

// The categories.
const (
	// Participant actions need a participant on the line.
	Participant Category = iota + 1
	// Contact actions change the contact's state.
	Contact
	// FlowControl actions branch and have no side effects.
	FlowControl
	// Interaction actions have side effects without needing a participant.
	Interaction
)

// String names the category.
func (c Category) String() string {
	switch c {
	case Participant:
		return "participant"
	case Contact:
		return "contact"
	case FlowControl:
		return "flow control"
	case Interaction:
		return "interaction"
	}
	return "unknown"
}

// NumberRange bounds a numeric parameter. A value that is a JSONPath is
// checked at run time, not here.
type NumberRange struct {
	Min, Max float64 // inclusive; Max 0 means no upper bound
	Integer  bool
}

// ParamSpec describes one parameter (or one member of an object parameter).
type ParamSpec struct {
	Name     string
	Value    ValueKind
	Required bool
	// Enum lists the allowed literal values, compared exactly.
	Enum []string
	// Bool means the literal must be "True" or "False" (the parser
	// normalises the case and JSON booleans).
	Bool bool
	// Number bounds a numeric literal; nil when the value is not a number.
	Number *NumberRange
	// Resource is set when the value names a queue, flow, prompt, ...
	Resource Resource
	// Fields are the known members of a ValueObject.
	Fields []ParamSpec
	// Elem describes the elements of a ValueList or the values of a ValueMap.
	Elem *ParamSpec
	// Keys lists the allowed keys of a ValueMap; nil allows any key.
	Keys []string
	// Aliases are other names the parser accepts and renames to Name.
	Aliases []string
}

// Field returns the spec of member name of an object parameter.
func (p *ParamSpec) Field(name string) (*ParamSpec, bool) {
	for i := range p.Fields {
		if p.Fields[i].Name == name {
			return &p.Fields[i], true
		}
	}
	return nil, false
}

// OneOf is a group of parameters of which at most one may be given; exactly
// one when Required.
type OneOf struct {
	Params   []string
	Required bool
}

// ConditionSpec describes the result an action's Conditions test.
type ConditionSpec struct {
	// Operators allowed; nil allows every operator.
	Operators []string
	// Values lists the results the action can produce (the operand values a
	// condition may test); nil when the result is free.
	Values []string
	// Required lists the Values each of which must have a condition.
	Required []string
}

// ErrorSpec is one error branch an action may take.
type ErrorSpec struct {
	Type string
	// Required means a flow without this branch is rejected.
	Required bool
}

// ActionSpec describes one action type.
type ActionSpec struct {
	Type string
	// Aliases are other names of the type that the parser renames to Type.
	Aliases  []string
	Category Category
	// Service names the AWS service the action stands for when Switchboard
	// has no native equivalent ("Amazon Lex", "Customer Profiles", "Cases",
	// "Voice ID", "Views"); "" for Switchboard's own features.
	Service string
	Params  []ParamSpec
	OneOf   []OneOf
	// Conditions is nil when the action has no result to branch on.
	Conditions *ConditionSpec
	Errors     []ErrorSpec
	// Terminal actions end the flow (or the module) and have no transitions.
	Terminal bool
	// LeavesFlow actions hand the contact elsewhere on success, so
	// NextAction may be absent.
	LeavesFlow bool
	// NextOptional means NextAction may be absent for another reason, e.g.
	// MessageParticipantIteratively loops until something interrupts it.
	NextOptional bool
	// NotRunYet, when set, says why Switchboard accepts the action on import
	// but cannot carry it out yet: at run time it takes its error branch, and
	// Validate warns so that nobody mistakes the import for support.
	NotRunYet string

	// check holds action-specific rules the table cannot express.
	check func(c *checker, a *Action)
}

// Param returns the spec of parameter name.
func (s *ActionSpec) Param(name string) (*ParamSpec, bool) {
	for i := range s.Params {
		if s.Params[i].Name == name {
			return &s.Params[i], true
		}
	}
	return nil, false
}

// Error returns the spec of error branch errorType.
func (s *ActionSpec) Error(errorType string) (ErrorSpec, bool) {
	for _, e := range s.Errors {
		if e.Type == errorType {
			return e, true
		}
	}
	return ErrorSpec{}, false
}

// LookupAction returns the spec of action type typ, which may be an alias.
// The spec is shared: do not modify it.
func LookupAction(typ string) (*ActionSpec, bool) {
	s, ok := catalogIndex[typ]
	return s, ok
}

// ActionTypes returns the supported action types (not their aliases), sorted.
func ActionTypes() []string {
	out := make([]string, len(catalog))
	for i := range catalog {
		out[i] = catalog[i].Type
	}
	sort.Strings(out)
	return out
}

// Condition operators.
const (
	OpEquals                 = "Equals"
	OpTextStartsWith         = "TextStartsWith"
	OpTextEndsWith           = "TextEndsWith"
	OpTextContains           = "TextContains"
	OpNumberGreaterThan      = "NumberGreaterThan"
	OpNumberGreaterOrEqualTo = "NumberGreaterOrEqualTo"
	OpNumberLessThan         = "NumberLessThan"
	OpNumberLessOrEqualTo    = "NumberLessOrEqualTo"
)

// Combining operators, whose operands are nested Conditions. The docs allow
// nesting but no export in the corpus uses it, so these names are the ones
// Switchboard accepts rather than ones seen in the wild.
const (
	OpAnd = "And"
	OpOr  = "Or"
	OpNot = "Not"
)

// Operators lists the comparison operators, each taking one string operand.
var Operators = []string{OpEquals, OpTextStartsWith, OpTextEndsWith, OpTextContains,
	OpNumberGreaterThan, OpNumberGreaterOrEqualTo, OpNumberLessThan, OpNumberLessOrEqualTo}

var numberOperators = []string{OpNumberGreaterThan, OpNumberGreaterOrEqualTo, OpNumberLessThan, OpNumberLessOrEqualTo}

// Error types shared by many actions.
const (
	ErrorNoMatchingError     = "NoMatchingError"
	ErrorNoMatchingCondition = "NoMatchingCondition"
)

// Limits from the docs.
const (
	maxIdentifierLen  = 50
	maxConditionDepth = 5
	maxSubConditions  = 50
)

// ---- table-building helpers ----

func param(name string, k ValueKind) ParamSpec { return ParamSpec{Name: name, Value: k} }

func (p ParamSpec) required() ParamSpec { p.Required = true; return p }

func (p ParamSpec) enum(values ...string) ParamSpec { p.Enum = values; return p }

func (p ParamSpec) boolean() ParamSpec { p.Bool = true; return p }

func (p ParamSpec) integer(lo, hi float64) ParamSpec {
	p.Number = &NumberRange{Min: lo, Max: hi, Integer: true}
	return p
}

func (p ParamSpec) resource(r Resource) ParamSpec { p.Resource = r; return p }

func (p ParamSpec) alias(names ...string) ParamSpec { p.Aliases = names; return p }

func (p ParamSpec) keys(names ...string) ParamSpec { p.Keys = names; return p }

func object(name string, fields ...ParamSpec) ParamSpec {
	return ParamSpec{Name: name, Value: ValueObject, Fields: fields}
}

func list(name string, elem ParamSpec) ParamSpec {
	return ParamSpec{Name: name, Value: ValueList, Elem: &elem}
}

func mapOf(name string, elem ParamSpec) ParamSpec {
	return ParamSpec{Name: name, Value: ValueMap, Elem: &elem}
}

func errs(required []string, optional ...string) []ErrorSpec {
	out := make([]ErrorSpec, 0, len(required)+len(optional))
	for _, t := range required {
		out = append(out, ErrorSpec{Type: t, Required: true})
	}
	for _, t := range optional {
		out = append(out, ErrorSpec{Type: t})
	}
	return out
}

func req(types ...string) []string { return types }

// promptParams are the ways of saying something to a participant.
func promptParams() []ParamSpec {
	return []ParamSpec{
		param("Text", ValueText),
		param("SSML", ValueText),
		param("PromptId", ValueDynamic).resource(ResourcePrompt),
		object("Media",
			param("Uri", ValueText).required(),
			param("SourceType", ValueStatic).enum("S3"),
			param("MediaType", ValueStatic).enum("Audio")),
	}
}

// with returns a new list of ps followed by more.
func with(ps []ParamSpec, more ...ParamSpec) []ParamSpec {
	return append(append(make([]ParamSpec, 0, len(ps)+len(more)), ps...), more...)
}

var promptOneOf = OneOf{Params: []string{"Text", "SSML", "PromptId", "Media"}, Required: true}

var queueOrAgent = []ParamSpec{
	param("QueueId", ValueDynamic).resource(ResourceQueue),
	param("AgentId", ValueDynamic).resource(ResourceUser),
}

// EventHooks lists the hooks UpdateContactEventHooks can set.
var EventHooks = []string{"AgentHold", "AgentWhisper", "CustomerHold", "CustomerQueue", "CustomerRemaining",
	"CustomerWhisper", "DefaultAgentUI", "DisconnectAgentUI", "PauseContact", "ResumeContact"}

// Metric types CheckMetricData can test.
var metricTypes = []string{"NumberOfAgentsAvailable", "NumberOfAgentsStaffed", "NumberOfAgentsOnline",
	"OldestContactInQueueAgeSeconds", "NumberOfContactsInQueue"}

var (
	enabledDisabled = []string{"Enabled", "Disabled"}
	anyParam        = func(name string) ParamSpec { return param(name, ValueAny) }
	textMap         = func(name string) ParamSpec { return mapOf(name, param("", ValueText)) }
)

// catalog is the table. Keep it in the docs' order of importance: the core
// set first, then the less common actions, then the integrations.
var catalog = []ActionSpec{
	// ---- participant actions ----
	{
		Type: "MessageParticipant", Category: Participant,
		Params: promptParams(),
		OneOf:  []OneOf{promptOneOf},
		Errors: errs(nil, ErrorNoMatchingError),
	},
	{
		Type: "MessageParticipantIteratively", Category: Participant,
		Params: []ParamSpec{
			list("Messages", object("", promptParams()...)).required(),
			param("InterruptFrequencySeconds", ValueStatic).integer(1, 0),
			param("ContinueMessagingDuringInterrupt", ValueStatic).boolean(),
		},
		Conditions:   &ConditionSpec{Operators: []string{OpEquals}, Values: []string{"MessagesInterrupted"}},
		Errors:       errs(nil, ErrorNoMatchingError),
		NextOptional: true,
		check:        checkMessages,
	},
	{
		Type: "GetParticipantInput", Category: Participant,
		Params: with(promptParams(),
			param("InputTimeLimitSeconds", ValueStatic).integer(1, 0).required(),
			param("StoreInput", ValueStatic).boolean().required(),
			object("InputValidation",
				object("PhoneNumberValidation",
					param("NumberFormat", ValueStatic).enum("Local", "E164").required(),
					param("CountryCode", ValueStatic)),
				object("CustomValidation",
					param("MaximumLength", ValueDynamic).integer(1, 0).required())),
			object("InputEncryption",
				param("EncryptionKeyId", ValueStatic).required(),
				param("Key", ValueStatic).required()),
			object("DTMFConfiguration",
				param("InputTerminationSequence", ValueStatic),
				param("DisableCancelKey", ValueStatic).boolean(),
				param("InterdigitTimeLimitSeconds", ValueStatic).integer(1, 0)),
		),
		OneOf:      []OneOf{promptOneOf},
		Conditions: &ConditionSpec{Operators: []string{OpEquals}},
		Errors:     errs(req(ErrorNoMatchingError), ErrorNoMatchingCondition, "InputTimeLimitExceeded", "InvalidPhoneNumber"),
		check:      checkGetParticipantInput,
	},
	{
		Type: "ConnectParticipantWithLexBot", Category: Participant, Service: "Amazon Lex",
		Params: with(promptParams()[:3],
			object("LexV2Bot", param("AliasArn", ValueDynamic).resource(ResourceLexBot).required()),
			object("LexBot",
				param("Name", ValueDynamic).resource(ResourceLexBot).required(),
				param("Region", ValueDynamic),
				param("Alias", ValueDynamic)),
			textMap("LexSessionAttributes"),
			object("LexInitilizationData", param("InitialMessage", ValueText)).alias("LexInitializationData"),
			object("LexTimeoutSeconds", param("Text", ValueStatic).integer(1, 0)),
		),
		OneOf: []OneOf{
			{Params: []string{"Text", "SSML", "PromptId"}},
			{Params: []string{"LexV2Bot", "LexBot"}, Required: true},
		},
		Conditions: &ConditionSpec{Operators: []string{OpEquals}},
		Errors:     errs(req(ErrorNoMatchingError), ErrorNoMatchingCondition, "InputTimeLimitExceeded"),
	},
	{
		Type: "DisconnectParticipant", Category: Participant, Terminal: true,
	},
	{
		Type: "TransferParticipantToThirdParty", Category: Participant, LeavesFlow: true,
		Params: []ParamSpec{
			param("ThirdPartyPhoneNumber", ValueDynamic).required(),
			param("ThirdPartyConnectionTimeLimitSeconds", ValueDynamic).integer(0, 600),
			param("ContinueFlowExecution", ValueStatic).boolean(),
			param("ThirdPartyDTMFDigits", ValueDynamic),
			object("CallerId", param("Number", ValueDynamic), param("Name", ValueDynamic)),
		},
		Errors: errs(req(ErrorNoMatchingError), "ConnectionTimeLimitExceeded", "CallFailed"),
	},
	{
		Type: "ShowView", Category: Participant, Service: "Views",
		Params: []ParamSpec{
			object("ViewResource",
				param("Id", ValueDynamic).resource(ResourceView).required(),
				param("Version", ValueStatic)).required(),
			param("InvocationTimeLimitSeconds", ValueStatic).integer(1, 0).required(),
			anyParam("ViewData"),
			anyParam("SensitiveDataConfiguration"),
		},
		Conditions: &ConditionSpec{Operators: []string{OpEquals}},
		Errors:     errs(req(ErrorNoMatchingError), ErrorNoMatchingCondition, "TimeLimitExceeded"),
	},

	// ---- contact actions ----
	{
		Type: "UpdateContactAttributes", Category: Contact,
		Params: []ParamSpec{
			textMap("Attributes").required(),
			param("TargetContact", ValueStatic).enum("Current", "Related"),
		},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UpdateFlowAttributes", Category: Contact,
		Params: []ParamSpec{
			mapOf("FlowAttributes", object("", param("Value", ValueText).required())).required(),
		},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UpdateContactTargetQueue", Category: Contact,
		Params: queueOrAgent,
		OneOf:  []OneOf{{Params: []string{"QueueId", "AgentId"}, Required: true}},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "TransferContactToQueue", Category: Contact, LeavesFlow: true,
		Errors: errs(req(ErrorNoMatchingError), "QueueAtCapacity"),
	},
	{
		Type: "TransferContactToAgent", Category: Contact, LeavesFlow: true,
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "DequeueContactAndTransferToQueue", Category: Contact, LeavesFlow: true,
		Params: queueOrAgent,
		OneOf:  []OneOf{{Params: []string{"QueueId", "AgentId"}, Required: true}},
		Errors: errs(req(ErrorNoMatchingError), "QueueAtCapacity"),
	},
	{
		Type: "UpdateContactRecordingBehavior", Category: Contact,
		Params: []ParamSpec{
			object("RecordingBehavior",
				list("RecordedParticipants", param("", ValueStatic).enum("Agent", "Customer")),
				param("IVRRecordingBehavior", ValueStatic).enum(enabledDisabled...),
				list("ScreenRecordedParticipants", param("", ValueStatic).enum("Agent"))),
			object("AnalyticsBehavior",
				param("Enabled", ValueStatic).boolean(),
				param("AnalyticsMode", ValueStatic).enum("PostCall", "RealTime"),
				param("AnalyticsLanguage", ValueStatic),
				param("AnalyticsRedactionBehavior", ValueStatic).enum(enabledDisabled...),
				param("AnalyticsRedactionResults", ValueStatic).enum("None", "Redacted", "RedactedAndOriginal"),
				anyParam("ChannelConfiguration")),
		},
	},
	{
		Type: "UpdateContactEventHooks", Category: Contact,
		Params: []ParamSpec{
			mapOf("EventHooks", param("", ValueDynamic).resource(ResourceFlow)).keys(EventHooks...).required(),
			mapOf("EventHooksConfiguration",
				object("", param("DisableExecution", ValueStatic).boolean())).keys(EventHooks...),
		},
		// Optional: the old "Set ... flow" blocks had no error branch.
		Errors: errs(nil, ErrorNoMatchingError),
		check:  checkEventHooks,
	},
	{
		Type: "UpdateContactTextToSpeechVoice", Category: Contact,
		Params: []ParamSpec{
			param("TextToSpeechVoice", ValueDynamic).required(),
			param("TextToSpeechEngine", ValueStatic).enum("Standard", "Neural", "Generative", "LongForm"),
			param("TextToSpeechStyle", ValueStatic).enum("None", "Conversational", "Newscaster"),
		},
	},
	{
		Type: "UpdateContactData", Category: Contact,
		Params: []ParamSpec{
			param("LanguageCode", ValueDynamic),
			param("Name", ValueText),
			param("Description", ValueText),
			anyParam("References"),
			param("TargetContact", ValueStatic).enum("Current", "Related"),
			param("CustomerId", ValueDynamic),
			param("IsVoiceIdStreamingEnabled", ValueStatic).boolean(),
			param("IsVoiceAuthenticationEnabled", ValueStatic).boolean(),
			param("VoiceAuthenticationThreshold", ValueDynamic).integer(0, 100),
			param("VoiceAuthenticationResponseTime", ValueDynamic).integer(5, 10),
			param("IsFraudDetectionEnabled", ValueStatic).boolean(),
			param("FraudDetectionThreshold", ValueDynamic).integer(0, 100),
			param("WatchlistId", ValueDynamic),
		},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UpdateContactRoutingBehavior", Category: Contact,
		Params: []ParamSpec{
			param("QueuePriority", ValueDynamic).integer(1, 0),
			param("QueueTimeAdjustmentSeconds", ValueDynamic).integer(math.Inf(-1), 0),
			anyParam("RoutingProficiencies"),
		},
		OneOf: []OneOf{{Params: []string{"QueuePriority", "QueueTimeAdjustmentSeconds", "RoutingProficiencies"}, Required: true}},
	},
	{
		Type: "UpdateContactRoutingCriteria", Aliases: []string{"UpdateRoutingCriteria"}, Category: Contact,
		Params: []ParamSpec{anyParam("RoutingCriteria").required()},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UpdateContactMediaStreamingBehavior", Category: Contact,
		Params: []ParamSpec{
			param("MediaStreamingState", ValueStatic).enum(enabledDisabled...).required(),
			param("MediaStreamType", ValueStatic).enum("Audio"),
			list("Participants", object("",
				param("ParticipantType", ValueStatic).enum("Customer", "Agent").required(),
				list("MediaDirections", param("", ValueStatic).enum("From", "To")).required())),
		},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UpdateContactCallbackNumber", Category: Contact,
		Params: []ParamSpec{param("CallbackNumber", ValueDynamic).required()},
		Errors: errs(nil, ErrorNoMatchingError, "InvalidCallbackNumber", "CallbackNumberNotDialable"),
	},
	{
		Type: "UpdatePreviousContactParticipantState", Category: Contact,
		Params: []ParamSpec{
			param("PreviousContactParticipantState", ValueStatic).enum("AgentOnHold", "CustomerOnHold", "OffHold").required(),
		},
		Errors: errs(nil, ErrorNoMatchingError),
	},
	{
		Type: "TagContact", Category: Contact,
		Params: []ParamSpec{textMap("Tags").required()},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UnTagContact", Category: Contact,
		Params: []ParamSpec{list("TagKeys", param("", ValueStatic)).required()},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "CreateCallbackContact", Category: Contact,
		Params: with(queueOrAgent,
			param("InitialCallDelaySeconds", ValueStatic).integer(0, 0),
			param("MaximumConnectionAttempts", ValueStatic).integer(1, 0),
			param("RetryDelaySeconds", ValueStatic).integer(0, 0),
			param("CallbackNumber", ValueDynamic),
		),
		OneOf:  []OneOf{{Params: []string{"QueueId", "AgentId"}}},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "CompleteOutboundCall", Category: Contact,
		Params: []ParamSpec{object("CallerId", param("Number", ValueDynamic), param("Name", ValueDynamic))},
		Errors: errs(nil, ErrorNoMatchingError),
	},

	// ---- flow control ----
	{
		Type: "Compare", Category: FlowControl,
		Params:     []ParamSpec{param("ComparisonValue", ValuePath).required()},
		Conditions: &ConditionSpec{},
		Errors:     errs(req(ErrorNoMatchingCondition)),
	},
	{
		Type: "CheckHoursOfOperation", Category: FlowControl,
		Params: []ParamSpec{param("HoursOfOperationId", ValueDynamic).resource(ResourceHours)},
		Conditions: &ConditionSpec{Operators: []string{OpEquals},
			Values: []string{"True", "False"}, Required: []string{"True", "False"}},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "CheckMetricData", Category: FlowControl,
		Params: with(queueOrAgent,
			param("MetricType", ValueStatic).enum(metricTypes...).required()),
		OneOf:      []OneOf{{Params: []string{"QueueId", "AgentId"}}},
		Conditions: &ConditionSpec{Operators: numberOperators},
		Errors:     errs(req(ErrorNoMatchingError), ErrorNoMatchingCondition),
		check:      checkMetricData,
	},
	{
		Type: "GetMetricData", Category: FlowControl,
		Params: with(queueOrAgent,
			param("QueueChannel", ValueStatic).enum("Voice", "Chat", "Task", "VOICE", "CHAT", "TASK")),
		OneOf:  []OneOf{{Params: []string{"QueueId", "AgentId"}}},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "Loop", Category: FlowControl,
		Params: []ParamSpec{param("LoopCount", ValueDynamic).integer(0, 100).required()},
		Conditions: &ConditionSpec{Operators: []string{OpEquals},
			Values: []string{"ContinueLooping", "DoneLooping"}, Required: []string{"ContinueLooping", "DoneLooping"}},
	},
	{
		Type: "Wait", Category: FlowControl,
		Params: []ParamSpec{
			param("TimeLimitSeconds", ValueDynamic).integer(1, 604800).alias("TimeoutSeconds").required(),
			list("Events", param("", ValueStatic).enum("CustomerReturned", "BotParticipantDisconnected")),
		},
		Conditions: &ConditionSpec{Operators: []string{OpEquals},
			Values: []string{"WaitCompleted", "CustomerReturned", "BotParticipantDisconnected"}, Required: []string{"WaitCompleted"}},
		Errors: errs(nil, ErrorNoMatchingError, "ParticipantNotFound"),
		check:  checkWait,
	},
	{
		Type: "DistributeByPercentage", Category: FlowControl,
		Conditions: &ConditionSpec{Operators: numberOperators},
		Errors:     errs(req(ErrorNoMatchingCondition)),
	},
	{
		Type: "TransferToFlow", Category: FlowControl, LeavesFlow: true,
		Params: []ParamSpec{param("ContactFlowId", ValueDynamic).resource(ResourceFlow).required()},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "InvokeFlowModule", Category: FlowControl,
		Params: []ParamSpec{param("FlowModuleId", ValueDynamic).resource(ResourceFlowModule).required()},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "EndFlowModuleExecution", Category: FlowControl, Terminal: true,
	},
	{
		Type: "EndFlowExecution", Category: FlowControl, Terminal: true,
	},
	{
		Type: "UpdateFlowLoggingBehavior", Category: FlowControl,
		Params: []ParamSpec{param("FlowLoggingBehavior", ValueStatic).enum(enabledDisabled...).required()},
	},

	// ---- interactions ----
	{
		Type: "InvokeLambdaFunction", Category: Interaction,
		Params: []ParamSpec{
			param("LambdaFunctionARN", ValueDynamic).resource(ResourceFunction).required(),
			param("InvocationTimeLimitSeconds", ValueStatic).integer(1, 60).required(),
			textMap("LambdaInvocationAttributes"),
			param("InvocationType", ValueStatic).enum("SYNCHRONOUS", "ASYNCHRONOUS"),
			object("ResponseValidation", param("ResponseType", ValueStatic).enum("STRING_MAP", "JSON")),
		},
		Errors: errs(req(ErrorNoMatchingError)),
		check:  checkLambda,
	},
	{
		Type: "CreateTask", Category: Interaction,
		Params: []ParamSpec{
			param("Name", ValueText).required(),
			param("Description", ValueText),
			param("ContactFlowId", ValueDynamic).resource(ResourceFlow),
			param("TaskTemplateId", ValueDynamic),
			textMap("Attributes"),
			anyParam("References"),
			param("DelaySeconds", ValueDynamic).integer(0, 518400),
			param("ScheduledTime", ValueDynamic),
			param("QueueId", ValueDynamic).resource(ResourceQueue),
			param("AgentId", ValueDynamic).resource(ResourceUser),
		},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "GetCustomerProfile", Category: Interaction, Service: "Customer Profiles",
		Params: []ParamSpec{anyParam("ProfileRequestData").required(), anyParam("ProfileResponseData")},
		Errors: errs(req(ErrorNoMatchingError), "MultipleFoundError", "NoneFoundError"),
	},
	{
		Type: "CreateCustomerProfile", Category: Interaction, Service: "Customer Profiles",
		Params: []ParamSpec{anyParam("ProfileRequestData").required(), anyParam("ProfileResponseData")},
		Errors: errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "UpdateCustomerProfile", Category: Interaction, Service: "Customer Profiles",
		Params: []ParamSpec{anyParam("ProfileRequestData").required(), anyParam("ProfileResponseData")},
		Errors: errs(req(ErrorNoMatchingError), "NoneFoundError"),
	},
	{
		Type: "CreateCase", Category: Interaction, Service: "Cases",
		Params: []ParamSpec{
			param("CaseTemplateId", ValueDynamic).resource(ResourceCaseTemplate).required(),
			textMap("CaseRequestFields"),
			list("CaseResponseFields", param("", ValueStatic)),
			param("LinkContactToCase", ValueStatic).boolean(),
		},
		Errors: errs(req(ErrorNoMatchingError), "ContactNotLinked"),
	},
	{
		Type: "GetCase", Category: Interaction, Service: "Cases",
		Params: []ParamSpec{
			textMap("CaseRequestFields"),
			list("CaseResponseFields", param("", ValueStatic)),
			param("LinkContactToCase", ValueStatic).boolean(),
			param("GetLastUpdatedCase", ValueStatic).boolean(),
		},
		Errors: errs(req(ErrorNoMatchingError), "MultipleFound", "NoneFound", "ContactNotLinked"),
	},
	{
		Type: "UpdateCase", Category: Interaction, Service: "Cases",
		Params: []ParamSpec{
			param("CaseId", ValueDynamic),
			textMap("CaseRequestFields"),
			param("LinkContactToCase", ValueStatic).boolean(),
		},
		Errors: errs(req(ErrorNoMatchingError), "ContactNotLinked"),
	},
	{
		Type: "CheckVoiceId", Category: Interaction, Service: "Voice ID",
		Params: []ParamSpec{
			param("CheckVoiceIdOption", ValueStatic).enum("voiceAuthentication", "fraudDetection", "enrollmentStatus").required(),
		},
		Conditions: &ConditionSpec{Operators: []string{OpEquals}},
		Errors:     errs(req(ErrorNoMatchingError)),
	},
	{
		Type: "StartVoiceIdStream", Category: Interaction, Service: "Voice ID",
		Errors: errs(req(ErrorNoMatchingError)),
	},
}

// catalogIndex finds specs by type and alias.
// notRunYet lists the catalogue types that import accepts but the engine
// cannot carry out yet, with the reason (see ActionSpec.NotRunYet).
var notRunYet = map[string]string{
	"ShowView":                              "Switchboard has no agent-workspace views",
	"GetCustomerProfile":                    "Switchboard has no customer profiles",
	"CreateCustomerProfile":                 "Switchboard has no customer profiles",
	"UpdateCustomerProfile":                 "Switchboard has no customer profiles",
	"CreateCase":                            "Switchboard has no cases",
	"GetCase":                               "Switchboard has no cases",
	"UpdateCase":                            "Switchboard has no cases",
	"CheckVoiceId":                          "Switchboard has no voice authentication",
	"StartVoiceIdStream":                    "Switchboard has no voice authentication",
	"CreateTask":                            "Switchboard has no task channel",
	"UpdatePreviousContactParticipantState": "needs the voice channel's participant legs",
	"CompleteOutboundCall":                  "needs outbound calling",
}

var catalogIndex = func() map[string]*ActionSpec {
	idx := make(map[string]*ActionSpec, len(catalog)*2)
	for i := range catalog {
		s := &catalog[i]
		s.NotRunYet = notRunYet[s.Type]
		idx[s.Type] = s
		for _, a := range s.Aliases {
			idx[a] = s
		}
	}
	return idx
}()
