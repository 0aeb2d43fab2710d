package flow

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
)

// Severity says whether a Problem stops a flow from being imported.
type Severity string

// The severities.
const (
	// SeverityError: the flow cannot run as written.
	SeverityError Severity = "error"
	// SeverityWarning: the flow runs, but probably not as its author meant.
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Validate.
type Problem struct {
	Severity Severity
	Flow     string // the flow's name, as given to Validate
	Action   string // Identifier; "" for the flow as a whole
	Type     string // the action's Type
	// Field locates the problem: "Parameters.StoreInput",
	// "Transitions.Conditions[1].Condition.Operands", "StartAction".
	Field   string
	Message string
}

// Error formats the problem as
// flow "Main": action "a1b2" (GetParticipantInput): parameter "StoreInput": must be "True" or "False".
func (p Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %q", p.Flow)
	if p.Action != "" {
		fmt.Fprintf(&b, ": action %q", p.Action)
		if p.Type != "" {
			fmt.Fprintf(&b, " (%s)", p.Type)
		}
	}
	if p.Field != "" {
		if name, ok := strings.CutPrefix(p.Field, "Parameters."); ok {
			fmt.Fprintf(&b, ": parameter %q", name)
		} else {
			b.WriteString(": ")
			b.WriteString(p.Field)
		}
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Problems is what Validate finds, in document order.
type Problems []Problem

// Errors returns the problems of severity error.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns the problems of severity warning.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// HasErrors reports whether any problem is an error.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns nil when there are no errors, else a *ValidationError holding
// them.
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	ve := &ValidationError{Flow: errs[0].Flow, Problems: errs}
	seen := map[string]bool{}
	for _, p := range errs {
		if p.Field == "Type" && strings.HasPrefix(p.Message, unsupportedPrefix) && !seen[p.Type] {
			seen[p.Type] = true
			ve.Unsupported = append(ve.Unsupported, p.Type)
		}
	}
	slices.Sort(ve.Unsupported)
	return ve
}

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("invalid flow")

// ValidationError is a flow that Validate rejected.
type ValidationError struct {
	Flow        string
	Problems    Problems // errors only
	Unsupported []string // the unsupported action types, sorted
}

// Error lists the errors, one a line, after a summary naming the
// unsupported action types.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %q: %d error", e.Flow, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	if len(e.Unsupported) > 0 {
		fmt.Fprintf(&b, "; unsupported action types: %s", strings.Join(e.Unsupported, ", "))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

const unsupportedPrefix = "unsupported action type"

// UnsupportedTypes returns the action types in f that the catalogue does not
// know, sorted and without repeats.
func UnsupportedTypes(f *Flow) []string {
	var out []string
	for i := range f.Actions {
		t := f.Actions[i].Type
		if _, ok := LookupAction(t); !ok && t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// Validate checks f, naming it name in the problems. Errors mean the flow
// cannot run as written: unsupported or missing action types, a missing or
// dangling StartAction, transitions to actions that do not exist, missing
// required branches and parameters, malformed JSONPaths, a JSONPath where
// only a static value is allowed, values outside their enumeration or
// range, duplicate or malformed identifiers. Warnings flag what runs but
// looks unintended: unreachable actions, unknown parameters, branches that
// are never taken, unresolved placeholders in non-resource parameters, and
// the old-format converter's notes.
//
// Placeholders and empty values in resource parameters (an ARN replaced by
// ${QueueArn}, {{...}} or %%NAME%%) are not problems here: the import
// binding resolves them, see Flow.References.
func Validate(f *Flow, name string) Problems {
	c := &checker{flow: f, name: name}
	if f == nil {
		c.errorf(nil, "", "no flow")
		return c.problems
	}
	c.ids = make(map[string]int, len(f.Actions))
	switch f.Version {
	case CurrentVersion:
	case "":
		c.warnf(nil, "Version", "is missing; read as %q", CurrentVersion)
	default:
		c.warnf(nil, "Version", "unknown version %q; read as %q", f.Version, CurrentVersion)
	}
	if len(f.Actions) == 0 {
		c.errorf(nil, "Actions", "the flow has no actions")
	}
	for i := range f.Actions {
		c.checkIdentifier(i, &f.Actions[i])
	}
	startOK := false
	switch _, ok := c.ids[f.StartAction]; {
	case f.StartAction == "":
		c.errorf(nil, "StartAction", "is missing")
	case !ok:
		c.errorf(nil, "StartAction", "names no action: %q", f.StartAction)
	default:
		startOK = true
	}
	for i := range f.Actions {
		c.checkAction(&f.Actions[i])
	}
	if startOK {
		c.checkReachable()
	}
	for _, n := range f.ConversionNotes {
		p := Problem{Severity: SeverityWarning, Flow: name, Action: n.Action, Field: n.Field,
			Message: "old-format conversion: " + n.Message}
		if i, ok := c.ids[n.Action]; ok {
			p.Type = f.Actions[i].Type
		}
		c.problems = append(c.problems, p)
	}
	return c.problems
}

// checker accumulates the problems of one flow.
type checker struct {
	flow     *Flow
	name     string
	ids      map[string]int // Identifier -> index of its first action
	problems Problems
}

func (c *checker) add(sev Severity, a *Action, field, format string, args ...any) {
	p := Problem{Severity: sev, Flow: c.name, Field: field, Message: fmt.Sprintf(format, args...)}
	if a != nil {
		p.Action, p.Type = a.Identifier, a.Type
	}
	c.problems = append(c.problems, p)
}

func (c *checker) errorf(a *Action, field, format string, args ...any) {
	c.add(SeverityError, a, field, format, args...)
}

func (c *checker) warnf(a *Action, field, format string, args ...any) {
	c.add(SeverityWarning, a, field, format, args...)
}

func (c *checker) exists(id string) bool {
	_, ok := c.ids[id]
	return ok
}

// reservedIdentifiers are refused by Connect: they clash with JavaScript
// object members.
var reservedIdentifiers = []string{"__proto__", "constructor", "__defineGetter__", "__defineSetter__",
	"toString", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "valueOf"}

const identifierForbidden = `%:(\/)=$,;[]{}`

func (c *checker) checkIdentifier(i int, a *Action) {
	if a.Identifier == "" {
		c.errorf(nil, fmt.Sprintf("Actions[%d].Identifier", i), "is missing (action type %q)", a.Type)
		return
	}
	if first, dup := c.ids[a.Identifier]; dup {
		c.errorf(a, "Identifier", "duplicate identifier: action %d has it too", first)
		return
	}
	c.ids[a.Identifier] = i
	if n := utf8.RuneCountInString(a.Identifier); n > maxIdentifierLen {
		c.errorf(a, "Identifier", "is %d characters long; at most %d are allowed", n, maxIdentifierLen)
	}
	if k := strings.IndexAny(a.Identifier, identifierForbidden); k >= 0 {
		c.errorf(a, "Identifier", "must not contain %q", a.Identifier[k:k+1])
	}
	if slices.Contains(reservedIdentifiers, a.Identifier) {
		c.errorf(a, "Identifier", "%q is reserved", a.Identifier)
	}
}

func (c *checker) checkAction(a *Action) {
	spec, ok := LookupAction(a.Type)
	switch {
	case a.Type == "":
		c.errorf(a, "Type", "is missing")
	case !ok:
		msg := unsupportedPrefix + " %q"
		if c.flow.Format == FormatLegacy {
			msg += " (old-format module with no current equivalent)"
		}
		c.errorf(a, "Type", msg, a.Type)
	}
	if !ok {
		spec = nil
	}
	c.checkTransitions(a, spec)
	if spec == nil {
		return
	}
	c.checkParams(a, spec)
	if spec.NotRunYet != "" {
		c.warnf(a, "Type", "accepted, but not carried out yet (%s): at run time this action takes its error branch", spec.NotRunYet)
	}
	if spec.check != nil {
		spec.check(c, a)
	}
}

// ---- parameters ----

func (c *checker) checkParams(a *Action, spec *ActionSpec) {
	inGroup := map[string]bool{}
	for _, g := range spec.OneOf {
		for _, p := range g.Params {
			inGroup[p] = true
		}
	}
	for i := range spec.Params {
		ps := &spec.Params[i]
		v, present := a.Parameters[ps.Name]
		if !present {
			if ps.Required && !inGroup[ps.Name] {
				c.errorf(a, "Parameters."+ps.Name, "is required")
			}
			continue
		}
		c.checkValue(a, "Parameters."+ps.Name, ps, v)
	}
	for _, k := range sortedKeys(a.Parameters) {
		if _, known := spec.Param(k); !known {
			c.warnf(a, "Parameters."+k, "unknown parameter of %s; it is ignored", spec.Type)
		}
	}
	for _, g := range spec.OneOf {
		var given []string
		for _, p := range g.Params {
			if _, ok := a.Parameters[p]; ok {
				given = append(given, p)
			}
		}
		switch {
		case len(given) > 1:
			c.errorf(a, "Parameters", "only one of %s may be given, found %s", strings.Join(g.Params, ", "), strings.Join(given, " and "))
		case len(given) == 0 && g.Required:
			c.errorf(a, "Parameters", "one of %s is required", strings.Join(g.Params, ", "))
		}
	}
}

func (c *checker) checkValue(a *Action, path string, ps *ParamSpec, v any) {
	switch {
	case ps.Value.isScalar():
		s, ok := scalarString(v)
		if !ok {
			c.errorf(a, path, "must be a string, got %s", typeName(v))
			return
		}
		c.checkScalar(a, path, ps, s)
	case ps.Value == ValueObject:
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(a, path, "must be an object, got %s", typeName(v))
			return
		}
		for i := range ps.Fields {
			fs := &ps.Fields[i]
			fv, present := m[fs.Name]
			if !present {
				if fs.Required {
					c.errorf(a, path+"."+fs.Name, "is required")
				}
				continue
			}
			c.checkValue(a, path+"."+fs.Name, fs, fv)
		}
		for _, k := range sortedKeys(m) {
			if _, known := ps.Field(k); !known {
				c.warnf(a, path+"."+k, "unknown field; it is ignored")
			}
		}
	case ps.Value == ValueList:
		l, ok := v.([]any)
		if !ok {
			c.errorf(a, path, "must be a list, got %s", typeName(v))
			return
		}
		if ps.Elem != nil {
			for i, e := range l {
				c.checkValue(a, fmt.Sprintf("%s[%d]", path, i), ps.Elem, e)
			}
		}
	case ps.Value == ValueMap:
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(a, path, "must be an object, got %s", typeName(v))
			return
		}
		for _, k := range sortedKeys(m) {
			if ps.Keys != nil && !slices.Contains(ps.Keys, k) {
				c.errorf(a, path+"."+k, "unknown key; expected one of %s", strings.Join(ps.Keys, ", "))
				continue
			}
			if ps.Elem != nil {
				c.checkValue(a, path+"."+k, ps.Elem, m[k])
			}
		}
	}
}

// checkScalar checks a string value against its kind, enumeration and range.
func (c *checker) checkScalar(a *Action, path string, ps *ParamSpec, s string) {
	if ps.Value != ValueText && HasPlaceholder(s) {
		if ps.Resource == "" {
			c.warnf(a, path, "unresolved placeholder %q", s)
		}
		return
	}
	switch ps.Value {
	case ValueStatic:
		if jsonpath.IsPath(s) || jsonpath.HasRefs(s) {
			c.errorf(a, path, "must be a static value: a JSONPath is not allowed here")
			return
		}
	case ValueDynamic:
		if c.checkWholePath(a, path, s) {
			return
		}
		if jsonpath.HasRefs(s) {
			c.errorf(a, path, "a JSONPath must be the whole value, not part of it: %q", s)
			return
		}
	case ValuePath:
		if !c.checkWholePath(a, path, s) {
			c.errorf(a, path, "must be a JSONPath such as $.Attributes.name, got %q", s)
		}
		return
	case ValueText:
		for _, m := range jsonpath.Find(s) {
			c.checkRoot(a, path, m.Path)
		}
		return
	}
	c.checkLiteral(a, path, ps, s)
}

// checkWholePath handles a value that is, or tries to be, one JSONPath. It
// returns true when s starts like a JSONPath (and so has been dealt with).
func (c *checker) checkWholePath(a *Action, path, s string) bool {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "$.") && !strings.HasPrefix(t, "$[") {
		return false
	}
	p, err := jsonpath.Parse(t)
	if err != nil {
		c.errorf(a, path, "invalid JSONPath %q: %v", s, err)
		return true
	}
	c.checkRoot(a, path, p)
	return true
}

func (c *checker) checkRoot(a *Action, path string, p jsonpath.Path) {
	if err := p.CheckRoot(); err != nil {
		c.warnf(a, path, "%v", err)
	}
}

// checkLiteral checks a static value: emptiness, booleans, enumerations and
// numbers.
func (c *checker) checkLiteral(a *Action, path string, ps *ParamSpec, s string) {
	if strings.TrimSpace(s) == "" {
		if ps.Required && ps.Resource == "" {
			c.errorf(a, path, "must not be empty")
		}
		return
	}
	if ps.Bool && s != "True" && s != "False" {
		c.errorf(a, path, `must be "True" or "False", got %q`, s)
		return
	}
	if len(ps.Enum) > 0 && !slices.Contains(ps.Enum, s) {
		c.errorf(a, path, "must be one of %s, got %q", strings.Join(ps.Enum, ", "), s)
		return
	}
	if ps.Number != nil {
		c.checkNumber(a, path, ps.Number, s)
	}
}

func (c *checker) checkNumber(a *Action, path string, r *NumberRange, s string) {
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		c.errorf(a, path, "must be a number, got %q", s)
		return
	}
	if r.Integer && n != math.Trunc(n) {
		c.errorf(a, path, "must be a whole number, got %q", s)
		return
	}
	hasMin, hasMax := !math.IsInf(r.Min, -1), r.Max != 0
	if (hasMin && n < r.Min) || (hasMax && n > r.Max) {
		switch {
		case hasMin && hasMax:
			c.errorf(a, path, "must be from %g to %g, got %s", r.Min, r.Max, s)
		case hasMin:
			c.errorf(a, path, "must be at least %g, got %s", r.Min, s)
		default:
			c.errorf(a, path, "must be at most %g, got %s", r.Max, s)
		}
	}
}

