package api

import (
	"bytes"
	"context"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/contact"
)

// recordingBytes stands for a stored call recording.
var recordingBytes = append([]byte("RIFF\x24\x00\x00\x00WAVE"), bytes.Repeat([]byte{1, 2}, 64)...)

// seedRecording adds to seedContacts, in each instance x, a voice contact
// {x.recorded} that ended with a stored recording, and {x.unrecorded}, one
// whose recording is enabled but was never stored.
func seedRecording(t *testing.T, f *fixture) {
	t.Helper()
	seedContacts(t, f)
	ctx := context.Background()
	m := f.contacts
	for _, x := range []string{"a", "b"} {
		inst := f.id(x)
		for _, name := range []string{"recorded", "unrecorded"} {
			v, err := m.Create(ctx, contact.NewContact{InstanceID: inst, Channel: contact.Voice, InitiationMethod: contact.Inbound})
			mustDo(t, err)
			rec := contact.Recording{Enabled: true, Status: "IN_PROGRESS"}
			if name == "recorded" {
				loc, err := f.recordings.Put(ctx, inst+"/2026/01/02/"+v.ID+".wav", bytes.NewReader(recordingBytes))
				mustDo(t, err)
				rec = contact.Recording{Enabled: true, Status: "AVAILABLE", Location: loc}
			}
			_, err = m.UpdateData(ctx, inst, v.ID, contact.DataUpdate{Recording: &rec})
			mustDo(t, err)
			_, err = m.HangUp(ctx, inst, v.ID, contact.CustomerDisconnect, contact.VoiceDetails{})
			mustDo(t, err)
			f.vars[x+"."+name] = v.ID
		}
	}
}

// checkRecordingBody asserts the recording came back whole, as a WAV.
func checkRecordingBody(t *testing.T, _ *fixture, r *response) {
	t.Helper()
	if !bytes.Equal(r.body, recordingBytes) || r.header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("got %d bytes of %s, want the stored recording as audio/wav", len(r.body), r.header.Get("Content-Type"))
	}
}
