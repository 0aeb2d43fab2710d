package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/hours"
)

// Memory is an in-memory Resources, for tests and `switchboard flow run`. A
// reference resolves, in order, by ID; by the last segment of an ARN
// (arn:aws:connect:...:instance/X/queue/Y names queue Y; for a Lambda ARN,
// arn:aws:lambda:...:function:NAME[:qualifier], the function NAME); and by
// name, ignoring case — trying the reference's value first, then the
// display name the flow's editor recorded, then the name inside an export
// placeholder (see Candidates).
//
// With StubResources, a reference that names nothing resolves to a stand-in
// created on first use and named after the reference: a queue open around
// the clock with no capacity limit, a flow that only ends
// (EndFlowExecution), a module that only returns, a prompt, a bot that
// takes the utterance as the intent (EchoBot), an agent. With StubFunctions
// unknown functions get a stand-in too (whose URL the invoker must handle);
// without it an unbound function takes the action's error branch. Stubbed
// lists what was stood in for. Memory is safe for concurrent use.
type Memory struct {
	// StubResources and StubFunctions turn on stand-ins, see above.
	StubResources, StubFunctions bool

	mu        sync.Mutex
	queues    []*core.Queue
	flows     []*LoadedFlow
	modules   []*LoadedFlow
	prompts   []*core.Prompt
	functions []*core.Function
	hours     []*core.HoursOfOperation
	agents    []*core.User
	bots      []namedBot
	stubbed   []string
}

type namedBot struct {
	id, name string
	bot      Bot
}

var _ Resources = (*Memory)(nil)

// StubHoursID is the ID of the always-open hours stub queues use.
const StubHoursID = "stub-hours-always-open"

// AddQueue adds q (its ID defaults to its name) and returns the stored copy.
func (m *Memory) AddQueue(q core.Queue) *core.Queue {
	if q.ID == "" {
		q.ID = q.Name
	}
	if q.Status == "" {
		q.Status = core.StatusEnabled
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := &q
	m.queues = append(m.queues, p)
	return p
}

// AddFlow adds a flow for TransferToFlow and event hooks.
func (m *Memory) AddFlow(id, name string, f *flow.Flow) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flows = append(m.flows, &LoadedFlow{ID: id, Name: name, Flow: f})
}

// AddModule adds a flow module for InvokeFlowModule.
func (m *Memory) AddModule(id, name string, f *flow.Flow) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.modules = append(m.modules, &LoadedFlow{ID: id, Name: name, Flow: f})
}

