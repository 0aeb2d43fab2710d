package function

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/internal/core"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newInvoker returns an Invoker logging at Debug level into the returned
// buffer.
func newInvoker(t testing.TB, opts Options) (*Invoker, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.Version == "" {
		opts.Version = "test"
	}
	inv := New(opts)
	t.Cleanup(inv.Close)
	return inv, logs
}

// serve starts a function server; it is closed when the test ends.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// reply returns a handler answering status and body.
func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// internalFn is a function at url that may use loopback, as httptest
// servers listen on 127.0.0.1.
func internalFn(url string) core.Function {
	return core.Function{Meta: core.Meta{ID: "fn-1"}, Name: "lookup", URL: url, TimeoutSeconds: 8, Internal: true}
}

func sampleEvent() Event {
	return Event{Details: Details{
		ContactData: ContactData{
			Attributes:       map[string]string{"tier": "gold"},
			Channel:          "VOICE",
			ContactID:        "c-1",
			CustomerEndpoint: &Endpoint{Address: "+15550100001", Type: "TELEPHONE_NUMBER"},
			InitialContactID: "c-1",
			InitiationMethod: "INBOUND",
			InstanceARN:      "arn:aws:connect:us-east-1:111122223333:instance/i-1",
			SystemEndpoint:   &Endpoint{Address: "+15550100002", Type: "TELEPHONE_NUMBER"},
		},
		Parameters: map[string]string{"companyName": "Example Co"},
	}}
}

func wantKind(t *testing.T, err error, k Kind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want kind %s", k)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *Error", err, err)
	}
	if e.Kind != k {
		t.Fatalf("got kind %s (%v), want %s", e.Kind, err, k)
	}
	if !strings.Contains(err.Error(), `"lookup"`) && !strings.Contains(err.Error(), `"public"`) {
		t.Errorf("error %q does not name the function", err)
	}
	return e
}

func TestRequestCarriesConnectEventAndHeaders(t *testing.T) {
	var got struct {
		method, ctype, accept, ua string
		body                      map[string]any
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.ctype, got.accept, got.ua = r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("User-Agent")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		w.WriteHeader(http.StatusNoContent)
	})
	inv, _ := newInvoker(t, Options{Version: "1.2.3"})
	ev := sampleEvent()
	ev.Details.Parameters = nil // must still be sent as {}
	res, err := inv.Invoke(context.Background(), internalFn(srv.URL), ev, InvokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.External) != 0 || res.External == nil || res.StatusCode != 204 {
		t.Errorf("204 gave %+v, want an empty non-nil External", res)
	}
	if got.method != "POST" || got.ctype != "application/json" || got.accept != "application/json" || got.ua != "Switchboard/1.2.3" {
		t.Errorf("request method/headers = %q %q %q %q", got.method, got.ctype, got.accept, got.ua)
	}
	if got.body["Name"] != "ContactFlowEvent" {
		t.Errorf("Name = %v", got.body["Name"])
	}
	details := got.body["Details"].(map[string]any)
	if p, ok := details["Parameters"].(map[string]any); !ok || len(p) != 0 {
		t.Errorf("Parameters = %#v, want {}", details["Parameters"])
	}
	cd := details["ContactData"].(map[string]any)
	if q, ok := cd["Queue"]; !ok || q != nil {
		t.Errorf("Queue = %#v (present %v), want null", q, ok)
	}
	if cd["CustomerEndpoint"].(map[string]any)["Address"] != "+15550100001" || cd["Attributes"].(map[string]any)["tier"] != "gold" {
		t.Errorf("ContactData = %v", cd)
	}
}

func TestEventRoundTripsConnectExample(t *testing.T) {
	raw, err := os.ReadFile("testdata/connect-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // every field of Connect's example has a Go field
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	_ = json.Unmarshal(raw, &want)
	_ = json.Unmarshal(out, &got)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("round trip changed the event:\n got %s\nwant %s", out, raw)
	}
}

func TestStringMapRendersScalarsAsStrings(t *testing.T) {
	srv := serve(t, reply(200, `{"name":"Ann","balance":1.50,"account":12345678901234567890,"vip":true,"closed":false,"note":null,"esc":"a\"b\u00e9"}`))
	inv, _ := newInvoker(t, Options{})
	for _, rt := range []ResponseType{StringMap, ""} { // "" is the legacy default
		res, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{ResponseType: rt})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"name": "Ann", "balance": "1.50", "account": "12345678901234567890", "vip": "true", "closed": "false", "note": "", "esc": `a"bé`}
		if !reflect.DeepEqual(res.External, want) {
			t.Errorf("%q: External = %#v, want %#v", rt, res.External, want)
		}
	}
}

