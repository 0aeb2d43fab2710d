package flow

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CurrentVersion is the only Version of the flow language that exists.
const CurrentVersion = "2019-10-30"

// Format is the export format a flow was read from.
type Format uint8

// The two export formats.
const (
	// FormatCurrent is the flow language: "Version": "2019-10-30", "Actions".
	FormatCurrent Format = iota
	// FormatLegacy is the older console export: "version": "1", "modules".
	FormatLegacy
)

// String returns "current" or "legacy".
func (f Format) String() string {
	if f == FormatLegacy {
		return "legacy"
	}
	return "current"
}

// Flow is one flow document. Marshalling it gives the current format whatever
// format it was parsed from.
type Flow struct {
	// Version is the language version; CurrentVersion when written.
	Version string
	// StartAction is the Identifier of the first action to run.
	StartAction string
	// Metadata is the editor's data: positions, display names of resources.
	Metadata Metadata
	// Actions are the steps of the flow, in document order.
	Actions []Action
	// Settings is present in flow modules only.
	Settings *Settings

	// Format is the format the document was parsed from. It is not written.
	Format Format
	// ConversionNotes lists what the old-format converter could not carry
	// over exactly. Validate reports each as a warning. It is not written.
	ConversionNotes []Note
}

// Note is a remark of the old-format converter about one action.
type Note struct {
	Action  string // Identifier (the old module id)
	Field   string // parameter or branch concerned, e.g. "Parameters.QueueId"
	Message string
}

// Action is one step of a flow.
type Action struct {
	// Identifier is unique in the flow: a UUID or a name a person typed.
	Identifier string
	// Type names the action, e.g. "MessageParticipant"; see LookupAction.
	Type string
	// Parameters holds the action's parameters as decoded JSON: strings,
	// map[string]any, []any, and json.Number or bool only inside nested
	// free-form values (ViewData, for example). Top-level scalars are always
	// strings, booleans as "True"/"False". Never nil after Parse.
	Parameters map[string]any
	// Transitions says where to go next.
	Transitions Transitions
}

// Transitions is where an action leads: NextAction on success, the first
// Condition that holds when the action has a result, the Error whose type
// matches when it fails (NoMatchingError being the fallback). An action with
// empty Transitions ends the flow.
type Transitions struct {
	NextAction string
	Conditions []ConditionTransition
	Errors     []ErrorTransition
}

// IsEmpty reports whether the transitions lead nowhere.
func (t *Transitions) IsEmpty() bool {
	return t.NextAction == "" && len(t.Conditions) == 0 && len(t.Errors) == 0
}

// ConditionTransition is a branch taken when Condition holds for the result.
type ConditionTransition struct {
	NextAction string
	Condition  Condition
}

// ErrorTransition is a branch taken when the action fails with ErrorType.
type ErrorTransition struct {
	NextAction string
	ErrorType  string
}

// Condition compares the action's result with its operands, e.g.
// {"Operator": "Equals", "Operands": ["1"]}.
type Condition struct {
	Operator string
	Operands []Operand
}

// Operand is one operand of a Condition: a string, or a nested Condition for
// the combining operators.
type Operand struct {
	Value     string
	Condition *Condition
}

// Settings is the interface of a flow module: its inputs, outputs and the
// return branches that InvokeFlowModule exposes to its caller.
type Settings struct {
	InputParameters  []map[string]any
	OutputParameters []map[string]any
	Transitions      []ModuleTransition
}

// ModuleTransition is one return branch of a flow module.
type ModuleTransition struct {
	DisplayName   string
	ReferenceName string
	Description   string
}

// Position is a point on the editor's canvas.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Metadata is the flow's editor data. It plays no part at run time.
//
// Raw is what gets written back; the typed fields are read from it by Parse
// (and by the old-format converter, which builds Raw) for the importer's
// convenience. To change what is written, change Raw. When Raw is empty the
// typed fields are written instead.
type Metadata struct {
	Raw json.RawMessage

	EntryPointPosition *Position
	// Name, Description, Type and Status appear in some exports (always in
	// old-format ones): the flow's name, and its type in the console's
	// spelling ("contactFlow", "customerQueue", ...).
	Name, Description, Type, Status string
	// Actions holds the editor data of each action by Identifier.
	Actions map[string]ActionMetadata
}

// ActionMetadata is the editor data of one action.
type ActionMetadata struct {
	Position *Position
	// IsFriendlyName says the Identifier is a name a person typed.
	IsFriendlyName bool
	// DisplayNames maps a parameter path ("QueueId", "LexV2Bot.AliasArn",
	// "EventHooks.CustomerQueue", "Messages[0].PromptId") to the name of the
	// resource the editor showed for it: the queue, flow, prompt or Lambda
	// function name behind an ARN.
	DisplayNames map[string]string
	// LegacyType is the old-format module type the action was converted from.
	LegacyType string
}

