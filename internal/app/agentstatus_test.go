package app

import (
	"context"
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
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
// included, in display order, and every quick connect of the instance by
// name.
func TestAgentDirectoryListsStatusesAndQuickConnects(t *testing.T) {
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

		qcs, err := d.QuickConnects(ctx)
		if err != nil || qcs == nil || len(qcs) != 0 {
			t.Fatalf("quick connects of a new instance %+v, %v; want an empty list", qcs, err)
		}
		h := &core.HoursOfOperation{Name: "Always", Schedule: hours.AlwaysOpen("UTC")}
		if err := st.Hours.Create(ctx, in.ID, h); err != nil {
			t.Fatal(err)
		}
		q := &core.Queue{Name: "Sales", HoursOfOperationID: h.ID}
		if err := st.Queues.Create(ctx, in.ID, q); err != nil {
			t.Fatal(err)
		}
		for _, qc := range []*core.QuickConnect{
			{Name: "sales desk", Type: core.QuickConnectQueue, QueueID: q.ID},
			{Name: "Head office", Type: core.QuickConnectPhone, PhoneNumber: "+442071234567"},
			{Name: "Billing line", Type: core.QuickConnectPhone, PhoneNumber: "+14155550100"},
		} {
			if err := st.QuickConnects.Create(ctx, in.ID, qc); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.QuickConnects.Create(ctx, other.ID, &core.QuickConnect{Name: "Elsewhere", Type: core.QuickConnectPhone,
			PhoneNumber: "+14155550199"}); err != nil {
			t.Fatal(err)
		}
		qcs, err = d.QuickConnects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, qc := range qcs {
			names = append(names, qc.Name)
			if qc.ID == "" {
				t.Errorf("quick connect %q has no id", qc.Name)
			}
		}
		if want := []string{"Billing line", "Head office", "sales desk"}; !slices.Equal(names, want) {
			t.Fatalf("quick connects %q; want %q (by name, this instance's only)", names, want)
		}
		if qc := qcs[2]; qc.Type != core.QuickConnectQueue || qc.QueueID != q.ID || qc.PhoneNumber != "" {
			t.Fatalf("queue quick connect %+v", qc)
		}
		if qc := qcs[0]; qc.Type != core.QuickConnectPhone || qc.PhoneNumber != "+14155550100" {
			t.Fatalf("phone quick connect %+v", qc)
		}
	})
}
