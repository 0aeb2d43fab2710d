// Package engine runs flows: it is the channel-neutral interpreter of the
// Amazon Connect flow language (internal/flow) and the implementation of its
// actions.
//
// A run starts at a flow's StartAction and follows transitions as the
// language defines them (docs/flow-language-reference.md §1): when an action
// fails, the Errors entry of its error type, else NoMatchingError; when it
// has a result, the first Condition that holds, else NoMatchingCondition;
// otherwise NextAction. An action with empty Transitions ends the flow.
//
// The engine talks to the customer only through a Participant (voice and
// chat implement it; ScriptedParticipant feeds a list of inputs) and to the
// rest of Switchboard only through an Env: Resources to find queues, flows,
// prompts, functions, hours, bots and agents by reference; a FunctionInvoker
// for InvokeLambdaFunction; Metrics for the queue figures; a Clock and a
// random source. Memory is an in-memory Resources for tests and for
// `switchboard flow run`.
//
// Run returns when the contact leaves the flow: transferred to a queue, an
// agent or a phone number, disconnected, or at the end of the flow. Those are
// the Outcome types. TransferToFlow and flow modules (InvokeFlowModule,
// EndFlowModuleExecution) are handled inside the run. A run is bounded by
// Limits (steps per contact, steps without talking to the participant, flow
// transfers, module depth) and by its context; exceeding a limit, a
// transition to a missing action or a cancelled context ends it with
// OutcomeError and a *RunError.
//
// Actions that stand for services Switchboard does not have yet (customer
// profiles, cases, views, Voice ID, tasks) take their NoMatchingError branch
// and log why; see Unsupported.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// Engine runs flows. It is safe for concurrent use: each Run has its own
// state.
type Engine struct {
	env    Env
	limits Limits
	log    *slog.Logger
}

// New returns an engine over env. env.Resources must be set.
func New(env Env) *Engine {
	if env.Clock == nil {
		env.Clock = systemClock{}
	}
	if env.Rand == nil {
		env.Rand = globalRand{}
	}
	if env.Logger == nil {
		env.Logger = slog.Default()
	}
	return &Engine{env: env, limits: env.Limits.withDefaults(), log: env.Logger}
}

// OutcomeType says how a contact left the flow.
type OutcomeType string

// The outcomes of a run.
const (
	// OutcomeTransferToQueue: the contact goes to Outcome.Queue
	// (TransferContactToQueue, DequeueContactAndTransferToQueue).
	OutcomeTransferToQueue OutcomeType = "TransferToQueue"
	// OutcomeTransferToAgent: the contact goes to the agent of its agent
	// queue (TransferContactToAgent).
	OutcomeTransferToAgent OutcomeType = "TransferToAgent"
	// OutcomeTransferToPhoneNumber: the channel calls Outcome.ThirdParty
	// (TransferParticipantToThirdParty without a ThirdPartyDialer, or with
	// one when the flow does not continue).
	OutcomeTransferToPhoneNumber OutcomeType = "TransferToPhoneNumber"
	// OutcomeDisconnect: the flow hung up (DisconnectParticipant).
	OutcomeDisconnect OutcomeType = "Disconnect"
	// OutcomeEndFlow: the flow ended without disconnecting
	// (EndFlowExecution, EndFlowModuleExecution outside a module, an action
	// with nowhere to go). In queue, hold and whisper flows this returns
	// control to the contact's owner; in an inbound flow the channel ends
	// the contact.
	OutcomeEndFlow OutcomeType = "EndFlow"
	// OutcomeError: the run stopped on an error (Outcome.Err, a
	// *RunError).
	OutcomeError OutcomeType = "Error"
)

// Outcome is how and where a run ended.
type Outcome struct {
	Type OutcomeType
	// Flow and Action are the flow (name or ID) and the action where the
	// run ended.
	Flow, Action string
	// Queue is the queue for OutcomeTransferToQueue and the agent queue for
	// OutcomeTransferToAgent.
	Queue *QueueTarget
	// ThirdParty is the call for OutcomeTransferToPhoneNumber.
	ThirdParty *ThirdPartyRequest
	// Reason explains an OutcomeEndFlow that no EndFlowExecution asked for.
	Reason string
	// Err is set for OutcomeError.
	Err error
}