// ---- transitions ----

func (c *checker) checkTransitions(a *Action, spec *ActionSpec) {
	t := &a.Transitions
	if spec != nil && spec.Terminal && !t.IsEmpty() {
		c.warnf(a, "Transitions", "%s ends the flow; its transitions are never followed", spec.Type)
	}
	if t.NextAction != "" && !c.exists(t.NextAction) {
		c.errorf(a, "Transitions.NextAction", "names no action: %q", t.NextAction)
	}
	if t.NextAction == "" && spec != nil && !spec.Terminal && !spec.LeavesFlow && !spec.NextOptional && spec.Conditions == nil {
		c.warnf(a, "Transitions.NextAction", "is missing: the flow ends when this action succeeds")
	}
	for i := range t.Conditions {
		ct := &t.Conditions[i]
		field := fmt.Sprintf("Transitions.Conditions[%d]", i)
		switch {
		case ct.NextAction == "":
			c.errorf(a, field+".NextAction", "is missing")
		case !c.exists(ct.NextAction):
			c.errorf(a, field+".NextAction", "names no action: %q", ct.NextAction)
		}
		count := 0
		c.checkCondition(a, spec, field+".Condition", &ct.Condition, 1, &count)
	}
	if spec != nil && spec.Conditions == nil && len(t.Conditions) > 0 && !spec.Terminal {
		c.warnf(a, "Transitions.Conditions", "%s has no result to test; its conditions are never evaluated", spec.Type)
	}
	if spec != nil && spec.Conditions != nil {
		for _, v := range spec.Conditions.Required {
			if !hasEqualsCondition(t, v) {
				c.errorf(a, "Transitions.Conditions", "missing the %q condition", v)
			}
		}
	}
	seen := map[string]bool{}
	for i, et := range t.Errors {
		field := fmt.Sprintf("Transitions.Errors[%d]", i)
		switch {
		case et.NextAction == "":
			c.errorf(a, field+".NextAction", "is missing")
		case !c.exists(et.NextAction):
			c.errorf(a, field+".NextAction", "names no action: %q", et.NextAction)
		}
		if et.ErrorType == "" {
			c.errorf(a, field+".ErrorType", "is missing")
			continue
		}
		if seen[et.ErrorType] {
			c.warnf(a, field, "second %q branch; the first one is taken", et.ErrorType)
		}
		seen[et.ErrorType] = true
		if spec != nil && !spec.Terminal {
			if _, ok := spec.Error(et.ErrorType); !ok {
				c.warnf(a, field+".ErrorType", "%s does not raise %q; the branch is never taken", spec.Type, et.ErrorType)
			}
		}
	}
	if spec != nil {
		for _, e := range spec.Errors {
			if e.Required && !seen[e.Type] {
				c.errorf(a, "Transitions.Errors", "missing the %q error branch", e.Type)
			}
		}
	}
}

