package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/bench/internal/benchapi"
	"github.com/switchboard-cc/switchboard/bench/internal/benchserver"
)

// password of every bench agent.
const password = "bench-Passw0rd!"

// api is the REST client of the server under test.
type api struct {
	base, token string
	hc          *http.Client
}

// call makes a request with a 30 s timeout; any 2xx answer is success.
func (a *api) call(ctx context.Context, method, path, token string, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hdr, val := benchapi.Bearer(token)
	resp, err := benchapi.Do(ctx, a.hc, benchapi.Request{Method: method, URL: a.base + path, Header: hdr, Value: val, Body: body})
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.Code/100 != 2 {
		raw := resp.Body
		if len(raw) > 500 {
			raw = raw[:500]
		}
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// center is the instance the bench creates.
type center struct {
	a        *api
	inst     string
	profile  string
	security string
	// number is the phone number whose flow queues the call ("Please
	// hold", then the queue: bench/voice/setup's +15550901 flow). Numbers
	// are unique in a deployment, so each setup takes a random one.
	number string
}

func (c *center) path(parts ...string) string {
	return "/api/v1/instances/" + c.inst + "/" + strings.Join(parts, "/")
}

// prepare is what both modes need before their agents: the tool's SIP user
// agent (the callers and the desk phones), and the contact center on srv.
func prepare(ctx context.Context, log *slog.Logger, srv *server) (*phone, *center, error) {
	ph, err := newPhone(log)
	if err != nil {
		return nil, nil, err
	}
	c, err := setupCenter(ctx, &api{base: srv.URL, token: srv.Token, hc: &http.Client{}})
	if err != nil {
		ph.close()
		return nil, nil, fmt.Errorf("setup: %w", err)
	}
	return ph, c, nil
}

// setupCenter creates, as bench/voice/setup does, an instance with a 24x7
// queue, a trunk admitting 127.0.0.1 and the number whose flow queues the
// call; and a routing profile taking one VOICE contact at a time from the
// queue.
func setupCenter(ctx context.Context, a *api) (*center, error) {
	c := &center{a: a, number: fmt.Sprintf("+1555%07d", rand.IntN(10_000_000))}
	var inst, hours, queue, rp, f benchapi.IDName
	if err := a.call(ctx, "POST", "/api/v1/instances", a.token, map[string]any{"alias": "bridge-" + benchserver.RandomHex(4)}, &inst); err != nil {
		return nil, err
	}
	c.inst = inst.ID
	steps := []struct {
		path string
		body any
		out  any
	}{
		{c.path("hours-of-operation"), map[string]any{"name": "24x7", "timeZone": "UTC", "config": benchapi.AllWeek()}, &hours},
		{c.path("queues"), func() any { return map[string]any{"name": "Bench", "hoursOfOperationId": hours.ID} }, &queue},
		{c.path("routing-profiles"), func() any {
			return map[string]any{"name": "Voice",
				"queues":             []any{map[string]any{"queueId": queue.ID, "channel": "VOICE", "priority": 1}},
				"mediaConcurrencies": []any{map[string]any{"channel": "VOICE", "concurrency": 1}}}
		}, &rp},
		{c.path("trunks"), map[string]any{"name": "bench", "allowedSources": []string{"127.0.0.1/32"}}, nil},
		{c.path("flows"), func() any {
			return map[string]any{"name": "bench hold", "type": "CONTACT_FLOW", "content": benchapi.HoldFlow(queue.ID)}
		}, &f},
		{"", nil, nil}, // publish
		{c.path("phone-numbers"), func() any { return map[string]any{"number": c.number, "flowId": f.ID} }, nil},
	}
	for _, s := range steps {
		body := s.body
		if fn, ok := body.(func() any); ok {
			body = fn()
		}
		p := s.path
		if p == "" {
			p = c.path("flows", f.ID, "publish")
		}
		if err := a.call(ctx, "POST", p, a.token, body, s.out); err != nil {
			return nil, err
		}
	}
	c.profile = rp.ID
	var sps struct{ Items []benchapi.IDName }
	if err := a.call(ctx, "GET", c.path("security-profiles")+"?maxResults=1000", a.token, nil, &sps); err != nil {
		return nil, err
	}
	var err error
	if c.security, err = benchapi.AgentProfile(sps.Items); err != nil {
		return nil, err
	}
	return c, nil
}

// createAgent creates a user with the bench's routing profile and logs it
// in; it returns the session token.
func (c *center) createAgent(ctx context.Context, name string, extra map[string]any) (string, error) {
	body := map[string]any{"username": name, "firstName": "Agent", "lastName": name,
		"securityProfileIds": []string{c.security}, "routingProfileId": c.profile, "password": password}
	for k, v := range extra {
		body[k] = v
	}
	if err := c.a.call(ctx, "POST", c.path("users"), c.a.token, body, nil); err != nil {
		return "", err
	}
	var login struct{ Token string }
	if err := c.a.call(ctx, "POST", "/api/v1/auth/login", "", map[string]any{"instanceId": c.inst, "username": name, "password": password}, &login); err != nil {
		return "", err
	}
	return login.Token, nil
}

// frame is a server message on the agent WebSocket (the fields used here).
type frame struct {
	Type      string `json:"type"`
	Re        string `json:"re"`
	Seq       uint64 `json:"seq"`
	Code      string `json:"code"`
	Error     string `json:"error"`
	Status    string `json:"status"`
	System    string `json:"system"`
	ContactID string `json:"contactId"`
	Channel   string `json:"channel"`
	SDP       string `json:"sdp"`
	Reason    string `json:"reason"`
	raw       []byte
	at        time.Time
}

// agentConn is an agent's WebSocket: requests wait for their reply, events
// go to the events channel (and are dropped, counted, when nobody reads).
type agentConn struct {
	name string
	ws   *websocket.Conn
	ids  atomic.Int64
	mu   sync.Mutex
	wait map[string]chan frame
	// trouble counts the events that mean a call did not reach the agent
	// as it should (contactError, missed, offerWithdrawn, system Error).
	trouble map[string]int
	events  chan frame
	closed  chan struct{}
	err     error // why the read loop ended; set before closed is closed
}

// helloRetries counts hellos refused because the router did not know the
// agent yet (see dialAgent).
var helloRetries atomic.Int64

// dialAgent opens the agent WebSocket and says hello. The router learns of
// a new user asynchronously (the store's change wakes the instance's config
// sync, internal/app/configsync.go), so a hello right after the user was
// created can be refused as "not an agent": that is retried for 10 s.
func dialAgent(ctx context.Context, base, name, token string) (*agentConn, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := dialAgentOnce(ctx, base, name, token)
		if err == nil || !strings.Contains(err.Error(), "not an agent") || time.Now().After(deadline) {
			return a, err
		}
		helloRetries.Add(1)
		if !sleepCtx(ctx, 50*time.Millisecond) {
			return nil, err
		}
	}
}

func dialAgentOnce(ctx context.Context, base, name, token string) (*agentConn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/agent", nil)
	if err != nil {
		return nil, fmt.Errorf("agent %s: WebSocket: %w", name, err)
	}
	ws.SetReadLimit(1 << 20)
	a := &agentConn{name: name, ws: ws, wait: map[string]chan frame{}, trouble: map[string]int{}, events: make(chan frame, 256), closed: make(chan struct{})}
	go a.readLoop()
	if _, err := a.request(dctx, "hello", map[string]any{"token": token}); err != nil {
		ws.CloseNow()
		return nil, err
	}
	go a.heartbeat()
	return a, nil
}

func (a *agentConn) readLoop() {
	defer close(a.closed)
	for {
		_, b, err := a.ws.Read(context.Background())
		if err != nil {
			a.err = err
			return
		}
		f := frame{raw: b, at: time.Now()}
		if err := json.Unmarshal(b, &f); err != nil {
			continue
		}
		if f.Re != "" {
			a.mu.Lock()
			ch := a.wait[f.Re]
			delete(a.wait, f.Re)
			a.mu.Unlock()
			if ch != nil {
				ch <- f
			}
			continue
		}
		switch {
		case f.Type == "contactError" || f.Type == "missed" || f.Type == "offerWithdrawn":
			a.mu.Lock()
			a.trouble[f.Type]++
			a.mu.Unlock()
		case f.Type == "state" && f.System == "Error":
			a.mu.Lock()
			a.trouble["state Error"]++
			a.mu.Unlock()
		}
		select {
		case a.events <- f:
		default: // nobody listens (bridge mode's auto-accept agents)
		}
	}
}

func (a *agentConn) heartbeat() {
	t := time.NewTicker(20 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.closed:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, _ = a.request(ctx, "heartbeat", nil)
			cancel()
		}
	}
}

// request sends a client message and waits for its ack (an error reply is
// returned as an error naming its code).
func (a *agentConn) request(ctx context.Context, typ string, fields map[string]any) (frame, error) {
	id := fmt.Sprint(a.ids.Add(1))
	m := map[string]any{"v": 1, "type": typ, "id": id}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return frame{}, err
	}
	ch := make(chan frame, 1)
	a.mu.Lock()
	a.wait[id] = ch
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.wait, id)
		a.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := a.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return frame{}, fmt.Errorf("agent %s: %s: %w", a.name, typ, err)
	}
	select {
	case f := <-ch:
		if f.Type == "error" {
			return f, fmt.Errorf("agent %s: %s: %s (%s)", a.name, typ, f.Code, f.Error)
		}
		return f, nil
	case <-a.closed:
		return frame{}, fmt.Errorf("agent %s: %s: the WebSocket closed: %v", a.name, typ, a.err)
	case <-ctx.Done():
		return frame{}, fmt.Errorf("agent %s: %s: no reply: %w", a.name, typ, ctx.Err())
	}
}

// await returns the next event for which ok is true, skipping others.
func (a *agentConn) await(ctx context.Context, what string, ok func(frame) bool) (frame, error) {
	for {
		select {
		case f := <-a.events:
			if ok(f) {
				return f, nil
			}
		case <-a.closed:
			return frame{}, fmt.Errorf("agent %s: waiting for %s: the WebSocket closed: %v", a.name, what, a.err)
		case <-ctx.Done():
			return frame{}, fmt.Errorf("agent %s: waiting for %s: %w", a.name, what, ctx.Err())
		}
	}
}

func (a *agentConn) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _ = a.request(ctx, "setState", map[string]any{"status": "Offline"})
	a.ws.Close(websocket.StatusNormalClosure, "")
}
