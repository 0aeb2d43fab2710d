package api

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// seededWidgetKey is the security key of the seeded chat widgets that have one.
const seededWidgetKey = "seeded-widget-security-key-0123456789"

// shopOrigin is an origin every seeded widget allows.
const shopOrigin = "https://shop.example.com"

// seedWidgets gives instance a the chat widgets of the public-route
// scenarios, all on its flow {a.flow} (not published: see
// seedPublishedWidgets) and allowing shopOrigin:
//
//	{a.widget}         Web: title, colour, display name, a key, tokens optional; also https://*.example.org
//	{a.widget.locked}  Signed: requires tokens
//	{a.widget.open}    Open: no key
//	{a.widget.off}     Off: disabled
//
// and instance b one, {b.widget}.
func seedWidgets(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	for key, w := range map[string]*core.ChatWidget{
		"a.widget": {Name: "Web", AllowedOrigins: []string{shopOrigin, "https://*.example.org"}, Title: "Chat with us",
			Color: "#1A73E8", DisplayName: "Guest", SecurityKey: seededWidgetKey},
		"a.widget.locked": {Name: "Signed", AllowedOrigins: []string{shopOrigin}, RequireToken: true, SecurityKey: seededWidgetKey},
		"a.widget.open":   {Name: "Open", AllowedOrigins: []string{shopOrigin}},
		"a.widget.off":    {Name: "Off", AllowedOrigins: []string{shopOrigin}, Disabled: true},
		"b.widget":        {Name: "Web", AllowedOrigins: []string{shopOrigin}, SecurityKey: seededWidgetKey},
	} {
		x := key[:1]
		w.ContactFlowID = f.id(x + ".flow")
		mustDo(t, f.st.ChatWidgets.Create(ctx, f.id(x), w))
		f.vars[key] = w.ID
	}
}

// seedPublishedWidgets is seedWidgets with {a.flow} published.
func seedPublishedWidgets(t *testing.T, f *fixture) {
	t.Helper()
	seedWidgets(t, f)
	publish(t, f, "a.flow")
}

// wantCORS asserts the CORS headers of an answer to a page on origin.
func wantCORS(t *testing.T, r *response, origin string) {
	t.Helper()
	if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, origin)
	}
	if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
		t.Errorf("Vary %q does not name Origin", r.header.Values("Vary"))
	}
	if r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials are allowed")
	}
}

// wantNoCORS asserts an answer to a request without an Origin: no CORS
// headers.
func wantNoCORS(t *testing.T, _ *fixture, r *response) {
	t.Helper()
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("Access-Control-Allow-Origin %q without an Origin", got)
	}
}

// wantReadableBy returns a check that the refusal of a page on origin is
// readable by that page (so the widget can say why), and grants no
// credentials.
func wantReadableBy(origin string) func(*testing.T, *fixture, *response) {
	return func(t *testing.T, _ *fixture, r *response) { t.Helper(); wantCORS(t, r, origin) }
}

func wantShopCORS(t *testing.T, _ *fixture, r *response) { t.Helper(); wantCORS(t, r, shopOrigin) }

var shop = map[string]string{"Origin": shopOrigin}

