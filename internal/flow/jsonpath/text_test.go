package jsonpath

import (
	"strings"
	"testing"
)

// lookupIn resolves against contactData.
func lookupIn(data map[string]any) func(Path) (any, bool) {
	return func(p Path) (any, bool) { return Resolve(data, p) }
}

func TestInterpolateReplacesInlineReferences(t *testing.T) {
	data := contactData(t)
	data["Attributes"] = map[string]string{
		"name": "Jane", "company": "Acme", "cardType": "Visa", "customer name": "Jane Doe",
		"LanguageCode": "en-US", "domain": "example.com", "rate": "slow",
	}
	data["LanguageCode"] = "en-US"
	data["Customer"] = map[string]any{"FirstName": "Jane", "LastName": "Doe", "EmailAddress": "jane@example.com"}
	data["CustomerEndpoint"] = map[string]any{"Address": "+15550100"}
	tests := []struct{ in, want string }{
		{"Hello $.Attributes.name, your balance is $.External.balance.", "Hello Jane, your balance is 42.5."},
		{"Hello $.Attributes.name", "Hello Jane"},
		{"$.Attributes.name", "Jane"},
		// Sentence-ending periods, real exports.
		{"Thank you for calling $.Attributes.company. All calls may be monitored.", "Thank you for calling Acme. All calls may be monitored."},
		{"I have submitted a replacement request for your $.Attributes.cardType.", "I have submitted a replacement request for your Visa."},
		{"your $.Attributes.cardType... really", "your Visa... really"},
		{"Hi, $.Attributes.name! Welcome", "Hi, Jane! Welcome"},
		{"$.Attributes.name's account", "Jane's account"},
		{"($.Attributes.name)", "(Jane)"},
		{"$.Attributes.name?", "Jane?"},
		{"$.Attributes.name;$.Attributes.company", "Jane;Acme"},
		{"$.Attributes.name:$.Attributes.company", "Jane:Acme"},
		{"$.Attributes.name-$.Attributes.company", "Jane-Acme"}, // trailing '-' is punctuation
		{"$.Attributes.name- hi", "Jane- hi"},
		{"$.Customer.FirstName $.Customer.LastName", "Jane Doe"},
		{"$.Attributes.name\n$.Attributes.company\t.", "Jane\nAcme\t."},
		// A period directly followed by a name char continues the path, as in Connect.
		{"$.Attributes.name.Thanks", ""},
		// Quoted names, bracket roots.
		{"Dear $.Attributes.['customer name'], hi", "Dear Jane Doe, hi"},
		{"Dear $.Attributes['customer name'].", "Dear Jane Doe."},
		{"s3://bucket/help_$.['LanguageCode']_.wav", "s3://bucket/help_en-US_.wav"},
		{"$['LanguageCode']", "en-US"},
		// Indexes and nested arrays.
		{"First: $.External.items[0].id, last tag: $.External.items[0].tags[-1].", "First: a1, last tag: y."},
		{"$.External.matrix[1][1]", "[4,5]"},
		{"$.External.a", `{"b":{"c":"deep"}}`},
		{"Code $.External.count.", "Code 3."},
		{"VIP: $.External.vip", "VIP: true"},
		// Unresolved references become empty text.
		{"Hello $.Attributes.missing!", "Hello !"},
		{"Hello $.Nope.x and $.External.items[9]", "Hello  and "},
		{"null: [$.External.nothing]", "null: []"},
		// SSML and HTML, real exports.
		{"<speak>Case <say-as interpret-as='digits'>$.External.count</say-as>, ok</speak>",
			"<speak>Case <say-as interpret-as='digits'>3</say-as>, ok</speak>"},
		{`<prosody rate="$.Attributes.rate">hi</prosody>`, `<prosody rate="slow">hi</prosody>`},
		{"<ul><li>$.Attributes.name</li><li>$.Attributes.company</li></ul>", "<ul><li>Jane</li><li>Acme</li></ul>"},
		{"src=$.Attributes.company style='w'", "src=Acme style='w'"},
		// URLs, emails, SQL.
		{"mailto:$.Customer.EmailAddress", "mailto:jane@example.com"},
		{"https://x.test/u/$.Attributes.name/p?q=$.Attributes.company&r=1#$.ContactId", "https://x.test/u/Jane/p?q=Acme&r=1#c-123"},
		{"jane@$.Attributes.domain", "jane@example.com"},
		{"WHERE Phone = '$.CustomerEndpoint.Address' AND x", "WHERE Phone = '+15550100' AND x"},
		{"queue-$.Attributes.name", "queue-Jane"},
		{"x$.Attributes.name", "xJane"},
		// Not references: prices, template variables, lone dollars.
		{"Express Mail - $5.00", "Express Mail - $5.00"},
		{"Toll package - $5.00/day", "Toll package - $5.00/day"},
		{"$ 34.19 | Mar 7", "$ 34.19 | Mar 7"},
		{"only $.50 today", "only $.50 today"},
		{"$", "$"},
		{"$.", "$."},
		{"$$", "$$"},
		{"$..x", "$..x"},
		{"$.-x", "$.-x"},
		{"$$hashKey", "$$hashKey"},
		{"${VMCOREFLOW}", "${VMCOREFLOW}"},
		{"arn:x:$LATEST", "arn:x:$LATEST"},
		{"cost: $", "cost: $"},
		{"", ""},
		{"no references here.", "no references here."},
		{"$$.Attributes.name", "$Jane"},
		{"$.$.Attributes.name", "$.Jane"},
		// Broken continuations end the reference; the rest is literal.
		{"$.Attributes.name['unclosed", "Jane['unclosed"},
		{"$.Attributes.name[", "Jane["},
		{"$.Attributes.name[x]", "Jane[x]"},
		{"$.Attributes.name[01]", "Jane[01]"},
		{"$.Attributes.name.", "Jane."},
		{"$.Attributes.name..", "Jane.."},
		{"$.Attributes.name.*", "Jane.*"},
		{"$.Attributes.['']", ""}, // $.Attributes is a map: rendered as JSON
	}
	lookup := lookupIn(data)
	for _, tt := range tests {
		got := Interpolate(tt.in, lookup)
		if tt.in == "$.Attributes.['']" { // the whole attribute map; check shape only
			if !strings.HasPrefix(got, `{"LanguageCode":"en-US"`) || !strings.HasSuffix(got, "['']") {
				t.Errorf("Interpolate(%q) = %q", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("Interpolate(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if c := Compile(tt.in).Interpolate(lookup); c != got {
			t.Errorf("Compile(%q).Interpolate = %q, Interpolate = %q", tt.in, c, got)
		}
	}
}

func TestFindReportsReferencesWithOffsets(t *testing.T) {
	text := "Hi $.Attributes.['a b'], $5.00 is $.External.x[0]. Bye $.ContactId"
	ms := Find(text)
	want := []string{"$.Attributes.['a b']", "$.External.x[0]", "$.ContactId"}
	if len(ms) != len(want) {
		t.Fatalf("Find = %v, want %d matches", ms, len(want))
	}
	for i, m := range ms {
		if text[m.Start:m.End] != want[i] {
			t.Errorf("match %d covers %q, want %q", i, text[m.Start:m.End], want[i])
		}
		if !m.Path.Equal(MustParse(want[i])) {
			t.Errorf("match %d path %v, want %s", i, m.Path, want[i])
		}
	}
	refs := Refs(text)
	if len(refs) != 3 || refs[1].String() != "$.External.x[0]" {
		t.Errorf("Refs = %v", refs)
	}
	if Find("no refs $5") != nil || Refs("") != nil {
		t.Error("Find/Refs of text without references is not nil")
	}
	tmpl := Compile(text)
	if got := tmpl.Refs(); len(got) != 3 || got[2].Start != ms[2].Start || tmpl.IsLiteral() || tmpl.Text() != text {
		t.Errorf("Template.Refs = %v", got)
	}
	if !Compile("$5.00").IsLiteral() {
		t.Error("Compile($5.00) has references")
	}
}

func TestRefsListsRepeatsInOrder(t *testing.T) {
	got := Refs("$.Attributes.a $.Attributes.b $.Attributes.a")
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if strings.Join(s, " ") != "$.Attributes.a $.Attributes.b $.Attributes.a" {
		t.Errorf("Refs = %v", s)
	}
}

func TestHasRefsIgnoresPricesAndPlaceholders(t *testing.T) {
	tests := map[string]bool{
		"Hello $.Attributes.name":  true,
		"$['AwsRegion']":           true,
		"<speak>$.Lex.IntentName":  true,
		"Hello":                    false,
		"$5.00":                    false,
		"$.":                       false,
		"$":                        false,
		"$$ $. $.5 $[0] $.[x] ${}": false,
		"":                         false,
	}
	for in, want := range tests {
		if got := HasRefs(in); got != want {
			t.Errorf("HasRefs(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestExpandLetsCallersEscapeValues(t *testing.T) {
	escape := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	got := Expand("<speak>Hi $.Attributes.name</speak>", func(p Path) string {
		return escape.Replace("Tom & <Jerry>")
	})
	if got != "<speak>Hi Tom &amp; &lt;Jerry&gt;</speak>" {
		t.Errorf("Expand = %q", got)
	}
}

func TestInterpolateReturnsLiteralTextWithoutCallingLookup(t *testing.T) {
	called := false
	lookup := func(Path) (any, bool) { called = true; return nil, false }
	for _, s := range []string{"plain", "$5.00 and $ 3", "$LATEST"} {
		if got := Interpolate(s, lookup); got != s {
			t.Errorf("Interpolate(%q) = %q", s, got)
		}
		if got := Compile(s).Interpolate(lookup); got != s {
			t.Errorf("Template(%q) = %q", s, got)
		}
	}
	if called {
		t.Error("lookup was called for text without references")
	}
}
