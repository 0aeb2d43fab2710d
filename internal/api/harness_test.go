package api

// The test harness: a real Server over a real store (SQLite, and PostgreSQL
// when SWITCHBOARD_TEST_DATABASE_URL is set), driven through its handler with
// httptest, and API scenarios written as tables in the style of pocketbase's
// tests.ApiScenario.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/internal/audio"
	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/objectstore"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// testMaxBody is the JSON body limit of test servers: small, so the 413 path
// is cheap to reach.
const testMaxBody = 64 << 10

// seededPasswordHash is the stored hash of every seeded user. It is not a real
// hash: tests only check that it is kept, replaced or never shown.
const seededPasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkc2FsdA$c2VlZGVkaGFzaHNlZWRlZGhhc2g"

// seededSecret is the signing secret of every seeded function.
const seededSecret = "seeded-signing-secret"

// seededTrunkPassword is the digest password of every seeded trunk.
const seededTrunkPassword = "seeded-trunk-password"

// rejectMarker in a flow's content makes the test flow checker refuse it.
const rejectMarker = "REJECT_ME"

// rejectMarkedFlows stands in for the flow validator: it refuses any flow
// whose content mentions rejectMarker, naming the field as the real one would.
func rejectMarkedFlows(_ context.Context, _ string, content []byte) []core.FieldError {
	if bytes.Contains(content, []byte(rejectMarker)) {
		return []core.FieldError{{Field: "Actions[0].Type", Message: "unknown action type " + rejectMarker}}
	}
	return nil
}

// testEnv is one API server over one store. Scenarios run one after another
// on it, each with a fixture of its own.
type testEnv struct {
	st       *store.Store
	contacts *contact.Manager
	srv      *Server
	logs     *logSink
	admin    string // a deployment-admin key
	adminID  string

	// recordings holds the call recordings GET .../recording serves.
	recordings *objectstore.FS
}

func newTestEnv(t *testing.T, st *store.Store) *testEnv {
	t.Helper()
	e := &testEnv{st: st, logs: &logSink{}, contacts: contact.New(st, contact.Options{Logger: slog.New(slog.DiscardHandler)})}
	recordings, err := objectstore.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.recordings = recordings
	e.srv = New(Options{
		Store:        st,
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		MaxBodyBytes: testMaxBody,
		Version:      "test-version",
		FlowCheck:    rejectMarkedFlows,
		Checks:       map[string]Check{"store": st.Ping},
		Chats:        fakeChats,
		Contacts:     e.contacts,
		Recordings:   recordings,
		Realtime:     &fakeRealtime{state: RealtimeState{Queues: []RealtimeQueue{{ID: "q-1", Name: "Billing", Open: true}}}},
	})
	e.admin, e.adminID = newKey(t, st, "", "deployment admin")
	return e
}

// logSink collects what the server logs at warning level and above. A
// scenario that makes the server log (a 500, a recovered panic) fails.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logSink) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	l.buf.Reset()
	return s
}

func newKey(t *testing.T, st *store.Store, instanceID, name string) (key, id string) {
	t.Helper()
	key, prefix, hash := auth.NewAPIKey()
	k := &core.APIKey{InstanceID: instanceID, Name: name, Prefix: prefix, Hash: hash}
	if err := st.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatalf("create API key %s: %v", name, err)
	}
	return key, k.ID
}

// seq makes aliases, names and phone numbers unique within a store.
var seq atomic.Int64

// fixture is what a scenario starts from: two instances, a and b, each with
// a key and one resource of every kind, wired together the way a real
// contact center is (the queue uses the hours, the routing profile the queue,
// the user the routing profile, the phone number the flow, ...).
type fixture struct {
	*testEnv
	vars map[string]string // placeholder -> value: "a", "a.queue", "b.key", ...
	keys map[string]string // "admin", "a", "b" -> API key
}