// Step is one action run.
type Step struct {
	Flow       string
	Identifier string
	Type       string
	// Branch is the transition taken: "NextAction", "Condition: Equals 1",
	// "Error: InputTimeLimitExceeded", "Enter: <flow>" for TransferToFlow
	// and InvokeFlowModule, or "End" for an action that ended the run.
	Branch string
	// Result is the action's result when it has one (the key pressed, the
	// intent, "True"...).
	Result string
	// Cause explains an error branch.
	Cause string
}

// Roles in a transcript.
const (
	RoleBot    = "bot"    // what the flow said
	RoleCaller = "caller" // what the customer entered
)

// Turn is one line of the conversation.
type Turn struct {
	Role string
	// Kind is the message kind for the bot (text, ssml, prompt, media) and
	// dtmf, text, utterance, timeout or event for the caller.
	Kind string
	Text string
}

// Result is what a run did.
type Result struct {
	Outcome Outcome
	Steps   []Step
	// Messages is the conversation: prompts played and input received.
	Messages []Turn
	// Callbacks are the callbacks the flow asked for (CreateCallbackContact).
	Callbacks []CallbackRequest
	// Contact is the contact as the run left it (the one passed to Run).
	Contact *Contact
}

// frame is a flow being run: the top-level flow, a transferred-to flow or a
// module.
type frame struct {
	name    string
	flow    *flow.Flow
	index   map[string]*flow.Action
	caller  *flow.Action      // the InvokeFlowModule that called this module
	saved   map[string]string // the caller's FlowAttributes
	module  bool
	current *flow.Action
}

func newFrame(name string, f *flow.Flow) *frame {
	return &frame{name: name, flow: f, index: f.ActionIndex()}
}

// run is the state of one Run.
type run struct {
	e         *Engine
	ctx       context.Context
	c         *Contact
	p         Participant
	res       *Result
	fr        *frame
	stack     []*frame
	steps     int
	silent    int
	transfers int
}

// Run runs f for contact c, talking to p, until the contact leaves the flow.
// It updates c in place. The error is nil unless the outcome is
// OutcomeError, in which case it is the *RunError also in Outcome.Err; the
// Result is always returned, with the steps run so far.
func (e *Engine) Run(ctx context.Context, f *flow.Flow, c *Contact, p Participant) (*Result, error) {
	name := "flow"
	if f != nil && f.Metadata.Name != "" {
		name = f.Metadata.Name
	}
	return e.RunLoaded(ctx, &LoadedFlow{Name: name, Flow: f}, c, p)
}

// RunLoaded is Run for a flow loaded with its name and ID, which appear in
// steps, outcomes and logs.
func (e *Engine) RunLoaded(ctx context.Context, lf *LoadedFlow, c *Contact, p Participant) (*Result, error) {
	if c == nil {
		c = NewContact("", ChannelVoice)
	}
	c.init()
	r := &run{e: e, ctx: ctx, c: c, p: p, res: &Result{Contact: c}}
	if lf == nil || lf.Flow == nil {
		r.fail("", fmt.Errorf("no flow to run"))
		return r.res, r.res.Outcome.Err
	}
	r.fr = newFrame(displayName(lf), lf.Flow)
	r.loop(lf.Flow.StartAction)
	if r.res.Outcome.Type == OutcomeError {
		return r.res, r.res.Outcome.Err
	}
	return r.res, nil
}

func displayName(lf *LoadedFlow) string {
	switch {
	case lf.Name != "":
		return lf.Name
	case lf.ID != "":
		return lf.ID
	}
	return "flow"
}

// fail ends the run with OutcomeError.
func (r *run) fail(action string, err error) {
	re := &RunError{Flow: r.fr.nameOr(), Action: action, Err: err}
	r.res.Outcome = Outcome{Type: OutcomeError, Flow: re.Flow, Action: action, Err: re}
	level := slog.LevelWarn
	if isContextErr(err) && r.ctx.Err() != nil {
		// Cancelled by the caller (a queue flow whose contact was offered
		// to an agent, a shutdown): how runs are stopped, not a failure.
		level = slog.LevelDebug
	}
	r.e.log.LogAttrs(r.ctx, level, "flow run failed",
		slog.String("contact_id", r.c.ContactID), slog.String("flow", re.Flow),
		slog.String("action", action), slog.Any("err", err))
}

