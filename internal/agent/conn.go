package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// sendQueue bounds the frames waiting for a slow client; past it the
// connection is closed (the agent resumes and gets the events replayed).
const sendQueue = 512

// SessionCookie is the web console's session cookie (internal/api): its
// value is a session token, as hello's.
const SessionCookie = "sb_session"

// conn is one WebSocket connection of an agent.
type conn struct {
	cookieToken string // the session cookie of the upgrade request, if any
	ws          *websocket.Conn
	out         chan []byte
	done        chan struct{}
	once        sync.Once
	reason      string
}

func newConn(ws *websocket.Conn) *conn {
	return &conn{ws: ws, out: make(chan []byte, sendQueue), done: make(chan struct{})}
}

// send queues a message without blocking.
func (c *conn) send(m Message) {
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.out <- encode(m):
	default:
		c.closeWith("too slow")
	}
}

func (c *conn) close() { c.closeWith("") }

func (c *conn) closeWith(reason string) {
	c.once.Do(func() {
		c.reason = reason
		close(c.done)
	})
}

// writeLoop writes queued frames until the connection is closed, then
// flushes what is queued and closes the socket.
func (c *conn) writeLoop() {
	write := func(f []byte) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return c.ws.Write(ctx, websocket.MessageText, f) == nil
	}
	for {
		select {
		case f := <-c.out:
			if !write(f) {
				c.close()
				c.ws.CloseNow()
				return
			}
		case <-c.done:
			if c.reason == "too slow" {
				_ = c.ws.Close(websocket.StatusPolicyViolation, c.reason)
				return
			}
			for {
				select {
				case f := <-c.out:
					if !write(f) {
						c.ws.CloseNow()
						return
					}
				default:
					code := websocket.StatusNormalClosure
					if c.reason != "" {
						code = websocket.StatusPolicyViolation
					}
					_ = c.ws.Close(code, c.reason)
					return
				}
			}
		}
	}
}

// front accepts agent connections and hands each, once it has said
// hello, to the hub of its session's instance.
type front struct {
	auth         *Authenticator
	maxBytes     int
	helloTimeout time.Duration
	pick         func(Session) *Hub // nil: not served here
}

// ServeHTTP upgrades to the agent WebSocket (GET /api/v1/agent) for this
// hub's instance.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := front{auth: h.cfg.Auth, maxBytes: h.cfg.MaxMessageBytes, helloTimeout: h.cfg.HelloTimeout,
		pick: func(s Session) *Hub {
			if h.cfg.InstanceID != "" && s.InstanceID != h.cfg.InstanceID {
				return nil
			}
			return h
		}}
	f.serveHTTP(w, r)
}

// Mux serves the agent WebSocket of every instance: after hello it hands
// the connection to the hub of the session's instance. Limits before hello
// are the package defaults; after, the hub's.
type Mux struct {
	Auth *Authenticator
	// Hub returns the hub of an instance, nil when this process does not
	// serve it (the agent gets unavailable).
	Hub func(instanceID string) *Hub
}

// ServeHTTP upgrades to the agent WebSocket (GET /api/v1/agent).
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := front{auth: m.Auth, maxBytes: DefaultMaxMessageBytes, helloTimeout: DefaultHelloTimeout,
		pick: func(s Session) *Hub { return m.Hub(s.InstanceID) }}
	f.serveHTTP(w, r)
}

func (f front) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	ws.SetReadLimit(int64(f.maxBytes) * 16)
	c := newConn(ws)
	// A console on this server's origin may authenticate with its session
	// cookie instead of a token in hello (the token then never reaches page
	// scripts). Accept refused cross-origin upgrades above, so a cookie
	// cannot be used by another site's page.
	if ck, err := r.Cookie(SessionCookie); err == nil {
		c.cookieToken = ck.Value
	}
	var wg sync.WaitGroup
	wg.Go(c.writeLoop)
	f.serve(r.Context(), c)
	c.close()
	wg.Wait()
}

