package core

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// qcIDs returns n distinct quick connect IDs.
func qcIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("qc-%d", i)
	}
	return ids
}

func TestQueueQuickConnectsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
		want string // the field at fault, "" for valid
		msg  string // part of its message
	}{
		{"none", nil, "", ""},
		{"a few", []string{"qc-a", "qc-b"}, "", ""},
		{"as many as allowed", qcIDs(MaxQueueQuickConnects), "", ""},
		{"one too many", qcIDs(MaxQueueQuickConnects + 1), "quickConnectIds", "at most 50"},
		{"no empty entry", []string{"qc-a", ""}, "quickConnectIds[1]", "is required"},
		{"no duplicate", []string{"qc-a", "qc-b", "qc-a"}, "quickConnectIds[2]", "qc-a is listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := Queue{Name: "Support", HoursOfOperationID: "h-1", QuickConnectIDs: tc.ids}
			q.Normalize()
			err := q.Validate()
			switch fs := fields(err); {
			case tc.want == "" && err != nil:
				t.Fatalf("%v: %v", tc.ids, err)
			case tc.want != "" && (len(fs) != 1 || fs[0] != tc.want || !strings.Contains(err.Error(), tc.msg)):
				t.Fatalf("%v: got %v, want one error on %s saying %q", tc.ids, err, tc.want, tc.msg)
			}
		})
	}
}

// A queue refers to each of its quick connects, by the index of its entry,
// so that the store checks they exist and keeps them from being deleted.
func TestQueueReferencesItsQuickConnects(t *testing.T) {
	q := Queue{Name: "Support", HoursOfOperationID: "h-1", QuickConnectIDs: []string{"qc-a", "qc-b"},
		OutboundCallerID: &OutboundCallerID{FlowID: "f-1"}}
	want := []Ref{
		{Field: "hoursOfOperationId", Kind: KindHours, ID: "h-1"},
		{Field: "outboundCallerId.flowId", Kind: KindFlow, ID: "f-1"},
		{Field: "quickConnectIds[0]", Kind: KindQuickConnect, ID: "qc-a"},
		{Field: "quickConnectIds[1]", Kind: KindQuickConnect, ID: "qc-b"},
	}
	if got := q.References(); !slices.Equal(got, want) {
		t.Fatalf("references %+v; want %+v", got, want)
	}
}