// hasEqualsCondition reports whether t has a top-level Equals condition on v.
func hasEqualsCondition(t *Transitions, v string) bool {
	for _, ct := range t.Conditions {
		cd := ct.Condition
		if cd.Operator == OpEquals && len(cd.Operands) == 1 && cd.Operands[0].Condition == nil && cd.Operands[0].Value == v {
			return true
		}
	}
	return false
}

func (c *checker) checkCondition(a *Action, spec *ActionSpec, field string, cd *Condition, depth int, count *int) {
	*count++
	if *count == maxSubConditions+1 {
		c.errorf(a, field, "more than %d sub-conditions", maxSubConditions)
	}
	if depth > maxConditionDepth {
		c.errorf(a, field, "conditions nest more than %d levels deep", maxConditionDepth)
		return
	}
	switch cd.Operator {
	case "":
		c.errorf(a, field+".Operator", "is missing")
	case OpAnd, OpOr, OpNot:
		switch {
		case cd.Operator == OpNot && len(cd.Operands) != 1:
			c.errorf(a, field+".Operands", "Not takes one condition, got %d operands", len(cd.Operands))
		case len(cd.Operands) == 0:
			c.errorf(a, field+".Operands", "%s takes one or more conditions", cd.Operator)
		}
		for i := range cd.Operands {
			op := &cd.Operands[i]
			f := fmt.Sprintf("%s.Operands[%d]", field, i)
			if op.Condition == nil {
				c.errorf(a, f, "%s takes conditions, not %q", cd.Operator, op.Value)
				continue
			}
			c.checkCondition(a, spec, f, op.Condition, depth+1, count)
		}
	default:
		if !slices.Contains(Operators, cd.Operator) {
			c.errorf(a, field+".Operator", "unknown operator %q", cd.Operator)
			return
		}
		if len(cd.Operands) != 1 || cd.Operands[0].Condition != nil {
			c.errorf(a, field+".Operands", "%s takes one string operand, got %d operands", cd.Operator, len(cd.Operands))
			return
		}
		c.checkComparison(a, spec, field, cd.Operator, cd.Operands[0].Value)
	}
}

