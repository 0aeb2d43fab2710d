package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
)

// Participant actions: they talk to the customer.

// Defaults where a flow leaves a value out.
const (
	defaultInputTimeout      = 5 * time.Second
	defaultInterdigitTimeout = 5 * time.Second
	defaultMaxDigits         = 20
	defaultTerminator        = "#"
	defaultLexTimeout        = 5 * time.Second
)

// MessageParticipant plays one message.
func actMessageParticipant(r *run, a *flow.Action) step {
	msg, ok, err := r.message(a, a.Parameters, "")
	if err != nil {
		return failed(err)
	}
	if !ok {
		return failed(errors.New("no Text, SSML, PromptId or Media to play"))
	}
	if err := r.play(*msg); err != nil {
		return failed(fmt.Errorf("play: %w", err))
	}
	return proceed()
}

// MessageParticipantIteratively loops Messages until something outside the
// flow interrupts them. A participant that implements IterativePlayer does
// the looping (a queue); for any other the messages are played once, and the
// flow then takes its MessagesInterrupted branch when it has one — as if the
// interrupt timer fired — or ends (OutcomeEndFlow), as a hold or queue loop
// with empty Transitions would once the contact leaves it.
func actMessageParticipantIteratively(r *run, a *flow.Action) step {
	list := a.ListParam("Messages")
	msgs := make([]Message, 0, len(list))
	for i, v := range list {
		m, _ := v.(map[string]any)
		msg, ok, err := r.message(a, m, fmt.Sprintf("Messages[%d].", i))
		if err != nil {
			return failed(fmt.Errorf("message %d: %w", i, err))
		}
		if ok {
			msgs = append(msgs, *msg)
		}
	}
	if len(msgs) == 0 {
		return failed(errors.New("no messages to play"))
	}
	every := time.Duration(0)
	if s := a.StringParam("InterruptFrequencySeconds"); s != "" {
		d, err := r.seconds(s, 1, 0)
		if err != nil {
			return failed(fmt.Errorf("InterruptFrequencySeconds: %w", err))
		}
		every = d
	}
	hasInterrupt := false
	for _, c := range a.Transitions.Conditions {
		if evalCondition(c.Condition, "MessagesInterrupted") {
			hasInterrupt = true
		}
	}
	if ip, ok := r.p.(IterativePlayer); ok {
		r.interacted()
		for _, m := range msgs {
			r.say(m)
		}
		interrupted, err := ip.PlayIteratively(r.ctx, msgs, every)
		if err != nil {
			return failed(fmt.Errorf("play: %w", err))
		}
		if interrupted {
			return result("MessagesInterrupted")
		}
		return end(Outcome{Type: OutcomeEndFlow, Reason: "the message loop ended"})
	}
	for _, m := range msgs {
		if err := r.play(m); err != nil {
			return failed(fmt.Errorf("play: %w", err))
		}
	}
	if hasInterrupt {
		return result("MessagesInterrupted")
	}
	return end(Outcome{Type: OutcomeEndFlow, Reason: "messages played once; nothing interrupts them outside a queue"})
}