// serve reads the client's messages until the connection ends.
func (f front) serve(ctx context.Context, c *conn) {
	// When we close the connection (replaced, too slow, hub closed), the
	// write loop sends what is queued and the close frame; Read then fails.
	// Cancelling Read's context instead would drop the socket at once.
	var (
		h    *Hub
		a    *agentState
		sess Session
	)
	defer func() {
		if a != nil {
			h.detach(a, c)
		}
	}()
	timeout, maxBytes := f.helloTimeout, f.maxBytes
	for {
		rctx, rcancel := context.WithTimeout(ctx, timeout)
		typ, data, err := c.ws.Read(rctx)
		rcancel()
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.send(errorReply("", CodeBadRequest, "frames must be text"))
			continue
		}
		if len(data) > maxBytes {
			c.send(errorReply(requestID(data), CodeTooLarge, fmt.Sprintf("a message may have at most %d bytes", maxBytes)))
			continue
		}
		var req request
		if err := json.Unmarshal(data, &req); err != nil {
			c.send(errorReply(req.ID, CodeBadRequest, "not a valid message: "+err.Error()))
			continue
		}
		if req.V != Version {
			c.send(errorReply(req.ID, CodeUnsupportedVersion, fmt.Sprintf("protocol version %d is not supported; use \"v\":%d", req.V, Version)))
			continue
		}
		if req.Type == TypeHello || req.Type == TypeResume {
			token := req.Token
			if token == "" {
				token = c.cookieToken
			}
			s, nh, err := f.session(token)
			if err == nil && a != nil && (nh != h || s.UserID != a.id) {
				err = fail(CodeInvalid, "this connection already belongs to another agent")
			}
			var na *agentState
			if err == nil {
				na, err = nh.hello(c, req, s)
			}
			if err != nil {
				c.send(errorReply(req.ID, codeOf(err), errText(err)))
				continue
			}
			h, a, sess = nh, na, s
			timeout, maxBytes = h.cfg.IdleTimeout, h.cfg.MaxMessageBytes
			continue
		}
		if a == nil {
			if !knownType(req.Type) {
				c.send(errorReply(req.ID, CodeUnknownType, fmt.Sprintf("unknown message type %q", req.Type)))
			} else {
				c.send(errorReply(req.ID, CodeUnauthenticated, "say hello with a session token first"))
			}
			continue
		}
		if _, err := f.auth.Session(sess.token); err != nil {
			c.send(errorReply(req.ID, CodeUnauthenticated, "the session has expired; log in again"))
			return
		}
		ack, err := h.handle(ctx, a, req)
		if err != nil {
			c.send(errorReply(req.ID, codeOf(err), errText(err)))
			continue
		}
		ack.V, ack.Type, ack.Re = Version, TypeAck, req.ID
		c.send(ack)
	}
}

// session authenticates a hello's token and finds its hub.
func (f front) session(token string) (Session, *Hub, error) {
	if f.auth == nil {
		return Session{}, nil, fail(CodeUnauthenticated, "no authenticator configured")
	}
	s, err := f.auth.Session(token)
	if err != nil {
		return Session{}, nil, fail(CodeUnauthenticated, "the session token is not valid")
	}
	s.token = token
	h := f.pick(s)
	if h == nil {
		return Session{}, nil, fail(CodeUnavailable, "this server does not serve the session's instance")
	}
	return s, h, nil
}

// requestID is the id of a message that is refused as a whole, when it
// can be read, so the reply still correlates.
func requestID(data []byte) string {
	var r struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &r)
	return r.ID
}

func knownType(t string) bool {
	return slices.Contains([]string{TypeHello, TypeResume, TypeSetState, TypeAccept, TypeReject, TypeEndContact,
		TypeCompleteACW, TypeSendMessage, TypeTyping, TypeTransfer, TypeHeartbeat, TypeRead, TypeDelivered,
		TypeRTCOffer, TypeRTCCandidate, TypeHold, TypeUnhold, TypeMute, TypeUnmute, TypeSendDigits, TypeDial,
		TypeConsult, TypeConference, TypeCancelConsult, TypeListQuickConnects, TypeGetTranscript}, t)
}

