package core

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ChatWidget is the public configuration of the chat widget a website
// embeds with a snippet alone (like Amazon Connect's hosted communications
// widget): the browser starts chats through the widget's public routes
// (POST /api/v1/widgets/{id}/chat) instead of the website's own server
// calling the API-key-protected StartChatContact. The widget's ID is its
// public identifier; AllowedOrigins say which sites may use it, and with
// RequireToken every chat start must carry a JWT that the website's server
// signed with SecurityKey.
type ChatWidget struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// ContactFlowID is the flow chats started through the widget run: a
	// CONTACT_FLOW flow of the instance (it must be published to take chats).
	ContactFlowID string `json:"contactFlowId"`
	// AllowedOrigins are the sites whose pages may use the widget, each
	// scheme://host[:port] (http or https), the host lower-cased; the
	// leftmost label may be a wildcard: https://*.example.com matches
	// sub.example.com and a.b.example.com, but not example.com.
	AllowedOrigins []string `json:"allowedOrigins"`
	// Title, Color and DisplayName are what the widget shows: the panel's
	// title, its accent colour (#rgb or #rrggbb) and the customer's name
	// when the page gives none.
	Title       string `json:"title,omitempty"`
	Color       string `json:"color,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	// Disabled widgets answer 403 to the public routes.
	Disabled bool `json:"disabled"`
	// RequireToken makes every chat start carry a JWT (HS256) signed with
	// SecurityKey.
	RequireToken bool `json:"requireToken"`
	// SecurityKey is the HMAC key of the widget's tokens, at least 32
	// bytes. Write-only, like a trunk's password: verifying a signature
	// needs the key itself, so it is stored as is in the secret column and
	// returned only as HasSecurityKey. An update without it keeps the
	// stored one.
	SecurityKey    string `json:"securityKey,omitempty"`
	HasSecurityKey bool   `json:"hasSecurityKey"`
}

// Bounds of a chat widget's fields.
const (
	MaxWidgetOrigins        = 50
	MinWidgetSecurityKeyLen = 32 // bytes: HS256 wants a key as long as its hash
	MaxWidgetSecurityKeyLen = 512
	MaxWidgetTitleLen       = 60 // characters
	MaxWidgetDisplayNameLen = 60 // characters
)

var widgetColorRE = regexp.MustCompile(`^#([0-9a-f]{3}|[0-9a-f]{6})$`)

func (w *ChatWidget) ResourceName() string { return w.Name }

