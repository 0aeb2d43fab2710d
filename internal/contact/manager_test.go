package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// fakeClock is a settable clock for the Manager.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var alice = Agent{ID: "agent-alice", Username: "alice"}
var bob = Agent{ID: "agent-bob", Username: "bob"}

// must(f())(t) is f's value, or fails the test with f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newVoice(t *testing.T, m *Manager, inst string) *Contact {
	t.Helper()
	return must(m.Create(context.Background(), NewContact{InstanceID: inst, Channel: Voice, InitiationMethod: Inbound,
		CustomerEndpoint: &Endpoint{Type: EndpointPhone, Address: "+15550100"},
		SystemEndpoint:   &Endpoint{Type: EndpointPhone, Address: "+15550199"},
		Attributes:       map[string]string{"lang": "en"}}))(t)
}

func TestVoiceContactLifecycleWritesTimestampsEventsAndRecordAtEndOfACW(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		m := New(st, Options{Now: clk.Now})
		inst := newInstance(t, st)
		start := clk.Now()

		c := newVoice(t, m, inst)
		if c.State != Initiated || c.InitialContactID != c.ID || c.Version != 1 || !c.InitiationTimestamp.Equal(start) {
			t.Fatalf("created %+v", c)
		}
		clk.Advance(time.Second)
		must(m.StartFlow(ctx, inst, c.ID, "flow-1"))(t)
		clk.Advance(2 * time.Second)
		must(m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q-1", Name: "Billing"}))(t)
		clk.Advance(10 * time.Second)
		must(m.Offer(ctx, inst, c.ID, alice))(t)
		clk.Advance(3 * time.Second)
		c = must(m.ConnectAgent(ctx, inst, c.ID, alice))(t)
		if c.Queue.DurationSeconds != 13 || c.Queue.Priority != DefaultPriority || c.Agent.OfferedTimestamp.IsZero() {
			t.Fatalf("queue %+v agent %+v", c.Queue, c.Agent)
		}
		clk.Advance(60 * time.Second)
		c = must(m.Disconnect(ctx, inst, c.ID, CustomerDisconnect))(t)
		if c.State != AfterContactWork || c.Agent.AgentInteractionDurationSeconds != 60 {
			t.Fatalf("after disconnect %+v agent %+v", c, c.Agent)
		}
		if _, err := m.GetRecord(ctx, inst, c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("record written before after-contact work ended: %v", err)
		}
		clk.Advance(20 * time.Second)
		c = must(m.CompleteAfterContactWork(ctx, inst, c.ID))(t)
		if c.State != Ended || c.Version != 7 {
			t.Fatalf("ended %+v", c)
		}

		rec := must(m.GetRecord(ctx, inst, c.ID))(t)
		at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
		checks := []struct {
			name      string
			got, want time.Time
		}{
			{"initiation", rec.InitiationTimestamp, at(0)},
			{"connected to system", rec.ConnectedToSystemTimestamp, at(1)},
			{"enqueue", rec.EnqueueTimestamp, at(3)},
			{"queue enqueue", rec.Queue.EnqueueTimestamp, at(3)},
			{"queue dequeue", rec.Queue.DequeueTimestamp, at(16)},
			{"offered", rec.Agent.OfferedTimestamp, at(13)},
			{"connected to agent", rec.ConnectedToAgentTimestamp, at(16)},
			{"agent connected", rec.Agent.ConnectedToAgentTimestamp, at(16)},
			{"disconnect", rec.DisconnectTimestamp, at(76)},
			{"ACW start", rec.Agent.AfterContactWorkStartTimestamp, at(76)},
			{"ACW end", rec.Agent.AfterContactWorkEndTimestamp, at(96)},
			{"ACW end (top)", rec.AfterContactWorkEndTimestamp, at(96)},
			{"last update", rec.LastUpdateTimestamp, at(96)},
			{"recorded", rec.RecordedAt, at(96)},
		}
		for _, c := range checks {
			if !c.got.Equal(c.want) {
				t.Errorf("%s timestamp %v, want %v", c.name, c.got, c.want)
			}
		}
		if rec.Agent.AfterContactWorkDurationSeconds != 20 || rec.Agent.ID != alice.ID || rec.Agent.Username != "alice" ||
			rec.DisconnectReason != CustomerDisconnect || rec.FlowID != "flow-1" || rec.Queue.Name != "Billing" ||
			rec.Attributes["lang"] != "en" || rec.CustomerEndpoint.Address != "+15550100" {
			t.Errorf("record %+v agent %+v", rec, rec.Agent)
		}

		want := []string{"INITIATED", "FLOW_STARTED", "QUEUED", "OFFERED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED", RecordType}
		evs := outbox(t, st, c.ID)
		if got := types(evs); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		for i, e := range evs {
			if i > 0 && e.ID <= evs[i-1].ID {
				t.Errorf("event %d ID %s does not sort after %s", i, e.ID, evs[i-1].ID)
			}
			if e.Type == RecordType {
				if e.Stream != "CONTACT_RECORDS" {
					t.Errorf("record on stream %s", e.Stream)
				}
				continue
			}
			var ev Event
			if err := json.Unmarshal(e.Payload, &ev); err != nil {
				t.Fatal(err)
			}
			if e.Stream != "CONTACT_EVENTS" || string(ev.EventType) != e.Type || ev.ContactID != c.ID || ev.InstanceID != inst ||
				ev.Contact == nil || ev.Contact.Version != ev.Version {
				t.Errorf("event %d: %+v on %s", i, ev, e.Stream)
			}
		}
	})
}

