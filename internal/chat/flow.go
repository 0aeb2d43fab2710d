package chat

import (
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

// FlowParticipant is the customer of a chat as the flow engine sees it: the
// chat implementation of engine.Participant, so the flows that run on voice
// run over chat.
//
//   - Play posts the message as a MESSAGE from the SYSTEM role with the
//     display name SYSTEM_MESSAGE, as Connect shows flow messages. SSML is
//     sent as its text; audio prompts cannot be shown in a chat and take the
//     action's error branch.
//   - Input posts the prompt, if any, then returns the text of the
//     customer's next message, or engine.ErrInputTimeout after
//     req.Timeout. A message the customer sent after the flow's last
//     message counts, even if it came before Input was called (the
//     customer answered while the flow was busy): a chat customer answers
//     the last thing shown, not the next.
//   - Wait returns "CustomerReturned" when a customer message comes during
//     the wait and that event was asked for, "" when the time runs out.
//   - PlayIteratively (engine.IterativePlayer, the MessageParticipantIteratively
//     action of a customer queue flow) posts the messages once each, in
//     order, then waits for the interrupt timer; see its comment for the
//     pacing.
//
// Once the chat has ended (the customer left, the inactivity timeout...)
// every method returns engine.ErrParticipantNotFound.
type FlowParticipant struct {
	ss *session
	p  *participant
	in *inbox
}

var (
	_ engine.Participant     = (*FlowParticipant)(nil)
	_ engine.IterativePlayer = (*FlowParticipant)(nil)
)

// flowInboxSize bounds the customer messages queued for a flow.
const flowInboxSize = 64

// FlowParticipant returns the participant a flow runs against for an
// active chat. Each flow run gets its own; Close it when the run ends.
// Flow messages come from the chat's SYSTEM participant, which posts no
// joined or left events.
func (s *Service) FlowParticipant(ctx context.Context, contactID string) (*FlowParticipant, error) {
	ss, err := s.session(ctx, contactID)
	if err != nil {
		return nil, err
	}
	sys, err := ss.systemParticipant(ctx)
	if err != nil {
		return nil, err
	}
	fp := &FlowParticipant{ss: ss, p: sys}
	fp.in = newInbox(flowInboxSize, func(it Item) bool {
		return it.ParticipantRole == RoleCustomer && it.Type == TypeMessage
	})
	ss.addInbox(fp.in)
	return fp, nil
}

// systemParticipant returns the chat's SYSTEM participant, adding it the
// first time.
func (ss *session) systemParticipant(ctx context.Context) (*participant, error) {
	ss.mu.Lock()
	sys := ss.system
	ss.mu.Unlock()
	if sys != nil {
		return sys, nil
	}
	p, err := ss.join(ctx, ParticipantRecord{
		ParticipantID: uuid.NewString(), ContactID: ss.contactID, Role: RoleSystem,
		DisplayName: DisplayNameSystem, JoinedAt: ss.svc.cfg.Now(),
	}, true)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.system == nil {
		ss.system = p
	}
	return ss.system, nil
}

// Close stops the participant's inbox.
func (fp *FlowParticipant) Close() {
	fp.ss.removeInbox(fp.in)
	fp.in.close(ErrParticipantLeft)
}

// ContactID is the chat's contact ID.
func (fp *FlowParticipant) ContactID() string { return fp.ss.contactID }

// ErrNotShowable: an audio prompt or file cannot be shown in a chat.
var ErrNotShowable = errors.New("chat: audio cannot be shown in a chat")

// Play implements engine.Participant.
func (fp *FlowParticipant) Play(ctx context.Context, msg engine.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	text, err := chatText(msg)
	if err != nil {
		return err
	}
	if text == "" {
		return nil // nothing to show; Connect sends no empty message either
	}
	// What the customer sent before this message answered an earlier one.
	fp.in.clear()
	_, err = fp.ss.post(ctx, fp.p, Item{Type: TypeMessage, ContentType: ContentTextPlain, Content: text})
	return fp.mapErr(err)
}

// Send posts a message of any content type from the flow, e.g. an
// interactive message (application/vnd.amazonaws.connect.message.interactive).
func (fp *FlowParticipant) Send(ctx context.Context, contentType, content string) error {
	if err := fp.ss.svc.checkMessage(contentType, content, true); err != nil {
		return err
	}
	fp.in.clear()
	_, err := fp.ss.post(ctx, fp.p, Item{Type: TypeMessage, ContentType: contentType, Content: content})
	return fp.mapErr(err)
}

// Input implements engine.Participant.
func (fp *FlowParticipant) Input(ctx context.Context, req engine.InputRequest) (string, error) {
	if req.Prompt != nil {
		if err := fp.Play(ctx, *req.Prompt); err != nil {
			return "", err
		}
	}
	it, err := fp.wait(ctx, req.Timeout)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return "", engine.ErrInputTimeout
		}
		return "", fp.mapErr(err)
	}
	return it.Text(), nil
}

