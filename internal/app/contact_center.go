package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/function"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/webhook"
)

// contactCenter is the live part of Switchboard: contacts and their outbox
// relay, webhooks, chats, and per instance a router and an agent hub.
//
// For this slice one process owns every instance's router: the router of
// an instance is built on first use (an agent's hello, a contact queued)
// from the store. The next step is to run it under the instance's NATS KV
// lease (routing.Lease) so that several processes share the instances.
type contactCenter struct {
	log       *slog.Logger
	st        *store.Store
	contacts  *contact.Manager
	relay     *contact.Relay
	webhooks  *webhook.Dispatcher
	functions *function.Invoker
	chats     *chat.Service
	auth      *agent.Authenticator
	bus       *bus.Bus
	// agentEvents publishes what the routers say about agents.
	agentEvents *agentEvents
	holder      string // this process in the contact-center lease
	// embeddedBus: the bus is this process's own NATS server, so a lease
	// found at start is a dead process's (see run).
	embeddedBus bool

	mu        sync.Mutex
	runCtx    context.Context // set while this process serves the contact center (holds the lease); nil otherwise
	started   time.Time       // when it last started serving
	wg        sync.WaitGroup  // routers and flow runs
	instances map[string]*instanceCC

	queueFlows queueFlows // customer queue flows of waiting contacts (queueflow.go)

	voice *voiceChannel // nil with --sip off (voice.go)

	realtime *realtimeView // the supervisor's view (realtime.go)
}

// instanceCC is one instance's router and agent hub.
type instanceCC struct {
	id     string
	router *routing.Router
	hub    *agent.Hub
	cc     *contactCenter

	changed chan struct{} // the store's routing configuration changed (configsync.go)

	mu    sync.Mutex
	users map[string]string // agent ID → username, for contact.Agent
}

func newContactCenter(a *App) (*contactCenter, error) {
	cc := &contactCenter{log: a.log, st: a.Store, bus: a.Bus, instances: map[string]*instanceCC{}, holder: holderID(),
		embeddedBus: a.cfg.NATSURL == ""}
	cc.relay = contact.NewRelay(a.Store, a.Bus, contact.RelayOptions{Logger: a.log})
	cc.contacts = contact.New(a.Store, contact.Options{Logger: a.log, Notify: cc.relay.Notify})
	cc.webhooks = webhook.New(a.Store, a.Bus, webhook.Options{Logger: a.log})
	cc.functions = function.New(function.Options{Version: Version, Logger: a.log, Registerer: a.reg})
	var err error
	cc.chats, err = chat.New(chat.Config{Logger: a.log}, a.Store.ChatBackend(), chatListener{cc})
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	a.Store.OnChange(cc.storeChanged)
	cc.agentEvents = newAgentEvents(a.Bus, a.log)
	cc.auth = agent.NewAuthenticator(a.Store.Users, agent.AuthConfig{Store: a.Store, Logger: a.log})
	cc.realtime = newRealtimeView(cc)
	if cc.voice, err = newVoiceChannel(cc, a.cfg, a.reg); err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	return cc, nil
}

// drainCalls is the first phase of a graceful stop for calls: no new ones,
// and up to timeout for those in progress to end.
func (cc *contactCenter) drainCalls(timeout time.Duration) {
	if cc.voice != nil {
		cc.voice.drain(timeout)
	}
}

// handlers are the HTTP handlers the API server mounts.
func (cc *contactCenter) handlers() map[string]http.Handler {
	return map[string]http.Handler{
		"/participant/": cc.chats.Handler(),
		"GET /api/v1/agent": &agent.Mux{Auth: cc.auth, Hub: func(instanceID string) *agent.Hub {
			ctx := context.Background()
			// The router follows configuration changes itself
			// (configsync.go): a connection does not reload it.
			inst, err := cc.instance(ctx, instanceID)
			if err != nil {
				cc.log.Warn("agent hub unavailable", "instance", instanceID, "err", err)
				return nil
			}
			return inst.hub
		}},
	}
}

// roles are the contact center's long-running components, in start order.
func (cc *contactCenter) roles() []role {
	return []role{
		{"outbox relay", cc.relay.Run},
		{"webhooks", cc.webhooks.Run},
		{"chat", cc.chats.Run},
		{"agent sessions", cc.auth.Run},
		{"agent events", cc.agentEvents.Run},
		{"routers", cc.run},
		{"queue depth history", cc.realtime.run},
	}
}

