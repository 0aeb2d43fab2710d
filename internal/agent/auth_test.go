package agent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// Sessions kept in the store outlive the authenticator that issued them
// (a restart) and are valid on another one (another process); a logout on
// one is seen by the other after the recheck interval.
func TestStoredSessionsOutliveTheProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := &core.Instance{Alias: "sessions"}
		if err := st.CreateInstance(ctx, inst); err != nil {
			t.Fatal(err)
		}
		hash, err := auth.HashPassword("correct horse")
		must(t, err)
		sps, err := st.SecurityProfiles.All(ctx, inst.ID) // an instance starts with the standard profiles
		if err != nil || len(sps) == 0 {
			t.Fatalf("security profiles: %v, %v", sps, err)
		}
		u := &core.User{Username: "ana", FirstName: "Ana", PasswordHash: hash, SecurityProfileIDs: []string{sps[0].ID}}
		if err := st.Users.Create(ctx, inst.ID, u); err != nil {
			t.Fatal(err)
		}
		clock := routing.NewManualClock(time.Now())
		cfg := AuthConfig{Clock: clock, TTL: time.Hour, Store: st, Recheck: time.Minute}
		first := NewAuthenticator(st.Users, cfg)
		tok, s, err := first.Login(ctx, inst.ID, "ana", "correct horse")
		must(t, err)

		second := NewAuthenticator(st.Users, cfg) // a restarted or another process
		got, err := second.Session(tok)
		if err != nil || got.UserID != s.UserID || got.Username != "ana" || got.DisplayName != s.DisplayName ||
			got.InstanceID != inst.ID || !got.ExpiresAt.Equal(s.ExpiresAt) {
			t.Fatalf("session on another authenticator: %+v, %v; want %+v", got, err, s)
		}
		if _, err := second.Session(tok + "x"); !errors.Is(err, ErrInvalidSession) {
			t.Fatalf("a wrong token: %v", err)
		}

		first.Logout(tok)
		if _, err := first.Session(tok); !errors.Is(err, ErrInvalidSession) {
			t.Fatalf("after logout, same process: %v", err)
		}
		if _, err := second.Session(tok); err != nil { // cached until the recheck
			t.Fatalf("before the recheck: %v", err)
		}
		clock.Advance(2 * time.Minute)
		// Past the recheck the cached session still answers (no request
		// waits for the store) while it is read again in the background.
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := second.Session(tok)
			if errors.Is(err, ErrInvalidSession) {
				break
			}
			if err != nil || time.Now().After(deadline) {
				t.Fatalf("after logout elsewhere and the recheck: %v", err)
			}
			time.Sleep(10 * time.Millisecond)
		}

		// Expiry holds everywhere, and expired sessions are deleted.
		tok, _, err = first.Login(ctx, inst.ID, "ana", "correct horse")
		must(t, err)
		clock.Advance(2 * time.Hour)
		third := NewAuthenticator(st.Users, cfg)
		if _, err := third.Session(tok); !errors.Is(err, ErrInvalidSession) {
			t.Fatalf("expired session: %v", err)
		}
		n, err := st.DeleteExpiredSessions(ctx, clock.Now())
		if err != nil || n != 1 {
			t.Fatalf("delete expired sessions: %d, %v", n, err)
		}
	})
}
