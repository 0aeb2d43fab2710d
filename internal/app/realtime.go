package app

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const (
	// depthSampleEvery is how often the queue depth is sampled for the
	// supervisor's chart.
	depthSampleEvery = 10 * time.Second
	// depthHistory is how far back the chart goes.
	depthHistory = time.Hour
	// realtimeNamesTTL is how long queue and agent names are reused before
	// they are read from the store again: names change rarely and the view
	// is read every second by every supervisor.
	realtimeNamesTTL = 10 * time.Second
)

// realtimeView implements api.Realtime over the instances' routers: the
// state comes from the router on each call; the queue depth history is
// sampled in memory every depthSampleEvery for the instances whose router
// runs in this process (an instance's router starts when first used: an
// agent, a contact, or a supervisor opening the view), and is lost when the
// process stops or the contact center moves to another process.
type realtimeView struct {
	cc  *contactCenter
	log *slog.Logger

	mu      sync.Mutex
	history map[string][]api.QueueDepthSample // instance → samples, oldest first
	names   map[string]*realtimeNames
}

// realtimeNames are an instance's queue and agent names, as last read.
type realtimeNames struct {
	read   time.Time
	queues map[string]string       // queue ID → name
	users  map[string]realtimeUser // user ID → names
}

type realtimeUser struct{ username, name string }

func newRealtimeView(cc *contactCenter) *realtimeView {
	return &realtimeView{cc: cc, log: cc.log, history: map[string][]api.QueueDepthSample{}, names: map[string]*realtimeNames{}}
}

// RealtimeState returns the instance's state, starting its router if it
// does not run yet.
func (v *realtimeView) RealtimeState(ctx context.Context, instanceID string) (api.RealtimeState, error) {
	inst, err := v.cc.instance(ctx, instanceID)
	if err != nil {
		return api.RealtimeState{}, err
	}
	snap, err := inst.router.State(ctx)
	if err != nil {
		return api.RealtimeState{}, err
	}
	names := v.namesOf(ctx, instanceID)
	return realtimeState(instanceID, snap, names, time.Now()), nil
}

// RealtimeHistory returns the samples taken after since. An instance with
// no sample yet gets one now, so a chart never starts empty.
func (v *realtimeView) RealtimeHistory(ctx context.Context, instanceID string, since time.Time) (api.RealtimeHistory, error) {
	v.mu.Lock()
	n := len(v.history[instanceID])
	v.mu.Unlock()
	if n == 0 && since.IsZero() {
		inst, err := v.cc.instance(ctx, instanceID)
		if err != nil {
			return api.RealtimeHistory{}, err
		}
		v.sample(ctx, inst, time.Now())
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	h := v.history[instanceID]
	i, _ := slices.BinarySearchFunc(h, since, func(s api.QueueDepthSample, t time.Time) int {
		if s.Time.After(t) {
			return 1
		}
		return -1
	})
	return api.RealtimeHistory{IntervalSeconds: int(depthSampleEvery / time.Second), Samples: slices.Clone(h[i:])}, nil
}

// run samples every running instance's queue depth until ctx ends.
func (v *realtimeView) run(ctx context.Context) error {
	t := time.NewTicker(depthSampleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			v.cc.mu.Lock()
			insts := make([]*instanceCC, 0, len(v.cc.instances))
			for _, inst := range v.cc.instances {
				insts = append(insts, inst)
			}
			v.cc.mu.Unlock()
			for _, inst := range insts {
				v.sample(ctx, inst, now)
			}
			v.prune(now)
		}
	}
}

// sample records the instance's queue depth at now.
func (v *realtimeView) sample(ctx context.Context, inst *instanceCC, now time.Time) {
	snap, err := inst.router.State(ctx)
	if err != nil {
		v.log.Debug("realtime: sample queue depth", "instance", inst.id, "err", err)
		return
	}
	s := depthSample(snap, now)
	v.mu.Lock()
	defer v.mu.Unlock()
	h := v.history[inst.id]
	if n := len(h); n > 0 && !s.Time.After(h[n-1].Time) {
		return // two samplers raced: keep times increasing
	}
	v.history[inst.id] = trimHistory(append(h, s), now)
}

// prune drops the history of instances whose router stopped, and samples
// older than depthHistory.
func (v *realtimeView) prune(now time.Time) {
	v.cc.mu.Lock()
	live := map[string]bool{}
	for id := range v.cc.instances {
		live[id] = true
	}
	v.cc.mu.Unlock()
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, h := range v.history {
		if !live[id] {
			delete(v.history, id)
			delete(v.names, id)
			continue
		}
		v.history[id] = trimHistory(h, now)
	}
}

// trimHistory drops the samples older than depthHistory before now.
func trimHistory(h []api.QueueDepthSample, now time.Time) []api.QueueDepthSample {
	cut := now.Add(-depthHistory)
	i := 0
	for i < len(h) && h[i].Time.Before(cut) {
		i++
	}
	if i == 0 {
		return h
	}
	return slices.Clone(h[i:]) // let the old backing array go
}

