package api

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func loadOpenAPI(t *testing.T, b []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValidOpenAPI3(t *testing.T) {
	doc := loadOpenAPI(t, openAPIDoc)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	if doc.Paths.Len() == 0 || len(doc.Components.Schemas) == 0 {
		t.Fatalf("document is empty: %d paths, %d schemas", doc.Paths.Len(), len(doc.Components.Schemas))
	}
}

// TestCommittedOpenAPIMatchesTheRouteTable is what `make generate-check`
// checks too: regenerating the document must reproduce the committed file.
func TestCommittedOpenAPIMatchesTheRouteTable(t *testing.T) {
	generated, err := GenerateOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(generated, onDisk) {
		t.Fatal("internal/api/openapi.json is out of date with the route table: run go generate ./internal/api")
	}
	if !bytes.Equal(openAPIDoc, onDisk) {
		t.Fatal("the embedded document differs from openapi.json on disk")
	}
	again, err := GenerateOpenAPI()
	if err != nil || !bytes.Equal(again, generated) {
		t.Fatalf("generating twice gives different documents (%v)", err)
	}
}

// TestEveryRouteIsInOpenAPIAndEveryOperationIsRouted compares the routes the
// server registers with the operations the document describes, both ways,
// and asks the server for each documented operation to prove it is routed.
func TestEveryRouteIsInOpenAPIAndEveryOperationIsRouted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		doc := loadOpenAPI(t, openAPIDoc)
		routed := map[string]bool{}
		for _, rt := range e.srv.routes {
			key := rt.method + " " + rt.path
			if routed[key] {
				t.Errorf("route %s is registered twice", key)
			}
			routed[key] = true
			item := doc.Paths.Value(rt.path)
			if item == nil {
				t.Errorf("route %s: path not in openapi.json", key)
				continue
			}
			op := item.GetOperation(rt.method)
			if op == nil {
				t.Errorf("route %s: method not in openapi.json", key)
				continue
			}
			if op.OperationID != rt.op {
				t.Errorf("route %s: operationId %q, want %q", key, op.OperationID, rt.op)
			}
			if (op.Security != nil) != (rt.auth != authNone) {
				t.Errorf("route %s: documented security %v disagrees with auth level %d", key, op.Security, rt.auth)
			}
			for _, m := range pathParamRE.FindAllStringSubmatch(rt.path, -1) {
				if p := op.Parameters.GetByInAndName("path", m[1]); p == nil || !p.Required {
					t.Errorf("route %s: path parameter %s is not documented as required", key, m[1])
				}
			}
			if op.Responses.Status(rt.status) == nil {
				t.Errorf("route %s: success status %d not documented", key, rt.status)
			}
		}

		f := e.newFixture(t)
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !routed[method+" "+path] {
					t.Errorf("openapi.json documents %s %s, which no route serves", method, path)
					continue
				}
				// Without a key every documented operation is either public
				// (200, or a 4xx for the missing body, Origin or resource)
				// or 401; never the catch-all's answer to an unrouted path.
				r := f.call(t, method, pathParamRE.ReplaceAllString(path, "x"), "", nil, nil)
				unrouted := bytes.Contains(r.body, []byte(`"code":"no_route"`)) || bytes.Contains(r.body, []byte(`"code":"method_not_allowed"`))
				public := op.Security == nil && r.status >= 400 && r.status < 500 && !unrouted
				if r.status != 200 && r.status != 401 && !public {
					t.Errorf("%s %s is documented but answers %s", method, path, r)
				}
			}
		}
	})
}

func TestServedOpenAPIIsTheCommittedFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newTestEnv(t, st).newFixture(t)
		r := f.call(t, "GET", "/api/v1/openapi.json", "", nil, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET /api/v1/openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
		}
		onDisk, err := os.ReadFile("openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.body, onDisk) {
			t.Fatal("the served document differs from internal/api/openapi.json")
		}
	})
}
