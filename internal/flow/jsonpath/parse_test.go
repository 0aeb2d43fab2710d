package jsonpath

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseAcceptsConnectSpellings(t *testing.T) {
	tests := []struct {
		in   string
		want []Segment
		str  string // canonical String(); "" means same as in
	}{
		{in: "$.Attributes.x", want: []Segment{Key("Attributes"), Key("x")}},
		{in: "$.StoredCustomerInput", want: []Segment{Key("StoredCustomerInput")}},
		{in: "$.ContactId", want: []Segment{Key("ContactId")}},
		{in: "$.External.a.b", want: []Segment{Key("External"), Key("a"), Key("b")}},
		{in: "$.External.items[0].id", want: []Segment{Key("External"), Key("items"), Index(0), Key("id")}},
		{in: "$.External.m[1][2]", want: []Segment{Key("External"), Key("m"), Index(1), Index(2)}},
		{in: "$.External.last[-1]", want: []Segment{Key("External"), Key("last"), Index(-1)}},
		{in: "$.Queue.OutboundCallerId.Address", want: []Segment{Key("Queue"), Key("OutboundCallerId"), Key("Address")}},
		{in: "$.Lex.Slots.CityArrival", want: []Segment{Key("Lex"), Key("Slots"), Key("CityArrival")}},
		{in: "$.Metrics.Agents.Online.Count", want: []Segment{Key("Metrics"), Key("Agents"), Key("Online"), Key("Count")}},
		// Real export: hyphen inside a name.
		{in: "$.Attributes.sfdc-RTT_flag__c", want: []Segment{Key("Attributes"), Key("sfdc-RTT_flag__c")}},
		// Real export: ShowView checkbox values as dotted numbers.
		{in: "$.Views.ViewResultData.FormData.extras.0",
			want: []Segment{Key("Views"), Key("ViewResultData"), Key("FormData"), Key("extras"), Key("0")}},
		{in: "$.External.0abc", want: []Segment{Key("External"), Key("0abc")}},
		{in: "$._private", want: []Segment{Key("_private")}},
		// Connect's documented form for names with special characters.
		{in: "$.Attributes.['user attribute name']", want: []Segment{Key("Attributes"), Key("user attribute name")}},
		{in: "$.Attributes['key with space']", want: []Segment{Key("Attributes"), Key("key with space")},
			str: "$.Attributes.['key with space']"},
		{in: `$.Attributes["a.b"]`, want: []Segment{Key("Attributes"), Key("a.b")}, str: "$.Attributes.['a.b']"},
		{in: `$.Attributes.["it's"]`, want: []Segment{Key("Attributes"), Key("it's")}, str: `$.Attributes.['it\'s']`},
		{in: `$.Attributes['it\'s']`, want: []Segment{Key("Attributes"), Key("it's")}, str: `$.Attributes.['it\'s']`},
		{in: `$.Attributes['back\\slash']`, want: []Segment{Key("Attributes"), Key(`back\slash`)}, str: `$.Attributes.['back\\slash']`},
		{in: `$.Attributes["say \"hi\""]`, want: []Segment{Key("Attributes"), Key(`say "hi"`)}, str: `$.Attributes.['say "hi"']`},
		{in: "$.Attributes.['x']", want: []Segment{Key("Attributes"), Key("x")}, str: "$.Attributes.x"},
		{in: "$.Attributes.['a]b']", want: []Segment{Key("Attributes"), Key("a]b")}},
		{in: "$.Attributes.['a-']", want: []Segment{Key("Attributes"), Key("a-")}},
		{in: "$.Attributes.['-a']", want: []Segment{Key("Attributes"), Key("-a")}},
		{in: "$.External.['0']", want: []Segment{Key("External"), Key("0")}, str: "$.External.0"},
		{in: "$.SegmentAttributes['connect:Subtype'].ValueString",
			want: []Segment{Key("SegmentAttributes"), Key("connect:Subtype"), Key("ValueString")},
			str:  "$.SegmentAttributes.['connect:Subtype'].ValueString"},
		{in: "$.External.a.[0]", want: []Segment{Key("External"), Key("a"), Index(0)}, str: "$.External.a[0]"},
		// Bracketed roots: $['AwsRegion'] in Connect's attribute list, $.['LanguageCode'] in exports.
		{in: "$['AwsRegion']", want: []Segment{Key("AwsRegion")}, str: "$.AwsRegion"},
		{in: "$.['LanguageCode']", want: []Segment{Key("LanguageCode")}, str: "$.LanguageCode"},
		{in: "$.['5']", want: []Segment{Key("5")}},
		// Unicode names.
		{in: "$.Attributes.nombre_señor", want: []Segment{Key("Attributes"), Key("nombre_señor")}},
		{in: "$.Attributes.名前", want: []Segment{Key("Attributes"), Key("名前")}},
		{in: "$.Attributes.नाम", want: []Segment{Key("Attributes"), Key("नाम")}}, // with combining marks
		{in: "$.Données.clé", want: []Segment{Key("Données"), Key("clé")}},
		{in: "$.Attributes.['😀 emoji']", want: []Segment{Key("Attributes"), Key("😀 emoji")}},
		// Surrounding white space is ignored.
		{in: "  $.Attributes.x\n", want: []Segment{Key("Attributes"), Key("x")}, str: "$.Attributes.x"},
		{in: "\u3000$.Attributes.x\u3000", want: []Segment{Key("Attributes"), Key("x")}, str: "$.Attributes.x"},
		// Unknown roots parse; CheckRoot reports them.
		{in: "$.CustomerCallBackPhoneNumber", want: []Segment{Key("CustomerCallBackPhoneNumber")}},
		{in: "$.attributes.x", want: []Segment{Key("attributes"), Key("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := p.Segments(); !slices.Equal(got, tt.want) {
				t.Fatalf("Parse(%q) segments = %#v, want %#v", tt.in, got, tt.want)
			}
			want := tt.str
			if want == "" {
				want = tt.in
			}
			if got := p.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			q, err := Parse(p.String())
			if err != nil || !q.Equal(p) {
				t.Errorf("Parse(String()) = %v, %v; want %v", q, err, p)
			}
			if p.Root() != tt.want[0].Key {
				t.Errorf("Root() = %q, want %q", p.Root(), tt.want[0].Key)
			}
			if !IsPath(tt.in) {
				t.Errorf("IsPath(%q) = false", tt.in)
			}
		})
	}
}