// depthSample counts the contacts in each of the snapshot's queues.
func depthSample(snap routing.Snapshot, now time.Time) api.QueueDepthSample {
	s := api.QueueDepthSample{Time: now, InQueue: make(map[string]int, len(snap.Queues))}
	for _, q := range snap.Queues {
		s.InQueue[q.ID] = 0
	}
	for _, c := range snap.Contacts {
		if c.QueueID != "" && c.State != routing.ContactConnected {
			s.InQueue[c.QueueID]++
		}
	}
	return s
}

// namesOf returns the instance's queue and agent names, read from the
// store at most every realtimeNamesTTL. A failed read keeps the last names
// (the view then shows IDs for what is new): names are a nicety.
func (v *realtimeView) namesOf(ctx context.Context, instanceID string) *realtimeNames {
	v.mu.Lock()
	n := v.names[instanceID]
	v.mu.Unlock()
	if n != nil && time.Since(n.read) < realtimeNamesTTL {
		return n
	}
	fresh := &realtimeNames{read: time.Now(), queues: map[string]string{}, users: map[string]realtimeUser{}}
	queues, _, err := v.cc.st.Queues.List(ctx, instanceID, store.Page{Max: 1000})
	if err == nil {
		for _, q := range queues {
			fresh.queues[q.ID] = q.Name
		}
		users, _, uerr := v.cc.st.Users.List(ctx, instanceID, store.Page{Max: 1000})
		err = uerr
		for _, u := range users {
			fresh.users[u.ID] = realtimeUser{username: u.Username, name: strings.TrimSpace(u.FirstName + " " + u.LastName)}
		}
	}
	if err != nil {
		v.log.Debug("realtime: read names", "instance", instanceID, "err", err)
		if n != nil {
			return n
		}
	}
	v.mu.Lock()
	v.names[instanceID] = fresh
	v.mu.Unlock()
	return fresh
}

// realtimeState turns a router snapshot into the supervisor's view at now.
func realtimeState(instanceID string, snap routing.Snapshot, names *realtimeNames, now time.Time) api.RealtimeState {
	out := api.RealtimeState{InstanceID: instanceID, Time: now,
		Agents: make([]api.RealtimeAgent, 0, len(snap.Agents)), Queues: make([]api.RealtimeQueue, 0, len(snap.Queues))}
	idx := map[string]int{}
	for _, q := range snap.Queues {
		idx[q.ID] = len(out.Queues)
		name := names.queues[q.ID]
		if name == "" {
			name = q.ID
		}
		out.Queues = append(out.Queues, api.RealtimeQueue{ID: q.ID, Name: name, Open: q.Hours == nil || q.Hours.IsOpen(now)})
	}
	for _, c := range snap.Contacts {
		i, ok := idx[c.QueueID]
		if !ok || c.State == routing.ContactConnected {
			continue // personal queues and connected contacts are the agents'
		}
		q := &out.Queues[i]
		q.InQueue++
		if c.State == routing.ContactWaiting {
			q.Waiting++
		}
		if at := c.EnqueuedAt; q.OldestEnqueuedAt == nil || at.Before(*q.OldestEnqueuedAt) {
			q.OldestEnqueuedAt = &at
		}
	}
	for i := range out.Queues {
		if at := out.Queues[i].OldestEnqueuedAt; at != nil {
			out.Queues[i].OldestAgeSeconds = max(0, now.Sub(*at).Seconds())
		}
	}
	slices.SortStableFunc(out.Queues, func(a, b api.RealtimeQueue) int { return strings.Compare(a.Name, b.Name) })
	for _, a := range snap.Agents {
		u := names.users[a.ID]
		ra := api.RealtimeAgent{ID: a.ID, Username: u.username, Name: u.name, Status: a.Status, System: string(a.System),
			StatusSince: a.StatusSince, Contacts: make([]api.RealtimeAgentContact, 0, len(a.Slots))}
		held := map[routing.SlotState]bool{}
		for _, sl := range a.Slots {
			held[sl.State] = true
			ra.Contacts = append(ra.Contacts, api.RealtimeAgentContact{ContactID: sl.ContactID, Channel: sl.Channel,
				QueueID: sl.QueueID, State: string(sl.State), Since: sl.Since})
		}
		switch {
		case a.System != routing.SystemNone:
			ra.Activity = string(a.System)
		case held[routing.SlotConnected]:
			ra.Activity = "OnContact"
		case held[routing.SlotPending]:
			ra.Activity = "Incoming"
		case held[routing.SlotAfterContactWork]:
			ra.Activity = "AfterContactWork"
		default:
			ra.Activity = a.Status
		}
		out.Agents = append(out.Agents, ra)
	}
	return out
}
