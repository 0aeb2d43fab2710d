package flow

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file converts the older console export ("modules", "version": "1")
// to the current model. The old format has no published specification; the
// mapping below was worked out from matching parameters and branches in real
// exports (docs/flow-language-reference.md section 6). What cannot be carried
// over exactly is recorded in Flow.ConversionNotes.
//
// Resource names survive the conversion: a parameter's resourceName (the
// queue, flow or prompt name, often kept when sanitised exports blank the
// ARN) becomes the display name in Metadata, where References finds it.

// looseString decodes any JSON value as a string: numbers and booleans as
// the flow language writes them, null as "", objects and arrays as compact
// JSON. Old exports mix these freely.
type looseString string

// UnmarshalJSON accepts any JSON value.
func (s *looseString) UnmarshalJSON(b []byte) error {
	switch t := strings.TrimSpace(string(b)); {
	case t == "null":
		*s = ""
		return nil
	case t == "true":
		*s = "True"
		return nil
	case t == "false":
		*s = "False"
		return nil
	case t != "" && (t[0] == '-' || ('0' <= t[0] && t[0] <= '9')):
		*s = looseString(t) // a number, as written
		return nil
	case len(t) >= 2 && t[0] == '"' && !strings.ContainsRune(t, '\\') && utf8.ValidString(t):
		*s = looseString(t[1 : len(t)-1]) // a plain string: nothing to unescape
		return nil
	case t != "" && t[0] == '"':
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*s = looseString(str)
		return nil
	}
	var v any
	if err := decodeNumbers(b, &v); err != nil {
		return err
	}
	// Re-encode rather than copy b: decoding replaced invalid UTF-8, so
	// the string is written back the same way every time.
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	*s = looseString(out)
	return nil
}

type legacyDoc struct {
	Modules  []legacyModule `json:"modules"`
	Version  looseString    `json:"version"`
	Type     looseString    `json:"type"`
	Start    looseString    `json:"start"`
	Metadata json.RawMessage
}

type legacyModule struct {
	ID         looseString     `json:"id"`
	Type       looseString     `json:"type"`
	Branches   []legacyBranch  `json:"branches"`
	Parameters []legacyParam   `json:"parameters"`
	Metadata   json.RawMessage `json:"metadata"`
	Target     looseString     `json:"target"`
}

type legacyBranch struct {
	Condition      looseString `json:"condition"`
	ConditionType  looseString `json:"conditionType"`
	ConditionValue looseString `json:"conditionValue"`
	Transition     looseString `json:"transition"`
}

type legacyParam struct {
	Name         looseString `json:"name"`
	Key          looseString `json:"key"`
	Value        looseString `json:"value"`
	Namespace    looseString `json:"namespace"`
	ResourceName looseString `json:"resourceName"`
}

func parseLegacy(data []byte) (*Flow, error) {
	var doc legacyDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(data, err)
	}
	return convertLegacy(&doc), nil
}

// convertLegacy builds the current model from an old-format document.
func convertLegacy(doc *legacyDoc) *Flow {
	f := &Flow{Version: CurrentVersion, StartAction: string(doc.Start), Format: FormatLegacy}
	meta := map[string]any{}
	if len(doc.Metadata) > 0 {
		_ = json.Unmarshal(doc.Metadata, &meta) // editor data: ignore what does not decode
		if meta == nil {
			meta = map[string]any{}
		}
	}
	if _, ok := meta["type"]; !ok && doc.Type != "" {
		meta["type"] = string(doc.Type)
	}
	actionMeta := make(map[string]any, len(doc.Modules))
	f.Actions = make([]Action, 0, len(doc.Modules))
	for i := range doc.Modules {
		m := &doc.Modules[i]
		mc := &moduleConv{flow: f, m: m, names: map[string]string{},
			a: Action{Identifier: string(m.ID), Type: string(m.Type), Parameters: map[string]any{}}}
		mc.convert()
		f.Actions = append(f.Actions, mc.a)
		actionMeta[mc.a.Identifier] = mc.metadata()
	}
	meta["ActionMetadata"] = actionMeta
	raw, err := json.Marshal(meta)
	if err != nil { // cannot happen: meta holds decoded JSON and strings
		raw = []byte("{}")
	}
	f.Metadata = decodeMetadata(raw)
	return f
}

// moduleConv converts one module.
type moduleConv struct {
	flow  *Flow
	m     *legacyModule
	a     Action
	names map[string]string // parameter path -> resource display name
}

