package app

import (
	"context"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// customerLeg is the customer's side of a contact, as the flows and the
// queue see it: a chat, or a phone call (voice.go). runFlow, the customer
// queue flows and the waiting treatment reach the customer only through it.
type customerLeg interface {
	// channel is the engine's name of the leg's channel.
	channel() string
	// participant is the customer for one flow run; the caller closes it.
	participant(ctx context.Context) (flowParticipant, error)
	// end ends the customer's side after a flow (or a queue flow)
	// disconnected it, and ends contact id with reason.
	end(ctx context.Context, id string, reason contact.DisconnectReason)
	// idle is what the customer gets while waiting in queue with no queue
	// flow running (music on hold on a call; nothing on a chat), until ctx
	// ends.
	idle(ctx context.Context, w *queueWait)
}

// flowParticipant is a leg's participant for one flow run.
type flowParticipant interface {
	engine.Participant
	Close()
}

// chatLeg is a chat contact's leg. chatID is the chat's (its first
// contact's ID, see chatIDOf).
type chatLeg struct {
	cc     *contactCenter
	chatID string
	inst   string
}

func (cc *contactCenter) chatLeg(c *contact.Contact) chatLeg {
	return chatLeg{cc: cc, chatID: chatIDOf(c), inst: c.InstanceID}
}

func (chatLeg) channel() string { return engine.ChannelChat }

func (l chatLeg) participant(ctx context.Context) (flowParticipant, error) {
	return l.cc.chats.FlowParticipant(ctx, l.chatID)
}

func (l chatLeg) end(ctx context.Context, id string, reason contact.DisconnectReason) {
	if err := l.cc.chats.EndChat(ctx, l.chatID, chat.ReasonFlowDisconnect); err != nil {
		l.cc.log.Warn("flow: end chat", "contact", id, "err", err)
	}
	if _, err := l.cc.contacts.End(ctx, l.inst, id, reason); err != nil {
		l.cc.log.Warn("flow: end contact", "contact", id, "err", err)
	}
}

// idle: a waiting chat gets nothing between queue flow runs.
func (chatLeg) idle(ctx context.Context, _ *queueWait) { <-ctx.Done() }
