//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/browser"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// The texts of TestChatWidgetOnAWebsite's widgets.
const (
	widgetDisplayName = "Shop visitor"
	widgetNotHere     = "This chat is not available on this website."
)

// TestChatWidgetOnAWebsite runs configured chat widgets on a customer's
// website in headless Chromium (test/browser/widget-site.mjs): the website
// is served from another origin than Switchboard's and embeds the snippet
// alone (<script src=".../widget.js" data-widget="ID">). The customer opens
// the widget and is greeted by the flow; an agent on the agent WebSocket
// goes Available, accepts the offer, and they exchange a message each way;
// the customer ends the chat. A second widget requires a token: the page's
// authenticate function fetches one from the website's server, which signs
// it with the widget's security key, and the token's attribute reaches the
// contact. A page on an origin the widgets do not allow shows "This chat is
// not available on this website." and starts no contact. Screenshots of the
// website with the open widget (1280×800 and 390×844) go to the test's
// artefact directory (SWITCHBOARD_E2E_ARTIFACTS).
func TestChatWidgetOnAWebsite(t *testing.T) {
	if _, _, err := browser.Requirements(); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	s := e2etest.Start(t, bin, e2etest.Options{Name: "widget website"})
	requireWidgetScript(t, s)
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "widget-site", Flow: greetingFlow})
	inst := cc.Inst.ID
	artifacts := artifactDir(t)

	// The shop's website, and a site the widgets are not for.
	shop := newWebsite("Acme Shop", s.URL)
	other := newWebsite("Copycat Teapots", s.URL)

	// The admin configures the widgets for the shop's origin.
	const securityKey = "e2e-widget-security-key-0123456789abcdef"
	type widgetT struct {
		ID             string `json:"id"`
		HasSecurityKey bool   `json:"hasSecurityKey"`
	}
	var plain, signed widgetT
	c.call(t, "POST", instancePath(inst, "chat-widgets"), map[string]any{"name": "Shop", "contactFlowId": cc.Flow.ID,
		"allowedOrigins": []string{shop.origin()}, "title": "Chat with the shop", "color": "#2b8a3e",
		"displayName": widgetDisplayName}, http.StatusCreated, &plain)
	c.call(t, "POST", instancePath(inst, "chat-widgets"), map[string]any{"name": "Shop members", "contactFlowId": cc.Flow.ID,
		"allowedOrigins": []string{shop.origin()}, "title": "Members' chat", "requireToken": true, "securityKey": securityKey},
		http.StatusCreated, &signed)
	if plain.ID == "" || signed.ID == "" || !signed.HasSecurityKey {
		t.Fatalf("created widgets: %+v, %+v", plain, signed)
	}
	shop.plainWidget, shop.signedWidget, shop.securityKey = plain.ID, signed.ID, securityKey
	other.plainWidget = plain.ID
	shop.start(t)
	other.start(t)

	ag, _ := cc.agentWS(ctx, t, s, 0) // Offline until the first customer waits
	customer := browser.StartScript(t, "widget-site.mjs", shop.url("/plain"), "")
	t.Logf("server, instance, widgets and Chromium ready after %v", time.Since(began).Round(time.Millisecond))

	// chat runs one chat through the widget on the page open in the
	// browser, and returns its contact ID and the attributes the agent was
	// offered it with.
	chat := func(name, wantName string, makeAvailable bool, screenshots bool) (string, map[string]any) {
		t.Helper()
		opened := customer.MustDo(map[string]any{"cmd": "open", "timeoutMs": 20000})
		if opened["status"] != float64(http.StatusCreated) || opened["contactId"] == "" {
			t.Fatalf("%s: the widget's chat start answered %v (%v); the widget shows %q", name, opened["status"], opened["error"], opened["statusText"])
		}
		id, _ := opened["contactId"].(string)
		customer.MustDo(map[string]any{"cmd": "waitFor", "text": greeting, "timeoutMs": 20000})
		if makeAvailable {
			ag.setState(ctx, t, "Available")
		}
		offer := ag.awaitEvent(ctx, t, "offer", id)
		if r := ag.request(ctx, t, "accept", map[string]any{"contactId": id}); r["type"] != "ack" {
			t.Fatalf("%s: accept: %v", name, r)
		}
		ag.awaitEvent(ctx, t, "contactConnected", id)

		// Agent → customer, then customer → agent.
		hello := "Hello from the shop, how can I help? (" + name + ")"
		if r := ag.request(ctx, t, "sendMessage", map[string]any{"contactId": id, "content": hello}); r["type"] != "ack" {
			t.Fatalf("%s: sendMessage: %v", name, r)
		}
		customer.MustDo(map[string]any{"cmd": "waitFor", "text": hello, "from": "agent", "timeoutMs": 20000})
		question := "Where is my order? (" + name + ")"
		customer.MustDo(map[string]any{"cmd": "send", "text": question, "timeoutMs": 20000})
		got := ag.await(ctx, t, "the customer's message", func(m map[string]any) bool {
			msg, _ := m["message"].(map[string]any)
			return m["type"] == "message" && m["contactId"] == id && msg["content"] == question && msg["participantRole"] == "CUSTOMER"
		})
		if msg, _ := got["message"].(map[string]any); msg["displayName"] != wantName {
			t.Errorf("%s: the agent sees the customer as %q, want %q", name, msg["displayName"], wantName)
		}
		if screenshots {
			for _, size := range [][2]int{{1280, 800}, {390, 844}} {
				customer.MustDo(map[string]any{"cmd": "screenshot", "width": size[0], "height": size[1],
					"path": filepath.Join(artifacts, fmt.Sprintf("website-widget-chat-%dx%d.png", size[0], size[1]))})
			}
		}

		// The customer ends the chat; the agent completes after-contact work.
		customer.MustDo(map[string]any{"cmd": "end", "timeoutMs": 20000})
		ag.awaitEvent(ctx, t, "contactEnded", id)
		ag.awaitEvent(ctx, t, "acwStarted", id)
		if r := ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id}); r["type"] != "ack" {
			t.Fatalf("%s: completeAcw: %v", name, r)
		}
		ag.awaitEvent(ctx, t, "acwEnded", id)
		attrs, _ := offer["attributes"].(map[string]any)
		t.Logf("%s: contact %s, offered with attributes %v, done after %v", name, id, attrs, time.Since(began).Round(time.Millisecond))
		return id, attrs
	}

	// 1. The plain widget: the snippet alone.
	plainID, _ := chat("plain widget", widgetDisplayName, true, true)

	// 2. The widget that requires a token, on another page of the shop.
	customer.MustDo(map[string]any{"cmd": "goto", "url": shop.url("/signed")})
	signedID, offered := chat("token widget", "Customer", false, false)
	if offered["customerTier"] != "gold" {
		t.Errorf("the token widget's contact was offered with attributes %v, want the token's customerTier=gold", offered)
	}
	if n := shop.tokens.Load(); n != 1 {
		t.Errorf("the shop's server signed %d tokens, want 1 (the page's authenticate at the chat start)", n)
	}

	// The contacts, as the contacts API has them.
	for _, want := range []struct {
		id    string
		attrs map[string]string
	}{{plainID, map[string]string{}}, {signedID, map[string]string{"customerTier": "gold"}}} {
		var ct contact.Contact
		c.call(t, "GET", instancePath(inst, "contacts", want.id), nil, http.StatusOK, &ct)
		if ct.Channel != contact.Chat || ct.State != contact.Ended || ct.FlowID != cc.Flow.ID ||
			ct.DisconnectReason != contact.CustomerDisconnect || ct.Agent == nil || ct.Agent.ID != cc.Agents[0].UserID {
			t.Errorf("contact %s: channel %s, state %s, flow %s, disconnect reason %s, agent %+v; want CHAT, ENDED, %s, CUSTOMER_DISCONNECT, %s",
				want.id, ct.Channel, ct.State, ct.FlowID, ct.DisconnectReason, ct.Agent, cc.Flow.ID, cc.Agents[0].Username)
		}
		var attrs struct{ Attributes map[string]string }
		c.call(t, "GET", instancePath(inst, "contacts", want.id, "attributes"), nil, http.StatusOK, &attrs)
		if len(attrs.Attributes) != len(want.attrs) {
			t.Errorf("contact %s: attributes %v, want %v", want.id, attrs.Attributes, want.attrs)
		}
		for k, v := range want.attrs {
			if attrs.Attributes[k] != v {
				t.Errorf("contact %s: attribute %s = %q, want %q (attributes %v)", want.id, k, attrs.Attributes[k], v, attrs.Attributes)
			}
		}
	}

	// 3. A site the widget is not for: the widget says so, and starts nothing.
	customer.MustDo(map[string]any{"cmd": "goto", "url": other.url("/plain")})
	refused := customer.MustDo(map[string]any{"cmd": "open", "timeoutMs": 20000})
	if refused["status"] != float64(http.StatusForbidden) || refused["contactId"] != "" {
		t.Errorf("the chat start from %s answered %v (contact %q, %v), want 403 and no contact", other.origin(),
			refused["status"], refused["contactId"], refused["error"])
	}
	state := customer.MustDo(map[string]any{"cmd": "waitStatus", "text": widgetNotHere})["state"].(map[string]any)
	if msgs, _ := state["messages"].([]any); len(msgs) != 0 {
		t.Errorf("the refused widget shows messages: %v", msgs)
	}
	for _, size := range [][2]int{{1280, 800}, {390, 844}} {
		customer.MustDo(map[string]any{"cmd": "screenshot", "width": size[0], "height": size[1],
			"path": filepath.Join(artifacts, fmt.Sprintf("other-site-refused-%dx%d.png", size[0], size[1]))})
	}
	var page struct {
		Items []contact.Contact `json:"items"`
	}
	c.call(t, "GET", instancePath(inst, "contacts")+"?maxResults=100", nil, http.StatusOK, &page)
	if len(page.Items) != 2 {
		var ids []string
		for _, ct := range page.Items {
			ids = append(ids, ct.ID+" "+string(ct.Channel)+" "+string(ct.State))
		}
		t.Errorf("the instance has %d contacts, want the 2 chats of the shop's pages: %v", len(page.Items), ids)
	}
	shots, _ := filepath.Glob(filepath.Join(artifacts, "*.png"))
	if len(shots) != 4 {
		t.Errorf("%d screenshots in %s, want 4", len(shots), artifacts)
	}
	t.Logf("widget scenario done in %v; screenshots in %s", time.Since(began).Round(time.Millisecond), artifacts)
}

