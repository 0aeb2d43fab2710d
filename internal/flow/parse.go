package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Parse reads a flow document in either export format: the flow language
// ("Version": "2019-10-30", "Actions") or the older console export
// ("modules", "version": "1"), which it converts (see Flow.Format and
// Flow.ConversionNotes).
//
// It is lenient where real exports vary and strict where the document is
// unusable:
//   - top-level scalar parameters become strings: numbers as written,
//     booleans as "True"/"False"; a boolean parameter's "true" becomes "True";
//   - missing, null and empty lists and objects are all the same;
//   - known aliases are renamed (Wait.TimeoutSeconds to TimeLimitSeconds,
//     UpdateRoutingCriteria to UpdateContactRoutingCriteria), as are field
//     and parameter names that differ from the catalogue's only in case;
//   - unknown fields are tolerated (and not written back);
//   - a document that is not JSON, not an object, or not a flow, or whose
//     fields have unusable types (Actions not a list, say), is an error of
//     type *ParseError that says where.
//
// Parse does not check that the flow makes sense; Validate does.
func Parse(data []byte) (*Flow, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{Err: ErrEmpty}
	}
	// One pass of the decoder over the whole document: the actions are
	// decoded as they are read, the metadata is kept as bytes.
	var doc currentDoc
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return nil, jsonError(data, err)
	}
	if rest := data[d.InputOffset():]; len(bytes.TrimSpace(rest)) > 0 {
		at := d.InputOffset() + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n")))
		line, col := lineCol(data, at)
		return nil, &ParseError{Line: line, Column: col, Err: ErrSyntax, Detail: "unexpected data after the document"}
	}
	if firstByte(data) != '{' { // only null decodes into a struct without error
		return nil, &ParseError{Err: ErrNotObject, Detail: "the document is null"}
	}
	switch {
	case doc.Actions != nil:
		return parseCurrent(&doc)
	case doc.Modules != nil:
		return parseLegacy(data)
	case doc.Version != nil || doc.StartAction != nil: // a flow with no actions yet
		return parseCurrent(&doc)
	}
	// Here too when "Actions" is null: decoding in one pass cannot tell
	// null from missing, and a document of nulls is not worth a second.
	return nil, &ParseError{Err: ErrNotFlow}
}

// currentDoc is the top level of a current-format document. Field names
// match in any case, as encoding/json does.
type currentDoc struct {
	Version     any
	StartAction any
	Metadata    json.RawMessage
	Actions     any
	Settings    any
	Modules     json.RawMessage `json:"modules"` // the old format
}

// jsonError turns an encoding/json error into a *ParseError with a location.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, errorAt(data, se.Offset))
		return &ParseError{Line: line, Column: col, Err: ErrSyntax, Detail: se.Error()}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := lineCol(data, errorAt(data, te.Offset))
		if te.Field == "" {
			return &ParseError{Err: ErrNotObject, Detail: "the document is a JSON " + te.Value}
		}
		return &ParseError{Line: line, Column: col, Path: te.Field, Err: ErrType,
			Detail: fmt.Sprintf("got %s, want %s", te.Value, jsonKind(te.Type.Kind().String()))}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := lineCol(data, int64(len(data)))
		return &ParseError{Line: line, Column: col, Err: ErrSyntax, Detail: "unexpected end of JSON input"}
	}
	return &ParseError{Err: ErrSyntax, Detail: err.Error()}
}

