package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/routing"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// agentQueuePrefix starts the queue ID a contact records when it waits in
// an agent's personal queue (a transfer or quick connect to an agent), as
// Connect's agent queues: "agent/<user id>".
const agentQueuePrefix = "agent/"

// Transfer implements agent.Transferer. The agent's contact ends for it
// (TRANSFERRED, DISCONNECTED, after-contact work) and a new contact, with
// the old one as PreviousContactId and the same InitialContactId and
// attributes, waits in the target queue or the target agent's personal
// queue, keeping the place in line the customer had earned. A chat carries
// on: the customer stays in the same chat (keyed by the InitialContactId),
// the first agent leaves it and the next one joins.
func (inst *instanceCC) Transfer(ctx context.Context, agentID, contactID string, to routing.Target) (string, error) {
	cc, m := inst.cc, inst.cc.contacts
	old, err := m.Get(ctx, inst.id, contactID)
	if err != nil {
		return "", err
	}
	if err := inst.router.CheckTarget(ctx, to, string(old.Channel)); err != nil {
		return "", err
	}
	q := contact.QueueRef{ID: to.QueueID}
	if to.AgentID != "" {
		q.ID = agentQueuePrefix + to.AgentID
		q.Name = inst.agentRef(ctx, to.AgentID).Username
	} else if qq, err := cc.st.Queues.Get(ctx, inst.id, to.QueueID); err == nil {
		q.Name = qq.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if old.Queue != nil {
		q.Priority, q.TimeAdjustmentSeconds = old.Queue.Priority, old.Queue.TimeAdjustmentSeconds
	}
	old, next, err := m.Transfer(ctx, inst.id, contactID, contact.TransferRequest{Reason: contact.AgentDisconnect})
	if err != nil {
		return "", err
	}
	// The agent wraps the old contact up (the router's ACWStarted makes its
	// console leave the chat).
	if err := inst.router.EndContact(ctx, contactID); err != nil {
		cc.log.Warn("transfer: end the transferred contact in the router", "contact", contactID, "err", err)
	}
	fail := func(err error) (string, error) {
		cc.log.Error("transfer: the new contact could not be queued; ending it", "contact", next.ID, "err", err)
		if old.Channel == contact.Chat {
			if e := cc.chats.EndChat(context.WithoutCancel(ctx), chatIDOf(old), chat.ReasonOther); e != nil {
				cc.log.Warn("transfer: end the chat", "contact", next.ID, "err", e)
			}
		}
		if _, e := m.End(context.WithoutCancel(ctx), inst.id, next.ID, contact.OtherDisconnect); e != nil {
			cc.log.Warn("transfer: end the new contact", "contact", next.ID, "err", e)
		}
		return "", err
	}
	queued, err := m.Enqueue(ctx, inst.id, next.ID, q)
	if err != nil {
		return fail(err)
	}
	rc := routingContact(queued)
	if old.Queue != nil && !old.Queue.EnqueueTimestamp.IsZero() {
		rc.EnqueuedAt = old.Queue.EnqueueTimestamp // keep the place in line
	}
	if err := inst.router.Enqueue(ctx, rc); err != nil {
		return fail(err)
	}
	cc.log.Info("contact transferred", "contact", contactID, "next", next.ID, "queue", q.ID, "agent", agentID)
	return next.ID, nil
}

// chatIDOf is the chat of a chat contact: its first contact's.
func chatIDOf(c *contact.Contact) string {
	if c.InitialContactID != "" {
		return c.InitialContactID
	}
	return c.ID
}

// currentContact follows a contact's transfers (NextContactID) to the one
// that carries the customer now.
func (cc *contactCenter) currentContact(ctx context.Context, c *contact.Contact) (*contact.Contact, error) {
	for range 100 { // a chain of transfers is short; this bounds a cycle
		if c.NextContactID == "" {
			return c, nil
		}
		n, err := cc.contacts.Get(ctx, c.InstanceID, c.NextContactID)
		if err != nil {
			return nil, fmt.Errorf("contact %s transferred to %s: %w", c.ID, c.NextContactID, err)
		}
		c = n
	}
	return nil, fmt.Errorf("contact %s: too many transfers", c.ID)
}

// routingContact is the router's view of a queued contact.
func routingContact(c *contact.Contact) routing.Contact {
	rc := routing.Contact{ID: c.ID, Channel: string(c.Channel)}
	if c.Queue != nil {
		if agentID, ok := strings.CutPrefix(c.Queue.ID, agentQueuePrefix); ok {
			rc.AgentID = agentID
		} else {
			rc.QueueID = c.Queue.ID
		}
		rc.EnqueuedAt = c.Queue.EnqueueTimestamp
		rc.Priority = c.Queue.Priority
		rc.AgeAdjust = time.Duration(c.Queue.TimeAdjustmentSeconds) * time.Second
	}
	return rc
}
