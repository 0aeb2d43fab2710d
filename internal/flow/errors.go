package flow

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned (wrapped in a *ParseError) by Parse.
var (
	// ErrEmpty: the document is empty or only white space.
	ErrEmpty = errors.New("empty document")
	// ErrSyntax: the document is not valid JSON.
	ErrSyntax = errors.New("invalid JSON")
	// ErrNotObject: the document, or a part that must be an object, is some
	// other JSON value.
	ErrNotObject = errors.New("not a JSON object")
	// ErrNotFlow: the object has neither "Actions" nor "modules".
	ErrNotFlow = errors.New(`not a flow document: it has neither "Actions" (current format) nor "modules" (old format)`)
	// ErrType: a field has the wrong JSON type.
	ErrType = errors.New("wrong type")
)

// ParseError is a document Parse could not read. Line and Column (1-based)
// are set for JSON syntax errors; Path names the offending field otherwise,
// e.g. "Actions[3].Transitions.Conditions".
type ParseError struct {
	Line, Column int
	Path         string
	Err          error
	Detail       string
}

// Error gives the location first: "flow: line 3, column 5: invalid JSON: ...".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("flow: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the sentinel (ErrSyntax, ErrType, ...).
func (e *ParseError) Unwrap() error { return e.Err }

// lineCol converts a byte offset in data to a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
