package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary documents to Parse and, when they parse, to
// Validate, References and Marshal. Nothing may panic; every error must be a
// *ParseError; a parsed flow must write a document that parses again and
// that is written back identically.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 2m ./internal/flow/
func FuzzParse(f *testing.F) {
	for _, path := range corpusFiles(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		// The small exports (82 of 110, both formats) cover the same code
		// as the large ones, and the fuzzer mutates and minimises them
		// far faster; TestCorpus* read every file.
		if len(data) <= 12<<10 {
			f.Add(data)
		}
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"Actions":null}`, `{"modules":null}`, `{"Actions":[{}]}`,
		`{"Actions":[{"Identifier":"a","Type":"Wait","Parameters":{"TimeoutSeconds":5,"timelimitseconds":"6"}}]}`,
		`{"Actions":[{"Transitions":{"Conditions":[{"Condition":{"Operator":"And","Operands":[{"Operands":[{}]}]}}]}}]}`,
		`{"Actions":[],"Metadata":{"ActionMetadata":{"a":{"parameters":{"X":{"0":{"displayName":"n"}}}}}}}`,
		`{"Actions":[],"Settings":{"Transitions":[{"DisplayName":1}]}}`,
		`{"modules":[{"id":"m","type":"SetAttributes","parameters":[{"name":"Attribute","key":"k","value":"v","namespace":"System"}],"branches":[{"condition":"Evaluate"}]}],"start":"m"}`,
		`{"modules":[{"id":1,"type":"LoopPrompts","parameters":[{"name":"AudioPrompt","resourceName":"x"}],"metadata":[]}],"metadata":7}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			_ = pe.Error()
			return
		}
		ps := Validate(fl, "fuzz")
		_ = ps.Err()
		for _, p := range ps {
			_ = p.Error()
		}
		_ = fl.References()
		out, err := json.Marshal(fl)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("the written flow does not parse: %v\n%s", err, out)
		}
		out2, err := json.Marshal(g)
		if err != nil {
			t.Fatalf("Marshal of the re-parsed flow: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("writing is not stable:\n%s\n%s", out, out2)
		}
		_ = Validate(g, "fuzz")
	})
}