func TestJSONKeepsNestedValuesAndNumberDigits(t *testing.T) {
	srv := serve(t, reply(200, `{"customer":{"name":"Ann","accounts":[{"id":12345678901234567890}]},"ok":true}`))
	inv, _ := newInvoker(t, Options{})
	res, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{ResponseType: JSON})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"customer": map[string]any{"name": "Ann", "accounts": []any{map[string]any{"id": json.Number("12345678901234567890")}}},
		"ok":       true,
	}
	if !reflect.DeepEqual(res.External, want) {
		t.Errorf("External = %#v, want %#v", res.External, want)
	}
}

func TestStringMapRejectsNestedValues(t *testing.T) {
	for _, body := range []string{`{"a":"x","b":{"c":"hidden-value"}}`, `{"list":["hidden-value"]}`} {
		srv := serve(t, reply(200, body))
		inv, _ := newInvoker(t, Options{})
		_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{ResponseType: StringMap})
		wantKind(t, err, KindInvalidResponse)
		if strings.Contains(err.Error(), "hidden-value") {
			t.Errorf("error quotes the response body: %v", err)
		}
		// The same body is fine as JSON.
		if _, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{ResponseType: JSON}); err != nil {
			t.Errorf("JSON rejected %s: %v", body, err)
		}
	}
}

func TestNonObjectResponseIsInvalid(t *testing.T) {
	for _, body := range []string{`[1,2]`, `"text"`, `42`, `null`, `true`, `<html>`} {
		srv := serve(t, reply(200, body))
		inv, _ := newInvoker(t, Options{})
		for _, rt := range []ResponseType{StringMap, JSON} {
			_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{ResponseType: rt})
			wantKind(t, err, KindInvalidResponse)
		}
	}
}

func TestMalformedJSONIsInvalid(t *testing.T) {
	for _, body := range []string{`{"a":`, `{"a":"b"} {"c":"d"}`, `{"a":"b",}`, `{a:1}`, "{\"a\":\"\xff\"}x"} {
		srv := serve(t, reply(200, body))
		inv, _ := newInvoker(t, Options{})
		for _, rt := range []ResponseType{StringMap, JSON} {
			_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{ResponseType: rt})
			wantKind(t, err, KindInvalidResponse)
		}
	}
}

func TestNon2xxStatusIsStatusError(t *testing.T) {
	for _, status := range []int{400, 404, 429, 500, 503} {
		srv := serve(t, reply(status, `{"error":"boom"}`))
		inv, _ := newInvoker(t, Options{})
		_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{})
		if e := wantKind(t, err, KindStatus); e.StatusCode != status {
			t.Errorf("StatusCode = %d, want %d", e.StatusCode, status)
		}
	}
}

func TestTimeLimitIsSmallerOfActionAndFunctionClamped(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		fnSeconds int
		action    time.Duration
		want      time.Duration
	}{
		{8, 0, 8 * s},
		{8, 3 * s, 3 * s},
		{2, 8 * s, 2 * s},
		{8, 20 * s, 8 * s},             // action above the maximum
		{8, 100 * time.Millisecond, s}, // below the minimum
		{0, 0, 8 * s},                  // unset function timeout: the default
		{30, 0, 8 * s},
	} {
		if got := TimeLimit(core.Function{TimeoutSeconds: tc.fnSeconds}, tc.action); got != tc.want {
			t.Errorf("TimeLimit(%d s, %v) = %v, want %v", tc.fnSeconds, tc.action, got, tc.want)
		}
	}
}

// stall is a handler that answers only when the client gives up.
func stall(w http.ResponseWriter, r *http.Request) {
	// Read the body: only then does the server watch the connection and
	// cancel r.Context() when the client goes away.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestSlowFunctionTimesOut(t *testing.T) {
	srv := serve(t, stall)
	inv, _ := newInvoker(t, Options{})
	start := time.Now()
	_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{TimeLimit: time.Second})
	wantKind(t, err, KindTimeout)
	if took := time.Since(start); took < 900*time.Millisecond || took > 3*time.Second {
		t.Errorf("timed out after %v, want about 1s", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not wrap context.DeadlineExceeded", err)
	}
}