// Every operation in every state: ok (the state changes), noop (nothing is
// written, no error) or refused (ErrInvalidTransition, nothing written).
func TestEveryOperationInEveryStateFollowsTheLifecycle(t *testing.T) {
	const ok, noop, no = "ok", "noop", "refused"
	type op struct {
		name string
		do   func(m *Manager, inst, id string) (*Contact, error)
		// want per state: INITIATED, IN_FLOW, QUEUED, OFFERED, CONNECTED, AFTER_CONTACT_WORK, ENDED
		want [7]string
		// to is the state reached from each state when ok.
		to [7]State
	}
	ctx := context.Background()
	ops := []op{
		{"start flow", func(m *Manager, inst, id string) (*Contact, error) { return m.StartFlow(ctx, inst, id, "f") },
			[7]string{ok, ok, no, no, no, no, no}, [7]State{InFlow, InFlow}},
		{"enqueue", func(m *Manager, inst, id string) (*Contact, error) {
			return m.Enqueue(ctx, inst, id, QueueRef{ID: "q2"})
		},
			[7]string{ok, ok, ok, no, no, no, no}, [7]State{Queued, Queued, Queued}},
		{"offer", func(m *Manager, inst, id string) (*Contact, error) { return m.Offer(ctx, inst, id, bob) },
			[7]string{no, no, ok, no, no, no, no}, [7]State{2: Offered}},
		{"return to queue", func(m *Manager, inst, id string) (*Contact, error) { return m.ReturnToQueue(ctx, inst, id, alice.ID) },
			[7]string{no, no, no, ok, no, no, no}, [7]State{3: Queued}},
		{"connect", func(m *Manager, inst, id string) (*Contact, error) { return m.ConnectAgent(ctx, inst, id, alice) },
			[7]string{ok, no, ok, ok, no, no, no}, [7]State{0: Connected, 2: Connected, 3: Connected}},
		{"disconnect", func(m *Manager, inst, id string) (*Contact, error) {
			return m.Disconnect(ctx, inst, id, CustomerDisconnect)
		},
			[7]string{ok, ok, ok, ok, ok, noop, noop}, [7]State{Ended, Ended, Ended, Ended, AfterContactWork}},
		{"complete ACW", func(m *Manager, inst, id string) (*Contact, error) { return m.CompleteAfterContactWork(ctx, inst, id) },
			[7]string{no, no, no, no, no, ok, noop}, [7]State{5: Ended}},
		{"end", func(m *Manager, inst, id string) (*Contact, error) { return m.End(ctx, inst, id, DisconnectedByAPI) },
			[7]string{ok, ok, ok, ok, ok, ok, noop}, [7]State{Ended, Ended, Ended, Ended, Ended, Ended}},
		{"transfer", func(m *Manager, inst, id string) (*Contact, error) {
			c, _, err := m.Transfer(ctx, inst, id, TransferRequest{})
			return c, err
		}, [7]string{no, ok, ok, no, ok, no, no}, [7]State{1: Ended, 2: Ended, 4: AfterContactWork}},
		{"update data", func(m *Manager, inst, id string) (*Contact, error) {
			return m.UpdateData(ctx, inst, id, DataUpdate{Attributes: map[string]string{"k": "v"}})
		}, [7]string{ok, ok, ok, ok, ok, ok, no}, [7]State{Initiated, InFlow, Queued, Offered, Connected, AfterContactWork}},
	}
	// reach moves a new contact to States()[i] along the usual path.
	reach := func(t *testing.T, m *Manager, inst string, i int) *Contact {
		c := newVoice(t, m, inst)
		steps := []func() (*Contact, error){
			func() (*Contact, error) { return m.StartFlow(ctx, inst, c.ID, "f") },
			func() (*Contact, error) { return m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q1"}) },
			func() (*Contact, error) { return m.Offer(ctx, inst, c.ID, alice) },
			func() (*Contact, error) { return m.ConnectAgent(ctx, inst, c.ID, alice) },
			func() (*Contact, error) { return m.Disconnect(ctx, inst, c.ID, CustomerDisconnect) },
			func() (*Contact, error) { return m.CompleteAfterContactWork(ctx, inst, c.ID) },
		}
		for _, s := range steps[:i] {
			c = must(s())(t)
		}
		if c.State != States()[i] {
			t.Fatalf("reached %s, want %s", c.State, States()[i])
		}
		return c
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m := New(st, Options{})
		inst := newInstance(t, st)
		for _, o := range ops {
			for i, from := range States() {
				t.Run(fmt.Sprintf("%s from %s", o.name, from), func(t *testing.T) {
					c := reach(t, m, inst, i)
					before := len(outbox(t, st, c.ID))
					got, err := o.do(m, inst, c.ID)
					after := must(m.Get(ctx, inst, c.ID))(t)
					written := len(outbox(t, st, c.ID)) - before
					switch o.want[i] {
					case ok:
						if err != nil {
							t.Fatalf("refused: %v", err)
						}
						if got.State != o.to[i] || after.State != o.to[i] || after.Version != c.Version+1 || written == 0 {
							t.Fatalf("went to %s (stored %s v%d, %d events), want %s v%d", got.State, after.State, after.Version, written, o.to[i], c.Version+1)
						}
						if o.to[i] != from && !CanTransition(from, o.to[i]) {
							t.Fatalf("%s → %s is not in the transition table", from, o.to[i])
						}
					case noop:
						if err != nil || got.State != from || after.Version != c.Version || written != 0 {
							t.Fatalf("repeat changed something: %v, state %s v%d, %d events", err, after.State, after.Version, written)
						}
					case no:
						var te *TransitionError
						var ce *store.ConflictError
						if !errors.Is(err, ErrInvalidTransition) || !errors.As(err, &te) || te.State != from ||
							!errors.As(err, &ce) || ce.Field != "state" {
							t.Fatalf("error %v, want a TransitionError in state %s", err, from)
						}
						if after.State != from || after.Version != c.Version || written != 0 {
							t.Fatalf("a refused operation wrote: state %s v%d, %d events", after.State, after.Version, written)
						}
					}
				})
			}
		}
	})
}