func (c *checker) checkComparison(a *Action, spec *ActionSpec, field, op, operand string) {
	if spec != nil && spec.Conditions != nil {
		cs := spec.Conditions
		if cs.Operators != nil && !slices.Contains(cs.Operators, op) {
			c.errorf(a, field+".Operator", "%s allows only %s, got %s", spec.Type, strings.Join(cs.Operators, ", "), op)
			return
		}
		if cs.Values != nil && !slices.Contains(cs.Values, operand) {
			c.errorf(a, field+".Operands", "%s results are %s; %q never matches", spec.Type, strings.Join(cs.Values, ", "), operand)
			return
		}
	}
	if c.checkWholePath(a, field+".Operands", operand) {
		return
	}
	if slices.Contains(numberOperators, op) {
		if _, err := strconv.ParseFloat(strings.TrimSpace(operand), 64); err != nil {
			c.errorf(a, field+".Operands", "%s needs a number, got %q", op, operand)
		}
	}
}

// checkReachable warns about actions no path from StartAction leads to.
func (c *checker) checkReachable() {
	f := c.flow
	seen := make([]bool, len(f.Actions))
	stack := []int{c.ids[f.StartAction]}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[i] {
			continue
		}
		seen[i] = true
		for _, id := range f.Actions[i].Targets() {
			if j, ok := c.ids[id]; ok && !seen[j] {
				stack = append(stack, j)
			}
		}
	}
	for i := range f.Actions {
		a := &f.Actions[i]
		if !seen[i] && a.Identifier != "" && c.ids[a.Identifier] == i {
			c.warnf(a, "", "unreachable: no path from StartAction leads here")
		}
	}
}

