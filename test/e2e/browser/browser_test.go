package browser

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/testphone"
)

// TestDriverOnThePage runs the driver against the page served by
// internal/testphone with a login route that refuses everyone: the page
// loads with its instance from ?instance=, the refusal comes back as a
// command error with the server's message, bad commands are errors that
// leave the driver usable, and a screenshot is a PNG file.
func TestDriverOnThePage(t *testing.T) {
	var (
		mu     sync.Mutex
		logins []string
	)
	mux := http.NewServeMux()
	mux.Handle("GET /softphone/", http.StripPrefix("/softphone", testphone.Handler()))
	mux.HandleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		mu.Lock()
		logins = append(logins, buf.String())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"code":"unauthenticated","detail":"invalid instance, username or password"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	a := Start(t, srv.URL+"/softphone/?instance=demo")
	res := a.MustDo(map[string]any{"cmd": "state"})
	st, _ := res["state"].(map[string]any)
	if st["phase"] != "login" || st["ws"] != "closed" {
		t.Fatalf("a new page: %v, want phase login, ws closed", st)
	}
	_, err := a.Do(map[string]any{"cmd": "login", "username": "ana", "password": "pw"})
	if err == nil || !strings.Contains(err.Error(), "invalid instance, username or password") {
		t.Fatalf("login refused by the server: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logins) != 1 || !strings.Contains(logins[0], `"instanceId":"demo"`) || !strings.Contains(logins[0], `"username":"ana"`) {
		t.Fatalf("login requests: %q, want one for ana on the instance of ?instance=", logins)
	}
	for _, cmd := range []map[string]any{{"cmd": "nope"}, {"cmd": "waitFor", "what": "sideways"}, {"cmd": "screenshot"}} {
		if _, err := a.Do(cmd); err == nil {
			t.Errorf("%v: no error", cmd)
		}
	}
	shot := filepath.Join(t.TempDir(), "login.png")
	a.MustDo(map[string]any{"cmd": "screenshot", "path": shot})
	if b, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %v, %d bytes", err, len(b))
	}
	a.Close()
	if _, err := a.Do(map[string]any{"cmd": "state"}); err == nil {
		t.Error("Do after Close: no error")
	}
}
