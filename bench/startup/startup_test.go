// Package startup_bench measures how long `switchboard serve` takes from the
// start of the process to the first 200 answer of /readyz, the figure the
// "ready in under a second" goal is about:
//
//	make build
//	SWITCHBOARD_E2E_BIN=$PWD/bin/switchboard \
//	SWITCHBOARD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	SWITCHBOARD_TEST_NATS_URL=nats://127.0.0.1:4222 \
//	  go test -run '^$' -bench . -benchtime 20x ./bench/startup/
//
// Without SWITCHBOARD_E2E_BIN the binary is built from this module. The
// PostgreSQL and external NATS cases run only when their variables are set.
// ns/op and ms/op count only process start to ready; stopping the process
// (SIGTERM) between iterations is not timed.
package startup_bench

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/bus/bustest"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

var (
	buildOnce sync.Once
	buildDir  string
	bin       string
	binErr    error
)

// binary returns the binary under test, building it on first use.
func binary(b *testing.B) string {
	buildOnce.Do(func() {
		if buildDir, binErr = os.MkdirTemp("", "switchboard-bench-"); binErr == nil {
			bin, binErr = e2etest.Binary(buildDir)
		}
	})
	if binErr != nil {
		b.Fatal(binErr)
	}
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// setup describes one way to start: which backends, and whether every
// start finds an empty store (first start: migrations, admin key, streams)
// or the one the previous start left (restart).
type setup struct {
	name  string
	fresh bool
	// args returns the flags selecting the backends, creating a PostgreSQL
	// schema or a NATS prefix for the benchmark.
	args func(b *testing.B) []string
}

func setups() []setup {
	none := func(*testing.B) []string { return nil }
	ss := []setup{
		{name: "sqlite/first-start", fresh: true, args: none},
		{name: "sqlite/restart", args: none},
	}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		pg := func(b *testing.B) []string { return []string{"--database-url", storetest.PostgresURL(b)} }
		ss = append(ss, setup{name: "postgres/first-start", fresh: true, args: pg}, setup{name: "postgres/restart", args: pg})
		if os.Getenv(bustest.EnvURL) != "" {
			ss = append(ss, setup{name: "postgres+external-nats/restart", args: func(b *testing.B) []string {
				cfg, _ := bustest.External(b)
				return append(pg(b), "--nats-url", cfg.URL, "--nats-prefix", cfg.Prefix)
			}})
		}
	}
	return ss
}

func BenchmarkStartToReady(b *testing.B) {
	bin := binary(b)
	for _, s := range setups() {
		b.Run(s.name, func(b *testing.B) {
			var (
				data  string
				args  []string
				total time.Duration
				worst time.Duration
			)
			if !s.fresh { // the first start, untimed, creates what the restarts find
				data, args = b.TempDir(), s.args(b)
				e2etest.Start(b, bin, e2etest.Options{DataDir: data, Args: args}).Stop(10 * time.Second)
			}
			for b.Loop() {
				b.StopTimer()
				if s.fresh {
					data, args = b.TempDir(), s.args(b)
				}
				b.StartTimer()
				srv := e2etest.StartNoWait(b, bin, e2etest.Options{DataDir: data, Args: args})
				srv.WaitReady(e2etest.ReadyTimeout)
				b.StopTimer()
				total += srv.Ready
				worst = max(worst, srv.Ready)
				srv.Stop(10 * time.Second)
				b.StartTimer()
			}
			b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/op")
			b.ReportMetric(float64(worst.Microseconds())/1e3, "max-ms")
		})
	}
}
