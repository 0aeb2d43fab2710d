package api

// Tests of flow import, export and publish validation, on every store
// backend. They build their own small server rather than the shared
// fixture, so that publishing runs the real flow validator (CheckFlow).

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/bind"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// importEnv is a server with one instance holding resources named as the
// corpus exports name theirs.
type importEnv struct {
	t    *testing.T
	st   *store.Store
	h    http.Handler
	logs *logBuffer
	inst string
	key  string
	ids  map[string]string // resource name -> ID
}

// logBuffer collects what the server logs at warning level and above; a
// test that makes the server log (a 500) fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newImportEnv(t *testing.T, st *store.Store) *importEnv {
	t.Helper()
	ctx := context.Background()
	e := &importEnv{t: t, st: st, logs: &logBuffer{}, ids: map[string]string{}}
	e.h = New(Options{Store: st, FlowCheck: CheckFlow, MaxBodyBytes: 4 << 20,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}).Handler()
	t.Cleanup(func() {
		if s := e.logs.String(); s != "" {
			t.Errorf("the server logged:\n%s", s)
		}
	})
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", what, err)
		}
	}
	in := &core.Instance{Alias: "migrated"}
	must("instance", st.CreateInstance(ctx, in))
	e.inst = in.ID
	key, prefix, hash := auth.NewAPIKey()
	must("key", st.CreateAPIKey(ctx, &core.APIKey{InstanceID: in.ID, Name: "importer", Prefix: prefix, Hash: hash}))
	e.key = key
	h := &core.HoursOfOperation{Name: "Basic Hours", Schedule: hours.AlwaysOpen("America/New_York")}
	must("hours", st.Hours.Create(ctx, in.ID, h))
	q := &core.Queue{Name: "BasicQueue", HoursOfOperationID: h.ID}
	must("queue", st.Queues.Create(ctx, in.ID, q))
	e.ids[h.Name], e.ids[q.Name] = h.ID, q.ID
	for _, name := range []string{"AWSSCVAgentWhisperWithStreaming", "RecordLastAgent"} {
		fl := &core.Flow{Name: name, Type: core.FlowAgentWhisper, Content: json.RawMessage(
			`{"Version":"2019-10-30","StartAction":"end","Actions":[{"Identifier":"end","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`)}
		must("flow", st.Flows.Create(ctx, in.ID, fl))
		e.ids[name] = fl.ID
	}
	for _, name := range []string{"CRM lookup", "GetUserDataLambda"} {
		fn := &core.Function{Name: name, URL: "https://crm.example.com/" + strings.ReplaceAll(name, " ", "-")}
		must("function", st.Functions.Create(ctx, in.ID, fn))
		e.ids[name] = fn.ID
	}
	return e
}

// do sends body (a string is sent as is, anything else as JSON) and
// returns the status and the body.
func (e *importEnv) do(method, path string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+e.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w.Code, w.Header(), w.Body.Bytes()
}

func (e *importEnv) path(rest string) string { return "/api/v1/instances/" + e.inst + rest }

// importOK imports and decodes the 201 answer.
func (e *importEnv) importOK(in FlowImport) *FlowImportResult {
	e.t.Helper()
	code, h, body := e.do("POST", e.path("/flows:import"), in)
	if code != http.StatusCreated {
		e.t.Fatalf("import %q: %d %s", in.Name, code, body)
	}
	var res FlowImportResult
	if err := json.Unmarshal(body, &res); err != nil {
		e.t.Fatalf("import answer: %v\n%s", err, body)
	}
	if want := e.path("/flows/" + res.Flow.ID); h.Get("Location") != want {
		e.t.Errorf("Location %q, want %q", h.Get("Location"), want)
	}
	return &res
}

// problem decodes a problem+json answer and checks its status and code.
func (e *importEnv) problem(code int, body []byte, wantStatus int, wantCode string) Problem {
	e.t.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		e.t.Fatalf("not a problem document: %v\n%s", err, body)
	}
	if code != wantStatus || p.Code != wantCode {
		e.t.Fatalf("got %d %s, want %d %s: %s", code, p.Code, wantStatus, wantCode, body)
	}
	return p
}

