package chat

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// session is a live chat held by this process: its participants, the
// WebSockets and inboxes items are delivered to, and its timers.
//
// Lock order: Service.mu, then session.mu, then an inbox's or a
// participant's own state (only ever taken under session.mu or alone).
// Backend calls for a chat's writes are made under session.mu, so items are
// stored in the order they are delivered. Listener calls are made outside it.
type session struct {
	svc              *Service
	contactID        string
	initialContactID string
	log              *slog.Logger

	mu           sync.Mutex
	ended        bool
	participants map[string]*participant // by participant ID
	customer     *participant            // nil only for chats without a customer, never in practice
	system       *participant            // the flow's SYSTEM participant, made on first use
	conns        map[*wsConn]struct{}
	inboxes      map[*inbox]struct{}
	messages     map[string]string // message ID → sender participant ID, for receipts
	receipts     map[receiptKey]struct{}
	lastTime     time.Time // AbsoluteTime of the last item: items never go back in time
	lastActivity time.Time // the customer's last post or live WebSocket, for InactivityTimeout
	idleTimer    *time.Timer
	maxTimer     *time.Timer
	done         chan struct{} // closed when the chat ends or the service closes
}

type receiptKey struct {
	messageID, participantID string
	read                     bool
}

// participant is a participant's live state.
type participant struct {
	rec       ParticipantRecord
	connected bool
	hidden    bool // the flow's SYSTEM participant: no joined/left events

	// rate limit: a token bucket
	tokens   float64
	refilled time.Time

	// idempotency: the items of the last ClientTokens seen
	clientTokens map[string]Item
	tokenOrder   []string
}

const maxClientTokens = 100

func (s *Service) newSession(rec ChatRecord, parts []ParticipantRecord, items []Item) *session {
	now := s.cfg.Now()
	ss := &session{
		svc:              s,
		contactID:        rec.ContactID,
		initialContactID: rec.InitialContactID,
		log:              s.log.With("contact", rec.ContactID),
		participants:     map[string]*participant{},
		conns:            map[*wsConn]struct{}{},
		inboxes:          map[*inbox]struct{}{},
		messages:         map[string]string{},
		receipts:         map[receiptKey]struct{}{},
		lastActivity:     now,
		done:             make(chan struct{}),
	}
	for _, pr := range parts {
		p := ss.addParticipantLocked(pr)
		switch pr.Role {
		case RoleCustomer:
			ss.customer = p
		case RoleSystem:
			if pr.DisplayName == DisplayNameSystem {
				p.hidden = true
				ss.system = p
			}
		}
	}
	for _, it := range items {
		ss.noteLocked(it)
	}
	if s.cfg.InactivityTimeout > 0 {
		ss.idleTimer = time.AfterFunc(s.cfg.InactivityTimeout, ss.onIdle)
	}
	if s.cfg.MaxDuration > 0 {
		left := max(rec.StartedAt.Add(s.cfg.MaxDuration).Sub(now), 0)
		ss.maxTimer = time.AfterFunc(left, ss.onExpired)
	}
	return ss
}

func (ss *session) addParticipantLocked(pr ParticipantRecord) *participant {
	p := &participant{rec: pr, tokens: float64(ss.svc.cfg.RateBurst), refilled: ss.svc.cfg.Now()}
	ss.participants[pr.ParticipantID] = p
	return p
}

// noteLocked records what later requests need to know about an item.
func (ss *session) noteLocked(it Item) {
	if t, err := time.Parse(TimeFormat, it.AbsoluteTime); err == nil && t.After(ss.lastTime) {
		ss.lastTime = t
	}
	switch it.Type {
	case TypeMessage:
		ss.messages[it.ID] = it.ParticipantID
	case TypeMessageMetadata:
		if md := it.MessageMetadata; md != nil {
			for _, r := range md.Receipts {
				ss.receipts[receiptKey{md.MessageID, r.RecipientParticipantID, r.ReadTimestamp != ""}] = struct{}{}
			}
		}
	}
}

// participant returns a participant in the chat; ErrParticipantLeft if
// it has left, ErrNotFound if it never joined.
func (ss *session) participant(id string) (*participant, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.participantLocked(id)
}

func (ss *session) participantLocked(id string) (*participant, error) {
	if ss.ended {
		return nil, ErrChatEnded
	}
	p := ss.participants[id]
	if p == nil {
		return nil, ErrNotFound
	}
	if p.rec.Left() {
		return nil, ErrParticipantLeft
	}
	return p, nil
}

// now returns the time for a new item: never before the previous item's,
// so AbsoluteTime order is delivery order.
func (ss *session) nowLocked() time.Time {
	t := ss.svc.cfg.Now().UTC().Truncate(time.Millisecond)
	if t.Before(ss.lastTime) {
		t = ss.lastTime
	}
	ss.lastTime = t
	return t
}

