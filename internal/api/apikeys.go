package api

import (
	"net/http"
	"time"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
)

type apiKeyInput struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
}

// CreatedAPIKey is returned once, when a key is made: Key is not shown again.
type CreatedAPIKey struct {
	core.APIKey
	Key string `json:"key"`
}

func (s *Server) apiKeyRoutes() []route {
	var rs []route
	for _, scope := range []struct {
		base, suffix, tag string
		level             authLevel
	}{
		{"/api/v1/instances/{instanceId}/api-keys", "", "API keys", authInstance},
		{"/api/v1/admin/api-keys", "Admin", "Deployment", authAdmin},
	} {
		rs = append(rs,
			route{method: "POST", path: scope.base, op: "create" + scope.suffix + "APIKey", tag: scope.tag,
				summary: "Create an API key; the key is in the response and never shown again", auth: scope.level,
				in: typeOf[apiKeyInput](), out: typeOf[CreatedAPIKey](), status: 201, handler: s.createAPIKey},
			route{method: "GET", path: scope.base, op: "list" + scope.suffix + "APIKeys", tag: scope.tag, summary: "List API keys",
				auth: scope.level, out: typeOf[ListResponse[core.APIKey]](), status: 200, query: pageParams[:2], handler: s.listAPIKeys},
			route{method: "GET", path: scope.base + "/{id}", op: "get" + scope.suffix + "APIKey", tag: scope.tag, summary: "Get an API key (without its value)",
				auth: scope.level, out: typeOf[core.APIKey](), status: 200, handler: s.getAPIKey},
			route{method: "DELETE", path: scope.base + "/{id}", op: "delete" + scope.suffix + "APIKey", tag: scope.tag, summary: "Revoke an API key",
				auth: scope.level, status: 204, handler: s.deleteAPIKey},
		)
	}
	return rs
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) {
	var in apiKeyInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	key, prefix, hash := auth.NewAPIKey()
	k := &core.APIKey{InstanceID: r.PathValue("instanceId"), Name: in.Name, Description: in.Description,
		ExpiresAt: in.ExpiresAt, Prefix: prefix, Hash: hash}
	if err := s.st.CreateAPIKey(r.Context(), k); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", r.URL.Path+"/"+k.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, CreatedAPIKey{APIKey: *k, Key: key})
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	page, err := pageFrom(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	inst := r.PathValue("instanceId")
	items, next, err := s.st.ListAPIKeys(r.Context(), inst, page)
	if err == nil && len(items) == 0 && inst != "" {
		err = s.instanceExists(r.Context(), inst)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if items == nil {
		items = []*core.APIKey{}
	}
	writeJSON(w, http.StatusOK, ListResponse[*core.APIKey]{Items: items, NextToken: next})
}

func (s *Server) getAPIKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.st.GetAPIKey(r.Context(), r.PathValue("instanceId"), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

func (s *Server) deleteAPIKey(w http.ResponseWriter, r *http.Request) {
	if err := s.st.DeleteAPIKey(r.Context(), r.PathValue("instanceId"), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
