package bind

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// Method says how a reference was bound.
type Method string

// The binding methods, in the order Bind tries them.
const (
	// ByBinding: an explicit binding given by the user (Options.Bindings).
	ByBinding Method = "binding"
	// ByID: the raw value is the local resource's ID.
	ByID Method = "id"
	// ByARN: the ARN's resource ID or Lambda function name.
	ByARN Method = "arn"
	// ByName: the raw value is the local resource's name.
	ByName Method = "name"
	// ByDisplayName: the editor's display name (or old-format resourceName).
	ByDisplayName Method = "display-name"
	// ByPlaceholder: a placeholder's inner name.
	ByPlaceholder Method = "placeholder"
)

// Bound is a reference that now names a local resource.
type Bound struct {
	Action     string `json:"action"`     // Identifier
	ActionType string `json:"actionType"` // the action's Type
	// Parameter is the parameter path: "QueueId", "EventHooks.CustomerQueue",
	// "Messages[1].PromptId".
	Parameter string `json:"parameter"`
	// Kind is the kind of resource; "" when a binding filled in a
	// placeholder in a parameter that names no resource.
	Kind flow.Resource `json:"kind,omitempty"`
	From string        `json:"from"` // the value in the export
	By   Method        `json:"by"`
	// Match is the ID or name that found the resource (for ByBinding, the
	// binding's key).
	Match  string `json:"match"`
	To     string `json:"to"`               // the value written: the local ID
	ToName string `json:"toName,omitempty"` // the local resource's name
}

// Unbound is a reference Bind could not bind. The flow keeps its value.
type Unbound struct {
	Action      string         `json:"action"`
	ActionType  string         `json:"actionType"`
	Parameter   string         `json:"parameter"`
	Kind        flow.Resource  `json:"kind,omitempty"`
	Value       string         `json:"value"`
	Form        flow.ValueForm `json:"form"`
	DisplayName string         `json:"displayName,omitempty"`
	Reason      string         `json:"reason"`
	// Tried lists the IDs and names looked up, in order: any of them, or
	// the value itself, can be the key of a binding.
	Tried []string `json:"tried,omitempty"`
}

// Dynamic is a reference chosen at run time by a JSONPath.
type Dynamic struct {
	Action     string        `json:"action"`
	ActionType string        `json:"actionType"`
	Parameter  string        `json:"parameter"`
	Kind       flow.Resource `json:"kind"`
	Value      string        `json:"value"`
}

// Report is what Bind did, reference by reference, in document order.
type Report struct {
	Bound   []Bound   `json:"bound"`
	Unbound []Unbound `json:"unbound"`
	Dynamic []Dynamic `json:"dynamic"`
	// UnusedBindings are keys of Options.Bindings that matched no
	// reference: usually a typo.
	UnusedBindings []string `json:"unusedBindings,omitempty"`
}

// Options tune Bind.
type Options struct {
	// Bindings maps something the export says (a raw value, a placeholder
	// such as "${SalesQueueArn}", its inner name "SalesQueueArn", or a display
	// name) to a local resource's ID or name. A binding wins over every other
	// way of binding. For a placeholder in a parameter that names no
	// resource (a flow attribute, say), the binding's value is substituted
	// as text.
	Bindings map[string]string
}

// Bind binds every resource reference of f to a local resource found by r,
// rewriting the parameter to the resource's ID in place. Where the export
// gave no display name, the local resource's name is added to f's Metadata,
// so that an export of the bound flow binds again by name in another
// instance. Only an error of r other than ErrNotFound and
// ErrUnsupportedKind makes Bind fail; unbound references are in the
// report.
func Bind(ctx context.Context, f *flow.Flow, r Resolver, opts Options) (*Report, error) {
	b := &binder{ctx: ctx, r: r, bindings: opts.Bindings, used: map[string]bool{},
		cache: map[cacheKey]cacheEntry{}, actions: f.ActionIndex(), names: map[string]map[string]string{}}
	rep := &Report{Bound: []Bound{}, Unbound: []Unbound{}, Dynamic: []Dynamic{}}
	for _, ref := range f.References() {
		if err := b.bind(rep, ref); err != nil {
			return nil, err
		}
	}
	for k := range opts.Bindings {
		if !b.used[k] {
			rep.UnusedBindings = append(rep.UnusedBindings, k)
		}
	}
	sort.Strings(rep.UnusedBindings)
	addDisplayNames(&f.Metadata, b.names)
	return rep, nil
}