// AddPrompt adds a prompt.
func (m *Memory) AddPrompt(p core.Prompt) {
	if p.ID == "" {
		p.ID = p.Name
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prompts = append(m.prompts, &p)
}

// AddFunction adds a function.
func (m *Memory) AddFunction(f core.Function) {
	if f.ID == "" {
		f.ID = f.Name
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.functions = append(m.functions, &f)
}

// AddHours adds hours of operation.
func (m *Memory) AddHours(h core.HoursOfOperation) {
	if h.ID == "" {
		h.ID = h.Name
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hours = append(m.hours, &h)
}

// AddAgent adds an agent, found by ID or username.
func (m *Memory) AddAgent(u core.User) {
	if u.ID == "" {
		u.ID = u.Username
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.agents = append(m.agents, &u)
}

// AddBot adds a bot definition, matched by MatcherBot.
func (m *Memory) AddBot(def BotDefinition) {
	id := def.ID
	if id == "" {
		id = def.Name
	}
	m.AddBotImpl(id, def.Name, NewMatcherBot(def))
}

// AddBotImpl adds any Bot under id and name.
func (m *Memory) AddBotImpl(id, name string, b Bot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bots = append(m.bots, namedBot{id, name, b})
}

// Stubbed returns the references that resolved to stand-ins, as
// "queue ${Q} (Sales)", in the order they were first used.
func (m *Memory) Stubbed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.stubbed)
}

// Candidates returns the keys a reference is looked up by, in order: the
// value, an ARN's resource ID (its last segment) or a Lambda ARN's function
// name, the display name, then the name inside a deploy-time placeholder
// (${NAME}, %%NAME%%, {{lambdaFunctions.NAME.arn}}). Other Resources implementations can use it
// to resolve references the way Memory does.
func Candidates(ref Ref) []string {
	v := strings.TrimSpace(ref.Value)
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(v)
	if strings.HasPrefix(v, "arn:") {
		parts := strings.Split(v, ":")
		if len(parts) >= 7 && parts[2] == "lambda" && parts[5] == "function" {
			add(parts[6])
		}
		if i := strings.LastIndexByte(v, '/'); i >= 0 {
			add(v[i+1:])
		}
		// A Lex V2 alias ARN, .../bot-alias/BOTID/ALIASID: the bot too.
		if segs := strings.Split(v, "/"); len(segs) >= 3 && strings.HasSuffix(segs[len(segs)-3], "bot-alias") {
			add(segs[len(segs)-2])
		}
	}
	add(ref.Name)
	add(placeholderName(v))
	return out
}

// placeholderName returns the name inside an export's deploy-time
// placeholder: ${NAME}, %%NAME%%, or {{kind.NAME.arn}} (the last segment
// that is not "arn" or "id"); "" for anything else.
func placeholderName(v string) string {
	switch {
	case strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}"):
		return v[2 : len(v)-1]
	case len(v) > 4 && strings.HasPrefix(v, "%%") && strings.HasSuffix(v, "%%"):
		return v[2 : len(v)-2]
	case strings.HasPrefix(v, "{{") && strings.HasSuffix(v, "}}"):
		segs := strings.Split(strings.TrimSpace(v[2:len(v)-2]), ".")
		for i := len(segs) - 1; i >= 0; i-- {
			if s := strings.ToLower(segs[i]); s != "arn" && s != "id" && s != "" {
				return segs[i]
			}
		}
	}
	return ""
}

// find returns the first item whose ID or name matches one of ref's
// candidates.
func find[T any](items []T, ref Ref, id, name func(T) string) (T, bool) {
	for _, c := range Candidates(ref) {
		for _, it := range items {
			if id(it) == c {
				return it, true
			}
		}
		for _, it := range items {
			if strings.EqualFold(name(it), c) {
				return it, true
			}
		}
	}
	var zero T
	return zero, false
}

// stubName names a stand-in for ref: the display name, else the most
// specific candidate.
func stubName(ref Ref) string {
	if ref.Name != "" {
		return ref.Name
	}
	c := Candidates(ref)
	if len(c) == 0 {
		return "stub"
	}
	return c[len(c)-1]
}

func (m *Memory) noteStub(kind string, ref Ref) {
	m.stubbed = append(m.stubbed, kind+" "+ref.String())
}

func notFound(kind string, ref Ref) error {
	return fmt.Errorf("%w: no %s matches %q", ErrNotFound, kind, ref.String())
}

// Queue implements Resources.
func (m *Memory) Queue(_ context.Context, ref Ref) (*core.Queue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if q, ok := find(m.queues, ref, func(q *core.Queue) string { return q.ID }, func(q *core.Queue) string { return q.Name }); ok {
		return q, nil
	}
	if !m.StubResources {
		return nil, notFound("queue", ref)
	}
	name := stubName(ref)
	q := &core.Queue{Meta: core.Meta{ID: "stub-queue-" + name}, Name: name, HoursOfOperationID: StubHoursID, Status: core.StatusEnabled}
	m.queues = append(m.queues, q)
	m.noteStub("queue", ref)
	return q, nil
}

// Flow implements Resources.
func (m *Memory) Flow(_ context.Context, ref Ref) (*LoadedFlow, error) {
	return m.flow(ref, &m.flows, "flow", "EndFlowExecution")
}

// Module implements Resources.
func (m *Memory) Module(_ context.Context, ref Ref) (*LoadedFlow, error) {
	return m.flow(ref, &m.modules, "module", "EndFlowModuleExecution")
}

func (m *Memory) flow(ref Ref, list *[]*LoadedFlow, kind, endType string) (*LoadedFlow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if lf, ok := find(*list, ref, func(l *LoadedFlow) string { return l.ID }, func(l *LoadedFlow) string { return l.Name }); ok {
		return lf, nil
	}
	if !m.StubResources {
		return nil, notFound(kind, ref)
	}
	name := stubName(ref)
	f := &flow.Flow{Version: flow.CurrentVersion, StartAction: "end",
		Actions: []flow.Action{{Identifier: "end", Type: endType, Parameters: map[string]any{}}}}
	if kind == "module" {
		f.Settings = &flow.Settings{}
	}
	lf := &LoadedFlow{ID: "stub-" + kind + "-" + name, Name: name, Flow: f}
	*list = append(*list, lf)
	m.noteStub(kind, ref)
	return lf, nil
}

// Prompt implements Resources.
func (m *Memory) Prompt(_ context.Context, ref Ref) (*core.Prompt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := find(m.prompts, ref, func(p *core.Prompt) string { return p.ID }, func(p *core.Prompt) string { return p.Name }); ok {
		return p, nil
	}
	if !m.StubResources {
		return nil, notFound("prompt", ref)
	}
	name := stubName(ref)
	p := &core.Prompt{Meta: core.Meta{ID: "stub-prompt-" + name}, Name: name}
	m.prompts = append(m.prompts, p)
	m.noteStub("prompt", ref)
	return p, nil
}

// Function implements Resources.
func (m *Memory) Function(_ context.Context, ref Ref) (*core.Function, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f, ok := find(m.functions, ref, func(f *core.Function) string { return f.ID }, func(f *core.Function) string { return f.Name }); ok {
		return f, nil
	}
	if !m.StubFunctions {
		return nil, notFound("function", ref)
	}
	name := stubName(ref)
	f := &core.Function{Meta: core.Meta{ID: "stub-function-" + name}, Name: name, URL: "http://stub.invalid/" + name, TimeoutSeconds: 8}
	m.functions = append(m.functions, f)
	m.noteStub("function", ref)
	return f, nil
}

// Hours implements Resources.
func (m *Memory) Hours(_ context.Context, ref Ref) (*core.HoursOfOperation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := find(m.hours, ref, func(h *core.HoursOfOperation) string { return h.ID }, func(h *core.HoursOfOperation) string { return h.Name }); ok {
		return h, nil
	}
	if !m.StubResources && ref.Value != StubHoursID {
		return nil, notFound("hours of operation", ref)
	}
	name := stubName(ref)
	h := &core.HoursOfOperation{Meta: core.Meta{ID: ref.Value}, Name: name, Schedule: hours.AlwaysOpen("UTC")}
	if ref.Value != StubHoursID {
		h.ID = "stub-hours-" + name
		m.noteStub("hours of operation", ref)
	}
	m.hours = append(m.hours, h)
	return h, nil
}

// Bot implements Resources.
func (m *Memory) Bot(_ context.Context, ref Ref) (Bot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := find(m.bots, ref, func(b namedBot) string { return b.id }, func(b namedBot) string { return b.name }); ok {
		return b.bot, nil
	}
	if !m.StubResources {
		return nil, notFound("bot", ref)
	}
	m.bots = append(m.bots, namedBot{id: ref.Value, name: stubName(ref), bot: EchoBot{}})
	m.noteStub("bot", ref)
	return EchoBot{}, nil
}

// Agent implements Resources.
func (m *Memory) Agent(_ context.Context, ref Ref) (*core.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := find(m.agents, ref, func(u *core.User) string { return u.ID }, func(u *core.User) string { return u.Username }); ok {
		return u, nil
	}
	if !m.StubResources {
		return nil, notFound("agent", ref)
	}
	name := stubName(ref)
	u := &core.User{Meta: core.Meta{ID: "stub-agent-" + name}, Username: name}
	m.agents = append(m.agents, u)
	m.noteStub("agent", ref)
	return u, nil
}

// MemoryMetrics is an in-memory Metrics: figures set per queue (or agent)
// ID, zero for others. A queue is at capacity when it has a MaxContacts and
// at least that many contacts in queue. Contacts' positions are set with
// SetPosition. It is safe for concurrent use.
type MemoryMetrics struct {
	mu  sync.Mutex
	m   map[string]QueueMetrics
	pos map[string]memoryPosition // by contact ID
}

type memoryPosition struct {
	queueID string
	p       QueuePosition
}

var (
	_ Metrics             = (*MemoryMetrics)(nil)
	_ ContactQueueMetrics = (*MemoryMetrics)(nil)
)

// SetPosition sets where contact contactID waits in the queue (or agent
// queue) with id; a Position below 1 removes it.
func (mm *MemoryMetrics) SetPosition(id, contactID string, p QueuePosition) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if p.Position < 1 {
		delete(mm.pos, contactID)
		return
	}
	if mm.pos == nil {
		mm.pos = map[string]memoryPosition{}
	}
	mm.pos[contactID] = memoryPosition{queueID: id, p: p}
}

