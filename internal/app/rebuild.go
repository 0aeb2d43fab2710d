package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// snapshot builds an instance's routing state from the store, for a router
// that starts (after a restart, or when it takes the instance over): the
// queues, routing profiles and agents, the contacts waiting in queues in
// their order, and the contacts agents hold (connected, or in after-contact
// work with what is left of its timeout).
//
// Agents start Offline: their status lived in the router that stopped, and
// an agent who is not there must not be offered contacts. Their consoles
// reconnect and set their status again; the contacts they hold are theirs
// meanwhile. Offers that were pending go back to their queue first: the
// router that made them is gone.
func (inst *instanceCC) snapshot(ctx context.Context) (routing.Snapshot, error) {
	m, id := inst.cc.contacts, inst.id
	now := time.Now()
	snap := routing.Snapshot{Time: now}

	cfg, err := inst.config(ctx)
	if err != nil {
		return snap, err
	}
	snap.CustomStatuses, snap.Queues, snap.Profiles = cfg.statuses, cfg.queues, cfg.profiles
	known := map[string]bool{}
	for _, q := range cfg.queues {
		known[q.ID] = true
	}
	agents := map[string]int{} // agent ID → index in snap.Agents
	for _, a := range cfg.agents {
		agents[a.ID] = len(snap.Agents)
		snap.Agents = append(snap.Agents, routing.AgentSnapshot{Agent: a,
			Status: routing.StatusOffline, StatusSince: now, IdleSince: now})
	}

	held, err := m.AgentContacts(ctx, id, "")
	if err != nil {
		return snap, err
	}
	for _, c := range held {
		switch c.State {
		case contact.Offered:
			if _, err := m.ReturnToQueue(ctx, id, c.ID, c.Agent.ID); err != nil {
				return snap, fmt.Errorf("return offered contact %s to its queue: %w", c.ID, err)
			}
			continue // among the queued contacts below
		case contact.Connected, contact.AfterContactWork:
		default:
			continue
		}
		i, ok := agents[c.Agent.ID]
		if !ok {
			inst.cc.log.Warn("restore: the agent of a contact is no longer an agent", "contact", c.ID, "agent", c.Agent.ID)
			continue
		}
		a := &snap.Agents[i]
		sl := routing.SlotSnapshot{ContactID: c.ID, Channel: string(c.Channel), Since: c.Agent.ConnectedToAgentTimestamp}
		rc := routingContact(c)
		switch {
		case rc.QueueID != "" && known[rc.QueueID]:
			sl.QueueID = rc.QueueID
		case rc.AgentID != "":
			sl.PersonalQueue = true
		}
		if c.State == contact.Connected {
			if sl.QueueID == "" && !sl.PersonalQueue { // the router needs the queue of a connected contact
				inst.cc.log.Warn("restore: connected contact without a known queue", "contact", c.ID)
				continue
			}
			sl.State = routing.SlotConnected
			snap.Contacts = append(snap.Contacts, routing.ContactSnapshot{Contact: rc, State: routing.ContactConnected, AssignedTo: a.ID})
		} else {
			sl.State, sl.Since = routing.SlotAfterContactWork, c.Agent.AfterContactWorkStartTimestamp
			if a.ACWTimeout > 0 {
				sl.Deadline = sl.Since.Add(a.ACWTimeout)
			}
		}
		a.Slots = append(a.Slots, sl)
	}

	queued, err := m.QueuedContacts(ctx, id)
	if err != nil {
		return snap, err
	}
	for _, c := range queued {
		rc := routingContact(c)
		if _, agentKnown := agents[rc.AgentID]; !known[rc.QueueID] && !agentKnown {
			inst.cc.log.Warn("restore: queued contact without a known queue", "contact", c.ID)
			continue
		}
		snap.Contacts = append(snap.Contacts, routing.ContactSnapshot{Contact: rc, State: routing.ContactWaiting})
	}
	return snap, nil
}