// Wait implements engine.Participant.
func (fp *FlowParticipant) Wait(ctx context.Context, req engine.WaitRequest) (string, error) {
	returned := slices.Contains(req.Events, "CustomerReturned")
	wctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	for {
		_, err := fp.in.next(wctx)
		switch {
		case err == nil:
			if returned {
				return "CustomerReturned", nil
			}
			// A message the flow does not wait for: keep waiting.
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			return "", nil
		default:
			return "", fp.mapErr(err)
		}
	}
}

// PlayIteratively implements engine.IterativePlayer for chat, where a loop
// of prompts is a loop of messages in a transcript that stays on the
// customer's screen. Each call is one pass of the loop:
//
//   - It posts each message once, in order, as Play does (SSML as its text).
//     Audio prompts and files, the hold music of a flow written for voice,
//     cannot be shown in a chat: they are skipped, so a pass of only audio
//     is silent.
//   - It then waits, posting nothing more, until interruptEvery has passed
//     since the call and returns interrupted=true: the flow takes its
//     MessagesInterrupted branch, which usually loops back to this action,
//     so the customer gets the messages again every interruptEvery. The
//     interrupt timer is the pace; there is no other.
//   - Without an interrupt timer (interruptEvery 0) the messages are posted
//     once and the call waits for ctx: repeating them with no interval the
//     flow chose would flood the chat.
//   - When ctx ends (the contact was offered to an agent or left the
//     queue) it returns false and ctx.Err(); when the chat ends, false and
//     an engine.ErrParticipantNotFound error. Messages the customer sends
//     meanwhile do not interrupt the loop.
//
// Amazon Connect documents the Loop prompts block as unsupported on chat
// (the error branch); Switchboard runs it, so one customer queue flow
// serves both channels.
func (fp *FlowParticipant) PlayIteratively(ctx context.Context, msgs []engine.Message, interruptEvery time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	wctx, cancel := withTimeout(ctx, interruptEvery)
	defer cancel()
	for _, m := range msgs {
		text, err := chatText(m)
		if errors.Is(err, ErrNotShowable) || (err == nil && text == "") {
			continue
		}
		if err != nil {
			return false, err
		}
		fp.in.clear()
		if _, err := fp.ss.post(ctx, fp.p, Item{Type: TypeMessage, ContentType: ContentTextPlain, Content: text}); err != nil {
			return false, fp.mapErr(err)
		}
	}
	for {
		_, err := fp.in.next(wctx)
		switch {
		case err == nil:
			// The customer wrote: it does not interrupt the loop.
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			return true, nil
		case ctx.Err() != nil:
			return false, ctx.Err()
		default:
			return false, fp.mapErr(err)
		}
	}
}

// wait returns the customer's next message within d (no limit when d is 0).
func (fp *FlowParticipant) wait(ctx context.Context, d time.Duration) (Item, error) {
	wctx, cancel := withTimeout(ctx, d)
	defer cancel()
	return fp.in.next(wctx)
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// mapErr turns "the customer is gone" into the engine's error for it.
func (fp *FlowParticipant) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrChatEnded), errors.Is(err, ErrParticipantLeft):
		return fmt.Errorf("contact %s: %w: %w", fp.ss.contactID, engine.ErrParticipantNotFound, err)
	}
	return err
}

var ssmlTag = regexp.MustCompile(`<[^>]*>`)

// chatText is what a message shows in a chat.
func chatText(m engine.Message) (string, error) {
	switch m.Kind {
	case engine.MessageText, "":
		return strings.TrimSpace(m.Text), nil
	case engine.MessageSSML:
		t := ssmlTag.ReplaceAllString(m.Text, "")
		return strings.Join(strings.Fields(html.UnescapeString(t)), " "), nil
	}
	return "", fmt.Errorf("%w: %s", ErrNotShowable, m.String())
}
