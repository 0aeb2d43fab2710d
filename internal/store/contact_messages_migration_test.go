package store

import (
	"context"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestContactMessagesMigrationGoesDownAndUp checks 00005 on SQLite
// (PostgreSQL runs the same statements): the unused contact_messages table is
// gone after Up, back after Down, and gone again after Up.
func TestContactMessagesMigrationGoesDownAndUp(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exists := func() bool {
		t.Helper()
		var n int
		if err := st.write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'contact_messages'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if exists() {
		t.Fatal("contact_messages exists after migrating up")
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, st.write, mustSub(migrations, "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 4); err != nil {
		t.Fatalf("down to 4: %v", err)
	}
	if !exists() {
		t.Fatal("contact_messages not recreated by 00005's Down")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if exists() {
		t.Fatal("contact_messages exists after migrating up again")
	}
}