type role struct {
	name string
	run  func(ctx context.Context) error
}

// run campaigns for the contact-center lease until ctx ends, and serves
// the contact center while it holds it (see lease.go).
func (cc *contactCenter) run(ctx context.Context) error {
	kv, err := routing.OpenLeases(ctx, cc.bus, leaseTTL)
	if err != nil {
		return fmt.Errorf("contact-center lease: %w", err)
	}
	l, err := routing.NewLease(kv, routing.LeaseConfig{Key: leaseKey, Holder: cc.holder, TTL: leaseTTL, Logger: cc.log})
	if err != nil {
		return err
	}
	if cc.embeddedBus {
		// The embedded server just started with this process: nobody has
		// renewed a lease stored in it since the process before this one
		// stopped, so there is no need to wait for it to expire.
		if err := kv.Delete(ctx, leaseKey); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			cc.log.Warn("clear the previous process's contact-center lease", "err", err)
		}
	}
	return l.Run(ctx, cc.serve)
}

// serve runs the contact center until ctx ends (shutdown, or the lease
// lost): it starts the routers of instances with live contacts, lets
// others start on first use, then stops them and their hubs and waits for
// their goroutines (flows included).
func (cc *contactCenter) serve(ctx context.Context) error {
	cc.mu.Lock()
	cc.runCtx, cc.started = ctx, time.Now()
	cc.wg.Add(1)
	cc.mu.Unlock()
	cc.log.Info("contact center active", "holder", cc.holder)
	go func() {
		defer cc.wg.Done()
		if err := cc.boot(ctx); err != nil && ctx.Err() == nil {
			cc.log.Error("contact center start-up", "err", err)
		}
	}()
	if cc.voice != nil {
		cc.wg.Add(1)
		go func() {
			defer cc.wg.Done()
			// Calls are answered only by the lease holder: SIP listens
			// from here until ctx ends.
			if err := cc.voice.run(ctx); err != nil && ctx.Err() == nil {
				cc.log.Error("voice stopped: calls are not answered", "err", err)
			}
		}()
	}
	<-ctx.Done()
	cc.mu.Lock()
	cc.runCtx = nil
	insts := cc.instances
	cc.instances = map[string]*instanceCC{}
	cc.mu.Unlock()
	for _, inst := range insts {
		inst.hub.Close()
	}
	cc.wg.Wait()
	cc.log.Info("contact center stopped", "cause", context.Cause(ctx))
	return nil
}

// instance returns the instance's router and hub, building and starting
// them on first use.
func (cc *contactCenter) instance(ctx context.Context, id string) (*instanceCC, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if inst := cc.instances[id]; inst != nil {
		return inst, nil
	}
	if cc.runCtx == nil {
		return nil, errNotActive
	}
	if _, err := cc.st.GetInstance(ctx, id); err != nil {
		return nil, err
	}
	inst := &instanceCC{id: id, cc: cc, users: map[string]string{}, changed: make(chan struct{}, 1)}
	inst.router = routing.New(routing.Config{InstanceID: id, Logger: cc.log, Sink: routing.SinkFunc(inst.emit)})
	inst.hub = agent.New(agent.Config{InstanceID: id, Router: inst.router, Contacts: cc.contacts,
		Chats: agent.ChatService(cc.chats), Directory: agentDirectory{st: cc.st, instanceID: id}, Transfers: inst, Voice: agentVoice{inst}, Sync: inst.syncConfig,
		Auth: cc.auth, Logger: cc.log})
	runCtx, stop := context.WithCancel(cc.runCtx)
	cc.wg.Add(1)
	go func() {
		defer cc.wg.Done()
		defer stop()
		if err := inst.router.Run(runCtx); err != nil {
			cc.log.Error("router stopped", "instance", id, "err", err)
		}
	}()
	snap, err := inst.snapshot(ctx)
	if err == nil {
		err = inst.router.Restore(ctx, snap)
	}
	if err != nil {
		stop()
		inst.hub.Close()
		return nil, fmt.Errorf("rebuild the router of instance %s: %w", id, err)
	}
	cc.log.Info("router started", "instance", id, "agents", len(snap.Agents), "contacts", len(snap.Contacts))
	inst.resumeQueueFlows(runCtx, snap)
	cc.wg.Add(1)
	go func() {
		defer cc.wg.Done()
		inst.syncLoop(runCtx)
	}()
	cc.instances[id] = inst
	return inst, nil
}

