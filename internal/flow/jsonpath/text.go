package jsonpath

import "strings"

// Match is one reference found in text: text[Start:End] parses to Path.
type Match struct {
	Path       Path
	Start, End int // byte offsets in the text; Start is the '$'
}

// next finds the first reference in text at or after offset i.
func next(text string, i int) (m Match, ok bool) {
	for i < len(text) {
		k := strings.IndexByte(text[i:], '$')
		if k < 0 {
			return Match{}, false
		}
		k += i
		if segs, end, _, _ := scan(text, k); segs != nil {
			return Match{Path: Path{segs: segs}, Start: k, End: end}, true
		}
		i = k + 1
	}
	return Match{}, false
}

// Find returns the references in text in order of appearance; nil when there are none.
func Find(text string) []Match {
	var ms []Match
	for i := 0; ; {
		m, ok := next(text, i)
		if !ok {
			return ms
		}
		ms = append(ms, m)
		i = m.End
	}
}

// Refs returns the paths referenced in text, in order, with repeats; nil when there are none.
func Refs(text string) []Path {
	var ps []Path
	for i := 0; ; {
		m, ok := next(text, i)
		if !ok {
			return ps
		}
		ps = append(ps, m.Path)
		i = m.End
	}
}

// HasRefs reports whether text contains at least one reference.
func HasRefs(text string) bool {
	if !strings.Contains(text, "$") {
		return false
	}
	_, ok := next(text, 0)
	return ok
}

// Interpolate replaces each reference in text with ToString of the value lookup returns for it.
// A reference lookup cannot resolve becomes empty text, as Amazon Connect does, so
// "Hello $.Attributes.name!" with no name is "Hello !". Text without references is returned
// unchanged. The substituted text is not escaped: callers putting values into SSML should use
// Expand with their own escaping. For text used many times, Compile it once.
func Interpolate(text string, lookup func(Path) (any, bool)) string {
	return Expand(text, func(p Path) string {
		if v, ok := lookup(p); ok {
			return ToString(v)
		}
		return ""
	})
}

// Expand replaces each reference in text with what replace returns for it.
func Expand(text string, replace func(Path) string) string {
	m, ok := next(text, 0)
	if !ok {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	last := 0
	for ok {
		b.WriteString(text[last:m.Start])
		b.WriteString(replace(m.Path))
		last = m.End
		m, ok = next(text, last)
	}
	b.WriteString(text[last:])
	return b.String()
}

// Template is text parsed once for repeated interpolation, e.g. a prompt compiled when the flow
// is loaded and rendered for every contact. It is immutable and safe for concurrent use.
type Template struct {
	text  string
	refs  []Match
	fixed int // bytes of literal text, to size the output
}

// Compile finds the references in text once. It cannot fail: text that is not a reference is
// literal.
func Compile(text string) *Template {
	t := &Template{text: text, refs: Find(text)}
	t.fixed = len(text)
	for _, m := range t.refs {
		t.fixed -= m.End - m.Start
	}
	return t
}

// Text returns the text the template was compiled from.
func (t *Template) Text() string { return t.text }

// Refs returns the template's references in order, with their offsets. The result is a copy.
func (t *Template) Refs() []Match { return append([]Match(nil), t.refs...) }

// IsLiteral reports whether the template has no references.
func (t *Template) IsLiteral() bool { return len(t.refs) == 0 }

// Interpolate renders the template as the package-level Interpolate renders its text.
func (t *Template) Interpolate(lookup func(Path) (any, bool)) string {
	return t.Expand(func(p Path) string {
		if v, ok := lookup(p); ok {
			return ToString(v)
		}
		return ""
	})
}

// Expand renders the template as the package-level Expand renders its text.
func (t *Template) Expand(replace func(Path) string) string {
	if len(t.refs) == 0 {
		return t.text
	}
	var b strings.Builder
	b.Grow(t.fixed + 16*len(t.refs))
	last := 0
	for _, m := range t.refs {
		b.WriteString(t.text[last:m.Start])
		b.WriteString(replace(m.Path))
		last = m.End
	}
	b.WriteString(t.text[last:])
	return b.String()
}
