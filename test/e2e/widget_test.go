//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestChatWidgetStartsChatsFromAPageWithoutAKey runs the public chat-widget
// routes through the binary: a page on an allowed origin reads the widget's
// configuration and starts a chat with a token its site signed, whose
// attributes the contact then holds and whose flow greets the customer on
// the participant API; an unpublished flow is refused as StartChatContact
// refuses it; and --widget-chat-rate/--widget-chat-burst limit a client.
func TestChatWidgetStartsChatsFromAPageWithoutAKey(t *testing.T) {
	const (
		origin = "https://shop.example.com"
		key    = "e2e-widget-security-key-0123456789abcdef"
	)
	for _, b := range backends()[:min(2, len(backends()))] { // the widget routes do not touch NATS
		t.Run(b.name, func(t *testing.T) {
			args := append(b.args(t), "--widget-chat-rate", "1", "--widget-chat-burst", "3")
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "widget"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cc := setupChatCenter(t, c, chatCenterOptions{})
			inst := cc.Inst.ID

			var widget struct {
				ID             string `json:"id"`
				HasSecurityKey bool   `json:"hasSecurityKey"`
			}
			c.call(t, "POST", instancePath(inst, "chat-widgets"), map[string]any{"name": "Shop", "contactFlowId": cc.Flow.ID,
				"allowedOrigins": []string{origin}, "title": "Chat with us", "requireToken": true, "securityKey": key},
				http.StatusCreated, &widget)
			if widget.ID == "" || !widget.HasSecurityKey {
				t.Fatalf("created widget %+v", widget)
			}
			// public is a request from a page on origin, without a key.
			public := func(method, path string, body any) (int, http.Header, []byte) {
				t.Helper()
				var rd io.Reader
				if body != nil {
					raw, err := json.Marshal(body)
					if err != nil {
						t.Fatal(err)
					}
					rd = bytes.NewReader(raw)
				}
				req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Origin", origin)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin {
					t.Errorf("%s %s: Access-Control-Allow-Origin %q, want %q", method, path, got, origin)
				}
				return resp.StatusCode, resp.Header, out
			}
			token := func() string {
				now := time.Now()
				tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": widget.ID, "iat": now.Unix(),
					"exp": now.Add(2 * time.Minute).Unix(), "attributes": map[string]string{"customerId": "C-42", "plan": "gold"}}).
					SignedString([]byte(key))
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}

			if st, _, body := public("OPTIONS", "/api/v1/widgets/"+widget.ID+"/chat", nil); st != http.StatusNoContent {
				t.Fatalf("preflight: %d %s", st, body)
			}
			if st, _, body := public("GET", "/api/v1/widgets/"+widget.ID, nil); st != http.StatusOK ||
				!strings.Contains(string(body), `"Title":"Chat with us"`) || !strings.Contains(string(body), `"RequireToken":true`) {
				t.Fatalf("configuration: %d %s", st, body)
			}

			// 1: a signed start; the token's attributes are the contact's,
			// and the flow greets the customer.
			st, _, body := public("POST", "/api/v1/widgets/"+widget.ID+"/chat",
				map[string]any{"ParticipantDetails": map[string]any{"DisplayName": "Jo"}, "Token": token()})
			if st != http.StatusCreated {
				t.Fatalf("signed start: %d %s", st, body)
			}
			var started struct{ ContactId, ParticipantId, ParticipantToken string }
			if err := json.Unmarshal(body, &started); err != nil || started.ContactId == "" || started.ParticipantToken == "" {
				t.Fatalf("signed start answered %s (%v)", body, err)
			}
			var attrs struct{ Attributes map[string]string }
			c.call(t, "GET", instancePath(inst, "contacts", started.ContactId, "attributes"), nil, http.StatusOK, &attrs)
			if attrs.Attributes["customerId"] != "C-42" || attrs.Attributes["plan"] != "gold" {
				t.Fatalf("the contact's attributes are %v, want the token's", attrs.Attributes)
			}
			var conn struct {
				ConnectionCredentials struct{ ConnectionToken string }
			}
			participant(ctx, t, s.URL, "connection", started.ParticipantToken,
				map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, &conn)
			cu := &customer{ContactID: started.ContactId, ConnectionToken: conn.ConnectionCredentials.ConnectionToken, base: s.URL}
			cu.awaitTranscript(ctx, t, greeting)
			if !slices.ContainsFunc(cu.transcript(ctx, t), func(it chatItem) bool { return it.DisplayName == "Jo" }) {
				t.Errorf("the customer is not Jo in the transcript")
			}

			// 2: a widget whose flow is not published: StartChatContact's 422.
			var draft struct{ ID string }
			c.call(t, "POST", instancePath(inst, "flows"), map[string]any{"name": "Draft", "content": chatFlow(cc.Queue.ID)},
				http.StatusCreated, &draft)
			var unpublished struct{ ID string }
			c.call(t, "POST", instancePath(inst, "chat-widgets"), map[string]any{"name": "Draft", "contactFlowId": draft.ID,
				"allowedOrigins": []string{origin}}, http.StatusCreated, &unpublished)
			if st, _, body := public("POST", "/api/v1/widgets/"+unpublished.ID+"/chat", map[string]any{}); st != http.StatusUnprocessableEntity ||
				!strings.Contains(string(body), "ContactFlowId") || !strings.Contains(string(body), "not published") {
				t.Fatalf("an unpublished flow: %d %s", st, body)
			}

			// 3: an unsigned start is refused, and counts against the limit.
			if st, _, body := public("POST", "/api/v1/widgets/"+widget.ID+"/chat", map[string]any{}); st != http.StatusUnauthorized {
				t.Fatalf("an unsigned start: %d %s", st, body)
			}
			// 4: the third start of the burst of 3; 5: limited.
			if st, _, body := public("POST", "/api/v1/widgets/"+widget.ID+"/chat", map[string]any{"Token": token()}); st != http.StatusCreated {
				t.Fatalf("the third start: %d %s", st, body)
			}
			st, h, body := public("POST", "/api/v1/widgets/"+widget.ID+"/chat", map[string]any{"Token": token()})
			if st != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
				t.Fatalf("over the limit: %d, Retry-After %q: %s", st, h.Get("Retry-After"), body)
			}
		})
	}
}
