package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Short names for the resource types, to keep the route table readable.
type (
	userT            = core.User
	securityProfileT = core.SecurityProfile
	hoursT           = core.HoursOfOperation
	queueT           = core.Queue
	routingProfileT  = core.RoutingProfile
	phoneNumberT     = core.PhoneNumber
	flowT            = core.Flow
	promptT          = core.Prompt
	quickConnectT    = core.QuickConnect
	functionT        = core.Function
	agentStatusT     = core.AgentStatus
	trunkT           = core.Trunk
)

// kindSpec describes one instance-scoped resource collection.
type kindSpec[T any, P interface {
	*T
	core.Resource
}] struct {
	path string // collection path segment under the instance
	tag  string // OpenAPI tag
	one  string // singular name for operation IDs
	repo *store.Repo[T, P]
	// prepare runs after decoding and before the write; cur is the stored
	// resource on update, nil on create.
	prepare func(ctx context.Context, v, cur P) error
}

// ListResponse is one page of a collection.
type ListResponse[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

// crud declares list, create, get, update and delete for a resource kind.
func crud[T any, P interface {
	*T
	core.Resource
}](s *Server, k kindSpec[T, P]) []route {
	base := "/api/v1/instances/{instanceId}/" + k.path
	item := base + "/{id}"
	t := typeOf[T]()
	return []route{
		{method: "GET", path: base, op: "list" + k.one + "s", tag: k.tag, summary: "List " + k.tag + " of an instance",
			auth: authInstance, out: typeOf[ListResponse[T]](), status: 200, query: pageParams,
			handler: func(w http.ResponseWriter, r *http.Request) {
				page, err := pageFrom(r)
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				items, next, err := k.repo.List(r.Context(), r.PathValue("instanceId"), page)
				if err == nil && len(items) == 0 {
					err = s.instanceExists(r.Context(), r.PathValue("instanceId"))
				}
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				out := ListResponse[P]{Items: items, NextToken: next}
				for _, v := range items {
					redact(v)
				}
				writeJSON(w, http.StatusOK, out)
			}},
		{method: "POST", path: base, op: "create" + k.one, tag: k.tag, summary: "Create a " + k.one,
			auth: authInstance, in: t, out: t, status: 201,
			handler: func(w http.ResponseWriter, r *http.Request) {
				v := P(new(T))
				if err := s.decode(w, r, v); err != nil {
					s.writeError(w, r, err)
					return
				}
				if k.prepare != nil {
					if err := k.prepare(r.Context(), v, nil); err != nil {
						s.writeError(w, r, err)
						return
					}
				}
				if err := k.repo.Create(r.Context(), r.PathValue("instanceId"), v); err != nil {
					s.writeError(w, r, err)
					return
				}
				redact(v)
				w.Header().Set("Location", r.URL.Path+"/"+v.GetMeta().ID)
				w.Header().Set("ETag", etag(v.GetMeta().Version))
				writeJSON(w, http.StatusCreated, v)
			}},
		{method: "GET", path: item, op: "get" + k.one, tag: k.tag, summary: "Get a " + k.one,
			auth: authInstance, out: t, status: 200,
			handler: func(w http.ResponseWriter, r *http.Request) {
				v, err := k.repo.Get(r.Context(), r.PathValue("instanceId"), r.PathValue("id"))
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				redact(v)
				w.Header().Set("ETag", etag(v.GetMeta().Version))
				writeJSON(w, http.StatusOK, v)
			}},
		{method: "PUT", path: item, op: "update" + k.one, tag: k.tag,
			summary: "Replace a " + k.one + " (send version or If-Match to refuse a concurrent change)",
			auth:    authInstance, in: t, out: t, status: 200,
			handler: func(w http.ResponseWriter, r *http.Request) {
				inst, id := r.PathValue("instanceId"), r.PathValue("id")
				v := P(new(T))
				if err := s.decode(w, r, v); err != nil {
					s.writeError(w, r, err)
					return
				}
				expect, err := expectedVersion(r, v.GetMeta().Version)
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				cur, err := k.repo.Get(r.Context(), inst, id)
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				v.GetMeta().ID = id
				if k.prepare != nil {
					if err := k.prepare(r.Context(), v, cur); err != nil {
						s.writeError(w, r, err)
						return
					}
				}
				if err := k.repo.Update(r.Context(), inst, v, expect); err != nil {
					s.writeError(w, r, err)
					return
				}
				redact(v)
				w.Header().Set("ETag", etag(v.GetMeta().Version))
				writeJSON(w, http.StatusOK, v)
			}},
		{method: "DELETE", path: item, op: "delete" + k.one, tag: k.tag, summary: "Delete a " + k.one,
			auth: authInstance, status: 204,
			handler: func(w http.ResponseWriter, r *http.Request) {
				if err := k.repo.Delete(r.Context(), r.PathValue("instanceId"), r.PathValue("id")); err != nil {
					s.writeError(w, r, err)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}},
	}
}

// instanceExists tells an empty listing from one of a missing instance
// (which only a deployment-admin key can ask for): the latter is a 404.
func (s *Server) instanceExists(ctx context.Context, id string) error {
	_, err := s.st.GetInstance(ctx, id)
	return err
}

func redact(v any) {
	if rv, ok := v.(core.Redactor); ok {
		rv.Redact()
	}
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// expectedVersion reads the version a client expects to replace: If-Match
// (an ETag this API issued) or the body's version field; 0 means "any".
func expectedVersion(r *http.Request, bodyVersion int64) (int64, error) {
	if im := strings.TrimSpace(r.Header.Get("If-Match")); im != "" && im != "*" {
		n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(im, "W/"), `"`), 10, 64)
		if err != nil || n < 1 {
			return 0, errBadRequest("bad_header", "If-Match", "must be an ETag this API returned, such as \"3\"")
		}
		if bodyVersion != 0 && bodyVersion != n {
			return 0, errBadRequest("version_mismatch", "version", "is %d but If-Match says %d", bodyVersion, n)
		}
		return n, nil
	}
	if bodyVersion < 0 {
		return 0, errBadRequest("bad_version", "version", "must not be negative")
	}
	return bodyVersion, nil
}

func pageFrom(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{Token: q.Get("nextToken"), Name: q.Get("name")}
	if m := q.Get("maxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return p, errBadRequest("bad_query", "maxResults", "must be an integer from 1 to %d", store.MaxPageSize)
		}
		p.Max = n
	}
	return p, nil
}