func (w *ChatWidget) Normalize() {
	w.Name = strings.TrimSpace(w.Name)
	w.ContactFlowID = strings.TrimSpace(w.ContactFlowID)
	w.Title = strings.TrimSpace(w.Title)
	w.DisplayName = strings.TrimSpace(w.DisplayName)
	w.Color = strings.ToLower(strings.TrimSpace(w.Color))
	var origins []string
	for _, o := range w.AllowedOrigins {
		o = strings.TrimSpace(o)
		if p, err := ParseAllowedOrigin(o); err == nil {
			o = p
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if origins == nil {
		origins = []string{}
	}
	w.AllowedOrigins = origins
}

// Validate checks the widget. A widget not yet stored (no ID) that requires
// tokens needs a security key; on update the stored one is kept (see
// CheckReplace).
func (w *ChatWidget) Validate() error {
	var c checker
	c.name("name", w.Name, 127)
	c.maxLen("description", w.Description, 250)
	c.check(w.ContactFlowID != "", "contactFlowId", "is required: the CONTACT_FLOW flow the widget's chats run")
	switch n := len(w.AllowedOrigins); {
	case n == 0:
		c.add("allowedOrigins", "must hold at least one origin such as https://www.example.com: otherwise no site may use the widget")
	case n > MaxWidgetOrigins:
		c.add("allowedOrigins", "must hold at most %d origins", MaxWidgetOrigins)
	}
	for i, o := range w.AllowedOrigins {
		if _, err := ParseAllowedOrigin(o); err != nil {
			c.add(fieldIndex("allowedOrigins", i), "%v", err)
		}
	}
	c.displayText("title", w.Title, MaxWidgetTitleLen)
	c.displayText("displayName", w.DisplayName, MaxWidgetDisplayNameLen)
	if w.Color != "" && !widgetColorRE.MatchString(w.Color) {
		c.add("color", "must be a colour such as #1a73e8 or #fff")
	}
	if w.SecurityKey != "" {
		c.check(len(w.SecurityKey) >= MinWidgetSecurityKeyLen && len(w.SecurityKey) <= MaxWidgetSecurityKeyLen, "securityKey",
			"must be %d to %d bytes long", MinWidgetSecurityKeyLen, MaxWidgetSecurityKeyLen)
	}
	if w.RequireToken && w.SecurityKey == "" && w.ID == "" {
		c.add("securityKey", "is required when requireToken is true: tokens are signed with it")
	}
	return c.err()
}

// displayText checks a short text a page shows: at most max characters, no
// control characters.
func (c *checker) displayText(field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		c.add(field, "must be at most %d characters", max)
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		c.add(field, "must not contain control characters")
	}
}

// CheckReplace refuses an update that requires tokens while neither the
// update nor the stored widget has a security key.
func (w *ChatWidget) CheckReplace(old Resource) error {
	o, ok := old.(*ChatWidget)
	if ok && w.RequireToken && w.SecurityKey == "" && o.SecurityKey == "" {
		return Invalid("securityKey", "is required when requireToken is true (this widget has no security key stored)")
	}
	return nil
}

// References: the widget's flow, which must be a CONTACT_FLOW.
func (w *ChatWidget) References() []Ref {
	if w.ContactFlowID == "" {
		return nil
	}
	return []Ref{{Field: "contactFlowId", Kind: KindFlow, ID: w.ContactFlowID, FlowType: FlowContact}}
}

func (w *ChatWidget) SecretValue() string { return w.SecurityKey }

func (w *ChatWidget) SetSecretValue(s string) { w.SecurityKey, w.HasSecurityKey = s, s != "" }

// Redact removes the security key before the widget is returned to a client.
func (w *ChatWidget) Redact() { w.SecurityKey = "" }

// AllowsOrigin reports whether a browser's Origin header names one of the
// widget's allowed origins. The header is compared in its canonical form
// (lower-case scheme and host, no default port), so what the browser sends
// matches what Normalize stored.
func (w *ChatWidget) AllowsOrigin(origin string) bool {
	o, ok := parseOrigin(origin)
	if !ok || o.wildcard {
		return false
	}
	for _, allowed := range w.AllowedOrigins {
		if p, ok := parseOrigin(allowed); ok && p.matches(o) {
			return true
		}
	}
	return false
}

// ParseAllowedOrigin checks an allowed origin and returns its canonical
// form: scheme://host[:port] with scheme http or https, the scheme and host
// lower-cased, the scheme's default port and one trailing "/" dropped. The
// host is a DNS name, an IPv4 address or a bracketed IPv6 address; a DNS
// name's leftmost label may be "*", followed by at least two labels.
func ParseAllowedOrigin(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("must be an origin such as https://www.example.com")
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", fmt.Errorf("%q must be scheme://host[:port], such as https://www.example.com", s)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%q: the scheme must be http or https", s)
	}
	rest = strings.TrimSuffix(rest, "/")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		what := map[byte]string{'/': "a path", '?': "a query", '#': "a fragment"}[rest[i]]
		return "", fmt.Errorf("%q must not have %s: an origin is scheme://host[:port] only", s, what)
	}
	if strings.Contains(rest, "@") {
		return "", fmt.Errorf("%q must not have a user name: an origin is scheme://host[:port] only", s)
	}
	o, err := parseHostPort(scheme, rest)
	if err != nil {
		return "", fmt.Errorf("%q: %v", s, err)
	}
	return o.String(), nil
}