// requireWidgetScript fails the test when the binary does not serve the
// widget's script (a binary built without the web console).
func requireWidgetScript(t *testing.T, s *e2etest.Server) {
	t.Helper()
	res, err := http.Get(s.URL + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "SwitchboardChat") {
		t.Fatalf("GET /widget.js: %d (%d bytes): build the console into the binary first (make web, then make build)", res.StatusCode, len(body))
	}
}

// website is a customer's website on its own origin (a loopback port of
// its own), whose pages embed Switchboard's chat widget:
//
//	/plain   the snippet of plainWidget alone
//	/signed  the snippet of signedWidget, with an authenticate function
//	         that fetches /token
//	/token   a JWT for signedWidget signed with securityKey, carrying the
//	         contact attribute customerTier=gold
//
// Set the fields, then start it.
type website struct {
	name                      string
	srv                       *httptest.Server
	switchboard               string
	plainWidget, signedWidget string
	securityKey               string
	tokens                    atomic.Int64 // tokens signed
}

// newWebsite makes the website of a shop called name (listening, not
// serving yet) whose pages load the widget from the Switchboard server at
// switchboard.
func newWebsite(name, switchboard string) *website {
	w := &website{name: name, switchboard: switchboard}
	w.srv = httptest.NewUnstartedServer(http.HandlerFunc(w.serve))
	return w
}

