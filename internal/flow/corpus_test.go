package flow

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// corpusFiles returns the real exports in testdata/connect.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "connect", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("found %d corpus files, want the 110 real exports", len(files))
	}
	sort.Strings(files)
	return files
}

// corpusExpected lists the corpus files that do not validate and the errors
// they must give, so that a change in what the validator accepts shows up
// here. Every other file must validate without errors.
var corpusExpected = map[string][]string{}

// TestCorpusParsesAndValidates walks every real export: each must parse,
// and validate either without errors or with exactly the errors listed in
// corpusExpected; at least 95% must have no errors.
func TestCorpusParsesAndValidates(t *testing.T) {
	files := corpusFiles(t)
	clean := 0
	var summary, warnings []string
	for _, path := range files {
		base := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		ps := Validate(f, base)
		for _, w := range ps.Warnings() {
			warnings = append(warnings, w.Error())
		}
		var got []string
		for _, p := range ps.Errors() {
			got = append(got, p.Error())
		}
		if len(got) == 0 {
			clean++
		} else {
			summary = append(summary, base+":\n    "+strings.Join(got, "\n    "))
		}
		if want := corpusExpected[base]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: errors\n got  %q\n want %q", base, got, want)
		}
	}
	t.Logf("%d of %d corpus files validate without errors", clean, len(files))
	if len(summary) > 0 {
		t.Logf("files with errors:\n  %s", strings.Join(summary, "\n  "))
	}
	t.Logf("%d warnings:\n  %s", len(warnings), strings.Join(warnings, "\n  "))
	if clean*100 < len(files)*95 {
		t.Errorf("only %d of %d files validate (%.1f%%), want at least 95%%", clean, len(files), 100*float64(clean)/float64(len(files)))
	}
}

// TestCorpusRoundTrips checks that writing a parsed export and parsing it
// again gives the same flow, for both formats.
func TestCorpusRoundTrips(t *testing.T) {
	for _, path := range corpusFiles(t) {
		base := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		out, err := json.Marshal(f)
		if err != nil {
			t.Fatalf("%s: marshal: %v", base, err)
		}
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("%s: parse of the written flow: %v\n%s", base, err, out)
		}
		if g.Format != FormatCurrent {
			t.Errorf("%s: written flow parsed as %v", base, g.Format)
		}
		f.Format, f.ConversionNotes = FormatCurrent, nil
		if !reflect.DeepEqual(stripRaw(f), stripRaw(g)) {
			t.Errorf("%s: round trip changed the flow", base)
		}
		if !equalJSON(t, f.Metadata.Raw, g.Metadata.Raw) {
			t.Errorf("%s: round trip changed the metadata", base)
		}
	}
}

// stripRaw returns a copy of f without Metadata.Raw, whose bytes may be
// reformatted by a round trip.
func stripRaw(f *Flow) Flow {
	g := *f
	g.Metadata.Raw = nil
	return g
}

func equalJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestCorpusManifestTypesAreKnown checks that the catalogue or the
// old-format converter knows every action type the corpus uses.
func TestCorpusManifestTypesAreKnown(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "connect", "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, line := range lines[1:] {
		cols := strings.Split(line, "\t")
		if len(cols) < 6 {
			t.Fatalf("bad manifest line %q", line)
		}
		old := strings.HasPrefix(cols[4], "old")
		for _, typ := range strings.Split(cols[5], ",") {
			_, current := LookupAction(typ)
			_, legacy := legacyConverters[strings.ToLower(typ)]
			if (old && !legacy) || (!old && !current) {
				t.Errorf("%s: action type %q (%s format) is not supported", cols[0], typ, cols[4])
			}
		}
	}
}

// TestCorpusBreakagesAreCaught breaks each real export in two ways the
// validator must notice: a transition to a missing action and an unknown
// action type.
func TestCorpusBreakagesAreCaught(t *testing.T) {
	for _, path := range corpusFiles(t) {
		base := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		for i := range f.Actions {
			a := &f.Actions[i]
			if a.Transitions.NextAction == "" {
				continue
			}
			a.Transitions.NextAction = "no-such-action"
			want := `flow "x": action "` + a.Identifier + `" (` + a.Type + `): Transitions.NextAction: names no action: "no-such-action"`
			if got := problemStrings(Validate(f, "x").Errors()); !reflect.DeepEqual(got, []string{want}) {
				t.Errorf("%s: dangling NextAction gave %q", base, got)
			}
			a.Type = "NoSuchType"
			if err := Validate(f, "x").Err(); err == nil || !strings.Contains(err.Error(), "unsupported action types: NoSuchType") {
				t.Errorf("%s: unknown type gave %v", base, err)
			}
			break
		}
	}
}