func TestParseRejectsMalformedReferencesWithOffset(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string // substring of the message
	}{
		{"", 0, "empty reference"},
		{"   ", 3, "empty reference"},
		{"$", 1, "expected '.' or '[' after '$'"},
		{"$.", 2, "expected a name after '.'"},
		{"$$", 1, "unexpected '$'"},
		{"$$.Attributes.x", 1, "unexpected '$'"},
		{"$5.00", 1, "expected '.' or '[' after '$'"},
		{"$.50", 2, "root must start with a letter"},
		{"$.-x", 2, "cannot start with '-'"},
		{"Attributes.x", 0, "must start with '$'"},
		{"x$.Attributes.x", 0, "must start with '$'"},
		{"$.Attributes.", 13, "expected a name after '.'"},
		{"$.Attributes.x.", 15, "expected a name after '.'"},
		{"$.Attributes..x", 12, "recursive descent"},
		{"$..x", 1, "recursive descent"},
		{"$.Attributes.*", 13, "wildcard"},
		{"$.Attributes[*]", 13, "wildcard"},
		{"$.External.a[?(@.x)]", 13, "filter"},
		{"$.External.a[0:2]", 14, "slices"},
		{"$.External.a[:2]", 13, "slices"},
		{"$.External.a[0,1]", 14, "unions"},
		{"$.External.a['x','y']", 16, "unions"},
		{"$.Attributes.x y", 14, "unexpected space"},
		{"$.Attributes.x-", 14, "cannot end with '-'"},
		{"$.Attributes.x!", 14, "unexpected '!'"},
		{"$.Attributes.x/y", 14, "unexpected '/'"},
		{"$.Attributes.x]", 14, "unexpected ']'"},
		{"$.Attributes.['x'", 13, "missing ']'"},
		{"$.Attributes.['x", 14, "unclosed quoted name"},
		{`$.Attributes.["x`, 14, "unclosed quoted name"},
		{`$.Attributes.['x\`, 14, "unclosed quoted name"},
		{"$.Attributes.[", 13, "unclosed '['"},
		{"$.Attributes[", 12, "unclosed '['"},
		{"$.Attributes.[0", 13, "unclosed '['"},
		{"$.Attributes.['']", 13, "empty name"},
		{"$.Attributes.['x'y]", 17, "expected ']'"},
		{`$.Attributes.['x\n']`, 16, `invalid escape \n`},
		{"$.Attributes.[x]", 14, "expected a quoted name or an index"},
		{"$.Attributes.[ 0 ]", 14, "expected a quoted name or an index"},
		{"$.External.a[01]", 13, "leading zeros"},
		{"$.External.a[-]", 14, "expected digits"},
		{"$.External.a[1x]", 14, "expected ']' after the index"},
		{"$.External.a[1234567890]", 13, "index too large"},
		{"$[0]", 1, "root must be a name"},
		{"$.[0]", 2, "root must be a name"},
		{"$.Attributes.\xff", 13, `found '\xff'`},
		{"$.Attributes.x\x00", 14, `unexpected '\x00'`},
		{"$.Customer.FirstName $.Customer.LastName", 20, "unexpected space"},
		{"queue-$.Attributes.x", 0, "must start with '$'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.in, p)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Parse(%q) error = %q at %d, want %q at %d", tt.in, se.Msg, se.Offset, tt.msg, tt.offset)
			}
			if se.Input != tt.in {
				t.Errorf("Input = %q, want %q", se.Input, tt.in)
			}
			if !p.IsZero() {
				t.Errorf("Parse returned %v with its error", p)
			}
			if IsPath(tt.in) {
				t.Errorf("IsPath(%q) = true", tt.in)
			}
		})
	}
}

func TestSyntaxErrorMessageNamesProblemAndOffset(t *testing.T) {
	_, err := Parse("$.Attributes.['x")
	want := `jsonpath: unclosed quoted name (missing '])` + ` at offset 14 in "$.Attributes.['x"`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
	long := "$.Attributes.x " + strings.Repeat("y", 500)
	_, err = Parse(long)
	if err == nil || len(err.Error()) > 250 {
		t.Fatalf("error for a long input is not truncated: %v", err)
	}
}

func TestIsPathOnlyForWholeValueReferences(t *testing.T) {
	tests := map[string]bool{
		"$.Attributes.queueArn":                    true,
		" $.Attributes.queueArn ":                  true,
		"$['AwsRegion']":                           true,
		"$.Attributes.['user attribute name']":     true,
		"arn:aws:connect:us-east-1:1:instance/x":   false,
		"queue-$.Attributes.x":                     false,
		"$.Attributes.x suffix":                    false,
		"$.Customer.FirstName $.Customer.LastName": false,
		"$5.00":           false,
		"$LATEST":         false,
		"${VMCOREFLOW}":   false,
		"$":               false,
		"$.":              false,
		"$$":              false,
		"":                false,
		"8":               false,
		"$.Attributes.x.": false,
	}
	for in, want := range tests {
		if got := IsPath(in); got != want {
			t.Errorf("IsPath(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestStringQuotesNamesThatDotFormCannotHold(t *testing.T) {
	tests := []struct {
		p    Path
		want string
	}{
		{New("Attributes", Key("a b")), "$.Attributes.['a b']"},
		{New("Attributes", Key("a.b")), "$.Attributes.['a.b']"},
		{New("Attributes", Key("it's")), `$.Attributes.['it\'s']`},
		{New("Attributes", Key(`a\b`)), `$.Attributes.['a\\b']`},
		{New("Attributes", Key("x-")), "$.Attributes.['x-']"},
		{New("Attributes", Key("-x")), "$.Attributes.['-x']"},
		{New("Attributes", Key("\xff")), "$.Attributes.['\xff']"},
		{New("External", Key("list"), Index(2), Key("id")), "$.External.list[2].id"},
		{New("External", Index(-1)), "$.External[-1]"},
		{New("9lives"), "$.['9lives']"},
		{New("a b"), "$.['a b']"},
		{Path{}, ""},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
			continue
		}
		if tt.p.IsZero() {
			continue
		}
		q, err := Parse(tt.want)
		if err != nil || !q.Equal(tt.p) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.want, q, err, tt.p)
		}
	}
}

func TestPathAccessorsDoNotExposeInternals(t *testing.T) {
	p := MustParse("$.External.items[3].name")
	if p.Len() != 4 || p.Root() != "External" || p.Segment(2) != Index(3) || p.Segment(3).Key != "name" {
		t.Fatalf("accessors of %v: Len %d Root %q Segment(2) %v", p, p.Len(), p.Root(), p.Segment(2))
	}
	segs := p.Segments()
	segs[0] = Key("Attributes")
	if p.Root() != "External" {
		t.Fatal("Segments() exposes the path's own slice")
	}
	if !p.Equal(New("External", Key("items"), Index(3), Key("name"))) {
		t.Fatal("Equal is false for the same segments")
	}
	if p.Equal(MustParse("$.External.items[3]")) || p.Equal(MustParse("$.External.items.3.name")) {
		t.Fatal("Equal is true for different segments")
	}
	var zero Path
	if !zero.IsZero() || zero.Root() != "" || zero.Len() != 0 {
		t.Fatal("zero Path is not empty")
	}
	if Index(1).String() != "[1]" || Key("a b").String() != ".['a b']" || Key("x").String() != ".x" {
		t.Fatal("Segment.String")
	}
}

func TestMustParsePanicsOnInvalidReference(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustParse did not panic")
		}
	}()
	MustParse("$.")
}

