package api

// The chat widget's public routes: what a page that embeds the widget with
// a snippet alone calls from the customer's browser, with no API key.
//
//	GET  /api/v1/widgets/{widgetId}       the widget's display configuration
//	POST /api/v1/widgets/{widgetId}/chat  start a chat (StartChatContact's answer)
//
// Each serves pages on the widget's allowedOrigins only (a refusal is
// readable by the page that was refused: see publicWidget), a disabled
// widget answers 403, chat starts are rate limited per widget and client, and a
// widget with requireToken needs a JWT its website's server signed with the
// widget's security key (which may also set the contact's attributes). The
// widgets themselves are an ordinary resource kind (core.ChatWidget, under
// /instances/{instanceId}/chat-widgets).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

type chatWidgetT = core.ChatWidget

// WidgetConfig is what GET /api/v1/widgets/{widgetId} answers: what the
// widget shows. PascalCase, like the chat API the widget also speaks.
type WidgetConfig struct {
	WidgetID    string `json:"WidgetId"`
	Title       string `json:"Title"`
	Color       string `json:"Color"`
	DisplayName string `json:"DisplayName"`
	// RequireToken says that a chat start needs a Token.
	RequireToken bool `json:"RequireToken"`
}

// WidgetChatInput is the body of POST /api/v1/widgets/{widgetId}/chat. The
// flow is the widget's; contact attributes come only from a token.
type WidgetChatInput struct {
	// ParticipantDetails.DisplayName is the customer's name; the widget's
	// displayName, then "Customer", when empty. At most 256 characters.
	ParticipantDetails ParticipantDetails `json:"ParticipantDetails"`
	// Token is a JWT (HS256) signed with the widget's security key: required
	// when the widget requires tokens. Its attributes claim (an object of
	// strings) becomes the contact's attributes.
	Token string `json:"Token,omitempty"`
}

// Rules of widget tokens.
const (
	widgetTokenMaxLifetime = 10 * time.Minute // exp - iat
	widgetTokenLeeway      = 30 * time.Second // clock skew allowed on exp, iat and nbf
	maxWidgetTokenBytes    = 64 << 10
	maxDisplayNameLen      = 256 // characters, as the chat service allows
	// widgetPreflightMaxAge is how long a browser may cache a preflight's
	// answer (Chromium caps it at 2 hours). A removed origin is refused at
	// once anyway: every request checks it again.
	widgetPreflightMaxAge = "7200"
)

func (s *Server) chatWidgetRoutes() []route {
	rs := crud(s, kindSpec[chatWidgetT, *chatWidgetT]{path: "chat-widgets", tag: "Chat widgets", one: "ChatWidget",
		repo: s.st.ChatWidgets, prepare: prepareChatWidget})
	return append(rs,
		route{method: "GET", path: "/api/v1/widgets/{widgetId}", op: "getWidgetConfig", tag: "Chat widgets",
			summary: "Public: a chat widget's display configuration, for a page on one of its allowedOrigins (CORS)",
			auth:    authNone, out: typeOf[WidgetConfig](), status: 200, handler: s.getWidgetConfig},
		route{method: "POST", path: "/api/v1/widgets/{widgetId}/chat", op: "startWidgetChat", tag: "Chat widgets",
			summary: "Public: start a chat through a chat widget, from a page on one of its allowedOrigins (CORS; rate limited; a token when the widget requires one)",
			auth:    authNone, in: typeOf[WidgetChatInput](), out: typeOf[StartChatOutput](), status: 201, handler: s.startWidgetChat},
	)
}

// mountWidgetPreflight answers the browsers' CORS preflights of the public
// widget routes. They are mounted on the mux directly, not declared in the
// route table: a preflight is part of CORS, not an operation of the API,
// so the OpenAPI document leaves it out.
func (s *Server) mountWidgetPreflight(mux *http.ServeMux) {
	mux.HandleFunc("OPTIONS /api/v1/widgets/{widgetId}", s.widgetPreflight)
	mux.HandleFunc("OPTIONS /api/v1/widgets/{widgetId}/chat", s.widgetPreflight)
}

// prepareChatWidget ignores the server-managed fields a client sent with a
// new widget, so that core.ChatWidget.Validate sees it as new (requireToken
// then needs a security key; an update may leave the stored key out).
func prepareChatWidget(_ context.Context, w, cur *core.ChatWidget) error {
	if cur == nil {
		w.Meta = core.Meta{}
	}
	return nil
}

func (s *Server) getWidgetConfig(w http.ResponseWriter, r *http.Request) {
	wd, ok := s.publicWidget(w, r, false)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, WidgetConfig{WidgetID: wd.ID, Title: wd.Title, Color: wd.Color,
		DisplayName: wd.DisplayName, RequireToken: wd.RequireToken})
}

