package jsonpath

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIndexDigits bounds an index so that it fits an int on every platform.
const maxIndexDigits = 9

// Parse parses s as one whole reference such as "$.External.items[0].id". Surrounding white
// space is ignored; anything else that is not part of the reference is an error. Errors are
// *SyntaxError values (errors.Is(err, ErrSyntax)) naming the problem and its byte offset in s.
// Parse does not check the root against KnownRoots; see Path.CheckRoot.
func Parse(s string) (Path, error) {
	start := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	t := strings.TrimRightFunc(s, unicode.IsSpace)
	if start >= len(t) {
		return Path{}, &SyntaxError{Input: s, Offset: len(s), Msg: "empty reference"}
	}
	segs, end, msg, at := scan(t, start)
	if msg == "" && end < len(t) {
		msg, at = unexpected(t, end), end
	}
	if msg != "" {
		return Path{}, &SyntaxError{Input: s, Offset: at, Msg: msg}
	}
	return Path{segs: segs}, nil
}

// MustParse is Parse for references known to be valid, such as constants; it panics on error.
func MustParse(s string) Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// IsPath reports whether s, trimmed of surrounding white space, is exactly one reference, i.e.
// Parse(s) succeeds. "$.Attributes.x" is; "queue-$.Attributes.x", "$5.00", "$." and
// "$.Customer.FirstName $.Customer.LastName" are not. Besides "$." it accepts the bracket root
// "$['AwsRegion']" that Connect's attribute list also documents.
func IsPath(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '$' || (s[1] != '.' && s[1] != '[') {
		return false
	}
	_, err := Parse(s)
	return err == nil
}

// scan reads the longest valid reference that starts at s[i], which should be '$'. It returns
// its segments and the offset just past it. When scanning stopped at a character that began a
// segment but did not complete one (a '.' or '[' that leads nowhere), msg says what is wrong and
// at is where; a plain end (end of text, a space, any other character) leaves msg empty, and
// the caller decides whether trailing text is an error (Parse) or ordinary prose (Find). With no
// valid root at all segs is nil and end == i.
func scan(s string, i int) (segs []Segment, end int, msg string, at int) {
	start := i
	if i >= len(s) || s[i] != '$' {
		return nil, start, "a reference must start with '$'", i
	}
	i++
	var root Segment
	var j int
	b := i // where a bracketed root's '[' is
	switch {
	case i < len(s) && s[i] == '[':
		root, j, msg, at = bracket(s, i)
	case i < len(s) && s[i] == '.':
		if i+1 < len(s) && s[i+1] == '[' {
			b = i + 1
			root, j, msg, at = bracket(s, b)
		} else {
			root, j, msg, at = name(s, i+1, true)
		}
	case i < len(s) && s[i] == '$':
		return nil, start, "unexpected '$' after '$'", i
	default:
		return nil, start, "expected '.' or '[' after '$'", i
	}
	if msg != "" {
		return nil, start, msg, at
	}
	if root.IsIndex {
		return nil, start, "the root must be a name, not an index", b
	}
	// Collect into a stack buffer and copy out once, so a Path costs one exact allocation.
	var buf [8]Segment
	acc := append(buf[:0], root)
	i = j
	for i < len(s) {
		var seg Segment
		switch s[i] {
		case '.':
			if i+1 < len(s) && s[i+1] == '[' {
				seg, j, msg, at = bracket(s, i+1)
			} else {
				seg, j, msg, at = name(s, i+1, false)
			}
		case '[':
			seg, j, msg, at = bracket(s, i)
		default:
			return cloneSegs(acc), i, "", 0
		}
		if msg != "" {
			return cloneSegs(acc), i, msg, at
		}
		acc = append(acc, seg)
		i = j
	}
	return cloneSegs(acc), i, "", 0
}

// cloneSegs copies segs to the heap; unlike slices.Clone it lets the caller's buffer stay on
// the stack.
func cloneSegs(segs []Segment) []Segment {
	out := make([]Segment, len(segs))
	copy(out, segs)
	return out
}

