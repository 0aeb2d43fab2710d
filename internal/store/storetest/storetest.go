// Package storetest opens real stores for tests: SQLite in a temporary
// directory always, and PostgreSQL when SWITCHBOARD_TEST_DATABASE_URL is set
// (make test sets it). Each PostgreSQL store gets a schema of its own, so
// tests run in parallel and leave nothing behind.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// EnvDatabaseURL names the PostgreSQL database tests may use.
const EnvDatabaseURL = "SWITCHBOARD_TEST_DATABASE_URL"

// Backend is a way to open a fresh store.
type Backend struct {
	Name string
	// Open returns a new, empty, migrated store, closed at the end of the test.
	Open func(t testing.TB) *store.Store
	// URL returns the database URL of a new empty database ("" for SQLite, whose
	// location is the data dir) for tests that start the binary themselves.
	URL func(t testing.TB) string
}

// Backends lists SQLite and, when configured, PostgreSQL.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{Name: "sqlite", Open: openSQLite, URL: func(testing.TB) string { return "" }}}
	if os.Getenv(EnvDatabaseURL) != "" {
		bs = append(bs, Backend{Name: "postgres", Open: openPostgres, URL: PostgresURL})
	}
	return bs
}

// Each runs fn as a subtest on every backend.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

func openSQLite(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openPostgres(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: PostgresURL(t)})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// PostgresURL creates an empty schema in the test database and returns a URL
// whose connections use it. The schema is dropped when the test ends. If
// SWITCHBOARD_TEST_DATABASE_URL is set but the server does not answer, the
// test fails: a configured backend is never silently skipped.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Fatalf("%s is not set", EnvDatabaseURL)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres %s: %v", base, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("postgres at %s (set by %s) is not usable: %v", base, EnvDatabaseURL, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
