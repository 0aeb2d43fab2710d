package app

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/media"
	"github.com/switchboard-cc/switchboard/internal/voice"
)

// Whisper flows: when a call is connected to an agent, before the two
// hear each other, the contact's agent whisper flow (event hook
// AgentWhisper, set by "Set whisper flow") plays to the agent — typically
// the queue's name or what the caller chose in the IVR — and its customer
// whisper flow (CustomerWhisper) plays to the caller, both at once, as in
// Amazon Connect. A contact without them (the hooks unset) is bridged at
// once: Switchboard has no default whisper (Connect's default agent
// whisper says the queue's name; a flow can set one that does).
//
// Whisper flows only play: their prompts (text, SSML, uploaded audio) go
// through a voice.Participant writing to that side; input actions fail
// (error branch). Each is bounded by whisperLimit.

const (
	hookAgentWhisper    = "AgentWhisper"
	hookCustomerWhisper = "CustomerWhisper"
	whisperLimit        = 30 * time.Second
)

// whisper runs the contact's whisper flows for agent party p, until both
// have ended (or the call did).
func (c *call) whisper(ctx context.Context, inst *instanceCC, p *party) {
	ct, err := c.v.cc.contacts.Get(ctx, c.inst, p.contactID)
	if err != nil {
		return
	}
	agentFlow, customerFlow := ct.EventHooks[hookAgentWhisper], ct.EventHooks[hookCustomerWhisper]
	if agentFlow == "" && customerFlow == "" {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, whisperLimit)
	defer cancel()
	var wg sync.WaitGroup
	if agentFlow != "" {
		pp := voice.New(voice.Config{TTS: c.v.tts, Prompt: c.v.promptAudio(c.inst), DefaultVoice: c.v.cfg.TTSVoice,
			Logger: p.log}, endpointWriter{p.ep})
		wg.Go(func() { c.runWhisper(wctx, inst, ct, agentFlow, "agent", pp) })
	}
	if customerFlow != "" {
		wg.Go(func() { c.runWhisper(wctx, inst, ct, customerFlow, "customer", c.p) })
	}
	wg.Wait()
}

// runWhisper runs one whisper flow with participant pp.
func (c *call) runWhisper(ctx context.Context, inst *instanceCC, ct *contact.Contact, flowID, side string, pp engine.Participant) {
	log := c.log.With("whisper", side, "flow", flowID)
	res := storeResources{st: c.v.cc.st, instanceID: c.inst}
	lf, err := res.Flow(ctx, engine.Ref{Value: flowID})
	if err != nil {
		log.Warn("whisper: flow not found; skipped", "err", err)
		return
	}
	ec := engine.NewContact(ct.ID, engine.ChannelVoice)
	ec.InstanceID, ec.InitialContactID, ec.PreviousContactID = ct.InstanceID, ct.InitialContactID, ct.PreviousContactID
	maps.Copy(ec.Attributes, ct.Attributes)
	if ct.Queue != nil {
		if q, err := inst.queueTarget(ctx, routingTargetOf(ct.Queue.ID)); err == nil {
			ec.Queue = q
		}
	}
	start := time.Now()
	e := engine.New(engine.Env{Resources: res, Functions: c.v.cc.functions, Metrics: inst.router, Logger: c.v.cc.log})
	out, err := e.RunLoaded(ctx, lf, ec, pp)
	switch {
	case err != nil:
		log.Warn("whisper: flow failed", "err", err)
	case out != nil && out.Outcome.Type == engine.OutcomeError:
		log.Warn("whisper: flow ended in error", "err", out.Outcome.Err)
	default:
		log.Info("whisper: played", "flow_name", lf.Name, "took", time.Since(start).Round(time.Millisecond))
	}
}

// endpointWriter plays audio to a bridge endpoint (the agent's line or
// desk phone) for a voice.Participant: frames are encoded as PCMU, which
// the endpoint sends as is or transcodes. It has no keys: input fails.
type endpointWriter struct{ ep media.Endpoint }

func (w endpointWriter) WriteAudio(pcm []int16) error {
	return w.ep.WriteEncoded(media.PCMU, media.PCMU.Encode(nil, pcm))
}

func (w endpointWriter) DTMF() <-chan rune { return nil }
