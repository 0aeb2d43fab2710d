// Package testphone serves a minimal agent softphone page: a login form, the
// agent WebSocket (docs/agent-api.md) and a WebRTC audio line, in plain
// HTML and ES modules embedded in the binary (no build step, no framework).
//
// It exists so that end-to-end tests can play an agent in a real browser
// (headless Chromium, driven by test/browser/agent.mjs) and so that anyone
// running the demo can take a call without the full console. Every control
// carries a stable data-testid, and the page exposes its state read-only as
// window.softphone (snapshot() and stats()).
package testphone

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the page's files from the root of whatever prefix it is
// mounted at (strip the prefix with http.StripPrefix): "/" is index.html,
// "/softphone.js" the script, which the page loads by a relative URL.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// The embedded tree is fixed at build time: this cannot fail.
		panic("testphone: " + err.Error())
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// A test page changes with the binary: never serve a stale one.
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		// Same-origin script, API and WebSocket only; the styles are inline.
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "+
			"media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("Referrer-Policy", "no-referrer")
		files.ServeHTTP(w, r)
	})
}