// errText is the message of an error reply: ours as is, others by code.
func errText(err error) string {
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.msg
	}
	if codeOf(err) == CodeInternal {
		return "internal error; see the server log"
	}
	return err.Error()
}

func errorReply(re, code, msg string) Message {
	return Message{V: Version, Type: TypeError, Re: re, Code: code, Error: msg}
}

// hello authenticates a connection, attaches it to its agent (replacing
// any other connection of the agent) and sends welcome, then the missed
// events on resume.
func (h *Hub) hello(c *conn, req request, s Session) (*agentState, error) {
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer cancel()
	snap, err := h.cfg.Router.Agent(ctx, s.UserID)
	if errors.Is(err, routing.ErrUnknownAgent) && h.cfg.Sync != nil {
		if serr := h.cfg.Sync(ctx); serr != nil {
			h.log.Warn("hello: sync the router's configuration", "agent", s.UserID, "err", serr)
		}
		snap, err = h.cfg.Router.Agent(ctx, s.UserID)
	}
	if err != nil {
		if errors.Is(err, routing.ErrUnknownAgent) {
			return nil, fail(CodeUnauthenticated, "this user is not an agent (no routing profile)")
		}
		return nil, err
	}
	statuses := h.statuses(ctx)
	a := h.agent(s.UserID, true)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.name, a.username = s.DisplayName, s.Username
	if a.conn != nil && a.conn != c {
		a.conn.send(errorReply("", CodeSessionReplaced, "this agent connected again elsewhere"))
		a.conn.closeWith("replaced")
	}
	a.conn = c
	a.graceGen++ // cancels a pending grace timer

	resumed := false
	var replay []Message
	if req.Type == TypeResume && req.LastSeq != nil {
		last := *req.LastSeq
		oldest := a.seq + 1
		if len(a.buf) > 0 {
			oldest = a.buf[0].Seq
		}
		if last <= a.seq && last+1 >= oldest {
			resumed = true
			for _, m := range a.buf {
				if m.Seq > last {
					replay = append(replay, m)
				}
			}
		}
	}
	w := Message{
		V: Version, Type: TypeWelcome, Re: req.ID, Time: h.cfg.Clock.Now(),
		Agent:   &AgentInfo{ID: s.UserID, Username: s.Username, DisplayName: s.DisplayName, InstanceID: s.InstanceID},
		State:   &State{Status: snap.Status, System: snap.System, Since: snap.StatusSince},
		Profile: &ProfileInfo{RoutingProfileID: snap.ProfileID, AutoAccept: snap.AutoAccept, ACWTimeoutSeconds: int64(snap.ACWTimeout / time.Second)},
		Resumed: &resumed, LastSeq: a.seq, Statuses: statuses,
	}
	for _, sl := range snap.Slots {
		w.Contacts = append(w.Contacts, ContactView{
			ContactID: sl.ContactID, Channel: sl.Channel, QueueID: sl.QueueID, PersonalQueue: sl.PersonalQueue,
			State: sl.State, Since: sl.Since, ExpiresAt: sl.Deadline,
		})
	}
	c.send(w)
	for _, m := range replay {
		c.send(m)
	}
	// The agent's chats relay to it again (after a restart of this process
	// the hub starts with no memberships; otherwise this is a no-op).
	if h.cfg.Chats != nil {
		for _, sl := range snap.Slots {
			if sl.State == routing.SlotConnected && sl.Channel == string(contact.Chat) {
				h.wg.Go(func() { h.joinChat(a, sl.ContactID) })
			}
		}
	}
	return a, nil
}

// detach ends a connection's hold on its agent: if it is still the
// agent's connection, the grace period starts.
func (h *Hub) detach(a *agentState, c *conn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn != c {
		return
	}
	a.conn = nil
	a.graceGen++
	gen := a.graceGen
	t := h.cfg.Clock.NewTimer(h.cfg.GracePeriod)
	h.wg.Go(func() {
		defer t.Stop()
		select {
		case <-t.C():
		case <-h.ctx.Done():
			return
		}
		a.mu.Lock()
		expired := a.graceGen == gen && a.conn == nil
		a.mu.Unlock()
		if !expired {
			return
		}
		ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
		defer cancel()
		if err := h.cfg.Router.SetStatus(ctx, a.id, routing.StatusOffline); err != nil {
			h.log.Warn("grace period over: set agent offline", "agent", a.id, "err", err)
		}
	})
}

