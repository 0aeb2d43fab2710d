package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// decode reads a JSON body strictly into v: the content type must be JSON,
// the body at most the configured size, every field known and of the right
// type, and nothing may follow the value. Each failure names the field.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errMediaType("application/json", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return mb
		}
		return errBadRequest("bad_body", "body", "could not be read: %v", err)
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest("bad_json", "body", "is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body, v)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadRequest("bad_json", "body", "has data after the JSON value")
	}
	return nil
}

// jsonError turns encoding/json's errors into ones that name the field.
// v is the value being decoded, to find the field of errors that
// encoding/json reports without one.
func jsonError(err error, body []byte, v any) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		line, col := position(body, se.Offset)
		return errBadRequest("bad_json", "body", "invalid JSON at line %d, column %d: %s", line, col, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadRequest("bad_json", "body", "invalid JSON: unexpected end of input")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return errBadRequest("wrong_type", field, "must be %s, not %s", jsonKind(te.Type.Kind().String(), te.Type.String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if uq, err := strconv.Unquote(name); err == nil {
			name = uq
		}
		if name == "" {
			return errBadRequest("unknown_field", "body", "holds a field with an empty name")
		}
		return errBadRequest("unknown_field", name, "is not a known field")
	}
	// A field's own UnmarshalJSON (time.Time's) failed; encoding/json does
	// not say which field that was.
	var pe *time.ParseError
	if errors.As(err, &pe) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		return errBadRequest("wrong_type", failingField(body, v), "must be an RFC 3339 date-time such as 2030-01-02T15:04:05Z")
	}
	return errBadRequest("bad_value", failingField(body, v), "%v", err)
}

// failingField finds the top-level field of body that cannot be decoded
// into v's type on its own, or "body" if none can be singled out.
func failingField(body []byte, v any) string {
	t := reflect.TypeOf(v)
	var fields map[string]json.RawMessage
	if t == nil || t.Kind() != reflect.Pointer || json.Unmarshal(body, &fields) != nil {
		return "body"
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		one, err := json.Marshal(map[string]json.RawMessage{name: fields[name]})
		if err == nil && json.Unmarshal(one, reflect.New(t.Elem()).Interface()) != nil {
			return name
		}
	}
	return "body"
}

func jsonKind(kind, typ string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return fmt.Sprintf("of type %s", typ)
}

func position(body []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(body)); i++ {
		if body[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