func TestCheckRootWarnsAboutUnknownRoots(t *testing.T) {
	for _, s := range []string{"$.Attributes.x", "$.External.a.b", "$.Queue.OutboundCallerId.Address",
		"$.StoredCustomerInput", "$['AwsRegion']", "$.Media.Sip.Headers.From", "$.Views.Action"} {
		if err := MustParse(s).CheckRoot(); err != nil {
			t.Errorf("CheckRoot(%s) = %v", s, err)
		}
	}
	err := MustParse("$.attributes.x").CheckRoot()
	if !errors.Is(err, ErrUnknownRoot) || !strings.Contains(err.Error(), `did you mean "Attributes"`) {
		t.Errorf("CheckRoot($.attributes.x) = %v", err)
	}
	err = MustParse("$.CustomerCallBackPhoneNumber").CheckRoot()
	if !errors.Is(err, ErrUnknownRoot) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("CheckRoot($.CustomerCallBackPhoneNumber) = %v", err)
	}
	roots := KnownRoots()
	if !slices.IsSorted(roots) || !slices.Contains(roots, "FlowAttributes") {
		t.Errorf("KnownRoots() = %v", roots)
	}
	roots[0] = "zzz"
	if KnownRoots()[0] == "zzz" {
		t.Error("KnownRoots exposes its own slice")
	}
	if IsKnownRoot("attributes") || !IsKnownRoot("Attributes") {
		t.Error("IsKnownRoot is not case-sensitive")
	}
}
