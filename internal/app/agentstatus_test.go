package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestCustomStatusesAreTheEnabledCustomOnesInDisplayOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		in := &core.Instance{Alias: "statuses"}
		other := &core.Instance{Alias: "other"}
		for _, i := range []*core.Instance{in, other} {
			if err := st.CreateInstance(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		names, err := customStatuses(ctx, st, in.ID)
		if err != nil || len(names) != 0 {
			t.Fatalf("a new instance has custom statuses %q, %v; want none (Available and Offline are the router's own)", names, err)
		}
		for _, s := range []*core.AgentStatus{
			{Name: "Training", DisplayOrder: 2},
			{Name: "Meeting"}, // no display order: after those with one
			{Name: "Lunch", DisplayOrder: 2},
			{Name: "Break", DisplayOrder: 1},
			{Name: "Coffee"},
			{Name: "Holiday", DisplayOrder: 1, State: core.StatusDisabled},
		} {
			if err := st.AgentStatuses.Create(ctx, in.ID, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AgentStatuses.Create(ctx, other.ID, &core.AgentStatus{Name: "Elsewhere", DisplayOrder: 1}); err != nil {
			t.Fatal(err)
		}
		names, err = customStatuses(ctx, st, in.ID)
		if want := []string{"Break", "Lunch", "Training", "Coffee", "Meeting"}; err != nil || !slices.Equal(names, want) {
			t.Fatalf("custom statuses %q, %v; want %q", names, err, want)
		}
	})
}

// The agent directory gives the CCP the enabled statuses, system ones
// included, in display order.
func TestAgentDirectoryListsStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		in := &core.Instance{Alias: "directory"}
		other := &core.Instance{Alias: "other"}
		for _, i := range []*core.Instance{in, other} {
			if err := st.CreateInstance(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		d := agentDirectory{st: st, instanceID: in.ID}
		got, err := d.Statuses(ctx)
		want := []agent.StatusInfo{{Name: "Available", Type: core.AgentStatusRoutable}, {Name: "Offline", Type: core.AgentStatusOffline}}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("statuses of a new instance %+v, %v; want %+v", got, err, want)
		}
		for _, s := range []*core.AgentStatus{
			{Name: "Meeting"},
			{Name: "Lunch", DisplayOrder: 3},
			{Name: "Holiday", DisplayOrder: 1, State: core.StatusDisabled},
		} {
			if err := st.AgentStatuses.Create(ctx, in.ID, s); err != nil {
				t.Fatal(err)
			}
		}
		got, err = d.Statuses(ctx)
		want = append(want, agent.StatusInfo{Name: "Lunch", Type: core.AgentStatusCustom}, agent.StatusInfo{Name: "Meeting", Type: core.AgentStatusCustom})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("statuses %+v, %v; want %+v", got, err, want)
		}
	})
}

// quickConnectCenter is an instance with three queues (Sales, Support,
// Back office), quick connects associated with them, and agents with
// routing profiles of one queue, of two, or none: see the comments.
type quickConnectCenter struct {
	inst                             string
	sales, support, backOffice       *core.Queue
	salesDesk, headOffice, billing   *core.QuickConnect // associated with Sales / Sales and Support / Support
	unlisted                         *core.QuickConnect // associated with no queue
	salesAgent, bothAgent, backAgent *core.User         // profiles: Sales; Sales and Support; Back office
	noProfile                        *core.User
}

