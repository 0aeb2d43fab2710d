package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// runFlow runs `switchboard flow ARGS...` in process and returns what it
// printed and its error.
func runFlow(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return execCmd(newFlowCmd(), args...)
}

// execCmd runs cmd in process with args and empty standard input, and
// returns what it printed and its error.
func execCmd(cmd *cobra.Command, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func corpus(name string) string {
	return filepath.Join("..", "..", "internal", "flow", "testdata", "connect", name)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlowValidateAcceptsCorpusFiles(t *testing.T) {
	// 038 is in the current format, 013 in the old one (with a warning
	// from the converter).
	out, summary, err := runFlow(t, "validate", corpus("038.json"), corpus("013.json"))
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	if !strings.Contains(summary, "2 files: 0 errors, 1 warning") {
		t.Errorf("summary %q", summary)
	}
	if !strings.Contains(out, corpus("013.json")+`: warning: flow "GetUserData": action "d13dbd88-03c0-4d6b-bec4-7465218fc422" (CheckMetricData)`) {
		t.Errorf("the warning is not printed with file, flow and action:\n%s", out)
	}
	out, _, err = runFlow(t, "validate", "-q", corpus("013.json"))
	if err != nil || out != "" {
		t.Errorf("validate -q: %v, printed %q", err, out)
	}
}

func TestFlowValidateFailsNamingActionAndParameter(t *testing.T) {
	broken := writeFile(t, "menu.json", `{"Version":"2019-10-30","StartAction":"menu","Metadata":{"name":"Main menu"},"Actions":[
		{"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Press 1","StoreInput":"Maybe","InputTimeLimitSeconds":"5"},
		 "Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"}]}},
		{"Identifier":"fly","Type":"LaunchRocket","Parameters":{},"Transitions":{"NextAction":"end"}},
		{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`)
	notJSON := writeFile(t, "oops.json", "{\n  \"Actions\": [\n")
	out, summary, err := runFlow(t, "validate", corpus("038.json"), broken, notJSON)
	var ee exitError
	if !errors.As(err, &ee) || ee != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	for _, want := range []string{
		broken + `: flow "Main menu": action "menu" (GetParticipantInput): parameter "StoreInput": must be "True" or "False", got "Maybe"`,
		broken + `: flow "Main menu": action "fly" (LaunchRocket): Type: unsupported action type "LaunchRocket"`,
		notJSON + ": flow: line 3, column 1: invalid JSON",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "038.json") {
		t.Errorf("a valid file was reported:\n%s", out)
	}
	if !strings.Contains(summary, "3 files: 3 errors") {
		t.Errorf("summary %q", summary)
	}
}

func TestFlowImportAndExportTalkToTheAPI(t *testing.T) {
	st := storetest.Backends(t)[0].Open(t)
	ctx := context.Background()
	in := &core.Instance{Alias: "acme"}
	if err := st.CreateInstance(ctx, in); err != nil {
		t.Fatal(err)
	}
	key, prefix, hash := auth.NewAPIKey()
	if err := st.CreateAPIKey(ctx, &core.APIKey{Name: "admin", Prefix: prefix, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	h := &core.HoursOfOperation{Name: "Always", Schedule: hours.AlwaysOpen("UTC")}
	if err := st.Hours.Create(ctx, in.ID, h); err != nil {
		t.Fatal(err)
	}
	q := &core.Queue{Name: "Support", HoursOfOperationID: h.ID}
	if err := st.Queues.Create(ctx, in.ID, q); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Store: st, FlowCheck: api.CheckFlow}).Handler())
	defer srv.Close()

	// The token comes from the data directory, as with a local server.
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "admin.token"), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWITCHBOARD_TOKEN", "")
	t.Setenv("SWITCHBOARD_ADMIN_TOKEN", "")
	// 013.json names BasicQueue (bound here to Support) and two resources
	// this instance lacks.
	out, _, err := runFlow(t, "import", corpus("013.json"), "--instance", "acme", "--server", srv.URL, "--data", data,
		"--bind", "BasicQueue=Support", "--publish")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	for _, want := range []string{
		`imported "GetUserData", flow `, "(CONTACT_FLOW, legacy format); published version 1",
		`bound    action "cc7f800e-5c27-4d6a-942a-80b3454e2cda" (UpdateContactTargetQueue) QueueId: "" -> queue "Support" (` + q.ID + `) by binding`,
		`UNBOUND  action "e607e3d3-1126-4552-9158-11d2d31acede" (InvokeLambdaFunction) LambdaFunctionARN: "GetUserDataLambda": no function has the ID or name "GetUserDataLambda"`,
		"warning: actions[d13dbd88-03c0-4d6b-bec4-7465218fc422].Transitions.Conditions: old-format conversion",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runFlow(t, "export", "--instance", "acme", "--flow", "GetUserData", "--version", "1", "--server", srv.URL, "--token", key)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	f, err := flow.Parse([]byte(out))
	if err != nil {
		t.Fatalf("the export does not parse: %v\n%.300s", err, out)
	}
	found := false
	for _, r := range f.References() {
		found = found || (r.Param == "QueueId" && r.Value == q.ID && r.DisplayName == "BasicQueue")
	}
	if !found {
		t.Errorf("the export lacks the bound queue with its display name: %+v", f.References())
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || !strings.HasPrefix(out, "{\n  \"") {
		t.Errorf("the export is not indented JSON: %v", err)
	}

	// Errors come back with the server's field names.
	_, _, err = runFlow(t, "import", writeFile(t, "bad.json", `{"Actions":[{"Identifier":"x","Type":"Teleport"}],"StartAction":"x"}`),
		"--instance", in.ID, "--server", srv.URL, "--token", key)
	if err == nil || !strings.Contains(err.Error(), "422 unsupported_action_types") || !strings.Contains(err.Error(), "actions[x].Type: unsupported action type") {
		t.Errorf("import of an unsupported type: %v", err)
	}
	_, _, err = runFlow(t, "import", corpus("013.json"), "--instance", "nope", "--server", srv.URL, "--token", key)
	if err == nil || !strings.Contains(err.Error(), `no instance with the alias "nope"`) {
		t.Errorf("unknown instance: %v", err)
	}
	_, _, err = runFlow(t, "export", "--instance", "acme", "--flow", "Missing", "--server", srv.URL, "--token", key)
	if err == nil || !strings.Contains(err.Error(), `no flow named "Missing"`) {
		t.Errorf("unknown flow: %v", err)
	}
}
