package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// recordingParticipant is a scripted participant whose channel records.
type recordingParticipant struct {
	*ScriptedParticipant
	got []Recording
	err error
}

func (p *recordingParticipant) SetRecording(_ context.Context, r Recording) error {
	p.got = append(p.got, r)
	return p.err
}

func TestRecordingBehaviorReachesTheChannel(t *testing.T) {
	enable := `{"Identifier":"a","Type":"UpdateContactRecordingBehavior","Parameters":{"RecordingBehavior":{"RecordedParticipants":["Customer"],"IVRRecordingBehavior":"Enabled"}},"Transitions":{"NextAction":"off"}}`
	disable := `{"Identifier":"off","Type":"UpdateContactRecordingBehavior","Parameters":{"RecordingBehavior":{"RecordedParticipants":[],"IVRRecordingBehavior":"Disabled"}},"Transitions":{"NextAction":"next"}}`
	h := newHarness()
	p := &recordingParticipant{ScriptedParticipant: NewScript()}
	r := h.run(t, single(t, enable, disable), nil, p)
	if landed(r) != "next" {
		t.Fatalf("landed on %q", landed(r))
	}
	want := []Recording{{Customer: true, IVR: true}, {}}
	if len(p.got) != 2 || p.got[0] != want[0] || p.got[1] != want[1] {
		t.Errorf("SetRecording calls %+v, want %+v", p.got, want)
	}

	// A channel that fails to record does not stop the flow.
	h = newHarness()
	p = &recordingParticipant{ScriptedParticipant: NewScript(), err: errors.New("disk full")}
	r = h.run(t, single(t, enable, disable), nil, p)
	if landed(r) != "next" || !strings.Contains(h.logs.String(), "recording not applied") {
		t.Errorf("landed on %q, logs %s", landed(r), h.logs)
	}
}