// slot returns the agent's slot for a contact, or not_your_contact.
func (h *Hub) slot(ctx context.Context, a *agentState, contactID string) (routing.SlotSnapshot, error) {
	if contactID == "" {
		return routing.SlotSnapshot{}, fail(CodeInvalid, "contactId is required")
	}
	snap, err := h.cfg.Router.Agent(ctx, a.id)
	if err != nil {
		return routing.SlotSnapshot{}, err
	}
	for _, s := range snap.Slots {
		if s.ContactID == contactID {
			return s, nil
		}
	}
	return routing.SlotSnapshot{}, fail(CodeNotYourContact, "contact "+contactID+" is not yours")
}

// connected returns the agent's connected slot for a contact.
func (h *Hub) connected(ctx context.Context, a *agentState, contactID string) (routing.SlotSnapshot, error) {
	s, err := h.slot(ctx, a, contactID)
	if err != nil {
		return s, err
	}
	if s.State != routing.SlotConnected {
		return s, fail(CodeNotConnected, fmt.Sprintf("contact %s is %s, not connected", contactID, s.State))
	}
	return s, nil
}

// chatMember returns the agent's membership of a connected chat contact.
func (h *Hub) chatMember(ctx context.Context, a *agentState, contactID string) (ChatMember, error) {
	s, err := h.connected(ctx, a, contactID)
	if err != nil {
		return nil, err
	}
	if s.Channel != string(contact.Chat) || h.cfg.Chats == nil {
		return nil, fail(CodeNotChat, "contact "+contactID+" is not a chat")
	}
	m, err := h.member(a, contactID)
	if err != nil {
		return nil, &codeError{code: CodeChatFailed, msg: err.Error()}
	}
	return m, nil
}

