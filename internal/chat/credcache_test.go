package chat

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
)

// countingBackend counts credential reads.
type countingBackend struct {
	Backend
	reads atomic.Int64
}

func (b *countingBackend) Credential(ctx context.Context, h TokenHash) (Credential, error) {
	b.reads.Add(1)
	return b.Backend.Credential(ctx, h)
}

// A token is read from the Backend once, then served from memory; unknown
// tokens are read every time (never cached), and expiry still applies to
// cached credentials (TestConnectionTokenExpiresAndIsRefreshed).
func TestCredentialsAreReadOnce(t *testing.T) {
	ts := newTestServer(t, Config{})
	cb := &countingBackend{Backend: ts.be}
	svc, err := New(Config{Now: ts.clk.now, Logger: testLogger(t)}, cb, ts.rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	ts.svc, ts.url = svc, newHTTPServer(t, svc)
	p := ts.start()
	c := ts.connect(p)
	base := cb.reads.Load()
	for i := range 5 {
		if r := ts.send(c.ConnectionCredentials.ConnectionToken, "hello"); r.status != http.StatusOK {
			t.Fatalf("send %d: %d %s", i, r.status, r.body)
		}
	}
	if n := cb.reads.Load() - base; n != 1 {
		t.Errorf("5 messages read the connection token %d times from the backend, want 1", n)
	}
	base = cb.reads.Load()
	for range 3 {
		if r := ts.send("conn_"+"x0123456789abcdef0123456789abcdef", "hello"); r.status != http.StatusForbidden {
			t.Fatalf("an unknown token: %d %s", r.status, r.body)
		}
	}
	if n := cb.reads.Load() - base; n > 3 {
		t.Errorf("unknown tokens read %d times, want at most 3", n)
	}
	var cc credCache
	for i := range credCacheSize + 10 {
		var h TokenHash
		h[0], h[1], h[2] = byte(i), byte(i>>8), byte(i>>16)
		cc.put(Credential{Hash: h})
	}
	if len(cc.m) > credCacheSize {
		t.Errorf("cache holds %d credentials, bound %d", len(cc.m), credCacheSize)
	}
}
