package chat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// The headers of the participant API.
const (
	headerBearer    = "X-Amz-Bearer"
	headerRequestID = "X-Amzn-Requestid"
	headerErrorType = "X-Amzn-Errortype"
)

// corsAllowHeaders are the request headers a browser may send: those the
// AWS SDK inside chatjs adds (it signs requests with empty keys; the
// signature is ignored) and the bearer token.
const corsAllowHeaders = "authorization, content-type, x-amz-bearer, x-amz-date, x-amz-content-sha256, x-amz-user-agent, x-amz-security-token, amz-sdk-invocation-id, amz-sdk-request"

// corsExposeHeaders are the response headers a browser lets chatjs read.
const corsExposeHeaders = "x-amzn-requestid, x-amzn-errortype"

// maxBodyBytes bounds a request body: room for 16 KiB of content even if
// every character is JSON-escaped.
const maxBodyBytes = 128 << 10

// Handler returns the participant API: the Amazon Connect Participant
// Service endpoints under /participant/ and the participant WebSocket at
// /participant/ws. Mount it at the root of the participant host (chatjs
// is given that host as its endpoint).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /participant/connection", s.handleConnection)
	mux.HandleFunc("POST /participant/message", s.withConnection(s.handleMessage))
	mux.HandleFunc("POST /participant/event", s.withConnection(s.handleEvent))
	mux.HandleFunc("POST /participant/transcript", s.withConnection(s.handleTranscript))
	mux.HandleFunc("POST /participant/disconnect", s.withConnection(s.handleDisconnect))
	mux.HandleFunc("GET /participant/ws", s.handleWebSocket)
	for _, p := range []string{"start-attachment-upload", "complete-attachment-upload", "attachment"} {
		mux.HandleFunc("POST /participant/"+p, s.withConnection(func(w http.ResponseWriter, r *http.Request, _ *caller) {
			s.writeError(w, r, validation("Attachments are not enabled for this chat."))
		}))
	}
	mux.HandleFunc("OPTIONS /participant/", s.handlePreflight)
	mux.HandleFunc("/participant/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &APIError{Type: "UnknownOperationException", Status: http.StatusNotFound, Message: "Unknown operation " + r.Method + " " + r.URL.Path + "."})
	})
	return s.common(mux)
}

// common sets the headers every response carries: a request ID and CORS.
func (s *Service) common(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set(headerRequestID, uuid.NewString())
		if origin := s.allowOrigin(r); origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		if s.cfg.AllowedOrigin != "*" {
			h.Add("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}

// allowOrigin is the Access-Control-Allow-Origin to answer, "" for none.
func (s *Service) allowOrigin(r *http.Request) string {
	if s.cfg.AllowedOrigin == "*" {
		return "*"
	}
	if o := r.Header.Get("Origin"); strings.EqualFold(strings.TrimSuffix(o, "/"), strings.TrimSuffix(s.cfg.AllowedOrigin, "/")) {
		return o
	}
	return ""
}

func (s *Service) handlePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// writeJSON writes a 200 response.
func (s *Service) writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Debug("writing a participant API response", "err", err)
	}
}

// writeError writes err the way the Participant Service does: the status,
// X-Amzn-ErrorType and {"message": ...}. Server errors are logged with
// their cause; the client sees a generic message.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := apiError(err)
	if ae.Status >= 500 {
		s.log.Error("participant API", "path", r.URL.Path, "request", w.Header().Get(headerRequestID), "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(headerErrorType, ae.Type)
	w.WriteHeader(ae.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": ae.Message})
}

// decode reads a JSON request body into v. An empty body leaves v as it
// is. Unknown fields are ignored, as AWS services do.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	err := json.NewDecoder(body).Decode(v)
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &tooBig):
		return validation("The request body is larger than %d bytes.", maxBodyBytes)
	case errors.As(err, &typeErr):
		return validation("%s has the wrong type: want %s.", typeErr.Field, typeErr.Type)
	}
	return validation("The request body is not valid JSON.")
}

// caller is who a connection-token request comes from.
type caller struct {
	cred Credential
}

// session returns the caller's live session and participant, for
// requests that change the chat: ErrChatEnded once the chat has ended,
// ErrParticipantLeft once the participant has left (both AccessDenied).
func (c *caller) session(ctx context.Context, s *Service) (*session, *participant, error) {
	ss, err := s.session(ctx, c.cred.ContactID)
	if err != nil {
		return nil, nil, err
	}
	p, err := ss.participant(c.cred.ParticipantID)
	if err != nil {
		return nil, nil, err
	}
	return ss, p, nil
}