// GetParticipantInput asks for a menu key (StoreInput False: the key is the
// result, matched by the Conditions) or for digits to store (StoreInput
// True: $.StoredCustomerInput, validated as a phone number or bounded by
// MaximumLength).
func actGetParticipantInput(r *run, a *flow.Action) step {
	prompt, ok, err := r.message(a, a.Parameters, "")
	if err != nil {
		return failed(err)
	}
	if !ok {
		prompt = nil
	}
	req := InputRequest{Kind: InputMenu, Prompt: prompt, Timeout: defaultInputTimeout}
	if s := a.StringParam("InputTimeLimitSeconds"); s != "" {
		d, err := r.seconds(s, 1, 0)
		if err != nil {
			return failed(fmt.Errorf("InputTimeLimitSeconds: %w", err))
		}
		req.Timeout = d
	}
	store, _ := a.BoolParam("StoreInput")
	var phone map[string]any
	if !store {
		req.Expected = expectedInputs(a.Transitions.Conditions)
	}
	if store {
		req.Kind = InputStored
		req.MaxDigits = defaultMaxDigits
		req.Terminator = defaultTerminator
		req.InterdigitTimeout = defaultInterdigitTimeout
		dtmf := a.MapParam("DTMFConfiguration")
		if t := field(dtmf, "InputTerminationSequence"); t != "" {
			req.Terminator = t
		}
		req.DisableCancelKey = isTrue(field(dtmf, "DisableCancelKey"))
		if s := field(dtmf, "InterdigitTimeLimitSeconds"); s != "" {
			d, err := r.seconds(s, 1, 0)
			if err != nil {
				return failed(fmt.Errorf("InterdigitTimeLimitSeconds: %w", err))
			}
			req.InterdigitTimeout = d
		}
		validation := a.MapParam("InputValidation")
		phone, _ = validation["PhoneNumberValidation"].(map[string]any)
		if custom, ok := validation["CustomValidation"].(map[string]any); ok {
			if s := field(custom, "MaximumLength"); s != "" {
				n, err := r.integer(s, 1, 0)
				if err != nil {
					return failed(fmt.Errorf("MaximumLength: %w", err))
				}
				req.MaxDigits = n
			}
		}
		if _, ok := a.Parameters["InputEncryption"]; ok {
			// Connect encrypts the digits with the flow's key (AWS
			// Encryption SDK format); Switchboard has no key management
			// yet, and storing the digits in clear would betray the flow.
			return failed(fmt.Errorf("%w: encrypted input (InputEncryption)", ErrUnsupported))
		}
	}

	if prompt != nil {
		r.say(*prompt)
	}
	r.interacted()
	v, err := r.p.Input(r.ctx, req)
	if errors.Is(err, ErrInputTimeout) {
		r.heard("timeout", "(no input)")
		return errStep("InputTimeLimitExceeded", err)
	}
	if err != nil {
		return failed(fmt.Errorf("input: %w", err))
	}
	r.heard(inputKind(r.c.Channel), v)
	if !store {
		v = strings.TrimSpace(v)
		if r.c.Channel == ChannelVoice && len(v) > 1 && !slices.Contains(req.Expected, v) {
			v = v[:1] // a menu takes one key (or a spoken menu word)
		}
		return result(v)
	}

	v = collectDigits(v, req)
	if phone != nil {
		num, err := validatePhone(v, field(phone, "NumberFormat"), field(phone, "CountryCode"))
		if err != nil {
			return errStep("InvalidPhoneNumber", err)
		}
		v = num
	} else if req.MaxDigits > 0 && len(v) > req.MaxDigits {
		v = v[:req.MaxDigits]
	}
	r.c.StoredCustomerInput = v
	return proceed()
}

// collectDigits applies the terminator to stored input: the value ends
// before it. The participant already applied it on a real keypad; a
// scripted or chat value may still hold it.
func collectDigits(v string, req InputRequest) string {
	v = strings.TrimSpace(v)
	if req.Terminator != "" {
		if i := strings.Index(v, req.Terminator); i >= 0 {
			v = v[:i]
		}
	}
	return v
}

// expectedInputs returns the values a menu's conditions test for: the
// operands of its Equals conditions, and of Equals conditions (or plain
// operands) under Or, in order and without duplicates.
func expectedInputs(conds []flow.ConditionTransition) []string {
	var out []string
	var walk func(c flow.Condition, depth int)
	walk = func(c flow.Condition, depth int) {
		if depth > 5 {
			return
		}
		switch c.Operator {
		case flow.OpEquals, flow.OpOr:
		default:
			return
		}
		for _, o := range c.Operands {
			switch {
			case o.Condition != nil:
				walk(*o.Condition, depth+1)
			case o.Value != "" && !slices.Contains(out, o.Value):
				out = append(out, o.Value)
			}
		}
	}
	for _, c := range conds {
		walk(c.Condition, 0)
	}
	return out
}

func inputKind(channel string) string {
	if channel == ChannelVoice {
		return "dtmf"
	}
	return "text"
}