func (e *testEnv) newFixture(t *testing.T) *fixture {
	t.Helper()
	n := seq.Add(1)
	f := &fixture{testEnv: e,
		vars: map[string]string{"n": strconv.FormatInt(n, 10), "missing": uuid.NewString(), "admin.key": e.adminID},
		keys: map[string]string{"admin": e.admin}}
	for _, x := range []string{"a", "b"} {
		f.seedInstance(t, x, n)
	}
	return f
}

// Names of the seeded resources, for scenarios to refer to.
const (
	seededQueue   = "Billing"
	seededUser    = "alice"
	seededHours   = "Office hours"
	seededFlow    = "Main menu"
	seededPrompt  = "Welcome"
	seededRP      = "Front desk"
	seededQC      = "To billing"
	seededFunc    = "CRM lookup"
	seededTrunk   = "Carrier"
	seededContent = `{"Version":"2019-10-30","StartAction":"hello","Actions":[{"Identifier":"hello","Type":"MessageParticipant","Parameters":{"Text":"Hi"},"Transitions":{}}]}`
)

func (f *fixture) seedInstance(t *testing.T, x string, n int64) {
	t.Helper()
	ctx := context.Background()
	st := f.st
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s %s: %v", x, what, err)
		}
	}
	in := &core.Instance{Alias: fmt.Sprintf("%s-%d", x, n), Description: "instance " + x}
	must("instance", st.CreateInstance(ctx, in))
	f.vars[x] = in.ID
	f.vars[x+".alias"] = in.Alias
	f.keys[x], f.vars[x+".key"] = newKey(t, st, in.ID, x+" key")
	for _, name := range []string{"Admin", "Supervisor", "Agent"} {
		sp, err := st.SecurityProfiles.GetByName(ctx, in.ID, name)
		must("security profile "+name, err)
		f.vars[x+".sp."+strings.ToLower(name)] = sp.ID
	}
	// One transaction for the resources: commits are what a fixture costs.
	tx, err := st.DB().BeginTx(ctx, nil)
	must("begin", err)
	defer func() { _ = tx.Rollback() }()
	h := &core.HoursOfOperation{Name: seededHours, Schedule: hours.AlwaysOpen("Europe/Paris")}
	must("hours", st.Hours.CreateTx(ctx, tx, in.ID, h))
	q := &core.Queue{Name: seededQueue, HoursOfOperationID: h.ID, MaxContacts: 10}
	must("queue", st.Queues.CreateTx(ctx, tx, in.ID, q))
	rp := &core.RoutingProfile{Name: seededRP,
		Queues:             []core.RoutingQueue{{QueueID: q.ID, Channel: core.ChannelVoice}},
		MediaConcurrencies: []core.Concurrency{{Channel: core.ChannelVoice, Concurrency: 1}}}
	must("routing profile", st.RoutingProfiles.CreateTx(ctx, tx, in.ID, rp))
	fl := &core.Flow{Name: seededFlow, Content: json.RawMessage(seededContent)}
	must("flow", st.Flows.CreateTx(ctx, tx, in.ID, fl))
	pn := &core.PhoneNumber{Number: seededNumber(x, n), FlowID: fl.ID}
	must("phone number", st.PhoneNumbers.CreateTx(ctx, tx, in.ID, pn))
	pr := &core.Prompt{Name: seededPrompt}
	must("prompt", st.Prompts.CreateTx(ctx, tx, in.ID, pr))
	fn := &core.Function{Name: seededFunc, URL: "https://crm.example.com/lookup", Secret: seededSecret}
	must("function", st.Functions.CreateTx(ctx, tx, in.ID, fn))
	u := &core.User{Username: seededUser, SecurityProfileIDs: []string{f.vars[x+".sp.agent"]}, RoutingProfileID: rp.ID,
		PasswordHash: seededPasswordHash}
	must("user", st.Users.CreateTx(ctx, tx, in.ID, u))
	qc := &core.QuickConnect{Name: seededQC, Type: core.QuickConnectQueue, QueueID: q.ID}
	must("quick connect", st.QuickConnects.CreateTx(ctx, tx, in.ID, qc))
	tr := &core.Trunk{Name: seededTrunk, AllowedSources: []string{"192.0.2.0/24"}, Username: "pbx-" + x, Password: seededTrunkPassword}
	must("trunk", st.Trunks.CreateTx(ctx, tx, in.ID, tr))
	must("commit", tx.Commit())
	for k, v := range map[string]string{"hours": h.ID, "queue": q.ID, "rp": rp.ID, "flow": fl.ID, "phone": pn.ID,
		"number": pn.Number, "numberq": url.QueryEscape(pn.Number), "prompt": pr.ID, "function": fn.ID, "user": u.ID, "qc": qc.ID, "trunk": tr.ID} {
		f.vars[x+"."+k] = v
	}
}