func (s *Server) widgetPreflight(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.publicWidget(w, r, true); !ok {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "content-type")
	h.Set("Access-Control-Max-Age", widgetPreflightMaxAge)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) startWidgetChat(w http.ResponseWriter, r *http.Request) {
	wd, ok := s.publicWidget(w, r, false)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	// The limit is taken before anything else is looked at, so that
	// guessing tokens costs starts too.
	if s.widgetLimiter != nil {
		if ok, wait := s.widgetLimiter.allow(wd.ID, r.RemoteAddr); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			s.log.DebugContext(r.Context(), "widget chat rate limited", "widget", wd.ID, "remote", r.RemoteAddr)
			s.writeError(w, r, errStatus(http.StatusTooManyRequests, "rate_limited",
				"too many chats started from this address through this widget; try again in %d seconds", max(secs, 1)))
			return
		}
	}
	if s.chats == nil {
		s.writeError(w, r, errStatus(http.StatusServiceUnavailable, "unavailable", "this server does not start chats"))
		return
	}
	var in WidgetChatInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	name := strings.TrimSpace(in.ParticipantDetails.DisplayName)
	switch {
	case name == "" && wd.DisplayName != "":
		name = wd.DisplayName
	case name == "":
		name = "Customer"
	case utf8.RuneCountInString(name) > maxDisplayNameLen:
		s.writeError(w, r, core.Invalid("ParticipantDetails.DisplayName", "must be at most %d characters", maxDisplayNameLen))
		return
	case strings.ContainsFunc(name, unicode.IsControl):
		s.writeError(w, r, core.Invalid("ParticipantDetails.DisplayName", "must not contain control characters"))
		return
	}
	var attrs map[string]string
	switch {
	case in.Token == "" && wd.RequireToken:
		s.writeTokenError(w, r, "token_required", "is required: this chat widget starts chats only with a token signed with its security key")
		return
	case in.Token != "" && wd.SecurityKey == "":
		s.writeTokenError(w, r, "invalid_token", "cannot be checked: this chat widget has no security key")
		return
	case in.Token != "":
		var err error
		if attrs, err = s.verifyWidgetToken(wd, in.Token); err != nil {
			s.writeWidgetError(w, r, err)
			return
		}
	}
	if err := s.checkWidgetFlow(r.Context(), wd); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.chats.StartChat(r.Context(), wd.InstanceID, StartChatInput{ContactFlowID: wd.ContactFlowID,
		ParticipantDetails: ParticipantDetails{DisplayName: name}, Attributes: attrs})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "chat started through a widget", "widget", wd.ID, "instance", wd.InstanceID,
		"contact", out.ContactID, "signed", in.Token != "")
	writeJSON(w, http.StatusCreated, out)
}

// publicWidget finds the widget a public request names and checks the
// request's Origin against the widget's allowedOrigins, answering the
// request itself (and returning false) when it must go no further: 404
// for an unknown widget, 403 for an unlisted origin, for a chat start
// without an Origin and for a disabled widget.
//
// The origin check is the server's, on the request itself: a preflight of
// a known widget is answered for any origin, and a refusal carries
// Access-Control-Allow-Origin for the page that asked, so the widget can
// read why it was refused (a refusal the browser hides looks like a
// network failure). Nothing is given away by that: the answer is an
// error, and a script outside a browser sets whatever Origin it likes.
// The configuration (GET) is answered without an Origin too: browsers send
// none on a same-origin GET (the console's try page), and it holds only
// what the widget displays.
func (s *Server) publicWidget(w http.ResponseWriter, r *http.Request, preflight bool) (*core.ChatWidget, bool) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		if !preflight {
			h.Set("Access-Control-Expose-Headers", "Retry-After")
		}
	}
	id := r.PathValue("widgetId")
	if uuid.Validate(id) != nil { // no query for what cannot be a widget's ID
		s.writeError(w, r, errStatus(http.StatusNotFound, "not_found", "no such chat widget"))
		return nil, false
	}
	wd, err := s.st.ChatWidgetByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, r, errStatus(http.StatusNotFound, "not_found", "no such chat widget"))
		return nil, false
	} else if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	if preflight {
		return wd, true
	}
	switch {
	case origin == "" && r.Method != http.MethodGet:
		s.writeError(w, r, originError("the Origin header is missing: this chat widget starts chats only for browsers on the sites of its allowedOrigins"))
		return nil, false
	case origin != "" && !wd.AllowsOrigin(origin):
		s.writeError(w, r, originError(fmt.Sprintf("origin %q is not in this chat widget's allowedOrigins", origin)))
		return nil, false
	case wd.Disabled:
		s.writeError(w, r, errStatus(http.StatusForbidden, "widget_disabled", "this chat widget is disabled"))
		return nil, false
	}
	return wd, true
}

func originError(msg string) error {
	return &apiError{status: http.StatusForbidden, code: "origin_not_allowed", detail: "Origin: " + msg,
		fields: []core.FieldError{{Field: "Origin", Message: msg}}}
}

