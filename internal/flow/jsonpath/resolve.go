package jsonpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Resolve looks p up in data, whose top-level keys are root names ("Attributes", "External",
// "ContactId" …). It reports false when any step is missing; a member present with a JSON null
// value resolves to (nil, true). It never panics. See Walk for the rules of each step.
func Resolve(data map[string]any, p Path) (any, bool) {
	if len(p.segs) == 0 || data == nil {
		return nil, false
	}
	return Walk(data, p, 0)
}

// Walk follows p's segments from index from onwards, starting at v. Walk(data, p, 0) is
// Resolve; Walk(externalResult, p, 1) resolves $.External.a.b when the interpreter keeps each
// namespace separately.
//
// The tree is what encoding/json produces — map[string]any, []any, string, float64, bool, nil —
// plus the shapes the interpreter is likely to hold: map[string]string (contact attributes),
// []string and []map[string]any. A step
//   - on a map: a member name selects that member; an index [n] selects the member named by its
//     decimal form ("n"), so $.External.codes[0] also reads a response shaped {"codes":{"0":…}};
//   - on an array: an index selects that element (negative counts from the end); a member name
//     that is a decimal number ("0", as ShowView exports write .FormData.extras.0) does too;
//   - on anything else, or out of range: not found.
func Walk(v any, p Path, from int) (any, bool) {
	if from < 0 || from > len(p.segs) {
		return nil, false
	}
	for _, seg := range p.segs[from:] {
		var ok bool
		if v, ok = step(v, seg); !ok {
			return nil, false
		}
	}
	return v, true
}

func step(v any, seg Segment) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		x, ok := t[mapKey(seg)]
		return x, ok
	case map[string]string:
		x, ok := t[mapKey(seg)]
		return x, ok
	case []any:
		if i, ok := arrayIndex(seg, len(t)); ok {
			return t[i], true
		}
	case []string:
		if i, ok := arrayIndex(seg, len(t)); ok {
			return t[i], true
		}
	case []map[string]any:
		if i, ok := arrayIndex(seg, len(t)); ok {
			return t[i], true
		}
	}
	return nil, false
}

func mapKey(seg Segment) string {
	if seg.IsIndex {
		return strconv.Itoa(seg.Index)
	}
	return seg.Key
}

// arrayIndex turns seg into an index into an array of length n.
func arrayIndex(seg Segment, n int) (int, bool) {
	i := seg.Index
	if !seg.IsIndex {
		var ok bool
		if i, ok = decimal(seg.Key); !ok {
			return 0, false
		}
	}
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return 0, false
	}
	return i, true
}

// decimal parses a non-negative decimal without sign or leading zeros, of at most
// maxIndexDigits digits.
func decimal(s string) (int, bool) {
	if s == "" || len(s) > maxIndexDigits || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ToString renders a resolved value as text, the way it is spoken in a prompt or stored in an
// attribute:
//   - nil (a missing value or JSON null) is "";
//   - strings are unchanged;
//   - numbers use the shortest form that reads back as the same value and never a trailing
//     ".0": 5 → "5", 2.50 → "2.5", 1e6 → "1000000"; from 1e21 up and below 1e-6 in
//     exponent form ("1e+21", "1.5e-07"), the thresholds JavaScript's Number.toString uses
//     (Lambda responses are usually JSON written by JavaScript or Python);
//   - booleans are "true" and "false";
//   - objects and arrays are compact JSON with object keys sorted and without HTML escaping
//     ({"a":1,"b":[true,"x"]});
//   - a fmt.Stringer or error gives its String() or Error();
//   - any other type is encoded as JSON, or formatted with %v when JSON cannot hold it.
func ToString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return formatFloat(t, 64)
	case float32:
		return formatFloat(float64(t), 32)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case int32:
		return strconv.FormatInt(int64(t), 10)
	case uint:
		return strconv.FormatUint(uint64(t), 10)
	case uint64:
		return strconv.FormatUint(t, 10)
	case uint32:
		return strconv.FormatUint(uint64(t), 10)
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return t.String() // exact, however large the float64 would round it
		}
		if f, err := t.Float64(); err == nil {
			return formatFloat(f, 64)
		}
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case fmt.Stringer:
		return t.String()
	case error:
		return t.Error()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func formatFloat(f float64, bits int) string {
	if f == 0 {
		return "0" // also -0
	}
	if a := math.Abs(f); a < 1e21 && a >= 1e-6 {
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	return strconv.FormatFloat(f, 'g', -1, bits) // Inf, NaN and the exponent form
}