// seededNumber is a phone number unique to instance x of fixture n.
func seededNumber(x string, n int64) string {
	cc := map[string]string{"a": "1555", "b": "1666"}[x]
	return fmt.Sprintf("+%s%07d", cc, n)
}

var placeholderRE = regexp.MustCompile(`\{([a-z][a-z0-9.]*)\}`)

// expand replaces {placeholders} with the fixture's values.
func (f *fixture) expand(t *testing.T, s string) string {
	t.Helper()
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := f.vars[m[1:len(m)-1]]
		if !ok {
			t.Fatalf("unknown placeholder %s in %q", m, s)
		}
		return v
	})
}

func (f *fixture) id(name string) string { return f.vars[name] }

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body))
}

// decode unmarshals the body into v.
func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r)
	}
}

// call sends one request. key is "admin", "a", "b", a literal key, or "" for
// none; a JSON body is sent as application/json unless header says otherwise.
func (f *fixture) call(t *testing.T, method, path, key string, body []byte, header map[string]string) *response {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, f.expand(t, path), rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		k, ok := f.keys[key]
		if !ok {
			k = key
		}
		req.Header.Set("Authorization", "Bearer "+k)
	}
	for h, v := range header {
		req.Header.Set(h, f.expand(t, v))
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// callJSON sends a JSON body (with placeholders) and returns the answer.
func (f *fixture) callJSON(t *testing.T, method, path, key, body string) *response {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(f.expand(t, body))
	}
	return f.call(t, method, path, key, b, nil)
}

// scenario is one API request and everything expected of it.
type scenario struct {
	name   string // states the behaviour
	method string
	path   string            // with {placeholders}: {a}, {a.queue}, {b.flow}, {missing}, {n}, ...
	body   string            // JSON, with placeholders
	raw    []byte            // a body sent as is (with header's Content-Type), instead of body
	header map[string]string // extra request headers, with placeholders
	key    string            // "admin", "a", "b", or "" for no Authorization
	setup  func(t *testing.T, f *fixture)

	status int
	want   []string // substrings of the response body, with placeholders
	not    []string // substrings the body must not contain, with placeholders
	// field is the field an error response must name, in errors[] and in detail.
	field string
	// check looks at the store (and the response) afterward.
	check func(t *testing.T, f *fixture, r *response)
}

// run plays the scenario on fixture f, or on a fresh one if f is nil. Every
// error answer must be an RFC 9457 problem, and must leave the store exactly
// as it was.
func (sc scenario) run(t *testing.T, e *testEnv, f *fixture) *response {
	t.Helper()
	if f == nil {
		f = e.newFixture(t)
	}
	if sc.setup != nil {
		sc.setup(t, f)
	}
	before := e.fingerprint(t)
	e.logs.take()

	var body []byte
	switch {
	case sc.raw != nil:
		body = sc.raw
	case sc.body != "":
		body = []byte(f.expand(t, sc.body))
	}
	r := f.call(t, sc.method, sc.path, sc.key, body, sc.header)

	if r.status != sc.status {
		t.Fatalf("%s %s answered %s; want status %d", sc.method, sc.path, r, sc.status)
	}
	for _, w := range sc.want {
		if w = f.expand(t, w); !bytes.Contains(r.body, []byte(w)) {
			t.Errorf("body does not contain %q:\n%s", w, r.body)
		}
	}
	for _, w := range sc.not {
		if w = f.expand(t, w); bytes.Contains(r.body, []byte(w)) {
			t.Errorf("body contains %q, which it must not:\n%s", w, r.body)
		}
	}
	if r.status >= 400 {
		checkProblem(t, r, sc.field)
	}
	if r.status >= 400 || sc.method == "GET" {
		if after := e.fingerprint(t); after != before {
			t.Errorf("a refused request or a GET changed the store:\nbefore: %s\nafter:  %s", before, after)
		}
	}
	if r.status < 400 && sc.field != "" {
		t.Fatalf("scenario %q names a field but expects success", sc.name)
	}
	if logs := e.logs.take(); logs != "" {
		t.Errorf("the server logged a failure (a 500 or a panic):\n%s", logs)
	}
	if sc.check != nil {
		sc.check(t, f, r)
	}
	return r
}

// checkProblem asserts r is an RFC 9457 problem+json document that agrees
// with the status line and, when field is set, names it.
func checkProblem(t *testing.T, r *response, field string) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); mt != "application/problem+json" {
		t.Errorf("error answered with Content-Type %q, want application/problem+json", r.header.Get("Content-Type"))
	}
	var p Problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("error body is not a problem document: %v\n%s", err, r.body)
	}
	if p.Status != r.status || p.Title == "" || p.Code == "" || p.Detail == "" || p.Type == "" {
		t.Errorf("incomplete problem (status line %d): %+v", r.status, p)
	}
	if field == "" {
		return
	}
	if !slices.ContainsFunc(p.Errors, func(fe core.FieldError) bool { return fe.Field == field && fe.Message != "" }) {
		t.Errorf("problem does not name field %q in errors[]: %s", field, r.body)
	}
	if !strings.Contains(p.Detail, field) {
		t.Errorf("problem detail %q does not name field %q", p.Detail, field)
	}
}

// fingerprint summarises everything a request could write: rows, versions,
// bodies and secrets of every table. Touching an API key's last use is not a
// write the client asked for, so last_used_at is left out.
func (e *testEnv) fingerprint(t *testing.T) string {
	t.Helper()
	rows, err := e.st.DB().Query(fingerprintQuery)
	if err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var tbl, c1, c2, c3, c4 string
		if err := rows.Scan(&tbl, &c1, &c2, &c3, &c4); err != nil {
			t.Fatalf("fingerprint: %v", err)
		}
		fmt.Fprintf(&b, "%s=%s/%s/%s/%s ", tbl, c1, c2, c3, c4)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	return b.String()
}

// fingerprintQuery is one query, not one per table: under -race the
// pure-Go SQLite makes every round trip count.
var fingerprintQuery = func() string {
	part := func(tbl, c1, c2, c3, c4 string) string {
		return fmt.Sprintf("SELECT '%s', CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS TEXT) FROM %s",
			tbl, c1, c2, c3, c4, tbl)
	}
	sum := func(x string) string { return "COALESCE(SUM(" + x + "),0)" }
	parts := []string{
		part("instances", "COUNT(*)", sum("version"), sum("LENGTH(body)"), sum("LENGTH(alias)")),
		part("api_keys", "COUNT(*)", sum("LENGTH(name)"), sum("LENGTH(description)"), sum("LENGTH(key_hash)")),
		part("resource_refs", "COUNT(*)", sum("LENGTH(field)"), sum("LENGTH(to_id)"), sum("LENGTH(from_id)")),
		part("flow_versions", "COUNT(*)", sum("version"), sum("LENGTH(content)"), "0"),
		part("prompt_audio", "COUNT(*)", sum("LENGTH(data)"), sum("LENGTH(content_type)"), "0"),
		part("contacts", "COUNT(*)", sum("version"), sum("LENGTH(body)"), sum("LENGTH(state)")),
		part("contact_records", "COUNT(*)", sum("LENGTH(body)"), "0", "0"),
		part("event_outbox", "COUNT(*)", sum("LENGTH(payload)"), "0", "0"),
		part("chat_items", "COUNT(*)", sum("LENGTH(body)"), "0", "0"),
	}
	for _, tbl := range []string{"users", "security_profiles", "hours_of_operation", "queues", "routing_profiles",
		"phone_numbers", "flows", "prompts", "quick_connects", "functions", "agent_statuses", "trunks", "chat_widgets"} {
		parts = append(parts, part(tbl, "COUNT(*)", sum("version"), sum("LENGTH(body)"), sum("LENGTH(secret)")))
	}
	return strings.Join(parts, " UNION ALL ")
}()