// post stores (when it belongs in the transcript) and delivers an item from
// p, or from nobody when p is nil (chat.ended). It fills the item's ID,
// time, contact and participant fields.
func (ss *session) post(ctx context.Context, p *participant, it Item) (Item, error) {
	ss.mu.Lock()
	it, err := ss.postLocked(ctx, p, it)
	ss.mu.Unlock()
	if err != nil {
		return Item{}, err
	}
	ss.svc.ln.ItemPosted(ctx, it)
	return it, nil
}

func (ss *session) postLocked(ctx context.Context, p *participant, it Item) (Item, error) {
	if ss.ended {
		return Item{}, ErrChatEnded
	}
	if p != nil && p.rec.Left() {
		return Item{}, ErrParticipantLeft
	}
	it = ss.stampLocked(p, it)
	if it.inTranscript() {
		if err := ss.svc.be.AppendItem(ctx, it); err != nil {
			return Item{}, err
		}
	}
	ss.noteLocked(it)
	ss.deliverLocked(it)
	return it, nil
}

// stampLocked fills an item's ID, time, contact and participant fields.
func (ss *session) stampLocked(p *participant, it Item) Item {
	now := ss.nowLocked()
	if it.ID == "" {
		it.ID = uuid.NewString()
	}
	it.AbsoluteTime = FormatTime(now)
	it.ContactID = ss.contactID
	it.InitialContactID = ss.initialContactID
	if p != nil {
		it.ParticipantID = p.rec.ParticipantID
		it.DisplayName = p.rec.DisplayName
		it.ParticipantRole = p.rec.Role
		if p == ss.customer {
			ss.lastActivity = now
		}
	}
	return it
}

// deliverLocked hands an item to the subscribed WebSockets and the inboxes.
// Typing indicators do not go back to their sender.
func (ss *session) deliverLocked(it Item) {
	if len(ss.conns) > 0 {
		frame := chatFrame(it)
		for c := range ss.conns {
			if !c.subscribed || (it.Is(EventTyping) && c.participantID == it.ParticipantID) {
				continue
			}
			c.enqueue(frame)
		}
	}
	for in := range ss.inboxes {
		in.offer(it)
	}
}

// chatFrame is the WebSocket frame that delivers an item: the item as a
// JSON string in "content" of topic aws/chat.
func chatFrame(it Item) []byte {
	b, _ := json.Marshal(it) // an Item always marshals
	f, _ := json.Marshal(struct {
		Topic   string `json:"topic"`
		Content string `json:"content"`
	}{"aws/chat", string(b)})
	return f
}

// allow takes a token from p's rate limit bucket.
func (ss *session) allowLocked(p *participant) bool {
	cfg := ss.svc.cfg
	if cfg.RateLimit < 0 {
		return true
	}
	now := cfg.Now()
	p.tokens = min(float64(cfg.RateBurst), p.tokens+now.Sub(p.refilled).Seconds()*cfg.RateLimit)
	p.refilled = now
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}

// send posts a message or an event from p, once per ClientToken: a retry
// with the same ClientToken gets the first item back. Posts past p's rate
// limit fail with ThrottlingException.
func (ss *session) send(ctx context.Context, p *participant, it Item, clientToken string) (Item, error) {
	ss.mu.Lock()
	if clientToken != "" {
		if prev, ok := p.clientTokens[clientToken]; ok {
			ss.mu.Unlock()
			return prev, nil
		}
	}
	if !ss.ended && !ss.allowLocked(p) {
		ss.mu.Unlock()
		return Item{}, throttled()
	}
	it, err := ss.postLocked(ctx, p, it)
	if err == nil && clientToken != "" {
		if p.clientTokens == nil {
			p.clientTokens = map[string]Item{}
		}
		if len(p.tokenOrder) >= maxClientTokens {
			delete(p.clientTokens, p.tokenOrder[0])
			p.tokenOrder = p.tokenOrder[1:]
		}
		p.clientTokens[clientToken] = it
		p.tokenOrder = append(p.tokenOrder, clientToken)
	}
	ss.mu.Unlock()
	if err != nil {
		return Item{}, err
	}
	ss.svc.ln.ItemPosted(ctx, it)
	return it, nil
}

