package jsonpath

import (
	"errors"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"$.Attributes.x", "$.External.items[0].id", "$.External.m[1][-2]", "$.Attributes.['a b']",
	`$.Attributes["a.b"]`, `$.Attributes['it\'s']`, `$.Attributes["q\"\\"]`, "$['AwsRegion']",
	"$.['LanguageCode']", "$.Attributes.sfdc-RTT_flag__c", "$.Views.ViewResultData.FormData.extras.0",
	"$.Attributes.名前", "$.Attributes.नाम", " $.Attributes.x ", "$", "$.", "$$", "$5.00", "$.50",
	"$..x", "$.a.*", "$.a[*]", "$.a[0:1]", "$.a[?(@)]", "$.a['x'", "$.a[", "$.a[01]", "$.a[-]",
	"$.a[1234567890]", "$[0]", "$.a.", "$.a-", "$.-a", "$.a\xff", "$.['\xff']",
	"Hello $.Attributes.name, your balance is $.External.balance.",
	"Thank you for calling $.Attributes.company. All calls",
	"<speak><say-as interpret-as='digits'>$.External.n</say-as></speak>",
	"s3://bucket/help_$.['LanguageCode']_.wav", "mailto:$.Customer.EmailAddress",
	"Express Mail - $5.00", "$ 34.19 | Mar 7", "$$hashKey", "${VMCOREFLOW}", "$$.Attributes.x",
	"https://x.test/$.Attributes.a/?q=$.Attributes.b&r=1", "$.Attributes.x-$.Attributes.y",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) error %T %v is not a *SyntaxError", s, err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) || se.Msg == "" {
				t.Fatalf("Parse(%q) error offset %d / message %q", s, se.Offset, se.Msg)
			}
			if IsPath(s) {
				t.Fatalf("IsPath(%q) = true but Parse failed: %v", s, err)
			}
			return
		}
		if p.IsZero() || p.Segment(0).IsIndex || p.Root() == "" {
			t.Fatalf("Parse(%q) = %#v: no name root", s, p)
		}
		if !IsPath(s) {
			t.Fatalf("Parse(%q) succeeded but IsPath is false", s)
		}
		// Round trip: the canonical form parses back to the same path and is a fixed point.
		c := p.String()
		q, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q) = %v; Parse(String() = %q): %v", s, p, c, err)
		}
		if !q.Equal(p) {
			t.Fatalf("Parse(%q) = %#v; Parse(%q) = %#v", s, p.Segments(), c, q.Segments())
		}
		if q.String() != c {
			t.Fatalf("String() is not canonical: %q then %q", c, q.String())
		}
		// The canonical form, and a trimmed valid input, read the same way inline in text.
		for _, text := range []string{c, strings.TrimSpace(s)} {
			ms := Find(text)
			if len(ms) != 1 || ms[0].Start != 0 || ms[0].End != len(text) || !ms[0].Path.Equal(p) {
				t.Fatalf("Find(%q) = %v; want one match of the whole text", text, ms)
			}
		}
		// Resolving must not panic whatever the tree.
		Resolve(map[string]any{p.Root(): []any{map[string]any{"0": []string{"x"}}, nil}}, p)
	})
}

func FuzzInterpolate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	data := map[string]any{
		"Attributes": map[string]string{"x": "X", "name": "N", "a b": "AB"},
		"External":   map[string]any{"items": []any{map[string]any{"id": "I"}, 2.5, nil, true}},
	}
	f.Fuzz(func(t *testing.T, text string) {
		ms := Find(text)
		var stripped strings.Builder
		last := 0
		for i, m := range ms {
			if m.Start < last || m.End <= m.Start || m.End > len(text) || text[m.Start] != '$' {
				t.Fatalf("Find(%q) match %d has bad span [%d,%d) after %d", text, i, m.Start, m.End, last)
			}
			p, err := Parse(text[m.Start:m.End])
			if err != nil || !p.Equal(m.Path) {
				t.Fatalf("Find(%q) match %q: Parse = %v, %v; want %v", text, text[m.Start:m.End], p, err, m.Path)
			}
			stripped.WriteString(text[last:m.Start])
			last = m.End
		}
		stripped.WriteString(text[last:])

		if HasRefs(text) != (len(ms) > 0) || len(Refs(text)) != len(ms) {
			t.Fatalf("HasRefs/Refs disagree with Find for %q", text)
		}
		if !strings.Contains(text, "$") && len(ms) > 0 {
			t.Fatalf("references found in %q, which has no '$'", text)
		}
		// Unresolved references become empty text.
		none := func(Path) (any, bool) { return nil, false }
		if got := Interpolate(text, none); got != stripped.String() {
			t.Fatalf("Interpolate(%q, none) = %q, want %q", text, got, stripped.String())
		}
		lookup := func(p Path) (any, bool) { return Resolve(data, p) }
		got := Interpolate(text, lookup)
		if c := Compile(text).Interpolate(lookup); c != got {
			t.Fatalf("Compile(%q).Interpolate = %q, Interpolate = %q", text, c, got)
		}
	})
}
