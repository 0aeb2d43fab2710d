// Package bustest helps tests run against a real event bus: the embedded
// NATS server and, when SWITCHBOARD_TEST_NATS_URL is set, an external one.
package bustest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard-cc/switchboard/internal/bus"
)

// EnvURL names the environment variable holding the external NATS URL
// (with JetStream) used by tests, e.g. nats://127.0.0.1:4222.
const EnvURL = "SWITCHBOARD_TEST_NATS_URL"

// Each runs fn as subtest "embedded" (in-process server in a temporary
// directory) and "external" (the server in SWITCHBOARD_TEST_NATS_URL;
// skipped when unset). Each subtest gets a unique Prefix. On the external
// server, the streams and KV buckets of that prefix are deleted when the
// subtest ends. An unreachable external server fails the test.
func Each(t *testing.T, fn func(t *testing.T, cfg bus.Config)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) {
		fn(t, Embedded(t))
	})
	t.Run("external", func(t *testing.T) {
		cfg, ok := External(t)
		if !ok {
			t.Skip(EnvURL + " not set")
		}
		fn(t, cfg)
	})
}

// Embedded returns a config for an embedded server storing its data in a
// temporary directory, with a unique prefix.
func Embedded(t testing.TB) bus.Config {
	t.Helper()
	return bus.Config{DataDir: t.TempDir(), Prefix: Prefix(t)}
}

// External returns a config for the external server in
// SWITCHBOARD_TEST_NATS_URL with a unique prefix, and registers the
// deletion of that prefix's streams and buckets. ok is false when the
// variable is unset.
func External(t testing.TB) (cfg bus.Config, ok bool) {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		return bus.Config{}, false
	}
	cfg = bus.Config{URL: url, Prefix: Prefix(t)}
	t.Cleanup(func() { DeletePrefix(t, url, cfg.Prefix) })
	return cfg, true
}

// Prefix returns a unique bus prefix such as "t3f9a0c12".
func Prefix(t testing.TB) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random prefix: %v", err)
	}
	return "t" + hex.EncodeToString(b[:])
}

// Open opens a bus with cfg, logging to the test log, and closes it when
// the test ends.
func Open(t testing.TB, cfg bus.Config) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, cfg, Logger(t))
	if err != nil {
		t.Fatalf("bus.Open: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// Logger returns a slog logger writing to the test's output. Records
// logged after the test's cleanups started go to stderr instead.
func Logger(t testing.TB) *slog.Logger {
	w := &testWriter{out: t.Output()}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu   sync.Mutex
	out  io.Writer
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return os.Stderr.Write(p)
	}
	return w.out.Write(p)
}

// DeletePrefix deletes every stream and KV bucket of prefix on the NATS
// server at url. Failures are reported as test errors.
func DeletePrefix(t testing.TB, url, prefix string) {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		t.Errorf("cleanup: connect to %s: %v", url, err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Errorf("cleanup: jetstream: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	up := strings.ToUpper(prefix) + "_"
	names := js.StreamNames(ctx)
	var del []string
	for name := range names.Name() {
		if strings.HasPrefix(name, up) || strings.HasPrefix(name, "KV_"+up) {
			del = append(del, name)
		}
	}
	if err := names.Err(); err != nil {
		t.Errorf("cleanup: list streams: %v", err)
	}
	for _, name := range del {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Errorf("cleanup: delete stream %s: %v", name, err)
		}
	}
}
