package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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

// SessionStore keeps sessions beyond the process: *store.Store implements
// it over the agent_sessions table.
type SessionStore interface {
	PutSession(ctx context.Context, r store.SessionRow) error
	Session(ctx context.Context, tokenHash string) (store.SessionRow, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error)
}

// AuthConfig configures an Authenticator.
type AuthConfig struct {
	// TTL is a session's lifetime; 0 means DefaultSessionTTL.
	TTL time.Duration
	// Clock is the time source; nil means the system clock.
	Clock routing.Clock
	// Store keeps sessions so that they survive a restart and are valid on
	// every process sharing it; nil keeps them in this process only.
	Store SessionStore
	// Recheck is how long a session found in the Store is trusted from
	// memory before it is read again (so a logout on another process takes
	// effect); 0 means DefaultSessionRecheck.
	Recheck time.Duration
	Logger  *slog.Logger
}

// DefaultSessionRecheck is AuthConfig.Recheck's default.
const DefaultSessionRecheck = 30 * time.Second

// Authenticator checks usernames and passwords and keeps session tokens,
// hashed (SHA-256 of a 256-bit random token): in the Store when one is
// configured, with a memory cache in front of it.
type Authenticator struct {
	users   Users
	ttl     time.Duration
	clock   routing.Clock
	store   SessionStore
	recheck time.Duration
	log     *slog.Logger

	mu         sync.Mutex
	sessions   map[[sha256.Size]byte]cachedSession
	refreshing map[[sha256.Size]byte]bool // sessions being read again in the background
}

// cachedSession is a session in memory and when it was last read from the
// store.
type cachedSession struct {
	Session
	checked time.Time
}

// storeTimeout bounds a session store call: Session has no context.
const storeTimeout = 5 * time.Second

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
	if cfg.Recheck <= 0 {
		cfg.Recheck = DefaultSessionRecheck
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Authenticator{users: users, ttl: cfg.TTL, clock: cfg.Clock, store: cfg.Store, recheck: cfg.Recheck,
		log: cfg.Logger, sessions: map[[sha256.Size]byte]cachedSession{}, refreshing: map[[sha256.Size]byte]bool{}}
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
		DisplayName: displayName(u), ExpiresAt: now.Add(a.ttl).UTC().Truncate(time.Microsecond), // as stored
	}
	if s.InstanceID == "" {
		s.InstanceID = instanceID
	}
	h := sha256.Sum256([]byte(token))
	if a.store != nil {
		body, err := json.Marshal(s)
		if err != nil {
			return "", Session{}, err
		}
		if err := a.store.PutSession(ctx, store.SessionRow{TokenHash: hex.EncodeToString(h[:]), InstanceID: s.InstanceID,
			UserID: s.UserID, Body: body, CreatedAt: now, ExpiresAt: s.ExpiresAt}); err != nil {
			return "", Session{}, fmt.Errorf("login: %w", err)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, old := range a.sessions { // drop expired sessions as we go
		if !now.Before(old.ExpiresAt) {
			delete(a.sessions, h)
		}
	}
	a.sessions[h] = cachedSession{Session: s, checked: now}
	return token, s, nil
}

// Session returns the session of a token, or ErrInvalidSession.
func (a *Authenticator) Session(token string) (Session, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return Session{}, ErrInvalidSession
	}
	h := sha256.Sum256([]byte(token))
	now := a.clock.Now()
	a.mu.Lock()
	c, ok := a.sessions[h]
	if ok && !now.Before(c.ExpiresAt) {
		delete(a.sessions, h)
		a.mu.Unlock()
		return Session{}, ErrInvalidSession
	}
	if ok && (a.store == nil || now.Sub(c.checked) < a.recheck) {
		a.mu.Unlock()
		return c.Session, nil
	}
	if ok { // known but due for a recheck: answer from memory, read in the background
		if !a.refreshing[h] {
			a.refreshing[h] = true
			go a.refresh(h, c)
		}
		a.mu.Unlock()
		return c.Session, nil
	}
	a.mu.Unlock()
	if a.store == nil {
		return Session{}, ErrInvalidSession
	}
	return a.load(h, now, cachedSession{}, false)
}

// refresh reads a cached session again from the store (a logout on another
// process deletes it there).
func (a *Authenticator) refresh(h [sha256.Size]byte, c cachedSession) {
	defer func() {
		a.mu.Lock()
		delete(a.refreshing, h)
		a.mu.Unlock()
	}()
	_, _ = a.load(h, a.clock.Now(), c, true)
}

// load reads a session from the store into the cache; c is the cached
// copy, if ok.
func (a *Authenticator) load(h [sha256.Size]byte, now time.Time, c cachedSession, ok bool) (Session, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	row, err := a.store.Session(ctx, hex.EncodeToString(h[:]))
	if errors.Is(err, store.ErrNotFound) {
		a.forget(h)
		return Session{}, ErrInvalidSession
	}
	if err != nil {
		if ok { // the store is unreachable: trust what this process checked
			a.log.Warn("session store unavailable; using the cached session", "err", err)
			return c.Session, nil
		}
		a.log.Warn("session store unavailable", "err", err)
		return Session{}, ErrInvalidSession
	}
	var s Session
	if err := json.Unmarshal(row.Body, &s); err != nil || !now.Before(row.ExpiresAt) {
		a.forget(h)
		return Session{}, ErrInvalidSession
	}
	s.ExpiresAt = row.ExpiresAt
	a.mu.Lock()
	if _, still := a.sessions[h]; still || !ok { // a refresh does not bring back a session logged out meanwhile
		a.sessions[h] = cachedSession{Session: s, checked: now}
	}
	a.mu.Unlock()
	return s, nil
}

func (a *Authenticator) forget(h [sha256.Size]byte) {
	a.mu.Lock()
	delete(a.sessions, h)
	a.mu.Unlock()
}

// Logout forgets a session token, here and in the store.
func (a *Authenticator) Logout(token string) {
	h := sha256.Sum256([]byte(token))
	a.forget(h)
	if a.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		if err := a.store.DeleteSession(ctx, hex.EncodeToString(h[:])); err != nil {
			a.log.Warn("logout: delete session", "err", err)
		}
	}
}

// Run deletes expired sessions from the store every interval until ctx
// ends.
func (a *Authenticator) Run(ctx context.Context) error {
	if a.store == nil {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := a.store.DeleteExpiredSessions(ctx, a.clock.Now()); err != nil && ctx.Err() == nil {
			a.log.Warn("delete expired sessions", "err", err)
		} else if n > 0 {
			a.log.Debug("expired sessions deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
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