var widgetScenarios = []scenario{
	// Writing widgets.
	{name: "a widget that requires tokens needs a security key", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body:   `{"name":"w","contactFlowId":"{a.flow}","allowedOrigins":["https://a.example.com"],"requireToken":true}`,
		status: 422, field: "securityKey"},
	{name: "a security key has at least 32 bytes", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body:   `{"name":"w","contactFlowId":"{a.flow}","allowedOrigins":["https://a.example.com"],"securityKey":"short"}`,
		status: 422, field: "securityKey", not: []string{`"short"`}},
	{name: "an allowed origin with a path is refused naming its index", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body:   `{"name":"w","contactFlowId":"{a.flow}","allowedOrigins":["https://a.example.com","https://b.example.com/shop"]}`,
		status: 422, field: "allowedOrigins[1]", want: []string{"must not have a path"}},
	{name: "a widget needs an allowed origin", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body: `{"name":"w","contactFlowId":"{a.flow}","allowedOrigins":[]}`, status: 422, field: "allowedOrigins"},
	{name: "a colour is #rgb or #rrggbb", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body: `{"name":"w","contactFlowId":"{a.flow}","allowedOrigins":["https://a.example.com"],"color":"blue"}`, status: 422, field: "color"},
	{name: "a widget's flow must be a contact flow", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		setup: func(t *testing.T, f *fixture) {
			fl := &core.Flow{Name: "Queue music", Type: core.FlowCustomerQueue, Content: []byte(seededContent)}
			mustDo(t, f.st.Flows.Create(context.Background(), f.id("a"), fl))
			f.vars["a.qflow"] = fl.ID
		},
		body:   `{"name":"w","contactFlowId":"{a.qflow}","allowedOrigins":["https://a.example.com"]}`,
		status: 422, field: "contactFlowId", want: []string{"must be a CONTACT_FLOW flow", "CUSTOMER_QUEUE"}},
	{name: "a widget's flow must be of its instance", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body: `{"name":"w","contactFlowId":"{b.flow}","allowedOrigins":["https://a.example.com"]}`, status: 422, field: "contactFlowId"},
	{name: "a widget's name is unique in its instance", method: "POST", path: "/api/v1/instances/{a}/chat-widgets", key: "a", setup: seedWidgets,
		body: `{"name":"Web","contactFlowId":"{a.flow}","allowedOrigins":["https://a.example.com"]}`, status: 409, field: "name"},
	{name: "requiring tokens of a widget without a key is refused", method: "PUT", path: "/api/v1/instances/{a}/chat-widgets/{a.widget.open}",
		key: "a", setup: seedWidgets,
		body:   `{"name":"Open","contactFlowId":"{a.flow}","allowedOrigins":["https://shop.example.com"],"requireToken":true}`,
		status: 422, field: "securityKey"},
	{name: "an instance key cannot read another instance's widget", method: "GET", path: "/api/v1/instances/{a}/chat-widgets/{b.widget}",
		key: "a", setup: seedWidgets, status: 404},
	{name: "deleting a flow a widget uses is a conflict naming the widget", method: "DELETE", path: "/api/v1/instances/{b}/flows/{b.flow}",
		key: "b", setup: func(t *testing.T, f *fixture) {
			seedWidgets(t, f)
			mustDo(t, f.st.PhoneNumbers.Delete(context.Background(), f.id("b"), f.id("b.phone")))
		}, status: 409, want: []string{"chat-widget {b.widget}"}},

	// The display configuration.
	{name: "a page on a wildcard origin reads the configuration", method: "GET", path: "/api/v1/widgets/{a.widget}",
		header: map[string]string{"Origin": "https://help.eu.example.org"}, setup: seedWidgets, status: 200,
		want:  []string{`"WidgetId":"{a.widget}"`},
		check: func(t *testing.T, f *fixture, r *response) { wantCORS(t, r, "https://help.eu.example.org") }},
	{name: "a wildcard origin does not match its apex", method: "GET", path: "/api/v1/widgets/{a.widget}",
		header: map[string]string{"Origin": "https://example.org"}, setup: seedWidgets, status: 403, field: "Origin",
		want: []string{`https://example.org`}, check: wantReadableBy("https://example.org")},
	{name: "a page on an unlisted origin is refused naming the origin", method: "GET", path: "/api/v1/widgets/{a.widget}",
		header: map[string]string{"Origin": "https://evil.example.com"}, setup: seedWidgets, status: 403, field: "Origin",
		want: []string{`https://evil.example.com`, "allowedOrigins"}, not: []string{"Chat with us"}, check: wantReadableBy("https://evil.example.com")},
	{name: "the configuration is answered without an Origin (browsers send none on a same-origin GET)", method: "GET",
		path: "/api/v1/widgets/{a.widget}", setup: seedWidgets, status: 200, want: []string{"Chat with us"}, check: wantNoCORS},
	{name: "an unknown widget is not found, which the page may read", method: "GET", path: "/api/v1/widgets/{missing}", header: shop,
		status: 404, want: []string{"no such chat widget"}, check: wantShopCORS},
	{name: "what cannot be a widget ID is not found", method: "GET", path: "/api/v1/widgets/not-a-widget", header: shop, status: 404},
	{name: "a disabled widget says so to its pages", method: "GET", path: "/api/v1/widgets/{a.widget.off}", header: shop, setup: seedWidgets,
		status: 403, want: []string{"this chat widget is disabled"}, check: wantShopCORS},
	{name: "a widget that requires tokens says so", method: "GET", path: "/api/v1/widgets/{a.widget.locked}", header: shop, setup: seedWidgets,
		status: 200, want: []string{`"RequireToken":true`, `"Title":""`}, check: wantShopCORS},

	// Preflights.
	{name: "a preflight from an allowed origin is answered", method: "OPTIONS", path: "/api/v1/widgets/{a.widget}/chat",
		header: map[string]string{"Origin": shopOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
		setup:  seedWidgets, status: 204, check: wantPreflight},
	{name: "a preflight of the configuration is answered", method: "OPTIONS", path: "/api/v1/widgets/{a.widget}",
		header: map[string]string{"Origin": "https://a.b.example.org", "Access-Control-Request-Method": "GET"},
		setup:  seedWidgets, status: 204, check: func(t *testing.T, f *fixture, r *response) {
			wantCORS(t, r, "https://a.b.example.org")
		}},
	{name: "a preflight for a disabled widget is answered so the page can read why", method: "OPTIONS", path: "/api/v1/widgets/{a.widget.off}/chat",
		header: map[string]string{"Origin": shopOrigin, "Access-Control-Request-Method": "POST"}, setup: seedWidgets, status: 204, check: wantPreflight},
	{name: "a preflight from an unlisted origin is answered: the request itself is refused, readably", method: "OPTIONS",
		path:   "/api/v1/widgets/{a.widget}/chat",
		header: map[string]string{"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
		setup:  seedWidgets, status: 204, check: wantReadableBy("https://evil.example.com")},
	{name: "a preflight for an unknown widget is not found", method: "OPTIONS", path: "/api/v1/widgets/{missing}/chat",
		header: map[string]string{"Origin": shopOrigin}, status: 404},

	// Starting chats.
	{name: "the widget's display name stands in for a customer's missing one", method: "POST", path: "/api/v1/widgets/{a.widget}/chat",
		header: shop, setup: seedPublishedWidgets, body: `{"ParticipantDetails":{"DisplayName":"  "}}`, status: 201,
		want: []string{`"ParticipantToken":"tok-Guest"`}, check: wantShopCORS},
	{name: "a customer without a name and a widget without one is Customer", method: "POST", path: "/api/v1/widgets/{a.widget.open}/chat",
		header: shop, setup: seedPublishedWidgets, body: `{}`, status: 201, want: []string{`"ParticipantToken":"tok-Customer"`}},
	{name: "an unsigned request cannot set attributes", method: "POST", path: "/api/v1/widgets/{a.widget}/chat", header: shop,
		setup: seedPublishedWidgets, body: `{"ParticipantDetails":{"DisplayName":"Jane"},"Attributes":{"vip":"true"}}`, status: 400,
		field: "Attributes", check: wantShopCORS},
	{name: "a chat start that is not JSON is refused", method: "POST", path: "/api/v1/widgets/{a.widget}/chat", header: shop,
		setup: seedPublishedWidgets, raw: []byte(`{"ParticipantDetails":`), status: 400, field: "body"},
	{name: "a display name is at most 256 characters", method: "POST", path: "/api/v1/widgets/{a.widget}/chat", header: shop,
		setup: seedPublishedWidgets, body: `{"ParticipantDetails":{"DisplayName":"` + strings.Repeat("n", 257) + `"}}`,
		status: 422, field: "ParticipantDetails.DisplayName"},
	{name: "a disabled widget starts no chat", method: "POST", path: "/api/v1/widgets/{a.widget.off}/chat", header: shop,
		setup: seedPublishedWidgets, body: `{}`, status: 403, want: []string{"this chat widget is disabled"}, check: wantShopCORS},
	{name: "a widget whose flow is not published starts no chat", method: "POST", path: "/api/v1/widgets/{a.widget}/chat", header: shop,
		setup: seedWidgets, body: `{}`, status: 422, field: "ContactFlowId", want: []string{"is not published"}, check: wantShopCORS},
	{name: "a page on an unlisted origin starts no chat", method: "POST", path: "/api/v1/widgets/{a.widget}/chat",
		header: map[string]string{"Origin": "https://shop.example.com.evil.net"}, setup: seedPublishedWidgets, body: `{}`,
		status: 403, field: "Origin", check: wantReadableBy("https://shop.example.com.evil.net")},
	{name: "a chat start without an Origin is refused", method: "POST", path: "/api/v1/widgets/{a.widget}/chat",
		setup: seedPublishedWidgets, body: `{}`, status: 403, field: "Origin", check: wantNoCORS},
	{name: "a chat start through an unknown widget is not found", method: "POST", path: "/api/v1/widgets/{missing}/chat", header: shop,
		body: `{}`, status: 404},
	{name: "a widget that requires tokens refuses a start without one", method: "POST", path: "/api/v1/widgets/{a.widget.locked}/chat",
		header: shop, setup: seedPublishedWidgets, body: `{}`, status: 401, field: "Token", want: []string{"is required"},
		check: func(t *testing.T, f *fixture, r *response) { wantShopCORS(t, f, r); wantChallenge(t, f, r) }},
	{name: "a widget without a key refuses a token it cannot check", method: "POST", path: "/api/v1/widgets/{a.widget.open}/chat",
		header: shop, setup: seedPublishedWidgets, body: `{"Token":"a.b.c"}`, status: 401, field: "Token", want: []string{"no security key"}},
	{name: "managing widgets needs a key", method: "GET", path: "/api/v1/instances/{a}/chat-widgets", header: shop, status: 401},
}

func wantPreflight(t *testing.T, _ *fixture, r *response) {
	t.Helper()
	wantCORS(t, r, shopOrigin)
	for h, want := range map[string]string{"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
		"Access-Control-Allow-Headers": "content-type", "Access-Control-Max-Age": widgetPreflightMaxAge} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s %q, want %q", h, got, want)
		}
	}
}

func TestChatWidgetRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runScenarios(t, newTestEnv(t, st), widgetScenarios)
	})
}

// recordingChats is a ChatStarter that answers like fakeChats and keeps
// what it was asked, for tests that look at what reached the starter.
type recordingChats struct {
	mu   sync.Mutex
	inst string
	in   *StartChatInput
}

func (c *recordingChats) StartChat(ctx context.Context, instanceID string, in StartChatInput) (StartChatOutput, error) {
	c.mu.Lock()
	c.inst, c.in = instanceID, &in
	c.mu.Unlock()
	return fakeChats(ctx, instanceID, in)
}

func (c *recordingChats) take() (string, *StartChatInput) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inst, in := c.inst, c.in
	c.inst, c.in = "", nil
	return inst, in
}

// widgetTokenNow is the time of the token tests' clock.
var widgetTokenNow = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

// mint signs claims with alg (HS256 when nil) and key.
func mint(t *testing.T, alg jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	if alg == nil {
		alg = jwt.SigningMethodHS256
	}
	s, err := jwt.NewWithClaims(alg, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign a token: %v", err)
	}
	return s
}

// claims are a valid token's claims for widget, issued now for 5 minutes,
// with changes (a nil value removes a claim).
func claims(widget string, changes jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{"sub": widget, "iat": widgetTokenNow.Unix(), "exp": widgetTokenNow.Add(5 * time.Minute).Unix()}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func TestChatWidgetTokens(t *testing.T) {
	key := []byte(seededWidgetKey)
	at := func(d time.Duration) int64 { return widgetTokenNow.Add(d).Unix() }
	type tokenCase struct {
		name   string
		widget string // the placeholder of the widget the chat starts through
		token  func(t *testing.T, widget string) string
		status int
		field  string
		want   string
		attrs  map[string]string // what reaches the starter on success
	}
	cases := []tokenCase{
		{name: "a valid token's attributes become the contact's", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"attributes": map[string]string{"customerId": "42", "tier": "gold"}}))
			}, status: 201, attrs: map[string]string{"customerId": "42", "tier": "gold"}},
		{name: "a token without attributes sets none", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string { return mint(t, nil, key, claims(w, nil)) }, status: 201},
		{name: "a token is also taken by a widget that does not require one", widget: "a.widget",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"attributes": map[string]string{"orderId": "A-1"}}))
			}, status: 201, attrs: map[string]string{"orderId": "A-1"}},
		{name: "an expiry within the clock-skew leeway is accepted", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"iat": at(-5 * time.Minute), "exp": at(-20 * time.Second)}))
			}, status: 201},
		{name: "a token for another widget is refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"sub": "0190b8a0-0000-7000-8000-000000000000"}))
			}, status: 401, field: "Token", want: "sub claim"},
		{name: "a token without sub is refused", widget: "a.widget.locked",
			token:  func(t *testing.T, w string) string { return mint(t, nil, key, claims(w, jwt.MapClaims{"sub": nil})) },
			status: 401, field: "Token", want: "lacks the sub claim"},
		{name: "an expired token is refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"iat": at(-6 * time.Minute), "exp": at(-time.Minute)}))
			}, status: 401, field: "Token", want: "has expired"},
		{name: "a token without exp is refused", widget: "a.widget.locked",
			token:  func(t *testing.T, w string) string { return mint(t, nil, key, claims(w, jwt.MapClaims{"exp": nil})) },
			status: 401, field: "Token", want: "lacks the exp claim"},
		{name: "a token without iat is refused", widget: "a.widget.locked",
			token:  func(t *testing.T, w string) string { return mint(t, nil, key, claims(w, jwt.MapClaims{"iat": nil})) },
			status: 401, field: "Token", want: "lacks the iat claim"},
		{name: "a token issued in the future is refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"iat": at(2 * time.Minute), "exp": at(5 * time.Minute)}))
			}, status: 401, field: "Token", want: "issued in the future"},
		{name: "a token living longer than 10 minutes is refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"exp": at(10*time.Minute + time.Second)}))
			}, status: 401, field: "Token", want: "at most 10m0s"},
		{name: "an unsigned token (alg none) is refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(w, nil))
			}, status: 401, field: "Token", want: `must be signed with HS256, not \"none\"`},
		{name: "a token signed with HS512 is refused", widget: "a.widget.locked",
			token:  func(t *testing.T, w string) string { return mint(t, jwt.SigningMethodHS512, key, claims(w, nil)) },
			status: 401, field: "Token", want: `not \"HS512\"`},
		{name: "a token signed with another key is refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, []byte("another-key-of-at-least-32-bytes-long"), claims(w, nil))
			}, status: 401, field: "Token", want: "does not match this chat widget's security key"},
		{name: "what is not a JWT is refused", widget: "a.widget.locked",
			token:  func(*testing.T, string) string { return "not-a-jwt" },
			status: 401, field: "Token", want: "not a well-formed JWT"},
		{name: "attributes that are not strings are refused", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"attributes": map[string]any{"n": 1}}))
			}, status: 422, field: "Token.attributes"},
		{name: "attributes are bounded like StartChatContact's", widget: "a.widget.locked",
			token: func(t *testing.T, w string) string {
				return mint(t, nil, key, claims(w, jwt.MapClaims{"attributes": map[string]string{strings.Repeat("k", 257): "v"}}))
			}, status: 422, field: "Token.attributes"},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		rec := &recordingChats{}
		e.srv.chats = rec
		e.srv.clock = func() time.Time { return widgetTokenNow }
		f := e.newFixture(t)
		seedPublishedWidgets(t, f)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := `{"ParticipantDetails":{"DisplayName":"Jane"},"Token":"` + c.token(t, f.id(c.widget)) + `"}`
				r := f.call(t, "POST", "/api/v1/widgets/{"+c.widget+"}/chat", "", []byte(body), shop)
				if r.status != c.status {
					t.Fatalf("answered %s; want %d", r, c.status)
				}
				if c.want != "" && !strings.Contains(string(r.body), c.want) {
					t.Errorf("body does not say %q: %s", c.want, r.body)
				}
				inst, in := rec.take()
				if r.status >= 400 {
					checkProblem(t, r, c.field)
					wantCORS(t, r, shopOrigin)
					if in != nil {
						t.Errorf("a refused token started a chat: %+v", in)
					}
					if r.status == 401 {
						wantChallenge(t, f, r)
					}
					return
				}
				if in == nil || inst != f.id("a") || in.ContactFlowID != f.id("a.flow") || in.ParticipantDetails.DisplayName != "Jane" {
					t.Fatalf("the starter got %+v in instance %q", in, inst)
				}
				if !maps.Equal(in.Attributes, c.attrs) {
					t.Errorf("attributes %v, want %v", in.Attributes, c.attrs)
				}
			})
		}
		if logs := e.logs.take(); logs != "" {
			t.Errorf("the server logged failures:\n%s", logs)
		}
	})
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestChatWidgetStartsAreRateLimitedPerWidgetAndClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clock := &fakeClock{t: widgetTokenNow}
		e := newTestEnv(t, st)
		// 6 a minute (one every 10 s) in bursts of 2.
		e.srv = New(Options{Store: st, Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
			MaxBodyBytes: testMaxBody, Chats: fakeChats, WidgetChatRate: 6, WidgetChatBurst: 2, Now: clock.Now})
		f := e.newFixture(t)
		seedPublishedWidgets(t, f)
		start := func(widget, remote string) *response {
			t.Helper()
			req := httptest.NewRequest("POST", f.expand(t, "/api/v1/widgets/{"+widget+"}/chat"), strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", shopOrigin)
			req.RemoteAddr = remote
			rec := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(rec, req)
			return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		}
		for i := range 2 {
			if r := start("a.widget", "198.51.100.7:40000"); r.status != 201 {
				t.Fatalf("start %d of the burst: %s", i, r)
			}
		}
		r := start("a.widget", "198.51.100.7:40001") // another port: the same client
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "10" {
			t.Fatalf("over the limit: %s, Retry-After %q; want 429 after 10 s", r, r.header.Get("Retry-After"))
		}
		checkProblem(t, r, "")
		wantCORS(t, r, shopOrigin)
		if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Retry-After") {
			t.Errorf("the page cannot read Retry-After: Access-Control-Expose-Headers %q", r.header.Get("Access-Control-Expose-Headers"))
		}
		if r := start("a.widget", "198.51.100.8:40000"); r.status != 201 {
			t.Fatalf("another client is limited too: %s", r)
		}
		if r := start("a.widget.open", "198.51.100.7:40000"); r.status != 201 {
			t.Fatalf("the client is limited on another widget too: %s", r)
		}
		// IPv6 clients are counted by /64.
		for i, remote := range []string{"[2001:db8:1:2::a]:1", "[2001:db8:1:2::b]:1"} {
			if r := start("a.widget", remote); r.status != 201 {
				t.Fatalf("v6 start %d: %s", i, r)
			}
		}
		if r := start("a.widget", "[2001:db8:1:2:ffff::1]:1"); r.status != http.StatusTooManyRequests {
			t.Fatalf("a third address of the same /64: %s", r)
		}
		clock.Add(9 * time.Second)
		if r := start("a.widget", "198.51.100.7:40000"); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
			t.Fatalf("one second early: %s, Retry-After %q", r, r.header.Get("Retry-After"))
		}
		clock.Add(time.Second)
		if r := start("a.widget", "198.51.100.7:40000"); r.status != 201 {
			t.Fatalf("after 10 s: %s", r)
		}
		// Refusals that come before the limit cost nothing from it.
		for range 3 {
			req := httptest.NewRequest("POST", f.expand(t, "/api/v1/widgets/{a.widget}/chat"), strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://evil.example.com")
			req.RemoteAddr = "198.51.100.9:1"
			rec := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("an unlisted origin: %d", rec.Code)
			}
		}
		for i := range 2 {
			if r := start("a.widget", "198.51.100.9:1"); r.status != 201 {
				t.Fatalf("start %d after refused origins: %s", i, r)
			}
		}
		if logs := e.logs.take(); logs != "" {
			t.Errorf("the server logged failures:\n%s", logs)
		}
	})
}

