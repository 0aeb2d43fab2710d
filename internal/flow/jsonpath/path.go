// Package jsonpath implements the small JSONPath dialect that Amazon Connect flows use to refer
// to contact data: "$.Attributes.name", "$.External.items[0].id", "$.Attributes.['key with space']".
//
// It has three jobs, one per kind of flow parameter (docs/flow-language-reference.md §1):
//
//   - Parse and IsPath handle parameters whose whole value is one reference (QueueId,
//     ComparisonValue, LoopCount …).
//   - Find, Refs, Interpolate and Template handle free text in which references are embedded
//     ("Hello $.Attributes.name, your balance is $.External.balance.").
//   - Resolve, Walk and ToString look a reference up in a JSON-like tree and render the result as
//     prompt text.
//
// # Syntax
//
// A reference is "$" followed by one or more segments. The first segment is the root (Attributes,
// External, ContactId …, see KnownRoots). A segment is one of
//
//	.name        a member name: letters, digits and marks of any script, '_' and '-'; it may
//	             not start or end with '-', and a root may not start with a digit ("$.50" is money)
//	['name']     a quoted member name, any text; also ["name"], and after a dot as Connect's
//	.['name']    documentation writes it ($.Attributes.['user attribute name']). Inside the
//	             quotes \\, \' and \" stand for \, ' and "
//	[0]          an array index; [-1] counts from the end. .0 (as ShowView exports write
//	             $.Views.ViewResultData.FormData.extras.0) is the member name "0", which
//	             Resolve also accepts as an index into an array
//
// Wildcards, recursive descent, slices, unions and filters are not part of the Connect dialect and
// are rejected with a message saying so.
//
// # References in text
//
// Free text ("Text", "SSML", attribute values …) may embed references anywhere:
//
//	Thank you for calling $.Attributes.company. Your balance is $.External.balance dollars.
//
// A reference starts at "$." or "$[" followed by a valid root, wherever the '$' is
// ("queue-$.Attributes.x", "help_$.['LanguageCode']_.wav", "mailto:$.Customer.EmailAddress"), and
// is the longest valid reference from there. It ends at the first character that cannot continue
// it: white space, most punctuation (, ; : ! ? ' " < > / & = …), a trailing '-', or a '.' or '['
// that does not start a valid segment, such as the sentence-ending period in
// "calling $.Attributes.company." or "$.Attributes.company. All calls". A period directly followed
// by a name character does continue it: "$.Attributes.x.Thanks" is one reference, since nothing
// tells a sentence from a nested name there.
//
// Text that is not a reference stays as written: "$5.00", "$ 34.19", "$$hashKey", "$LATEST",
// "${QUEUE}", "$.", "$.50" (a root cannot start with a digit) and a lone "$". There is no escape
// for writing a literal reference.
//
// # Roots
//
// Roots are not checked by Parse: Connect adds namespaces over time and real exports contain
// roots that are not documented ($.CustomerCallBackPhoneNumber), so refusing them would refuse
// real flows. Path.CheckRoot and IsKnownRoot let a validator warn about them instead.
package jsonpath

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Segment is one step of a Path: a member name, or an array index when IsIndex is set.
type Segment struct {
	Key     string // the member name; empty for an index
	Index   int    // the array index when IsIndex; negative counts from the end
	IsIndex bool
}

// Key returns a member-name segment.
func Key(name string) Segment { return Segment{Key: name} }

// Index returns an array-index segment; negative i counts from the end of the array.
func Index(i int) Segment { return Segment{Index: i, IsIndex: true} }

// String renders the segment as it appears after the root in a reference: ".name", ".['a b']" or "[0]".
func (s Segment) String() string {
	var b strings.Builder
	s.write(&b, false)
	return b.String()
}

func (s Segment) write(b *strings.Builder, root bool) {
	switch {
	case s.IsIndex:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.Index))
		b.WriteByte(']')
	case isPlainName(s.Key, root):
		b.WriteByte('.')
		b.WriteString(s.Key)
	default:
		// Connect's documented spelling; Parse also accepts it without the dot.
		b.WriteString(".['")
		for i := 0; i < len(s.Key); i++ {
			if c := s.Key[i]; c == '\'' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s.Key[i])
		}
		b.WriteString("']")
	}
}

// Path is a parsed reference. The zero Path is empty and refers to nothing. A Path is immutable
// and safe to share between goroutines.
type Path struct {
	segs []Segment // segs[0] is the root and is always a name
}

// New builds a Path from a root name and further segments, e.g.
// New("Attributes", Key("customer name")) is $.Attributes.['customer name'].
// It does not validate the root; see CheckRoot.
func New(root string, rest ...Segment) Path {
	segs := make([]Segment, 0, 1+len(rest))
	segs = append(segs, Key(root))
	return Path{segs: append(segs, rest...)}
}

// IsZero reports whether p is the zero Path.
func (p Path) IsZero() bool { return len(p.segs) == 0 }

// Root returns the first segment's name ("Attributes" for $.Attributes.x), or "" for the zero Path.
func (p Path) Root() string {
	if len(p.segs) == 0 {
		return ""
	}
	return p.segs[0].Key
}

// Len returns the number of segments, the root included.
func (p Path) Len() int { return len(p.segs) }

// Segment returns segment i; Segment(0) is the root. It panics when i is out of range, like a slice.
func (p Path) Segment(i int) Segment { return p.segs[i] }

// Segments returns a copy of the segments, the root first.
func (p Path) Segments() []Segment { return append([]Segment(nil), p.segs...) }

// String returns the canonical spelling of p: member names in dot form where that parses back to
// the same name, Connect's .['…'] form otherwise, indexes as [n]. Parse(p.String()) equals p
// for every Path Parse returns, and for New paths whose names are not empty. The zero Path
// renders as "".
func (p Path) String() string {
	if len(p.segs) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(16 * len(p.segs))
	b.WriteByte('$')
	for i, s := range p.segs {
		s.write(&b, i == 0)
	}
	return b.String()
}

// Equal reports whether p and q have the same segments, however they were spelled.
func (p Path) Equal(q Path) bool {
	if len(p.segs) != len(q.segs) {
		return false
	}
	for i := range p.segs {
		if p.segs[i] != q.segs[i] {
			return false
		}
	}
	return true
}

// isNameRune reports whether r may appear in a dotted member name.
func isNameRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isPlainName reports whether name can be written in dot form and parse back unchanged.
func isPlainName(name string, root bool) bool {
	if name == "" || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i, r := range name {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[i:]); size == 1 {
				return false
			}
		}
		if !isNameRune(r) {
			return false
		}
		if i == 0 && root && !isRootStart(r) {
			return false
		}
	}
	return true
}

// isRootStart reports whether a dotted root may begin with r: not a digit, so that "$.50" in a
// prompt stays money, and not a mark.
func isRootStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