// errorAt turns encoding/json's "error after reading offset bytes" into the
// offset of the offending byte; past the end for a truncated document.
func errorAt(data []byte, offset int64) int64 {
	if offset > 0 && offset < int64(len(data)) {
		return offset - 1
	}
	return offset
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(k string) string {
	switch k {
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	}
	return k
}

// lookup finds key in m, exactly or else ignoring case.
func lookup[V any](m map[string]V, key string) (V, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

func parseCurrent(doc *currentDoc) (*Flow, error) {
	f := &Flow{Format: FormatCurrent}
	var err error
	if f.Version, err = topScalar(doc.Version, "Version"); err != nil {
		return nil, err
	}
	if f.StartAction, err = topScalar(doc.StartAction, "StartAction"); err != nil {
		return nil, err
	}
	if raw := doc.Metadata; raw != nil && !isNull(raw) {
		if firstByte(raw) != '{' {
			return nil, &ParseError{Path: "Metadata", Err: ErrNotObject}
		}
		f.Metadata = decodeMetadata(raw)
	}
	if doc.Actions != nil {
		list, ok := doc.Actions.([]any)
		if !ok {
			return nil, typeError("Actions", doc.Actions, "array")
		}
		f.Actions = make([]Action, 0, len(list))
		for i, v := range list {
			a, err := parseAction(v, "Actions["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			f.Actions = append(f.Actions, a)
		}
	}
	if doc.Settings != nil {
		s, err := parseSettings(doc.Settings)
		if err != nil {
			return nil, err
		}
		f.Settings = s
	}
	return f, nil
}

// topScalar reads a top-level string; numbers and booleans are accepted.
func topScalar(v any, name string) (string, error) {
	if v == nil {
		return "", nil
	}
	s, ok := scalarString(v)
	if !ok {
		return "", typeError(name, v, "string")
	}
	return s, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func firstByte(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// decodeNumbers decodes raw keeping numbers as json.Number, so that they
// are written back exactly as they were read.
func decodeNumbers(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

func typeError(path string, v any, want string) *ParseError {
	return &ParseError{Path: path, Err: ErrType, Detail: fmt.Sprintf("got %s, want %s", typeName(v), want)}
}

// typeName names the JSON type of a decoded value.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64, int:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// field reads m[name] (any case) as a string.
func field(m map[string]any, name, path string) (string, error) {
	v, ok := lookup(m, name)
	if !ok || v == nil {
		return "", nil
	}
	s, ok := scalarString(v)
	if !ok {
		return "", typeError(path+"."+name, v, "string")
	}
	return s, nil
}

// objectField reads m[name] (any case) as an object; nil when absent or null.
func objectField(m map[string]any, name, path string) (map[string]any, error) {
	v, ok := lookup(m, name)
	if !ok || v == nil {
		return nil, nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, typeError(path+"."+name, v, "object")
	}
	return o, nil
}

// listField reads m[name] (any case) as an array; nil when absent or null.
func listField(m map[string]any, name, path string) ([]any, error) {
	v, ok := lookup(m, name)
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, typeError(path+"."+name, v, "array")
	}
	return l, nil
}

func parseAction(v any, path string) (Action, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Action{}, typeError(path, v, "object")
	}
	var a Action
	var err error
	if a.Identifier, err = field(m, "Identifier", path); err != nil {
		return a, err
	}
	if a.Type, err = field(m, "Type", path); err != nil {
		return a, err
	}
	spec := lookupActionLenient(a.Type)
	if spec != nil {
		a.Type = spec.Type
	}
	params, err := objectField(m, "Parameters", path)
	if err != nil {
		return a, err
	}
	a.Parameters = normalizeParams(spec, params)
	tr, err := objectField(m, "Transitions", path)
	if err != nil {
		return a, err
	}
	if a.Transitions, err = parseTransitions(tr, path+".Transitions"); err != nil {
		return a, err
	}
	return a, nil
}

// lookupActionLenient finds the spec of typ, ignoring case as a last resort.
func lookupActionLenient(typ string) *ActionSpec {
	if s, ok := catalogIndex[typ]; ok {
		return s
	}
	for name, s := range catalogIndex {
		if strings.EqualFold(name, typ) {
			return s
		}
	}
	return nil
}

func parseTransitions(m map[string]any, path string) (Transitions, error) {
	var t Transitions
	if m == nil {
		return t, nil
	}
	var err error
	if t.NextAction, err = field(m, "NextAction", path); err != nil {
		return t, err
	}
	conds, err := listField(m, "Conditions", path)
	if err != nil {
		return t, err
	}
	for i, cv := range conds {
		p := fmt.Sprintf("%s.Conditions[%d]", path, i)
		cm, ok := cv.(map[string]any)
		if !ok {
			return t, typeError(p, cv, "object")
		}
		var ct ConditionTransition
		if ct.NextAction, err = field(cm, "NextAction", p); err != nil {
			return t, err
		}
		c, err := objectField(cm, "Condition", p)
		if err != nil {
			return t, err
		}
		if ct.Condition, err = parseCondition(c, p+".Condition"); err != nil {
			return t, err
		}
		t.Conditions = append(t.Conditions, ct)
	}
	errList, err := listField(m, "Errors", path)
	if err != nil {
		return t, err
	}
	for i, ev := range errList {
		p := fmt.Sprintf("%s.Errors[%d]", path, i)
		em, ok := ev.(map[string]any)
		if !ok {
			return t, typeError(p, ev, "object")
		}
		var et ErrorTransition
		if et.NextAction, err = field(em, "NextAction", p); err != nil {
			return t, err
		}
		if et.ErrorType, err = field(em, "ErrorType", p); err != nil {
			return t, err
		}
		t.Errors = append(t.Errors, et)
	}
	return t, nil
}

func parseCondition(m map[string]any, path string) (Condition, error) {
	var c Condition
	if m == nil {
		return c, nil
	}
	var err error
	if c.Operator, err = field(m, "Operator", path); err != nil {
		return c, err
	}
	v, ok := lookup(m, "Operands")
	if !ok || v == nil {
		return c, nil
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v} // a lone operand
	}
	for i, ov := range list {
		p := fmt.Sprintf("%s.Operands[%d]", path, i)
		if om, ok := ov.(map[string]any); ok {
			nested, err := parseCondition(om, p)
			if err != nil {
				return c, err
			}
			c.Operands = append(c.Operands, Operand{Condition: &nested})
			continue
		}
		s, ok := scalarString(ov)
		if !ok {
			return c, typeError(p, ov, "string or condition")
		}
		c.Operands = append(c.Operands, Operand{Value: s})
	}
	return c, nil
}

func parseSettings(v any) (*Settings, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeError("Settings", v, "object")
	}
	s := &Settings{}
	for _, name := range []string{"InputParameters", "OutputParameters"} {
		l, err := listField(m, name, "Settings")
		if err != nil {
			return nil, err
		}
		var out []map[string]any
		for i, e := range l {
			em, ok := e.(map[string]any)
			if !ok {
				return nil, typeError(fmt.Sprintf("Settings.%s[%d]", name, i), e, "object")
			}
			out = append(out, em)
		}
		if name == "InputParameters" {
			s.InputParameters = out
		} else {
			s.OutputParameters = out
		}
	}
	l, err := listField(m, "Transitions", "Settings")
	if err != nil {
		return nil, err
	}
	for i, e := range l {
		p := fmt.Sprintf("Settings.Transitions[%d]", i)
		em, ok := e.(map[string]any)
		if !ok {
			return nil, typeError(p, e, "object")
		}
		var mt ModuleTransition
		if mt.DisplayName, err = field(em, "DisplayName", p); err != nil {
			return nil, err
		}
		if mt.ReferenceName, err = field(em, "ReferenceName", p); err != nil {
			return nil, err
		}
		if mt.Description, err = field(em, "Description", p); err != nil {
			return nil, err
		}
		s.Transitions = append(s.Transitions, mt)
	}
	return s, nil
}

// normalizeParams renames aliases and normalises values by the catalogue.
// Parameters of an unknown action keep their values, except that top-level
// scalars become strings.
func normalizeParams(spec *ActionSpec, params map[string]any) map[string]any {
	if params == nil {
		return map[string]any{}
	}
	var specs []ParamSpec
	if spec != nil {
		specs = spec.Params
	}
	normalizeObject(specs, params, true)
	return params
}

// normalizeObject normalises the members of m, described by specs, in
// place. Top-level parameters the catalogue does not know still have their
// scalars written as strings; unknown nested members are left alone.
func normalizeObject(specs []ParamSpec, m map[string]any, top bool) {
	if needsRenaming(specs, m) {
		keys := resolveKeys(specs, m)
		old := make(map[string]any, len(m))
		for k, v := range m {
			old[k] = v
			delete(m, k)
		}
		for _, k := range keys {
			normalizeMember(k.spec, m, k.name, old[k.key], top)
		}
		return
	}
	for k, v := range m { // the usual case: every name is the catalogue's
		normalizeMember(exactParam(specs, k), m, k, v, top)
	}
}

// normalizeMember stores v, normalised by ps, as m[name]; a null is
// dropped.
func normalizeMember(ps *ParamSpec, m map[string]any, name string, v any, top bool) {
	if ps == nil {
		switch {
		case v == nil:
			delete(m, name)
		case top:
			if s, ok := scalarString(v); ok {
				v = s
			}
			m[name] = v
		default:
			m[name] = v
		}
		return
	}
	if nv, keep := normalizeValue(ps, v); keep {
		m[name] = nv
	} else {
		delete(m, name)
	}
}

// needsRenaming reports whether a key of m is an alias or a miscased name.
func needsRenaming(specs []ParamSpec, m map[string]any) bool {
	if len(specs) == 0 {
		return false
	}
	for k := range m {
		if exactParam(specs, k) == nil && findParam(specs, k) != nil {
			return true
		}
	}
	return false
}

func exactParam(specs []ParamSpec, name string) *ParamSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}

// resolvedKey is a key of a parameter object and the name it is stored
// under.
type resolvedKey struct {
	key, name string
	spec      *ParamSpec // nil when the catalogue does not know the key
}

// resolveKeys decides the name of each key of m: a key that matches a spec
// exactly keeps it; an alias or a name in the wrong case is renamed, unless
// the canonical name is already taken, in which case it stays as written
// (and Validate flags it as unknown). The order is deterministic.
func resolveKeys(specs []ParamSpec, m map[string]any) []resolvedKey {
	keys := sortedKeys(m)
	taken := make(map[string]bool, len(keys))
	for _, k := range keys {
		for i := range specs {
			if specs[i].Name == k {
				taken[k] = true
			}
		}
	}
	out := make([]resolvedKey, 0, len(keys))
	for _, k := range keys {
		ps := findParam(specs, k)
		name := k
		if ps != nil && ps.Name != k {
			if taken[ps.Name] {
				ps = nil
			} else {
				name = ps.Name
				taken[name] = true
			}
		}
		out = append(out, resolvedKey{key: k, name: name, spec: ps})
	}
	return out
}

// findParam finds a spec by name, alias, or name ignoring case.
func findParam(specs []ParamSpec, name string) *ParamSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	for i := range specs {
		for _, a := range specs[i].Aliases {
			if a == name {
				return &specs[i]
			}
		}
	}
	for i := range specs {
		if strings.EqualFold(specs[i].Name, name) {
			return &specs[i]
		}
	}
	return nil
}

// normalizeValue brings v to the shape ps describes where that is safe;
// keep is false when the value is null and should be dropped.
func normalizeValue(ps *ParamSpec, v any) (out any, keep bool) {
	if v == nil {
		return nil, false
	}
	switch {
	case ps.Value.isScalar():
		s, ok := scalarString(v)
		if !ok {
			return v, true // wrong type; Validate reports it
		}
		if ps.Bool {
			if b, ok := parseBool(s); ok {
				s = boolString(b)
			}
		}
		return s, true
	case ps.Value == ValueObject:
		m, ok := v.(map[string]any)
		if !ok {
			return v, true
		}
		normalizeObject(ps.Fields, m, false)
		return m, true
	case ps.Value == ValueList:
		l, ok := v.([]any)
		if !ok {
			if ps.Elem != nil && ps.Elem.Value.isScalar() {
				if s, ok := scalarString(v); ok {
					l = []any{s} // a lone element
				}
			}
			if l == nil {
				return v, true
			}
		}
		if ps.Elem == nil {
			return l, true
		}
		res := l[:0] // in place: the decoded list is ours
		for _, e := range l {
			if nv, keep := normalizeValue(ps.Elem, e); keep {
				res = append(res, nv)
			}
		}
		return res, true
	case ps.Value == ValueMap:
		m, ok := v.(map[string]any)
		if !ok || ps.Elem == nil {
			return v, true
		}
		for k, e := range m {
			if nv, keep := normalizeValue(ps.Elem, e); keep {
				m[k] = nv
			} else {
				delete(m, k)
			}
		}
		return m, true
	}
	return v, true
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// metadataDoc is the part of the editor data Parse reads. Decoding into a
// struct skips everything else without building it.
type metadataDoc struct {
	EntryPointPosition any                          `json:"entryPointPosition"`
	Name               any                          `json:"name"`
	Description        any                          `json:"description"`
	Type               any                          `json:"type"`
	Status             any                          `json:"status"`
	ActionMetadata     map[string]actionMetadataDoc `json:"ActionMetadata"`
}

type actionMetadataDoc struct {
	Position       any            `json:"position"`
	IsFriendlyName any            `json:"isFriendlyName"`
	LegacyType     any            `json:"legacyType"`
	Parameters     map[string]any `json:"parameters"`
	Queue          any            `json:"queue"`
	// "ContactFlow" (TransferToFlow, CreateTask) and "contactFlow"
	// (UpdateContactEventHooks) are different keys; encoding/json prefers
	// an exact match, so the two fields keep them apart.
	ContactFlow   any `json:"ContactFlow"`
	EventHookFlow any `json:"contactFlow"`
	LexV2BotName  any `json:"lexV2BotName"`
	TemplateName  any `json:"templateName"`
	PromptName    any `json:"promptName"`
	Audio         any `json:"audio"`
}

// decodeMetadata reads the typed view of the editor data. Metadata is not
// needed to run a flow, so anything unexpected in it is ignored.
func decodeMetadata(raw json.RawMessage) Metadata {
	md := Metadata{Raw: raw}
	var m metadataDoc
	_ = json.Unmarshal(raw, &m) // type mismatches leave fields empty
	md.EntryPointPosition = position(m.EntryPointPosition)
	md.Name, _ = m.Name.(string)
	md.Description, _ = m.Description.(string)
	md.Type, _ = m.Type.(string)
	md.Status, _ = m.Status.(string)
	if len(m.ActionMetadata) > 0 {
		md.Actions = make(map[string]ActionMetadata, len(m.ActionMetadata))
		for id, a := range m.ActionMetadata {
			md.Actions[id] = actionMetadata(&a)
		}
	}
	return md
}

func position(v any) *Position {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	x, okx := m["x"].(float64)
	y, oky := m["y"].(float64)
	if !okx && !oky {
		return nil
	}
	return &Position{X: x, Y: y}
}

// actionMetadata reads one action's editor data. Display names come from
// parameters.<path>.displayName and, failing that, from the blocks' own
// fields (queue.text, ContactFlow.text, lexV2BotName, ...).
func actionMetadata(m *actionMetadataDoc) ActionMetadata {
	a := ActionMetadata{Position: position(m.Position)}
	a.IsFriendlyName, _ = m.IsFriendlyName.(bool)
	a.LegacyType, _ = m.LegacyType.(string)
	var names map[string]string // most actions have none
	if m.Parameters != nil {
		collectDisplayNames(m.Parameters, "", &names, 0)
	}
	setName := func(path string, v any) {
		if s, ok := v.(string); ok && s != "" && names[path] == "" {
			if names == nil {
				names = map[string]string{}
			}
			names[path] = s
		}
	}
	textOf := func(v any) any {
		if o, ok := v.(map[string]any); ok {
			return o["text"]
		}
		return nil
	}
	setName("QueueId", textOf(m.Queue))
	setName("ContactFlowId", textOf(m.ContactFlow))
	setName("EventHooks", textOf(m.EventHookFlow))
	setName("LexV2Bot.AliasArn", m.LexV2BotName)
	setName("LexBot.Name", m.LexV2BotName)
	setName("CaseTemplateId", m.TemplateName)
	setName("PromptId", m.PromptName)
	if audio, ok := m.Audio.([]any); ok {
		for i, e := range audio {
			if o, ok := e.(map[string]any); ok && o["type"] == "Prompt" {
				setName("Messages["+strconv.Itoa(i)+"].PromptId", o["text"])
			}
		}
	}
	if len(names) > 0 {
		a.DisplayNames = names
	}
	return a
}

// collectDisplayNames finds every displayName under the editor's
// parameters object; the path of its parent is the parameter path.
func collectDisplayNames(m map[string]any, prefix string, out *map[string]string, depth int) {
	if depth > 8 {
		return
	}
	for k, v := range m {
		if k == "displayName" {
			if s, ok := v.(string); ok && s != "" && prefix != "" {
				if *out == nil {
					*out = map[string]string{}
				}
				(*out)[prefix] = s
			}
			continue
		}
		if o, ok := v.(map[string]any); ok {
			p := k
			switch {
			case isDigits(k) && prefix != "":
				p = prefix + "[" + k + "]" // a list index: Messages[0]
			case prefix != "":
				p = prefix + "." + k
			}
			collectDisplayNames(o, p, out, depth+1)
		}
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