func (f *frame) nameOr() string {
	if f == nil {
		return "flow"
	}
	return f.name
}

// loop runs actions from id until the run ends.
func (r *run) loop(id string) {
	lim := r.e.limits
	for {
		a, ok := r.fr.index[id]
		if !ok {
			if id == "" {
				r.fail("", fmt.Errorf("%w: the flow has no StartAction", ErrMissingAction))
			} else {
				r.fail(id, fmt.Errorf("%w: flow %q has no action %q", ErrMissingAction, r.fr.name, id))
			}
			return
		}
		r.fr.current = a
		if err := r.ctx.Err(); err != nil {
			r.fail(a.Identifier, err)
			return
		}
		r.steps++
		r.silent++
		if r.steps > lim.MaxSteps {
			r.fail(a.Identifier, fmt.Errorf("%w: %d actions", ErrStepLimit, lim.MaxSteps))
			return
		}
		if r.silent > lim.MaxSilentSteps {
			r.fail(a.Identifier, fmt.Errorf("%w: %d actions in a row", ErrLoop, lim.MaxSilentSteps))
			return
		}

		st := r.exec(a)
		if err := r.ctx.Err(); err != nil {
			r.record(a, "End", st)
			r.fail(a.Identifier, err)
			return
		}
		var next string
		switch st.kind {
		case stepFatal:
			r.record(a, "End", st)
			r.fail(a.Identifier, st.cause)
			return
		case stepEnd:
			r.record(a, "End", st)
			st.outcome.Flow, st.outcome.Action = r.fr.name, a.Identifier
			r.res.Outcome = st.outcome
			return
		case stepFlow:
			r.record(a, "Enter: "+st.frame.name, st)
			r.fr = st.frame
			next = st.frame.flow.StartAction
		case stepReturn:
			r.record(a, "End", st)
			caller := r.fr.caller
			r.c.FlowAttributes = r.fr.saved
			r.fr = r.stack[len(r.stack)-1]
			r.stack = r.stack[:len(r.stack)-1]
			// The module's caller goes on as if it had succeeded.
			var branch string
			var err error
			next, branch, err = r.follow(caller, step{kind: stepNext})
			if err != nil {
				r.fail(caller.Identifier, err)
				return
			}
			r.res.Steps = append(r.res.Steps, Step{Flow: r.fr.name, Identifier: caller.Identifier, Type: caller.Type, Branch: branch})
		default:
			var branch string
			var err error
			next, branch, err = r.follow(a, st)
			r.record(a, branch, st)
			if err != nil {
				r.fail(a.Identifier, err)
				return
			}
		}
		if next == "" {
			r.res.Outcome = Outcome{Type: OutcomeEndFlow, Flow: r.fr.name, Action: r.fr.current.Identifier,
				Reason: "the action has no next action"}
			return
		}
		id = next
	}
}

// record appends a Step and writes the flow log line.
func (r *run) record(a *flow.Action, branch string, st step) {
	s := Step{Flow: r.fr.name, Identifier: a.Identifier, Type: a.Type, Branch: branch, Result: st.result}
	if st.cause != nil {
		s.Cause = st.cause.Error()
	}
	r.res.Steps = append(r.res.Steps, s)
	if r.c.FlowLogging {
		attrs := []slog.Attr{
			slog.String("contact_id", r.c.ContactID), slog.String("flow", r.fr.name),
			slog.String("action", a.Identifier), slog.String("type", a.Type), slog.String("branch", branch),
		}
		if st.result != "" && !st.sensitive {
			attrs = append(attrs, slog.String("result", st.result))
		}
		if st.cause != nil {
			attrs = append(attrs, slog.String("cause", st.cause.Error()))
		}
		r.e.log.LogAttrs(r.ctx, slog.LevelInfo, "flow action", attrs...)
	}
}