func (mc *moduleConv) note(field, format string, args ...any) {
	mc.flow.ConversionNotes = append(mc.flow.ConversionNotes,
		Note{Action: mc.a.Identifier, Field: field, Message: fmt.Sprintf(format, args...)})
}

// metadata is the module's editor data, kept as it was, plus what the
// current format reads: the old type and the resources' display names.
func (mc *moduleConv) metadata() map[string]any {
	out := map[string]any{}
	if len(mc.m.Metadata) > 0 {
		_ = json.Unmarshal(mc.m.Metadata, &out)
		if out == nil {
			out = map[string]any{}
		}
	}
	out["legacyType"] = string(mc.m.Type)
	if len(mc.names) > 0 {
		params, _ := out["parameters"].(map[string]any)
		if params == nil {
			params = map[string]any{}
		}
		for _, path := range sortedKeys(mc.names) {
			setDisplayName(params, splitParamPath(path), mc.names[path])
		}
		out["parameters"] = params
	}
	return out
}

// param returns the first parameter called name, or nil.
func (mc *moduleConv) param(name string) *legacyParam {
	for i := range mc.m.Parameters {
		if strings.EqualFold(string(mc.m.Parameters[i].Name), name) {
			return &mc.m.Parameters[i]
		}
	}
	return nil
}

// params returns every parameter called name, in order.
func (mc *moduleConv) params(name string) []*legacyParam {
	var out []*legacyParam
	for i := range mc.m.Parameters {
		if strings.EqualFold(string(mc.m.Parameters[i].Name), name) {
			out = append(out, &mc.m.Parameters[i])
		}
	}
	return out
}

// str returns the value of parameter name, or "".
func (mc *moduleConv) str(name string) string {
	if p := mc.param(name); p != nil {
		return string(p.Value)
	}
	return ""
}

// value converts a parameter's value: a (namespace, key) pair becomes a
// JSONPath, a literal stays as it is.
func (mc *moduleConv) value(p *legacyParam, field string) string {
	ns := strings.TrimSpace(string(p.Namespace))
	v := string(p.Value)
	if ns == "" {
		return v
	}
	path, ok := legacyPath(ns, v)
	if !ok {
		mc.note(field, "value %q in namespace %q has no known equivalent; written as %s", v, ns, path)
	}
	return path
}

// set sets parameter name to the converted value of p, recording p's
// resource name as the display name.
func (mc *moduleConv) set(name string, p *legacyParam) {
	if p == nil {
		return
	}
	mc.a.Parameters[name] = mc.value(p, "Parameters."+name)
	if rn := strings.TrimSpace(string(p.ResourceName)); rn != "" {
		mc.names[name] = rn
	}
}

// setStr sets parameter name to the literal value of old parameter from,
// when present and not empty.
func (mc *moduleConv) setStr(name, from string) {
	if v := mc.str(from); v != "" {
		mc.a.Parameters[name] = v
	}
}

var identRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// pathSegment writes key as one JSONPath member, bracketed when it is not a
// plain name.
func pathSegment(key string) string {
	if identRE.MatchString(key) {
		return key
	}
	return "['" + strings.ReplaceAll(key, "'", `\'`) + "']"
}

// legacySystem maps the old editor's display names of system values to
// their JSONPath. Keys are lower case.
var legacySystem = map[string]string{
	"customer number":                 "$.CustomerEndpoint.Address",
	"customer endpoint":               "$.CustomerEndpoint.Address",
	"dialed number":                   "$.SystemEndpoint.Address",
	"system endpoint":                 "$.SystemEndpoint.Address",
	"customer callback number":        "$.CustomerCallbackNumber",
	"stored customer input":           "$.StoredCustomerInput",
	"queue name":                      "$.Queue.Name",
	"queue arn":                       "$.Queue.ARN",
	"queue outbound caller id number": "$.Queue.OutboundCallerId.Address",
	"queue outbound caller id name":   "$.Queue.OutboundCallerId.Name",
	"text to speech voice":            "$.TextToSpeechVoiceId",
	"contact id":                      "$.ContactId",
	"initial contact id":              "$.InitialContactId",
	"previous contact id":             "$.PreviousContactId",
	"channel":                         "$.Channel",
	"instance arn":                    "$.InstanceARN",
	"language":                        "$.LanguageCode",
	"language code":                   "$.LanguageCode",
	"aws region":                      "$.AwsRegion",
}

var dottedRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)