// start serves the website until the test ends. Starting it after the
// fields are set orders their writes before the handlers' reads.
func (w *website) start(t *testing.T) {
	w.srv.Start()
	t.Cleanup(w.srv.Close)
}

func (w *website) origin() string { return "http://" + w.srv.Listener.Addr().String() }

func (w *website) url(path string) string { return w.origin() + path }

func (w *website) serve(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/plain":
		w.page(rw, w.name, "", w.plainWidget)
	case "/signed":
		w.page(rw, w.name+": members", `<script>
  window.SwitchboardChatConfig = { authenticate: () => fetch('/token').then((r) => r.text()) };
</script>`, w.signedWidget)
	case "/token":
		now := time.Now()
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": w.signedWidget, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"attributes": map[string]string{"customerTier": "gold"},
		}).SignedString([]byte(w.securityKey))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		w.tokens.Add(1)
		rw.Header().Set("Content-Type", "text/plain")
		rw.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(rw, tok)
	case "/favicon.ico": // asked for by the browser: no 404 in the page's console
		rw.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(rw, r)
	}
}

// page writes a shop page that embeds the widget with the snippet (after
// head, the page's own script).
func (w *website) page(rw http.ResponseWriter, title, head, widgetID string) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	t := html.EscapeString(title)
	_, _ = fmt.Fprintf(rw, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
  body { margin: 0; font-family: Georgia, serif; color: #222; background: #fdfaf4; }
  header { background: #5c3d2e; color: #fff; padding: 18px 32px; font-size: 24px; }
  main { padding: 24px 32px; max-width: 720px; }
  .product { border: 1px solid #d9cbb8; border-radius: 6px; padding: 16px; margin: 12px 0; background: #fff; }
</style>
%s
</head><body>
<header>%s</header>
<main>
  <h1>Hand-made teapots</h1>
  <div class="product"><h2>Stoneware teapot</h2><p>1.2 l, glazed in ash green. 48 €</p></div>
  <div class="product"><h2>Cast-iron teapot</h2><p>0.8 l, with a steel infuser. 65 €</p></div>
  <p>Questions about an order? Chat with us.</p>
</main>
<script src="%s/widget.js" data-widget="%s"></script>
</body></html>
`, t, head, t, html.EscapeString(w.switchboard), html.EscapeString(widgetID))
}
