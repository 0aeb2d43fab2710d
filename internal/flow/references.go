package flow

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
)

// ValueForm classifies the raw value of a Reference, which tells the import
// binding what to do with it.
type ValueForm string

// The forms a reference's value takes in real exports.
const (
	// FormEmpty: no value; sanitised exports blank ARNs and keep the name
	// in DisplayName.
	FormEmpty ValueForm = "empty"
	// FormARN: an AWS ARN, arn:aws:connect:...:instance/.../queue/<id>.
	FormARN ValueForm = "arn"
	// FormID: a bare resource ID (a UUID).
	FormID ValueForm = "id"
	// FormJSONPath: chosen at run time ($.Attributes.queueArn); nothing to
	// bind.
	FormJSONPath ValueForm = "jsonpath"
	// FormPlaceholder: a deploy-time placeholder: ${X}, {{x.y}}, %%X%%.
	FormPlaceholder ValueForm = "placeholder"
	// FormName: anything else: a name ("BasicQueue", "form") or an
	// instruction left by the author ("ENTER LAMBDA HERE").
	FormName ValueForm = "name"
)

// Reference is one parameter value that names a resource, or that holds a
// deploy-time placeholder to be substituted.
type Reference struct {
	Action string // Identifier
	Type   string // the action's Type
	// Param is the parameter path: "QueueId", "LexV2Bot.AliasArn",
	// "EventHooks.CustomerQueue", "Messages[1].PromptId".
	Param string
	// Resource is the kind of resource named; "" for a placeholder found in
	// a parameter that is not a resource reference (a flow attribute whose
	// value is "${TIMESTAMPER}", for instance).
	Resource Resource
	Value    string
	Form     ValueForm
	// DisplayName is the resource's name as the editor showed it
	// (Metadata.ActionMetadata) or as the old format kept it (resourceName).
	DisplayName string
}

var (
	placeholderRE = regexp.MustCompile(`\$\{[^{}\s]+\}|\{\{[^{}]+\}\}|%%[^%\s]+%%`)
	uuidRE        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// HasPlaceholder reports whether s contains a deploy-time placeholder:
// ${X} (CloudFormation/CDK substitution), {{x.y}} (templating) or %%X%%.
func HasPlaceholder(s string) bool {
	return strings.ContainsAny(s, "${%") && placeholderRE.MatchString(s)
}

// Placeholders returns the placeholders in s, in order.
func Placeholders(s string) []string {
	if !strings.ContainsAny(s, "${%") {
		return nil
	}
	return placeholderRE.FindAllString(s, -1)
}

// FormOf classifies a reference value.
func FormOf(s string) ValueForm {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return FormEmpty
	case HasPlaceholder(t):
		return FormPlaceholder
	case jsonpath.IsPath(t):
		return FormJSONPath
	case strings.HasPrefix(t, "arn:"):
		return FormARN
	case uuidRE.MatchString(t):
		return FormID
	}
	return FormName
}

// References lists every parameter value in f that names a queue, flow,
// module, prompt, Lambda function, hours of operation, user, Lex bot, view
// or case template, whatever its form, and every other parameter value
// holding a placeholder. The order is the document's.
func (f *Flow) References() []Reference {
	var out []Reference
	for i := range f.Actions {
		a := &f.Actions[i]
		r := refWalker{flow: f, a: a, out: &out}
		spec, _ := LookupAction(a.Type)
		for _, k := range paramOrder(spec, a.Parameters) {
			var ps *ParamSpec
			if spec != nil {
				ps, _ = spec.Param(k)
			}
			r.walk(ps, k, a.Parameters[k])
		}
	}
	return out
}

// paramOrder lists the parameters in catalogue order, then unknown ones
// sorted.
func paramOrder(spec *ActionSpec, params map[string]any) []string {
	keys := make([]string, 0, len(params))
	if spec != nil {
		for _, ps := range spec.Params {
			if _, ok := params[ps.Name]; ok {
				keys = append(keys, ps.Name)
			}
		}
	}
	for _, k := range sortedKeys(params) {
		if spec == nil {
			keys = append(keys, k)
		} else if _, known := spec.Param(k); !known {
			keys = append(keys, k)
		}
	}
	return keys
}

type refWalker struct {
	flow *Flow
	a    *Action
	out  *[]Reference
}

// walk visits value v at parameter path, described by ps (nil when the
// catalogue does not describe it).
func (r refWalker) walk(ps *ParamSpec, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			var sub *ParamSpec
			if ps != nil {
				switch ps.Value {
				case ValueObject:
					sub, _ = ps.Field(k)
				case ValueMap:
					sub = ps.Elem
				}
			}
			r.walk(sub, path+"."+k, x[k])
		}
	case []any:
		for i, e := range x {
			var sub *ParamSpec
			if ps != nil && ps.Value == ValueList {
				sub = ps.Elem
			}
			r.walk(sub, fmt.Sprintf("%s[%d]", path, i), e)
		}
	default:
		s, ok := scalarString(v)
		if !ok {
			return
		}
		var res Resource
		if ps != nil {
			res = ps.Resource
		}
		if res == "" && !HasPlaceholder(s) {
			return
		}
		*r.out = append(*r.out, Reference{
			Action: r.a.Identifier, Type: r.a.Type, Param: path, Resource: res,
			Value: s, Form: FormOf(s), DisplayName: r.displayName(path),
		})
	}
}

// displayName finds the editor's name for path.
func (r refWalker) displayName(path string) string {
	return r.flow.Metadata.DisplayName(r.a.Identifier, path)
}
