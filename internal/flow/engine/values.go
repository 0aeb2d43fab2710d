package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
)

// This file turns parameter values into what actions use: text with its
// references replaced, static-or-JSONPath values resolved, numbers, durations,
// resource references and messages.

// text interpolates free text ("Hello $.Attributes.name").
func (r *run) text(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return jsonpath.Interpolate(s, r.lookup)
}

// dynamic resolves a static value or one JSONPath that is the whole value.
// ok is false when the JSONPath resolves to nothing.
func (r *run) dynamic(s string) (v string, ok bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "$") {
		return s, true
	}
	p, err := jsonpath.Parse(t)
	if err != nil {
		return s, true // "$5.00" and the like are literals
	}
	x, found := r.lookup(p)
	if !found {
		return "", false
	}
	return jsonpath.ToString(x), true
}

// isPath reports whether s is a JSONPath rather than a literal.
func isPath(s string) bool {
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, "$") && jsonpath.IsPath(t)
}

// ref builds the resource reference of parameter path (e.g. "QueueId",
// "LexV2Bot.AliasArn") whose written value is raw. The editor's display
// name is used only for a static value: a JSONPath's display name describes
// nothing at run time.
func (r *run) ref(a *flow.Action, path, raw string) (Ref, error) {
	if isPath(raw) {
		v, ok := r.dynamic(raw)
		if !ok || strings.TrimSpace(v) == "" {
			return Ref{}, fmt.Errorf("%w: %s %s resolves to nothing", ErrNotFound, path, strings.TrimSpace(raw))
		}
		return Ref{Value: strings.TrimSpace(v)}, nil
	}
	ref := Ref{Value: strings.TrimSpace(raw), Name: r.fr.flow.Metadata.DisplayName(a.Identifier, path)}
	if ref.Value == "" && ref.Name == "" {
		return Ref{}, fmt.Errorf("%w: %s is empty", ErrNotFound, path)
	}
	return ref, nil
}

// scalar renders a decoded parameter value that should be a scalar.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// field returns m[key] as a scalar string.
func field(m map[string]any, key string) string { return scalar(m[key]) }

// isTrue reports whether s is "True" in any case.
func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// number resolves a static-or-JSONPath numeric value.
func (r *run) number(raw string) (float64, error) {
	v, ok := r.dynamic(raw)
	if !ok {
		return 0, fmt.Errorf("%s resolves to nothing", strings.TrimSpace(raw))
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", v)
	}
	return f, nil
}

// integer is number for whole numbers in [min, max] (max 0: no bound).
func (r *run) integer(raw string, min, max int) (int, error) {
	f, err := r.number(raw)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("%v is not a whole number", f)
	}
	if f < float64(min) || (max != 0 && f > float64(max)) {
		if max == 0 {
			return 0, fmt.Errorf("%v is less than %d", f, min)
		}
		return 0, fmt.Errorf("%v is outside %d to %d", f, min, max)
	}
	return int(f), nil
}

// seconds is integer as a duration in seconds.
func (r *run) seconds(raw string, min, max int) (time.Duration, error) {
	n, err := r.integer(raw, min, max)
	return time.Duration(n) * time.Second, err
}

// message builds the message described by m's Text, SSML, PromptId or Media
// fields; path prefixes parameter paths for display names
// ("Messages[0]."). ok is false when m has none of them.
func (r *run) message(a *flow.Action, m map[string]any, path string) (msg *Message, ok bool, err error) {
	v := r.c.Voice
	if s, has := m["Text"]; has {
		t := r.text(scalar(s))
		kind := MessageText
		if strings.HasPrefix(strings.TrimSpace(t), "<speak") {
			kind = MessageSSML // real exports put SSML in Text
		}
		return &Message{Kind: kind, Text: t, Voice: v}, true, nil
	}
	if s, has := m["SSML"]; has {
		return &Message{Kind: MessageSSML, Text: r.text(scalar(s)), Voice: v}, true, nil
	}
	if s, has := m["PromptId"]; has {
		ref, err := r.ref(a, path+"PromptId", scalar(s))
		if err != nil {
			return nil, true, err
		}
		p, err := r.e.env.Resources.Prompt(r.ctx, ref)
		if err != nil {
			return nil, true, fmt.Errorf("prompt %s: %w", ref, err)
		}
		return &Message{Kind: MessagePrompt, Prompt: p, Voice: v}, true, nil
	}
	if media, has := m["Media"].(map[string]any); has {
		uri := strings.TrimSpace(r.text(field(media, "Uri")))
		if uri == "" {
			return nil, true, fmt.Errorf("media URI is empty")
		}
		return &Message{Kind: MessageMedia, URI: uri, Voice: v}, true, nil
	}
	return nil, false, nil
}

// play plays msg and records it in the transcript.
func (r *run) play(msg Message) error {
	r.interacted()
	r.say(msg)
	return r.p.Play(r.ctx, msg)
}

// say records msg in the transcript.
func (r *run) say(msg Message) {
	r.res.Messages = append(r.res.Messages, Turn{Role: RoleBot, Kind: string(msg.Kind), Text: msg.String()})
}

// heard records the customer's input in the transcript.
func (r *run) heard(kind, text string) {
	r.res.Messages = append(r.res.Messages, Turn{Role: RoleCaller, Kind: kind, Text: text})
}
