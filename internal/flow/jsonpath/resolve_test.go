package jsonpath

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

// contactData is a contact as the interpreter might hold it: attributes as a string map, the
// Lambda result decoded by encoding/json.
func contactData(t testing.TB) map[string]any {
	t.Helper()
	var external map[string]any
	err := json.Unmarshal([]byte(`{
		"balance": 42.5, "count": 3, "vip": true, "nothing": null, "name": "Ana",
		"items": [{"id": "a1", "tags": ["x", "y"]}, {"id": "b2", "tags": []}],
		"matrix": [[1, 2], [3, [4, 5]]],
		"a": {"b": {"c": "deep"}},
		"with space": {"dot.key": "v1"},
		"sfdc-RTT_flag__c": "on",
		"0": "zero-key", "7": "seven-key",
		"ünï": {"名前": "unicode"},
		"it's": "quote"
	}`), &external)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"Attributes": map[string]string{"customer name": "Jane", "cardType": "Visa", "empty": ""},
		"External":   external,
		"Views": map[string]any{"ViewResultData": map[string]any{"FormData": map[string]any{
			"extras": []any{"gps", "seat"}, "pickup": []string{"airport"}}}},
		"Lex":         map[string]any{"Slots": []map[string]any{{"v": "s0"}}},
		"ContactId":   "c-123",
		"Channel":     "VOICE",
		"Metrics":     map[string]any{"Queue": map[string]any{"Size": float64(0)}},
		"NotAnObject": 5,
	}
}

func TestResolveFollowsEverySegmentKind(t *testing.T) {
	data := contactData(t)
	tests := []struct {
		path string
		want any
	}{
		{"$.ContactId", "c-123"},
		{"$.Attributes.cardType", "Visa"},
		{"$.Attributes.['customer name']", "Jane"},
		{"$.Attributes.empty", ""},
		{"$.External.balance", 42.5},
		{"$.External.vip", true},
		{"$.External.name", "Ana"},
		{"$.External.a.b.c", "deep"},
		{"$.External['with space']['dot.key']", "v1"},
		{`$.External.["with space"].["dot.key"]`, "v1"},
		{"$.External.sfdc-RTT_flag__c", "on"},
		{"$.External.ünï.名前", "unicode"},
		{`$.External['it\'s']`, "quote"},
		{"$.External.items[0].id", "a1"},
		{"$.External.items[1].id", "b2"},
		{"$.External.items[-1].id", "b2"},
		{"$.External.items[-2].tags[1]", "y"},
		{"$.External.items.0.tags.0", "x"}, // dotted numbers index arrays
		{"$.External.matrix[1][1][0]", float64(4)},
		{"$.External.matrix.1.1.1", float64(5)},
		{"$.External.0", "zero-key"},   // numeric member name on an object
		{"$.External[7]", "seven-key"}, // index on an object: the decimal member
		{"$.Views.ViewResultData.FormData.extras.1", "seat"},
		{"$.Views.ViewResultData.FormData.pickup.0", "airport"},
		{"$.Lex.Slots[0].v", "s0"},
		{"$.Metrics.Queue.Size", float64(0)},
		{"$.External.a", map[string]any{"b": map[string]any{"c": "deep"}}},
	}
	for _, tt := range tests {
		got, ok := Resolve(data, MustParse(tt.path))
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Resolve(%s) = %#v, %v; want %#v", tt.path, got, ok, tt.want)
		}
	}
}

func TestResolveReportsNullAsPresent(t *testing.T) {
	v, ok := Resolve(contactData(t), MustParse("$.External.nothing"))
	if !ok || v != nil {
		t.Fatalf("Resolve(null member) = %v, %v; want nil, true", v, ok)
	}
}

