package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/bind"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// FlowImport is the body of an import: a flow as Amazon Connect exports it.
type FlowImport struct {
	// Name of the new flow; the export's Metadata.name when empty.
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Type is the flow type (CONTACT_FLOW, CUSTOMER_QUEUE, ...); what the
	// export says, or CONTACT_FLOW, when empty.
	Type string `json:"type,omitempty"`
	// Content is the exported document, current or old format, as a JSON
	// object or as a string holding one (the Connect API's own shape).
	Content json.RawMessage `json:"content"`
	// Publish publishes the imported flow as its next version (1 for a new
	// flow).
	Publish bool `json:"publish,omitempty"`
	// Replace lets the import replace the draft of an existing flow of the
	// same name (its description and type too, when given), to import again
	// after adding bindings; without it that name is a conflict.
	Replace bool `json:"replace,omitempty"`
	// Bindings maps a value of the export (an ARN, a placeholder such as
	// ${SalesQueueArn} or its inner name, a display name) to the ID or name
	// of a local resource. They win over binding by ID and by name.
	Bindings map[string]string `json:"bindings,omitempty"`
}

// FlowImportResult is what an import did.
type FlowImportResult struct {
	Flow *core.Flow `json:"flow"`
	// Replaced says an existing flow's draft was replaced (Replace).
	Replaced bool `json:"replaced,omitempty"`
	// Format is the export format read: "current" or "legacy".
	Format string `json:"format"`
	// Binding reports each resource reference: bound to a local resource,
	// left for run time (a JSONPath), or unbound with the reason.
	Binding *bind.Report `json:"binding"`
	// Warnings are the validator's warnings, the old-format converter's
	// notes among them. They do not stop the import.
	Warnings []core.FieldError `json:"warnings"`
}

func (s *Server) flowImportRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/instances/{instanceId}/flows:import", op: "importFlow", tag: "Flows",
			summary: "Import an Amazon Connect flow export (current or old format): validate it, bind its queues, flows, " +
				"prompts and functions to this instance's, store it (or, with replace, replace the draft of the flow of that name; 200) " +
				"and optionally publish it",
			auth: authInstance, in: typeOf[FlowImport](), out: typeOf[FlowImportResult](), status: 201, handler: s.importFlow},
		{method: "GET", path: "/api/v1/instances/{instanceId}/flows/{id}/export", op: "exportFlow", tag: "Flows",
			summary: "Export a flow as flow-language JSON (the draft, or a published version), ready to import elsewhere",
			auth:    authInstance, rawOut: "application/json", status: 200,
			query:   []param{{"version", "integer", "a published version; the draft when absent"}},
			handler: s.exportFlow},
	}
}

func (s *Server) importFlow(w http.ResponseWriter, r *http.Request) {
	inst := r.PathValue("instanceId")
	var in FlowImport
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.importFlowDoc(r.Context(), inst, &in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(res.Flow.Version))
	if res.Replaced {
		writeJSON(w, http.StatusOK, res)
		return
	}
	w.Header().Set("Location", "/api/v1/instances/"+inst+"/flows/"+res.Flow.ID)
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) importFlowDoc(ctx context.Context, inst string, in *FlowImport) (*FlowImportResult, error) {
	if _, err := s.st.GetInstance(ctx, inst); err != nil {
		return nil, err
	}
	content, err := importContent(in.Content)
	if err != nil {
		return nil, err
	}
	var bad []core.FieldError
	for _, k := range slices.Sorted(maps.Keys(in.Bindings)) {
		if strings.TrimSpace(k) == "" || strings.TrimSpace(in.Bindings[k]) == "" {
			bad = append(bad, core.FieldError{Field: "bindings." + k, Message: "a binding needs a key and a local ID or name"})
		}
	}
	if len(bad) > 0 {
		return nil, &core.ValidationError{Errors: bad}
	}
	f, err := flow.Parse(content)
	if err != nil {
		return nil, parseProblem(err)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = strings.TrimSpace(f.Metadata.Name)
	}
	if name == "" {
		return nil, core.Invalid("name", "is required: the export does not name the flow")
	}
	res := &FlowImportResult{Format: f.Format.String(), Warnings: []core.FieldError{}}
	typ := in.Type
	if typ == "" {
		typ = f.Type()
	} else if doc := f.Type(); doc != "" && doc != typ {
		res.Warnings = append(res.Warnings, core.FieldError{Field: "type",
			Message: fmt.Sprintf("the export says %s; imported as %s", doc, typ)})
	}
	problems := flow.Validate(f, name)
	if err := flowProblem(problems); err != nil {
		return nil, err
	}
	for _, p := range problems.Warnings() {
		res.Warnings = append(res.Warnings, core.FieldError{Field: problemField(p), Message: p.Message})
	}
	res.Binding, err = bind.Bind(ctx, f, storeResolver{st: s.st, instanceID: inst}, bind.Options{Bindings: in.Bindings})
	if err != nil {
		return nil, err
	}
	bound, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	fl := &core.Flow{Name: name, Description: in.Description, Type: typ, Content: bound}
	cur, err := s.st.Flows.GetByName(ctx, inst, name)
	switch {
	case err == nil && in.Replace:
		fl.ID, fl.PublishedVersion, res.Replaced = cur.ID, cur.PublishedVersion, true
		if fl.Type == "" {
			fl.Type = cur.Type
		}
		if fl.Description == "" {
			fl.Description = cur.Description
		}
		err = s.st.Flows.Update(ctx, inst, fl, cur.Version)
	case err == nil:
		err = &store.ConflictError{Field: "name", Msg: fmt.Sprintf("%q is already taken; send replace to replace its draft", name)}
	case errors.Is(err, store.ErrNotFound):
		err = s.st.Flows.Create(ctx, inst, fl)
	}
	if err != nil {
		return nil, err
	}
	if in.Publish {
		if fl, err = s.st.PublishFlow(ctx, inst, fl.ID, fl.Version); err != nil {
			return nil, err
		}
	}
	res.Flow = fl
	return res, nil
}