// legacyPath converts an old (namespace, key) pair to a JSONPath; ok is
// false when the pair had to be guessed.
func legacyPath(namespace, key string) (path string, ok bool) {
	switch strings.ToLower(namespace) {
	case "external":
		return "$.External." + pathSegment(key), true
	case "user defined", "userdefined", "user-defined", "attributes":
		return "$.Attributes." + pathSegment(key), true
	case "lex slots":
		return "$.Lex.Slots." + pathSegment(key), true
	case "lex attributes":
		return "$.Lex.SessionAttributes." + pathSegment(key), true
	case "system":
		if p, found := legacySystem[strings.ToLower(key)]; found {
			return p, true
		}
		if dottedRE.MatchString(key) { // "Queue.Name", "Agent.UserName", "Metrics.Queue.OldestContactAge"
			return "$." + key, true
		}
		return "$." + pathSegment(key), false
	}
	return "$.Attributes." + pathSegment(key), false
}

// Branch outcomes.
type outcomeKind uint8

const (
	toNext outcomeKind = iota + 1
	toCondition
	toError
)

type outcome struct {
	kind     outcomeKind
	operator string // toCondition
	value    string // operand (toCondition) or error type (toError)
}

func next() outcome               { return outcome{kind: toNext} }
func onError(t string) outcome    { return outcome{kind: toError, value: t} }
func onEquals(v string) outcome   { return outcome{kind: toCondition, operator: OpEquals, value: v} }
func onCond(op, v string) outcome { return outcome{kind: toCondition, operator: op, value: v} }
func defaultOutcome(c string) (outcome, bool) {
	switch strings.ToLower(c) {
	case "success":
		return next(), true
	case "error":
		return onError(ErrorNoMatchingError), true
	case "nomatch":
		return onError(ErrorNoMatchingCondition), true
	}
	return outcome{}, false
}

// legacyOperators maps the old Evaluate conditionType to an Operator.
var legacyOperators = map[string]string{
	"equals":               OpEquals,
	"contains":             OpTextContains,
	"startswith":           OpTextStartsWith,
	"endswith":             OpTextEndsWith,
	"greaterthan":          OpNumberGreaterThan,
	"greaterthanorequalto": OpNumberGreaterOrEqualTo,
	"lessthan":             OpNumberLessThan,
	"lessthanorequalto":    OpNumberLessOrEqualTo,
}

func legacyOperator(t string) (string, bool) {
	op, ok := legacyOperators[strings.ToLower(t)]
	return op, ok
}

// branches converts the module's branches. special maps old condition names
// (lower case) to outcomes for this module type; Evaluate branches become
// conditions; Success, Error and NoMatch have default meanings.
func (mc *moduleConv) branches(special map[string]outcome) {
	t := &mc.a.Transitions
	for i, b := range mc.m.Branches {
		field := fmt.Sprintf("branches[%d]", i)
		cond := string(b.Condition)
		o, ok := special[strings.ToLower(cond)]
		if !ok && strings.EqualFold(cond, "Evaluate") {
			op, known := legacyOperator(string(b.ConditionType))
			if !known {
				mc.note(field, "condition type %q has no known equivalent; using Equals", string(b.ConditionType))
				op = OpEquals
			}
			o, ok = onCond(op, string(b.ConditionValue)), true
		}
		if !ok {
			o, ok = defaultOutcome(cond)
		}
		if !ok {
			mc.note(field, "branch %q has no known equivalent and was dropped", cond)
			continue
		}
		to := string(b.Transition)
		switch o.kind {
		case toNext:
			t.NextAction = to
		case toCondition:
			value := o.value
			if value == "" { // the operand comes from the branch itself
				value = string(b.ConditionValue)
			}
			t.Conditions = append(t.Conditions, ConditionTransition{NextAction: to,
				Condition: Condition{Operator: o.operator, Operands: []Operand{{Value: value}}}})
		case toError:
			t.Errors = append(t.Errors, ErrorTransition{NextAction: to, ErrorType: o.value})
		}
	}
}

// defaultNext gives a branching action the NextAction exports carry: the
// target of NoMatchingCondition, else of NoMatchingError.
func (mc *moduleConv) defaultNext() {
	t := &mc.a.Transitions
	if t.NextAction != "" {
		return
	}
	if n := t.ErrorTarget(ErrorNoMatchingCondition); n != "" {
		t.NextAction = n
	} else if n := t.ErrorTarget(ErrorNoMatchingError); n != "" {
		t.NextAction = n
	}
}

// legacyConverters maps old module types (lower case) to their converter.
var legacyConverters map[string]func(*moduleConv)