func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "flow", "testdata", "connect", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storedFlow reads a flow's draft back as a parsed document.
func (e *importEnv) storedFlow(id string) (*core.Flow, *flow.Flow) {
	e.t.Helper()
	fl, err := e.st.Flows.Get(context.Background(), e.inst, id)
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := flow.Parse(fl.Content)
	if err != nil {
		e.t.Fatalf("stored content does not parse: %v", err)
	}
	return fl, f
}

func paramOf(f *flow.Flow, action, param string) string {
	for _, r := range f.References() {
		if r.Action == action && r.Param == param {
			return r.Value
		}
	}
	return "<no such reference>"
}

func boundBy(rep *bind.Report, action, param string) *bind.Bound {
	for i := range rep.Bound {
		if rep.Bound[i].Action == action && rep.Bound[i].Parameter == param {
			return &rep.Bound[i]
		}
	}
	return nil
}

// 038.json is a Salesforce Service Cloud Voice flow: its queue is
// %%CONNECT_BASIC_QUEUE_ARN%% shown as BasicQueue, its whisper flow a
// placeholder shown as AWSSCVAgentWhisperWithStreaming, and its Lambda
// functions placeholders with no display name.
const (
	scvQueueAction    = "4ef7094e-d09f-4c39-875a-158d5515c197"
	scvWhisperAction  = "a8a03893-5fcb-4bac-9bfd-34942f5ffafd"
	scvTelephonyCall  = "6188311e-8772-4235-a028-ed7491ac8f7f"
	scvSalesforceCall = "f3560fba-6e49-4d58-b277-78a5f3ff306d"
)

func TestImportBindsACorpusFlowAndPublishesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		res := e.importOK(FlowImport{Name: "SCV inbound", Content: corpusFile(t, "038.json"), Publish: true,
			Bindings: map[string]string{"%%INVOKE_SALESFORCE_REST_API_FUNCTION_ARN%%": "CRM lookup"}})
		if res.Format != "current" || res.Flow.PublishedVersion != 1 || res.Flow.Type != core.FlowContact {
			t.Errorf("format %s, published %d, type %s; want current, 1, CONTACT_FLOW", res.Format, res.Flow.PublishedVersion, res.Flow.Type)
		}
		rep := res.Binding
		if b := boundBy(rep, scvQueueAction, "QueueId"); b == nil || b.To != e.ids["BasicQueue"] || b.By != bind.ByDisplayName {
			t.Errorf("queue bound %+v, want BasicQueue by display name", b)
		}
		if b := boundBy(rep, scvWhisperAction, "EventHooks.AgentWhisper"); b == nil || b.To != e.ids["AWSSCVAgentWhisperWithStreaming"] {
			t.Errorf("whisper flow bound %+v", b)
		}
		if b := boundBy(rep, scvSalesforceCall, "LambdaFunctionARN"); b == nil || b.To != e.ids["CRM lookup"] || b.By != bind.ByBinding {
			t.Errorf("Salesforce function bound %+v, want CRM lookup by binding", b)
		}
		if len(rep.Bound) != 7 || len(rep.Unbound) != 1 || len(rep.UnusedBindings) != 0 {
			t.Errorf("bound %d, unbound %d, unused %v; want 7, 1, none", len(rep.Bound), len(rep.Unbound), rep.UnusedBindings)
		}
		if len(rep.Unbound) == 1 {
			u := rep.Unbound[0]
			if u.Action != scvTelephonyCall || !strings.Contains(u.Reason, `"INVOKE_TELEPHONY_FUNCTION"`) {
				t.Errorf("unbound %+v, want the telephony function, naming what was tried", u)
			}
		}

		// The stored draft and version 1 hold the local IDs.
		fl, f := e.storedFlow(res.Flow.ID)
		if got := paramOf(f, scvQueueAction, "QueueId"); got != e.ids["BasicQueue"] {
			t.Errorf("stored QueueId %q, want the local queue's ID", got)
		}
		if got := paramOf(f, scvTelephonyCall, "LambdaFunctionARN"); got != "%%INVOKE_TELEPHONY_FUNCTION_ARN%%" {
			t.Errorf("an unbound reference was changed to %q", got)
		}
		v, err := st.FlowVersion(context.Background(), e.inst, fl.ID, 1)
		if err != nil || !bytes.Equal(v.Content, fl.Content) {
			t.Errorf("version 1 = %v, want the imported content", err)
		}

		// The name is taken now, unless the import replaces the draft: bind
		// the last function and publish version 2.
		code, _, body := e.do("POST", e.path("/flows:import"), FlowImport{Name: "SCV inbound", Content: corpusFile(t, "038.json")})
		if p := e.problem(code, body, http.StatusConflict, "conflict"); !strings.Contains(p.Detail, "replace") {
			t.Errorf("the conflict does not suggest replace: %s", p.Detail)
		}
		code, _, body = e.do("POST", e.path("/flows:import"), FlowImport{Name: "SCV inbound", Content: corpusFile(t, "038.json"),
			Replace: true, Publish: true, Bindings: map[string]string{
				"INVOKE_SALESFORCE_REST_API_FUNCTION": "CRM lookup", "INVOKE_TELEPHONY_FUNCTION": "GetUserDataLambda"}})
		var again FlowImportResult
		if code != http.StatusOK || json.Unmarshal(body, &again) != nil {
			t.Fatalf("replace: %d %s", code, body)
		}
		if !again.Replaced || again.Flow.ID != fl.ID || again.Flow.PublishedVersion != 2 || len(again.Binding.Unbound) != 0 {
			t.Errorf("replace: replaced %v, id %s (want %s), published %d, unbound %+v", again.Replaced, again.Flow.ID, fl.ID,
				again.Flow.PublishedVersion, again.Binding.Unbound)
		}
		if _, f := e.storedFlow(fl.ID); paramOf(f, scvTelephonyCall, "LambdaFunctionARN") != e.ids["GetUserDataLambda"] {
			t.Errorf("the replaced draft lacks the new binding")
		}
	})
}