// importContent returns the flow document of an import: the content object
// itself, or the document a JSON string holds.
func importContent(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, core.Invalid("content", "is required: the exported flow document")
	}
	if raw[0] != '"' {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errBadRequest("bad_json", "content", "is not a JSON string: %v", err)
	}
	return []byte(s), nil
}

// parseProblem turns a flow.Parse error into a response: a document that is
// not JSON is a 400, one that is JSON but not a flow a 422. Both name where.
func parseProblem(err error) error {
	var pe *flow.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	msg := strings.TrimPrefix(pe.Error(), "flow: ")
	field := "content"
	if pe.Path != "" {
		field += "." + pe.Path
		msg = strings.TrimPrefix(msg, pe.Path+": ")
	}
	if errors.Is(err, flow.ErrSyntax) || errors.Is(err, flow.ErrEmpty) {
		e := errBadRequest("bad_flow_json", field, "%s", msg)
		e.detail = "content: the flow document is not valid JSON: " + msg
		return e
	}
	return &apiError{status: http.StatusUnprocessableEntity, code: "not_a_flow",
		detail: "content: not a flow document: " + msg, fields: []core.FieldError{{Field: field, Message: msg}}}
}

// flowProblem returns the 422 for a flow with validation errors, or nil.
// Unsupported action types get a code of their own and are listed in the
// detail; every error is in errors[], named by action and field.
func flowProblem(ps flow.Problems) error {
	err := ps.Err()
	if err == nil {
		return nil
	}
	var ve *flow.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	e := &apiError{status: http.StatusUnprocessableEntity, code: "validation_failed"}
	for _, p := range ve.Problems {
		e.fields = append(e.fields, core.FieldError{Field: problemField(p), Message: p.Message})
	}
	n := len(ve.Problems)
	plural := map[bool]string{true: "", false: "s"}[n == 1]
	if len(ve.Unsupported) > 0 {
		e.code = "unsupported_action_types"
		e.detail = fmt.Sprintf("flow %q uses action types Switchboard does not support: %s (%d error%s in all; first: %s)",
			ve.Flow, strings.Join(ve.Unsupported, ", "), n, plural, ve.Problems[0].Error())
	} else {
		e.detail = fmt.Sprintf("flow %q has %d error%s; first: %s", ve.Flow, n, plural, ve.Problems[0].Error())
	}
	return e
}

// problemField names a validator problem's field in the API's terms:
// actions[<Identifier>].Parameters.QueueId for an action's, the document's
// own field (StartAction, Actions) otherwise.
func problemField(p flow.Problem) string {
	switch {
	case p.Action != "" && p.Field != "":
		return "actions[" + p.Action + "]." + p.Field
	case p.Action != "":
		return "actions[" + p.Action + "]"
	case p.Field != "":
		return p.Field
	}
	return "content"
}