func newQuickConnectCenter(t *testing.T, st *store.Store) *quickConnectCenter {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	in := &core.Instance{Alias: "quick-connects"}
	must(st.CreateInstance(ctx, in))
	x := &quickConnectCenter{inst: in.ID}
	h := &core.HoursOfOperation{Name: "Always", Schedule: hours.AlwaysOpen("UTC")}
	must(st.Hours.Create(ctx, in.ID, h))
	x.sales = &core.Queue{Name: "Sales", HoursOfOperationID: h.ID}
	x.support = &core.Queue{Name: "Support", HoursOfOperationID: h.ID}
	x.backOffice = &core.Queue{Name: "Back office", HoursOfOperationID: h.ID}
	for _, q := range []*core.Queue{x.sales, x.support, x.backOffice} {
		must(st.Queues.Create(ctx, in.ID, q))
	}
	x.salesDesk = &core.QuickConnect{Name: "sales desk", Type: core.QuickConnectQueue, QueueID: x.sales.ID}
	x.headOffice = &core.QuickConnect{Name: "Head office", Type: core.QuickConnectPhone, PhoneNumber: "+442071234567"}
	x.billing = &core.QuickConnect{Name: "Billing line", Type: core.QuickConnectPhone, PhoneNumber: "+14155550100"}
	x.unlisted = &core.QuickConnect{Name: "Archive", Type: core.QuickConnectQueue, QueueID: x.backOffice.ID}
	for _, qc := range []*core.QuickConnect{x.salesDesk, x.headOffice, x.billing, x.unlisted} {
		must(st.QuickConnects.Create(ctx, in.ID, qc))
	}
	// Head office is associated with both queues: listed once.
	x.sales.QuickConnectIDs = []string{x.salesDesk.ID, x.headOffice.ID}
	x.support.QuickConnectIDs = []string{x.headOffice.ID, x.billing.ID}
	for _, q := range []*core.Queue{x.sales, x.support} {
		must(st.Queues.Update(ctx, in.ID, q, q.Version))
	}
	profile := func(name string, qs ...*core.Queue) string {
		rp := &core.RoutingProfile{Name: name, MediaConcurrencies: []core.Concurrency{
			{Channel: core.ChannelVoice, Concurrency: 1}, {Channel: core.ChannelChat, Concurrency: 2}}}
		for _, q := range qs {
			rp.Queues = append(rp.Queues, core.RoutingQueue{QueueID: q.ID, Channel: core.ChannelVoice},
				core.RoutingQueue{QueueID: q.ID, Channel: core.ChannelChat})
		}
		must(st.RoutingProfiles.Create(ctx, in.ID, rp))
		return rp.ID
	}
	sp, err := st.SecurityProfiles.GetByName(ctx, in.ID, "Agent")
	must(err)
	user := func(name, profileID string) *core.User {
		u := &core.User{Username: name, SecurityProfileIDs: []string{sp.ID}, RoutingProfileID: profileID, PasswordHash: "x"}
		must(st.Users.Create(ctx, in.ID, u))
		return u
	}
	x.salesAgent = user("sam", profile("Sales only", x.sales))
	x.bothAgent = user("bea", profile("Sales and support", x.sales, x.support))
	// Back office lists no quick connect, though Archive points at it.
	x.backAgent = user("bob", profile("Back office", x.backOffice))
	x.noProfile = user("nia", "")
	return x
}

func qcNames(qcs []agent.QuickConnectInfo) []string {
	names := []string{}
	for _, qc := range qcs {
		names = append(names, qc.Name)
	}
	return names
}