// prepareUser hashes a new password and keeps the stored password hash and
// device password an update leaves out. It validates the whole user first, so
// that every problem is reported at once and no hash is computed for a
// request that will be refused.
func (s *Server) prepareUser(ctx context.Context, u, cur *core.User) error {
	var errs []core.FieldError
	u.Normalize()
	var ve *core.ValidationError
	if err := u.Validate(); errors.As(err, &ve) {
		errs = ve.Errors
	}
	switch {
	case u.Password == "" && cur == nil:
		errs = append(errs, core.FieldError{Field: "password", Message: "is required when creating a user"})
	case u.Password != "":
		if msg := checkPassword(u.Password); msg != "" {
			errs = append(errs, core.FieldError{Field: "password", Message: msg})
		}
	}
	if len(errs) > 0 {
		return &core.ValidationError{Errors: errs}
	}
	// The password hash and the device password share the secret column:
	// an update that leaves one out keeps the stored one (the store would
	// only keep the whole column when both are left out).
	if cur != nil {
		if u.DevicePassword == "" {
			u.DevicePassword = cur.DevicePassword
		}
		u.PasswordHash = cur.PasswordHash
	}
	u.HasDevicePassword = u.DevicePassword != ""
	if u.Password == "" {
		return nil // keep the stored hash
	}
	h, err := hashPassword(u.Password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	u.PasswordHash, u.Password = h, ""
	return nil
}

// keepPromptAudio stops a metadata update from dropping the uploaded audio's description.
func keepPromptAudio(_ context.Context, p, cur *core.Prompt) error {
	p.Audio = nil
	if cur != nil {
		p.Audio = cur.Audio
	}
	return nil
}

// internalOnlyByAdmin refuses an instance key that marks a function or a
// webhook subscription internal (allowed to reach loopback and private
// addresses): in a shared deployment that would let one tenant probe the
// operator's network. A deployment admin grants it; an instance key may keep
// a flag the admin set, but not set it.
func internalOnlyByAdmin(ctx context.Context, want, had bool) error {
	if !want || had || principalFrom(ctx).Admin() {
		return nil
	}
	msg := "only a deployment-admin key may mark this internal (allowed to reach private addresses)"
	return &apiError{status: http.StatusForbidden, code: "forbidden", detail: "internal: " + msg,
		fields: []core.FieldError{{Field: "internal", Message: msg}}}
}

func prepareFunction(ctx context.Context, f, cur *core.Function) error {
	return internalOnlyByAdmin(ctx, f.Internal, cur != nil && cur.Internal)
}

// prepareTrunk ignores the server-managed fields a client sent with a new
// trunk, so that core.Trunk.Validate sees it as new (a username then needs
// a password; an update may leave the stored password out).
func prepareTrunk(_ context.Context, t, cur *core.Trunk) error {
	if cur == nil {
		t.Meta = core.Meta{}
	}
	return nil
}

func prepareWebhook(ctx context.Context, w, cur *core.WebhookSubscription) error {
	return internalOnlyByAdmin(ctx, w.Internal, cur != nil && cur.Internal)
}

// prepareAgentStatus keeps Connect's rules for statuses made through the
// API: they are CUSTOM (the ROUTABLE and OFFLINE system statuses, Available
// and Offline, come with the instance), and a replacement that leaves the
// type out keeps the stored one. The store refuses the rest (renaming,
// disabling, retyping or deleting a system status).
func prepareAgentStatus(_ context.Context, st, cur *core.AgentStatus) error {
	if cur != nil {
		if st.Type == "" {
			st.Type = cur.Type
		}
		return nil
	}
	if st.Type == core.AgentStatusRoutable || st.Type == core.AgentStatusOffline {
		return core.Invalid("type", "must be %s: every instance has exactly one %s status (%s) and one %s status (%s), made with it",
			core.AgentStatusCustom, core.AgentStatusRoutable, core.AgentStatusNameAvailable, core.AgentStatusOffline, core.AgentStatusNameOffline)
	}
	return nil
}
