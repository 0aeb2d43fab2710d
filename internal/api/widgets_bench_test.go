package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// BenchmarkWidgetStartChat measures the public chat-start path of a chat
// widget on SQLite, through the server's handler (no network): the widget
// read by ID, the origin check, the rate limiter (on, with a rate no client
// reaches, over 1,024 client addresses), the body decode, the flow check
// and, in the token cases, the HS256 JWT verification with two attributes.
// The chat starter is the tests' no-op one: what starting the chat itself
// costs (the contact, the chat, the flow) is measured by bench/chat and
// bench/contact.
//
//	go test -run '^$' -bench WidgetStartChat -benchmem ./internal/api/
func BenchmarkWidgetStartChat(b *testing.B) {
	st := storetest.Backends(b)[0].Open(b) // SQLite
	ctx := context.Background()
	in := &core.Instance{Alias: "bench"}
	if err := st.CreateInstance(ctx, in); err != nil {
		b.Fatal(err)
	}
	fl := &core.Flow{Name: "Chat in", Content: json.RawMessage(seededContent)}
	if err := st.Flows.Create(ctx, in.ID, fl); err != nil {
		b.Fatal(err)
	}
	if _, err := st.PublishFlow(ctx, in.ID, fl.ID, 0); err != nil {
		b.Fatal(err)
	}
	origins := []string{"https://www.example.com", "https://*.example.org"}
	for i := range 20 { // a realistic list to search: the page's origin is the last
		origins = append([]string{fmt.Sprintf("https://site%d.example.net", i)}, origins...)
	}
	w := &core.ChatWidget{Name: "web", ContactFlowID: fl.ID, AllowedOrigins: origins, SecurityKey: seededWidgetKey}
	if err := st.ChatWidgets.Create(ctx, in.ID, w); err != nil {
		b.Fatal(err)
	}
	s := New(Options{Store: st, Chats: fakeChats, WidgetChatRate: 1e6, WidgetChatBurst: 1000})
	h := s.Handler()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": w.ID, "iat": time.Now().Unix(),
		"exp": time.Now().Add(10 * time.Minute).Unix(), "attributes": map[string]string{"customerId": "42", "tier": "gold"}}).
		SignedString([]byte(seededWidgetKey))
	if err != nil {
		b.Fatal(err)
	}
	var client atomic.Int64
	do := func(b *testing.B, method, path, body, origin string, want int) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Origin", origin)
		n := client.Add(1)
		req.RemoteAddr = fmt.Sprintf("198.51.%d.%d:40000", n/256%4, n%256)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Errorf("%s %s: %d %s", method, path, rec.Code, rec.Body) // Errorf: RunParallel goroutines may not FailNow
		}
	}
	chat := "/api/v1/widgets/" + w.ID + "/chat"
	plain := `{"ParticipantDetails":{"DisplayName":"Jane"}}`
	signed := `{"ParticipantDetails":{"DisplayName":"Jane"},"Token":"` + tok + `"}`
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, "POST", chat, plain, "https://www.example.com", http.StatusCreated)
		}
	})
	b.Run("token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, "POST", chat, signed, "https://shop.example.org", http.StatusCreated)
		}
	})
	b.Run("token-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				do(b, "POST", chat, signed, "https://shop.example.org", http.StatusCreated)
			}
		})
	})
	b.Run("config", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, "GET", "/api/v1/widgets/"+w.ID, "", "https://www.example.com", http.StatusOK)
		}
	})
	b.Run("verify-token-only", func(b *testing.B) {
		b.ReportAllocs()
		wd, err := st.ChatWidgetByID(ctx, w.ID)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.verifyWidgetToken(wd, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("refused-origin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, "POST", chat, plain, "https://evil.example.com", http.StatusForbidden)
		}
	})
}
