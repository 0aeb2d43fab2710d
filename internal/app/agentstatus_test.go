package app

import (
	"context"
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
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
