package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// recorder is a Listener that remembers what it heard.
type recorder struct {
	mu        sync.Mutex
	items     []Item
	connected []string
	ended     map[string]string
	changed   chan struct{}
}

func newRecorder() *recorder {
	return &recorder{ended: map[string]string{}, changed: make(chan struct{}, 1)}
}

func (r *recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) ItemPosted(_ context.Context, it Item) {
	r.mu.Lock()
	r.items = append(r.items, it)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) ParticipantConnected(_ context.Context, _, participantID string) {
	r.mu.Lock()
	r.connected = append(r.connected, participantID)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) ChatEnded(_ context.Context, contactID, reason string) {
	r.mu.Lock()
	r.ended[contactID] = reason
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) endReason(contactID string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.ended[contactID]
	return v, ok
}

func (r *recorder) isConnected(participantID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.connected {
		if p == participantID {
			return true
		}
	}
	return false
}

// checkFor polls cond until it holds or the time runs out.
func checkFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testServer is a Service over a MemoryBackend behind a real HTTP server.
type testServer struct {
	t   *testing.T
	svc *Service
	be  *MemoryBackend
	rec *recorder
	srv *httptest.Server
	url string
	clk *fakeClock
}

// fakeClock is a settable clock; zero means the real time.
type fakeClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// advance moves the service's clock forward (timers still run on the real
// clock).
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	ts := &testServer{t: t, be: NewMemoryBackend(), rec: newRecorder(), clk: &fakeClock{}}
	if cfg.Now == nil {
		cfg.Now = ts.clk.now
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	svc, err := New(cfg, ts.be, ts.rec)
	if err != nil {
		t.Fatal(err)
	}
	ts.svc = svc
	ts.srv = httptest.NewServer(svc.Handler())
	ts.url = ts.srv.URL
	t.Cleanup(ts.srv.Close)
	t.Cleanup(svc.Close)
	return ts
}

// start starts a chat and returns the customer's participant.
func (ts *testServer) start() StartChatResult {
	ts.t.Helper()
	p, err := ts.svc.StartChat(context.Background(), StartChatRequest{InstanceID: "i1", ContactID: uuid.NewString(), DisplayName: "Pat"})
	if err != nil {
		ts.t.Fatal(err)
	}
	return p
}

// response is an HTTP answer of the participant API.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %s is not JSON: %v", r.body, err)
	}
}

func (r response) errType() string { return r.header.Get("X-Amzn-ErrorType") }

func (r response) message(t *testing.T) string {
	t.Helper()
	var m struct {
		Message string `json:"message"`
	}
	r.json(t, &m)
	return m.Message
}

// do sends a request with the bearer token; body is JSON-encoded unless it
// is a string.
func (ts *testServer) do(method, path, bearer string, body any, hdr ...string) response {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("X-Amz-Bearer", bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (ts *testServer) post(path, bearer string, body any) response {
	ts.t.Helper()
	return ts.do(http.MethodPost, path, bearer, body)
}

// connection is what /participant/connection answered.
type connection struct {
	Websocket struct {
		URL              string `json:"Url"`
		ConnectionExpiry string
	}
	ConnectionCredentials struct {
		ConnectionToken string
		Expiry          string
	}
}

// connect calls /participant/connection for both connection types.
func (ts *testServer) connect(p StartChatResult) connection {
	ts.t.Helper()
	r := ts.post("/participant/connection", p.ParticipantToken, map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true})
	if r.status != http.StatusOK {
		ts.t.Fatalf("connection: %d %s", r.status, r.body)
	}
	var c connection
	r.json(ts.t, &c)
	return c
}

func (ts *testServer) send(token, text string) response {
	ts.t.Helper()
	return ts.post("/participant/message", token, map[string]string{"ContentType": "text/plain", "Content": text})
}

// wsClient is a participant WebSocket as chatjs uses it.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func (ts *testServer) dial(url string) *wsClient {
	ts.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		ts.t.Fatalf("dial %s: %v", url, err)
	}
	ts.t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: ts.t, conn: c}
}

func (w *wsClient) sendFrame(v any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	if err := w.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
}

// read returns the next frame as a map.
func (w *wsClient) read() map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := w.conn.Read(ctx)
	if err != nil {
		w.t.Fatalf("reading a frame: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("frame %s: %v", b, err)
	}
	return m
}

// subscribe subscribes to aws/chat and checks the answer.
func (w *wsClient) subscribe() {
	w.t.Helper()
	w.sendFrame(map[string]any{"topic": "aws/subscribe", "content": map[string]any{"topics": []string{"aws/chat"}}})
	m := w.read()
	c, _ := m["content"].(map[string]any)
	if m["topic"] != "aws/subscribe" || c["status"] != "success" {
		w.t.Fatalf("subscribe answered %v", m)
	}
}

// item reads frames until an aws/chat item comes and returns it.
func (w *wsClient) item() Item {
	w.t.Helper()
	for {
		m := w.read()
		if m["topic"] != "aws/chat" {
			continue
		}
		s, ok := m["content"].(string)
		if !ok {
			w.t.Fatalf("aws/chat content is not a string: %v", m)
		}
		var it Item
		if err := json.Unmarshal([]byte(s), &it); err != nil {
			w.t.Fatal(err)
		}
		return it
	}
}

// newHTTPServer serves a Service on a new test server and returns its URL.
func newHTTPServer(t *testing.T, svc *Service) string {
	t.Helper()
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// websocketCloseCode is the close status of a WebSocket read error, -1 if
// it is not a close.
func websocketCloseCode(err error) int {
	return int(websocket.CloseStatus(err))
}

// testLogger logs through t.Log, so a test's logs show only when it fails
// or runs with -v.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
