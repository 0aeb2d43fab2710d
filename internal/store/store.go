// Package store persists Switchboard's resources in SQL. One set of portable
// migrations (goose, embedded) serves both engines: SQLite through
// modernc.org/sqlite, the embedded default, and PostgreSQL through pgx for
// scale-out. Queries use only SQL both accept ($N placeholders, TEXT ids made
// by the application, TIMESTAMP in UTC, JSON as TEXT).
//
// On SQLite writes go through a pool of one connection with immediate
// transactions, reads through a separate pool, so readers never wait for a
// writer (WAL) and writers never fail with "database is locked".
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/switchboard-cc/switchboard/internal/core"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect names the SQL engine behind a Store.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the system of record. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection; Postgres: the only pool
	read    *sql.DB // SQLite: reader pool; Postgres: same as write
	log     *slog.Logger
	closed  atomic.Bool
	changes changeHooks

	Users            *Repo[core.User, *core.User]
	SecurityProfiles *Repo[core.SecurityProfile, *core.SecurityProfile]
	Hours            *Repo[core.HoursOfOperation, *core.HoursOfOperation]
	Queues           *Repo[core.Queue, *core.Queue]
	RoutingProfiles  *Repo[core.RoutingProfile, *core.RoutingProfile]
	PhoneNumbers     *Repo[core.PhoneNumber, *core.PhoneNumber]
	Flows            *Repo[core.Flow, *core.Flow]
	Prompts          *Repo[core.Prompt, *core.Prompt]
	QuickConnects    *Repo[core.QuickConnect, *core.QuickConnect]
	Functions        *Repo[core.Function, *core.Function]
	AgentStatuses    *Repo[core.AgentStatus, *core.AgentStatus]
	Trunks           *Repo[core.Trunk, *core.Trunk]
	ChatWidgets      *Repo[core.ChatWidget, *core.ChatWidget]
}

// Options configure Open.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file (switchboard.db).
	DataDir string
	// SkipMigrate leaves the schema as it is (switchboard migrate applies it).
	SkipMigrate bool
	Logger      *slog.Logger
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open connects to the database, applies pending migrations and returns the Store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log}
	var err error
	switch {
	case IsPostgresURL(opts.DatabaseURL):
		s.dialect = Postgres
		s.write, err = sql.Open("pgx", opts.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.write.SetMaxOpenConns(20)
		s.write.SetMaxIdleConns(10)
		s.write.SetConnMaxIdleTime(5 * time.Minute)
		s.read = s.write
	case opts.DatabaseURL != "":
		return nil, fmt.Errorf("database URL %q: only postgres:// URLs are supported (leave empty for SQLite in the data dir)", redactURL(opts.DatabaseURL))
	default:
		s.dialect = SQLite
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		path := filepath.Join(opts.DataDir, "switchboard.db")
		// busy_timeout first so that the WAL switch itself waits for other processes.
		base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_time_format=sqlite"
		s.write, err = sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.write.SetMaxOpenConns(1)
		s.write.SetConnMaxLifetime(0)
		s.read, err = sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			s.write.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.read.SetMaxOpenConns(8)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.write.PingContext(pingCtx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s: %w", s.dialect, err)
	}
	if !opts.SkipMigrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.initRepos()
	return s, nil
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, s.write, mustSub(migrations, "migrations"))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		s.log.Info("applied migration", "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// MigrationStatus returns the applied version and the newest available one.
func (s *Store) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, s.write, mustSub(migrations, "migrations"))
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

// Dialect tells which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close releases the connections. It is safe to call more than once.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	if s.read != nil && s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}

// DB returns the write pool, for packages with engine-specific hot paths.
func (s *Store) DB() *sql.DB { return s.write }

// tx runs fn in a transaction, retrying when SQLite reports a busy database
// (another process holds the write lock beyond busy_timeout).
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.tx1(ctx, fn)
		if err == nil || !isBusy(err) || attempt >= 5 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
}

func (s *Store) tx1(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// now is the store's clock: UTC, at the microsecond precision both engines keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