func TestImportConvertsTheOldFormat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		// No name: the old format's metadata names the flow GetUserData.
		res := e.importOK(FlowImport{Content: corpusFile(t, "013.json")})
		if res.Format != "legacy" || res.Flow.Name != "GetUserData" {
			t.Errorf("format %s, name %q; want legacy, GetUserData", res.Format, res.Flow.Name)
		}
		want := map[string]string{ // parameter -> local resource
			"cc7f800e-5c27-4d6a-942a-80b3454e2cda QueueId":                 "BasicQueue",        // blank value, resourceName
			"91148bad-401e-4e0d-b806-3aa879a9a71b EventHooks.AgentWhisper": "RecordLastAgent",   // blank value, resourceName
			"e607e3d3-1126-4552-9158-11d2d31acede LambdaFunctionARN":       "GetUserDataLambda", // a name
		}
		_, f := e.storedFlow(res.Flow.ID)
		for k, name := range want {
			action, param, _ := strings.Cut(k, " ")
			if b := boundBy(res.Binding, action, param); b == nil || b.ToName != name {
				t.Errorf("%s bound %+v, want %s", k, b, name)
			}
			if got := paramOf(f, action, param); got != e.ids[name] {
				t.Errorf("stored %s = %q, want %s's ID", k, got, name)
			}
		}
		if len(res.Binding.Dynamic) != 3 || len(res.Binding.Unbound) != 0 {
			t.Errorf("dynamic %d, unbound %+v; want 3 and none", len(res.Binding.Dynamic), res.Binding.Unbound)
		}
		noted := false
		for _, w := range res.Warnings {
			noted = noted || (w.Field == "actions[d13dbd88-03c0-4d6b-bec4-7465218fc422].Transitions.Conditions" &&
				strings.Contains(w.Message, "old-format conversion"))
		}
		if !noted {
			t.Errorf("warnings %+v lack the converter's note on the queue-time thresholds", res.Warnings)
		}
		// Stored in the current format.
		var doc map[string]any
		if err := json.Unmarshal(res.Flow.Content, &doc); err != nil || doc["Version"] != flow.CurrentVersion || doc["Actions"] == nil || doc["modules"] != nil {
			t.Errorf("stored content is not the current format: %v %.200s", err, res.Flow.Content)
		}
	})
}

