package speech

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// segment is a piece of an SSML document: text to speak with a rate and a
// volume, or a pause.
type segment struct {
	text    string
	stretch float64 // flite duration_stretch: 2 = half speed
	gain    float64
	pauseMs int
}

// maxBreakMs caps one <break>, as Polly does (10 s).
const maxBreakMs = 10000

// parseSSML turns an SSML document into segments. It understands:
//
//   - <speak>, <p>, <s>: a paragraph ends with a 400 ms pause, a sentence
//     with a full stop;
//   - <break time="500ms|2s" strength="none…x-strong"/>: silence (at most
//     10 s; strength none/x-weak/weak/medium/strong/x-strong = 0/100/250/
//     400/700/1000 ms, medium by default);
//   - <prosody rate="x-slow…x-fast|N%" volume="silent…x-loud|±NdB">: speed
//     (20%–200%) and loudness; pitch is ignored;
//   - <say-as interpret-as="characters|spell-out|digits|telephone">: spoken
//     one character at a time; other interpret-as values read the text;
//   - <sub alias="…">: says the alias;
//   - any other element (<emphasis>, <phoneme>, <lang>, <mark>, amazon:*):
//     its text is read.
//
// Entities like &amp; are understood; the parser is lenient about
// unclosed tags. A document that is not XML at all is an error.
func parseSSML(doc string) ([]segment, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity

	type state struct {
		name    string
		stretch float64
		gain    float64
		spell   bool
		skip    bool // inside <sub>: the alias was said instead
	}
	stack := []state{{stretch: 1, gain: 1}}
	var segs []segment
	var text strings.Builder
	cur := stack[0]
	flush := func() {
		t := strings.Join(strings.Fields(text.String()), " ")
		text.Reset()
		if t == "" {
			return
		}
		if n := len(segs); n > 0 && segs[n-1].pauseMs == 0 && segs[n-1].stretch == cur.stretch && segs[n-1].gain == cur.gain {
			segs[n-1].text += " " + t
			return
		}
		segs = append(segs, segment{text: t, stretch: cur.stretch, gain: cur.gain})
	}
	pause := func(ms int) {
		flush()
		if ms <= 0 {
			return
		}
		if n := len(segs); n > 0 && segs[n-1].pauseMs > 0 {
			segs[n-1].pauseMs = min(maxBreakMs, segs[n-1].pauseMs+ms)
			return
		}
		segs = append(segs, segment{pauseMs: min(maxBreakMs, ms)})
	}
	endSentence := func() {
		s := strings.TrimRightFunc(text.String(), unicode.IsSpace)
		if r, _ := utf8.DecodeLastRuneInString(s); s != "" && !unicode.IsPunct(r) {
			text.Reset()
			text.WriteString(s + ".")
		}
		text.WriteString(" ")
	}
	sawElement := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid SSML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			sawElement = true
			attr := func(name string) string {
				for _, a := range t.Attr {
					if strings.EqualFold(a.Name.Local, name) {
						return strings.TrimSpace(a.Value)
					}
				}
				return ""
			}
			next := cur
			next.name = strings.ToLower(t.Name.Local)
			switch next.name {
			case "break":
				pause(breakMs(attr("time"), attr("strength")))
			case "prosody":
				if r := attr("rate"); r != "" {
					flush()
					next.stretch = cur.stretch / prosodyRate(r)
				}
				if v := attr("volume"); v != "" {
					flush()
					next.gain = cur.gain * prosodyGain(v)
				}
			case "say-as":
				switch strings.ToLower(attr("interpret-as")) {
				case "characters", "spell-out", "digits", "telephone":
					next.spell = true
				}
			case "sub":
				if !cur.skip {
					text.WriteString(" " + attr("alias") + " ")
				}
				next.skip = true
			}
			stack = append(stack, next)
			cur = next
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			prev := cur
			cur = stack[len(stack)-1]
			switch name {
			case "p":
				endSentence()
				pause(400)
			case "s":
				endSentence()
			}
			if prev.stretch != cur.stretch || prev.gain != cur.gain {
				// flush with the inner element's settings
				inner := cur
				cur = prev
				flush()
				cur = inner
			}
		case xml.CharData:
			if cur.skip {
				continue
			}
			s := string(t)
			if cur.spell {
				var b strings.Builder
				for _, r := range s {
					if !unicode.IsSpace(r) && !unicode.IsPunct(r) {
						b.WriteString(" " + string(r) + " ")
					}
				}
				s = b.String()
			}
			text.WriteString(s)
		}
	}
	if !sawElement {
		return nil, errors.New("invalid SSML: no elements (send plain text without SSML)")
	}
	flush()
	// Leading and trailing pauses are kept: authors use them for timing.
	return segs, nil
}

func breakMs(tm, strength string) int {
	if tm != "" {
		if d, err := time.ParseDuration(strings.ToLower(tm)); err == nil && d >= 0 {
			return int(min(d.Milliseconds(), maxBreakMs))
		}
	}
	switch strings.ToLower(strength) {
	case "none":
		return 0
	case "x-weak":
		return 100
	case "weak":
		return 250
	case "strong":
		return 700
	case "x-strong":
		return 1000
	}
	return 400 // medium
}

// prosodyRate returns a speaking-rate factor (1 = normal) in [0.2, 2].
func prosodyRate(v string) float64 {
	r := 1.0
	switch strings.ToLower(v) {
	case "x-slow":
		r = 0.6
	case "slow":
		r = 0.8
	case "medium", "default":
	case "fast":
		r = 1.25
	case "x-fast":
		r = 1.5
	default:
		if p, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64); err == nil && strings.HasSuffix(v, "%") {
			r = p / 100
		}
	}
	return max(0.2, min(2, r))
}

// prosodyGain returns a linear gain for a volume: a keyword or "±N dB"
// (at most +12 dB).
func prosodyGain(v string) float64 {
	db := 0.0
	switch strings.ToLower(v) {
	case "silent":
		return 0
	case "x-soft":
		db = -12
	case "soft":
		db = -6
	case "medium", "default":
	case "loud":
		db = 4
	case "x-loud":
		db = 8
	default:
		s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(v, "dB"), "db"))
		if p, err := strconv.ParseFloat(s, 64); err == nil {
			db = min(12, p)
		}
	}
	return math.Pow(10, db/20)
}
