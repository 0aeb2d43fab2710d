// Package web embeds the web console (React + TypeScript + Vite, built into
// dist/app) and serves it: the files as they are, and index.html for any
// other path, so that the console's client-side routes survive a reload.
// When the console has not been built (no Node.js on the machine that
// built the binary), a placeholder page says how to build it: the Go build
// never depends on the web build.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Built reports whether the console was built into the binary.
func Built() bool {
	_, err := fs.Stat(dist, "dist/app/index.html")
	return err == nil
}

// Handler serves the console at the root of the mux it is mounted on.
func Handler() http.Handler { return handler(dist) }

// handler serves the console built into fsys's dist/app.
func handler(fsys fs.FS) http.Handler {
	app, err := fs.Sub(fsys, "dist/app")
	if err != nil {
		return http.HandlerFunc(placeholder)
	}
	if _, err := fs.Stat(app, "index.html"); err != nil {
		return http.HandlerFunc(placeholder)
	}
	files := http.FileServerFS(app)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" {
			if st, err := fs.Stat(app, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") { // content-hashed names
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
			if path.Ext(name) != "" { // a missing file, not a console route
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, app, "index.html")
	})
}

const placeholderPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Switchboard</h1>
<p>The web console is not built into this binary. Build it with Node.js 20 or later:</p>
<pre>make web      # npm ci and npm run build in web/, then rebuild the binary
make run      # does both when Node.js is installed</pre>
<p>The API is at <a href="/api/v1/openapi.json">/api/v1</a>; the test softphone at <a href="/softphone/">/softphone/</a>.</p>
</body></html>`

func placeholder(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && path.Ext(r.URL.Path) != "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(placeholderPage))
}