func TestOfferRaceCannotBeUndoneByTheWrongAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := New(st, Options{})
		inst := newInstance(t, st)
		c := newVoice(t, m, inst)
		must(m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q"}))(t)
		must(m.Offer(ctx, inst, c.ID, alice))(t)
		must(m.ReturnToQueue(ctx, inst, c.ID, alice.ID))(t) // alice missed it
		must(m.Offer(ctx, inst, c.ID, bob))(t)
		if _, err := m.ReturnToQueue(ctx, inst, c.ID, alice.ID); !errors.Is(err, ErrInvalidTransition) {
			t.Fatalf("alice's late reject cancelled bob's offer: %v", err)
		}
		if _, err := m.ConnectAgent(ctx, inst, c.ID, alice); !errors.Is(err, ErrInvalidTransition) {
			t.Fatalf("alice accepted an offer made to bob: %v", err)
		}
		c = must(m.ConnectAgent(ctx, inst, c.ID, bob))(t)
		if c.Agent.ID != bob.ID {
			t.Fatalf("connected to %+v", c.Agent)
		}
	})
}

func TestInvalidInputIsAValidationError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := New(st, Options{})
		inst := newInstance(t, st)
		big := map[string]string{"k": string(make([]byte, MaxAttributesBytes))}
		for name, n := range map[string]NewContact{
			"no channel":      {InstanceID: inst, InitiationMethod: Inbound},
			"bad method":      {InstanceID: inst, Channel: Chat, InitiationMethod: "PIGEON"},
			"dotted instance": {InstanceID: "a.b", Channel: Chat, InitiationMethod: Inbound},
			"huge attributes": {InstanceID: inst, Channel: Chat, InitiationMethod: Inbound, Attributes: big},
		} {
			var ve *core.ValidationError
			if _, err := m.Create(ctx, n); !errors.As(err, &ve) {
				t.Errorf("%s: %v, want a validation error", name, err)
			}
		}
		if _, err := m.Create(ctx, NewContact{InstanceID: "no-such-instance", Channel: Chat, InitiationMethod: Inbound}); !errors.Is(err, ErrNotFound) {
			t.Errorf("contact of a missing instance: %v", err)
		}
		c := newVoice(t, m, inst)
		var ve *core.ValidationError
		if _, err := m.End(ctx, inst, c.ID, "BORED"); !errors.As(err, &ve) {
			t.Errorf("unknown disconnect reason: %v", err)
		}
		if _, err := m.UpdateData(ctx, inst, c.ID, DataUpdate{Attributes: big}); !errors.As(err, &ve) {
			t.Errorf("attributes over the limit: %v", err)
		}
		if _, err := m.Get(ctx, "other-instance", c.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("contact read through another instance: %v", err)
		}
	})
}