// ---- action-specific rules ----

var dtmfKeys = "0123456789*#"

func checkGetParticipantInput(c *checker, a *Action) {
	store, ok := a.BoolParam("StoreInput")
	if !ok {
		return // reported by the parameter checks
	}
	t := &a.Transitions
	if store {
		if len(t.Conditions) > 0 {
			c.warnf(a, "Transitions.Conditions", "conditions are never evaluated when StoreInput is True")
		}
		return
	}
	for _, p := range []string{"InputValidation", "InputEncryption"} {
		if _, ok := a.Parameters[p]; ok {
			c.warnf(a, "Parameters."+p, "is used only when StoreInput is True")
		}
	}
	for i, ct := range t.Conditions {
		cd := ct.Condition
		if cd.Operator != OpEquals || len(cd.Operands) != 1 || cd.Operands[0].Condition != nil {
			continue // reported by the condition checks
		}
		if v := cd.Operands[0].Value; len(v) != 1 || !strings.Contains(dtmfKeys, v) {
			c.errorf(a, fmt.Sprintf("Transitions.Conditions[%d].Condition.Operands", i),
				"a menu option must be one key: 0-9, * or #; got %q", v)
		}
	}
	if len(t.Conditions) > 0 && t.ErrorTarget(ErrorNoMatchingCondition) == "" {
		c.warnf(a, "Transitions.Errors", "no %q branch: a key that matches no condition takes %q", ErrorNoMatchingCondition, ErrorNoMatchingError)
	}
}