func (inst *instanceCC) agentRef(ctx context.Context, id string) contact.Agent {
	inst.mu.Lock()
	name, ok := inst.users[id]
	inst.mu.Unlock()
	if !ok {
		if u, err := inst.cc.st.Users.Get(ctx, inst.id, id); err == nil {
			name = u.Username
			inst.mu.Lock()
			inst.users[id] = name
			inst.mu.Unlock()
		}
	}
	return contact.Agent{ID: id, Username: name}
}

// emit is the router's sink: it moves the contact through its lifecycle,
// then hands the event to the agent hub. The hub itself records the
// agent's own actions (endContact: Disconnect; completeAcw:
// CompleteAfterContactWork), so those are not repeated here.
func (inst *instanceCC) emit(e routing.Event) {
	inst.cc.queueFlowEvent(e) // first: an offer stops the queue flow at once
	ctx := context.Background()
	m := inst.cc.contacts
	var err error
	switch e.Type {
	case routing.EventOffered:
		_, err = m.Offer(ctx, inst.id, e.ContactID, inst.agentRef(ctx, e.AgentID))
		inst.cc.voice.acceptDial(inst, e) // an agent's own outbound call (voice_outbound.go)
	case routing.EventConnected:
		if inst.cc.voice.agentConnected(ctx, inst, e) {
			break // the call records the connection when the agent's audio is there (voice_agent.go)
		}
		if e.Channel == string(contact.Voice) {
			inst.cc.queueTreatmentDone(e.ContactID) // connected without audio: nothing more to wait for
		}
		_, err = m.ConnectAgent(ctx, inst.id, e.ContactID, inst.agentRef(ctx, e.AgentID))
	case routing.EventMissed, routing.EventRejected, routing.EventContactError:
		_, err = m.ReturnToQueue(ctx, inst.id, e.ContactID, e.AgentID)
	case routing.EventOfferRescinded:
		if e.Reason == routing.ReasonAgentUnavailable || e.Reason == routing.ReasonAgentRemoved {
			_, err = m.ReturnToQueue(ctx, inst.id, e.ContactID, e.AgentID)
		}
	case routing.EventACWStarted:
		inst.cc.voice.agentContactEnded(e.ContactID) // a desk-phone leg ends with the agent's part
	case routing.EventACWEnded:
		if e.Reason != routing.ReasonCompleted { // completed: the hub did it
			_, err = m.CompleteAfterContactWork(ctx, inst.id, e.ContactID)
		}
	}
	if err != nil {
		inst.cc.log.Warn("contact lifecycle from routing event", "event", e.Type, "contact", e.ContactID, "agent", e.AgentID, "err", err)
	}
	if _, ok := agentEventTypes[e.Type]; ok && e.AgentID != "" {
		inst.cc.agentEvents.add(inst.id, inst.agentRef(ctx, e.AgentID).Username, e)
	}
	inst.hub.Emit(e)
}

// chatListener ends contacts whose customer left the chat.
type chatListener struct{ cc *contactCenter }

func (chatListener) ItemPosted(context.Context, chat.Item)                {}
func (chatListener) ParticipantConnected(context.Context, string, string) {}

func (l chatListener) ChatEnded(_ context.Context, contactID, reason string) {
	switch reason {
	case chat.ReasonAgentDisconnect, chat.ReasonFlowDisconnect:
		return // the agent hub or the flow runner records these
	}
	cc := l.cc
	cc.mu.Lock()
	running := cc.runCtx != nil
	if running {
		cc.wg.Add(1)
	}
	cc.mu.Unlock()
	if !running {
		return
	}
	go func() {
		defer cc.wg.Done()
		ctx := context.Background()
		c, err := cc.findContact(ctx, contactID) // the chat's first contact
		if err == nil {
			c, err = cc.currentContact(ctx, c) // the one after transfers
		}
		if err != nil {
			cc.log.Warn("chat ended: contact", "contact", contactID, "err", err)
			return
		}
		contactID = c.ID
		// The contact first, the router second: the router's ACWStarted
		// lets the agent complete after-contact work at once, which the
		// contact must already be in.
		if _, err := cc.contacts.Disconnect(ctx, c.InstanceID, contactID, disconnectReason(reason)); err != nil {
			cc.log.Warn("chat ended: disconnect", "contact", contactID, "err", err)
		}
		if inst, err := cc.instance(ctx, c.InstanceID); err == nil {
			if err := inst.router.EndContact(ctx, contactID); err != nil && !errors.Is(err, routing.ErrUnknownContact) {
				cc.log.Debug("chat ended: router", "contact", contactID, "err", err)
			}
		}
	}()
}