// receipt posts p's delivered or read receipt for a message, once per
// (message, participant, kind). posted is false for a repeat or a receipt
// for p's own message, which are accepted and dropped.
func (ss *session) receipt(ctx context.Context, p *participant, messageID string, read bool) (it Item, posted bool, err error) {
	ss.mu.Lock()
	if ss.ended {
		ss.mu.Unlock()
		return Item{}, false, ErrChatEnded
	}
	sender, ok := ss.messages[messageID]
	if !ok {
		ss.mu.Unlock()
		return Item{}, false, notFound("The message does not exist in this chat.")
	}
	key := receiptKey{messageID, p.rec.ParticipantID, read}
	if _, dup := ss.receipts[key]; dup || sender == p.rec.ParticipantID {
		it := Item{ID: uuid.NewString(), AbsoluteTime: FormatTime(ss.nowLocked())}
		ss.mu.Unlock()
		return it, false, nil
	}
	if !ss.allowLocked(p) {
		ss.mu.Unlock()
		return Item{}, false, throttled()
	}
	r := Receipt{RecipientParticipantID: p.rec.ParticipantID}
	ts := FormatTime(ss.svc.cfg.Now())
	if read {
		r.ReadTimestamp = ts
	} else {
		r.DeliveredTimestamp = ts
	}
	it, err = ss.postLocked(ctx, p, Item{Type: TypeMessageMetadata, MessageMetadata: &MessageMetadata{MessageID: messageID, Receipts: []Receipt{r}}})
	ss.mu.Unlock()
	if err != nil {
		return Item{}, false, err
	}
	ss.svc.ln.ItemPosted(ctx, it)
	return it, true, nil
}

// connected marks p able to receive items live, telling the Listener the
// first time.
func (ss *session) connected(ctx context.Context, p *participant) {
	ss.mu.Lock()
	first := !p.connected && !ss.ended
	p.connected = true
	ss.mu.Unlock()
	if first {
		ss.svc.ln.ParticipantConnected(ctx, ss.contactID, p.rec.ParticipantID)
	}
}

// join adds a participant and posts its participant.joined event (none for
// hidden participants).
func (ss *session) join(ctx context.Context, pr ParticipantRecord, hidden bool) (*participant, error) {
	ss.mu.Lock()
	if ss.ended {
		ss.mu.Unlock()
		return nil, ErrChatEnded
	}
	if err := ss.svc.be.PutParticipant(ctx, pr); err != nil {
		ss.mu.Unlock()
		return nil, err
	}
	p := ss.addParticipantLocked(pr)
	p.hidden = hidden
	if hidden {
		ss.mu.Unlock()
		return p, nil
	}
	it, err := ss.postLocked(ctx, p, Item{Type: TypeEvent, ContentType: EventParticipantJoined})
	ss.mu.Unlock()
	if err != nil {
		return nil, err
	}
	ss.svc.ln.ItemPosted(ctx, it)
	return p, nil
}

// leave posts p's participant.left event and marks it left; its
// WebSockets close.
func (ss *session) leave(ctx context.Context, p *participant) error {
	ss.mu.Lock()
	it, err := ss.leaveLocked(ctx, p, true)
	ss.mu.Unlock()
	if err != nil {
		return err
	}
	if it.ID != "" {
		ss.svc.ln.ItemPosted(ctx, it)
	}
	return nil
}

// leaveLocked marks p left after posting its participant.left; with
// closeConns its WebSockets close once they have sent that.
func (ss *session) leaveLocked(ctx context.Context, p *participant, closeConns bool) (Item, error) {
	if ss.ended {
		return Item{}, ErrChatEnded
	}
	if p.rec.Left() {
		return Item{}, nil
	}
	var it Item
	if !p.hidden {
		var err error
		if it, err = ss.postLocked(ctx, p, Item{Type: TypeEvent, ContentType: EventParticipantLeft}); err != nil {
			return Item{}, err
		}
	}
	p.rec.LeftAt = ss.svc.cfg.Now()
	if err := ss.svc.be.PutParticipant(ctx, p.rec); err != nil {
		ss.log.Warn("recording that a participant left", "participant", p.rec.ParticipantID, "err", err)
	}
	if closeConns {
		for c := range ss.conns {
			if c.participantID == p.rec.ParticipantID {
				c.shut(websocket.StatusNormalClosure, "participant left", true)
			}
		}
	}
	return it, nil
}

