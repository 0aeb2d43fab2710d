package api

// Console sessions: the web console logs a user in with POST
// /api/v1/auth/session, which sets two cookies instead of handing the
// browser a bearer token its scripts could leak:
//
//   - sb_session: the session token (the agent authenticator's sbs_ token),
//     HttpOnly, SameSite=Strict, Path=/, Secure over TLS;
//   - sb_csrf: a token derived from the session token, readable by the page,
//     which must echo it in an X-CSRF-Token header on every unsafe request
//     (a "signed" double submit: the value is tied to the session, so a
//     cookie planted by a sibling origin does not match).
//
// authenticate (auth.go) accepts the session cookie in place of an API key
// on instance routes of the user's own instance, and checks the route's
// permission (routePermission) against the user's security profiles.
// Deployment-admin routes stay API-key only. The agent login (POST
// /api/v1/auth/login, login.go) is unchanged: it answers the token in JSON
// for the CCP's WebSocket.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const (
	sessionCookie = agent.SessionCookie
	csrfCookie    = "sb_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// SessionUser is the user of a console session.
type SessionUser struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
}

// SessionInfo says who is calling: the answer of GET /api/v1/auth/me and of
// a console login, so the console can show and hide what the caller may do.
type SessionInfo struct {
	// Kind is "session" (a console login) or "apiKey".
	Kind string `json:"kind"`
	// Admin is true for a deployment-admin key (every instance).
	Admin bool `json:"admin"`
	// Instance is the caller's instance; absent for a deployment admin.
	Instance *core.Instance `json:"instance,omitempty"`
	// User is the logged-in user of a session.
	User *SessionUser `json:"user,omitempty"`
	// Permissions are what the caller may do (core.Permissions); an API key
	// has them all.
	Permissions []string `json:"permissions"`
	// ExpiresAt is when a session ends.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// CSRFToken is the value to send as X-CSRF-Token (also in the sb_csrf
	// cookie); only in the answer of a console login.
	CSRFToken string `json:"csrfToken,omitempty"`
}

// LogoutResponse confirms a logout; it is answered with or without a live
// session, so a page can always clear a stale one.
type LogoutResponse struct {
	LoggedOut bool `json:"loggedOut"`
}

func (s *Server) sessionRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/auth/session", op: "createSession", tag: "Auth",
			summary: "Log a user in to the web console: sets the sb_session (HttpOnly) and sb_csrf cookies",
			auth:    authNone, in: typeOf[loginInput](), out: typeOf[SessionInfo](), status: 200, handler: s.createSession},
		{method: "GET", path: "/api/v1/auth/me", op: "getMe", tag: "Auth",
			summary: "Who is calling: user, instance and permissions of the session or API key",
			auth:    authAny, out: typeOf[SessionInfo](), status: 200, handler: s.me},
		{method: "POST", path: "/api/v1/auth/logout", op: "deleteSession", tag: "Auth",
			summary: "End the console session and clear its cookies (X-CSRF-Token required while the session is valid)",
			auth:    authNone, out: typeOf[LogoutResponse](), status: 200, handler: s.logout},
	}
}

