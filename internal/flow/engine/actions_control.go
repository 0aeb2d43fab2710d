package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
)

// Flow-control actions: they branch, and move between flows.

// Compare resolves ComparisonValue (one JSONPath; a missing value is "")
// and branches on it.
func actCompare(r *run, a *flow.Action) step {
	raw := strings.TrimSpace(a.StringParam("ComparisonValue"))
	p, err := jsonpath.Parse(raw)
	if err != nil {
		// A literal compares as itself; the validator warns about it.
		return result(raw)
	}
	v, _ := r.lookup(p)
	return result(jsonpath.ToString(v))
}

// CheckHoursOfOperation answers "True" or "False" for the hours named by
// HoursOfOperationId or, without it, the working queue's hours, at the
// Env's clock in the schedule's time zone.
func actCheckHoursOfOperation(r *run, a *flow.Action) step {
	var ref Ref
	if raw := a.StringParam("HoursOfOperationId"); raw != "" {
		var err error
		if ref, err = r.ref(a, "HoursOfOperationId", raw); err != nil {
			return failed(err)
		}
	} else {
		q := r.c.Queue
		switch {
		case q == nil:
			return failed(errors.New("no HoursOfOperationId and no working queue"))
		case q.Queue == nil:
			return failed(errors.New("no HoursOfOperationId and the working queue is an agent queue"))
		case q.Queue.HoursOfOperationID == "":
			return failed(fmt.Errorf("queue %q has no hours of operation", q.Name))
		}
		ref = Ref{Value: q.Queue.HoursOfOperationID}
	}
	h, err := r.e.env.Resources.Hours(r.ctx, ref)
	if err != nil {
		return failed(fmt.Errorf("hours of operation %s: %w", ref, err))
	}
	if h.IsOpen(r.e.env.Clock.Now()) {
		return result("True")
	}
	return result("False")
}

// metricsQuery resolves the queue CheckMetricData and GetMetricData report
// on: QueueId, AgentId or the working queue.
func (r *run) metricsQuery(a *flow.Action) (MetricsQuery, *QueueTarget, error) {
	t, ok, err := r.queueTarget(a)
	if err != nil {
		return MetricsQuery{}, nil, err
	}
	if !ok {
		t = r.c.Queue
	}
	if t == nil {
		return MetricsQuery{}, nil, errors.New("no QueueId, AgentId or working queue")
	}
	q := MetricsQuery{Queue: t.Queue}
	if t.Agent != nil {
		q.AgentID = t.Agent.ID
	}
	q.Channel = strings.ToUpper(a.StringParam("QueueChannel"))
	if r.e.env.Metrics == nil {
		return q, t, errors.New("no metrics provider")
	}
	return q, t, nil
}

// CheckMetricData branches on one metric of a queue.
func actCheckMetricData(r *run, a *flow.Action) step {
	q, _, err := r.metricsQuery(a)
	if err != nil {
		return failed(err)
	}
	m, err := r.e.env.Metrics.QueueMetrics(r.ctx, q)
	if err != nil {
		return failed(fmt.Errorf("metrics: %w", err))
	}
	var v int64
	switch typ := a.StringParam("MetricType"); typ {
	case "NumberOfAgentsAvailable":
		v = int64(m.AgentsAvailable)
	case "NumberOfAgentsStaffed":
		v = int64(m.AgentsStaffed)
	case "NumberOfAgentsOnline":
		v = int64(m.AgentsOnline)
	case "OldestContactInQueueAgeSeconds":
		v = int64(m.OldestContactAge.Seconds())
	case "NumberOfContactsInQueue":
		v = int64(m.ContactsInQueue)
	default:
		return failed(fmt.Errorf("unknown MetricType %q", typ))
	}
	return result(strconv.FormatInt(v, 10))
}

// GetMetricData fills $.Metrics with a queue's figures.
func actGetMetricData(r *run, a *flow.Action) step {
	q, t, err := r.metricsQuery(a)
	if err != nil {
		return failed(err)
	}
	m, err := r.e.env.Metrics.QueueMetrics(r.ctx, q)
	if err != nil {
		return failed(fmt.Errorf("metrics: %w", err))
	}
	count := func(n int) map[string]any { return map[string]any{"Count": n} }
	r.c.Metrics = map[string]any{
		"Queue": map[string]any{
			"Name": t.Name, "ARN": t.ARN,
			"Size":             m.ContactsInQueue,
			"OldestContactAge": int64(m.OldestContactAge.Seconds()),
		},
		"Agents": map[string]any{
			"Online":           count(m.AgentsOnline),
			"Available":        count(m.AgentsAvailable),
			"Staffed":          count(m.AgentsStaffed),
			"AfterContactWork": count(m.AgentsAfterWork),
			"Busy":             count(m.AgentsBusy),
			"Missed":           count(m.AgentsMissed),
			"NonProductive":    count(m.AgentsOther),
		},
	}
	return proceed()
}