func TestResolveReportsMissingWithoutPanicking(t *testing.T) {
	data := contactData(t)
	for _, path := range []string{
		"$.Queue.Name",                // root absent
		"$.Attributes.missing",        // member absent
		"$.Attributes.cardType.x",     // step into a string
		"$.External.count.x",          // step into a number
		"$.External.vip[0]",           // index into a bool
		"$.External.nothing.x",        // step into null
		"$.External.items[2]",         // index past the end
		"$.External.items[-3]",        // negative index before the start
		"$.External.items[1].tags[0]", // empty array
		"$.External.items.2",          // dotted number past the end
		"$.External.items.01",         // not a canonical decimal
		"$.External.items.['-1']",     // a quoted "-1" is a name, not an index
		"$.External.items.length",     // no functions
		"$.External.items.x",          // name on an array
		"$.External.items.999999999",  // large dotted index
		"$.External.matrix[0][0][0]",  // index into a number
		"$.Views.ViewResultData.FormData.pickup.1",
		"$.Lex.Slots[1]",
		"$.NotAnObject.x",                  // unsupported container type
		"$.External['with space'].dot.key", // dot splits the key
	} {
		if v, ok := Resolve(data, MustParse(path)); ok {
			t.Errorf("Resolve(%s) = %#v, true; want not found", path, v)
		}
	}
	if _, ok := Resolve(nil, MustParse("$.ContactId")); ok {
		t.Error("Resolve(nil data) found something")
	}
	if _, ok := Resolve(data, Path{}); ok {
		t.Error("Resolve(zero Path) found something")
	}
}

func TestWalkStartsPartWayAlongThePath(t *testing.T) {
	data := contactData(t)
	p := MustParse("$.External.items[1].id")
	if v, ok := Walk(data["External"], p, 1); !ok || v != "b2" {
		t.Errorf("Walk(External, p, 1) = %v, %v", v, ok)
	}
	if v, ok := Walk("leaf", p, p.Len()); !ok || v != "leaf" {
		t.Errorf("Walk past the last segment = %v, %v; want the value itself", v, ok)
	}
	for _, from := range []int{-1, p.Len() + 1} {
		if _, ok := Walk(data, p, from); ok {
			t.Errorf("Walk(from=%d) found something", from)
		}
	}
}

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestToStringRendersValuesAsPromptText(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"text", "text"},
		{"", ""},
		{float64(5), "5"},
		{float64(-5), "-5"},
		{42.5, "42.5"},
		{2.50, "2.5"},
		{0.1, "0.1"},
		{float64(1e6), "1000000"},
		{float64(123456789012), "123456789012"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1.5e-7, "1.5e-07"},
		{0.000001, "0.000001"},
		{math.Copysign(0, -1), "0"},
		{math.Inf(1), "+Inf"},
		{math.NaN(), "NaN"},
		{float32(2.5), "2.5"},
		{float32(0.1), "0.1"},
		{3, "3"},
		{int64(-9007199254740993), "-9007199254740993"},
		{int32(7), "7"},
		{uint(8), "8"},
		{uint32(9), "9"},
		{uint64(18446744073709551615), "18446744073709551615"},
		{json.Number("12345678901234567890123"), "1.2345678901234568e+22"},
		{json.Number("9007199254740993"), "9007199254740993"},
		{json.Number("2.50"), "2.5"},
		{json.Number("x"), "x"},
		{true, "true"},
		{false, "false"},
		{map[string]any{"b": []any{true, "x"}, "a": float64(1)}, `{"a":1,"b":[true,"x"]}`},
		{[]any{"<b>", 1.5, nil}, `["<b>",1.5,null]`},
		{map[string]string{"k": "v&w"}, `{"k":"v&w"}`},
		{[]any{}, `[]`},
		{map[string]any{}, `{}`},
		{stringer{}, "stringer"},
		{errors.New("boom"), "boom"},
		{map[string]any{"f": math.Inf(1)}, "map[f:+Inf]"}, // JSON cannot hold it
		{struct{ A int }{1}, `{"A":1}`},
	}
	for _, tt := range tests {
		if got := ToString(tt.in); got != tt.want {
			t.Errorf("ToString(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