// ConnectParticipantWithLexBot plays the prompt, takes the customer's
// utterance from the participant and asks the bot for the intent. The intent
// name is the result; $.Lex holds the intent, slots, confidence and session
// attributes.
func actConnectParticipantWithLexBot(r *run, a *flow.Action) step {
	var ref Ref
	var err error
	if v2 := a.MapParam("LexV2Bot"); v2 != nil {
		ref, err = r.ref(a, "LexV2Bot.AliasArn", field(v2, "AliasArn"))
		if ref.Name == "" {
			// The editor records the bot's name beside the alias.
			ref.Name = r.fr.flow.Metadata.DisplayName(a.Identifier, "LexV2Bot")
		}
	} else if v1 := a.MapParam("LexBot"); v1 != nil {
		ref, err = r.ref(a, "LexBot.Name", field(v1, "Name"))
	} else {
		err = errors.New("no LexV2Bot or LexBot")
	}
	if err != nil {
		return failed(err)
	}
	bot, err := r.e.env.Resources.Bot(r.ctx, ref)
	if err != nil {
		return failed(fmt.Errorf("bot %s: %w", ref, err))
	}
	prompt, ok, err := r.message(a, a.Parameters, "")
	if err != nil {
		return failed(err)
	}
	if !ok || (prompt.Kind == MessageText && strings.TrimSpace(prompt.Text) == "") {
		prompt = nil
	}
	session := map[string]string{}
	for k, v := range a.StringMapParam("LexSessionAttributes") {
		session[k] = r.text(v)
	}
	timeout := defaultLexTimeout
	if t := a.MapParam("LexTimeoutSeconds"); t != nil {
		if s := field(t, "Text"); s != "" {
			if d, err := r.seconds(s, 1, 0); err == nil {
				timeout = d
			}
		}
	}

	var utterance string
	if init := a.MapParam("LexInitilizationData"); init != nil && r.c.Channel != ChannelVoice {
		// On chat the initial message is the customer's first utterance.
		utterance = strings.TrimSpace(r.text(field(init, "InitialMessage")))
	}
	if utterance == "" {
		if prompt != nil {
			r.say(*prompt)
		}
		r.interacted()
		utterance, err = r.p.Input(r.ctx, InputRequest{Kind: InputUtterance, Prompt: prompt, Timeout: timeout})
		if errors.Is(err, ErrInputTimeout) {
			r.heard("timeout", "(no input)")
			return errStep("InputTimeLimitExceeded", err)
		}
		if err != nil {
			return failed(fmt.Errorf("input: %w", err))
		}
		r.heard("utterance", utterance)
	}
	rec, err := bot.Recognize(r.ctx, BotRequest{Utterance: utterance, SessionAttributes: session, LanguageCode: r.c.Voice.Language})
	if err != nil {
		return failed(fmt.Errorf("bot %s: %w", ref, err))
	}
	if rec.SessionAttributes != nil {
		maps.Copy(session, rec.SessionAttributes)
	}
	r.c.Lex = LexResult{IntentName: rec.IntentName, Slots: rec.Slots, SessionAttributes: session,
		Confidence: rec.Confidence, Utterance: utterance}
	if r.c.Lex.Slots == nil {
		r.c.Lex.Slots = map[string]string{}
	}
	return result(rec.IntentName)
}

// DisconnectParticipant ends the contact.
func actDisconnectParticipant(*run, *flow.Action) step {
	return end(Outcome{Type: OutcomeDisconnect})
}

// TransferParticipantToThirdParty calls a phone number. Through a
// ThirdPartyDialer the call is made here and, with ContinueFlowExecution,
// the flow goes on when it ends; otherwise the run ends with
// OutcomeTransferToPhoneNumber for the channel to carry out.
func actTransferParticipantToThirdParty(r *run, a *flow.Action) step {
	number, _ := r.dynamic(a.StringParam("ThirdPartyPhoneNumber"))
	number = core.NormalizeE164(number)
	if !core.ValidE164(number) {
		return failed(fmt.Errorf("ThirdPartyPhoneNumber %q is not an E.164 number", number))
	}
	req := ThirdPartyRequest{PhoneNumber: number}
	if s := a.StringParam("ThirdPartyConnectionTimeLimitSeconds"); s != "" {
		d, err := r.seconds(s, 0, 600)
		if err != nil {
			return failed(fmt.Errorf("ThirdPartyConnectionTimeLimitSeconds: %w", err))
		}
		req.Timeout = d
	}
	req.ContinueFlow, _ = a.BoolParam("ContinueFlowExecution")
	if s := a.StringParam("ThirdPartyDTMFDigits"); s != "" {
		req.DTMF, _ = r.dynamic(s)
	}
	if cid := a.MapParam("CallerId"); cid != nil {
		req.CallerIDNumber, _ = r.dynamic(field(cid, "Number"))
		req.CallerIDName, _ = r.dynamic(field(cid, "Name"))
	}
	d, ok := r.p.(ThirdPartyDialer)
	if !ok {
		return end(Outcome{Type: OutcomeTransferToPhoneNumber, ThirdParty: &req})
	}
	r.interacted()
	err := d.Dial(r.ctx, req)
	switch {
	case err == nil && req.ContinueFlow:
		return proceed()
	case err == nil:
		return end(Outcome{Type: OutcomeTransferToPhoneNumber, ThirdParty: &req})
	case !req.ContinueFlow:
		return failed(err) // the specific branches exist only when the flow continues
	case errors.Is(err, ErrConnectionTimeout):
		return errStep("ConnectionTimeLimitExceeded", err)
	case errors.Is(err, ErrCallFailed):
		return errStep("CallFailed", err)
	}
	return failed(err)
}