type cacheKey struct {
	kind flow.Resource
	key  string
}

type cacheEntry struct {
	t   Target
	err error
}

type binder struct {
	ctx      context.Context
	r        Resolver
	bindings map[string]string
	keys     []string // of bindings, sorted
	used     map[string]bool
	cache    map[cacheKey]cacheEntry
	actions  map[string]*flow.Action
	// names holds the display names to add: action -> parameter -> name.
	names map[string]map[string]string
}

// candidate is one ID or name to look up.
type candidate struct {
	key string
	by  Method
}

func (b *binder) bind(rep *Report, ref flow.Reference) error {
	if ref.Form == flow.FormJSONPath {
		if ref.Resource != "" {
			rep.Dynamic = append(rep.Dynamic, Dynamic{Action: ref.Action, ActionType: ref.Type,
				Parameter: ref.Param, Kind: ref.Resource, Value: ref.Value})
		}
		return nil
	}
	unbound := func(reason string, tried []string) {
		rep.Unbound = append(rep.Unbound, Unbound{Action: ref.Action, ActionType: ref.Type, Parameter: ref.Param,
			Kind: ref.Resource, Value: ref.Value, Form: ref.Form, DisplayName: ref.DisplayName, Reason: reason, Tried: tried})
	}
	if key, local, ok := b.binding(ref); ok {
		if ref.Resource == "" {
			to := substitute(ref.Value, key, local)
			b.rewrite(ref, to)
			rep.Bound = append(rep.Bound, Bound{Action: ref.Action, ActionType: ref.Type, Parameter: ref.Param,
				From: ref.Value, By: ByBinding, Match: key, To: to})
			return nil
		}
		t, err := b.resolve(ref.Resource, local)
		switch {
		case err == nil:
			b.bound(rep, ref, t, ByBinding, key)
		case errors.Is(err, ErrUnsupportedKind):
			unbound(unsupported(ref.Resource), nil)
		case errors.Is(err, ErrNotFound):
			unbound(fmt.Sprintf("binding %q = %q: no %s has that ID or name", key, local, ref.Resource), []string{local})
		default:
			return err
		}
		return nil
	}
	if ref.Resource == "" {
		unbound("a placeholder in a parameter that names no resource: give its value with a binding", nil)
		return nil
	}
	var tried []string
	for _, c := range candidates(ref) {
		tried = append(tried, c.key)
		t, err := b.resolve(ref.Resource, c.key)
		switch {
		case err == nil:
			by := c.by
			if by == ByName && t.ID == c.key {
				by = ByID
			}
			b.bound(rep, ref, t, by, c.key)
			return nil
		case errors.Is(err, ErrUnsupportedKind):
			unbound(unsupported(ref.Resource), nil)
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	switch {
	case len(tried) == 0 && ref.Form == flow.FormEmpty:
		unbound("empty, and the export gives no display name to bind by", nil)
	case len(tried) == 0:
		unbound(fmt.Sprintf("the %s gives no ID or name to look up, and the export gives no display name", ref.Form), nil)
	default:
		unbound(fmt.Sprintf("no %s has the ID or name %s", ref.Resource, quoteList(tried)), tried)
	}
	return nil
}

func unsupported(k flow.Resource) string {
	return fmt.Sprintf("Switchboard has no %s resources; the action fails at run time", k)
}

// bound records a binding and rewrites the flow.
func (b *binder) bound(rep *Report, ref flow.Reference, t Target, by Method, match string) {
	b.rewrite(ref, t.ID)
	rep.Bound = append(rep.Bound, Bound{Action: ref.Action, ActionType: ref.Type, Parameter: ref.Param,
		Kind: ref.Resource, From: ref.Value, By: by, Match: match, To: t.ID, ToName: t.Name})
	if ref.DisplayName == "" && t.Name != "" {
		m := b.names[ref.Action]
		if m == nil {
			m = map[string]string{}
			b.names[ref.Action] = m
		}
		m[ref.Param] = t.Name
	}
}

// binding finds the explicit binding of ref: by raw value, placeholder,
// placeholder inner name or display name, exactly and then ignoring case.
func (b *binder) binding(ref flow.Reference) (key, local string, ok bool) {
	if len(b.bindings) == 0 {
		return "", "", false
	}
	keys := []string{ref.Value, strings.TrimSpace(ref.Value)}
	for _, p := range flow.Placeholders(ref.Value) {
		keys = append(keys, p)
		keys = append(keys, innerNames(p)...)
	}
	if ref.DisplayName != "" {
		keys = append(keys, ref.DisplayName)
	}
	for _, k := range keys {
		if v, found := b.bindings[k]; found && k != "" {
			b.used[k] = true
			return k, v, true
		}
	}
	if b.keys == nil { // sorted, so that the case-insensitive match is deterministic
		for k := range b.bindings {
			b.keys = append(b.keys, k)
		}
		sort.Strings(b.keys)
	}
	for _, k := range keys {
		for _, bk := range b.keys {
			if k != "" && strings.EqualFold(bk, k) {
				b.used[bk] = true
				return k, b.bindings[bk], true
			}
		}
	}
	return "", "", false
}

func (b *binder) resolve(k flow.Resource, key string) (Target, error) {
	ck := cacheKey{k, key}
	if e, ok := b.cache[ck]; ok {
		return e.t, e.err
	}
	t, err := b.r.Resolve(b.ctx, k, key)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnsupportedKind) {
		return t, fmt.Errorf("bind: look up %s %q: %w", k, key, err)
	}
	b.cache[ck] = cacheEntry{t, err}
	return t, err
}

// rewrite sets ref's parameter to value.
func (b *binder) rewrite(ref flow.Reference, value string) {
	a := b.actions[ref.Action]
	if a == nil {
		return
	}
	for k, v := range a.Parameters {
		if nv, ok := replaceAt(v, k, ref.Param, value); ok {
			a.Parameters[k] = nv
			return
		}
	}
}

// replaceAt replaces the scalar at path target inside v, whose own path is
// path, building paths as flow.References does: "A.b", "A[0].b".
func replaceAt(v any, path, target, value string) (any, bool) {
	if !strings.HasPrefix(target, path) {
		return v, false
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if nv, ok := replaceAt(e, path+"."+k, target, value); ok {
				x[k] = nv
				return x, true
			}
		}
	case []any:
		for i, e := range x {
			if nv, ok := replaceAt(e, fmt.Sprintf("%s[%d]", path, i), target, value); ok {
				x[i] = nv
				return x, true
			}
		}
	default:
		if path == target {
			return value, true
		}
	}
	return v, false
}