// handle runs one request of an authenticated agent and returns the ack.
func (h *Hub) handle(ctx context.Context, a *agentState, req request) (Message, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r := h.cfg.Router
	switch req.Type {
	case TypeHeartbeat:
		return Message{Time: h.cfg.Clock.Now()}, nil
	case TypeSetState:
		if req.Status == "" {
			return Message{}, fail(CodeInvalid, "status is required")
		}
		return Message{}, r.SetStatus(ctx, a.id, req.Status)
	case TypeAccept, TypeReject:
		s, err := h.slot(ctx, a, req.ContactID)
		if err != nil {
			return Message{}, err
		}
		if s.State != routing.SlotPending {
			return Message{}, fail(CodeNoOffer, fmt.Sprintf("contact %s is %s, not offered", req.ContactID, s.State))
		}
		if req.Type == TypeAccept {
			return Message{}, r.Accept(ctx, a.id, req.ContactID)
		}
		return Message{}, r.Reject(ctx, a.id, req.ContactID)
	case TypeEndContact:
		s, err := h.connected(ctx, a, req.ContactID)
		if err != nil {
			return Message{}, err
		}
		if h.cfg.Contacts != nil {
			if _, err := h.cfg.Contacts.Disconnect(ctx, h.cfg.InstanceID, req.ContactID, contact.AgentDisconnect); err != nil {
				h.log.Warn("agent ends contact", "agent", a.id, "contact", req.ContactID, "err", err)
				return Message{}, err
			}
		}
		if s.Channel == string(contact.Chat) && h.cfg.Chats != nil {
			if err := h.cfg.Chats.EndChat(ctx, h.chatID(ctx, req.ContactID), string(contact.AgentDisconnect)); err != nil {
				h.log.Debug("agent ends chat", "contact", req.ContactID, "err", err)
			}
		}
		return Message{}, r.EndContact(ctx, req.ContactID)
	case TypeCompleteACW:
		s, err := h.slot(ctx, a, req.ContactID)
		if err != nil {
			return Message{}, err
		}
		if s.State != routing.SlotAfterContactWork {
			return Message{}, fail(CodeNoACW, fmt.Sprintf("contact %s is %s, not in after-contact work", req.ContactID, s.State))
		}
		if n := utf8.RuneCountInString(req.Notes); n > MaxNotes {
			return Message{}, fail(CodeInvalid, fmt.Sprintf("notes may have at most %d characters (%d)", MaxNotes, n))
		}
		// The notes become the contact's description, in its record.
		if req.Notes != "" && h.cfg.Contacts != nil {
			notes := req.Notes
			if _, err := h.cfg.Contacts.UpdateData(ctx, h.cfg.InstanceID, req.ContactID, contact.DataUpdate{Description: &notes}); err != nil {
				h.log.Warn("agent's notes", "agent", a.id, "contact", req.ContactID, "err", err)
				return Message{}, err
			}
		}
		if err := r.CompleteACW(ctx, a.id, req.ContactID); err != nil {
			return Message{}, err
		}
		if h.cfg.Contacts != nil {
			h.completeContactACW(ctx, a.id, req.ContactID)
		}
		return Message{}, nil
	case TypeSendMessage:
		if req.Content == "" {
			return Message{}, fail(CodeInvalid, "content is required")
		}
		m, err := h.chatMember(ctx, a, req.ContactID)
		if err != nil {
			return Message{}, err
		}
		it, err := m.Send(ctx, req.ContentType, req.Content)
		if err != nil {
			return Message{}, &codeError{code: CodeChatFailed, msg: err.Error()}
		}
		return Message{MessageID: it.ID}, nil
	case TypeRead, TypeDelivered:
		return h.receipt(ctx, a, req)
	case TypeListQuickConnects:
		return h.quickConnects(ctx, a.id)
	case TypeGetTranscript:
		return h.transcript(ctx, a, req.ContactID)
	case TypeTyping:
		m, err := h.chatMember(ctx, a, req.ContactID)
		if err != nil {
			return Message{}, err
		}
		if err := m.Typing(ctx); err != nil {
			return Message{}, &codeError{code: CodeChatFailed, msg: err.Error()}
		}
		return Message{}, nil
	case TypeTransfer:
		to := TransferTarget{QueueID: req.QueueID, AgentID: req.AgentID, QuickConnectID: req.QuickConnectID, FlowID: req.FlowID,
			PhoneNumber: req.PhoneNumber}
		if to.count() != 1 {
			return Message{}, fail(CodeInvalid, "exactly one of queueId, agentId, quickConnectId, flowId and phoneNumber is required")
		}
		s, err := h.connected(ctx, a, req.ContactID)
		if err != nil {
			return Message{}, err
		}
		if to.PhoneNumber != "" && s.Channel != string(contact.Voice) {
			return Message{}, fail(CodeNotVoice, "only calls are transferred to a phone number")
		}
		if h.cfg.Transfers != nil {
			next, err := h.cfg.Transfers.Transfer(ctx, a.id, req.ContactID, to)
			return Message{NextContactID: next}, err
		}
		if to.QuickConnectID != "" || to.FlowID != "" || to.PhoneNumber != "" {
			return Message{}, fail(CodeTargetUnavailable, "this server transfers to queues and agents only")
		}
		return Message{}, r.Transfer(ctx, req.ContactID, routing.Target{QueueID: to.QueueID, AgentID: to.AgentID})
	case TypeRTCOffer, TypeRTCCandidate, TypeHold, TypeUnhold, TypeMute, TypeUnmute, TypeSendDigits, TypeDial,
		TypeConsult, TypeConference, TypeCancelConsult:
		return h.voice(ctx, a, req)
	}
	return Message{}, fail(CodeUnknownType, fmt.Sprintf("unknown message type %q", req.Type))
}