func TestEndingTwiceOrConcurrentlyWritesOneRecordAndOneCompleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := New(st, Options{})
		inst := newInstance(t, st)

		c := newVoice(t, m, inst)
		must(m.End(ctx, inst, c.ID, CustomerDisconnect))(t)
		again := must(m.End(ctx, inst, c.ID, AgentDisconnect))(t)
		if again.DisconnectReason != CustomerDisconnect {
			t.Errorf("second End changed the reason to %s", again.DisconnectReason)
		}
		if n := must(st.CountContactRecords(ctx, c.ID))(t); n != 1 {
			t.Fatalf("%d records", n)
		}

		// Racing enders: End, Disconnect and CompleteAfterContactWork on a
		// contact in after-contact work, many times at once.
		for round := range 5 {
			c := newVoice(t, m, inst)
			must(m.ConnectAgent(ctx, inst, c.ID, alice))(t)
			must(m.Disconnect(ctx, inst, c.ID, CustomerDisconnect))(t)
			var wg sync.WaitGroup
			errs := make(chan error, 24)
			for i := range 24 {
				wg.Go(func() {
					var err error
					switch i % 3 {
					case 0:
						_, err = m.End(ctx, inst, c.ID, DisconnectedByAPI)
					case 1:
						_, err = m.CompleteAfterContactWork(ctx, inst, c.ID)
					case 2:
						_, err = m.Disconnect(ctx, inst, c.ID, AgentDisconnect)
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if n := must(st.CountContactRecords(ctx, c.ID))(t); n != 1 {
				t.Fatalf("round %d: %d records", round, n)
			}
			got := types(outbox(t, st, c.ID))
			want := []string{"INITIATED", "CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED", RecordType}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: events %v, want %v", round, got, want)
			}
		}
	})
}

