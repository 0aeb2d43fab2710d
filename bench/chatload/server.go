package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, to make a fresh schema

	"github.com/switchboard-cc/switchboard/bench/internal/benchserver"
)

// server is a `switchboard serve` process started by the load generator.
type server struct {
	proc    *benchserver.Process
	dataDir string
	cleanup []func()
	URL     string
	Token   string
	PID     int
}

// startServer runs `bin serve` on a free loopback port with a fresh data
// directory (and a fresh PostgreSQL schema when databaseURL is set), and
// waits for /readyz.
func startServer(ctx context.Context, cfg Config) (*server, error) {
	s := &server{Token: "chatload-" + benchserver.RandomHex(16)}
	s.dataDir = cfg.DataDir
	if s.dataDir == "" {
		d, err := os.MkdirTemp("", "chatload-")
		if err != nil {
			return nil, err
		}
		s.dataDir = d
		if !cfg.KeepData {
			s.cleanup = append(s.cleanup, func() { os.RemoveAll(d) })
		}
	}
	addr, err := benchserver.FreeTCPAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--data", s.dataDir, "--http", addr, "--log-level", "warn"}
	if cfg.DatabaseURL != "" {
		u, drop, err := freshSchema(cfg.DatabaseURL)
		if err != nil {
			s.stop(0)
			return nil, err
		}
		if !cfg.KeepData {
			s.cleanup = append(s.cleanup, drop)
		}
		args = append(args, "--database-url", u)
	}
	args = append(args, cfg.ServerArgs...)
	s.proc, err = benchserver.Start(benchserver.Options{
		Bin: cfg.Bin, Args: args, LogPath: filepath.Join(s.dataDir, "server.log"),
		Env:              append([]string{"SWITCHBOARD_ADMIN_TOKEN=" + s.Token}, cfg.ServerEnv...),
		ReportExitStatus: true,
	})
	if err != nil {
		s.stop(0)
		return nil, err
	}
	s.PID = s.proc.PID
	s.URL = "http://" + addr
	if err := s.proc.WaitReady(ctx, benchserver.Ready{Check: benchserver.Readyz(s.URL), Poll: 10 * time.Millisecond, TailBytes: 2000}); err != nil {
		s.stop(0)
		return nil, err
	}
	return s, nil
}

// stop sends SIGTERM, waits up to timeout for the process (then kills it),
// and removes what startServer created.
func (s *server) stop(timeout time.Duration) error {
	err := s.proc.Stop(timeout)
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	return err
}

// freshSchema creates a new schema in the database at base and returns
// base with search_path set to it, and a function that drops it.
func freshSchema(base string) (string, func(), error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	schema := "chatload_" + benchserver.RandomHex(6)
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		return "", nil, fmt.Errorf("postgres %s: %w", base, err)
	}
	drop := func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
