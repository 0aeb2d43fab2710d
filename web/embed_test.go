package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestTheBuiltConsoleIsServedWithIndexForItsRoutes(t *testing.T) {
	h := handler(fstest.MapFS{
		"dist/app/index.html":        {Data: []byte("<!doctype html><div id=root></div>")},
		"dist/app/assets/app-1a2.js": {Data: []byte("console.log(1)")},
	})
	if rec := get(t, h, "/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "id=root") {
		t.Fatalf("/: %d %q", rec.Code, rec.Body)
	}
	rec := get(t, h, "/assets/app-1a2.js")
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") ||
		!strings.Contains(rec.Header().Get("Content-Type"), "javascript") {
		t.Fatalf("asset: %d %v", rec.Code, rec.Header())
	}
	// A console route (no extension) gets index.html, not cached.
	if rec := get(t, h, "/admin/queues/42"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "id=root") ||
		rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("route: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	// A missing file is a 404, not the page.
	if rec := get(t, h, "/assets/missing.js"); rec.Code != 404 {
		t.Fatalf("missing asset: %d", rec.Code)
	}
}

func TestAnUnbuiltConsoleSaysHowToBuildIt(t *testing.T) {
	h := handler(fstest.MapFS{"dist/README.md": {Data: []byte("x")}})
	rec := get(t, h, "/")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "make web") {
		t.Fatalf("placeholder: %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/favicon.ico"); rec.Code != 404 {
		t.Fatalf("placeholder for a file: %d", rec.Code)
	}
}
