//go:build e2e

// Package e2e tests the real switchboard binary as an operator runs it: a
// child process started on a free port with its own data dir, driven over
// HTTP and signals, killed and restarted.
//
// Run with `make e2e`, or
//
//	SWITCHBOARD_E2E_BIN=$PWD/bin/switchboard go test -race -count=1 -tags e2e ./test/e2e/...
//
// Without SWITCHBOARD_E2E_BIN the tests build the binary themselves. Like
// `make test`, they also run against PostgreSQL (SWITCHBOARD_TEST_DATABASE_URL)
// and an external NATS server (SWITCHBOARD_TEST_NATS_URL), defaulting to the
// local ones; set a variable to the empty string to leave that backend out.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// The servers the e2e tests use unless told otherwise: those of the Makefile.
const (
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultNATSURL     = "nats://127.0.0.1:4222"
)

// bin is the switchboard binary under test.
var bin string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	for name, def := range map[string]string{storetest.EnvDatabaseURL: defaultDatabaseURL, bustest.EnvURL: defaultNATSURL} {
		if _, ok := os.LookupEnv(name); !ok {
			os.Setenv(name, def)
		}
	}
	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if bin, err = e2etest.Binary(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// backend is a way to run the server: which database and which NATS.
type backend struct {
	name string
	// args returns the serve flags selecting the backend, creating what the
	// test needs (a PostgreSQL schema, a NATS prefix) and removing it afterwards.
	args func(t *testing.T) []string
}

// backends lists SQLite with embedded NATS and, when configured, PostgreSQL
// with embedded NATS and the scale-out setup: PostgreSQL (or SQLite when
// PostgreSQL is not configured) with external NATS.
func backends() []backend {
	bs := []backend{{name: "sqlite", args: func(*testing.T) []string { return nil }}}
	db := bs[0]
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		db = backend{name: "postgres", args: func(t *testing.T) []string {
			return []string{"--database-url", storetest.PostgresURL(t)}
		}}
		bs = append(bs, db)
	}
	if os.Getenv(bustest.EnvURL) != "" {
		bs = append(bs, backend{name: db.name + "+external-nats", args: func(t *testing.T) []string {
			cfg, _ := bustest.External(t)
			return append(db.args(t), "--nats-url", cfg.URL, "--nats-prefix", cfg.Prefix)
		}})
	}
	return bs
}