// follow picks the transition for st, as the language defines it.
func (r *run) follow(a *flow.Action, st step) (next, branch string, err error) {
	t := &a.Transitions
	switch st.kind {
	case stepResult:
		for _, ct := range t.Conditions {
			if evalCondition(ct.Condition, st.result) {
				return ct.NextAction, "Condition: " + conditionString(ct.Condition), nil
			}
		}
		st = step{kind: stepError, errType: flow.ErrorNoMatchingCondition, result: st.result}
		fallthrough
	case stepError:
		if n := t.ErrorTarget(st.errType); n != "" {
			return n, "Error: " + st.errType, nil
		}
		if n := t.ErrorTarget(flow.ErrorNoMatchingError); n != "" {
			return n, "Error: " + flow.ErrorNoMatchingError, nil
		}
		cause := ""
		if st.cause != nil {
			cause = ": " + st.cause.Error()
		}
		return "", "Error: " + st.errType, fmt.Errorf("%w: %s has neither a %s nor a NoMatchingError branch%s",
			ErrNoBranch, a.Type, st.errType, cause)
	}
	return t.NextAction, "NextAction", nil
}

// conditionString renders a condition for a Step: "Equals 1", "And(...)".
func conditionString(c flow.Condition) string {
	var b strings.Builder
	b.WriteString(c.Operator)
	nested := false
	for _, o := range c.Operands {
		if o.Condition != nil {
			nested = true
		}
	}
	if nested {
		b.WriteByte('(')
		for i, o := range c.Operands {
			if i > 0 {
				b.WriteString(", ")
			}
			if o.Condition != nil {
				b.WriteString(conditionString(*o.Condition))
			} else {
				b.WriteString(o.Value)
			}
		}
		b.WriteByte(')')
		return b.String()
	}
	for _, o := range c.Operands {
		b.WriteByte(' ')
		b.WriteString(o.Value)
	}
	return b.String()
}

// stepKind says what an action did.
type stepKind uint8

const (
	stepNext   stepKind = iota // succeeded, no result: NextAction
	stepResult                 // succeeded with a result: Conditions
	stepError                  // failed: Errors
	stepEnd                    // the run ends with outcome
	stepFlow                   // continue in frame (TransferToFlow, InvokeFlowModule)
	stepReturn                 // EndFlowModuleExecution inside a module
	stepFatal                  // the run stops with cause
)

// step is an action's result.
type step struct {
	kind      stepKind
	result    string
	errType   string
	cause     error
	outcome   Outcome
	frame     *frame
	sensitive bool // do not log the result
}

func proceed() step        { return step{kind: stepNext} }
func result(v string) step { return step{kind: stepResult, result: v} }
func end(o Outcome) step   { return step{kind: stepEnd, outcome: o} }
func fatal(err error) step { return step{kind: stepFatal, cause: err} }

// failed is the NoMatchingError branch, for cause.
func failed(cause error) step { return errStep(flow.ErrorNoMatchingError, cause) }

// errStep is the errType branch, for cause.
func errStep(errType string, cause error) step {
	return step{kind: stepError, errType: errType, cause: cause}
}

// handler runs one action type.
type handler func(r *run, a *flow.Action) step

// handlers maps each action type to its implementation; filled in init
// (the handlers refer to run, which refers to handlers).
var handlers map[string]handler

// exec runs a, turning a panic into a fatal step.
func (r *run) exec(a *flow.Action) (st step) {
	defer func() {
		if v := recover(); v != nil {
			r.e.log.LogAttrs(r.ctx, slog.LevelError, "flow action panicked",
				slog.String("contact_id", r.c.ContactID), slog.String("flow", r.fr.name),
				slog.String("action", a.Identifier), slog.String("type", a.Type),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			st = fatal(fmt.Errorf("%w: %s panicked: %v", ErrPanic, a.Type, v))
		}
	}()
	typ := a.Type
	if spec, ok := flow.LookupAction(typ); ok {
		typ = spec.Type
	}
	h, ok := handlers[typ]
	if !ok {
		return r.unsupported(a, fmt.Errorf("%w %q", ErrUnknownAction, a.Type))
	}
	st = h(r, a)
	if st.kind == stepError && st.cause != nil && isContextErr(st.cause) && r.ctx.Err() != nil {
		return fatal(r.ctx.Err())
	}
	return st
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// interacted notes that the participant was involved, resetting the loop
// guard.
func (r *run) interacted() { r.silent = 0 }

// warn logs a problem with an action that does not change its branch.
func (r *run) warn(a *flow.Action, msg string, err error) {
	r.e.log.LogAttrs(r.ctx, slog.LevelWarn, msg,
		slog.String("contact_id", r.c.ContactID), slog.String("flow", r.fr.name),
		slog.String("action", a.Identifier), slog.String("type", a.Type), slog.Any("err", err))
}