// A flow written through the flows resource in the old format is stored
// converted, as import stores it, so the designer can always draw it; a
// current-format draft is stored as sent, and an old-format document that
// does not parse is refused naming the field.
func TestFlowWritesConvertTheOldFormat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		code, _, body := e.do("POST", e.path("/flows"), map[string]any{"name": "Old", "content": json.RawMessage(corpusFile(t, "013.json"))})
		var fl core.Flow
		if code != http.StatusCreated || json.Unmarshal(body, &fl) != nil {
			t.Fatalf("create: %d %s", code, body)
		}
		var doc map[string]any
		if err := json.Unmarshal(fl.Content, &doc); err != nil || doc["Version"] != flow.CurrentVersion || doc["Actions"] == nil || doc["modules"] != nil {
			t.Fatalf("created content is not the current format: %v %.200s", err, fl.Content)
		}
		if _, f := e.storedFlow(fl.ID); len(f.Actions) == 0 || f.Format != flow.FormatCurrent {
			t.Errorf("stored flow: %d actions, format %v", len(f.Actions), f.Format)
		}
		draft := `{"Version":"2019-10-30","Actions":[]}`
		code, _, body = e.do("PUT", e.path("/flows/"+fl.ID), map[string]any{"name": "Old", "version": fl.Version, "content": json.RawMessage(draft)})
		if code != http.StatusOK || json.Unmarshal(body, &fl) != nil || !jsonEqual(t, fl.Content, []byte(draft)) {
			t.Errorf("current-format update: %d %s", code, body)
		}
		code, _, body = e.do("PUT", e.path("/flows/"+fl.ID), map[string]any{"name": "Old", "version": fl.Version,
			"content": json.RawMessage(`{"modules":"not a list","version":"1"}`)})
		if code < 400 || code >= 500 || !strings.Contains(string(body), "content") {
			t.Errorf("bad old-format update: %d %s", code, body)
		}
	})
}