// DisplayName returns the editor's name for the resource that parameter path
// param of action id refers to, or "". When the name is recorded on a
// member of the parameter ("LexV2Bot" -> "LexV2Bot.AliasArn") or on the
// parameter holding it ("EventHooks.CustomerQueue" -> "EventHooks"), that
// name is returned.
func (m *Metadata) DisplayName(id, param string) string {
	names := m.Actions[id].DisplayNames
	if len(names) == 0 || param == "" {
		return ""
	}
	if n := names[param]; n != "" {
		return n
	}
	bestKey, best := "", ""
	for k, n := range names {
		if len(k) > len(param) && strings.HasPrefix(k, param) && (k[len(param)] == '.' || k[len(param)] == '[') &&
			(best == "" || k < bestKey) {
			bestKey, best = k, n
		}
	}
	if best != "" {
		return best
	}
	for p := param; ; {
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return ""
		}
		p = p[:i]
		if n := names[p]; n != "" {
			return n
		}
	}
}

// MarshalJSON writes Raw, or the typed fields when Raw is empty.
func (m Metadata) MarshalJSON() ([]byte, error) {
	if len(m.Raw) > 0 {
		return m.Raw, nil
	}
	out := map[string]any{}
	if m.EntryPointPosition != nil {
		out["entryPointPosition"] = m.EntryPointPosition
	}
	for k, v := range map[string]string{"name": m.Name, "description": m.Description, "type": m.Type, "status": m.Status} {
		if v != "" {
			out[k] = v
		}
	}
	if len(m.Actions) > 0 {
		am := make(map[string]any, len(m.Actions))
		for id, a := range m.Actions {
			am[id] = a.toJSON()
		}
		out["ActionMetadata"] = am
	}
	return json.Marshal(out)
}

// toJSON gives the editor's shape of an ActionMetadata: display names go to
// parameters.<path>.displayName, nested as the parameters are.
func (a ActionMetadata) toJSON() map[string]any {
	out := map[string]any{}
	if a.Position != nil {
		out["position"] = a.Position
	}
	if a.IsFriendlyName {
		out["isFriendlyName"] = true
	}
	if a.LegacyType != "" {
		out["legacyType"] = a.LegacyType
	}
	if len(a.DisplayNames) > 0 {
		params := map[string]any{}
		for path, name := range a.DisplayNames {
			setDisplayName(params, splitParamPath(path), name)
		}
		out["parameters"] = params
	}
	return out
}