func init() {
	legacyConverters = map[string]func(*moduleConv){
		"playprompt":             convPlayPrompt,
		"playaudio":              convPlayPrompt,
		"getuserinput":           convGetUserInput,
		"storeuserinput":         convStoreUserInput,
		"storecustomerinput":     convStoreUserInput,
		"disconnect":             convTerminal("DisconnectParticipant"),
		"resume":                 convTerminal("EndFlowExecution"),
		"setloggingbehavior":     convLogging,
		"invokeexternalresource": convLambda,
		"checkattribute":         convCheckAttribute,
		"setattributes":          convSetAttributes,
		"setscreenpop":           convSetAttributes,
		"setqueue":               convSetQueue,
		"transfer":               convTransfer,
		"transfertoflow":         convTransferTo("Flow"),
		"customerinqueue":        convTransferTo("Queue"),
		"setvoice":               convSetVoice,
		"setrecordingbehavior":   convRecording,
		"startmediastreaming":    convMediaStreaming("Enabled"),
		"stopmediastreaming":     convMediaStreaming("Disabled"),
		"seteventhook":           convEventHook,
		"setcontactflow":         convEventHook,
		"checkstaffing":          convCheckStaffing,
		"checkqueuestatus":       convCheckQueueStatus,
		"getmetricdata":          convGetMetricData,
		"loopprompts":            convLoopPrompts,
		"loop":                   convLoop,
		"updateroutingpriority":  convRoutingPriority,
		"wait":                   convWait,
		"checkhoursofoperation":  convHours,
		"setcallbacknumber":      convCallbackNumber,
	}
}

func (mc *moduleConv) convert() {
	conv, ok := legacyConverters[strings.ToLower(string(mc.m.Type))]
	if !ok {
		mc.note("", "old-format module type %q has no known equivalent", string(mc.m.Type))
		for _, p := range mc.m.Parameters {
			mc.a.Parameters[string(p.Name)] = string(p.Value)
		}
		mc.branches(nil)
		return
	}
	conv(mc)
}

// prompt converts the module's prompt (AudioPrompt, or Text read as text or
// SSML by TextToSpeechType) into dst, with display name key prefix.
func (mc *moduleConv) prompt(dst map[string]any, prefix string) bool {
	if p := mc.param("AudioPrompt"); p != nil {
		dst["PromptId"] = mc.value(p, "Parameters."+prefix+"PromptId")
		name := strings.TrimSpace(string(p.ResourceName))
		if name == "" {
			name = mc.metaString("promptName")
		}
		if name != "" {
			mc.names[prefix+"PromptId"] = name
		}
		return true
	}
	if p := mc.param("Text"); p != nil {
		key := "Text"
		if strings.EqualFold(mc.str("TextToSpeechType"), "ssml") {
			key = "SSML"
		}
		dst[key] = mc.value(p, "Parameters."+prefix+key)
		return true
	}
	return false
}

