package api

import (
	"net/http"
	"time"

	"github.com/switchboard-cc/switchboard/internal/agent"
)

type loginInput struct {
	// InstanceID is the instance's ID or alias.
	InstanceID string `json:"instanceId"`
	Username   string `json:"username"`
	Password   string `json:"password"`
}

// LoginResponse is a new agent session: Token says hello on the agent
// WebSocket (/api/v1/agent).
type LoginResponse struct {
	Token       string    `json:"token"`
	ExpiresAt   time.Time `json:"expiresAt"`
	InstanceID  string    `json:"instanceId"`
	UserID      string    `json:"userId"`
	Username    string    `json:"username"`
	DisplayName string    `json:"displayName"`
}

func (s *Server) loginRoutes() []route {
	if s.agentAuth == nil && s.st != nil {
		s.agentAuth = agent.NewAuthenticator(s.st.Users, agent.AuthConfig{})
	}
	rs := []route{{method: "POST", path: "/api/v1/auth/login", op: "login", tag: "Agents",
		summary: "Log a user in with username and password; the token opens the agent WebSocket (docs/agent-api.md)",
		auth:    authNone, in: typeOf[loginInput](), out: typeOf[LoginResponse](), status: 200, handler: s.login}}
	// The web console's cookie sessions (session.go) share the authenticator.
	return append(rs, s.sessionRoutes()...)
}

// AgentAuth is the authenticator behind the login route, whose sessions
// the agent WebSocket accepts.
func (s *Server) AgentAuth() *agent.Authenticator { return s.agentAuth }

var errBadLogin = errStatus(http.StatusUnauthorized, "unauthenticated", "invalid instance, username or password")

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	tok, sess, _, err := s.checkLogin(r, w)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, LoginResponse{Token: tok, ExpiresAt: sess.ExpiresAt, InstanceID: sess.InstanceID,
		UserID: sess.UserID, Username: sess.Username, DisplayName: sess.DisplayName})
}
