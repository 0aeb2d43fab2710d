package function

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ResponseType is the action's ResponseValidation.ResponseType.
type ResponseType string

const (
	// StringMap expects a flat object; every value becomes a string.
	StringMap ResponseType = "STRING_MAP"
	// JSON accepts any object, nested values included.
	JSON ResponseType = "JSON"
)

// parseResponse turns a 2xx body into the $.External map. The returned
// error, if any, describes what is wrong with the body without quoting it.
func parseResponse(body []byte, rt ResponseType) (map[string]any, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	if body[0] != '{' {
		return nil, fmt.Errorf("response is %s, not a JSON object", jsonKind(body[0]))
	}
	if rt == JSON {
		return parseJSON(body)
	}
	return parseStringMap(body)
}

func parseJSON(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("response is not valid JSON: %s", jsonError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("response is not valid JSON: data after the object")
	}
	return m, nil
}

func parseStringMap(body []byte) (map[string]any, error) {
	var raw map[string]json.RawMessage
	// Unmarshal, unlike a Decoder, rejects data after the object.
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("response is not valid JSON: %s", jsonError(err))
	}
	m := make(map[string]any, len(raw))
	for k, v := range raw {
		// json.Unmarshal has validated v and trimmed surrounding space.
		switch v[0] {
		case '{', '[':
			return nil, fmt.Errorf("value of %q is %s; STRING_MAP needs a flat object (use ResponseType JSON for nested data)", k, jsonKind(v[0]))
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("value of %q: %s", k, jsonError(err))
			}
			m[k] = s
		case 'n':
			m[k] = ""
		default: // number, true, false: keep the JSON text
			m[k] = string(v)
		}
	}
	return m, nil
}

// jsonKind names the JSON type that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "not JSON"
}

// jsonError describes a decoding error without the bytes that caused it:
// the body is the function's and may hold anything.
func jsonError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("unexpected %s at byte %d", typ.Value, typ.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	// Other messages (invalid UTF-16 surrogate and the like) do not quote input.
	return strings.TrimPrefix(err.Error(), "json: ")
}