// metaString reads a string from the module's editor data.
func (mc *moduleConv) metaString(key string) string {
	var m map[string]any
	if json.Unmarshal(mc.m.Metadata, &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

func convPlayPrompt(mc *moduleConv) {
	mc.a.Type = "MessageParticipant"
	if !mc.prompt(mc.a.Parameters, "") {
		mc.note("Parameters", "the prompt has neither text nor an audio prompt")
	}
	mc.branches(nil)
}

func convTerminal(typ string) func(*moduleConv) {
	return func(mc *moduleConv) {
		mc.a.Type = typ
		if len(mc.m.Branches) > 0 {
			mc.branches(nil)
		}
	}
}

func convGetUserInput(mc *moduleConv) {
	if strings.EqualFold(string(mc.m.Target), "Lex") || mc.param("BotName") != nil || mc.param("BotAliasArn") != nil {
		convLex(mc)
		return
	}
	mc.a.Type = "GetParticipantInput"
	p := mc.a.Parameters
	mc.prompt(p, "")
	p["StoreInput"] = "False"
	mc.timeout("InputTimeLimitSeconds", "Timeout")
	mc.branches(map[string]outcome{"timeout": onError("InputTimeLimitExceeded")})
	mc.defaultNext()
}

// timeout copies the old Timeout parameter, defaulting to 5 seconds as the
// old editor did.
func (mc *moduleConv) timeout(name, from string) {
	if v := mc.str(from); v != "" {
		mc.a.Parameters[name] = v
		return
	}
	mc.a.Parameters[name] = "5"
	mc.note("Parameters."+name, "no %s in the old module; using 5 seconds", from)
}

func convLex(mc *moduleConv) {
	mc.a.Type = "ConnectParticipantWithLexBot"
	p := mc.a.Parameters
	mc.prompt(p, "")
	if arn := mc.param("BotAliasArn"); arn != nil {
		p["LexV2Bot"] = map[string]any{"AliasArn": mc.value(arn, "Parameters.LexV2Bot.AliasArn")}
	} else {
		bot := map[string]any{}
		if v := mc.str("BotName"); v != "" {
			bot["Name"] = v
		}
		if v := mc.str("BotAlias"); v != "" {
			bot["Alias"] = v
		}
		if v := mc.str("BotRegion"); v != "" {
			bot["Region"] = v
		}
		p["LexBot"] = bot
	}
	attrs := map[string]any{}
	for _, name := range []string{"Parameter", "SessionAttribute"} {
		for _, sp := range mc.params(name) {
			if sp.Key != "" {
				attrs[string(sp.Key)] = mc.value(sp, "Parameters.LexSessionAttributes."+string(sp.Key))
			}
		}
	}
	if len(attrs) > 0 {
		p["LexSessionAttributes"] = attrs
	}
	mc.branches(map[string]outcome{"timeout": onError("InputTimeLimitExceeded")})
	mc.defaultNext()
}

func convStoreUserInput(mc *moduleConv) {
	mc.a.Type = "GetParticipantInput"
	p := mc.a.Parameters
	mc.prompt(p, "")
	p["StoreInput"] = "True"
	mc.timeout("InputTimeLimitSeconds", "Timeout")
	switch t := mc.str("CustomerInputType"); strings.ToLower(t) {
	case "phonenumber":
		v := map[string]any{"NumberFormat": "E164"}
		if f := mc.str("PhoneNumberFormat"); strings.EqualFold(f, "Local") {
			v["NumberFormat"] = "Local"
		}
		if cc := mc.str("CountryCode"); cc != "" {
			v["CountryCode"] = cc
		}
		p["InputValidation"] = map[string]any{"PhoneNumberValidation": v}
	case "custom", "":
		if md := mc.str("MaxDigits"); md != "" {
			p["InputValidation"] = map[string]any{"CustomValidation": map[string]any{"MaximumLength": md}}
		}
	default:
		mc.note("Parameters.InputValidation", "customer input type %q has no known equivalent", t)
	}
	dtmf := map[string]any{}
	if v := mc.str("TerminatorDigits"); v != "" {
		dtmf["InputTerminationSequence"] = v
	}
	if b, ok := parseBool(mc.str("DisableCancel")); ok {
		dtmf["DisableCancelKey"] = boolString(b)
	}
	if len(dtmf) > 0 {
		p["DTMFConfiguration"] = dtmf
	}
	if b, _ := parseBool(mc.str("EncryptEntry")); b {
		p["InputEncryption"] = map[string]any{"EncryptionKeyId": mc.str("EncryptionKeyId"), "Key": mc.str("EncryptionKey")}
		mc.note("Parameters.InputEncryption", "encrypted input: check the encryption key")
	}
	mc.branches(map[string]outcome{"invalidnumber": onError("InvalidPhoneNumber")})
}

func convLogging(mc *moduleConv) {
	mc.a.Type = "UpdateFlowLoggingBehavior"
	v := mc.str("LoggingBehavior")
	switch strings.ToLower(v) {
	case "enable", "enabled":
		mc.a.Parameters["FlowLoggingBehavior"] = "Enabled"
	case "disable", "disabled":
		mc.a.Parameters["FlowLoggingBehavior"] = "Disabled"
	default:
		mc.a.Parameters["FlowLoggingBehavior"] = v
	}
	mc.branches(nil)
}

func convLambda(mc *moduleConv) {
	mc.a.Type = "InvokeLambdaFunction"
	if t := string(mc.m.Target); t != "" && !strings.EqualFold(t, "Lambda") {
		mc.note("", "external resource target %q converted as a Lambda function", t)
	}
	mc.set("LambdaFunctionARN", mc.param("FunctionArn"))
	if v := mc.str("TimeLimit"); v != "" {
		mc.a.Parameters["InvocationTimeLimitSeconds"] = v
	} else {
		mc.a.Parameters["InvocationTimeLimitSeconds"] = "3"
	}
	attrs := map[string]any{}
	for _, p := range mc.params("Parameter") {
		attrs[string(p.Key)] = mc.value(p, "Parameters.LambdaInvocationAttributes."+string(p.Key))
	}
	if len(attrs) > 0 {
		mc.a.Parameters["LambdaInvocationAttributes"] = attrs
	}
	mc.branches(nil)
}

func convCheckAttribute(mc *moduleConv) {
	mc.a.Type = "Compare"
	attr := mc.str("Attribute")
	ns := mc.str("Namespace")
	if ns == "" {
		ns = "User Defined"
	}
	path, ok := legacyPath(ns, attr)
	if !ok {
		mc.note("Parameters.ComparisonValue", "attribute %q in namespace %q has no known equivalent; written as %s", attr, ns, path)
	}
	mc.a.Parameters["ComparisonValue"] = path
	mc.branches(nil)
	mc.defaultNext()
}

func convSetAttributes(mc *moduleConv) {
	mc.a.Type = "UpdateContactAttributes"
	attrs := map[string]any{}
	for _, p := range mc.params("Attribute") {
		attrs[string(p.Key)] = mc.value(p, "Parameters.Attributes."+string(p.Key))
	}
	mc.a.Parameters["Attributes"] = attrs
	mc.branches(nil)
}

func convSetQueue(mc *moduleConv) {
	mc.a.Type = "UpdateContactTargetQueue"
	mc.queueOrAgent()
	mc.branches(nil)
}

// queueOrAgent converts an old Queue or Agent parameter.
func (mc *moduleConv) queueOrAgent() {
	if p := mc.param("Queue"); p != nil {
		mc.set("QueueId", p)
	} else if p := mc.param("Agent"); p != nil {
		mc.set("AgentId", p)
	}
}

func convTransfer(mc *moduleConv) {
	target := string(mc.m.Target)
	if target == "" {
		switch {
		case mc.param("ContactFlowId") != nil:
			target = "Flow"
		case mc.param("PhoneNumber") != nil:
			target = "PhoneNumber"
		default:
			target = "Queue"
		}
	}
	convTransferTo(target)(mc)
}

func convTransferTo(target string) func(*moduleConv) {
	return func(mc *moduleConv) {
		switch strings.ToLower(target) {
		case "queue":
			mc.a.Type = "TransferContactToQueue"
			mc.branches(map[string]outcome{"atcapacity": onError("QueueAtCapacity")})
		case "flow":
			mc.a.Type = "TransferToFlow"
			mc.set("ContactFlowId", mc.param("ContactFlowId"))
			if _, ok := mc.names["ContactFlowId"]; !ok {
				var m map[string]any
				if json.Unmarshal(mc.m.Metadata, &m) == nil {
					if cf, ok := m["ContactFlow"].(map[string]any); ok {
						if s, ok := cf["text"].(string); ok && s != "" {
							mc.names["ContactFlowId"] = s
						}
					}
				}
			}
			mc.branches(nil)
		case "phonenumber":
			convThirdParty(mc)
		case "agent":
			mc.a.Type = "TransferContactToAgent"
			mc.branches(nil)
		default:
			mc.note("", "transfer target %q has no known equivalent", target)
			mc.branches(nil)
		}
	}
}

func convThirdParty(mc *moduleConv) {
	mc.a.Type = "TransferParticipantToThirdParty"
	p := mc.a.Parameters
	mc.set("ThirdPartyPhoneNumber", mc.param("PhoneNumber"))
	mc.setStr("ThirdPartyConnectionTimeLimitSeconds", "TimeLimit")
	if b, ok := parseBool(mc.str("BlindTransfer")); ok {
		// A blind transfer leaves the flow; otherwise the flow resumes when
		// the third party hangs up.
		p["ContinueFlowExecution"] = boolString(!b)
	}
	for _, d := range []string{"Digits", "DTMFDigits", "SendDigits"} {
		if dp := mc.param(d); dp != nil {
			mc.set("ThirdPartyDTMFDigits", dp)
		}
	}
	caller := map[string]any{}
	if cp := mc.param("CallerIdNumber"); cp != nil {
		caller["Number"] = mc.value(cp, "Parameters.CallerId.Number")
	}
	if cp := mc.param("CallerIdName"); cp != nil {
		caller["Name"] = mc.value(cp, "Parameters.CallerId.Name")
	}
	if len(caller) > 0 {
		p["CallerId"] = caller
	}
	mc.branches(map[string]outcome{
		"callfailure": onError("CallFailed"),
		"timeout":     onError("ConnectionTimeLimitExceeded"),
	})
}

func convSetVoice(mc *moduleConv) {
	mc.a.Type = "UpdateContactTextToSpeechVoice"
	mc.setStr("TextToSpeechVoice", "GlobalVoice")
	mc.setStr("TextToSpeechEngine", "GlobalEngine")
	mc.setStr("TextToSpeechStyle", "SpeakingStyle")
	mc.branches(nil)
}

func enableToEnabled(v string) string {
	switch strings.ToLower(v) {
	case "enable", "enabled", "true":
		return "Enabled"
	case "disable", "disabled", "false":
		return "Disabled"
	}
	return v
}

func convRecording(mc *moduleConv) {
	mc.a.Type = "UpdateContactRecordingBehavior"
	p := mc.a.Parameters
	if opt := mc.str("RecordingBehaviorOption"); opt != "" {
		who := []any{}
		if enableToEnabled(opt) == "Enabled" {
			switch strings.ToLower(mc.str("RecordingParticipantOption")) {
			case "agent":
				who = []any{"Agent"}
			case "customer":
				who = []any{"Customer"}
			default:
				who = []any{"Agent", "Customer"}
			}
		}
		p["RecordingBehavior"] = map[string]any{"RecordedParticipants": who}
	}
	if enableToEnabled(mc.str("AnalyticsBehaviorOption")) == "Enabled" {
		ab := map[string]any{"Enabled": "True"}
		if v := mc.str("AnalyticsMode"); v != "" {
			ab["AnalyticsMode"] = v
		}
		if v := mc.str("AnalyticsLanguageLocaleCode"); v != "" {
			ab["AnalyticsLanguage"] = v
		}
		if v := mc.str("AnalyticsRedactionOption"); v != "" {
			ab["AnalyticsRedactionBehavior"] = enableToEnabled(v)
		}
		if v := mc.str("AnalyticsRedactionPolicy"); v != "" {
			ab["AnalyticsRedactionResults"] = v
		}
		p["AnalyticsBehavior"] = ab
	}
	mc.branches(nil)
}

func convMediaStreaming(state string) func(*moduleConv) {
	return func(mc *moduleConv) {
		mc.a.Type = "UpdateContactMediaStreamingBehavior"
		dirs := []any{}
		for _, t := range mc.params("Track") {
			switch strings.ToLower(string(t.Value)) {
			case "fromcustomer":
				dirs = append(dirs, "From")
			case "tocustomer":
				dirs = append(dirs, "To")
			default:
				mc.note("Parameters.Participants", "track %q has no known equivalent", string(t.Value))
			}
		}
		if len(dirs) == 0 {
			dirs = []any{"From", "To"}
		}
		typ := mc.str("MediaStreamTypes")
		if typ == "" {
			typ = "Audio"
		}
		mc.a.Parameters["MediaStreamingState"] = state
		mc.a.Parameters["MediaStreamType"] = typ
		mc.a.Parameters["Participants"] = []any{map[string]any{"ParticipantType": "Customer", "MediaDirections": dirs}}
		mc.branches(nil)
	}
}

func convEventHook(mc *moduleConv) {
	mc.a.Type = "UpdateContactEventHooks"
	hook := mc.str("Type")
	if hook == "" {
		mc.note("Parameters.EventHooks", "the module does not say which event hook it sets")
		hook = "CustomerQueue"
	}
	p := mc.param("ContactFlowId")
	value := ""
	if p != nil {
		value = mc.value(p, "Parameters.EventHooks."+hook)
		if rn := strings.TrimSpace(string(p.ResourceName)); rn != "" {
			mc.names["EventHooks."+hook] = rn
		}
	}
	mc.a.Parameters["EventHooks"] = map[string]any{hook: value}
	mc.branches(nil)
}

func convCheckStaffing(mc *moduleConv) {
	mc.a.Type = "CheckMetricData"
	status := mc.str("Status")
	if status == "" {
		status = "Available"
	}
	mc.a.Parameters["MetricType"] = "NumberOfAgents" + status
	mc.queueOrAgent()
	mc.branches(map[string]outcome{
		"true":  onCond(OpNumberGreaterThan, "0"),
		"false": onError(ErrorNoMatchingCondition),
	})
	mc.defaultNext()
}

func convCheckQueueStatus(mc *moduleConv) {
	mc.a.Type = "CheckMetricData"
	mc.queueOrAgent()
	metric := ""
	special := map[string]outcome{}
	for _, b := range mc.m.Branches {
		var m string
		switch strings.ToLower(string(b.Condition)) {
		case "checkqueuetime":
			m = "OldestContactInQueueAgeSeconds"
		case "checkqueuesize", "checkqueuecapacity":
			m = "NumberOfContactsInQueue"
		default:
			continue
		}
		op, ok := legacyOperator(string(b.ConditionType))
		if !ok {
			mc.note("branches", "condition type %q has no known equivalent; using NumberLessThan", string(b.ConditionType))
			op = OpNumberLessThan
		}
		special[strings.ToLower(string(b.Condition))] = onCond(op, "")
		if metric != "" && metric != m {
			mc.note("Parameters.MetricType", "the module tests both queue time and queue size; only %s is kept", metric)
			continue
		}
		metric = m
	}
	if metric == "" {
		metric = "NumberOfContactsInQueue"
	}
	if metric == "OldestContactInQueueAgeSeconds" {
		mc.note("Transitions.Conditions", "queue time thresholds are kept as written; OldestContactInQueueAgeSeconds is in seconds, check the old unit")
	}
	mc.a.Parameters["MetricType"] = metric
	mc.branches(special)
	mc.defaultNext()
}

func convGetMetricData(mc *moduleConv) {
	mc.a.Type = "GetMetricData"
	mc.queueOrAgent()
	mc.branches(nil)
}

func convLoopPrompts(mc *moduleConv) {
	mc.a.Type = "MessageParticipantIteratively"
	msgs := []any{}
	for _, p := range mc.m.Parameters {
		i := len(msgs)
		prefix := fmt.Sprintf("Messages[%d].", i)
		switch strings.ToLower(string(p.Name)) {
		case "text":
			key := "Text"
			if strings.EqualFold(string(p.Key), "ssml") {
				key = "SSML"
			}
			msgs = append(msgs, map[string]any{key: mc.value(&p, "Parameters."+prefix+key)})
		case "audioprompt":
			msgs = append(msgs, map[string]any{"PromptId": mc.value(&p, "Parameters."+prefix+"PromptId")})
			if rn := strings.TrimSpace(string(p.ResourceName)); rn != "" {
				mc.names[prefix+"PromptId"] = rn
			}
		}
	}
	mc.a.Parameters["Messages"] = msgs
	mc.setStr("InterruptFrequencySeconds", "InterruptSeconds")
	mc.branches(map[string]outcome{"timeout": onEquals("MessagesInterrupted")})
}

func convLoop(mc *moduleConv) {
	mc.a.Type = "Loop"
	if p := mc.param("LoopCount"); p != nil {
		mc.a.Parameters["LoopCount"] = mc.value(p, "Parameters.LoopCount")
	}
	mc.branches(map[string]outcome{"looping": onEquals("ContinueLooping"), "complete": onEquals("DoneLooping")})
	for _, c := range mc.a.Transitions.Conditions {
		if len(c.Condition.Operands) == 1 && c.Condition.Operands[0].Value == "DoneLooping" {
			mc.a.Transitions.NextAction = c.NextAction
		}
	}
}

func convRoutingPriority(mc *moduleConv) {
	mc.a.Type = "UpdateContactRoutingBehavior"
	mc.setStr("QueuePriority", "AbsolutePosition")
	mc.setStr("QueueTimeAdjustmentSeconds", "RelativePosition")
	if len(mc.a.Parameters) == 0 {
		mc.note("Parameters", "no routing priority or age adjustment found")
	}
	mc.branches(nil)
}

func convWait(mc *moduleConv) {
	mc.a.Type = "Wait"
	switch {
	case mc.param("TimeoutSeconds") != nil:
		mc.a.Parameters["TimeLimitSeconds"] = mc.value(mc.param("TimeoutSeconds"), "Parameters.TimeLimitSeconds")
	case mc.param("Timeout") != nil:
		mc.a.Parameters["TimeLimitSeconds"] = mc.value(mc.param("Timeout"), "Parameters.TimeLimitSeconds")
	}
	var events []any
	special := map[string]outcome{"timeout": onEquals("WaitCompleted")}
	for _, ev := range []string{"CustomerReturned", "BotParticipantDisconnected"} {
		special[strings.ToLower(ev)] = onEquals(ev)
		for _, b := range mc.m.Branches {
			if strings.EqualFold(string(b.Condition), ev) {
				events = append(events, ev)
				break
			}
		}
	}
	if len(events) > 0 {
		mc.a.Parameters["Events"] = events
	}
	mc.branches(special)
	mc.defaultNext()
}

func convHours(mc *moduleConv) {
	mc.a.Type = "CheckHoursOfOperation"
	for _, name := range []string{"Hours", "HoursOfOperation", "HoursOfOperationId"} {
		if p := mc.param(name); p != nil {
			mc.set("HoursOfOperationId", p)
			break
		}
	}
	mc.branches(map[string]outcome{"true": onEquals("True"), "false": onEquals("False")})
	mc.defaultNext()
}

func convCallbackNumber(mc *moduleConv) {
	mc.a.Type = "UpdateContactCallbackNumber"
	mc.set("CallbackNumber", mc.param("CallbackNumber"))
	mc.branches(map[string]outcome{
		"invalidnumber": onError("InvalidCallbackNumber"),
		"notdialable":   onError("CallbackNumberNotDialable"),
	})
}