func TestTransferCreatesALinkedContactAndTheAgentWrapsUpTheOld(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := New(st, Options{})
		inst := newInstance(t, st)
		first := newVoice(t, m, inst)
		must(m.ConnectAgent(ctx, inst, first.ID, alice))(t)
		old, next, err := m.Transfer(ctx, inst, first.ID, TransferRequest{Attributes: map[string]string{"reason": "billing"}})
		if err != nil {
			t.Fatal(err)
		}
		if old.State != AfterContactWork || old.NextContactID != next.ID || old.DisconnectReason != AgentDisconnect {
			t.Fatalf("old %+v", old)
		}
		if next.State != Initiated || next.InitiationMethod != Transfer || next.PreviousContactID != first.ID ||
			next.InitialContactID != first.ID || next.Attributes["lang"] != "en" || next.Attributes["reason"] != "billing" ||
			next.CustomerEndpoint.Address != "+15550100" || next.Agent != nil || next.Queue != nil {
			t.Fatalf("new %+v", next)
		}
		if got := types(outbox(t, st, first.ID)); !slices.Equal(got, []string{"INITIATED", "CONNECTED_TO_AGENT", "TRANSFERRED", "DISCONNECTED"}) {
			t.Fatalf("old contact's events %v", got)
		}
		if got := types(outbox(t, st, next.ID)); !slices.Equal(got, []string{"INITIATED"}) {
			t.Fatalf("new contact's events %v", got)
		}
		// The second leg goes through a queue transfer of its own: the chain
		// keeps the first contact as its initial contact.
		must(m.StartFlow(ctx, inst, next.ID, "f"))(t)
		must(m.Enqueue(ctx, inst, next.ID, QueueRef{ID: "q"}))(t)
		_, third, err := m.Transfer(ctx, inst, next.ID, TransferRequest{Method: QueueTransfer})
		if err != nil {
			t.Fatal(err)
		}
		if third.InitialContactID != first.ID || third.PreviousContactID != next.ID || third.InitiationMethod != QueueTransfer {
			t.Fatalf("third %+v", third)
		}
		if rec := must(m.GetRecord(ctx, inst, next.ID))(t); rec.NextContactID != third.ID || rec.DisconnectReason != ContactFlowDisconnect {
			t.Fatalf("second leg's record %+v", rec)
		}
	})
}

