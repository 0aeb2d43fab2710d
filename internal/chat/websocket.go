package chat

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The WebSocket topics chatjs's WebSocket manager uses.
const (
	topicChat        = "aws/chat"
	topicSubscribe   = "aws/subscribe"
	topicUnsubscribe = "aws/unsubscribe"
	topicHeartbeat   = "aws/heartbeat"
	topicPing        = "aws/ping"
)

// wsSendQueue bounds the frames queued for one WebSocket. A client that
// falls this far behind is disconnected; chatjs reconnects and fetches the
// transcript. (A chat posts a few items a second; the queue is allocated
// with the socket, so it is kept small for many idle chats.)
const wsSendQueue = 64

// wsWriteTimeout bounds one frame write.
const wsWriteTimeout = 10 * time.Second

// wsConn is one participant WebSocket.
type wsConn struct {
	conn          *websocket.Conn
	participantID string
	send          chan []byte
	subscribed    bool // guarded by the session's mu

	once   sync.Once
	quit   chan struct{}
	code   websocket.StatusCode
	reason string
	drain  bool
	done   chan struct{} // the writer has finished

	// abandon cancels a write in progress: a client that is too slow or
	// gone is not waited for.
	writeCtx context.Context
	abandon  context.CancelFunc
}

// frame is a WebSocket message in either direction.
type frame struct {
	Topic   string          `json:"topic"`
	Content json.RawMessage `json:"content,omitempty"`
}

type subscription struct {
	Topics []string `json:"topics"`
}

// handleWebSocket serves the URL /participant/connection handed out: the
// token in the query authenticates the participant. The protocol is
// chatjs's WebSocket manager's:
//
//	→ {"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}
//	← {"topic":"aws/subscribe","content":{"status":"success","topics":["aws/chat"]}}
//	→ {"topic":"aws/heartbeat"}           ← {"topic":"aws/heartbeat"}
//	→ {"topic":"aws/ping"}                ← {"topic":"aws/ping","statusCode":200,"statusContent":"OK"}
//	← {"topic":"aws/chat","content":"<the item as a JSON string>"}
//
// Items are delivered once the socket has subscribed to aws/chat; what was
// posted before is in the transcript. A socket that sends nothing for
// Config.WebSocketIdleTimeout is closed.
func (s *Service) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cred, err := s.credential(ctx, KindWebSocket, r.URL.Query().Get("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, err := s.session(ctx, cred.ContactID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := ss.participant(cred.ParticipantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled}
	if s.cfg.AllowedOrigin == "*" {
		opts.InsecureSkipVerify = true
	} else if u, err := url.Parse(s.cfg.AllowedOrigin); err == nil {
		opts.OriginPatterns = []string{u.Host}
	}
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept has answered
	}
	conn.SetReadLimit(64 << 10)
	c := &wsConn{
		conn:          conn,
		participantID: cred.ParticipantID,
		send:          make(chan []byte, wsSendQueue),
		quit:          make(chan struct{}),
		done:          make(chan struct{}),
	}
	c.writeCtx, c.abandon = context.WithCancel(context.Background())
	defer c.abandon()
	if err := ss.attach(c); err != nil {
		conn.Close(websocket.StatusPolicyViolation, "chat ended")
		return
	}
	if !s.track() {
		ss.detach(c)
		conn.Close(websocket.StatusGoingAway, "service restarting")
		return
	}
	go func() {
		defer s.wg.Done()
		c.writeLoop()
	}()
	s.readLoop(ctx, ss, p, c)
	ss.detach(c)
	c.shut(websocket.StatusNormalClosure, "", false)
	<-c.done
}

// readLoop answers the client's frames until the socket closes or idles.
func (s *Service) readLoop(ctx context.Context, ss *session, p *participant, c *wsConn) {
	// Not a deadline on Read: an expired Read closes the connection
	// without a close frame. The timer has the writer close it properly.
	idle := time.AfterFunc(s.cfg.WebSocketIdleTimeout, func() {
		c.shut(websocket.StatusPolicyViolation, "idle", false)
	})
	defer idle.Stop()
	for {
		typ, data, err := c.conn.Read(ctx)
		if err != nil {
			return
		}
		idle.Reset(s.cfg.WebSocketIdleTimeout)
		if typ != websocket.MessageText {
			continue
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.enqueue(errorFrame("The message is not JSON."))
			continue
		}
		switch f.Topic {
		case topicSubscribe, topicUnsubscribe:
			var sub subscription
			_ = json.Unmarshal(f.Content, &sub)
			ok := slices.Contains(sub.Topics, topicChat)
			status := "success"
			if !ok {
				status = "failure"
			}
			reply := mustJSON(map[string]any{"topic": f.Topic, "content": map[string]any{"status": status, "topics": nonNil(sub.Topics)}})
			switch {
			case !ok:
				c.enqueue(reply)
			case f.Topic == topicSubscribe:
				ss.subscribe(c, reply)
				ss.connected(ctx, p)
			default:
				ss.unsubscribe(c, reply)
			}
		case topicHeartbeat:
			c.enqueue(heartbeatFrame)
		case topicPing:
			c.enqueue(pingFrame)
		default:
			c.enqueue(errorFrame("Unknown topic."))
		}
	}
}

var (
	heartbeatFrame = mustJSON(map[string]any{"topic": topicHeartbeat})
	// chatjs reads statusCode at the top level of the frame: 200 is a
	// successful deep heartbeat.
	pingFrame = mustJSON(map[string]any{"topic": topicPing, "statusCode": 200, "statusContent": "OK"})
)

// errorFrame is how the server reports a bad frame; chatjs treats a frame
// with "message" and no topic as a topic failure.
func errorFrame(msg string) []byte { return mustJSON(map[string]string{"message": msg}) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// enqueue queues a frame without blocking; a full queue disconnects the
// client.
func (c *wsConn) enqueue(f []byte) {
	select {
	case c.send <- f:
	default:
		c.shut(websocket.StatusPolicyViolation, "too slow", false)
	}
}

// shut asks the writer to close the socket with a code and reason, after
// writing what is queued when drain is set. The first call wins.
func (c *wsConn) shut(code websocket.StatusCode, reason string, drain bool) {
	c.once.Do(func() {
		c.code, c.reason, c.drain = code, reason, drain
		close(c.quit)
		if !drain {
			c.abandon()
		}
	})
}

// writeLoop writes queued frames until shut.
func (c *wsConn) writeLoop() {
	defer close(c.done)
	for {
		select {
		case f := <-c.send:
			if !c.write(f) {
				return
			}
		case <-c.quit:
			if c.drain {
				for len(c.send) > 0 {
					if !c.write(<-c.send) {
						return
					}
				}
			}
			_ = c.conn.Close(c.code, c.reason)
			return
		}
	}
}

func (c *wsConn) write(f []byte) bool {
	ctx, cancel := context.WithTimeout(c.writeCtx, wsWriteTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, f); err != nil {
		_ = c.conn.CloseNow()
		return false
	}
	return true
}
