package api

import (
	"net/http"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// instanceInput is what a client may set on an instance.
type instanceInput struct {
	Alias       string `json:"alias"`
	Description string `json:"description,omitempty"`
	Version     int64  `json:"version,omitempty"`
}

func (s *Server) instanceRoutes() []route {
	inst := typeOf[core.Instance]()
	return []route{
		{method: "POST", path: "/api/v1/instances", op: "createInstance", tag: "Instances", summary: "Create an instance (deployment admin)",
			auth: authAdmin, in: typeOf[instanceInput](), out: inst, status: 201, handler: s.createInstance},
		{method: "GET", path: "/api/v1/instances", op: "listInstances", tag: "Instances",
			summary: "List instances (an instance key sees only its own)", auth: authAny, query: pageParams,
			out: typeOf[ListResponse[core.Instance]](), status: 200, handler: s.listInstances},
		{method: "GET", path: "/api/v1/instances/{instanceId}", op: "getInstance", tag: "Instances", summary: "Get an instance",
			auth: authInstance, out: inst, status: 200, handler: s.getInstance},
		{method: "PUT", path: "/api/v1/instances/{instanceId}", op: "updateInstance", tag: "Instances", summary: "Update an instance",
			auth: authInstance, in: typeOf[instanceInput](), out: inst, status: 200, handler: s.updateInstance},
		{method: "DELETE", path: "/api/v1/instances/{instanceId}", op: "deleteInstance", tag: "Instances",
			summary: "Delete an instance and everything in it (deployment admin)", auth: authAdmin, status: 204, handler: s.deleteInstance},
	}
}

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request) {
	var in instanceInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	i := &core.Instance{Alias: in.Alias, Description: in.Description}
	if err := s.st.CreateInstance(r.Context(), i); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/instances/"+i.ID)
	writeJSON(w, http.StatusCreated, i)
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !p.Admin() {
		i, err := s.st.GetInstance(r.Context(), p.InstanceID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ListResponse[*core.Instance]{Items: []*core.Instance{i}})
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, next, err := s.st.ListInstances(r.Context(), page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if items == nil {
		items = []*core.Instance{}
	}
	writeJSON(w, http.StatusOK, ListResponse[*core.Instance]{Items: items, NextToken: next})
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) {
	i, err := s.st.GetInstance(r.Context(), r.PathValue("instanceId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(i.Version))
	writeJSON(w, http.StatusOK, i)
}

func (s *Server) updateInstance(w http.ResponseWriter, r *http.Request) {
	var in instanceInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	expect, err := expectedVersion(r, in.Version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	i := &core.Instance{ID: r.PathValue("instanceId"), Alias: in.Alias, Description: in.Description}
	if err := s.st.UpdateInstance(r.Context(), i, expect); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(i.Version))
	writeJSON(w, http.StatusOK, i)
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request) {
	if err := s.st.DeleteInstance(r.Context(), r.PathValue("instanceId")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