// withConnection authenticates a request by the connection token in
// X-Amz-Bearer. Any Authorization header is ignored: chatjs's AWS SDK signs
// with empty keys.
func (s *Service) withConnection(h func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cred, err := s.credential(r.Context(), KindConnection, r.Header.Get(headerBearer))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, &caller{cred: cred})
	}
}

// credential checks a token of a kind and returns what it grants. Missing,
// unknown, expired and wrong-kind tokens are AccessDenied.
func (s *Service) credential(ctx context.Context, kind TokenKind, token string) (Credential, error) {
	name := map[TokenKind]string{KindParticipant: "participant token", KindConnection: "connection token", KindWebSocket: "WebSocket URL"}[kind]
	if token == "" {
		return Credential{}, accessDenied("The "+name+" is missing: send it in the X-Amz-Bearer header.", nil)
	}
	if !tokenKindOK(kind, token) {
		return Credential{}, accessDenied("The "+name+" is not valid.", nil)
	}
	h := HashToken(token)
	cred, ok := s.creds.get(h)
	var err error
	if !ok {
		if cred, err = s.be.Credential(ctx, h); err == nil {
			s.creds.put(cred)
		}
	}
	if errors.Is(err, ErrNotFound) || (err == nil && cred.Kind != kind) {
		return Credential{}, accessDenied("The "+name+" is not valid.", nil)
	}
	if err != nil {
		return Credential{}, err
	}
	if cred.expired(s.cfg.Now()) {
		return Credential{}, accessDenied("The "+name+" has expired.", nil)
	}
	return cred, nil
}

// Connection types of /participant/connection.
const (
	connTypeWebSocket   = "WEBSOCKET"
	connTypeCredentials = "CONNECTION_CREDENTIALS"
)

type connectionRequest struct {
	Type               []string
	ConnectParticipant *bool
}

type websocketInfo struct {
	URL              string `json:"Url"`
	ConnectionExpiry string `json:"ConnectionExpiry"`
}

type connectionCredentials struct {
	ConnectionToken string `json:"ConnectionToken"`
	Expiry          string `json:"Expiry"`
}

type connectionResponse struct {
	Websocket             *websocketInfo         `json:"Websocket,omitempty"`
	ConnectionCredentials *connectionCredentials `json:"ConnectionCredentials,omitempty"`
}

// handleConnection is CreateParticipantConnection: the participant token
// buys a WebSocket URL and a connection token. Calling it again refreshes
// both; earlier connection tokens stay valid until they expire.
func (s *Service) handleConnection(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cred, err := s.credential(ctx, KindParticipant, r.Header.Get(headerBearer))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req connectionRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, t := range req.Type {
		if t != connTypeWebSocket && t != connTypeCredentials {
			s.writeError(w, r, validation("Type %q is not one of WEBSOCKET, CONNECTION_CREDENTIALS.", t))
			return
		}
	}
	c := &caller{cred: cred}
	ss, p, err := c.session(ctx, s)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.cfg.Now()
	var resp connectionResponse
	if slices.Contains(req.Type, connTypeWebSocket) {
		token, hash := newToken(KindWebSocket)
		exp := now.Add(s.cfg.WebSocketURLTTL)
		if err := s.be.PutCredential(ctx, Credential{Hash: hash, Kind: KindWebSocket, ContactID: cred.ContactID, ParticipantID: cred.ParticipantID, ExpiresAt: exp}); err != nil {
			s.writeError(w, r, err)
			return
		}
		resp.Websocket = &websocketInfo{URL: s.websocketURL(r, token), ConnectionExpiry: FormatTime(exp)}
	}
	if slices.Contains(req.Type, connTypeCredentials) {
		token, hash := newToken(KindConnection)
		exp := now.Add(s.cfg.ConnectionTokenTTL)
		if err := s.be.PutCredential(ctx, Credential{Hash: hash, Kind: KindConnection, ContactID: cred.ContactID, ParticipantID: cred.ParticipantID, ExpiresAt: exp}); err != nil {
			s.writeError(w, r, err)
			return
		}
		resp.ConnectionCredentials = &connectionCredentials{ConnectionToken: token, Expiry: FormatTime(exp)}
	}
	if req.ConnectParticipant != nil && *req.ConnectParticipant {
		ss.connected(ctx, p)
	}
	s.writeJSON(w, resp)
}

