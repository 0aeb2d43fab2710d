package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// FlowChecker validates a flow document before it is published. It returns
// every problem it finds; errors block publishing, warnings do not.
type FlowChecker func(ctx context.Context, instanceID string, content []byte) []core.FieldError

func (s *Server) flowRoutes() []route {
	base := "/api/v1/instances/{instanceId}/flows/{id}"
	return []route{
		{method: "POST", path: base + "/publish", op: "publishFlow", tag: "Flows",
			summary: "Validate the draft and publish it as the next version (send If-Match to publish only what you read)",
			auth:    authInstance, out: typeOf[core.Flow](), status: 200, handler: s.publishFlow},
		{method: "POST", path: "/api/v1/instances/{instanceId}/flows/validate", op: "validateFlow", tag: "Flows",
			summary: "Check a flow document as publishing would, without storing it (the designer's Validate)",
			auth:    authInstance, in: typeOf[FlowValidation](), out: typeOf[FlowValidationResult](), status: 200,
			handler: s.validateFlow},
		{method: "GET", path: base + "/versions", op: "listFlowVersions", tag: "Flows", summary: "List a flow's published versions",
			auth: authInstance, out: typeOf[ListResponse[core.FlowVersion]](), status: 200, handler: s.listFlowVersions},
		{method: "GET", path: base + "/versions/{version}", op: "getFlowVersion", tag: "Flows", summary: "Get a published version with its content",
			auth: authInstance, out: typeOf[core.FlowVersion](), status: 200, handler: s.getFlowVersion},
	}
}

func (s *Server) publishFlow(w http.ResponseWriter, r *http.Request) {
	inst, id := r.PathValue("instanceId"), r.PathValue("id")
	expect, err := expectedVersion(r, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.st.Flows.Get(r.Context(), inst, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.flowCheck != nil {
		if problems := s.flowCheck(r.Context(), inst, f.Content); len(problems) > 0 {
			s.writeError(w, r, &core.ValidationError{Errors: problems})
			return
		}
	}
	f, err = s.st.PublishFlow(r.Context(), inst, id, expect)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(f.Version))
	writeJSON(w, http.StatusOK, f)
}

// FlowValidation is a flow document to check.
type FlowValidation struct {
	// Content is the flow (Amazon Connect flow language, the current format).
	Content json.RawMessage `json:"content"`
}

// FlowValidationResult lists what publishing the document would refuse;
// Valid when there is nothing. Each error's field names the action
// (actions[<Identifier>].<field>) when it is about one.
type FlowValidationResult struct {
	Valid  bool              `json:"valid"`
	Errors []core.FieldError `json:"errors"`
}

func (s *Server) validateFlow(w http.ResponseWriter, r *http.Request) {
	inst := r.PathValue("instanceId")
	var in FlowValidation
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.st.GetInstance(r.Context(), inst); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Content) == 0 || string(in.Content) == "null" {
		s.writeError(w, r, &core.ValidationError{Errors: []core.FieldError{{Field: "content", Message: "is required"}}})
		return
	}
	out := FlowValidationResult{Errors: []core.FieldError{}}
	if s.flowCheck != nil {
		out.Errors = append(out.Errors, s.flowCheck(r.Context(), inst, in.Content)...)
	}
	out.Valid = len(out.Errors) == 0
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listFlowVersions(w http.ResponseWriter, r *http.Request) {
	inst, id := r.PathValue("instanceId"), r.PathValue("id")
	if _, err := s.st.Flows.Get(r.Context(), inst, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.st.ListFlowVersions(r.Context(), inst, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ListResponse[core.FlowVersion]{Items: vs})
}

func (s *Server) getFlowVersion(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		s.writeError(w, r, errBadRequest("bad_path", "version", "must be a positive integer"))
		return
	}
	v, err := s.st.FlowVersion(r.Context(), r.PathValue("instanceId"), r.PathValue("id"), n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
