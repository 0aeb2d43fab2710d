package core

import (
	"slices"
	"strings"
	"testing"
)

// key32 is a security key of the minimum length.
var key32 = strings.Repeat("k", MinWidgetSecurityKeyLen)

func TestChatWidgetNormalizeCanonicalisesOrigins(t *testing.T) {
	w := ChatWidget{Name: " Web ", ContactFlowID: " f1 ", Color: " #1A73E8 ", Title: " Chat with us ",
		AllowedOrigins: []string{" HTTPS://Shop.Example.com/ ", "https://shop.example.com:443", "http://localhost:3000",
			"https://*.Example.org", "http://[2001:DB8::1]:80", "https://192.0.2.7:8443"}}
	w.Normalize()
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{"https://shop.example.com", "http://localhost:3000", "https://*.example.org", "http://[2001:db8::1]", "https://192.0.2.7:8443"}
	if !slices.Equal(w.AllowedOrigins, want) {
		t.Fatalf("origins %q, want %q", w.AllowedOrigins, want)
	}
	if w.Name != "Web" || w.ContactFlowID != "f1" || w.Color != "#1a73e8" || w.Title != "Chat with us" {
		t.Fatalf("normalised to %+v", w)
	}
}

func TestChatWidgetValidation(t *testing.T) {
	ok := func(mod func(w *ChatWidget)) ChatWidget {
		w := ChatWidget{Name: "web", ContactFlowID: "f1", AllowedOrigins: []string{"https://www.example.com"}}
		mod(&w)
		return w
	}
	for _, tc := range []struct {
		name string
		w    ChatWidget
		want string // a field at fault, "" for valid
	}{
		{"minimal", ok(func(*ChatWidget) {}), ""},
		{"a name is required", ok(func(w *ChatWidget) { w.Name = " " }), "name"},
		{"a name is short", ok(func(w *ChatWidget) { w.Name = strings.Repeat("n", 128) }), "name"},
		{"a description is short", ok(func(w *ChatWidget) { w.Description = strings.Repeat("d", 251) }), "description"},
		{"a flow is required", ok(func(w *ChatWidget) { w.ContactFlowID = "" }), "contactFlowId"},
		{"an origin is required", ok(func(w *ChatWidget) { w.AllowedOrigins = nil }), "allowedOrigins"},
		{"at most 50 origins", ok(func(w *ChatWidget) {
			w.AllowedOrigins = nil
			for i := range 51 {
				w.AllowedOrigins = append(w.AllowedOrigins, "https://h"+strings.Repeat("x", i)+".example.com")
			}
		}), "allowedOrigins"},
		{"50 origins", ok(func(w *ChatWidget) {
			w.AllowedOrigins = nil
			for i := range 50 {
				w.AllowedOrigins = append(w.AllowedOrigins, "https://h"+strings.Repeat("x", i)+".example.com")
			}
		}), ""},
		{"an origin has a scheme", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://a.example.com", "www.example.com"} }), "allowedOrigins[1]"},
		{"an origin is http or https", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"ftp://www.example.com"} }), "allowedOrigins[0]"},
		{"an origin has no path", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www.example.com/shop"} }), "allowedOrigins[0]"},
		{"an origin has no query", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www.example.com?a=b"} }), "allowedOrigins[0]"},
		{"an origin has no fragment", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www.example.com#top"} }), "allowedOrigins[0]"},
		{"an origin has no user", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://bob@www.example.com"} }), "allowedOrigins[0]"},
		{"a trailing slash is trimmed", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www.example.com/"} }), ""},
		{"a port is a number", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www.example.com:https"} }), "allowedOrigins[0]"},
		{"a port is in range", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www.example.com:65536"} }), "allowedOrigins[0]"},
		{"a host is a host name", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://www_example.com"} }), "allowedOrigins[0]"},
		{"a host is required", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://"} }), "allowedOrigins[0]"},
		{"a wildcard leads", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://*.example.com"} }), ""},
		{"a wildcard only leads", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://shop.*.example.com"} }), "allowedOrigins[0]"},
		{"a wildcard is a whole label", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://shop*.example.com"} }), "allowedOrigins[0]"},
		{"a wildcard needs two labels after it", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://*.com"} }), "allowedOrigins[0]"},
		{"no bare wildcard", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://*"} }), "allowedOrigins[0]"},
		{"no wildcard on an address", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"https://*.0.2.7"} }), "allowedOrigins[0]"},
		{"IPv6 in brackets", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"http://[::1]:8080"} }), ""},
		{"IPv6 without brackets", ok(func(w *ChatWidget) { w.AllowedOrigins = []string{"http://::1"} }), "allowedOrigins[0]"},
		{"a short colour", ok(func(w *ChatWidget) { w.Color = "#FA0" }), ""},
		{"a colour is hex", ok(func(w *ChatWidget) { w.Color = "#ggg" }), "color"},
		{"a colour has 3 or 6 digits", ok(func(w *ChatWidget) { w.Color = "#1a73e" }), "color"},
		{"a colour starts with #", ok(func(w *ChatWidget) { w.Color = "1a73e8" }), "color"},
		{"a colour is not a name", ok(func(w *ChatWidget) { w.Color = "red" }), "color"},
		{"a title of 60 characters", ok(func(w *ChatWidget) { w.Title = strings.Repeat("é", 60) }), ""},
		{"a title is short", ok(func(w *ChatWidget) { w.Title = strings.Repeat("t", 61) }), "title"},
		{"a title has no control characters", ok(func(w *ChatWidget) { w.Title = "a\nb" }), "title"},
		{"a display name is short", ok(func(w *ChatWidget) { w.DisplayName = strings.Repeat("d", 61) }), "displayName"},
		{"a key of 32 bytes", ok(func(w *ChatWidget) { w.SecurityKey = key32 }), ""},
		{"a key is at least 32 bytes", ok(func(w *ChatWidget) { w.SecurityKey = key32[1:] }), "securityKey"},
		{"a key is at most 512 bytes", ok(func(w *ChatWidget) { w.SecurityKey = strings.Repeat("k", 513) }), "securityKey"},
		{"requireToken needs a key", ok(func(w *ChatWidget) { w.RequireToken = true }), "securityKey"},
		{"requireToken with a key", ok(func(w *ChatWidget) { w.RequireToken, w.SecurityKey = true, key32 }), ""},
		{"a stored widget's update may leave the key out", ok(func(w *ChatWidget) { w.ID, w.RequireToken = "x", true }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.w.Normalize()
			got := fields(tc.w.Validate())
			if tc.want == "" && got != nil || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("fields at fault %v, want %q", got, tc.want)
			}
		})
	}
}

func TestChatWidgetAllowsOrigin(t *testing.T) {
	w := ChatWidget{AllowedOrigins: []string{"https://shop.example.com", "https://*.example.org", "http://localhost:3000",
		"https://*.example.net:8443", "http://[::1]:8080"}}
	w.Normalize()
	for origin, want := range map[string]bool{
		"https://shop.example.com":       true,
		"HTTPS://SHOP.EXAMPLE.COM":       true,
		"https://shop.example.com:443":   true,
		"http://shop.example.com":        false, // another scheme
		"https://shop.example.com:8443":  false, // another port
		"https://www.example.com":        false,
		"https://evil-shop.example.com":  false,
		"https://shop.example.com.evil":  false,
		"https://a.example.org":          true,
		"https://a.b.example.org":        true,
		"https://example.org":            false, // the wildcard needs a label
		"https://badexample.org":         false,
		"http://a.example.org":           false,
		"https://a.example.net:8443":     true,
		"https://a.example.net":          false,
		"http://localhost:3000":          true,
		"http://localhost:3001":          false,
		"http://[::1]:8080":              true,
		"http://[0:0::1]:8080":           true,
		"null":                           false,
		"":                               false,
		"https://*.example.org":          false, // a browser never sends a pattern
		"https://shop.example.com/":      false,
		"https://shop.example.com/path":  false,
		"https://user@shop.example.com":  false,
		"file://shop.example.com":        false,
		"https://shop.example.com:0":     false,
		"https://shop.example.com:99999": false,
	} {
		if got := w.AllowsOrigin(origin); got != want {
			t.Errorf("AllowsOrigin(%q) = %v, want %v", origin, got, want)
		}
	}
}

func TestChatWidgetKeepsItsKeyApart(t *testing.T) {
	w := ChatWidget{Name: "web", ContactFlowID: "f1", AllowedOrigins: []string{"https://www.example.com"}, SecurityKey: key32}
	if w.SecretValue() != key32 {
		t.Fatalf("secret %q", w.SecretValue())
	}
	w.SetSecretValue("")
	if w.SecurityKey != "" || w.HasSecurityKey {
		t.Fatalf("after clearing: %+v", w)
	}
	w.SetSecretValue(key32)
	if !w.HasSecurityKey {
		t.Fatal("HasSecurityKey not set")
	}
	w.Redact()
	if w.SecurityKey != "" || !w.HasSecurityKey {
		t.Fatalf("after Redact: %+v", w)
	}
	// An update that requires tokens needs a key, sent or stored.
	stored := &ChatWidget{SecurityKey: ""}
	upd := &ChatWidget{RequireToken: true}
	if fields(upd.CheckReplace(stored)) == nil {
		t.Fatal("requireToken without any key was accepted")
	}
	stored.SecurityKey = key32
	if err := upd.CheckReplace(stored); err != nil {
		t.Fatalf("requireToken with a stored key: %v", err)
	}
	refs := (&ChatWidget{ContactFlowID: "f1"}).References()
	if len(refs) != 1 || refs[0] != (Ref{Field: "contactFlowId", Kind: KindFlow, ID: "f1", FlowType: FlowContact}) {
		t.Fatalf("references %+v", refs)
	}
}