// CheckFlow is the FlowChecker of a real server: it parses the draft and
// runs the flow validator. Each error names the action and the field, as
// an import's do; warnings do not stop publishing and are not returned.
func CheckFlow(_ context.Context, _ string, content []byte) []core.FieldError {
	f, err := flow.Parse(content)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "flow: ")
		return []core.FieldError{{Field: "content", Message: "is not a flow document: " + msg}}
	}
	var out []core.FieldError
	for _, p := range flow.Validate(f, "").Errors() {
		out = append(out, core.FieldError{Field: problemField(p), Message: p.Message})
	}
	return out
}

func (s *Server) exportFlow(w http.ResponseWriter, r *http.Request) {
	inst, id := r.PathValue("instanceId"), r.PathValue("id")
	fl, err := s.st.Flows.Get(r.Context(), inst, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	content := []byte(fl.Content)
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, errBadRequest("bad_query", "version", "must be a positive integer"))
			return
		}
		fv, err := s.st.FlowVersion(r.Context(), inst, id, n)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		content = fv.Content
	}
	f, err := flow.Parse(content)
	if err != nil {
		// A draft saved through the CRUD API may be any JSON object.
		e := &apiError{status: http.StatusConflict, code: "not_a_flow",
			detail: "the stored content is not a flow document: " + strings.TrimPrefix(err.Error(), "flow: ")}
		e.fields = []core.FieldError{{Field: "content", Message: e.detail}}
		s.writeError(w, r, e)
		return
	}
	doc, err := json.Marshal(f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFileName(fl.Name)+`.json"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(doc, '\n'))
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// exportFileName makes a flow name safe as a download's file name.
func exportFileName(name string) string {
	n := strings.Trim(unsafeFileChars.ReplaceAllString(name, "_"), "_.")
	if n == "" {
		return "flow"
	}
	return n
}

// storeResolver finds an instance's resources for bind.
type storeResolver struct {
	st         *store.Store
	instanceID string
}

var _ bind.Resolver = storeResolver{}

func (r storeResolver) Resolve(ctx context.Context, k flow.Resource, key string) (bind.Target, error) {
	switch k {
	case flow.ResourceQueue:
		return findTarget(ctx, r.st.Queues, r.instanceID, key)
	case flow.ResourceFlow, flow.ResourceFlowModule:
		return findTarget(ctx, r.st.Flows, r.instanceID, key)
	case flow.ResourcePrompt:
		return findTarget(ctx, r.st.Prompts, r.instanceID, key)
	case flow.ResourceFunction:
		return findTarget(ctx, r.st.Functions, r.instanceID, key)
	case flow.ResourceHours:
		return findTarget(ctx, r.st.Hours, r.instanceID, key)
	case flow.ResourceUser:
		return findTarget(ctx, r.st.Users, r.instanceID, key)
	}
	return bind.Target{}, bind.ErrUnsupportedKind
}

func findTarget[T any, P interface {
	*T
	core.Resource
}](ctx context.Context, repo *store.Repo[T, P], instanceID, key string) (bind.Target, error) {
	v, err := repo.Find(ctx, instanceID, key)
	if errors.Is(err, store.ErrNotFound) {
		return bind.Target{}, fmt.Errorf("%s %q: %w", repo.Kind(), key, bind.ErrNotFound)
	}
	if err != nil {
		return bind.Target{}, err
	}
	return bind.Target{ID: v.GetMeta().ID, Name: v.ResourceName()}, nil
}

// prepareFlow converts an old-format document ("modules") written through
// the flows resource to the current format, as import does, so that every
// stored flow is one the designer can draw and edit. A current-format
// document is stored exactly as sent (drafts may be incomplete).
func prepareFlow(_ context.Context, f, _ *core.Flow) error {
	var probe struct {
		Actions json.RawMessage `json:"Actions"`
		Modules json.RawMessage `json:"modules"`
	}
	if f.Content == nil || json.Unmarshal(f.Content, &probe) != nil || probe.Actions != nil || probe.Modules == nil {
		return nil
	}
	doc, err := flow.Parse(f.Content)
	if err != nil {
		return parseProblem(err)
	}
	converted, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("flow %q: encode the converted document: %w", f.Name, err)
	}
	f.Content = converted
	return nil
}