// setDisplayName stores name at params[seg0][seg1]...["displayName"].
func setDisplayName(params map[string]any, segs []string, name string) {
	m := params
	for _, s := range segs {
		next, ok := m[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	m["displayName"] = name
}

// splitParamPath splits "Messages[0].PromptId" into "Messages", "0", "PromptId".
func splitParamPath(p string) []string {
	var segs []string
	cur := make([]byte, 0, len(p))
	flush := func() {
		if len(cur) > 0 {
			segs = append(segs, string(cur))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '.', '[', ']':
			flush()
		default:
			cur = append(cur, c)
		}
	}
	flush()
	return segs
}

// Type returns the flow's type in Switchboard's (and the API's) spelling,
// e.g. "CONTACT_FLOW" or "CUSTOMER_QUEUE", as far as the document tells: from
// Metadata.type, or "FLOW_MODULE" when it has module Settings. It returns ""
// when the document does not say.
func (f *Flow) Type() string {
	if f.Settings != nil {
		return "FLOW_MODULE"
	}
	return consoleFlowTypes[f.Metadata.Type]
}

// consoleFlowTypes maps the console's flow type names (old-format
// metadata.type) to the API's.
var consoleFlowTypes = map[string]string{
	"contactFlow":     "CONTACT_FLOW",
	"customerQueue":   "CUSTOMER_QUEUE",
	"customerHold":    "CUSTOMER_HOLD",
	"customerWhisper": "CUSTOMER_WHISPER",
	"agentHold":       "AGENT_HOLD",
	"agentWhisper":    "AGENT_WHISPER",
	"outboundWhisper": "OUTBOUND_WHISPER",
	"agentTransfer":   "AGENT_TRANSFER",
	"queueTransfer":   "QUEUE_TRANSFER",
	"contactModule":   "FLOW_MODULE",
	"campaign":        "CAMPAIGN",
}

// ActionIndex returns the flow's actions by Identifier. When identifiers are
// duplicated (Validate reports it), the first action wins.
func (f *Flow) ActionIndex() map[string]*Action {
	idx := make(map[string]*Action, len(f.Actions))
	for i := range f.Actions {
		a := &f.Actions[i]
		if _, dup := idx[a.Identifier]; !dup {
			idx[a.Identifier] = a
		}
	}
	return idx
}

// Targets returns every Identifier the action's transitions lead to, in
// order, without duplicates.
func (a *Action) Targets() []string {
	var out []string
	add := func(id string) {
		if id == "" {
			return
		}
		for _, o := range out {
			if o == id {
				return
			}
		}
		out = append(out, id)
	}
	add(a.Transitions.NextAction)
	for _, c := range a.Transitions.Conditions {
		add(c.NextAction)
	}
	for _, e := range a.Transitions.Errors {
		add(e.NextAction)
	}
	return out
}

// ErrorTarget returns the NextAction of the Errors entry for errorType, or ""
// when there is none. It does not fall back to NoMatchingError; the caller
// decides that.
func (t *Transitions) ErrorTarget(errorType string) string {
	for _, e := range t.Errors {
		if e.ErrorType == errorType {
			return e.NextAction
		}
	}
	return ""
}

// StringParam returns parameter name as a string: "" when it is missing or not
// a scalar.
func (a *Action) StringParam(name string) string {
	s, _ := scalarString(a.Parameters[name])
	return s
}

// BoolParam returns parameter name as a boolean: ok is false when it is
// missing or is not "True"/"False" (in any case).
func (a *Action) BoolParam(name string) (value, ok bool) {
	s, isScalar := scalarString(a.Parameters[name])
	if !isScalar {
		return false, false
	}
	return parseBool(s)
}

// MapParam returns parameter name when it is a JSON object, else nil.
func (a *Action) MapParam(name string) map[string]any {
	m, _ := a.Parameters[name].(map[string]any)
	return m
}

// ListParam returns parameter name when it is a JSON array, else nil.
func (a *Action) ListParam(name string) []any {
	l, _ := a.Parameters[name].([]any)
	return l
}

// StringMapParam returns parameter name, a JSON object of scalars such as
// UpdateContactAttributes.Attributes, as strings. Non-scalar values are left
// out. It returns nil when the parameter is missing or not an object.
func (a *Action) StringMapParam(name string) map[string]string {
	m, ok := a.Parameters[name].(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := scalarString(v); ok {
			out[k] = s
		}
	}
	return out
}

// scalarString renders a decoded JSON scalar as the flow language writes it.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

// parseBool accepts "True"/"False" in any case.
func parseBool(s string) (value, ok bool) {
	switch {
	case equalFoldASCII(s, "true"):
		return true, true
	case equalFoldASCII(s, "false"):
		return false, true
	}
	return false, false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// MarshalJSON writes the flow in the current format.
func (f Flow) MarshalJSON() ([]byte, error) {
	type doc struct {
		Version     string
		StartAction string
		Metadata    Metadata
		Actions     []Action
		Settings    *Settings `json:",omitempty"`
	}
	d := doc{Version: f.Version, StartAction: f.StartAction, Metadata: f.Metadata, Actions: f.Actions, Settings: f.Settings}
	if d.Version == "" {
		d.Version = CurrentVersion
	}
	if d.Actions == nil {
		d.Actions = []Action{}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("flow: marshal: %w", err)
	}
	return b, nil
}

// UnmarshalJSON parses data with Parse, so a Flow can be a field of another
// JSON document and still accept both export formats.
func (f *Flow) UnmarshalJSON(data []byte) error {
	g, err := Parse(data)
	if err != nil {
		return err
	}
	*f = *g
	return nil
}

// MarshalJSON writes the action with Parameters and Transitions always
// present, as exports do.
func (a Action) MarshalJSON() ([]byte, error) {
	type action struct {
		Identifier  string
		Type        string
		Parameters  map[string]any
		Transitions Transitions
	}
	p := a.Parameters
	if p == nil {
		p = map[string]any{}
	}
	return json.Marshal(action{a.Identifier, a.Type, p, a.Transitions})
}

// MarshalJSON leaves out empty fields, so a terminal action writes {}.
func (t Transitions) MarshalJSON() ([]byte, error) {
	type transitions struct {
		NextAction string                `json:",omitempty"`
		Conditions []ConditionTransition `json:",omitempty"`
		Errors     []ErrorTransition     `json:",omitempty"`
	}
	return json.Marshal(transitions(t))
}

// MarshalJSON writes a string operand as a JSON string and a nested condition
// as an object.
func (o Operand) MarshalJSON() ([]byte, error) {
	if o.Condition != nil {
		return json.Marshal(o.Condition)
	}
	return json.Marshal(o.Value)
}

// MarshalJSON writes Operands as [] rather than null.
func (c Condition) MarshalJSON() ([]byte, error) {
	type condition struct {
		Operator string
		Operands []Operand
	}
	ops := c.Operands
	if ops == nil {
		ops = []Operand{}
	}
	return json.Marshal(condition{c.Operator, ops})
}

// MarshalJSON writes the three lists, empty ones as [].
func (s Settings) MarshalJSON() ([]byte, error) {
	type settings struct {
		InputParameters  []map[string]any
		OutputParameters []map[string]any
		Transitions      []ModuleTransition
	}
	out := settings(s)
	if out.InputParameters == nil {
		out.InputParameters = []map[string]any{}
	}
	if out.OutputParameters == nil {
		out.OutputParameters = []map[string]any{}
	}
	if out.Transitions == nil {
		out.Transitions = []ModuleTransition{}
	}
	return json.Marshal(out)
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