// Loop counts its visits per flow and action: LoopCount times
// "ContinueLooping", then "DoneLooping" once, and the count starts again. A
// LoopCount that does not resolve to a whole number from 0 to 100 counts as
// 0 (and is logged): the action has no error branch.
func actLoop(r *run, a *flow.Action) step {
	n, err := r.integer(a.StringParam("LoopCount"), 0, 100)
	if err != nil {
		r.warn(a, "LoopCount is not a number from 0 to 100; looping 0 times", err)
		n = 0
	}
	key := r.fr.name + "\x00" + a.Identifier
	if r.c.loops[key] < n {
		r.c.loops[key]++
		return result("ContinueLooping")
	}
	delete(r.c.loops, key)
	return result("DoneLooping")
}

// Wait waits through the participant for TimeLimitSeconds or one of Events:
// the result is "WaitCompleted" or the event's name.
func actWait(r *run, a *flow.Action) step {
	d, err := r.seconds(a.StringParam("TimeLimitSeconds"), 0, 604800)
	if err != nil {
		return failed(fmt.Errorf("TimeLimitSeconds: %w", err))
	}
	var events []string
	for _, e := range a.ListParam("Events") {
		events = append(events, scalar(e))
	}
	r.interacted()
	ev, err := r.p.Wait(r.ctx, WaitRequest{Timeout: d, Events: events})
	if errors.Is(err, ErrParticipantNotFound) {
		return errStep("ParticipantNotFound", err)
	}
	if err != nil {
		return failed(fmt.Errorf("wait: %w", err))
	}
	if ev == "" {
		return result("WaitCompleted")
	}
	r.heard("event", ev)
	return result(ev)
}

// DistributeByPercentage draws a number from 1 to 100; the flow's
// NumberLessThan conditions split the contacts.
func actDistributeByPercentage(r *run, _ *flow.Action) step {
	return result(strconv.Itoa(r.e.env.Rand.IntN(100) + 1))
}

// TransferToFlow continues in another flow, from its start, with empty
// FlowAttributes.
func actTransferToFlow(r *run, a *flow.Action) step {
	ref, err := r.ref(a, "ContactFlowId", a.StringParam("ContactFlowId"))
	if err != nil {
		return failed(err)
	}
	lf, err := r.e.env.Resources.Flow(r.ctx, ref)
	if err != nil {
		return failed(fmt.Errorf("flow %s: %w", ref, err))
	}
	if lf == nil || lf.Flow == nil {
		return failed(fmt.Errorf("flow %s: %w", ref, ErrNotFound))
	}
	r.transfers++
	if r.transfers > r.e.limits.MaxFlowTransfers {
		return fatal(fmt.Errorf("%w: more than %d", ErrTransferLimit, r.e.limits.MaxFlowTransfers))
	}
	r.c.FlowAttributes = map[string]string{}
	fr := newFrame(displayName(lf), lf.Flow)
	// A transfer out of a module leaves the module for good.
	r.stack = r.stack[:0]
	return step{kind: stepFlow, frame: fr}
}

// InvokeFlowModule runs a module with its own FlowAttributes; when the
// module returns (EndFlowModuleExecution) the caller's FlowAttributes are
// restored and it goes on with its NextAction.
func actInvokeFlowModule(r *run, a *flow.Action) step {
	ref, err := r.ref(a, "FlowModuleId", a.StringParam("FlowModuleId"))
	if err != nil {
		return failed(err)
	}
	lf, err := r.e.env.Resources.Module(r.ctx, ref)
	if err != nil {
		return failed(fmt.Errorf("module %s: %w", ref, err))
	}
	if lf == nil || lf.Flow == nil {
		return failed(fmt.Errorf("module %s: %w", ref, ErrNotFound))
	}
	if len(r.stack) >= r.e.limits.MaxModuleDepth {
		return fatal(fmt.Errorf("%w: modules nested deeper than %d", ErrTransferLimit, r.e.limits.MaxModuleDepth))
	}
	fr := newFrame(displayName(lf), lf.Flow)
	fr.module, fr.caller, fr.saved = true, a, r.c.FlowAttributes
	r.c.FlowAttributes = map[string]string{}
	r.stack = append(r.stack, r.fr)
	return step{kind: stepFlow, frame: fr}
}