// end ends the chat. When leaving is set, its participant.left (or, with
// leavingEvent, that event) is posted first; then chat.ended. WebSockets
// close once they have sent what was queued; inboxes return ErrChatEnded.
func (ss *session) end(ctx context.Context, reason string, leaving *participant, leavingEvent string) error {
	// The end is recorded even if the request that caused it goes away.
	ctx = context.WithoutCancel(ctx)
	ss.mu.Lock()
	if ss.ended {
		ss.mu.Unlock()
		return nil
	}
	var posted []Item
	if leaving != nil && !leaving.rec.Left() {
		if leavingEvent != "" {
			if it, err := ss.postLocked(ctx, leaving, Item{Type: TypeEvent, ContentType: leavingEvent}); err == nil {
				posted = append(posted, it)
			}
		}
		// Its sockets stay open for chat.ended; they close with the chat.
		if it, err := ss.leaveLocked(ctx, leaving, false); err == nil && it.ID != "" {
			posted = append(posted, it)
		}
	}
	// chat.ended is delivered even if it cannot be stored: the chat ends
	// all the same.
	it := ss.stampLocked(nil, Item{Type: TypeEvent, ContentType: EventChatEnded})
	if err := ss.svc.be.AppendItem(ctx, it); err != nil {
		ss.log.Error("storing chat.ended", "err", err)
	}
	ss.deliverLocked(it)
	posted = append(posted, it)
	ss.ended = true
	if err := ss.svc.be.EndChat(ctx, ss.contactID, reason, ss.svc.cfg.Now()); err != nil {
		ss.log.Error("recording the end of the chat", "reason", reason, "err", err)
	}
	ss.stopLocked(websocket.StatusNormalClosure, "chat ended", ErrChatEnded)
	ss.mu.Unlock()

	ss.svc.release(ss)
	for _, it := range posted {
		ss.svc.ln.ItemPosted(ctx, it)
	}
	ss.log.Info("chat ended", "reason", reason)
	ss.svc.ln.ChatEnded(ctx, ss.contactID, reason)
	return nil
}

// stopLocked stops the timers, closes the WebSockets (after what is queued)
// and the inboxes.
func (ss *session) stopLocked(code websocket.StatusCode, why string, inboxErr error) {
	if ss.idleTimer != nil {
		ss.idleTimer.Stop()
	}
	if ss.maxTimer != nil {
		ss.maxTimer.Stop()
	}
	for c := range ss.conns {
		c.shut(code, why, true)
	}
	for in := range ss.inboxes {
		in.close(inboxErr)
	}
	select {
	case <-ss.done:
	default:
		close(ss.done)
	}
}

// shutdown is the service closing: the chat goes on elsewhere or later.
func (ss *session) shutdown() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.stopLocked(websocket.StatusGoingAway, "service restarting", ErrClosed)
}

// customerLiveLocked reports whether the customer has a subscribed
// WebSocket: a customer with the chat open is present, silent or not.
func (ss *session) customerLiveLocked() bool {
	if ss.customer == nil {
		return false
	}
	for c := range ss.conns {
		if c.subscribed && c.participantID == ss.customer.rec.ParticipantID {
			return true
		}
	}
	return false
}

// onIdle ends the chat if the customer has been gone for the inactivity
// timeout — nothing posted and no WebSocket open — else waits for the rest
// of it.
func (ss *session) onIdle() {
	timeout := ss.svc.cfg.InactivityTimeout
	ss.mu.Lock()
	if ss.ended || ss.svc.closed.Load() {
		ss.mu.Unlock()
		return
	}
	if ss.customerLiveLocked() {
		ss.lastActivity = ss.svc.cfg.Now()
	}
	if idle := ss.svc.cfg.Now().Sub(ss.lastActivity); idle < timeout {
		ss.idleTimer.Reset(timeout - idle)
		ss.mu.Unlock()
		return
	}
	cust := ss.customer
	ss.mu.Unlock()
	ss.log.Info("customer inactive: ending the chat", "timeout", timeout)
	if err := ss.end(context.Background(), ReasonIdle, cust, EventAutoDisconnection); err != nil {
		ss.log.Error("ending an inactive chat", "err", err)
	}
}

// onExpired ends the chat at MaxDuration.
func (ss *session) onExpired() {
	if ss.svc.closed.Load() {
		return
	}
	if err := ss.end(context.Background(), ReasonExpired, nil, ""); err != nil {
		ss.log.Error("ending an expired chat", "err", err)
	}
}

// attach adds a WebSocket of a participant.
func (ss *session) attach(c *wsConn) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, err := ss.participantLocked(c.participantID); err != nil {
		return err
	}
	ss.conns[c] = struct{}{}
	return nil
}

func (ss *session) detach(c *wsConn) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if c.subscribed && ss.customer != nil && c.participantID == ss.customer.rec.ParticipantID {
		ss.lastActivity = ss.svc.cfg.Now() // the customer is gone from now
	}
	delete(ss.conns, c)
}

// subscribe starts live delivery to a WebSocket; reply is queued first, so
// the client sees its subscription confirmed before any item.
func (ss *session) subscribe(c *wsConn, reply []byte) {
	ss.mu.Lock()
	c.subscribed = true
	c.enqueue(reply)
	ss.mu.Unlock()
}

func (ss *session) unsubscribe(c *wsConn, reply []byte) {
	ss.mu.Lock()
	c.subscribed = false
	c.enqueue(reply)
	ss.mu.Unlock()
}

// addInbox registers an inbox; it is closed at once if the chat has ended.
func (ss *session) addInbox(in *inbox) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.ended {
		in.close(ErrChatEnded)
		return
	}
	ss.inboxes[in] = struct{}{}
}

func (ss *session) removeInbox(in *inbox) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.inboxes, in)
}