// disconnectReason maps a chat's end reason to the contact record's.
func disconnectReason(chatReason string) contact.DisconnectReason {
	switch chatReason {
	case chat.ReasonCustomerDisconnect, chat.ReasonIdle: // idle: the customer left without ending the chat
		return contact.CustomerDisconnect
	case chat.ReasonExpired:
		return contact.Expired
	}
	return contact.OtherDisconnect
}

// findContact finds a contact by ID in any instance (a chat knows its
// contact's ID only).
func (cc *contactCenter) findContact(ctx context.Context, id string) (*contact.Contact, error) {
	cc.mu.Lock()
	ids := make([]string, 0, len(cc.instances))
	for iid := range cc.instances {
		ids = append(ids, iid)
	}
	cc.mu.Unlock()
	for _, iid := range ids {
		if c, err := cc.contacts.Get(ctx, iid, id); err == nil {
			return c, nil
		}
	}
	rec, err := cc.st.ChatBackend().Chat(ctx, id)
	if err != nil {
		return nil, err
	}
	return cc.contacts.Get(ctx, rec.InstanceID, id)
}

// StartChat implements api.ChatStarter: it creates the CHAT contact, starts
// the chat and runs the flow's published version in the background.
func (cc *contactCenter) StartChat(ctx context.Context, instanceID string, in api.StartChatInput) (api.StartChatOutput, error) {
	f, err := cc.st.Flows.Find(ctx, instanceID, in.ContactFlowID)
	if errors.Is(err, store.ErrNotFound) {
		return api.StartChatOutput{}, core.Invalid("ContactFlowId", "names no flow of this instance")
	}
	if err != nil {
		return api.StartChatOutput{}, err
	}
	if f.PublishedVersion == 0 {
		return api.StartChatOutput{}, core.Invalid("ContactFlowId", "flow %s is not published", f.Name)
	}
	v, err := cc.st.FlowVersion(ctx, instanceID, f.ID, f.PublishedVersion)
	if err != nil {
		return api.StartChatOutput{}, err
	}
	parsed, err := flow.Parse(v.Content)
	if err != nil {
		return api.StartChatOutput{}, fmt.Errorf("flow %s version %d: %w", f.Name, v.Version, err)
	}
	if _, err := cc.instance(ctx, instanceID); err != nil {
		return api.StartChatOutput{}, err
	}
	c, err := cc.contacts.Create(ctx, contact.NewContact{InstanceID: instanceID, Channel: contact.Chat,
		InitiationMethod: contact.API, Attributes: in.Attributes})
	if err != nil {
		return api.StartChatOutput{}, err
	}
	res, err := cc.chats.StartChat(ctx, chat.StartChatRequest{InstanceID: instanceID, ContactID: c.ID,
		DisplayName: in.ParticipantDetails.DisplayName})
	if err != nil {
		if _, e := cc.contacts.End(context.WithoutCancel(ctx), instanceID, c.ID, contact.OtherDisconnect); e != nil {
			cc.log.Warn("end contact of a chat that did not start", "contact", c.ID, "err", e)
		}
		return api.StartChatOutput{}, err
	}
	if _, err := cc.contacts.StartFlow(ctx, instanceID, c.ID, f.ID); err != nil {
		cc.abandon(instanceID, c.ID)
		return api.StartChatOutput{}, err
	}
	runCtx, done, ok := cc.acquireRun()
	if !ok {
		cc.abandon(instanceID, c.ID)
		return api.StartChatOutput{}, errNotActive
	}
	go func() {
		defer done()
		cc.runFlow(runCtx, c, &engine.LoadedFlow{ID: f.ID, Name: f.Name, Flow: parsed}, in.Attributes, nil, cc.chatLeg(c))
	}()
	return api.StartChatOutput{ContactID: res.ContactID, ParticipantID: res.ParticipantID, ParticipantToken: res.ParticipantToken}, nil
}

// acquireRun returns the contact center's run context for work that
// outlives the request starting it, counted in cc.wg until done is
// called; ok is false when the contact center is not running here.
func (cc *contactCenter) acquireRun() (ctx context.Context, done func(), ok bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.runCtx == nil {
		return nil, nil, false
	}
	cc.wg.Add(1)
	return cc.runCtx, cc.wg.Done, true
}

