package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// customStatuses returns the names of the instance's enabled CUSTOM agent
// statuses (Lunch, Training...), the ones routing.Router takes as
// Config.CustomStatuses or SetCustomStatuses, in the order an agent's list
// shows them: by display order (statuses without one last), then by name.
// The system statuses, Available and Offline, are the router's own and are
// not included; disabled statuses are left out, so an agent cannot choose
// them (one already in a status that was disabled keeps it until it changes).
func customStatuses(ctx context.Context, st *store.Store, instanceID string) ([]string, error) {
	all, err := st.AgentStatuses.All(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("agent statuses of instance %s: %w", instanceID, err)
	}
	var custom []*core.AgentStatus
	for _, s := range all {
		if s.Type == core.AgentStatusCustom && s.State == core.StatusEnabled {
			custom = append(custom, s)
		}
	}
	slices.SortFunc(custom, func(a, b *core.AgentStatus) int {
		if (a.DisplayOrder == 0) != (b.DisplayOrder == 0) {
			return cmp.Compare(b.DisplayOrder, a.DisplayOrder) // 0 (none) after any order
		}
		return cmp.Or(cmp.Compare(a.DisplayOrder, b.DisplayOrder), cmp.Compare(a.Name, b.Name))
	})
	names := make([]string, len(custom))
	for i, s := range custom {
		names[i] = s.Name
	}
	return names, nil
}
