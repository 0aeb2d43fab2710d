package bind

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// corpusTable knows some of the names the real exports use, the way a
// migrating team's instance would after creating its queues, flows and
// functions: a display name, a placeholder's inner name, a Lambda function
// name from an ARN.
var corpusTable = Table{
	flow.ResourceQueue: {{"q-basic", "BasicQueue"}, {"q-test", "VMTESTQUEUENAME"}},
	flow.ResourceFlow: {{"f-main", "RulesEngineMain"}, {"f-error", "RulesEngineError"},
		{"f-whisper", "AWSSCVAgentWhisperWithStreaming"}, {"f-ctx", "001 Context Tracking - Main"}},
	flow.ResourceFunction: {{"fn-state", "connectupdatestate"}, {"fn-load", "connectloadstate"},
		{"fn-rec", "callRecordingControl"}, {"fn-tel", "INVOKE_TELEPHONY_FUNCTION"}},
	flow.ResourcePrompt: {{"p-queue", "CustomerQueue_wav"}},
	flow.ResourceHours:  {{"h-basic", "Basic Hours"}},
	flow.ResourceUser:   {},
}

// TestBindCorpus binds every real export against corpusTable: no panics,
// every reference accounted for (bound, unbound with a reason, or dynamic),
// the bound flow still parses and validates as before, and binding it again
// changes nothing.
func TestBindCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "connect", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("found %d corpus files, want the 110 real exports", len(files))
	}
	sort.Strings(files)
	var (
		total, dynamic int
		byMethod       = map[Method]int{}
		reasons        = map[string]int{}
		withRefs       int
	)
	for _, path := range files {
		base := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := flow.Parse(data)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		refs := f.References()
		errsBefore := problemStrings(flow.Validate(f, base).Errors())
		rep, err := Bind(context.Background(), f, corpusTable, Options{})
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if n := len(rep.Bound) + len(rep.Unbound) + len(rep.Dynamic); n != len(refs) {
			t.Errorf("%s: %d references, report accounts for %d", base, len(refs), n)
		}
		for _, u := range rep.Unbound {
			if u.Reason == "" {
				t.Errorf("%s: unbound %s.%s without a reason", base, u.Action, u.Parameter)
			}
			reasons[reasonKind(u.Reason)]++
		}
		for _, b := range rep.Bound {
			if b.To == "" || b.By == "" {
				t.Errorf("%s: bound %+v lacks a target", base, b)
			}
			byMethod[b.By]++
		}
		if len(refs) > 0 {
			withRefs++
		}
		total += len(refs)
		dynamic += len(rep.Dynamic)

		g := reparse(t, f)
		if after := problemStrings(flow.Validate(g, base).Errors()); !reflect.DeepEqual(errsBefore, after) {
			t.Errorf("%s: binding changed the validation errors:\nbefore %q\nafter  %q", base, errsBefore, after)
		}
		first, _ := json.Marshal(g)
		again, err := Bind(context.Background(), g, corpusTable, Options{})
		if err != nil {
			t.Fatalf("%s: second bind: %v", base, err)
		}
		if len(again.Bound) != len(rep.Bound) || len(again.Unbound) != len(rep.Unbound) {
			t.Errorf("%s: second bind gave %d bound, %d unbound; first %d, %d", base,
				len(again.Bound), len(again.Unbound), len(rep.Bound), len(rep.Unbound))
		}
		for _, b := range again.Bound {
			if b.By != ByID || b.From != b.To {
				t.Errorf("%s: second bind of %s.%s: %s from %q, want by id", base, b.Action, b.Parameter, b.By, b.From)
			}
		}
		if second, _ := json.Marshal(g); string(first) != string(second) {
			t.Errorf("%s: binding a bound flow again changed it", base)
		}
	}
	bound := 0
	for _, n := range byMethod {
		bound += n
	}
	t.Logf("%d files, %d with references; %d references: %d bound %v, %d dynamic, %d unbound %v",
		len(files), withRefs, total, bound, byMethod, dynamic, total-bound-dynamic, reasons)
	if bound == 0 || dynamic == 0 {
		t.Errorf("the corpus should bind some references and leave some dynamic")
	}
}

func problemStrings(ps flow.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

// reasonKind groups unbound reasons for the summary.
func reasonKind(r string) string {
	switch {
	case strings.HasPrefix(r, "empty"):
		return "empty"
	case strings.HasPrefix(r, "Switchboard has no"):
		return "unsupported"
	case strings.Contains(r, "names no resource"):
		return "text placeholder"
	case strings.HasPrefix(r, "binding"):
		return "binding"
	}
	return "not found"
}