// name reads a dotted member name at s[i] (just after the dot).
func name(s string, i int, root bool) (Segment, int, string, int) {
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf && j > i { // fast path for ASCII after the first character
			if !isNameRune(rune(c)) {
				break
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if (r == utf8.RuneError && size == 1) || !isNameRune(r) {
			break
		}
		if j == i && r == '-' {
			return Segment{}, 0, "a name cannot start with '-'; quote it as ['…']", i
		}
		if j == i && root && !isRootStart(r) {
			return Segment{}, 0, "the root must start with a letter or '_'", i
		}
		j += size
	}
	for j > i && s[j-1] == '-' { // a trailing '-' is punctuation: "$.Attributes.name-"
		j--
	}
	if j == i {
		switch {
		case i == len(s):
			return Segment{}, 0, "expected a name after '.'", i
		case s[i] == '.':
			return Segment{}, 0, "recursive descent '..' is not supported", i - 1
		case s[i] == '*':
			return Segment{}, 0, "wildcard '*' is not supported", i
		default:
			return Segment{}, 0, fmt.Sprintf("expected a name after '.', found %s", quoteChar(s, i)), i
		}
	}
	return Segment{Key: s[i:j]}, j, "", 0
}

// bracket reads a bracketed segment ['name'], ["name"] or [n] at s[i] == '['.
func bracket(s string, i int) (Segment, int, string, int) {
	j := i + 1
	if j >= len(s) {
		return Segment{}, 0, "unclosed '['", i
	}
	switch c := s[j]; {
	case c == '\'' || c == '"':
		return quoted(s, i, j)
	case c == '-' || '0' <= c && c <= '9':
		return index(s, i, j)
	case c == '*':
		return Segment{}, 0, "wildcard '*' is not supported", j
	case c == '?':
		return Segment{}, 0, "filter expressions are not supported", j
	case c == ':':
		return Segment{}, 0, "array slices are not supported", j
	default:
		return Segment{}, 0, fmt.Sprintf("expected a quoted name or an index after '[', found %s", quoteChar(s, j)), j
	}
}

// quoted reads ['name'] or ["name"]; s[i] is '[' and s[q] the opening quote.
func quoted(s string, i, q int) (Segment, int, string, int) {
	quote := s[q]
	j := q + 1
	// Fast path: no escapes, the name is a substring of s.
	k := j
	for k < len(s) && s[k] != quote && s[k] != '\\' {
		k++
	}
	var key string
	if k < len(s) && s[k] == quote {
		key, j = s[j:k], k+1
	} else {
		var b strings.Builder
		b.WriteString(s[j:k])
		j = k
		for {
			if j >= len(s) {
				return Segment{}, 0, fmt.Sprintf("unclosed quoted name (missing %c])", quote), q
			}
			c := s[j]
			if c == quote {
				j++
				break
			}
			if c == '\\' {
				if j+1 >= len(s) {
					return Segment{}, 0, fmt.Sprintf("unclosed quoted name (missing %c])", quote), q
				}
				e := s[j+1]
				if e != '\\' && e != '\'' && e != '"' {
					return Segment{}, 0, fmt.Sprintf("invalid escape \\%s in quoted name (only \\\\, \\' and \\\" are allowed)", quoteRune(s, j+1)), j
				}
				b.WriteByte(e)
				j += 2
				continue
			}
			b.WriteByte(c)
			j++
		}
		key = b.String()
	}
	if key == "" {
		return Segment{}, 0, "empty name in brackets", i
	}
	if j >= len(s) {
		return Segment{}, 0, "unclosed '[' (missing ']' after the quoted name)", i
	}
	if s[j] != ']' {
		if s[j] == ',' {
			return Segment{}, 0, "unions are not supported", j
		}
		return Segment{}, 0, fmt.Sprintf("expected ']' after the quoted name, found %s", quoteChar(s, j)), j
	}
	return Segment{Key: key}, j + 1, "", 0
}

// index reads [n] or [-n]; s[i] is '[' and s[j] the sign or first digit.
func index(s string, i, j int) (Segment, int, string, int) {
	neg := s[j] == '-'
	if neg {
		j++
	}
	d := j
	n := 0
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		if j-d >= maxIndexDigits {
			return Segment{}, 0, fmt.Sprintf("index too large (at most %d digits)", maxIndexDigits), d
		}
		n = n*10 + int(s[j]-'0')
		j++
	}
	switch {
	case j == d:
		return Segment{}, 0, "expected digits after '-' in an index", j
	case j-d > 1 && s[d] == '0':
		return Segment{}, 0, "an index cannot have leading zeros", d
	case j >= len(s):
		return Segment{}, 0, "unclosed '['", i
	case s[j] == ':':
		return Segment{}, 0, "array slices are not supported", j
	case s[j] == ',':
		return Segment{}, 0, "unions are not supported", j
	case s[j] != ']':
		return Segment{}, 0, fmt.Sprintf("expected ']' after the index, found %s", quoteChar(s, j)), j
	}
	if neg {
		n = -n
	}
	return Index(n), j + 1, "", 0
}

// unexpected describes the character at s[i] that follows a complete reference in Parse.
func unexpected(s string, i int) string {
	switch {
	case s[i] == '-':
		return "unexpected '-': a dotted name cannot end with '-'; quote it as ['…']"
	case s[i] == ' ' || s[i] == '\t':
		return "unexpected space: a reference is one word (quote names with spaces as ['…'])"
	}
	return fmt.Sprintf("unexpected %s after the reference", quoteChar(s, i))
}

// quoteChar renders the character at s[i] for an error message.
func quoteChar(s string, i int) string {
	if i >= len(s) {
		return "end of text"
	}
	return "'" + quoteRune(s, i) + "'"
}

func quoteRune(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("\\x%02x", s[i])
	}
	if r < ' ' || r == 0x7f {
		return fmt.Sprintf("\\x%02x", r)
	}
	return string(r)
}
