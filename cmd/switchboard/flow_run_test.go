package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// execFlowRun runs `switchboard flow run ARGS...` in process.
func execFlowRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return execCmd(newFlowRunCmd(), args...)
}

// runJSON runs with --json and decodes the one object printed.
func runJSON(t *testing.T, args ...string) flowRunJSON {
	t.Helper()
	out, stderr, err := execFlowRun(t, append(args, "--json")...)
	if err != nil {
		t.Fatalf("flow run %v: %v\n%s", args, err, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var res flowRunJSON
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value:\n%s", out)
	}
	return res
}

const menuFlow = `{"Version":"2019-10-30","StartAction":"menu","Metadata":{"name":"Front door"},"Actions":[
{"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Hello $.Attributes.name. Press 1 for sales.","StoreInput":"False","InputTimeLimitSeconds":"5"},
 "Transitions":{"NextAction":"bye","Conditions":[{"NextAction":"sales","Condition":{"Operator":"Equals","Operands":["1"]}}],
 "Errors":[{"NextAction":"bye","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"bye","ErrorType":"NoMatchingCondition"},{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"sales","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"arn:aws:connect:us-east-1:1:instance/x/queue/q-1"},"Transitions":{"NextAction":"mark","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"mark","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"choice":"sales via $.Channel"}},"Transitions":{"NextAction":"xfer","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"xfer","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"bye","Errors":[{"NextAction":"bye","ErrorType":"QueueAtCapacity"},{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
{"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

func writeFlow(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flow.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFlowRunMenuDigitGoesToTheQueue(t *testing.T) {
	path := writeFlow(t, menuFlow)
	res := runJSON(t, "--input", "1", "--attr", "name=Ada", path)
	if res.Outcome.Type != "TransferToQueue" || res.Outcome.Queue != "q-1" || res.Outcome.Flow != "Front door" || res.Outcome.Action != "xfer" {
		t.Errorf("outcome %+v", res.Outcome)
	}
	wantMsgs := []flowRunMessage{{"bot", "text", "Hello Ada. Press 1 for sales."}, {"caller", "dtmf", "1"}}
	if len(res.Messages) != 2 || res.Messages[0] != wantMsgs[0] || res.Messages[1] != wantMsgs[1] {
		t.Errorf("messages %+v", res.Messages)
	}
	var ids []string
	for _, s := range res.Steps {
		ids = append(ids, s.Identifier+"="+s.Branch)
	}
	if got := strings.Join(ids, " "); got != "menu=Condition: Equals 1 sales=NextAction mark=NextAction xfer=End" {
		t.Errorf("steps %s", got)
	}
	if res.Attributes["choice"] != "sales via VOICE" || res.Attributes["name"] != "Ada" {
		t.Errorf("attributes %v", res.Attributes)
	}
}

func TestFlowRunInputsRunOutIntoTimeouts(t *testing.T) {
	res := runJSON(t, "--channel", "chat", writeFlow(t, menuFlow))
	if res.Outcome.Type != "Disconnect" || res.Steps[0].Branch != "Error: InputTimeLimitExceeded" {
		t.Errorf("outcome %+v steps %+v", res.Outcome, res.Steps)
	}
	if last := res.Messages[len(res.Messages)-1]; last.Role != "caller" || last.Kind != "timeout" {
		t.Errorf("messages %+v", res.Messages)
	}
}

func TestFlowRunPrintsTheConversation(t *testing.T) {
	out, _, err := execFlowRun(t, "--input", "1", writeFlow(t, menuFlow))
	if err != nil {
		t.Fatal(err)
	}
	want := "bot: Hello . Press 1 for sales.\ncaller: 1\noutcome: TransferToQueue queue \"q-1\" (flow \"Front door\", action \"xfer\")\n"
	if out != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
}

func TestFlowRunCorpusOldFormatMenu(t *testing.T) {
	// 002 is an old-format export: a PIN change that ends in BasicQueue.
	path := filepath.Join("..", "..", "internal", "flow", "testdata", "connect", "002.json")
	res := runJSON(t, "--input", "1234", "--input", "1234", path)
	if res.Outcome.Type != "TransferToQueue" || res.Outcome.Queue != "BasicQueue" {
		t.Errorf("outcome %+v", res.Outcome)
	}
	if len(res.Stubbed) == 0 || !strings.Contains(res.Stubbed[0], "BasicQueue") {
		t.Errorf("stubbed %v", res.Stubbed)
	}
}

func TestFlowRunCallsBoundFunctions(t *testing.T) {
	var mu sync.Mutex
	var events []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"CurrentRule_agentWhisperMessageType":"none"}`))
	}))
	defer srv.Close()
	// 056 invokes {{lambdaFunctions.connectloadstate.arn}} and
	// {{lambdaFunctions.connectdeletecallback.arn}} before anything else.
	path := filepath.Join("..", "..", "internal", "flow", "testdata", "connect", "056.json")
	res := runJSON(t, "--function", "connectloadstate="+srv.URL, "--function", "connectdeletecallback="+srv.URL, path)
	mu.Lock()
	n := len(events)
	mu.Unlock()
	if n != 2 {
		t.Fatalf("function called %d times; steps %+v", n, res.Steps)
	}
	for _, s := range res.Steps {
		if s.Type == "InvokeLambdaFunction" && s.Branch != "NextAction" {
			t.Errorf("function step %+v", s)
		}
	}
	details, _ := events[0]["Details"].(map[string]any)
	cd, _ := details["ContactData"].(map[string]any)
	if cd["Channel"] != "VOICE" || cd["ContactId"] == "" {
		t.Errorf("event contact data %v", cd)
	}

	// Unbound, the same function takes the error branch.
	res = runJSON(t, path)
	invoked := 0
	for _, s := range res.Steps {
		if s.Type == "InvokeLambdaFunction" {
			invoked++
			if s.Branch != "Error: NoMatchingError" {
				t.Errorf("unbound function: %+v", s)
			}
		}
	}
	if invoked == 0 {
		t.Errorf("no function step: %+v", res.Steps)
	}
}