// An agent is offered the quick connects of the queues in its routing
// profile, as Amazon Connect's CCP: the union over its queues, each once,
// by name; an agent whose queues list none, or without a routing profile,
// is offered none, and no other instance's are.
func TestAgentDirectoryListsTheQuickConnectsOfTheAgentsQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		x := newQuickConnectCenter(t, st)
		other := &core.Instance{Alias: "other"}
		if err := st.CreateInstance(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := st.QuickConnects.Create(ctx, other.ID, &core.QuickConnect{Name: "Elsewhere", Type: core.QuickConnectPhone,
			PhoneNumber: "+14155550199"}); err != nil {
			t.Fatal(err)
		}
		d := agentDirectory{st: st, instanceID: x.inst}
		for _, tc := range []struct {
			who  string
			id   string
			want []string
		}{
			{"an agent of Sales", x.salesAgent.ID, []string{"Head office", "sales desk"}},
			{"an agent of Sales and Support", x.bothAgent.ID, []string{"Billing line", "Head office", "sales desk"}},
			{"an agent of a queue without quick connects", x.backAgent.ID, []string{}},
			{"an agent without a routing profile", x.noProfile.ID, []string{}},
			{"a user that does not exist", "no-such-user", []string{}},
		} {
			qcs, err := d.QuickConnects(ctx, tc.id)
			if err != nil || qcs == nil {
				t.Fatalf("%s: quick connects %+v, %v; want a list", tc.who, qcs, err)
			}
			if names := qcNames(qcs); !slices.Equal(names, tc.want) {
				t.Errorf("%s is offered %q; want %q", tc.who, names, tc.want)
			}
		}
		qcs, err := d.QuickConnects(ctx, x.salesAgent.ID)
		if err != nil || len(qcs) != 2 {
			t.Fatalf("quick connects of the Sales agent: %+v, %v", qcs, err)
		}
		if qc := qcs[1]; qc.ID != x.salesDesk.ID || qc.Type != core.QuickConnectQueue || qc.QueueID != x.sales.ID || qc.PhoneNumber != "" {
			t.Fatalf("queue quick connect %+v", qc)
		}
		if qc := qcs[0]; qc.ID != x.headOffice.ID || qc.Type != core.QuickConnectPhone || qc.PhoneNumber != "+442071234567" {
			t.Fatalf("phone quick connect %+v", qc)
		}
		// An association made now is listed at once.
		x.backOffice.QuickConnectIDs = []string{x.unlisted.ID}
		if err := st.Queues.Update(ctx, x.inst, x.backOffice, x.backOffice.Version); err != nil {
			t.Fatal(err)
		}
		if qcs, err := d.QuickConnects(ctx, x.backAgent.ID); err != nil || !slices.Equal(qcNames(qcs), []string{"Archive"}) {
			t.Fatalf("after the association the Back office agent is offered %+v, %v", qcs, err)
		}
	})
}

// A transfer or consultation by quick connect (both resolve it with
// quickConnect) accepts only a quick connect the agent is offered: another
// is target_unavailable with a message naming it, an unknown one
// unknown_target, so a client cannot reach past listQuickConnects.
func TestTransferByQuickConnectNeedsOneTheAgentIsOffered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		x := newQuickConnectCenter(t, st)
		inst := &instanceCC{id: x.inst, cc: &contactCenter{st: st}}

		target, number, _, err := inst.quickConnect(ctx, x.salesAgent.ID, x.salesDesk.ID)
		if err != nil || target != (routing.Target{QueueID: x.sales.ID}) || number != "" {
			t.Fatalf("the Sales agent's own quick connect: %+v %q, %v", target, number, err)
		}
		// Billing line belongs to Support, which the Sales agent does not serve.
		_, _, _, err = inst.quickConnect(ctx, x.salesAgent.ID, x.billing.ID)
		if !errors.Is(err, agent.ErrTargetUnavailable) || !strings.Contains(err.Error(), `"Billing line" is not offered to this agent`) {
			t.Fatalf("a quick connect of a queue the agent does not serve: %v; want target unavailable naming it", err)
		}
		// The agent of both queues reaches it.
		if _, number, _, err := inst.quickConnect(ctx, x.bothAgent.ID, x.billing.ID); err != nil || number != "+14155550100" {
			t.Fatalf("the Sales and Support agent's quick connect: %q, %v", number, err)
		}
		// Associated with no queue: nobody reaches it.
		for _, u := range []*core.User{x.salesAgent, x.bothAgent, x.backAgent, x.noProfile} {
			if _, _, _, err := inst.quickConnect(ctx, u.ID, x.unlisted.ID); !errors.Is(err, agent.ErrTargetUnavailable) {
				t.Errorf("%s transfers by a quick connect no queue lists: %v; want target unavailable", u.Username, err)
			}
		}
		if _, _, _, err := inst.quickConnect(ctx, x.salesAgent.ID, "no-such-qc"); !errors.Is(err, agent.ErrUnknownTarget) {
			t.Fatalf("an unknown quick connect: %v; want unknown target", err)
		}
	})
}