// ContactPosition implements ContactQueueMetrics: the position set for the
// contact, if it was set for q's queue (or agent).
func (mm *MemoryMetrics) ContactPosition(_ context.Context, q MetricsQuery, contactID string) (QueuePosition, bool, error) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	id := q.AgentID
	if q.Queue != nil {
		id = q.Queue.ID
	}
	mp, ok := mm.pos[contactID]
	if !ok || mp.queueID != id {
		return QueuePosition{}, false, nil
	}
	return mp.p, true, nil
}

// Set sets the figures of the queue or agent with id.
func (mm *MemoryMetrics) Set(id string, q QueueMetrics) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.m == nil {
		mm.m = map[string]QueueMetrics{}
	}
	mm.m[id] = q
}

// QueueMetrics implements Metrics.
func (mm *MemoryMetrics) QueueMetrics(_ context.Context, q MetricsQuery) (QueueMetrics, error) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	id := q.AgentID
	if q.Queue != nil {
		id = q.Queue.ID
	}
	return mm.m[id], nil
}

// AtCapacity implements Metrics.
func (mm *MemoryMetrics) AtCapacity(ctx context.Context, q *core.Queue) (bool, error) {
	if q.MaxContacts <= 0 {
		return false, nil
	}
	m, err := mm.QueueMetrics(ctx, MetricsQuery{Queue: q})
	return m.ContactsInQueue >= q.MaxContacts, err
}