// candidates lists the IDs and names to try for ref, without repeats: the
// raw value (or what its ARN names), the display name, then the
// placeholders' inner names.
func candidates(ref flow.Reference) []candidate {
	var out []candidate
	seen := map[string]bool{}
	add := func(key string, by Method) {
		key = strings.TrimSpace(key)
		if key != "" && !seen[key] && !flow.HasPlaceholder(key) {
			seen[key] = true
			out = append(out, candidate{key, by})
		}
	}
	v := strings.TrimSpace(ref.Value)
	switch ref.Form {
	case flow.FormID, flow.FormName:
		add(v, ByName)
	case flow.FormARN, flow.FormPlaceholder:
		if strings.HasPrefix(v, "arn:") {
			for _, k := range arnKeys(v) {
				add(k, ByARN)
			}
		}
	}
	add(ref.DisplayName, ByDisplayName)
	for _, n := range nameVariants(ref.Resource, ref.DisplayName) {
		add(n, ByDisplayName)
	}
	for _, p := range flow.Placeholders(ref.Value) {
		for _, n := range innerNames(p) {
			add(n, ByPlaceholder)
		}
	}
	return out
}

// nameVariants returns looser forms of a display name to try after the
// name itself: the editor shows an agent as "username (First Last)", and an
// uploaded prompt by its file name, "Beep.wav".
func nameVariants(k flow.Resource, name string) []string {
	switch k {
	case flow.ResourceUser:
		if i := strings.Index(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
			return []string{name[:i]}
		}
	case flow.ResourcePrompt:
		for _, ext := range []string{".wav", ".mp3", ".WAV", ".MP3"} {
			if s, ok := strings.CutSuffix(name, ext); ok && s != "" {
				return []string{s}
			}
		}
	}
	return nil
}

