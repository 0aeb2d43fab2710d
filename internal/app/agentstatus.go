package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/agent"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
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
	custom, err := enabledStatuses(ctx, st, instanceID, false)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(custom))
	for i, s := range custom {
		names[i] = s.Name
	}
	return names, nil
}

// enabledStatuses returns the instance's enabled agent statuses, the
// custom ones only or the system ones too, by display order (statuses
// without one last), then by name.
func enabledStatuses(ctx context.Context, st *store.Store, instanceID string, system bool) ([]*core.AgentStatus, error) {
	all, err := st.AgentStatuses.All(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("agent statuses of instance %s: %w", instanceID, err)
	}
	var out []*core.AgentStatus
	for _, s := range all {
		if s.State == core.StatusEnabled && (s.Type == core.AgentStatusCustom || system && s.System()) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *core.AgentStatus) int {
		if (a.DisplayOrder == 0) != (b.DisplayOrder == 0) {
			return cmp.Compare(b.DisplayOrder, a.DisplayOrder) // 0 (none) after any order
		}
		return cmp.Or(cmp.Compare(a.DisplayOrder, b.DisplayOrder), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// agentDirectory is an instance's agent.Directory, read from the store on
// every call (a welcome, a console opening its transfer panel), so what an
// administrator adds is listed at once without a cache to invalidate.
type agentDirectory struct {
	st         *store.Store
	instanceID string
}

// Statuses lists the enabled statuses in display order: Available and
// Offline under the names the router knows them by (routing.StatusAvailable,
// routing.StatusOffline), then the custom ones the router takes (see
// customStatuses).
func (d agentDirectory) Statuses(ctx context.Context) ([]agent.StatusInfo, error) {
	list, err := enabledStatuses(ctx, d.st, d.instanceID, true)
	if err != nil {
		return nil, err
	}
	out := make([]agent.StatusInfo, 0, len(list))
	for _, s := range list {
		name := s.Name
		switch s.Type {
		case core.AgentStatusRoutable:
			name = routing.StatusAvailable
		case core.AgentStatusOffline:
			name = routing.StatusOffline
		}
		out = append(out, agent.StatusInfo{Name: name, Type: s.Type})
	}
	return out, nil
}

// QuickConnects lists the quick connects agentID is offered (see
// offeredQuickConnects), ordered by name.
func (d agentDirectory) QuickConnects(ctx context.Context, agentID string) ([]agent.QuickConnectInfo, error) {
	offered, err := offeredQuickConnects(ctx, d.st, d.instanceID, agentID)
	if err != nil {
		return nil, err
	}
	out := make([]agent.QuickConnectInfo, 0, len(offered))
	if len(offered) == 0 {
		return out, nil
	}
	all, err := d.st.QuickConnects.All(ctx, d.instanceID)
	if err != nil {
		return nil, fmt.Errorf("quick connects of instance %s: %w", d.instanceID, err)
	}
	for _, q := range all {
		if offered[q.ID] {
			out = append(out, agent.QuickConnectInfo{ID: q.ID, Name: q.Name, Type: q.Type, QueueID: q.QueueID,
				UserID: q.UserID, PhoneNumber: q.PhoneNumber})
		}
	}
	slices.SortFunc(out, func(a, b agent.QuickConnectInfo) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// offeredQuickConnects returns the IDs of the quick connects an agent (a
// user ID) is offered, as Amazon Connect's CCP does (Streams'
// agent.getEndpoints(agent.getAllQueueARNs())): those associated with any
// queue of the agent's routing profile (Queue.QuickConnectIDs; the
// profile's queues list, not its default outbound queue). An agent
// without a routing profile, or a user that no longer exists, is offered
// none. listQuickConnects lists these, and a transfer or consultation by
// quick connect accepts only these, so a client cannot reach past the list.
func offeredQuickConnects(ctx context.Context, st *store.Store, instanceID, agentID string) (map[string]bool, error) {
	offered := map[string]bool{}
	u, err := st.Users.Get(ctx, instanceID, agentID)
	if errors.Is(err, store.ErrNotFound) {
		return offered, nil
	} else if err != nil {
		return nil, fmt.Errorf("quick connects of agent %s: %w", agentID, err)
	}
	if u.RoutingProfileID == "" {
		return offered, nil
	}
	rp, err := st.RoutingProfiles.Get(ctx, instanceID, u.RoutingProfileID)
	if errors.Is(err, store.ErrNotFound) { // deleted between the two reads
		return offered, nil
	} else if err != nil {
		return nil, fmt.Errorf("quick connects of agent %s: routing profile %s: %w", agentID, u.RoutingProfileID, err)
	}
	seen := map[string]bool{}
	for _, rq := range rp.Queues { // a queue is listed once per channel
		if seen[rq.QueueID] {
			continue
		}
		seen[rq.QueueID] = true
		q, err := st.Queues.Get(ctx, instanceID, rq.QueueID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("quick connects of agent %s: queue %s: %w", agentID, rq.QueueID, err)
		}
		for _, id := range q.QuickConnectIDs {
			offered[id] = true
		}
	}
	return offered, nil
}
