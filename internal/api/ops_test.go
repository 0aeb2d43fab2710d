package api

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestHealthzAnswersWithTheVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newTestEnv(t, st).newFixture(t)
		r := f.call(t, "GET", "/healthz", "", nil, nil)
		var body map[string]string
		r.decode(t, &body)
		if r.status != 200 || body["status"] != "ok" || body["version"] != "test-version" {
			t.Fatalf("/healthz: %s", r)
		}
	})
}

func TestReadyzChecksTheStoreAndFailsWhileDraining(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		r := f.call(t, "GET", "/readyz", "", nil, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"store":"ok"`) || !strings.Contains(string(r.body), `"status":"ready"`) {
			t.Fatalf("/readyz before draining: %s", r)
		}
		e.srv.Drain()
		r = f.call(t, "GET", "/readyz", "", nil, nil)
		if r.status != 503 || !strings.Contains(string(r.body), `"draining"`) {
			t.Fatalf("/readyz while draining: %s, want 503 draining", r)
		}
		// Draining stops new work from arriving, not the work in hand.
		if r := f.call(t, "GET", "/api/v1/instances/{a}", "a", nil, nil); r.status != 200 {
			t.Fatalf("API while draining: %s", r)
		}
		if r := f.call(t, "GET", "/healthz", "", nil, nil); r.status != 200 {
			t.Fatalf("/healthz while draining: %s", r)
		}
	})
}

func TestReadyzFailsWhenADependencyFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := New(Options{Store: st, Checks: map[string]Check{
			"store": st.Ping,
			"bus":   func(context.Context) error { return errors.New("no route to nats") },
		}})
		f := &fixture{testEnv: &testEnv{st: st, srv: s}}
		r := f.call(t, "GET", "/readyz", "", nil, nil)
		if r.status != 503 || !strings.Contains(string(r.body), `"bus":"no route to nats"`) || !strings.Contains(string(r.body), `"store":"ok"`) {
			t.Fatalf("/readyz with a failing check: %s", r)
		}
	})
}

func TestMetricsCountRequestsByRoutePattern(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newTestEnv(t, st).newFixture(t)
		f.call(t, "GET", "/api/v1/instances/{a}/queues/{a.queue}", "a", nil, nil)
		f.call(t, "GET", "/api/v1/instances/{a}/queues/{missing}", "a", nil, nil)
		r := f.call(t, "GET", "/metrics", "", nil, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %s", r.status, r.header.Get("Content-Type"))
		}
		body := string(r.body)
		for _, want := range []string{
			`switchboard_http_requests_total{method="GET",route="GET /api/v1/instances/{instanceId}/queues/{id}",status="200"} 1`,
			`switchboard_http_requests_total{method="GET",route="GET /api/v1/instances/{instanceId}/queues/{id}",status="404"} 1`,
			`switchboard_http_request_duration_seconds_bucket{method="GET",route="GET /api/v1/instances/{instanceId}/queues/{id}"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(body, f.id("a.queue")) {
			t.Error("/metrics labels carry resource IDs (unbounded cardinality)")
		}
	})
}
