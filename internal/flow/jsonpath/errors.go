package jsonpath

import (
	"errors"
	"fmt"
)

var (
	// ErrSyntax is wrapped by every *SyntaxError, so callers can test with errors.Is.
	ErrSyntax = errors.New("jsonpath: invalid reference")

	// ErrUnknownRoot is returned by Path.CheckRoot for a syntactically valid reference whose first
	// segment is not one Amazon Connect defines (see KnownRoots).
	ErrUnknownRoot = errors.New("jsonpath: unknown root")
)

// SyntaxError says what is wrong with a reference and where.
type SyntaxError struct {
	Input  string // the text given to Parse
	Offset int    // byte offset in Input of the offending character (len(Input) when the text ended early)
	Msg    string // what is wrong, e.g. "unclosed '['"
}

// maxQuoted bounds how much of the input an error message repeats.
const maxQuoted = 120

func (e *SyntaxError) Error() string {
	in := e.Input
	if len(in) > maxQuoted {
		in = in[:maxQuoted] + "…"
	}
	return fmt.Sprintf("jsonpath: %s at offset %d in %q", e.Msg, e.Offset, in)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }
