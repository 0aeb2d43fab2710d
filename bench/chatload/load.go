package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/bench/internal/benchapi"
	"github.com/switchboard-cc/switchboard/bench/internal/benchserver"
	"github.com/switchboard-cc/switchboard/internal/flow/flowtest"
)

// Config is one load run.
type Config struct {
	// The server: either URL (+ AdminToken) of a running one, or Bin to start.
	URL         string
	AdminToken  string
	ServerPID   int // of the server at URL, for CPU and memory figures (0: none)
	Bin         string
	DatabaseURL string   // PostgreSQL for the started server (a fresh schema is made); empty: SQLite
	DataDir     string   // --data of the started server; empty: a temporary directory
	KeepData    bool     // keep the data directory (and schema) afterwards
	ServerArgs  []string // more arguments for `serve`
	ServerEnv   []string // more environment for the server (GOGC=400, ...)

	Agents       int     // agents, each with a CHAT concurrency of PerAgent
	PerAgent     int     // 1 to 10
	Chats        int     // concurrent chats; 0: Agents × PerAgent
	StartRate    float64 // chats started per second during setup
	SetupTimeout time.Duration

	Rates    []float64     // one measured phase per target rate (round trips per second, all chats together)
	Warmup   time.Duration // at the start of each phase, not measured
	Duration time.Duration // measured part of each phase
	Timeout  time.Duration // a round trip not done in this time is an error

	CustomerHeartbeat time.Duration // aws/heartbeat interval (chatjs: 10 s); 0: none
	ProfileURL        string        // base URL of the server's net/http/pprof (…/debug/pprof), to take a CPU profile
	ProfileOut        string        // where to write the CPU profile of the first measured phase

	Log io.Writer // progress; nil: none
}

// Result is what a run measured.
type Result struct {
	Start     time.Time
	ServerURL string
	Setup     SetupResult
	Phases    []PhaseResult
	// Errors outside the phases' round trips (WebSockets dropped, agent error frames, ...).
	Errors        map[string]int64
	ErrorSample   []string
	ServerLogWarn int
	ServerLogTail []string
	ServerFinal   *benchserver.ProcStat
}

// SetupResult covers creating the instance, logging agents in and starting chats.
type SetupResult struct {
	Agents        int
	AgentsTime    time.Duration // create users + log in + WebSocket + Available
	Requested     int
	Connected     int                   // chats whose contact reached an agent
	Time          time.Duration         // first chat started → last chat connected to its agent
	Rate          float64               // Connected / Time
	Latency       Percentiles           // StartChat request → the agent's contactConnected
	Server        *benchserver.ProcStat // after setup
	ServerCPUUsed time.Duration         // during the chat starts
}

// PhaseResult is one measured phase at one target rate.
type PhaseResult struct {
	TargetRate  float64
	Duration    time.Duration
	Sent        int64 // round trips started in the measured window
	OK          int64 // of those, completed
	Failed      int64 // post errors, timeouts, wrong echoes
	Skipped     int64 // the chat's turn came while its previous round trip was still running
	RoundTrips  float64
	RoundTrip   Percentiles // customer posts → customer has the agent's echo
	ToAgent     Percentiles // customer posts → the agent has it
	Post        Percentiles // the POST /participant/message alone
	ServerCPU   float64     // cores, averaged over the window
	ClientCPU   float64
	ServerRSS   int64
	ServerFDs   int
	ErrorSample []string
}

// Percentiles of a set of durations.
type Percentiles struct {
	N                       int
	P50, P90, P95, P99, Max time.Duration
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return Percentiles{N: len(d), P50: at(0.50), P90: at(0.90), P95: at(0.95), P99: at(0.99), Max: d[len(d)-1]}
}

func (p Percentiles) String() string {
	r := func(d time.Duration) string {
		switch {
		case d < time.Millisecond:
			return fmt.Sprintf("%.2fms", float64(d)/1e6)
		case d < 100*time.Millisecond:
			return fmt.Sprintf("%.1fms", float64(d)/1e6)
		default:
			return d.Round(time.Millisecond).String()
		}
	}
	return fmt.Sprintf("p50 %s p90 %s p95 %s p99 %s max %s (n=%d)", r(p.P50), r(p.P90), r(p.P95), r(p.P99), r(p.Max), p.N)
}

// gen is the state of one run.
type gen struct {
	cfg   Config
	base  string
	admin string
	http  *http.Client
	ws    *http.Client // for dialing WebSockets
	srv   *server
	pid   int

	instanceID, flowID string

	mu        sync.Mutex
	byContact map[string]*chat
	early     map[string]*agent // contactConnected before StartChat's answer was processed
	connected atomic.Int64
	stopping  atomic.Bool

	errMu     sync.Mutex
	errs      map[string]int64
	errSample []string
}

func (g *gen) logf(format string, args ...any) {
	if g.cfg.Log != nil {
		fmt.Fprintf(g.cfg.Log, time.Now().UTC().Format("15:04:05.000 ")+format+"\n", args...)
	}
}

// fail counts an error of kind, keeping the first few messages.
func (g *gen) fail(kind string, err error) {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	g.errs[kind]++
	if len(g.errSample) < 20 {
		g.errSample = append(g.errSample, kind+": "+err.Error())
	}
}

// Run sets up an instance, agents and chats on the server and measures the
// phases.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.PerAgent < 1 || cfg.PerAgent > 10 {
		return nil, errors.New("the per-agent chat concurrency must be 1 to 10 (the routing profile's limit)")
	}
	if cfg.Chats == 0 {
		cfg.Chats = cfg.Agents * cfg.PerAgent
	}
	if cfg.Chats > cfg.Agents*cfg.PerAgent {
		return nil, fmt.Errorf("%d chats need more than %d agents × %d", cfg.Chats, cfg.Agents, cfg.PerAgent)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.SetupTimeout == 0 {
		cfg.SetupTimeout = 10 * time.Minute
	}
	g := &gen{cfg: cfg, byContact: map[string]*chat{}, early: map[string]*agent{}, errs: map[string]int64{}}
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512, IdleConnTimeout: time.Minute}
	g.http = &http.Client{Transport: tr, Timeout: cfg.Timeout}
	g.ws = &http.Client{Transport: &http.Transport{}}
	res := &Result{Start: time.Now().UTC()}

	if cfg.URL == "" {
		g.logf("starting %s serve", cfg.Bin)
		s, err := startServer(ctx, cfg)
		if err != nil {
			return nil, err
		}
		g.srv, g.base, g.admin, g.pid = s, s.URL, s.Token, s.PID
		defer func() {
			if err := s.stop(60 * time.Second); err != nil {
				g.logf("%v", err)
			}
		}()
	} else {
		g.base, g.admin, g.pid = strings.TrimSuffix(cfg.URL, "/"), cfg.AdminToken, cfg.ServerPID
	}
	res.ServerURL = g.base
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	agents, err := g.setupInstance(ctx, res)
	if err != nil {
		return res, err
	}
	defer func() {
		g.stopping.Store(true)
		for _, a := range agents {
			a.ws.Close(websocket.StatusNormalClosure, "")
		}
	}()
	chats := g.startChats(ctx, res)
	defer func() {
		g.stopping.Store(true)
		var wg sync.WaitGroup
		for _, c := range chats {
			if c.ws != nil {
				wg.Add(1)
				go func() { defer wg.Done(); c.ws.Close(websocket.StatusNormalClosure, "") }()
			}
		}
		wg.Wait()
	}()
	var ready []*chat
	for _, c := range chats {
		if c.connectedAt.Load() != 0 && c.ws != nil {
			ready = append(ready, c)
		}
	}
	rand.Shuffle(len(ready), func(i, j int) { ready[i], ready[j] = ready[j], ready[i] })
	if len(ready) == 0 {
		return res, errors.New("no chat reached an agent")
	}
	for i, rate := range cfg.Rates {
		profile := i == 0 && cfg.ProfileURL != "" && cfg.ProfileOut != ""
		res.Phases = append(res.Phases, g.phase(ctx, ready, rate, profile))
		if g.srv != nil && g.srv.proc.Exited() {
			return res, fmt.Errorf("the server exited: %s", g.srv.proc.LogTail(2000))
		}
	}
	if g.pid != 0 {
		if p, err := benchserver.ReadProc(g.pid); err == nil {
			res.ServerFinal = &p
		}
	}
	g.errMu.Lock()
	res.Errors = maps(g.errs)
	res.ErrorSample = slices.Clone(g.errSample)
	g.errMu.Unlock()
	if g.srv != nil {
		res.ServerLogWarn, res.ServerLogTail = g.srv.proc.LogProblems(10, 0)
	}
	return res, nil
}

func maps(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// api makes an admin API call that must answer want.
func (g *gen) api(ctx context.Context, method, path string, body any, want int, out any) error {
	return g.call(ctx, method, g.base+path, "Authorization", "Bearer "+g.admin, body, want, out)
}

func (g *gen) call(ctx context.Context, method, url, hdr, val string, body any, want int, out any) error {
	resp, err := benchapi.Do(ctx, g.http, benchapi.Request{Method: method, URL: url, Header: hdr, Value: val, Body: body})
	if err != nil {
		return err
	}
	if resp.Code != want {
		return fmt.Errorf("%s %s: status %d: %s", method, strings.TrimPrefix(url, g.base), resp.Code, truncate(resp.Body, 300))
	}
	if out != nil {
		return json.Unmarshal(resp.Body, out)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func (g *gen) path(parts ...string) string {
	return "/api/v1/instances/" + g.instanceID + "/" + strings.Join(parts, "/")
}

const password = "chatload correct horse battery"

// setupInstance creates the instance, its queue, routing profile, flow and
// agents, and brings every agent online and Available.
func (g *gen) setupInstance(ctx context.Context, res *Result) ([]*agent, error) {
	var inst benchapi.IDName
	if err := g.api(ctx, "POST", "/api/v1/instances", map[string]any{"alias": "chatload-" + benchserver.RandomHex(4)}, http.StatusCreated, &inst); err != nil {
		return nil, err
	}
	g.instanceID = inst.ID
	var hoo, q, rp, fl benchapi.IDName
	if err := g.api(ctx, "POST", g.path("hours-of-operation"), map[string]any{"name": "24x7", "timeZone": "UTC", "config": benchapi.AllWeek()}, http.StatusCreated, &hoo); err != nil {
		return nil, err
	}
	if err := g.api(ctx, "POST", g.path("queues"), map[string]any{"name": "Support", "hoursOfOperationId": hoo.ID}, http.StatusCreated, &q); err != nil {
		return nil, err
	}
	if err := g.api(ctx, "POST", g.path("routing-profiles"), map[string]any{"name": "Chat",
		"queues":             []any{map[string]any{"queueId": q.ID, "channel": "CHAT", "priority": 1}},
		"mediaConcurrencies": []any{map[string]any{"channel": "CHAT", "concurrency": g.cfg.PerAgent}}}, http.StatusCreated, &rp); err != nil {
		return nil, err
	}
	var sps struct{ Items []benchapi.IDName }
	if err := g.api(ctx, "GET", g.path("security-profiles")+"?maxResults=1000", nil, http.StatusOK, &sps); err != nil {
		return nil, err
	}
	sp, err := benchapi.AgentProfile(sps.Items)
	if err != nil {
		return nil, err
	}
	if err := g.api(ctx, "POST", g.path("flows"), map[string]any{"name": "Chat in", "type": "CONTACT_FLOW", "content": chatFlow(q.ID)}, http.StatusCreated, &fl); err != nil {
		return nil, err
	}
	if err := g.api(ctx, "POST", g.path("flows", fl.ID, "publish"), nil, http.StatusOK, nil); err != nil {
		return nil, err
	}
	g.flowID = fl.ID

	// Agents: users are created and logged in two at a time (argon2id, 64 MiB
	// and ~0.1 s of CPU per hash, is the cost; two cores).
	t0 := time.Now()
	g.logf("creating and logging in %d agents", g.cfg.Agents)
	agents := make([]*agent, g.cfg.Agents)
	err = benchapi.ForEach(ctx, g.cfg.Agents, 2, func(i int) error {
		name := fmt.Sprintf("agent%04d", i)
		if err := g.api(ctx, "POST", g.path("users"), map[string]any{"username": name, "firstName": "Agent", "lastName": fmt.Sprint(i),
			"securityProfileIds": []string{sp}, "routingProfileId": rp.ID, "autoAccept": true, "password": password},
			http.StatusCreated, nil); err != nil {
			return err
		}
		var login struct{ Token string }
		if err := g.call(ctx, "POST", g.base+"/api/v1/auth/login", "", "", map[string]any{"instanceId": g.instanceID, "username": name, "password": password},
			http.StatusOK, &login); err != nil {
			return err
		}
		a, err := g.connectAgent(ctx, name, login.Token)
		if err != nil {
			return fmt.Errorf("agent %s: %w", name, err)
		}
		agents[i] = a
		return nil
	})
	if err != nil {
		for _, a := range agents {
			if a != nil {
				a.ws.CloseNow()
			}
		}
		return nil, err
	}
	res.Setup.Agents = len(agents)
	res.Setup.AgentsTime = time.Since(t0)
	g.logf("%d agents Available in %v", len(agents), res.Setup.AgentsTime.Round(time.Millisecond))
	return agents, nil
}

// chatFlow greets the customer and queues the chat.
func chatFlow(queueID string) map[string]any {
	return flowtest.GreetAndQueue("Welcome! An agent will be with you shortly.", queueID)
}

// agent is one agent's console: it echoes every customer message.
type agent struct {
	g    *gen
	name string
	ws   *websocket.Conn
	ids  atomic.Int64
}

type agentFrame struct {
	Type      string `json:"type"`
	Re        string `json:"re"`
	Code      string `json:"code"`
	Error     string `json:"error"`
	ContactID string `json:"contactId"`
	Status    string `json:"status"`
	Message   *struct {
		ParticipantRole string `json:"participantRole"`
		Content         string `json:"content"`
	} `json:"message"`
}

func (g *gen) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(g.base, "http") + path
}

// connectAgent opens the agent WebSocket, says hello and becomes Available.
func (g *gen) connectAgent(ctx context.Context, name, token string) (*agent, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, g.wsURL("/api/v1/agent"), &websocket.DialOptions{HTTPClient: g.ws})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	a := &agent{g: g, name: name, ws: ws}
	await := func(what string, ok func(agentFrame) bool) error {
		for {
			_, b, err := ws.Read(dctx)
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
			var f agentFrame
			if err := json.Unmarshal(b, &f); err != nil {
				return err
			}
			if f.Type == "error" {
				return fmt.Errorf("waiting for %s: %s", what, b)
			}
			if ok(f) {
				return nil
			}
		}
	}
	if err := a.send(dctx, map[string]any{"v": 1, "type": "hello", "id": "hello", "token": token}); err != nil {
		return nil, err
	}
	if err := await("welcome", func(f agentFrame) bool { return f.Type == "welcome" }); err != nil {
		ws.CloseNow()
		return nil, err
	}
	if err := a.send(dctx, map[string]any{"v": 1, "type": "setState", "id": "avail", "status": "Available"}); err != nil {
		return nil, err
	}
	if err := await("Available", func(f agentFrame) bool { return f.Type == "state" && f.Status == "Available" }); err != nil {
		ws.CloseNow()
		return nil, err
	}
	go a.readLoop(ctx)
	go a.heartbeat(ctx)
	return a, nil
}

func (a *agent) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return a.ws.Write(ctx, websocket.MessageText, b)
}

func (a *agent) heartbeat(ctx context.Context) {
	t := time.NewTicker(20*time.Second + rand.N(5*time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.send(ctx, map[string]any{"v": 1, "type": "heartbeat", "id": "hb"}); err != nil {
				return
			}
		}
	}
}

func (a *agent) readLoop(ctx context.Context) {
	g := a.g
	for {
		_, b, err := a.ws.Read(ctx)
		if err != nil {
			if !g.stopping.Load() && ctx.Err() == nil {
				g.fail("agent WebSocket closed", fmt.Errorf("%s: %w", a.name, err))
			}
			return
		}
		now := time.Now()
		var f agentFrame
		if err := json.Unmarshal(b, &f); err != nil {
			g.fail("agent frame", err)
			continue
		}
		switch f.Type {
		case "contactConnected":
			g.contactConnected(f.ContactID, a, now)
		case "message":
			if f.Message == nil || f.Message.ParticipantRole != "CUSTOMER" {
				continue
			}
			if c := g.chatOf(f.ContactID); c != nil {
				c.agentAt.Store(now.UnixNano())
			}
			// Reply from another goroutine so that a slow write does not stall reading.
			go func() {
				id := fmt.Sprint(a.ids.Add(1))
				err := a.send(ctx, map[string]any{"v": 1, "type": "sendMessage", "id": id, "contactId": f.ContactID, "content": "echo " + f.Message.Content})
				if err != nil && !g.stopping.Load() {
					g.fail("agent sendMessage write", err)
				}
			}()
		case "error":
			g.fail("agent error frame", fmt.Errorf("%s: %s", a.name, b))
		case "offerWithdrawn", "missed", "contactError", "contactEnded":
			if !g.stopping.Load() {
				g.fail("agent "+f.Type, fmt.Errorf("%s: %s", a.name, b))
			}
		}
	}
}

// chat is one customer.
type chat struct {
	idx         int
	contactID   string
	connToken   string
	ws          *websocket.Conn
	started     time.Time
	connectedAt atomic.Int64 // UnixNano when the agent got contactConnected
	agentAt     atomic.Int64 // UnixNano when the agent got the current message
	echo        chan string  // the agent's messages as the customer receives them
	busy        atomic.Bool  // a round trip is running
	seq         int          // owned by the round trip holding busy
}

func (g *gen) chatOf(contactID string) *chat {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byContact[contactID]
}

func (g *gen) contactConnected(contactID string, a *agent, at time.Time) {
	g.mu.Lock()
	c := g.byContact[contactID]
	if c == nil {
		g.early[contactID] = a
	}
	g.mu.Unlock()
	if c != nil && c.connectedAt.CompareAndSwap(0, at.UnixNano()) {
		g.connected.Add(1)
	}
}

func (g *gen) register(c *chat) {
	g.mu.Lock()
	g.byContact[c.contactID] = c
	_, early := g.early[c.contactID]
	delete(g.early, c.contactID)
	g.mu.Unlock()
	if early && c.connectedAt.CompareAndSwap(0, time.Now().UnixNano()) {
		g.connected.Add(1)
	}
}

// startChats starts the chats at cfg.StartRate and waits until each has
// reached its agent (or the setup timeout).
func (g *gen) startChats(ctx context.Context, res *Result) []*chat {
	n := g.cfg.Chats
	res.Setup.Requested = n
	chats := make([]*chat, n)
	var before benchserver.ProcStat
	if g.pid != 0 {
		before, _ = benchserver.ReadProc(g.pid)
	}
	g.logf("starting %d chats at %.0f/s", n, g.cfg.StartRate)
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range n {
		if g.cfg.StartRate > 0 {
			if d := time.Until(t0.Add(time.Duration(float64(i) / g.cfg.StartRate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := g.startChat(ctx, i)
			if err != nil {
				g.fail("chat setup", err)
				return
			}
			chats[i] = c
		}()
		if i > 0 && i%1000 == 0 {
			g.logf("%d chats started, %d connected to agents", i, g.connected.Load())
		}
	}
	wg.Wait()
	deadline := time.Now().Add(g.cfg.SetupTimeout)
	started := 0
	for _, c := range chats {
		if c != nil {
			started++
		}
	}
	for g.connected.Load() < int64(started) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	var last int64
	var lat []time.Duration
	for _, c := range chats {
		if c == nil {
			continue
		}
		if at := c.connectedAt.Load(); at != 0 {
			last = max(last, at)
			lat = append(lat, time.Duration(at-c.started.UnixNano()))
		}
	}
	res.Setup.Connected = len(lat)
	if last != 0 {
		res.Setup.Time = time.Duration(last - t0.UnixNano())
		res.Setup.Rate = float64(len(lat)) / res.Setup.Time.Seconds()
	}
	res.Setup.Latency = percentiles(lat)
	if g.pid != 0 {
		if after, err := benchserver.ReadProc(g.pid); err == nil {
			res.Setup.Server = &after
			res.Setup.ServerCPUUsed = after.CPU - before.CPU
		}
	}
	if res.Setup.Connected < n {
		g.fail("chat not connected to an agent", fmt.Errorf("%d of %d chats reached an agent within the setup timeout", res.Setup.Connected, n))
	}
	g.logf("%d of %d chats connected to agents in %v (%.0f/s)", res.Setup.Connected, n, res.Setup.Time.Round(time.Millisecond), res.Setup.Rate)
	return chats
}

// startChat is what a website does: StartChatContact (server side), then
// the customer's CreateParticipantConnection, WebSocket and subscribe.
func (g *gen) startChat(ctx context.Context, i int) (*chat, error) {
	c := &chat{idx: i, echo: make(chan string, 16), started: time.Now()}
	var started struct{ ContactId, ParticipantToken string }
	if err := g.api(ctx, "POST", g.path("contacts", "chat"), map[string]any{"ContactFlowId": g.flowID,
		"ParticipantDetails": map[string]any{"DisplayName": fmt.Sprintf("Customer %d", i)}}, http.StatusCreated, &started); err != nil {
		return nil, err
	}
	c.contactID = started.ContactId
	g.register(c)
	var conn struct {
		Websocket             struct{ Url string }
		ConnectionCredentials struct{ ConnectionToken string }
	}
	if err := g.call(ctx, "POST", g.base+"/participant/connection", "X-Amz-Bearer", started.ParticipantToken,
		map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, http.StatusOK, &conn); err != nil {
		return nil, err
	}
	c.connToken = conn.ConnectionCredentials.ConnectionToken
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, conn.Websocket.Url, &websocket.DialOptions{HTTPClient: g.ws})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	c.ws = ws
	if err := ws.Write(dctx, websocket.MessageText, []byte(`{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}`)); err != nil {
		ws.CloseNow()
		return nil, err
	}
	for {
		_, b, err := ws.Read(dctx)
		if err != nil {
			ws.CloseNow()
			return nil, fmt.Errorf("subscribe: %w", err)
		}
		var f struct {
			Topic   string `json:"topic"`
			Content struct{ Status string }
		}
		if json.Unmarshal(b, &f) == nil && f.Topic == "aws/subscribe" {
			if f.Content.Status != "success" {
				ws.CloseNow()
				return nil, fmt.Errorf("subscribe: %s", b)
			}
			break
		}
	}
	go g.customerRead(ctx, c)
	if g.cfg.CustomerHeartbeat > 0 {
		go g.customerHeartbeat(ctx, c)
	}
	return c, nil
}

func (g *gen) customerHeartbeat(ctx context.Context, c *chat) {
	t := time.NewTicker(g.cfg.CustomerHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.ws.Write(ctx, websocket.MessageText, []byte(`{"topic":"aws/heartbeat"}`)); err != nil {
				return
			}
		}
	}
}

func (g *gen) customerRead(ctx context.Context, c *chat) {
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			if !g.stopping.Load() && ctx.Err() == nil {
				g.fail("customer WebSocket closed", fmt.Errorf("chat %d: %w", c.idx, err))
			}
			return
		}
		var f struct {
			Topic   string `json:"topic"`
			Content string `json:"content"`
		}
		if json.Unmarshal(b, &f) != nil || f.Topic != "aws/chat" {
			continue
		}
		var it struct{ Type, Content, ParticipantRole string }
		if err := json.Unmarshal([]byte(f.Content), &it); err != nil {
			g.fail("customer item", err)
			continue
		}
		if it.Type == "MESSAGE" && it.ParticipantRole == "AGENT" {
			select {
			case c.echo <- it.Content:
			default:
				g.fail("customer echo queue full", fmt.Errorf("chat %d", c.idx))
			}
		}
	}
}

// phaseState collects one phase's round trips.
type phaseState struct {
	from, to time.Time // the measured window (by send time)
	mu       sync.Mutex
	rt, toAg []time.Duration
	post     []time.Duration
	sent, ok int64
	failed   int64
	errs     []string
}

func (p *phaseState) in(t time.Time) bool { return !t.Before(p.from) && t.Before(p.to) }

func (p *phaseState) failure(t0 time.Time, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.in(t0) {
		p.failed++
	}
	if len(p.errs) < 10 {
		p.errs = append(p.errs, err.Error())
	}
}

// roundTrip posts one message as the customer and waits for the agent's echo.
func (g *gen) roundTrip(ctx context.Context, c *chat, p *phaseState) {
	defer c.busy.Store(false)
	c.seq++
	text := fmt.Sprintf("m%d-%d", c.idx, c.seq)
	body := []byte(`{"ContentType":"text/plain","Content":"` + text + `"}`)
	t0 := time.Now()
	if p.in(t0) {
		p.mu.Lock()
		p.sent++
		p.mu.Unlock()
	}
	if err := g.call(ctx, "POST", g.base+"/participant/message", "X-Amz-Bearer", c.connToken, body, http.StatusOK, nil); err != nil {
		p.failure(t0, fmt.Errorf("post: %w", err))
		g.fail("round trip: post", err)
		return
	}
	posted := time.Since(t0)
	timer := time.NewTimer(g.cfg.Timeout)
	defer timer.Stop()
	for {
		select {
		case got := <-c.echo:
			if got != "echo "+text {
				continue // the late echo of an earlier round trip that timed out
			}
		case <-timer.C:
			err := fmt.Errorf("chat %d: no echo of %q within %v", c.idx, text, g.cfg.Timeout)
			p.failure(t0, err)
			g.fail("round trip: timeout", err)
			return
		case <-ctx.Done():
			return
		}
		break
	}
	rt := time.Since(t0)
	toAgent := time.Duration(c.agentAt.Load() - t0.UnixNano())
	if !p.in(t0) {
		return
	}
	p.mu.Lock()
	p.ok++
	p.rt = append(p.rt, rt)
	p.post = append(p.post, posted)
	if toAgent > 0 && toAgent <= rt {
		p.toAg = append(p.toAg, toAgent)
	}
	p.mu.Unlock()
}

// phase sends round trips at rate per second, spread over the chats in turn,
// for Warmup + Duration, and measures those started in the last Duration.
func (g *gen) phase(ctx context.Context, chats []*chat, rate float64, profile bool) PhaseResult {
	start := time.Now()
	p := &phaseState{from: start.Add(g.cfg.Warmup)}
	p.to = p.from.Add(g.cfg.Duration)
	g.logf("phase: %.0f round trips/s over %d chats (each every %.1f s), %v warm-up + %v", rate, len(chats),
		float64(len(chats))/rate, g.cfg.Warmup, g.cfg.Duration)
	var skipped int64
	var wg sync.WaitGroup
	var srvFrom, cliFrom benchserver.ProcStat
	var profErr chan error
	sent, turn, sampled := 0, 0, false
	for now := time.Now(); now.Before(p.to) && ctx.Err() == nil; now = time.Now() {
		if !sampled && !now.Before(p.from) {
			sampled = true
			if g.pid != 0 {
				srvFrom, _ = benchserver.ReadProc(g.pid)
			}
			cliFrom, _ = benchserver.ReadProc(os.Getpid())
			if profile {
				profErr = make(chan error, 1)
				go func() { profErr <- g.cpuProfile(ctx, g.cfg.Duration) }()
			}
		}
		due := int(now.Sub(start).Seconds() * rate)
		for ; sent < due; sent++ {
			c := chats[turn%len(chats)]
			turn++
			if !c.busy.CompareAndSwap(false, true) {
				if p.in(now) {
					skipped++
				}
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.roundTrip(ctx, c, p)
			}()
		}
		time.Sleep(time.Millisecond)
	}
	var srvTo, cliTo benchserver.ProcStat
	if g.pid != 0 {
		srvTo, _ = benchserver.ReadProc(g.pid)
	}
	cliTo, _ = benchserver.ReadProc(os.Getpid())
	wg.Wait()
	if profErr != nil {
		if err := <-profErr; err != nil {
			g.logf("CPU profile: %v", err)
		} else {
			g.logf("CPU profile written to %s", g.cfg.ProfileOut)
		}
	}
	r := PhaseResult{TargetRate: rate, Duration: g.cfg.Duration, Sent: p.sent, OK: p.ok, Failed: p.failed, Skipped: skipped,
		RoundTrips: float64(p.ok) / g.cfg.Duration.Seconds(),
		RoundTrip:  percentiles(p.rt), ToAgent: percentiles(p.toAg), Post: percentiles(p.post), ErrorSample: p.errs}
	if w := srvTo.At.Sub(srvFrom.At).Seconds(); g.pid != 0 && w > 0 {
		r.ServerCPU = (srvTo.CPU - srvFrom.CPU).Seconds() / w
		r.ServerRSS, r.ServerFDs = srvTo.RSS, srvTo.FDs
	}
	if w := cliTo.At.Sub(cliFrom.At).Seconds(); w > 0 {
		r.ClientCPU = (cliTo.CPU - cliFrom.CPU).Seconds() / w
	}
	g.logf("phase %.0f/s: %.0f round trips/s, %s; failed %d, skipped %d; server %.2f cores, RSS %d MB",
		rate, r.RoundTrips, r.RoundTrip, r.Failed, r.Skipped, r.ServerCPU, r.ServerRSS>>20)
	return r
}

// cpuProfile fetches a CPU profile of the server (net/http/pprof) over d.
func (g *gen) cpuProfile(ctx context.Context, d time.Duration) error {
	secs := max(1, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/profile?seconds=%d", strings.TrimSuffix(g.cfg.ProfileURL, "/"), secs), nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	f, err := os.Create(g.cfg.ProfileOut)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