// count returns how many resources of a kind an instance has.
func count[T any, P interface {
	*T
	core.Resource
}](t *testing.T, repo *store.Repo[T, P], instanceID string) int {
	t.Helper()
	n, err := repo.Count(context.Background(), instanceID)
	if err != nil {
		t.Fatalf("count %s: %v", repo.Kind(), err)
	}
	return n
}

// get reads one resource from the store, failing the test if it is missing.
func get[T any, P interface {
	*T
	core.Resource
}](t *testing.T, repo *store.Repo[T, P], instanceID, id string) P {
	t.Helper()
	v, err := repo.Get(context.Background(), instanceID, id)
	if err != nil {
		t.Fatalf("get %s %s: %v", repo.Kind(), id, err)
	}
	return v
}

// gone asserts a resource is not in the store.
func gone[T any, P interface {
	*T
	core.Resource
}](t *testing.T, repo *store.Repo[T, P], instanceID, id string) {
	t.Helper()
	if v, err := repo.Get(context.Background(), instanceID, id); err == nil {
		t.Fatalf("%s %s is still stored: %+v", repo.Kind(), id, v)
	}
}

// createdID returns the id of the resource a 201 answered with, checking
// that Location points at it.
func createdID(t *testing.T, r *response) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	r.decode(t, &v)
	if v.ID == "" {
		t.Fatalf("created resource has no id: %s", r)
	}
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/"+v.ID) {
		t.Errorf("Location %q does not point at %s", loc, v.ID)
	}
	return v.ID
}

// testWAV is 100 ms of 8 kHz µ-law silence.
func testWAV() []byte {
	data := bytes.Repeat([]byte{0xff}, 800)
	return append(audio.EncodeWAVHeader("PCMU", 8000, 1, len(data)), data...)
}

var wavHeader = map[string]string{"Content-Type": "audio/wav"}

// runScenarios plays each scenario as a subtest. A scenario that prepares
// nothing and is a GET or expects a refusal shares one fixture with the
// others like it: they may not write, and run checks that they did not, so
// sharing is safe and saves most fixtures. The others get a fresh one each.
func runScenarios(t *testing.T, e *testEnv, scenarios []scenario) {
	t.Helper()
	seen := map[string]bool{}
	var shared *fixture
	for _, sc := range scenarios {
		if seen[sc.name] {
			t.Fatalf("two scenarios are named %q", sc.name)
		}
		seen[sc.name] = true
		t.Run(sc.name, func(t *testing.T) {
			f := (*fixture)(nil)
			if sc.setup == nil && (sc.status >= 400 || sc.method == "GET") {
				if shared == nil {
					shared = e.newFixture(t)
				}
				f = shared
			}
			sc.run(t, e, f)
		})
	}
}

// fakeChats stands in for the app's contact center: it answers with the
// contact ID "chat-" + the flow reference and the customer's name as token.
var fakeChats = ChatStarterFunc(func(_ context.Context, instanceID string, in StartChatInput) (StartChatOutput, error) {
	return StartChatOutput{ContactID: "chat-" + in.ContactFlowID, ParticipantID: "p-" + instanceID,
		ParticipantToken: "tok-" + in.ParticipantDetails.DisplayName}, nil
})