func TestImportRejectsUnsupportedActionTypesListingThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		doc := `{"Version":"2019-10-30","StartAction":"v1","Actions":[
			{"Identifier":"v1","Type":"SendCarrierPigeon","Parameters":{},"Transitions":{"NextAction":"v2"}},
			{"Identifier":"v2","Type":"PlayHologram","Parameters":{},"Transitions":{"NextAction":"v3"}},
			{"Identifier":"v3","Type":"SendCarrierPigeon","Parameters":{},"Transitions":{"NextAction":"end"}},
			{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
		code, _, body := e.do("POST", e.path("/flows:import"), FlowImport{Name: "Future", Content: json.RawMessage(doc)})
		p := e.problem(code, body, http.StatusUnprocessableEntity, "unsupported_action_types")
		if !strings.Contains(p.Detail, "PlayHologram, SendCarrierPigeon") {
			t.Errorf("detail %q does not list the unsupported types", p.Detail)
		}
		fields := map[string]string{}
		for _, fe := range p.Errors {
			fields[fe.Field] = fe.Message
		}
		for _, f := range []string{"actions[v1].Type", "actions[v2].Type", "actions[v3].Type"} {
			if !strings.Contains(fields[f], "unsupported action type") {
				t.Errorf("errors %+v lack %s", p.Errors, f)
			}
		}
		if n, _ := st.Flows.Count(context.Background(), e.inst); n != 2 {
			t.Errorf("%d flows after a refused import, want the 2 seeded", n)
		}
	})
}

func TestImportRejectsWhatIsNotAFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		for _, tt := range []struct {
			name   string
			body   string
			status int
			code   string
			field  string
			detail string
		}{
			{"body not JSON", `{"name":"x","content":{`, 400, "bad_json", "body", "invalid JSON"},
			{"content a string of broken JSON", `{"name":"x","content":"{\"Actions\": [\n  {\"Identifier\": }"}`, 400, "bad_flow_json", "content", "line 2, column"},
			{"content JSON but not a flow", `{"name":"x","content":{"Hello":"world"}}`, 422, "not_a_flow", "content", "neither"},
			{"content of the wrong shape", `{"name":"x","content":{"Actions":{"a":1}}}`, 422, "not_a_flow", "content.Actions", "want array"},
			{"no content", `{"name":"x"}`, 422, "validation_failed", "content", "is required"},
			{"unknown field", `{"name":"x","contents":{}}`, 400, "unknown_field", "contents", "not a known field"},
			{"no name anywhere", `{"content":{"Version":"2019-10-30","StartAction":"e","Actions":[{"Identifier":"e","Type":"DisconnectParticipant"}]}}`,
				422, "validation_failed", "name", "is required"},
			{"empty binding", `{"name":"x","content":{},"bindings":{"${X}":""}}`, 422, "validation_failed", "bindings.${X}", "needs a key"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				code, _, body := e.do("POST", e.path("/flows:import"), tt.body)
				p := e.problem(code, body, tt.status, tt.code)
				if len(p.Errors) == 0 || p.Errors[0].Field != tt.field || !strings.Contains(p.Detail+p.Errors[0].Message, tt.detail) {
					t.Errorf("problem %+v, want field %s and %q", p, tt.field, tt.detail)
				}
			})
		}
	})
}

func TestImportValidationErrorsNameActionAndField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		doc := `{"Version":"2019-10-30","StartAction":"menu","Actions":[
			{"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Press 1","StoreInput":"Maybe","InputTimeLimitSeconds":"5"},
			 "Transitions":{"NextAction":"end","Conditions":[{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["1"]}}],
			 "Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"},{"NextAction":"nowhere","ErrorType":"NoMatchingCondition"}]}},
			{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
		code, _, body := e.do("POST", e.path("/flows:import"), FlowImport{Name: "Broken menu", Content: json.RawMessage(doc)})
		p := e.problem(code, body, http.StatusUnprocessableEntity, "validation_failed")
		want := map[string]string{
			"actions[menu].Parameters.StoreInput":            `must be "True" or "False"`,
			"actions[menu].Transitions.Errors[1].NextAction": `names no action: "nowhere"`,
		}
		for _, fe := range p.Errors {
			if msg, ok := want[fe.Field]; ok && strings.Contains(fe.Message, msg) {
				delete(want, fe.Field)
			}
		}
		if len(want) > 0 {
			t.Errorf("errors %+v lack %v", p.Errors, want)
		}
		if !strings.Contains(p.Detail, `flow "Broken menu"`) || !strings.Contains(p.Detail, `action "menu" (GetParticipantInput)`) {
			t.Errorf("detail %q does not name the flow and the action", p.Detail)
		}
	})
}

func TestExportedFlowImportsAsAnEqualFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		for _, file := range []string{"038.json", "013.json"} {
			first := e.importOK(FlowImport{Name: "first " + file, Content: corpusFile(t, file), Publish: true,
				Bindings: map[string]string{"INVOKE_SALESFORCE_REST_API_FUNCTION": "CRM lookup"}})
			code, h, exported := e.do("GET", e.path("/flows/"+first.Flow.ID+"/export"), nil)
			if code != 200 || h.Get("Content-Type") != "application/json" ||
				!strings.Contains(h.Get("Content-Disposition"), `filename="first_`+strings.TrimSuffix(file, ".json")) {
				t.Fatalf("export: %d %v %.300s", code, h, exported)
			}
			if _, err := flow.Parse(exported); err != nil {
				t.Fatalf("the export does not parse: %v", err)
			}
			second := e.importOK(FlowImport{Name: "second " + file, Content: exported})
			if !jsonEqual(t, first.Flow.Content, second.Flow.Content) {
				t.Errorf("%s: re-imported content differs:\nfirst  %.400s\nsecond %.400s", file, first.Flow.Content, second.Flow.Content)
			}
			// Every reference bound the first time binds again by ID.
			if len(second.Binding.Bound) != len(first.Binding.Bound) || len(second.Binding.Unbound) != len(first.Binding.Unbound) {
				t.Errorf("%s: second import bound %d, unbound %d; first %d, %d", file,
					len(second.Binding.Bound), len(second.Binding.Unbound), len(first.Binding.Bound), len(first.Binding.Unbound))
			}
			for _, b := range second.Binding.Bound {
				if b.By != bind.ByID {
					t.Errorf("%s: %s.%s bound by %s the second time, want by id", file, b.Action, b.Parameter, b.By)
				}
			}
			_, _, again := e.do("GET", e.path("/flows/"+second.Flow.ID+"/export"), nil)
			if !bytes.Equal(exported, again) {
				t.Errorf("%s: exporting the re-imported flow gives other bytes", file)
			}
			code, _, v1 := e.do("GET", e.path("/flows/"+first.Flow.ID+"/export?version=1"), nil)
			if code != 200 || !bytes.Equal(v1, exported) {
				t.Errorf("%s: export of version 1: %d, equal to the draft's: %v", file, code, bytes.Equal(v1, exported))
			}
		}
		fl := e.ids["RecordLastAgent"]
		code, _, body := e.do("GET", e.path("/flows/"+fl+"/export?version=7"), nil)
		e.problem(code, body, http.StatusNotFound, "not_found")
		code, _, body = e.do("GET", e.path("/flows/"+fl+"/export?version=latest"), nil)
		e.problem(code, body, http.StatusBadRequest, "bad_query")
		code, _, body = e.do("GET", e.path("/flows/0190a1b2-0000-7000-8000-00000000dead/export"), nil)
		e.problem(code, body, http.StatusNotFound, "not_found")
	})
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

