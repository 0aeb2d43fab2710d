package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// TestRealtimeStateReflectsTheRouter drives a real router: a chat waits in
// one queue, an agent holds another, and the supervisor's view counts each
// where it is, with the oldest contact's age and the agents' activities.
func TestRealtimeStateReflectsTheRouter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := routing.New(routing.Config{InstanceID: "i", CustomStatuses: []string{"Lunch"}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ok(r.UpsertQueue(ctx, routing.Queue{ID: "q-sales"}))
	ok(r.UpsertQueue(ctx, routing.Queue{ID: "q-support"}))
	ok(r.UpsertProfile(ctx, routing.Profile{ID: "p", Queues: []routing.ProfileQueue{{QueueID: "q-support", Channel: "CHAT", Priority: 1}},
		Channels: []routing.ChannelLimit{{Channel: "CHAT", Concurrency: 1}}}))
	ok(r.UpsertAgent(ctx, routing.Agent{ID: "a-bob", ProfileID: "p", AutoAccept: true}))
	ok(r.UpsertAgent(ctx, routing.Agent{ID: "a-eve", ProfileID: "p"}))
	ok(r.UpsertAgent(ctx, routing.Agent{ID: "a-zed", ProfileID: "p"}))
	ok(r.SetStatus(ctx, "a-bob", routing.StatusAvailable))
	ok(r.SetStatus(ctx, "a-zed", "Lunch"))

	now := time.Now()
	older, newer := now.Add(-90*time.Second), now.Add(-30*time.Second)
	ok(r.Enqueue(ctx, routing.Contact{ID: "c-new", Channel: "CHAT", QueueID: "q-sales", EnqueuedAt: newer}))
	ok(r.Enqueue(ctx, routing.Contact{ID: "c-old", Channel: "CHAT", QueueID: "q-sales", EnqueuedAt: older}))
	ok(r.Enqueue(ctx, routing.Contact{ID: "c-bob", Channel: "CHAT", QueueID: "q-support", EnqueuedAt: now}))
	ok(r.Sync(ctx))
	snap, err := r.State(ctx)
	ok(err)

	names := &realtimeNames{queues: map[string]string{"q-sales": "Sales", "q-support": "Support"},
		users: map[string]realtimeUser{"a-bob": {username: "bob", name: "Bob B"}}}
	st := realtimeState("i", snap, names, now)
	if st.InstanceID != "i" || !st.Time.Equal(now) {
		t.Errorf("instance %q time %v", st.InstanceID, st.Time)
	}
	if len(st.Queues) != 2 {
		t.Fatalf("queues %+v", st.Queues)
	}
	sales, support := st.Queues[0], st.Queues[1]
	if sales.ID != "q-sales" || sales.Name != "Sales" || !sales.Open || sales.InQueue != 2 || sales.Waiting != 2 ||
		sales.OldestEnqueuedAt == nil || !sales.OldestEnqueuedAt.Equal(older) || sales.OldestAgeSeconds != 90 {
		t.Errorf("sales %+v", sales)
	}
	if support.Name != "Support" || support.InQueue != 0 || support.OldestEnqueuedAt != nil || support.OldestAgeSeconds != 0 {
		t.Errorf("support (its contact is with bob) %+v", support)
	}
	want := map[string]string{"a-bob": "OnContact", "a-eve": routing.StatusOffline, "a-zed": "Lunch"}
	if len(st.Agents) != 3 {
		t.Fatalf("agents %+v", st.Agents)
	}
	for _, a := range st.Agents {
		if a.Activity != want[a.ID] {
			t.Errorf("agent %s activity %q, want %q", a.ID, a.Activity, want[a.ID])
		}
	}
	bob := st.Agents[0]
	if bob.Username != "bob" || bob.Name != "Bob B" || bob.Status != routing.StatusAvailable || len(bob.Contacts) != 1 ||
		bob.Contacts[0].ContactID != "c-bob" || bob.Contacts[0].State != string(routing.SlotConnected) || bob.Contacts[0].QueueID != "q-support" {
		t.Errorf("bob %+v", bob)
	}
	if st.Agents[1].Contacts == nil {
		t.Error("an agent without contacts has a null contact list (the console expects [])")
	}

	s := depthSample(snap, now)
	if s.InQueue["q-sales"] != 2 || s.InQueue["q-support"] != 0 || len(s.InQueue) != 2 {
		t.Errorf("depth sample %+v", s)
	}
}

func TestDepthHistoryKeepsTheLastHour(t *testing.T) {
	now := time.Now()
	var h []api.QueueDepthSample
	for i := 70; i >= 0; i-- {
		h = append(h, api.QueueDepthSample{Time: now.Add(-time.Duration(i) * time.Minute)})
	}
	h = trimHistory(h, now)
	if len(h) != 61 || h[0].Time.Before(now.Add(-depthHistory)) || !h[len(h)-1].Time.Equal(now) {
		t.Fatalf("kept %d samples from %v", len(h), h[0].Time)
	}
	if got := trimHistory(h, now); len(got) != 61 {
		t.Errorf("trimming again dropped samples: %d", len(got))
	}
}

// BenchmarkRealtimeState is the cost of one supervisor snapshot (the SSE
// stream builds one per change, at most every second) for a large instance:
// 50 queues, 1,000 agents (half on a contact), 5,000 contacts waiting.
func BenchmarkRealtimeState(b *testing.B) {
	now := time.Now()
	snap := routing.Snapshot{Time: now}
	names := &realtimeNames{queues: map[string]string{}, users: map[string]realtimeUser{}}
	for i := range 50 {
		id := fmt.Sprintf("q-%02d", i)
		snap.Queues = append(snap.Queues, routing.Queue{ID: id})
		names.queues[id] = "Queue " + id
	}
	for i := range 1000 {
		a := routing.AgentSnapshot{Agent: routing.Agent{ID: fmt.Sprintf("a-%04d", i)}, Status: routing.StatusAvailable, StatusSince: now}
		if i%2 == 0 {
			a.Slots = []routing.SlotSnapshot{{ContactID: fmt.Sprintf("busy-%d", i), Channel: "VOICE", QueueID: "q-01",
				State: routing.SlotConnected, Since: now}}
		}
		snap.Agents = append(snap.Agents, a)
		names.users[a.ID] = realtimeUser{username: a.ID, name: "Agent " + a.ID}
	}
	for i := range 5000 {
		snap.Contacts = append(snap.Contacts, routing.ContactSnapshot{Contact: routing.Contact{ID: fmt.Sprintf("c-%d", i),
			Channel: "VOICE", QueueID: fmt.Sprintf("q-%02d", i%50), EnqueuedAt: now.Add(-time.Duration(i) * time.Second)},
			State: routing.ContactWaiting})
	}
	b.ReportAllocs()
	for b.Loop() {
		st := realtimeState("i", snap, names, now)
		if len(st.Agents) != 1000 || st.Queues[0].Waiting != 100 {
			b.Fatalf("state: %d agents, %d waiting", len(st.Agents), st.Queues[0].Waiting)
		}
	}
}