func TestCallerDeadlineIsTimeoutAndCancelIsCanceled(t *testing.T) {
	srv := serve(t, stall)
	inv, _ := newInvoker(t, Options{})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := inv.Invoke(ctx, internalFn(srv.URL), sampleEvent(), InvokeOptions{})
	wantKind(t, err, KindTimeout)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = inv.Invoke(ctx, internalFn(srv.URL), sampleEvent(), InvokeOptions{})
	wantKind(t, err, KindCanceled)
	if took := time.Since(start); took > time.Second {
		t.Errorf("cancel took %v to stop the call", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not wrap context.Canceled", err)
	}
}

func TestOversizeResponseIsTooLarge(t *testing.T) {
	const limit = 1024
	object := func(n int) string { // a JSON object of exactly n bytes
		return `{"a":"` + strings.Repeat("x", n-len(`{"a":""}`)) + `"}`
	}
	chunked := func(body string) http.HandlerFunc { // no Content-Length
		return func(w http.ResponseWriter, r *http.Request) {
			for len(body) > 0 {
				n := min(100, len(body))
				_, _ = io.WriteString(w, body[:n])
				w.(http.Flusher).Flush()
				body = body[n:]
			}
		}
	}
	for name, tc := range map[string]struct {
		h    http.HandlerFunc
		kind Kind
	}{
		"at the limit":                  {reply(200, object(limit)), ""},
		"over, with Content-Length":     {reply(200, object(limit+1)), KindTooLarge},
		"at the limit, chunked":         {chunked(object(limit)), ""},
		"over, chunked":                 {chunked(object(limit + 1)), KindTooLarge},
		"far over, chunked":             {chunked(object(64 * limit)), KindTooLarge},
		"whitespace padding counts too": {reply(200, object(limit-10)+strings.Repeat(" ", 11)), KindTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, tc.h)
			inv, _ := newInvoker(t, Options{MaxResponseBytes: limit})
			_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{})
			if tc.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKind(t, err, tc.kind)
		})
	}
}

func TestDefaultResponseLimitIsConnects32KB(t *testing.T) {
	srv := serve(t, reply(200, `{"a":"`+strings.Repeat("x", 32<<10)+`"}`))
	inv, _ := newInvoker(t, Options{})
	_, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{})
	wantKind(t, err, KindTooLarge)
}

