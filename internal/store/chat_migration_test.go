package store

import (
	"context"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/switchboard-cc/switchboard/internal/chat"
)

// TestChatMigrationGoesDownAndUp checks 00003's Down section on SQLite
// (PostgreSQL runs the same statements).
func TestChatMigrationGoesDownAndUp(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.ChatBackend().CreateChat(ctx, chatRecordForTest()); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, st.write, mustSub(migrations, "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 2); err != nil {
		t.Fatalf("down to 2: %v", err)
	}
	var n int
	if err := st.write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name LIKE 'chat%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("chat tables left after down: %d %v", n, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := st.ChatBackend().CreateChat(ctx, chatRecordForTest()); err != nil {
		t.Fatalf("after up again: %v", err)
	}
}

func chatRecordForTest() chat.ChatRecord {
	return chat.ChatRecord{ContactID: "c1", InitialContactID: "c1", InstanceID: "i1", StartedAt: now()}
}