// arnKeys returns what an ARN says about its resource. For Amazon Connect,
// arn:aws:connect:region:account:instance/I/queue/Q, the resource ID Q; for
// AWS Lambda, arn:aws:lambda:region:account:function:NAME[:alias], NAME;
// for other services the last segment, and for Lex V2 bot aliases
// (bot-alias/BOT/ALIAS) the bot ID too. Placeholders in the ARN
// (arn:aws:connect:${AWS::Region}:...) hide only the parts they stand for.
func arnKeys(arn string) []string {
	const hole = "\x00"
	for _, p := range flow.Placeholders(arn) {
		arn = strings.ReplaceAll(arn, p, hole)
	}
	keep := func(keys ...string) []string {
		var out []string
		for _, k := range keys {
			// Drop the holes of placeholders and of templates such as
			// arn:aws:lambda:<REGION>:<ACCOUNT_ID>:function:<FUNCTION_NAME>.
			if k != "" && !strings.Contains(k, hole) && !strings.ContainsAny(k, "<>") {
				out = append(out, k)
			}
		}
		return out
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return nil
	}
	service, res := parts[2], parts[5]
	if service == "lambda" {
		name, _, _ := strings.Cut(strings.TrimPrefix(res, "function:"), ":")
		return keep(name)
	}
	segs := strings.FieldsFunc(res, func(r rune) bool { return r == '/' || r == ':' })
	if len(segs) == 0 {
		return nil
	}
	if len(segs) == 3 && segs[0] == "bot-alias" {
		return keep(segs[2], segs[1])
	}
	return keep(segs[len(segs)-1])
}

// innerNames returns the names a placeholder stands for: ${SalesQueueArn}
// gives SalesQueueArn and SalesQueue; {{lambdaFunctions.getCustomer.arn}}
// gives getCustomer; %%BASIC_QUEUE_ARN%% gives BASIC_QUEUE_ARN and
// BASIC_QUEUE. CloudFormation pseudo parameters (${AWS::Region}) give
// nothing.
func innerNames(ph string) []string {
	var n string
	switch {
	case strings.HasPrefix(ph, "${") && strings.HasSuffix(ph, "}"):
		n = ph[2 : len(ph)-1]
	case strings.HasPrefix(ph, "{{") && strings.HasSuffix(ph, "}}"):
		n = ph[2 : len(ph)-2]
	case strings.HasPrefix(ph, "%%") && strings.HasSuffix(ph, "%%") && len(ph) >= 4:
		n = ph[2 : len(ph)-2]
	default:
		return nil
	}
	n = strings.TrimSpace(n)
	if n == "" || strings.Contains(n, "::") {
		return nil
	}
	if segs := strings.Split(n, "."); len(segs) > 1 {
		// {{collection.name.attribute}} or ${Resource.Arn}: keep the name.
		if isAttribute(segs[len(segs)-1]) {
			segs = segs[:len(segs)-1]
		}
		if len(segs) > 1 {
			segs = segs[1:]
		}
		n = strings.Join(segs, ".")
	}
	out := []string{n}
	if s := stripSuffix(n); s != "" && s != n {
		out = append(out, s)
	}
	return out
}

func isAttribute(s string) bool {
	switch strings.ToLower(s) {
	case "arn", "id", "name":
		return true
	}
	return false
}

// stripSuffix removes an ARN or ID suffix: SalesQueueArn -> SalesQueue,
// BASIC_QUEUE_ARN -> BASIC_QUEUE.
func stripSuffix(n string) string {
	for _, suf := range []string{"_ARN", "_Arn", "_arn", "-arn", "-ARN", "ARN", "Arn", "_ID", "_Id", "_id", "-id", "ID", "Id"} {
		if s, ok := strings.CutSuffix(n, suf); ok {
			return strings.TrimRight(s, "_-")
		}
	}
	return ""
}

// substitute applies a binding to a value that names no resource: the
// placeholder (or inner name's placeholder) the key matched is replaced by
// local; a key matching the whole value replaces the whole value.
func substitute(value, key, local string) string {
	if key == value || key == strings.TrimSpace(value) {
		return local
	}
	for _, p := range flow.Placeholders(value) {
		if p == key || strings.EqualFold(p, key) {
			return strings.ReplaceAll(value, p, local)
		}
		for _, n := range innerNames(p) {
			if strings.EqualFold(n, key) {
				return strings.ReplaceAll(value, p, local)
			}
		}
	}
	return local
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