// boot starts the router of every instance that has live contacts, so that
// contacts queued before a restart are offered again and after-contact work
// times out without waiting for an agent to connect. A contact whose flow
// was running when the process stopped cannot continue where it was (the
// flow's state died with it): its chat is ended and the contact with it.
//
// This assumes one process owns every instance's contacts, which is what
// serve does today (docs/architecture.md).
func (cc *contactCenter) boot(ctx context.Context) error {
	var token string
	for {
		page, next, err := cc.st.ListInstances(ctx, store.Page{Token: token, Max: store.MaxPageSize})
		if err != nil {
			return fmt.Errorf("list instances: %w", err)
		}
		for _, in := range page {
			if err := cc.bootInstance(ctx, in.ID); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				cc.log.Error("start the instance's contact center", "instance", in.ID, "err", err)
			}
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

func (cc *contactCenter) bootInstance(ctx context.Context, id string) error {
	m := cc.contacts
	orphans, _, err := m.List(ctx, contact.Query{InstanceID: id, States: []contact.State{contact.Initiated, contact.InFlow}, Max: store.MaxPageSize})
	if err != nil {
		return err
	}
	for _, c := range orphans {
		if !c.LastUpdateTimestamp.Before(cc.started) {
			continue // started by this process: its flow is running
		}
		cc.log.Warn("a contact's flow stopped with the process; ending the contact", "instance", id, "contact", c.ID)
		if c.Channel == contact.Chat {
			if err := cc.chats.EndChat(ctx, c.ID, chat.ReasonFlowDisconnect); err != nil {
				cc.log.Warn("end the chat of an interrupted flow", "contact", c.ID, "err", err)
			}
		}
		if _, err := m.End(ctx, id, c.ID, contact.OtherDisconnect); err != nil {
			cc.log.Warn("end a contact whose flow was interrupted", "contact", c.ID, "err", err)
		}
	}
	// A call lives in the process that answered it: calls the previous
	// holder had in a queue or with an agent died with it.
	for token := ""; ; {
		calls, next, err := m.List(ctx, contact.Query{InstanceID: id, Channel: contact.Voice, Token: token, Max: store.MaxPageSize,
			States: []contact.State{contact.Queued, contact.Offered, contact.Connected}})
		if err != nil {
			return err
		}
		for _, c := range calls {
			if !c.LastUpdateTimestamp.Before(cc.started) {
				continue // this process's call
			}
			cc.log.Warn("a call ended with the process that had it; ending its contact", "instance", id, "contact", c.ID)
			if _, err := m.HangUp(ctx, id, c.ID, contact.TelecomProblem,
				contact.VoiceDetails{DisconnectedBy: contact.BySystem, HangupCause: "process-stopped"}); err != nil {
				cc.log.Warn("end the contact of a lost call", "contact", c.ID, "err", err)
			}
		}
		if next == "" {
			break
		}
		token = next
	}
	live, _, err := m.List(ctx, contact.Query{InstanceID: id, Max: 1, States: []contact.State{
		contact.Queued, contact.Offered, contact.Connected, contact.AfterContactWork}})
	if err != nil || len(live) == 0 {
		return err
	}
	_, err = cc.instance(ctx, id)
	return err
}

// routingConfig is an instance's routing configuration as the store has it.
type routingConfig struct {
	statuses []string // the enabled custom agent statuses
	queues   []routing.Queue
	profiles []routing.Profile
	agents   []routing.Agent // users with a routing profile
}

// config reads the instance's queues (with their hours), routing profiles
// and agents from the store.
func (inst *instanceCC) config(ctx context.Context) (routingConfig, error) {
	var cfg routingConfig
	st, id := inst.cc.st, inst.id
	statuses, err := customStatuses(ctx, st, id)
	if err != nil {
		return cfg, err
	}
	cfg.statuses = statuses
	queues, err := st.Queues.All(ctx, id)
	if err != nil {
		return cfg, err
	}
	for _, q := range queues {
		var h *core.HoursOfOperation
		if q.HoursOfOperationID != "" {
			if h, err = st.Hours.Get(ctx, id, q.HoursOfOperationID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return cfg, err
			}
		}
		cfg.queues = append(cfg.queues, routing.QueueFromCore(q, h))
	}
	profiles, err := st.RoutingProfiles.All(ctx, id)
	if err != nil {
		return cfg, err
	}
	for _, p := range profiles {
		cfg.profiles = append(cfg.profiles, routing.ProfileFromCore(p))
	}
	users, err := st.Users.All(ctx, id)
	if err != nil {
		return cfg, err
	}
	for _, u := range users {
		if u.RoutingProfileID == "" {
			continue
		}
		inst.mu.Lock()
		inst.users[u.ID] = u.Username
		inst.mu.Unlock()
		cfg.agents = append(cfg.agents, routing.AgentFromUser(u))
	}
	return cfg, nil
}
