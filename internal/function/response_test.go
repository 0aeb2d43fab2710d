package function

import (
	"testing"
)

func TestStringMapAcceptsSpacedValues(t *testing.T) {
	m, err := parseResponse([]byte(" \n{ \"a\" :  12 , \"b\":\ttrue,\"c\" : \"x\" }\n"), StringMap)
	if err != nil {
		t.Fatal(err)
	}
	if m["a"] != "12" || m["b"] != "true" || m["c"] != "x" {
		t.Errorf("got %#v", m)
	}
}

// FuzzParseResponse checks that no body makes the parser panic, and that a
// STRING_MAP result only ever holds strings.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":1.5e3,"b":null,"c":false}`, `{"a":{"b":[1,2]}}`, `[1]`, `"x"`, ``, `{"a":"\ud800"}`, `{"a":1}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := parseResponse(body, StringMap)
		if err == nil {
			for k, v := range m {
				if _, ok := v.(string); !ok {
					t.Fatalf("STRING_MAP value %q is %T", k, v)
				}
			}
		}
		if m, err := parseResponse(body, JSON); err == nil && m == nil {
			t.Fatal("JSON result is nil without error")
		}
	})
}
