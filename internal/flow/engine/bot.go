package engine

import (
	"context"
	"strings"
	"unicode"
)

// Bot understands what a customer says: ConnectParticipantWithLexBot hands
// it the utterance and branches on the intent it returns. Switchboard's own
// bots are BotDefinitions matched by MatcherBot; an adapter for Amazon Lex
// or another NLU service can implement the same interface.
type Bot interface {
	Recognize(ctx context.Context, req BotRequest) (Recognition, error)
}

// BotRequest is one customer turn.
type BotRequest struct {
	Utterance string
	// SessionAttributes are the action's LexSessionAttributes, resolved.
	SessionAttributes map[string]string
	LanguageCode      string
}

// Recognition is what the bot understood.
type Recognition struct {
	// IntentName is the intent, or FallbackIntent when none matched.
	IntentName string
	Slots      map[string]string
	// Confidence is 0 to 1.
	Confidence float64
	// SessionAttributes, if set, are merged into $.Lex.SessionAttributes.
	SessionAttributes map[string]string
}

// FallbackIntent is the intent of an utterance no intent matches, as in Lex.
const FallbackIntent = "FallbackIntent"

// BotDefinition is a bot Switchboard runs itself: intents with sample
// utterances and slots with listed values.
type BotDefinition struct {
	ID, Name string
	Intents  []Intent
	// Threshold is the lowest score an intent needs to be chosen; 0.5 if 0.
	Threshold float64
}

// Intent is one thing a customer may want.
type Intent struct {
	Name string
	// Utterances are sample phrases. A slot appears in braces:
	// "I want to pay {Amount}".
	Utterances []string
	Slots      []Slot
}

// Slot is a value an intent takes from the utterance.
type Slot struct {
	Name string
	// Values are the values the slot accepts. A value may list synonyms
	// after '=': "checking=current account=cheque account" is filled as
	// "checking" when any of the three is said.
	Values []string
}

// MatcherBot recognizes intents of a BotDefinition by comparing the
// utterance with each sample utterance:
//
//   - both are normalized: lower case, punctuation removed, white space
//     collapsed, slot references and slot values set aside;
//   - an exact match scores 1;
//   - otherwise the score is the share of the sample's words found in the
//     utterance, times the share of the utterance's words found in the
//     sample (so neither a long ramble nor a one-word answer matches a
//     sample by accident);
//   - the best intent wins if it scores at least the threshold; otherwise
//     the intent is FallbackIntent.
//
// Slots are filled from the utterance with a listed value (or synonym)
// found in it as whole words, the longest first; a slot that follows a word
// in the sample ("from {From} to {To}") is looked for after that word first,
// so slots sharing values are told apart.
type MatcherBot struct {
	def BotDefinition
}

// NewMatcherBot returns a bot for def.
func NewMatcherBot(def BotDefinition) *MatcherBot { return &MatcherBot{def: def} }

// Recognize implements Bot.
func (b *MatcherBot) Recognize(_ context.Context, req BotRequest) (Recognition, error) {
	words := tokens(req.Utterance)
	threshold := b.def.Threshold
	if threshold <= 0 {
		threshold = 0.5
	}
	best, bestScore := -1, 0.0
	var bestSlots map[string]string
	for i, in := range b.def.Intents {
		for _, u := range in.Utterances {
			slots, rest := fillSlots(words, in.Slots, sampleParts(u))
			if s := score(rest, sampleTokens(u)); s > bestScore {
				best, bestScore, bestSlots = i, s, slots
			}
		}
		if len(in.Utterances) == 0 && strings.Join(words, " ") == strings.Join(tokens(in.Name), " ") {
			slots, _ := fillSlots(words, in.Slots, nil)
			best, bestScore, bestSlots = i, 1, slots
		}
	}
	if best < 0 || bestScore < threshold {
		return Recognition{IntentName: FallbackIntent, Slots: map[string]string{}}, nil
	}
	return Recognition{IntentName: b.def.Intents[best].Name, Slots: bestSlots, Confidence: bestScore}, nil
}

// tokens normalizes text to lower-case words.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// sampleTokens is tokens without the {Slot} references.
func sampleTokens(s string) []string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '{':
			depth++
		case r == '}' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return tokens(b.String())
}

// sampleParts splits a sample utterance into lower-case words, keeping
// each slot reference as one "{Name}" part.
func sampleParts(u string) []string {
	var parts []string
	for len(u) > 0 {
		i := strings.IndexByte(u, '{')
		if i < 0 {
			return append(parts, tokens(u)...)
		}
		parts = append(parts, tokens(u[:i])...)
		j := strings.IndexByte(u[i:], '}')
		if j < 0 {
			return parts
		}
		parts = append(parts, "{"+strings.TrimSpace(u[i+1:i+j])+"}")
		u = u[i+j+1:]
	}
	return parts
}

