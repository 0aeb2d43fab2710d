package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// authLevel says who may call a route.
type authLevel int

const (
	authNone     authLevel = iota // public
	authAdmin                     // deployment-admin keys only
	authInstance                  // admin keys, or keys of the route's {instanceId}
	authAny                       // any valid key (the handler scopes the answer)
)

// Principal is who made a request: an API key, or a user's console
// session (session.go).
type Principal struct {
	// KeyID is the API key's ID; empty for a console session.
	KeyID string
	// InstanceID is empty for a deployment-admin key.
	InstanceID string
	// UserID is the logged-in user of a console session; empty for a key.
	UserID string
	// Permissions are the session user's, from their security profiles;
	// nil for an API key, which may do everything its scope allows.
	Permissions []string
}

// Admin reports whether the principal may act on every instance.
func (p Principal) Admin() bool { return p.InstanceID == "" }

type principalKey struct{}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func (s *Server) authenticate(rt route, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			// No key: the console's session cookie, if any (session.go).
			if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
				s.authenticateSession(rt, next, w, r, c.Value)
				return
			}
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok || !auth.ValidKeyShape(token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			s.writeError(w, r, errStatus(http.StatusUnauthorized, "unauthenticated", "an API key (Authorization: Bearer <key>) or a console session is required"))
			return
		}
		k, err := s.st.APIKeyByHash(r.Context(), auth.HashAPIKey(token))
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.ExpiresAt != nil && time.Now().After(*k.ExpiresAt)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
			s.writeError(w, r, errStatus(http.StatusUnauthorized, "unauthenticated", "the API key is not valid"))
			return
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
		p := Principal{KeyID: k.ID, InstanceID: k.InstanceID}
		switch rt.auth {
		case authAdmin:
			if !p.Admin() {
				s.writeError(w, r, errStatus(http.StatusForbidden, "forbidden", "this route needs a deployment-admin key"))
				return
			}
		case authInstance:
			// Keys of another instance get the same 404 as a missing instance.
			if !p.Admin() && r.PathValue("instanceId") != p.InstanceID {
				s.writeError(w, r, errNotFound)
				return
			}
		}
		if k.LastUsedAt == nil || time.Since(*k.LastUsedAt) > time.Minute {
			// Best effort and rate-limited: an audit hint, not worth failing a request for.
			if err := s.st.TouchAPIKey(r.Context(), k.ID, time.Now()); err != nil {
				s.log.DebugContext(r.Context(), "touch api key", "err", err)
			}
		}
		next(w, r.WithContext(withPrincipal(r.Context(), p)))
	}
}

// bearerToken returns the credentials of an "Authorization: Bearer <token>"
// header. The scheme is case-insensitive (RFC 9110 section 11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

var (
	checkPassword = auth.CheckPasswordPolicy
	hashPassword  = auth.HashPassword
)