// checkWidgetFlow refuses, with StartChatContact's errors, a widget whose
// flow is not published or is no longer a CONTACT_FLOW (a flow's type can
// change after the widget was saved). The chat starter checks publication
// too; checking here first keeps the widget's answers the same whichever
// ChatStarter runs.
func (s *Server) checkWidgetFlow(ctx context.Context, wd *core.ChatWidget) error {
	f, err := s.st.Flows.Get(ctx, wd.InstanceID, wd.ContactFlowID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return core.Invalid("ContactFlowId", "names no flow of this instance")
	case err != nil:
		return err
	case f.Type != core.FlowContact:
		return core.Invalid("ContactFlowId", "flow %s is a %s flow, not a %s", f.Name, f.Type, core.FlowContact)
	case f.PublishedVersion == 0:
		return core.Invalid("ContactFlowId", "flow %s is not published", f.Name)
	}
	return nil
}

// widgetClaims are the claims of a widget token: the registered ones and
// the contact's attributes.
type widgetClaims struct {
	jwt.RegisteredClaims
	// Attributes is kept raw so that a malformed one is reported as such,
	// after the signature is verified, rather than as a malformed token.
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// verifyWidgetToken checks a widget token and returns its attributes. The
// token must be a JWT signed with HS256 (no other algorithm, "none"
// least of all) with the widget's security key, whose sub is the widget's
// ID, with iat and exp, not expired, living at most 10 minutes; 30 seconds
// of clock skew are allowed. github.com/golang-jwt/jwt/v5 does the parsing,
// the signature and the standard claims: JOSE parsing is easy to get subtly
// wrong (algorithm confusion, "none"), and it is the library most Go code
// uses for it, with no dependencies of its own.
func (s *Server) verifyWidgetToken(wd *core.ChatWidget, token string) (map[string]string, error) {
	if len(token) > maxWidgetTokenBytes {
		return nil, tokenError("invalid_token", fmt.Sprintf("must be at most %d bytes", maxWidgetTokenBytes))
	}
	var claims widgetClaims
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithSubject(wd.ID), jwt.WithLeeway(widgetTokenLeeway), jwt.WithTimeFunc(s.clock))
	tok, err := p.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return []byte(wd.SecurityKey), nil })
	if err != nil {
		return nil, tokenError("invalid_token", tokenProblem(tok, err))
	}
	if claims.IssuedAt == nil {
		return nil, tokenError("invalid_token", "lacks the iat claim (when it was issued), which is required")
	}
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life > widgetTokenMaxLifetime {
		return nil, tokenError("invalid_token", fmt.Sprintf("lives %s (exp - iat); at most %s is allowed", life, widgetTokenMaxLifetime))
	}
	raw := strings.TrimSpace(string(claims.Attributes))
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var attrs map[string]string
	if err := json.Unmarshal(claims.Attributes, &attrs); err != nil {
		return nil, core.Invalid("Token.attributes", "must be an object of string keys and string values")
	}
	if err := checkAttributes(attrs); err != nil {
		return nil, renameField(err, "Attributes", "Token.attributes")
	}
	return attrs, nil
}

// tokenProblem says what is wrong with a token the parser refused.
func tokenProblem(tok *jwt.Token, err error) string {
	alg := ""
	if tok != nil {
		alg, _ = tok.Header["alg"].(string)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "is not a well-formed JWT (three base64url parts: header, claims, signature)"
	case alg != jwt.SigningMethodHS256.Alg():
		return fmt.Sprintf("must be signed with HS256, not %q", alg)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "has a signature that does not match this chat widget's security key"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		for _, c := range []string{"exp", "sub"} {
			if strings.Contains(err.Error(), c+" claim") {
				return "lacks the " + c + " claim, which is required"
			}
		}
		return "lacks a required claim"
	case errors.Is(err, jwt.ErrTokenInvalidSubject):
		return "has a sub claim that is not this chat widget's ID"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "has expired (exp)"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "was issued in the future (iat)"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "is not valid yet (nbf)"
	}
	return "is not valid: " + err.Error()
}

// tokenError is a 401 naming the Token field.
func tokenError(code, msg string) error {
	return &apiError{status: http.StatusUnauthorized, code: code, detail: "Token: " + msg,
		fields: []core.FieldError{{Field: "Token", Message: msg}}}
}

func (s *Server) writeTokenError(w http.ResponseWriter, r *http.Request, code, msg string) {
	s.writeWidgetError(w, r, tokenError(code, msg))
}

// writeWidgetError is writeError with the challenge RFC 9110 asks of a 401
// (the credential here is the body's Token, not an Authorization header).
func (s *Server) writeWidgetError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard-widget", error="invalid_token"`)
	}
	s.writeError(w, r, err)
}
