package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/switchboard-cc/switchboard/internal/audio"
	"github.com/switchboard-cc/switchboard/internal/core"
)

// MaxPromptBytes bounds an uploaded prompt (about 10 minutes of 8 kHz µ-law).
const MaxPromptBytes = 10 << 20

func (s *Server) promptRoutes() []route {
	base := "/api/v1/instances/{instanceId}/prompts/{id}/audio"
	return []route{
		{method: "PUT", path: base, op: "putPromptAudio", tag: "Prompts",
			summary: "Upload a prompt's audio: a WAV file (16-bit PCM, A-law or µ-law, 8-48 kHz)", auth: authInstance,
			rawIn: "audio/wav", out: typeOf[core.Prompt](), status: 200, handler: s.putPromptAudio},
		{method: "GET", path: base, op: "getPromptAudio", tag: "Prompts", summary: "Download a prompt's audio",
			auth: authInstance, rawOut: "audio/wav", status: 200, handler: s.getPromptAudio},
	}
}

func (s *Server) putPromptAudio(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "audio/wav" && mt != "audio/x-wav" && mt != "audio/wave" {
		s.writeError(w, r, errMediaType("audio/wav", ct))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPromptBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			s.writeError(w, r, mb)
			return
		}
		s.writeError(w, r, errBadRequest("bad_body", "body", "could not be read: %v", err))
		return
	}
	info, err := audio.ParseWAV(data)
	if err != nil {
		e := errStatus(http.StatusUnprocessableEntity, "bad_audio", "body: %v", err)
		e.fields = []core.FieldError{{Field: "body", Message: err.Error()}}
		s.writeError(w, r, e)
		return
	}
	p, err := s.st.SetPromptAudio(r.Context(), r.PathValue("instanceId"), r.PathValue("id"), core.AudioInfo{
		ContentType: "audio/wav", Encoding: info.Encoding, SampleRate: info.SampleRate, Channels: info.Channels,
		SizeBytes: int64(len(data)), DurationMs: info.DurationMs,
	}, data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) getPromptAudio(w http.ResponseWriter, r *http.Request) {
	ct, data, err := s.st.PromptAudio(r.Context(), r.PathValue("instanceId"), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}