// origin is a parsed origin or allowed-origin pattern.
type origin struct {
	scheme   string
	host     string // lower-case; without the "*." of a wildcard; an IPv6 address in brackets
	port     int    // 0: the scheme's default
	wildcard bool   // the pattern *.host
}

func (o origin) String() string {
	h := o.host
	if o.wildcard {
		h = "*." + h
	}
	if o.port != 0 {
		h += ":" + strconv.Itoa(o.port)
	}
	return o.scheme + "://" + h
}

// matches reports whether the request origin r is allowed by pattern o.
func (o origin) matches(r origin) bool {
	if o.scheme != r.scheme || o.port != r.port {
		return false
	}
	if !o.wildcard {
		return o.host == r.host
	}
	// *.example.com: any name ending in .example.com, one label or more
	// before it; never example.com itself.
	return len(r.host) > len(o.host)+1 && strings.HasSuffix(r.host, o.host) && r.host[len(r.host)-len(o.host)-1] == '.'
}

// parseOrigin parses a browser's Origin header (or a stored pattern),
// leniently about case and a default port, strictly about everything else.
func parseOrigin(s string) (origin, bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return origin{}, false
	}
	scheme = strings.ToLower(scheme)
	if (scheme != "http" && scheme != "https") || strings.ContainsAny(rest, "/?#@") {
		return origin{}, false
	}
	o, err := parseHostPort(scheme, rest)
	return o, err == nil
}

func parseHostPort(scheme, hp string) (origin, error) {
	o := origin{scheme: scheme}
	host := hp
	if strings.HasPrefix(hp, "[") { // [v6] or [v6]:port
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return o, fmt.Errorf("an IPv6 address needs its closing ']'")
		}
		host = hp[1:end]
		switch rest := hp[end+1:]; {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			p, err := parsePort(rest[1:])
			if err != nil {
				return o, err
			}
			o.port = p
		default:
			return o, fmt.Errorf("unexpected %q after the IPv6 address", rest)
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return o, fmt.Errorf("%q is not an IPv6 address", host)
		}
		o.host = "[" + a.String() + "]"
	} else {
		if h, p, ok := strings.Cut(hp, ":"); ok {
			port, err := parsePort(p)
			if err != nil {
				return o, err
			}
			host, o.port = h, port
		}
		host = strings.ToLower(host)
		if rest, ok := strings.CutPrefix(host, "*."); ok {
			o.wildcard, host = true, rest
			if strings.Count(strings.TrimSuffix(host, "."), ".") < 1 {
				return o, fmt.Errorf("a wildcard must be followed by at least two labels, such as *.example.com")
			}
		}
		switch {
		case host == "":
			return o, fmt.Errorf("the host is missing")
		case strings.Contains(host, "*"):
			return o, fmt.Errorf("a wildcard is allowed only as the whole leftmost label, such as https://*.example.com")
		case strings.HasSuffix(host, "."):
			return o, fmt.Errorf("the host must not end with a dot")
		}
		if a, err := netip.ParseAddr(host); err == nil {
			if !a.Is4() || o.wildcard {
				return o, fmt.Errorf("%q: an IPv6 address goes in brackets, and an address cannot have a wildcard", host)
			}
		} else if !validHostname(host) || allDigits(host[strings.LastIndexByte(host, '.')+1:]) {
			// A top-level domain is never all digits: 1.2.3 is neither an
			// address nor a name.
			return o, fmt.Errorf("%q is not a host name or IP address", host)
		}
		o.host = host
	}
	if (scheme == "https" && o.port == 443) || (scheme == "http" && o.port == 80) {
		o.port = 0
	}
	return o, nil
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || !allDigits(p) || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q is not between 1 and 65535", p)
	}
	return n, nil
}
