package bind

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// addDisplayNames records names (action -> parameter path -> resource
// name) as the editor's display names, where the export gave none: in the
// typed view and in Raw, which is what gets written. Existing display names
// are never replaced.
func addDisplayNames(md *flow.Metadata, names map[string]map[string]string) {
	if len(names) == 0 {
		return
	}
	if md.Actions == nil {
		md.Actions = map[string]flow.ActionMetadata{}
	}
	for id, params := range names {
		am := md.Actions[id]
		if am.DisplayNames == nil {
			am.DisplayNames = map[string]string{}
		}
		for p, n := range params {
			if am.DisplayNames[p] == "" {
				am.DisplayNames[p] = n
			}
		}
		md.Actions[id] = am
	}
	if len(md.Raw) == 0 {
		return // the typed fields are what gets written
	}
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(md.Raw))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil || doc == nil {
		return // editor data that does not decode is kept as it is
	}
	am, _ := doc["ActionMetadata"].(map[string]any)
	if am == nil {
		am = map[string]any{}
		doc["ActionMetadata"] = am
	}
	ids := make([]string, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := child(am, id)
		if a == nil {
			continue
		}
		params := child(a, "parameters")
		if params == nil {
			continue
		}
		for p, n := range names[id] {
			node := params
			for _, seg := range splitPath(p) {
				if node = child(node, seg); node == nil {
					break
				}
			}
			if node == nil {
				continue
			}
			if s, _ := node["displayName"].(string); s == "" {
				node["displayName"] = n
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return
	}
	md.Raw = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// child returns m[key] as an object, creating it when absent; nil when it
// holds something else, which is left alone.
func child(m map[string]any, key string) map[string]any {
	switch v := m[key].(type) {
	case map[string]any:
		return v
	case nil:
		c := map[string]any{}
		m[key] = c
		return c
	}
	return nil
}

// splitPath splits "Messages[0].PromptId" into "Messages", "0", "PromptId",
// the nesting the editor uses under parameters.
func splitPath(p string) []string {
	var segs []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '.' || p[i] == '[' || p[i] == ']' {
			if i > start {
				segs = append(segs, p[start:i])
			}
			start = i + 1
		}
	}
	return segs
}
