package flowtest

import (
	"encoding/json"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// The flows validate, and the steps run in order between the greeting and
// the queue.
func TestGreetAndQueueValidates(t *testing.T) {
	doc := GreetAndQueue("Welcome!", "q-1", Action{Type: "UpdateContactAttributes",
		Parameters: map[string]any{"Attributes": map[string]any{"a": "1"}}}, Action{Type: "UpdateContactEventHooks",
		Parameters: map[string]any{"EventHooks": map[string]any{"CustomerQueue": "Queue wait"}}})
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	f, err := flow.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if ps := flow.Validate(f, "greet-and-queue"); len(ps) > 0 {
		t.Fatalf("validation: %v", ps)
	}
	byID := f.ActionIndex()
	var order []string
	for id := f.StartAction; id != ""; {
		a := byID[id]
		if a == nil {
			t.Fatalf("no action %q", id)
		}
		order = append(order, a.Type)
		id = a.Transitions.NextAction
	}
	want := []string{"MessageParticipant", "UpdateContactAttributes", "UpdateContactEventHooks", "UpdateContactTargetQueue", "TransferContactToQueue"}
	if len(order) != len(want) {
		t.Fatalf("actions in order: %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("actions in order: %v, want %v", order, want)
		}
	}
}
