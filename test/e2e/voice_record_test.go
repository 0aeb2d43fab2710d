//go:build e2e

package e2e

// Call recording through the binary: a flow turns IVR recording on, asks
// for a key and says goodbye; sipp's built-in uac_pcap scenario calls it
// (g711a.pcap speech for about 6.4 s, silence, DTMF 1 at 8 s, BYE at 9 s).
// The contact record must link a stereo 8 kHz WAV under the data dir with
// the caller on the left and the prompts on the right.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// recordNumber runs recordedIVR.
const recordNumber = "+15550161"

// recordedIVR turns IVR recording on, asks for 1 and thanks the caller.
func recordedIVR() map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	return map[string]any{
		"Version": "2019-10-30", "StartAction": "record",
		"Actions": []any{
			map[string]any{"Identifier": "record", "Type": "UpdateContactRecordingBehavior",
				"Parameters": map[string]any{"RecordingBehavior": map[string]any{
					"RecordedParticipants": []string{"Customer"}, "IVRRecordingBehavior": "Enabled"}},
				"Transitions": map[string]any{"NextAction": "menu"}},
			map[string]any{"Identifier": "menu", "Type": "GetParticipantInput",
				"Parameters": map[string]any{"Text": "Press 1 to continue.", "StoreInput": "False", "InputTimeLimitSeconds": "15"},
				"Transitions": map[string]any{"NextAction": "end",
					"Conditions": []any{map[string]any{"NextAction": "thanks",
						"Condition": map[string]any{"Operator": "Equals", "Operands": []string{"1"}}}},
					"Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "InputTimeLimitExceeded"},
						map[string]any{"NextAction": "end", "ErrorType": "NoMatchingCondition"},
						map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			// Longer than sipp's last pause, so that the caller hangs up.
			map[string]any{"Identifier": "thanks", "Type": "MessageParticipant",
				"Parameters":  map[string]any{"Text": "Thank you for calling Switchboard. Your call was recorded. Goodbye."},
				"Transitions": map[string]any{"NextAction": "end", "Errors": errs}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
}

func TestVoiceRecording(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatal("sipp is not installed (.ci/run installs it: apt-get install sip-tester)")
	}
	s := e2etest.Start(t, bin, e2etest.Options{Name: "voice-record", Args: []string{"--log-level", "debug"}})
	c := newClient(t, s, s.AdminToken())
	sipAddr := s.SIPAddr(20 * time.Second)
	var inst core.Instance
	c.call(t, "POST", "/api/v1/instances", map[string]any{"alias": "voice-record-e2e"}, http.StatusCreated, &inst)
	c.call(t, "POST", instancePath(inst.ID, "trunks"), map[string]any{"name": "local", "allowedSources": []string{"127.0.0.1/32"}},
		http.StatusCreated, nil)
	var f core.Flow
	c.call(t, "POST", instancePath(inst.ID, "flows"), map[string]any{"name": "Recorded IVR", "type": "CONTACT_FLOW",
		"content": recordedIVR()}, http.StatusCreated, &f)
	c.call(t, "POST", instancePath(inst.ID, "flows", f.ID, "publish"), nil, http.StatusOK, nil)
	c.call(t, "POST", instancePath(inst.ID, "phone-numbers"), map[string]any{"number": recordNumber, "flowId": f.ID},
		http.StatusCreated, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := voicepeer.RunSipp(ctx, t, voicepeer.SippOptions{Scenario: "uac_pcap", Target: sipAddr, Service: recordNumber,
		Timeout: 30 * time.Second})
	voicepeer.RequireOK(t, r)

	// The built-in scenario's From is sipp's own: find the contact by the
	// number it called.
	rec := recordedContact(ctx, t, c, inst.ID, recordNumber)
	if rec.Recording == nil || !rec.Recording.Enabled || rec.Recording.Status != "AVAILABLE" || rec.Recording.Location == "" {
		t.Fatalf("contact recording = %+v, want an AVAILABLE recording with a location", rec.Recording)
	}
	u, err := url.Parse(rec.Recording.Location)
	if err != nil || u.Scheme != "file" {
		t.Fatalf("location %q is not a file URI", rec.Recording.Location)
	}
	root, _ := filepath.Abs(filepath.Join(s.DataDir, "recordings"))
	wantPath := filepath.Join(root, inst.ID, rec.ConnectedToSystemTimestamp.UTC().Format("2006/01/02"), rec.ID+".wav")
	if u.Path != wantPath {
		t.Errorf("recording at %s, want %s", u.Path, wantPath)
	}
	// The API serves the same file.
	status, hdr, body, err := c.send(ctx, "GET", instancePath(inst.ID, "contacts", rec.ID, "recording"), nil)
	if onDisk, rerr := os.ReadFile(u.Path); err != nil || rerr != nil || status != http.StatusOK ||
		hdr.Get("Content-Type") != "audio/wav" || !bytes.Equal(body, onDisk) {
		t.Errorf("GET .../recording: %d %s, %d bytes (%v); the file has %d bytes (%v)", status, hdr.Get("Content-Type"), len(body), err, len(onDisk), rerr)
	}
	samples, rate, channels, err := voicepeer.ReadWAV(u.Path)
	if err != nil {
		t.Fatalf("read the recording: %v", err)
	}
	if rate != 8000 || channels != 2 {
		t.Fatalf("recording is %d Hz, %d channels; want 8000 Hz stereo", rate, channels)
	}
	dur := float64(len(samples)/2) / 8000
	span := rec.DisconnectTimestamp.Sub(rec.ConnectedToSystemTimestamp).Seconds()
	t.Logf("recording %.2f s, call connected %.2f s (%s .. %s)", dur, span, rec.ConnectedToSystemTimestamp, rec.DisconnectTimestamp)
	if dur < span-1.5 || dur > span+1.5 {
		t.Errorf("recording lasts %.2f s, the call was connected %.2f s", dur, span)
	}
	if dur < 8 {
		t.Fatalf("recording lasts %.2f s; sipp sent 8 s of media before the key", dur)
	}
	left, right := voicepeer.Channel(samples, 2, 0), voicepeer.Channel(samples, 2, 1)
	part := func(ch []int16, from, to float64) []int16 {
		return ch[min(int(from*8000), len(ch)):min(int(to*8000), len(ch))]
	}
	var profile strings.Builder
	for at := 0.0; at < dur; at += 0.5 {
		fmt.Fprintf(&profile, " %.1f:%.0f/%.0f", at, voicepeer.RMS(part(left, at, at+0.5)), voicepeer.RMS(part(right, at, at+0.5)))
	}
	t.Logf("RMS left/right by half second:%s", profile.String())
	// sipp plays g711a.pcap (speech, 7.4 s of it) from the ACK, then
	// sends only the key (RFC 4733 events, no audio) at 8 s.
	if rms := voicepeer.RMS(part(left, 1.5, 7)); rms < 300 {
		t.Errorf("left channel RMS %.0f while the caller spoke; want the caller's audio", rms)
	}
	if rms := voicepeer.RMS(part(left, 7.6, dur)); rms > 100 {
		t.Errorf("left channel RMS %.0f after the caller stopped; want silence", rms)
	}
	// The prompt "Press 1 to continue." (1.7 s) plays from the start;
	// nothing is played while the menu waits for the key.
	if rms := voicepeer.RMS(part(right, 0, 1.5)); rms < 300 {
		t.Errorf("right channel RMS %.0f during the prompt; want the prompt", rms)
	}
	if rms := voicepeer.RMS(part(right, 2.5, 7.5)); rms > 100 {
		t.Errorf("right channel RMS %.0f while waiting for the key; want silence", rms)
	}
	// The goodbye after the key (8 s) is on the right too.
	if rms := voicepeer.RMS(part(right, 8.1, dur)); rms < 300 {
		t.Errorf("right channel RMS %.0f after the key; want the goodbye", rms)
	}
}

// recordedContact waits for the voice contact to number to end and returns
// its record.
func recordedContact(ctx context.Context, t *testing.T, c *client, instanceID, number string) *contact.Contact {
	t.Helper()
	for {
		var page struct {
			Items []contact.Contact `json:"items"`
		}
		c.call(t, "GET", instancePath(instanceID, "contacts")+"?channel=VOICE&max=1000", nil, http.StatusOK, &page)
		for _, ct := range page.Items {
			if ct.SystemEndpoint != nil && strings.TrimPrefix(ct.SystemEndpoint.Address, "+") == strings.TrimPrefix(number, "+") &&
				ct.State == contact.Ended {
				var rec contact.Contact
				c.call(t, "GET", instancePath(instanceID, "contact-records", ct.ID), nil, http.StatusOK, &rec)
				return &rec
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no ended contact to %s: %+v", number, page.Items)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
