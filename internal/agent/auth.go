package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// TokenPrefix starts every agent session token.
const TokenPrefix = "sbs_"

// DefaultSessionTTL is how long a session token is valid after login.
const DefaultSessionTTL = 12 * time.Hour

var (
	// ErrBadCredentials: unknown user or wrong password (deliberately not
	// telling which).
	ErrBadCredentials = errors.New("agent: invalid username or password")
	// ErrInvalidSession: the session token is unknown or expired.
	ErrInvalidSession = errors.New("agent: invalid or expired session")
)

// Users looks users up by username within an instance; *store.Repo of
// core.User (store.Users) implements it.
type Users interface {
	GetByName(ctx context.Context, instanceID, username string) (*core.User, error)
}

// Session is a logged-in user.
type Session struct {
	InstanceID  string    `json:"instanceId"`
	UserID      string    `json:"userId"`
	Username    string    `json:"username"`
	DisplayName string    `json:"displayName"`
	ExpiresAt   time.Time `json:"expiresAt"`

	token string // set on the hub's copy, to re-check expiry
}

// AuthConfig configures an Authenticator.
type AuthConfig struct {
	// TTL is a session's lifetime; 0 means DefaultSessionTTL.
	TTL time.Duration
	// Clock is the time source; nil means the system clock.
	Clock routing.Clock
}

// Authenticator checks usernames and passwords and keeps session tokens.
//
// Sessions are kept in memory, hashed (SHA-256 of a 256-bit random token):
// they do not survive a restart and are not shared between processes; a
// store table is the next step when the API runs on several nodes.
type Authenticator struct {
	users Users
	ttl   time.Duration
	clock routing.Clock

	mu       sync.Mutex
	sessions map[[sha256.Size]byte]Session
}

// dummyHash is verified against when the user does not exist, so a login
// for an unknown user takes as long as one with a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("switchboard-dummy-password")
	if err != nil {
		panic(err)
	}
	return h
})

// NewAuthenticator returns an Authenticator over users.
func NewAuthenticator(users Users, cfg AuthConfig) *Authenticator {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultSessionTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = sysClock{}
	}
	return &Authenticator{users: users, ttl: cfg.TTL, clock: cfg.Clock, sessions: map[[sha256.Size]byte]Session{}}
}

// Login checks a username and password and returns a new session token.
// It fails with ErrBadCredentials for an unknown user, a user without a
// password, or a wrong password.
func (a *Authenticator) Login(ctx context.Context, instanceID, username, password string) (string, Session, error) {
	username = strings.TrimSpace(username)
	if instanceID == "" || username == "" || password == "" || len(password) > auth.MaxPasswordLen {
		return "", Session{}, ErrBadCredentials
	}
	u, err := a.users.GetByName(ctx, instanceID, username)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.PasswordHash == "") {
		_ = auth.VerifyPassword(dummyHash(), password)
		return "", Session{}, ErrBadCredentials
	} else if err != nil {
		return "", Session{}, err
	}
	if err := auth.VerifyPassword(u.PasswordHash, password); err != nil {
		return "", Session{}, ErrBadCredentials
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Session{}, err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := a.clock.Now()
	s := Session{
		InstanceID: u.InstanceID, UserID: u.ID, Username: u.Username,
		DisplayName: displayName(u), ExpiresAt: now.Add(a.ttl),
	}
	if s.InstanceID == "" {
		s.InstanceID = instanceID
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, old := range a.sessions { // drop expired sessions as we go
		if !now.Before(old.ExpiresAt) {
			delete(a.sessions, h)
		}
	}
	a.sessions[sha256.Sum256([]byte(token))] = s
	return token, s, nil
}

// Session returns the session of a token, or ErrInvalidSession.
func (a *Authenticator) Session(token string) (Session, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return Session{}, ErrInvalidSession
	}
	h := sha256.Sum256([]byte(token))
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[h]
	if !ok {
		return Session{}, ErrInvalidSession
	}
	if !a.clock.Now().Before(s.ExpiresAt) {
		delete(a.sessions, h)
		return Session{}, ErrInvalidSession
	}
	return s, nil
}

// Logout forgets a session token.
func (a *Authenticator) Logout(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, sha256.Sum256([]byte(token)))
}

func displayName(u *core.User) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

type sysClock struct{}

func (sysClock) Now() time.Time { return time.Now() }
func (sysClock) NewTimer(d time.Duration) routing.Timer {
	return sysTimer{time.NewTimer(d)}
}

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time   { return t.t.C }
func (t sysTimer) Reset(d time.Duration) { t.t.Reset(d) }
func (t sysTimer) Stop()                 { t.t.Stop() }

var _ Users = (*store.Repo[core.User, *core.User])(nil)