// EndFlowModuleExecution returns from a module; outside one it ends the
// flow.
func actEndFlowModuleExecution(r *run, _ *flow.Action) step {
	if !r.fr.module || len(r.stack) == 0 {
		return end(Outcome{Type: OutcomeEndFlow, Reason: "EndFlowModuleExecution outside a module"})
	}
	return step{kind: stepReturn}
}

// EndFlowExecution ends the flow without disconnecting.
func actEndFlowExecution(*run, *flow.Action) step {
	return end(Outcome{Type: OutcomeEndFlow})
}

// UpdateFlowLoggingBehavior turns flow logs on or off.
func actUpdateFlowLoggingBehavior(r *run, a *flow.Action) step {
	r.c.FlowLogging = a.StringParam("FlowLoggingBehavior") == "Enabled"
	return proceed()
}

// unsupported takes the NoMatchingError branch for an action whose service
// Switchboard does not have, and logs why.
func (r *run) unsupported(a *flow.Action, cause error) step {
	r.warn(a, "flow action not supported; taking its error branch", cause)
	return failed(cause)
}

// Unsupported lists the action types the engine accepts but cannot carry
// out yet: each takes its NoMatchingError branch, with a log line.
// It is the catalogue's list (flow.ActionSpec.NotRunYet), so the validator
// warns about exactly these.
var Unsupported = func() []string {
	var ts []string
	for _, t := range flow.ActionTypes() {
		if s, ok := flow.LookupAction(t); ok && s.NotRunYet != "" {
			ts = append(ts, t)
		}
	}
	return ts
}()

func actUnsupported(r *run, a *flow.Action) step {
	service := ""
	if spec, ok := flow.LookupAction(a.Type); ok && spec.Service != "" {
		service = " (" + spec.Service + ")"
	}
	return r.unsupported(a, fmt.Errorf("%w: %s%s", ErrUnsupported, a.Type, service))
}

func init() {
	handlers = map[string]handler{
		"MessageParticipant":                  actMessageParticipant,
		"MessageParticipantIteratively":       actMessageParticipantIteratively,
		"GetParticipantInput":                 actGetParticipantInput,
		"ConnectParticipantWithLexBot":        actConnectParticipantWithLexBot,
		"DisconnectParticipant":               actDisconnectParticipant,
		"TransferParticipantToThirdParty":     actTransferParticipantToThirdParty,
		"UpdateContactAttributes":             actUpdateContactAttributes,
		"UpdateFlowAttributes":                actUpdateFlowAttributes,
		"UpdateContactTargetQueue":            actUpdateContactTargetQueue,
		"TransferContactToQueue":              actTransferContactToQueue,
		"TransferContactToAgent":              actTransferContactToAgent,
		"DequeueContactAndTransferToQueue":    actDequeueContactAndTransferToQueue,
		"UpdateContactRecordingBehavior":      actUpdateContactRecordingBehavior,
		"UpdateContactEventHooks":             actUpdateContactEventHooks,
		"UpdateContactTextToSpeechVoice":      actUpdateContactTextToSpeechVoice,
		"UpdateContactData":                   actUpdateContactData,
		"UpdateContactRoutingBehavior":        actUpdateContactRoutingBehavior,
		"UpdateContactRoutingCriteria":        actUpdateContactRoutingCriteria,
		"UpdateContactMediaStreamingBehavior": actUpdateContactMediaStreamingBehavior,
		"UpdateContactCallbackNumber":         actUpdateContactCallbackNumber,
		"TagContact":                          actTagContact,
		"UnTagContact":                        actUnTagContact,
		"CreateCallbackContact":               actCreateCallbackContact,
		"Compare":                             actCompare,
		"CheckHoursOfOperation":               actCheckHoursOfOperation,
		"CheckMetricData":                     actCheckMetricData,
		"GetMetricData":                       actGetMetricData,
		"Loop":                                actLoop,
		"Wait":                                actWait,
		"DistributeByPercentage":              actDistributeByPercentage,
		"TransferToFlow":                      actTransferToFlow,
		"InvokeFlowModule":                    actInvokeFlowModule,
		"EndFlowModuleExecution":              actEndFlowModuleExecution,
		"EndFlowExecution":                    actEndFlowExecution,
		"UpdateFlowLoggingBehavior":           actUpdateFlowLoggingBehavior,
		"InvokeLambdaFunction":                actInvokeLambdaFunction,
	}
	for _, t := range Unsupported {
		handlers[t] = actUnsupported
	}
}