func TestQueuedContactsComeBackInServiceOrderForARouterRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		m := New(st, Options{Now: clk.Now})
		inst, other := newInstance(t, st), newInstance(t, st)
		mk := func(inst string, q QueueRef) *Contact {
			c := newVoice(t, m, inst)
			must(m.StartFlow(ctx, inst, c.ID, "f"))(t)
			clk.Advance(time.Second)
			return must(m.Enqueue(ctx, inst, c.ID, q))(t)
		}
		old := mk(inst, QueueRef{ID: "sales"})                                // t+1, priority 5
		young := mk(inst, QueueRef{ID: "sales"})                              // t+2
		urgent := mk(inst, QueueRef{ID: "support", Priority: 1})              // t+3, priority 1
		boosted := mk(inst, QueueRef{ID: "sales", TimeAdjustmentSeconds: 60}) // t+4, counts as t-56
		offered := mk(inst, QueueRef{ID: "sales"})                            // t+5, offered: still waiting
		must(m.Offer(ctx, inst, offered.ID, alice))(t)
		talking := mk(inst, QueueRef{ID: "sales"})
		must(m.ConnectAgent(ctx, inst, talking.ID, bob))(t)
		gone := mk(inst, QueueRef{ID: "sales"})
		must(m.Disconnect(ctx, inst, gone.ID, CustomerDisconnect))(t)
		mk(other, QueueRef{ID: "sales"})
		// Re-enqueueing in the same queue changes the priority, not the age.
		clk.Advance(time.Hour)
		must(m.Enqueue(ctx, inst, young.ID, QueueRef{ID: "sales", Priority: 2}))(t)

		got := must(m.QueuedContacts(ctx, inst))(t)
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		want := []string{urgent.ID, young.ID, boosted.ID, old.ID, offered.ID}
		if !slices.Equal(ids, want) {
			t.Fatalf("queued contacts\n got %v\nwant %v", ids, want)
		}
		if got[1].Queue.EnqueueTimestamp.Compare(young.Queue.EnqueueTimestamp) != 0 || got[1].Queue.Priority != 2 {
			t.Fatalf("re-enqueued contact %+v", got[1].Queue)
		}
		if got[4].State != Offered || got[4].Agent.ID != alice.ID {
			t.Fatalf("offered contact %+v", got[4])
		}
		held := must(m.AgentContacts(ctx, inst, ""))(t)
		if len(held) != 2 {
			t.Fatalf("%d contacts hold agents, want 2 (alice offered, bob connected)", len(held))
		}
		if bobs := must(m.AgentContacts(ctx, inst, bob.ID))(t); len(bobs) != 1 || bobs[0].ID != talking.ID {
			t.Fatalf("bob holds %v", bobs)
		}
		page, next := mustOK2(t)(m.List(ctx, Query{InstanceID: inst, QueueID: "sales", States: []State{Queued}, Max: 2}))
		if len(page) != 2 || next == "" {
			t.Fatalf("first page %d, next %q", len(page), next)
		}
	})
}

func mustOK2(t *testing.T) func([]*Contact, string, error) ([]*Contact, string) {
	return func(cs []*Contact, next string, err error) ([]*Contact, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return cs, next
	}
}

func TestContactRecordsListByFilterAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		m := New(st, Options{Now: clk.Now})
		inst := newInstance(t, st)
		start := clk.Now()
		var chats, voices []string
		for i := range 7 {
			ch := Voice
			if i%2 == 0 {
				ch = Chat
			}
			c := must(m.Create(ctx, NewContact{InstanceID: inst, Channel: ch, InitiationMethod: API}))(t)
			must(m.ConnectAgent(ctx, inst, c.ID, alice))(t)
			must(m.End(ctx, inst, c.ID, AgentDisconnect))(t)
			if ch == Chat {
				chats = append(chats, c.ID)
			} else {
				voices = append(voices, c.ID)
			}
			clk.Advance(time.Minute)
		}
		newVoice(t, m, inst) // not ended: no record

		var got []string
		for tok := ""; ; {
			page, next, err := m.ListRecords(ctx, RecordQuery{InstanceID: inst, Channel: Chat, Token: tok, Max: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				got = append(got, r.ID)
			}
			if next == "" {
				break
			}
			tok = next
		}
		if !slices.Equal(got, chats) {
			t.Fatalf("chat records %v, want %v", got, chats)
		}
		window, _, err := m.ListRecords(ctx, RecordQuery{InstanceID: inst, InitiatedFrom: start.Add(time.Minute), InitiatedTo: start.Add(3 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if len(window) != 2 || window[0].ID != voices[0] || window[1].ID != chats[1] {
			t.Fatalf("records initiated in [1m, 3m): %d", len(window))
		}
		all, _, err := m.ListRecords(ctx, RecordQuery{InstanceID: inst, AgentID: alice.ID})
		if err != nil || len(all) != 7 {
			t.Fatalf("alice's records: %d, %v", len(all), err)
		}
		if _, _, err := m.ListRecords(ctx, RecordQuery{InstanceID: inst, Token: "not a token!"}); err == nil {
			t.Fatal("a forged token was accepted")
		}
	})
}

// A chat's record says where its transcript is kept: under the chat's first
// contact, for the contacts transfers made too. Other channels have none.
func TestChatRecordsReferTheirTranscript(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := New(st, Options{})
		inst := newInstance(t, st)
		first := must(m.Create(ctx, NewContact{InstanceID: inst, Channel: Chat, InitiationMethod: API}))(t)
		must(m.StartFlow(ctx, inst, first.ID, "f"))(t)
		_, next, err := m.Transfer(ctx, inst, first.ID, TransferRequest{})
		if err != nil {
			t.Fatal(err)
		}
		must(m.End(ctx, inst, next.ID, CustomerDisconnect))(t)
		for _, id := range []string{first.ID, next.ID} {
			rec := must(m.GetRecord(ctx, inst, id))(t)
			if rec.Transcript == nil || rec.Transcript.ChatContactID != first.ID {
				t.Errorf("record of %s: transcript %+v, want the chat of %s", id, rec.Transcript, first.ID)
			}
		}
		voice := newVoice(t, m, inst)
		must(m.End(ctx, inst, voice.ID, CustomerDisconnect))(t)
		if rec := must(m.GetRecord(ctx, inst, voice.ID))(t); rec.Transcript != nil {
			t.Errorf("a voice record refers to a chat transcript: %+v", rec.Transcript)
		}
	})
}