// csrfFor derives a session's CSRF token. Only who holds the (HttpOnly)
// session token can compute it, which ties the double submit to the session.
func csrfFor(token string) string {
	h := sha256.Sum256([]byte("switchboard-csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	tok, sess, inst, err := s.checkLogin(r, w)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	perms, err := s.userPermissions(r, sess.InstanceID, sess.UserID)
	if err != nil {
		s.agentAuth.Logout(tok)
		s.writeError(w, r, err)
		return
	}
	csrf := csrfFor(tok)
	setSessionCookies(w, r, tok, csrf, sess.ExpiresAt)
	w.Header().Set("Cache-Control", "no-store")
	exp := sess.ExpiresAt
	writeJSON(w, http.StatusOK, SessionInfo{Kind: "session", Instance: inst, Permissions: perms, ExpiresAt: &exp, CSRFToken: csrf,
		User: &SessionUser{ID: sess.UserID, Username: sess.Username, DisplayName: sess.DisplayName}})
}

// setSessionCookies sets (or, with an empty token, clears) the session and
// CSRF cookies.
func setSessionCookies(w http.ResponseWriter, r *http.Request, tok, csrf string, expires time.Time) {
	maxAge := int(time.Until(expires).Seconds())
	if tok == "" || maxAge <= 0 {
		maxAge = -1
	}
	secure := r.TLS != nil
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: csrf, Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if _, err := s.agentAuth.Session(c.Value); err == nil {
			// A live session is only ended by its own page: a forged
			// cross-site logout is refused like any other unsafe request.
			if !csrfOK(r, c.Value) {
				s.writeError(w, r, errCSRF)
				return
			}
			s.agentAuth.Logout(c.Value)
		}
	}
	setSessionCookies(w, r, "", "", time.Time{})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, LogoutResponse{LoggedOut: true})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	info := SessionInfo{Kind: "apiKey", Admin: p.Admin(), Permissions: slices.Clone(core.Permissions)}
	if p.UserID != "" {
		info.Kind, info.Permissions = "session", p.Permissions
		if c, err := r.Cookie(sessionCookie); err == nil {
			if sess, err := s.agentAuth.Session(c.Value); err == nil {
				exp := sess.ExpiresAt
				info.ExpiresAt = &exp
				info.User = &SessionUser{ID: sess.UserID, Username: sess.Username, DisplayName: sess.DisplayName}
			}
		}
	}
	if !p.Admin() {
		inst, err := s.st.GetInstance(r.Context(), p.InstanceID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		info.Instance = inst
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, info)
}

var (
	errSessionInvalid = errStatus(http.StatusUnauthorized, "unauthenticated", "the console session has expired or ended: log in again")
	errCSRF           = errStatus(http.StatusForbidden, "csrf", "a console session's unsafe request needs an X-CSRF-Token header equal to the sb_csrf cookie")
	errKeyOnly        = errStatus(http.StatusForbidden, "forbidden", "this route needs an API key; a console session may not call it")
)

// csrfOK checks the double submit: the X-CSRF-Token header equals the
// sb_csrf cookie, and both are the session's.
func csrfOK(r *http.Request, token string) bool {
	h := r.Header.Get(csrfHeader)
	c, err := r.Cookie(csrfCookie)
	if h == "" || err != nil {
		return false
	}
	want := csrfFor(token)
	return subtle.ConstantTimeCompare([]byte(h), []byte(c.Value)) == 1 &&
		subtle.ConstantTimeCompare([]byte(h), []byte(want)) == 1
}

// safeMethod reports methods that change nothing and so need no CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticateSession is authenticate for a request carrying the session
// cookie and no Authorization header.
func (s *Server) authenticateSession(rt route, next http.HandlerFunc, w http.ResponseWriter, r *http.Request, token string) {
	sess, err := s.agentAuth.Session(token)
	if err != nil {
		s.writeError(w, r, errSessionInvalid)
		return
	}
	switch rt.auth {
	case authAdmin:
		s.writeError(w, r, errStatus(http.StatusForbidden, "forbidden", "this route needs a deployment-admin key"))
		return
	case authInstance:
		// Another instance gets the same 404 as a missing one, as for keys.
		if r.PathValue("instanceId") != sess.InstanceID {
			s.writeError(w, r, errNotFound)
			return
		}
	}
	if !safeMethod(r.Method) && !csrfOK(r, token) {
		s.writeError(w, r, errCSRF)
		return
	}
	perms, err := s.userPermissions(r, sess.InstanceID, sess.UserID)
	if errors.Is(err, errSessionInvalid) {
		s.agentAuth.Logout(token)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rt.auth != authAny {
		need, ok := routePermission(rt)
		if !ok {
			s.writeError(w, r, errKeyOnly)
			return
		}
		if need != "" && !slices.Contains(perms, need) {
			s.writeError(w, r, errStatus(http.StatusForbidden, "forbidden", "this needs the %s permission, which your security profiles do not grant", need))
			return
		}
	}
	p := Principal{InstanceID: sess.InstanceID, UserID: sess.UserID, Permissions: perms}
	next(w, r.WithContext(withPrincipal(r.Context(), p)))
}

// userPermissions is the union of the permissions of the user's security
// profiles, read on every request so that a change takes effect at once. A
// deleted user's session is invalid.
func (s *Server) userPermissions(r *http.Request, instanceID, userID string) ([]string, error) {
	u, err := s.st.Users.Get(r.Context(), instanceID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionInvalid
	} else if err != nil {
		return nil, err
	}
	perms := []string{}
	for _, id := range u.SecurityProfileIDs {
		sp, err := s.st.SecurityProfiles.Get(r.Context(), instanceID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		perms = append(perms, sp.Permissions...)
	}
	slices.Sort(perms)
	return slices.Compact(perms), nil
}

// areaByTag maps a route's tag to the permission area guarding it: reads
// need "<area>.read", writes "<area>.edit". Areas without a read permission
// (apikeys) need their edit permission to read too.
var areaByTag = map[string]string{
	"Queues":                "routing",
	"Routing profiles":      "routing",
	"Hours of operation":    "routing",
	"Quick connects":        "routing",
	"Agent statuses":        "routing",
	"Flows":                 "flows",
	"Phone numbers":         "numbers",
	"Trunks":                "numbers",
	"Chat widgets":          "numbers", // entry points, like phone numbers
	"Users":                 "users",
	"Security profiles":     "users",
	"Prompts":               "prompts",
	"Functions":             "functions",
	"Webhook subscriptions": "functions",
	"API keys":              "apikeys",
	"Metrics":               "metrics",
}

// permissionByOp overrides the tag rule for single operations; "" means
// any user of the instance may call it.
var permissionByOp = map[string]string{
	"publishFlow":             "flows.publish",
	"validateFlow":            "flows.read", // checks a document, stores nothing
	"getInstance":             "",
	"listContacts":            "metrics.historical",
	"describeContact":         "metrics.historical",
	"getContactAttributes":    "metrics.historical",
	"getContactTranscript":    "metrics.historical",
	"listContactRecords":      "metrics.historical",
	"getContactRecord":        "metrics.historical",
	"updateContactAttributes": "agent.ccp",
	"getContactRecording":     "recordings.listen",
}

// routePermission is the permission a console session needs for rt; ok is
// false for routes sessions may not call at all (those left to API keys,
// e.g. changing the instance itself or starting chats, and any route whose
// tag has no area yet: new routes are closed to sessions until mapped).
func routePermission(rt route) (perm string, ok bool) {
	if p, ok := permissionByOp[rt.op]; ok {
		return p, true
	}
	area, ok := areaByTag[rt.tag]
	if !ok {
		return "", false
	}
	switch area {
	case "apikeys":
		return "apikeys.edit", true
	case "metrics": // real-time views; historical data is under Contacts
		return "metrics.realtime", true
	}
	if safeMethod(rt.method) {
		return area + ".read", true
	}
	return area + ".edit", true
}

// checkLogin checks a login request's credentials and opens a session.
func (s *Server) checkLogin(r *http.Request, w http.ResponseWriter) (string, agent.Session, *core.Instance, error) {
	var in loginInput
	if err := s.decode(w, r, &in); err != nil {
		return "", agent.Session{}, nil, err
	}
	ctx := r.Context()
	inst, err := s.st.GetInstance(ctx, in.InstanceID)
	if errors.Is(err, store.ErrNotFound) {
		inst, err = s.st.GetInstanceByAlias(ctx, in.InstanceID)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && in.InstanceID == "") {
		return "", agent.Session{}, nil, errBadLogin
	} else if err != nil {
		return "", agent.Session{}, nil, err
	}
	tok, sess, err := s.agentAuth.Login(ctx, inst.ID, in.Username, in.Password)
	if errors.Is(err, agent.ErrBadCredentials) {
		return "", agent.Session{}, nil, errBadLogin
	} else if err != nil {
		return "", agent.Session{}, nil, err
	}
	return tok, sess, inst, nil
}