func TestChatWidgetLimiterForgetsIdleClientsAndStaysBounded(t *testing.T) {
	clock := &fakeClock{t: widgetTokenNow}
	l := newWidgetLimiter(DefaultWidgetChatRate, DefaultWidgetChatBurst, clock.Now)
	for i := range 100 {
		if ok, _ := l.allow("w", "192.0.2."+strconv.Itoa(i)+":1"); !ok {
			t.Fatalf("client %d was refused its first start", i)
		}
	}
	if n := l.size(); n != 100 {
		t.Fatalf("%d clients remembered, want 100", n)
	}
	clock.Add(5 * time.Minute)
	l.allow("w", "192.0.2.200:1")
	if n := l.size(); n != 101 {
		t.Fatalf("clients idle for 5 minutes were forgotten: %d remembered", n)
	}
	clock.Add(widgetLimitIdle + time.Second)
	l.allow("w", "192.0.2.201:1")
	if n := l.size(); n != 1 {
		t.Fatalf("%d clients remembered after everyone else was idle for over %s, want 1", n, widgetLimitIdle)
	}
	// Full: a new client makes room.
	l.max = 10
	for i := range 50 {
		l.allow("w", "198.51.100."+strconv.Itoa(i)+":1")
	}
	if n := l.size(); n > 10 {
		t.Fatalf("%d clients remembered, more than the cap of 10", n)
	}
	if newWidgetLimiter(0, 5, clock.Now) != nil {
		t.Fatal("a rate of 0 limits")
	}
	// A slow rate keeps a client until its bucket is full again.
	slow := newWidgetLimiter(0.1, 5, clock.Now) // one every 10 minutes: refilling 5 takes 50
	if slow.idle != 50*time.Minute {
		t.Fatalf("idle %s, want 50m", slow.idle)
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.1:5000":             "192.0.2.1",
		"[::ffff:192.0.2.1]:5000":    "192.0.2.1",
		"[2001:db8:a:b:c:d:e:f]:443": "2001:db8:a:b::/64",
		"[fe80::1%eth0]:1":           "fe80::/64",
		"pipe":                       "pipe",
	} {
		if got := clientKey(remote); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", remote, got, want)
		}
	}
}