func TestHoldsAreCountedTimedAndLeftOutOfTheInteraction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		m := New(st, Options{Now: clk.Now})
		inst := newInstance(t, st)
		c := newVoice(t, m, inst)
		if _, err := m.Hold(ctx, inst, c.ID, true); !errors.Is(err, ErrInvalidTransition) {
			t.Fatalf("hold before an agent has the contact: %v", err)
		}
		must(m.Enqueue(ctx, inst, c.ID, QueueRef{ID: "q-1", Name: "Billing"}))(t)
		must(m.ConnectAgent(ctx, inst, c.ID, alice))(t)
		clk.Advance(10 * time.Second)
		c = must(m.Hold(ctx, inst, c.ID, true))(t)
		if !c.Agent.OnHold() || c.Agent.NumberOfHolds != 1 {
			t.Fatalf("on hold: %+v", c.Agent)
		}
		v := c.Version
		clk.Advance(5 * time.Second)
		if c = must(m.Hold(ctx, inst, c.ID, true))(t); c.Version != v || c.Agent.NumberOfHolds != 1 {
			t.Fatalf("holding twice changed the contact: %+v", c.Agent)
		}
		clk.Advance(15 * time.Second)
		c = must(m.Hold(ctx, inst, c.ID, false))(t)
		if c.Agent.OnHold() || c.Agent.CustomerHoldDurationSeconds != 20 || c.Agent.LongestHoldDurationSeconds != 20 {
			t.Fatalf("resumed: %+v", c.Agent)
		}
		clk.Advance(10 * time.Second)
		must(m.Hold(ctx, inst, c.ID, true))(t)
		clk.Advance(7 * time.Second)
		// The customer hangs up while on hold: the hold ends with the call.
		c = must(m.Disconnect(ctx, inst, c.ID, CustomerDisconnect))(t)
		a := c.Agent
		if a.OnHold() || a.NumberOfHolds != 2 || a.CustomerHoldDurationSeconds != 27 || a.LongestHoldDurationSeconds != 20 ||
			a.AgentInteractionDurationSeconds != 47-27 {
			t.Fatalf("after disconnect: %+v", a)
		}
		must(m.CompleteAfterContactWork(ctx, inst, c.ID))(t)
		rec := must(m.GetRecord(ctx, inst, c.ID))(t)
		if rec.Agent.NumberOfHolds != 2 || rec.Agent.CustomerHoldDurationSeconds != 27 {
			t.Fatalf("record agent %+v", rec.Agent)
		}
	})
}