// websocketURL is the URL of the participant WebSocket for a token.
func (s *Service) websocketURL(r *http.Request, token string) string {
	base := s.cfg.WebSocketURL
	if base == "" {
		scheme := "ws"
		if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			scheme = "wss"
		}
		base = scheme + "://" + r.Host + "/participant/ws"
		if scheme == "ws" && !strings.HasPrefix(base, "ws://127.0.0.1:") {
			s.warnOnce.Do(func() {
				s.log.Warn("the participant WebSocket URL is plain ws:// on a host other than 127.0.0.1, which chatjs refuses: set the chat WebSocket URL to a wss:// URL or serve the participant API over TLS", "host", r.Host)
			})
		}
	}
	u, err := url.Parse(base)
	if err != nil { // Validate checked the configured URL; a bad Host header lands here
		return base + "?token=" + url.QueryEscape(token)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

type sendRequest struct {
	Content     string
	ContentType string
	ClientToken string
}

type sendResponse struct {
	ID           string `json:"Id"`
	AbsoluteTime string `json:"AbsoluteTime"`
}

// checkMessage validates a message's content type and size. Customers may
// send the interactive response type; members and flows also the
// interactive message type.
func (s *Service) checkMessage(contentType, content string, member bool) error {
	switch contentType {
	case ContentTextPlain, ContentTextMarkdown, ContentJSON, ContentInteractiveResponse:
	case ContentInteractive:
		if !member {
			return validation("ContentType %q is not supported.", contentType)
		}
	case "":
		return validation("ContentType is required.")
	default:
		return validation("ContentType %q is not supported: use text/plain, text/markdown, application/json or %s.", contentType, ContentInteractiveResponse)
	}
	if content == "" {
		return validation("Content is required.")
	}
	if len(content) > s.cfg.MaxContentBytes {
		return validation("Content is %d bytes; the maximum is %d.", len(content), s.cfg.MaxContentBytes)
	}
	return nil
}

func checkClientToken(t string) error {
	if len(t) > 500 {
		return validation("ClientToken is longer than 500 characters.")
	}
	return nil
}

// handleMessage is SendMessage.
func (s *Service) handleMessage(w http.ResponseWriter, r *http.Request, c *caller) {
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkMessage(req.ContentType, req.Content, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkClientToken(req.ClientToken); err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, p, err := c.session(r.Context(), s)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	it, err := ss.send(r.Context(), p, Item{Type: TypeMessage, ContentType: req.ContentType, Content: req.Content}, req.ClientToken)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, sendResponse{ID: it.ID, AbsoluteTime: it.AbsoluteTime})
}

// handleEvent is SendEvent: typing, connection acknowledged, and delivered
// and read receipts ({"messageId": "..."} in Content).
func (s *Service) handleEvent(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := r.Context()
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkClientToken(req.ClientToken); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Content) > s.cfg.MaxContentBytes {
		s.writeError(w, r, validation("Content is %d bytes; the maximum is %d.", len(req.Content), s.cfg.MaxContentBytes))
		return
	}
	var messageID string
	switch req.ContentType {
	case EventTyping, EventConnectionAcknowledged:
	case EventMessageDelivered, EventMessageRead:
		var rc struct {
			MessageID string `json:"messageId"`
		}
		if err := json.Unmarshal([]byte(req.Content), &rc); err != nil || rc.MessageID == "" {
			s.writeError(w, r, validation(`Content of a receipt must be {"messageId": "<message ID>"}.`))
			return
		}
		messageID = rc.MessageID
	case "":
		s.writeError(w, r, validation("ContentType is required."))
		return
	default:
		s.writeError(w, r, validation("ContentType %q is not an event a participant can send.", req.ContentType))
		return
	}
	ss, p, err := c.session(ctx, s)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var it Item
	switch req.ContentType {
	case EventTyping:
		it, err = ss.send(ctx, p, Item{Type: TypeEvent, ContentType: EventTyping}, req.ClientToken)
	case EventConnectionAcknowledged:
		ss.connected(ctx, p)
		it = Item{ID: uuid.NewString(), AbsoluteTime: FormatTime(s.cfg.Now())}
	default:
		it, _, err = ss.receipt(ctx, p, messageID, req.ContentType == EventMessageRead)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, sendResponse{ID: it.ID, AbsoluteTime: it.AbsoluteTime})
}

// handleDisconnect is DisconnectParticipant: the customer leaves, and the
// chat ends (participant.left, then chat.ended).
func (s *Service) handleDisconnect(w http.ResponseWriter, r *http.Request, c *caller) {
	var req struct{ ClientToken string }
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, p, err := c.session(r.Context(), s)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := ss.end(r.Context(), ReasonCustomerDisconnect, p, ""); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, struct{}{})
}
