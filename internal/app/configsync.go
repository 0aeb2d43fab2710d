package app

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// resyncEvery is how often a router's configuration is compared with the
// store's even when nothing said it changed: it finishes removals the
// router refused while they were busy (an agent holding contacts, a queue
// with contacts in it).
const resyncEvery = 30 * time.Second

// routingKinds are the resources a router's configuration is made of.
var routingKinds = map[core.Kind]bool{
	core.KindQueue: true, core.KindHours: true, core.KindRoutingProfile: true, core.KindUser: true,
	core.KindAgentStatus: true,
}

// storeChanged is the store's change hook: a change to what routing is
// made of wakes the instance's config sync.
func (cc *contactCenter) storeChanged(c store.Change) {
	if !routingKinds[c.Kind] {
		return
	}
	cc.mu.Lock()
	inst := cc.instances[c.InstanceID]
	cc.mu.Unlock()
	if inst == nil {
		return // no router yet: it will read the store when it starts
	}
	select {
	case inst.changed <- struct{}{}:
	default: // a sync is already pending
	}
}

// syncLoop keeps the router's configuration in step with the store until
// ctx ends.
func (inst *instanceCC) syncLoop(ctx context.Context) {
	t := time.NewTicker(resyncEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-inst.changed:
		case <-t.C:
		}
		if err := inst.syncConfig(ctx); err != nil && ctx.Err() == nil {
			inst.cc.log.Warn("sync the router's configuration", "instance", inst.id, "err", err)
		}
	}
}

// syncConfig makes the router's configuration the store's: queues, profiles
// and agents are added or updated, and those the store no longer has (an
// agent whose user lost its routing profile too) are removed — agents
// first, then profiles, then queues, since each refers to the next. The
// router refuses to remove what is in use; that is logged and retried at
// the next sync.
func (inst *instanceCC) syncConfig(ctx context.Context) error {
	inst.cc.log.Debug("sync the router's configuration", "instance", inst.id)
	cfg, err := inst.config(ctx)
	if err != nil {
		return err
	}
	r, log := inst.router, inst.cc.log
	cur, err := r.State(ctx)
	if err != nil {
		return err
	}
	if err := r.SetCustomStatuses(ctx, cfg.statuses); err != nil {
		return err
	}
	for _, q := range cfg.queues {
		if err := r.UpsertQueue(ctx, q); err != nil {
			return err
		}
	}
	for _, p := range cfg.profiles {
		if err := r.UpsertProfile(ctx, p); err != nil {
			return err
		}
	}
	keep := map[string]bool{}
	for _, a := range cfg.agents {
		keep[a.ID] = true
		if err := r.UpsertAgent(ctx, a); err != nil {
			return err
		}
	}
	for _, a := range cur.Agents {
		if !keep[a.ID] {
			if err := r.RemoveAgent(ctx, a.ID); err != nil {
				log.Info("agent removed from the configuration stays in the router while busy", "agent", a.ID, "err", err)
			}
		}
	}
	for _, p := range cfg.profiles {
		keep[p.ID] = true
	}
	for _, p := range cur.Profiles {
		if !keep[p.ID] {
			if err := r.RemoveProfile(ctx, p.ID); err != nil {
				log.Info("routing profile removed from the configuration stays in the router while in use", "profile", p.ID, "err", err)
			}
		}
	}
	for _, q := range cfg.queues {
		keep[q.ID] = true
	}
	for _, q := range cur.Queues {
		if !keep[q.ID] {
			if err := r.RemoveQueue(ctx, q.ID); err != nil {
				log.Info("queue removed from the configuration stays in the router while in use", "queue", q.ID, "err", err)
			}
		}
	}
	return nil
}
