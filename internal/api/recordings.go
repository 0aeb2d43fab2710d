package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/objectstore"
)

// errNoRecording answers for a contact without a stored recording.
var errNoRecording = errStatus(http.StatusNotFound, "not_found", "the contact has no recording")

func (s *Server) recordingRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/instances/{instanceId}/contacts/{contactId}/recording", op: "getContactRecording", tag: "Contacts",
			summary: "Download a voice contact's call recording: a stereo 8 kHz WAV, the customer left, the other party right (404 until it is stored)",
			auth:    authInstance, rawOut: "audio/wav", status: 200, handler: s.getContactRecording},
	}
}

func (s *Server) getContactRecording(w http.ResponseWriter, r *http.Request) {
	c, ok := s.pathContact(w, r)
	if !ok {
		return
	}
	rec := c.Recording
	if rec == nil || rec.Status != "AVAILABLE" || rec.Location == "" || s.recordings == nil {
		s.writeError(w, r, errNoRecording)
		return
	}
	key, ok := s.recordings.Key(rec.Location)
	if !ok {
		s.writeError(w, r, errNoRecording)
		return
	}
	body, err := s.recordings.Open(r.Context(), key)
	if errors.Is(err, objectstore.ErrNotFound) {
		s.writeError(w, r, errNoRecording)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer body.Close()
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.ID+`.wav"`)
	if rs, ok := body.(io.ReadSeeker); ok { // ranges, for players that seek
		http.ServeContent(w, r, "", recordedAt(c), rs)
		return
	}
	_, _ = io.Copy(w, body)
}

// recordedAt is the recording's modification time for conditional requests.
func recordedAt(c *contact.Contact) time.Time {
	if !c.DisconnectTimestamp.IsZero() {
		return c.DisconnectTimestamp
	}
	return time.Time{}
}