func TestPublishRunsTheFlowValidator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newImportEnv(t, st)
		broken := `{"Version":"2019-10-30","StartAction":"q","Actions":[
			{"Identifier":"q","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"$.Attributes.queue"},
			 "Transitions":{"NextAction":"xfer","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
			{"Identifier":"xfer","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"bye"}},
			{"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
		code, _, body := e.do("POST", e.path("/flows"), map[string]any{"name": "Draft", "content": json.RawMessage(broken)})
		if code != http.StatusCreated {
			t.Fatalf("create draft: %d %s", code, body)
		}
		var fl core.Flow
		if err := json.Unmarshal(body, &fl); err != nil {
			t.Fatal(err)
		}
		code, _, body = e.do("POST", e.path("/flows/"+fl.ID+"/publish"), nil)
		p := e.problem(code, body, http.StatusUnprocessableEntity, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != "actions[xfer].Transitions.Errors" ||
			!strings.Contains(p.Errors[0].Message, "NoMatchingError") {
			t.Errorf("errors %+v, want the missing NoMatchingError branch of xfer", p.Errors)
		}

		fixed := strings.Replace(broken, `"Transitions":{"NextAction":"bye"}`,
			`"Transitions":{"Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}`, 1)
		fl.Content, fl.Version = json.RawMessage(fixed), 0
		if code, _, body = e.do("PUT", e.path("/flows/"+fl.ID), &fl); code != 200 {
			t.Fatalf("update draft: %d %s", code, body)
		}
		code, _, body = e.do("POST", e.path("/flows/"+fl.ID+"/publish"), nil)
		if code != 200 {
			t.Fatalf("publish the fixed draft: %d %s", code, body)
		}

		fl.Content, fl.Version = json.RawMessage(`{"Hello":"world"}`), 0
		if code, _, body = e.do("PUT", e.path("/flows/"+fl.ID), &fl); code != 200 {
			t.Fatalf("update draft: %d %s", code, body)
		}
		code, _, body = e.do("POST", e.path("/flows/"+fl.ID+"/publish"), nil)
		p = e.problem(code, body, http.StatusUnprocessableEntity, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != "content" {
			t.Errorf("errors %+v, want content named", p.Errors)
		}
		code, _, body = e.do("GET", e.path("/flows/"+fl.ID+"/export"), nil)
		e.problem(code, body, http.StatusConflict, "not_a_flow")
	})
}

func TestCheckFlowAcceptsTheCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "flow", "testdata", "connect", "*.json"))
	if err != nil || len(files) < 100 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if errs := CheckFlow(context.Background(), "", b); len(errs) > 0 {
			t.Errorf("%s: %v", filepath.Base(path), errs)
		}
	}
}