type slotCandidate struct {
	value string   // the canonical value
	words []string // the value or synonym said
}

func slotCandidates(sl Slot) []slotCandidate {
	var out []slotCandidate
	for _, v := range sl.Values {
		parts := strings.Split(v, "=")
		canonical := strings.TrimSpace(parts[0])
		for _, p := range parts {
			if t := tokens(p); len(t) > 0 {
				out = append(out, slotCandidate{canonical, t})
			}
		}
	}
	return out
}

// fillSlots finds slot values in words and returns the slots and the words
// left once the values are removed. A slot that follows a word in the
// sample ("from {From}") is first looked for right after that word in the
// utterance, so that two slots taking the same values are told apart; then
// every unfilled slot takes the longest of its values found anywhere.
func fillSlots(words []string, slots []Slot, sample []string) (map[string]string, []string) {
	filled := map[string]string{}
	used := make([]bool, len(words))
	take := func(name string, at int, c slotCandidate) {
		for i := at; i < at+len(c.words); i++ {
			used[i] = true
		}
		filled[name] = c.value
	}
	byName := map[string]Slot{}
	for _, sl := range slots {
		byName[strings.ToLower(sl.Name)] = sl
	}
	for k, part := range sample {
		if k == 0 || !strings.HasPrefix(part, "{") || strings.HasPrefix(sample[k-1], "{") {
			continue
		}
		sl, ok := byName[strings.ToLower(strings.Trim(part, "{}"))]
		if !ok || filled[sl.Name] != "" {
			continue
		}
		anchor := sample[k-1]
		for j, w := range words {
			if w != anchor || used[j] {
				continue
			}
			var best slotCandidate
			for _, c := range slotCandidates(sl) {
				if len(c.words) > len(best.words) && matchAt(words, used, c.words, j+1) {
					best = c
				}
			}
			if best.words != nil {
				take(sl.Name, j+1, best)
				break
			}
		}
	}
	for _, sl := range slots {
		if filled[sl.Name] != "" {
			continue
		}
		bestAt := -1
		var best slotCandidate
		for _, c := range slotCandidates(sl) {
			if len(c.words) <= len(best.words) {
				continue
			}
			if at := indexWords(words, used, c.words); at >= 0 {
				bestAt, best = at, c
			}
		}
		if bestAt >= 0 {
			take(sl.Name, bestAt, best)
		}
	}
	rest := make([]string, 0, len(words))
	for i, w := range words {
		if !used[i] {
			rest = append(rest, w)
		}
	}
	return filled, rest
}

// matchAt reports whether seq is in words at i, on positions not yet used.
func matchAt(words []string, used []bool, seq []string, i int) bool {
	if i < 0 || i+len(seq) > len(words) {
		return false
	}
	for j, w := range seq {
		if used[i+j] || words[i+j] != w {
			return false
		}
	}
	return true
}

// indexWords finds seq in words at positions not yet used.
func indexWords(words []string, used []bool, seq []string) int {
	for i := 0; i+len(seq) <= len(words); i++ {
		if matchAt(words, used, seq, i) {
			return i
		}
	}
	return -1
}

// score compares the utterance's words with a sample's.
func score(utt, sample []string) float64 {
	if len(sample) == 0 {
		if len(utt) == 0 {
			return 1 // the sample was only slots, and the slots took every word
		}
		return 0
	}
	if len(utt) == 0 {
		return 0
	}
	if strings.Join(utt, " ") == strings.Join(sample, " ") {
		return 1
	}
	inSample := map[string]bool{}
	for _, w := range sample {
		inSample[w] = true
	}
	inUtt := map[string]bool{}
	for _, w := range utt {
		inUtt[w] = true
	}
	common := 0
	for w := range inSample {
		if inUtt[w] {
			common++
		}
	}
	return float64(common) / float64(len(inSample)) * float64(common) / float64(len(inUtt))
}

// EchoBot is the bot used for references nothing binds (Memory with
// Stubs): the intent is the utterance itself, trimmed, so that a scripted
// input "Sales" takes a flow's Equals "Sales" branch; an empty utterance is
// FallbackIntent.
type EchoBot struct{}

// Recognize implements Bot.
func (EchoBot) Recognize(_ context.Context, req BotRequest) (Recognition, error) {
	intent := strings.TrimSpace(req.Utterance)
	if intent == "" {
		return Recognition{IntentName: FallbackIntent, Slots: map[string]string{}}, nil
	}
	return Recognition{IntentName: intent, Slots: map[string]string{}, Confidence: 1}, nil
}
