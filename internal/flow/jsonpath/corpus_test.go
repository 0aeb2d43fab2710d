package jsonpath

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// corpusStrings returns every JSON string value in the real exports that contains a '$'.
func corpusStrings(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "connect", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no corpus in ../testdata/connect")
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			if strings.Contains(t, "$") {
				out = append(out, t)
			}
		case map[string]any:
			for k, x := range t {
				walk(k)
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(v)
	}
	return out
}

// refStart is where a reference can begin in corpus text: "$." and a letter, or "$.[" / "$[".
var refStart = regexp.MustCompile(`\$(\.[\p{L}_]|\.?\[')`)

func TestCorpusReferencesAllParse(t *testing.T) {
	var whole, inline int
	unknown := map[string]bool{}
	for _, s := range corpusStrings(t) {
		if IsPath(s) {
			whole++
			p, err := Parse(s)
			if err != nil {
				t.Errorf("IsPath(%q) but Parse: %v", s, err)
				continue
			}
			if p.CheckRoot() != nil {
				unknown[p.Root()] = true
			}
			continue
		}
		ms := Find(s)
		starts := refStart.FindAllStringIndex(s, -1)
		if len(ms) != len(starts) {
			t.Errorf("Find(%q) found %d references, the text has %d starts", s, len(ms), len(starts))
			continue
		}
		for i, m := range ms {
			inline++
			if m.Start != starts[i][0] {
				t.Errorf("Find(%q) reference %d starts at %d, want %d", s, i, m.Start, starts[i][0])
			}
			if q, err := Parse(m.Path.String()); err != nil || !q.Equal(m.Path) {
				t.Errorf("reference %q in %q does not round-trip: %v", s[m.Start:m.End], s, err)
			}
			if m.Path.CheckRoot() != nil {
				unknown[m.Path.Root()] = true
			}
		}
	}
	t.Logf("corpus: %d whole-value references, %d inline references", whole, inline)
	if whole < 1000 || inline < 30 {
		t.Errorf("corpus too small: %d whole-value, %d inline references", whole, inline)
	}
	// The only undocumented root in the real exports (a Lambda parameter in 073.json).
	var got []string
	for r := range unknown {
		got = append(got, r)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"CustomerCallBackPhoneNumber"}) {
		t.Errorf("unknown roots in the corpus = %v", got)
	}
}

// TestCorpusInlineReferencesEndWhereTheSentenceDoes pins the tricky real-world endings.
func TestCorpusInlineReferencesEndWhereTheSentenceDoes(t *testing.T) {
	tests := map[string][]string{
		"Thank you for calling $.Attributes.company. All calls may be monitored for quality assurance.": {"$.Attributes.company"},
		"I have submitted a replacement request for your $.Attributes.cardType.":                        {"$.Attributes.cardType"},
		"We noticed you recently called and spoke to $.External.LastAgentFirstName.  Press 1":           {"$.External.LastAgentFirstName"},
		"$.Attributes.customerFirstName might also need...":                                             {"$.Attributes.customerFirstName"},
		">$.External.CaseNumber</say-as>, regarding $.External.Subject, press 1.":                       {"$.External.CaseNumber", "$.External.Subject"},
		"SELECT User.Id FROM User WHERE Extension = '$.Attributes.extension'":                           {"$.Attributes.extension"},
		"Hi, $.Attributes.customerName! Welcome to AWS Video Contact Center":                            {"$.Attributes.customerName"},
		"<audio src=$.External.vmx3_presigned_url style='width: 100%;'>":                                {"$.External.vmx3_presigned_url"},
		"Please enter the amount. For example. $25.00 would be entered as 2 5  pound.":                  nil,
		"Sample payment flow. Your current balance is $85.64.":                                          nil,
		"$.Attributes.sfdc-RTT_flag__c":                                                                 {"$.Attributes.sfdc-RTT_flag__c"},
		"s3://bucket/help_$.['LanguageCode']_.wav":                                                      {"$.LanguageCode"},
	}
	for text, want := range tests {
		var got []string
		for _, m := range Find(text) {
			got = append(got, m.Path.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("Find(%q) = %q, want %q", text, got, want)
		}
	}
}