// voice runs the softphone's signalling and the call controls.
func (h *Hub) voice(ctx context.Context, a *agentState, req request) (Message, error) {
	v := h.cfg.Voice
	if v == nil {
		return Message{}, fail(CodeNoVoice, "voice is not served here")
	}
	switch req.Type {
	case TypeRTCOffer:
		if req.SDP == "" {
			return Message{}, fail(CodeInvalid, "sdp is required")
		}
		answer, err := v.RTCOffer(ctx, a.id, req.SDP)
		return Message{SDP: answer}, err
	case TypeRTCCandidate:
		if req.Candidate == nil {
			return Message{}, fail(CodeInvalid, "candidate is required")
		}
		return Message{}, v.RTCCandidate(ctx, a.id, *req.Candidate)
	case TypeDial:
		if req.PhoneNumber == "" {
			return Message{}, fail(CodeInvalid, "phoneNumber is required")
		}
		id, err := v.Dial(ctx, a.id, req.PhoneNumber, req.QueueID)
		return Message{ContactID: id}, err
	}
	s, err := h.connected(ctx, a, req.ContactID)
	if err != nil {
		return Message{}, err
	}
	if s.Channel != string(contact.Voice) {
		return Message{}, fail(CodeNotVoice, "contact "+req.ContactID+" is not a call")
	}
	switch req.Type {
	case TypeHold, TypeUnhold:
		return Message{}, v.Hold(ctx, a.id, req.ContactID, req.Type == TypeHold)
	case TypeMute, TypeUnmute:
		return Message{}, v.Mute(ctx, a.id, req.ContactID, req.Type == TypeMute)
	case TypeConsult:
		to := TransferTarget{QueueID: req.QueueID, AgentID: req.AgentID, QuickConnectID: req.QuickConnectID, PhoneNumber: req.PhoneNumber}
		if to.count() != 1 {
			return Message{}, fail(CodeInvalid, "exactly one of queueId, agentId, quickConnectId and phoneNumber is required")
		}
		next, err := v.Consult(ctx, a.id, req.ContactID, to)
		return Message{NextContactID: next}, err
	case TypeConference:
		return Message{}, v.Conference(ctx, a.id, req.ContactID)
	case TypeCancelConsult:
		return Message{}, v.CancelConsult(ctx, a.id, req.ContactID)
	default: // TypeSendDigits
		if req.Digits == "" || strings.Trim(strings.ToUpper(req.Digits), "0123456789*#ABCD,") != "" {
			return Message{}, fail(CodeInvalid, "digits must be 0-9, *, #, A-D or ',' (a pause)")
		}
		return Message{}, v.SendDigits(ctx, a.id, req.ContactID, req.Digits)
	}
}

// completeContactACW ends the contact's after-contact work after the
// router's. The router's can start first: a call's hang-up is recorded on
// the contact by the call's goroutine, which may come after the agent's
// endContact reached the router, and a completeAcw sent in between finds
// the contact still CONNECTED. Such a refusal is retried in the background
// (every 50 ms, for up to 10 s) until the contact is in after-contact work,
// rather than leaving it there for good.
func (h *Hub) completeContactACW(ctx context.Context, agentID, contactID string) {
	_, err := h.cfg.Contacts.CompleteAfterContactWork(ctx, h.cfg.InstanceID, contactID)
	var te *contact.TransitionError
	if err == nil || !errors.As(err, &te) || te.State != contact.Connected {
		if err != nil {
			h.log.Warn("agent completes after-contact work", "agent", agentID, "contact", contactID, "err", err)
		}
		return
	}
	h.wg.Go(func() {
		ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
		defer cancel()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				h.log.Warn("agent completes after-contact work: the contact never left CONNECTED", "agent", agentID, "contact", contactID)
				return
			case <-tick.C:
			}
			_, err := h.cfg.Contacts.CompleteAfterContactWork(ctx, h.cfg.InstanceID, contactID)
			if err == nil {
				return
			}
			if !errors.As(err, &te) || te.State != contact.Connected {
				h.log.Warn("agent completes after-contact work", "agent", agentID, "contact", contactID, "err", err)
				return
			}
		}
	})
}