func TestSignedRequestVerifies(t *testing.T) {
	const secret = "whsec-test-0123456789"
	var sig, ts string
	var body []byte
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sig, ts = r.Header.Get(SignatureHeader), r.Header.Get(TimestampHeader)
		body, _ = io.ReadAll(r.Body)
		if err := Verify(secret, sig, ts, body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"verified":"yes"}`)
	})
	inv, _ := newInvoker(t, Options{})
	fn := internalFn(srv.URL)
	fn.Secret = secret
	res, err := inv.Invoke(context.Background(), fn, sampleEvent(), InvokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.External["verified"] != "yes" {
		t.Fatalf("External = %v", res.External)
	}
	// The scheme, computed independently of Sign.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); sig != want {
		t.Errorf("signature %s, want %s", sig, want)
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(n, 0)).Abs() > time.Minute {
		t.Errorf("timestamp %q is not the current Unix time", ts)
	}
}

func TestUnsignedWithoutSecret(t *testing.T) {
	var sig, ts string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sig, ts = r.Header.Get(SignatureHeader), r.Header.Get(TimestampHeader)
	})
	inv, _ := newInvoker(t, Options{})
	if _, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{}); err != nil {
		t.Fatal(err)
	}
	if sig != "" || ts != "" {
		t.Errorf("unsigned function sent signature %q timestamp %q", sig, ts)
	}
}

func TestSecretAndSignatureNeverInErrorsOrLogs(t *testing.T) {
	const secret = "sk-live-DO-NOT-LEAK-7f3a9c"
	const queryKey = "qk-DO-NOT-LEAK-42"
	var lastSig atomic.Value
	lastSig.Store("")
	// Hostile function: echoes the signature and secret-looking data back in
	// bodies that fail to parse, and in a failing status.
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sig := r.Header.Get(SignatureHeader)
		lastSig.Store(sig)
		switch r.URL.Path {
		case "/ok":
			fmt.Fprintf(w, `{"a":"b"}`)
		case "/status":
			http.Error(w, sig, http.StatusForbidden)
		case "/nested":
			fmt.Fprintf(w, `{"sig":{"v":%q}}`, sig)
		case "/badjson":
			fmt.Fprintf(w, `{"sig":%q,`, sig)
		case "/array":
			fmt.Fprintf(w, `[%q]`, sig)
		}
	})
	inv, logs := newInvoker(t, Options{})
	var errs []string
	call := func(path string, internal bool) {
		fn := internalFn(srv.URL + path + "?code=" + queryKey)
		fn.Secret, fn.Internal = secret, internal
		if _, err := inv.Invoke(context.Background(), fn, sampleEvent(), InvokeOptions{}); err != nil {
			errs = append(errs, err.Error())
		}
	}
	call("/ok", true)
	for _, p := range []string{"/status", "/nested", "/badjson", "/array"} {
		call(p, true)
	}
	call("/ok", false) // blocked: loopback
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String()
	ln.Close()
	fn := internalFn(refused + "/?code=" + queryKey)
	fn.Secret = secret
	if _, err := inv.Invoke(context.Background(), fn, sampleEvent(), InvokeOptions{}); err != nil {
		errs = append(errs, err.Error())
	}

	if len(errs) != 6 {
		t.Fatalf("got %d errors, want 6: %q", len(errs), errs)
	}
	sig := lastSig.Load().(string)
	if sig == "" {
		t.Fatal("server saw no signature")
	}
	sigHex := strings.TrimPrefix(sig, "sha256=")
	for _, s := range append(errs, logs.String()) {
		for _, leak := range []string{secret, sigHex, queryKey} {
			if strings.Contains(s, leak) {
				t.Errorf("%q leaks %q", s, leak)
			}
		}
	}
	if !strings.Contains(logs.String(), "function invoked") || !strings.Contains(logs.String(), "function invocation failed") {
		t.Errorf("logs lack the invocation lines:\n%s", logs)
	}
}

func TestGuardRefusesInternalAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	inv, _ := newInvoker(t, Options{})
	for _, u := range []string{
		srv.URL, // 127.0.0.1
		fmt.Sprintf("http://localhost:%d/", port),          // a name resolving to loopback: caught at dial
		fmt.Sprintf("http://[::1]:%d/", port),              // IPv6 loopback
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port), // IPv4-mapped loopback
		fmt.Sprintf("http://0.0.0.0:%d/", port),            // reaches the local host on Linux
		"http://10.0.0.1/",
		"http://172.16.5.4:8080/",
		"https://192.168.1.1/",
		"http://169.254.169.254/latest/meta-data/", // cloud metadata
		"http://100.64.0.1/",                       // CGNAT
		"http://[fd00::1]/",                        // unique local
		"http://[fe80::1%25lo]/",                   // link-local with zone
		"http://[64:ff9b::a9fe:a9fe]/",             // NAT64 of 169.254.169.254
		"http://[2002:7f00:1::]/",                  // 6to4 of 127.0.0.1
		"http://224.0.0.1/",                        // multicast
	} {
		fn := core.Function{Name: "public", URL: u, TimeoutSeconds: 1}
		_, err := inv.Invoke(context.Background(), fn, sampleEvent(), InvokeOptions{})
		wantKind(t, err, KindBlocked)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server got %d requests from a blocked function", n)
	}
	// Marked internal, the same function goes through.
	if _, err := inv.Invoke(context.Background(), internalFn(fmt.Sprintf("http://localhost:%d/", port)), sampleEvent(), InvokeOptions{}); err != nil {
		t.Errorf("internal function: %v", err)
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "93.184.216.34": true,
		"2606:4700:4700::1111": true, "64:ff9b::808:808": true, "2002:808:808::1": true,
		"127.0.0.1": false, "127.255.255.254": false, "10.1.1.1": false, "172.31.0.1": false,
		"192.168.0.1": false, "169.254.169.254": false, "100.64.0.1": false, "100.127.255.255": false,
		"0.0.0.0": false, "0.1.2.3": false, "255.255.255.255": false, "240.0.0.1": false,
		"224.0.0.251": false, "198.18.0.1": false, "192.0.0.170": false,
		"::": false, "::1": false, "::ffff:10.0.0.1": false, "::10.0.0.1": false,
		"fc00::1": false, "fd12:3456::1": false, "fe80::1": false, "ff02::1": false, "fec0::1": false,
		"64:ff9b::7f00:1": false, "2002:a00:1::": false, "2001:0:4136:e378:8000:63bf:3fff:fdd2": false,
		"2001:db8::1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestRedirectIsNeverFollowed(t *testing.T) {
	var targetHits atomic.Int32
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		_, _ = io.WriteString(w, `{"reached":"yes"}`)
	})
	for _, code := range []int{301, 302, 303, 307, 308} {
		front := serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/private", code)
		})
		// Treat the front server as public, as if it were on the internet;
		// the target stays loopback and so forbidden.
		frontAddr := netip.MustParseAddrPort(front.Listener.Addr().String())
		inv, _ := newInvoker(t, Options{})
		inv.guard.allow = func(ap netip.AddrPort) bool { return ap == frontAddr }

		for _, internal := range []bool{false, true} {
			fn := core.Function{Name: "lookup", URL: front.URL, TimeoutSeconds: 2, Internal: internal}
			_, err := inv.Invoke(context.Background(), fn, sampleEvent(), InvokeOptions{})
			if e := wantKind(t, err, KindStatus); e.StatusCode != code {
				t.Errorf("StatusCode = %d, want %d", e.StatusCode, code)
			}
		}
		// Were a redirect followed, the dialer would refuse the target too.
		_, err := inv.Invoke(context.Background(), core.Function{Name: "lookup", URL: target.URL, TimeoutSeconds: 1}, sampleEvent(), InvokeOptions{})
		wantKind(t, err, KindBlocked)
	}
	if n := targetHits.Load(); n != 0 {
		t.Errorf("redirect target got %d requests", n)
	}
}

func TestNetworkFailureIsNetworkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	inv, _ := newInvoker(t, Options{})
	_, err = inv.Invoke(context.Background(), internalFn("http://"+addr+"/"), sampleEvent(), InvokeOptions{})
	wantKind(t, err, KindNetwork)

	// A server that hangs up without answering.
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	_, err = inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{})
	wantKind(t, err, KindNetwork)
}

func TestBadURLIsConfigError(t *testing.T) {
	inv, _ := newInvoker(t, Options{})
	for _, u := range []string{"", "ftp://example.com/", "/relative", "http://user:pw@example.com/", "http://%zz/"} {
		_, err := inv.Invoke(context.Background(), core.Function{Name: "lookup", URL: u}, sampleEvent(), InvokeOptions{})
		e := wantKind(t, err, KindConfig)
		if strings.Contains(e.Error(), "pw@") {
			t.Errorf("error quotes the URL's credentials: %v", e)
		}
	}
}

func TestConnectionsAreReused(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(reply(200, `{"a":"b"}`))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	inv, _ := newInvoker(t, Options{})
	for range 20 {
		if _, err := inv.Invoke(context.Background(), internalFn(srv.URL), sampleEvent(), InvokeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential calls opened %d connections, want 1", n)
	}
}

func TestConcurrentInvocations(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		var ev Event
		_ = json.NewDecoder(r.Body).Decode(&ev)
		fmt.Fprintf(w, `{"contact":%q}`, ev.Details.ContactData.ContactID)
	})
	inv, _ := newInvoker(t, Options{})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			ev := sampleEvent()
			ev.Details.ContactData.ContactID = strconv.Itoa(i)
			res, err := inv.Invoke(context.Background(), internalFn(srv.URL), ev, InvokeOptions{})
			if err != nil || res.External["contact"] != strconv.Itoa(i) {
				t.Errorf("call %d: %v %v", i, res.External, err)
			}
		})
	}
	wg.Wait()
}

func TestMetricsRecordOutcome(t *testing.T) {
	ok := serve(t, reply(200, `{}`))
	bad := serve(t, reply(500, ``))
	reg := prometheus.NewRegistry()
	inv, _ := newInvoker(t, Options{Registerer: reg})
	New(Options{Registerer: reg}).Close() // a second invoker shares the histogram
	for range 2 {
		_, _ = inv.Invoke(context.Background(), internalFn(ok.URL), sampleEvent(), InvokeOptions{})
	}
	_, _ = inv.Invoke(context.Background(), internalFn(bad.URL), sampleEvent(), InvokeOptions{})

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "switchboard_function_invoke_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			counts[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
		}
	}
	if counts["ok"] != 2 || counts["status"] != 1 {
		t.Errorf("samples by outcome = %v, want ok:2 status:1", counts)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	inv := New(Options{})
	inv.Close()
	inv.Close()
}
