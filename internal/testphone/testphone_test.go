package testphone

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerServesThePage: under the prefix it is mounted at, the handler
// serves the page and its script with their content types, and the page
// loads the script by a relative URL, so the mount point does not matter.
func TestHandlerServesThePage(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET /softphone/", http.StripPrefix("/softphone", Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cases := []struct {
		path, contentType string
		contains          []string
	}{
		{"/softphone/", "text/html; charset=utf-8", []string{`<script type="module" src="softphone.js">`,
			`data-testid="login-instance"`, `data-testid="status-available"`, `<audio data-testid="remote-audio" autoplay>`}},
		{"/softphone/softphone.js", "text/javascript; charset=utf-8", []string{"rtcOffer", "window, 'softphone'", "insertDTMF"}},
	}
	for _, tc := range cases {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", tc.path, resp.StatusCode)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != tc.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, ct, tc.contentType)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: headers %v, want nosniff and a CSP", tc.path, resp.Header)
		}
		for _, s := range tc.contains {
			if !strings.Contains(string(body), s) {
				t.Errorf("GET %s: the body has no %q", tc.path, s)
			}
		}
	}
	resp, err := http.Get(srv.URL + "/softphone/nothing.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a missing file: %d, want 404", resp.StatusCode)
	}
}

// TestEveryInputHasALabel: the login form's inputs are labelled (by a
// label's for=, so screen readers and getByLabel find them).
func TestEveryInputHasALabel(t *testing.T) {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, id := range []string{"login-instance", "login-username", "login-password", "status-other", "dial-number", "dial-queue"} {
		if !strings.Contains(page, `<label for="`+id+`"`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("input %s has no label", id)
		}
	}
}