func TestFlowRunRejectsBadInput(t *testing.T) {
	path := writeFlow(t, menuFlow)
	for _, args := range [][]string{
		{"--channel", "fax", path},
		{"--attr", "novalue", path},
		{"--function", "x=notaurl", path},
		{filepath.Join(t.TempDir(), "missing.json")},
		{writeFlow(t, `{"Version":"2019-10-30","StartAction":"nowhere","Actions":[]}`)},
	} {
		if _, _, err := execFlowRun(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestFlowRunErrorOutcomeExitsNonZero(t *testing.T) {
	loop := `{"Version":"2019-10-30","StartAction":"a","Actions":[
	{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.x"},"Transitions":{"NextAction":"b","Conditions":[{"NextAction":"b","Condition":{"Operator":"Equals","Operands":["y"]}}],"Errors":[{"NextAction":"b","ErrorType":"NoMatchingCondition"}]}},
	{"Identifier":"b","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"x":"y"}},"Transitions":{"NextAction":"a","Errors":[{"NextAction":"a","ErrorType":"NoMatchingError"}]}}]}`
	out, _, err := execFlowRun(t, "--json", writeFlow(t, loop))
	if err == nil || !strings.Contains(err.Error(), "loops") {
		t.Fatalf("err = %v", err)
	}
	var res flowRunJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Outcome.Type != "Error" || res.Outcome.Error == "" {
		t.Errorf("output %s (%v)", out, err)
	}
}

func TestTerminalParticipantAsksLineByLine(t *testing.T) {
	var out bytes.Buffer
	p := newTerminalParticipant(strings.NewReader("1\n\nCustomerReturned\n"), &out, "VOICE")
	ctx := context.Background()
	prompt := engine.Message{Kind: engine.MessageText, Text: "Press 1"}
	if v, err := p.Input(ctx, engine.InputRequest{Kind: engine.InputMenu, Prompt: &prompt}); err != nil || v != "1" {
		t.Errorf("first input %q %v", v, err)
	}
	if _, err := p.Input(ctx, engine.InputRequest{Kind: engine.InputStored}); !errors.Is(err, engine.ErrInputTimeout) {
		t.Errorf("empty line: %v", err)
	}
	if ev, err := p.Wait(ctx, engine.WaitRequest{Timeout: time.Minute, Events: []string{"CustomerReturned"}}); err != nil || ev != "CustomerReturned" {
		t.Errorf("wait %q %v", ev, err)
	}
	if _, err := p.Input(ctx, engine.InputRequest{Kind: engine.InputUtterance}); !errors.Is(err, engine.ErrInputTimeout) {
		t.Errorf("end of input: %v", err)
	}
	if !strings.HasPrefix(out.String(), "bot: Press 1\ncaller (one key; empty for no input)> ") {
		t.Errorf("output %q", out.String())
	}
}

// TestFlowRunTakesEveryCorpusExportToAnOutcome is the acceptance walk over
// the real exports: each one runs under `flow run --json` (callers pressing
// 1, then never answering) and ends in a terminal outcome, never an error.
// (Unbound functions take their error branch; the engine's own corpus test
// also runs them against functions that answer.)
func TestFlowRunTakesEveryCorpusExportToAnOutcome(t *testing.T) {
	files, err := filepath.Glob("../../internal/flow/testdata/connect/*.json")
	if err != nil || len(files) < 100 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	outcomes := map[string]int{}
	for _, f := range files {
		for _, inputs := range [][]string{{"--input", "1", "--input", "1", "--input", "1"}, nil} {
			out, stderr, err := execFlowRun(t, append([]string{f, "--json"}, inputs...)...)
			var res flowRunJSON
			if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
				t.Errorf("%s: output is not one JSON object (%v): %v\n%s", filepath.Base(f), jerr, err, stderr)
				continue
			}
			outcomes[res.Outcome.Type]++
			switch res.Outcome.Type {
			case "Disconnect", "EndFlow", "TransferToQueue", "TransferToAgent", "TransferToPhoneNumber":
				if err != nil {
					t.Errorf("%s: outcome %s but exit error %v", filepath.Base(f), res.Outcome.Type, err)
				}
			default:
				t.Errorf("%s: unknown outcome %q", filepath.Base(f), res.Outcome.Type)
			}
			if len(res.Steps) == 0 {
				t.Errorf("%s: no steps recorded", filepath.Base(f))
			}
		}
	}
	t.Logf("%d files, outcomes: %v", len(files), outcomes)
}