// abandon ends the chat and the contact of a chat that could not start its flow.
func (cc *contactCenter) abandon(instanceID, contactID string) {
	ctx := context.Background()
	if err := cc.chats.EndChat(ctx, contactID, chat.ReasonFlowDisconnect); err != nil {
		cc.log.Warn("end the chat of a contact that did not start", "contact", contactID, "err", err)
	}
	if _, err := cc.contacts.End(ctx, instanceID, contactID, contact.OtherDisconnect); err != nil {
		cc.log.Warn("end a contact that did not start", "contact", contactID, "err", err)
	}
}

// runFlow runs a contact's flow with the customer's leg (its chat or its
// call) and acts on its outcome.
//
// target, if not nil, is the working queue the flow starts with (a quick
// connect's transfer flow queues to its queue or agent).
func (cc *contactCenter) runFlow(ctx context.Context, c *contact.Contact, lf *engine.LoadedFlow, attrs map[string]string, target *engine.QueueTarget, leg customerLeg) {
	log := cc.log.With("contact", c.ID, "flow", lf.Name)
	inst, err := cc.instance(ctx, c.InstanceID)
	if err != nil {
		log.Error("flow: instance", "err", err)
		return
	}
	p, err := leg.participant(ctx)
	if err != nil {
		log.Error("flow: participant", "err", err)
		return
	}
	ec := engine.NewContact(c.ID, leg.channel())
	ec.InstanceID = c.InstanceID
	if c.InitialContactID != "" {
		ec.InitialContactID, ec.PreviousContactID = c.InitialContactID, c.PreviousContactID
	}
	if e := c.CustomerEndpoint; e != nil {
		ec.CustomerEndpoint = &engine.Endpoint{Address: e.Address, Type: e.Type}
	}
	if e := c.SystemEndpoint; e != nil {
		ec.SystemEndpoint = &engine.Endpoint{Address: e.Address, Type: e.Type}
	}
	ec.Queue = target
	for k, v := range attrs {
		ec.Attributes[k] = v
	}
	e := engine.New(engine.Env{Resources: storeResources{st: cc.st, instanceID: c.InstanceID}, Functions: cc.functions,
		Metrics: inst.router, Logger: cc.log})
	res, err := e.RunLoaded(ctx, lf, ec, p)
	p.Close()
	if ctx.Err() != nil {
		return // shutting down: the contact stays IN_FLOW
	}
	if res != nil && res.Contact != nil {
		cc.saveFlowData(ctx, c, attrs, res.Contact)
	}
	end := func(reason contact.DisconnectReason) { leg.end(ctx, c.ID, reason) }
	if err != nil || res == nil {
		log.Warn("flow failed", "err", err)
		end(contact.ContactFlowDisconnect)
		return
	}
	switch o := res.Outcome; o.Type {
	case engine.OutcomeTransferToQueue, engine.OutcomeTransferToAgent:
		q, ok := queueRef(o.Queue)
		if !ok {
			log.Warn("flow: transfer to queue without a queue")
			end(contact.ContactFlowDisconnect)
			return
		}
		if res.Contact != nil {
			q.Priority = res.Contact.Routing.Priority
			q.TimeAdjustmentSeconds = int64(res.Contact.Routing.TimeAdjustment / time.Second)
		}
		qc, err := cc.contacts.Enqueue(ctx, c.InstanceID, c.ID, q)
		if err != nil {
			log.Warn("flow: enqueue", "err", err)
			if !errors.Is(err, contact.ErrInvalidTransition) { // e.g. the customer left meanwhile
				end(contact.OtherDisconnect)
			}
			return
		}
		cc.watchQueueFlow(ctx, inst, qc, res.Contact, leg) // before the router's first event
		if err := inst.router.Enqueue(ctx, routingContact(qc)); err != nil {
			cc.forgetQueueFlow(c.ID)
			log.Warn("flow: route", "err", err)
			end(contact.OtherDisconnect)
		}
	case engine.OutcomeTransferToPhoneNumber:
		if h, ok := leg.(handedOverLeg); ok && h.handedOver() {
			return // the caller is bridged to the number: the call ends the contact (voice_dial.go)
		}
		end(contact.ContactFlowDisconnect)
	case engine.OutcomeError:
		log.Warn("flow ended in error", "err", o.Err)
		end(contact.ContactFlowDisconnect)
	default: // Disconnect, EndFlow, and transfers the channel does not support
		end(contact.ContactFlowDisconnect)
	}
}