func checkMessages(c *checker, a *Action) {
	msgs, ok := a.Parameters["Messages"].([]any)
	if !ok {
		return
	}
	if len(msgs) == 0 {
		c.errorf(a, "Parameters.Messages", "needs at least one message")
	}
	for i, m := range msgs {
		o, ok := m.(map[string]any)
		if !ok {
			continue
		}
		n := 0
		for _, k := range promptOneOf.Params {
			if _, ok := o[k]; ok {
				n++
			}
		}
		if n != 1 {
			c.errorf(a, fmt.Sprintf("Parameters.Messages[%d]", i), "needs exactly one of %s, found %d", strings.Join(promptOneOf.Params, ", "), n)
		}
	}
}

func checkEventHooks(c *checker, a *Action) {
	hooks, ok := a.Parameters["EventHooks"].(map[string]any)
	if !ok {
		return
	}
	if len(hooks) == 0 {
		c.errorf(a, "Parameters.EventHooks", "sets no hook")
	}
}

func checkMetricData(c *checker, a *Action) {
	if !strings.HasPrefix(a.StringParam("MetricType"), "NumberOfAgents") {
		return
	}
	for i, ct := range a.Transitions.Conditions {
		cd := ct.Condition
		if cd.Operator != OpNumberGreaterThan || len(cd.Operands) != 1 || cd.Operands[0].Value != "0" {
			c.warnf(a, fmt.Sprintf("Transitions.Conditions[%d].Condition", i),
				"agent counts are tested with NumberGreaterThan 0 only")
		}
	}
}

func checkWait(c *checker, a *Action) {
	events := map[string]bool{}
	for _, e := range a.ListParam("Events") {
		if s, ok := e.(string); ok {
			events[s] = true
			if !hasEqualsCondition(&a.Transitions, s) {
				c.errorf(a, "Transitions.Conditions", "missing the %q condition for the event in Events", s)
			}
		}
	}
	for i, ct := range a.Transitions.Conditions {
		cd := ct.Condition
		if len(cd.Operands) != 1 {
			continue
		}
		if v := cd.Operands[0].Value; v != "WaitCompleted" && !events[v] && slices.Contains([]string{"CustomerReturned", "BotParticipantDisconnected"}, v) {
			c.warnf(a, fmt.Sprintf("Transitions.Conditions[%d]", i), "event %q is not in Events; the condition never matches", v)
		}
	}
}

func checkLambda(c *checker, a *Action) {
	if a.StringParam("InvocationType") == "ASYNCHRONOUS" {
		return
	}
	s := a.StringParam("InvocationTimeLimitSeconds")
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 8 {
		c.errorf(a, "Parameters.InvocationTimeLimitSeconds", "must be from 1 to 8 for a synchronous invocation, got %s", s)
	}
}
