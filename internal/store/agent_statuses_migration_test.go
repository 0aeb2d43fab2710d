package store

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"
	"github.com/switchboard-cc/switchboard/internal/core"
)

// TestAgentStatusesMigrationGivesExistingInstancesTheSystemStatuses checks
// 00006 on SQLite (PostgreSQL runs the same statements): an instance made
// before it gets Available and Offline, with valid UUIDv7 IDs, readable and
// guarded like the ones CreateInstance makes.
func TestAgentStatusesMigrationGivesExistingInstancesTheSystemStatuses(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, st.write, mustSub(migrations, "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	// An instance as a store without agent statuses made it.
	in := &core.Instance{Alias: "before"}
	in.ID = newID()
	if _, err := st.write.ExecContext(ctx, `INSERT INTO instances (id, alias, body, version, created_at, updated_at)
		VALUES ($1,$2,$3,1,$4,$4)`, in.ID, in.Alias, `{"alias":"before"}`, now()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	all, err := st.AgentStatuses.All(ctx, in.ID)
	if err != nil || len(all) != 2 {
		t.Fatalf("statuses after the migration: %+v, %v", all, err)
	}
	for i, want := range core.DefaultAgentStatuses() {
		got := all[i]
		if got.Name != want.Name || got.Type != want.Type || got.State != want.State || got.Version != 1 || got.InstanceID != in.ID {
			t.Fatalf("status %d: %+v, want %+v", i, got, want)
		}
		if u, err := uuid.Parse(got.ID); err != nil || u.Version() != 7 {
			t.Fatalf("status %s has ID %q (%v), not a UUIDv7", got.Name, got.ID, err)
		}
		var ce *ConflictError
		if err := st.AgentStatuses.Delete(ctx, in.ID, got.ID); !errors.As(err, &ce) || ce.Field != "type" {
			t.Fatalf("deleting %s: %v", got.Name, err)
		}
	}
	// A new instance gets its own, and the old one is unaffected.
	fresh := &core.Instance{Alias: "after"}
	if err := st.CreateInstance(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if n, err := st.AgentStatuses.Count(ctx, fresh.ID); err != nil || n != 2 {
		t.Fatalf("a new instance has %d statuses, %v", n, err)
	}
	lunch := &core.AgentStatus{Name: "Lunch"}
	if err := st.AgentStatuses.Create(ctx, in.ID, lunch); err != nil {
		t.Fatal(err)
	}
	if err := st.AgentStatuses.Delete(ctx, in.ID, lunch.ID); err != nil {
		t.Fatalf("deleting a custom status: %v", err)
	}
	if err := st.AgentStatuses.Delete(ctx, in.ID, lunch.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting it twice: %v", err)
	}
}