// saveFlowData stores what a flow set on the contact: the attributes it set
// or changed (before: what it started with), so that agents, later flows and
// the contact record see them, and its event hooks (the customer queue flow
// ...), so that they outlive this process.
func (cc *contactCenter) saveFlowData(ctx context.Context, c *contact.Contact, before map[string]string, ec *engine.Contact) {
	u := contact.DataUpdate{Attributes: map[string]string{}, EventHooks: map[string]string{}}
	for k, v := range ec.Attributes {
		if old, ok := before[k]; !ok || old != v {
			u.Attributes[k] = v
		}
	}
	for name, h := range ec.EventHooks {
		id := h.FlowID
		if id == "" {
			id = h.Ref
		}
		if h.Disabled {
			id = ""
		}
		if c.EventHooks[name] != id {
			u.EventHooks[name] = id
		}
	}
	for name := range c.EventHooks {
		if _, ok := ec.EventHooks[name]; !ok {
			u.EventHooks[name] = ""
		}
	}
	if len(u.Attributes) == 0 && len(u.EventHooks) == 0 {
		return
	}
	if _, err := cc.contacts.UpdateData(ctx, c.InstanceID, c.ID, u); err != nil {
		cc.log.Warn("flow: save the contact's attributes and hooks", "contact", c.ID, "err", err)
	}
}

// storeResources finds a flow's resources in the store, by ID, ARN or name.
type storeResources struct {
	st         *store.Store
	instanceID string
}

// refKeys are the strings a Ref may name a resource by, in the engine's
// order (value, ARN resource ID or Lambda function name, display name,
// placeholder name); an unresolved JSONPath names nothing.
func refKeys(r engine.Ref) []string {
	return slices.DeleteFunc(engine.Candidates(r), func(k string) bool { return strings.Contains(k, "$.") })
}

func find[T any](ctx context.Context, inst string, ref engine.Ref, fn func(ctx context.Context, inst, key string) (T, error)) (T, error) {
	var zero T
	for _, k := range refKeys(ref) {
		v, err := fn(ctx, inst, k)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return zero, err
		}
	}
	return zero, fmt.Errorf("%w: %s", engine.ErrNotFound, ref)
}

func (s storeResources) Queue(ctx context.Context, ref engine.Ref) (*core.Queue, error) {
	return find(ctx, s.instanceID, ref, s.st.Queues.Find)
}

func (s storeResources) Flow(ctx context.Context, ref engine.Ref) (*engine.LoadedFlow, error) {
	f, err := find(ctx, s.instanceID, ref, s.st.Flows.Find)
	if err != nil {
		return nil, err
	}
	if f.PublishedVersion == 0 {
		return nil, fmt.Errorf("%w: flow %s is not published", engine.ErrNotFound, f.Name)
	}
	v, err := s.st.FlowVersion(ctx, s.instanceID, f.ID, f.PublishedVersion)
	if err != nil {
		return nil, err
	}
	parsed, err := flow.Parse(v.Content)
	if err != nil {
		return nil, err
	}
	return &engine.LoadedFlow{ID: f.ID, Name: f.Name, Flow: parsed}, nil
}

func (s storeResources) Module(ctx context.Context, ref engine.Ref) (*engine.LoadedFlow, error) {
	return s.Flow(ctx, ref)
}

func (s storeResources) Prompt(ctx context.Context, ref engine.Ref) (*core.Prompt, error) {
	return find(ctx, s.instanceID, ref, s.st.Prompts.Find)
}

func (s storeResources) Function(ctx context.Context, ref engine.Ref) (*core.Function, error) {
	return find(ctx, s.instanceID, ref, s.st.Functions.Find)
}

func (s storeResources) Hours(ctx context.Context, ref engine.Ref) (*core.HoursOfOperation, error) {
	return find(ctx, s.instanceID, ref, s.st.Hours.Find)
}

func (s storeResources) Bot(_ context.Context, ref engine.Ref) (engine.Bot, error) {
	return nil, fmt.Errorf("%w: bots are not supported yet: %s", engine.ErrNotFound, ref)
}

func (s storeResources) Agent(ctx context.Context, ref engine.Ref) (*core.User, error) {
	return find(ctx, s.instanceID, ref, s.st.Users.Find)
}
