package engine

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
)

// Contact actions: they change the contact's state.

// Limits Connect puts on contact data.
const (
	maxAttributesBytes = 32 << 10 // all attributes together
	maxTags            = 6        // tags a flow may set
	maxTagKey          = 128
	maxTagValue        = 256
)

// UpdateContactAttributes sets contact attributes, each value interpolated;
// with TargetContact "Related" they go to RelatedAttributes. The action
// fails when a key is empty or the attributes would exceed Connect's 32 KB.
func actUpdateContactAttributes(r *run, a *flow.Action) step {
	attrs := a.StringMapParam("Attributes")
	target := r.c.Attributes
	if a.StringParam("TargetContact") == "Related" {
		target = r.c.RelatedAttributes
	}
	values := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if strings.TrimSpace(k) == "" {
			return failed(errors.New("an attribute key is empty"))
		}
		values[k] = r.text(v)
	}
	size := 0
	for k, v := range target {
		if _, replaced := values[k]; !replaced {
			size += len(k) + len(v)
		}
	}
	for k, v := range values {
		size += len(k) + len(v)
	}
	if size > maxAttributesBytes {
		return failed(fmt.Errorf("attributes would take %d bytes, more than the %d allowed", size, maxAttributesBytes))
	}
	for k, v := range values {
		target[k] = v
	}
	return proceed()
}

// UpdateFlowAttributes sets flow-scoped attributes ({"k": {"Value": "..."}}).
func actUpdateFlowAttributes(r *run, a *flow.Action) step {
	attrs := a.MapParam("FlowAttributes")
	values := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if strings.TrimSpace(k) == "" {
			return failed(errors.New("a flow attribute key is empty"))
		}
		m, ok := v.(map[string]any)
		if !ok {
			return failed(fmt.Errorf("flow attribute %q has no Value", k))
		}
		values[k] = r.text(field(m, "Value"))
	}
	for k, v := range values {
		r.c.FlowAttributes[k] = v
	}
	return proceed()
}

// queueTarget resolves a QueueId or AgentId parameter. ok is false when the
// action names neither.
func (r *run) queueTarget(a *flow.Action) (t *QueueTarget, ok bool, err error) {
	if raw := a.StringParam("QueueId"); raw != "" {
		ref, err := r.ref(a, "QueueId", raw)
		if err != nil {
			return nil, true, err
		}
		q, err := r.e.env.Resources.Queue(r.ctx, ref)
		if err != nil {
			return nil, true, fmt.Errorf("queue %s: %w", ref, err)
		}
		return &QueueTarget{ID: q.ID, Name: q.Name, ARN: r.c.arnResource("queue", q.ID), Queue: q}, true, nil
	}
	if raw := a.StringParam("AgentId"); raw != "" {
		ref, err := r.ref(a, "AgentId", raw)
		if err != nil {
			return nil, true, err
		}
		u, err := r.e.env.Resources.Agent(r.ctx, ref)
		if err != nil {
			return nil, true, fmt.Errorf("agent %s: %w", ref, err)
		}
		return &QueueTarget{ID: u.ID, Name: u.Username, ARN: r.c.arnResource("agent", u.ID), Agent: u}, true, nil
	}
	return nil, false, nil
}

// UpdateContactTargetQueue sets the working queue (QueueId) or the agent's
// queue (AgentId).
func actUpdateContactTargetQueue(r *run, a *flow.Action) step {
	t, ok, err := r.queueTarget(a)
	if err != nil {
		return failed(err)
	}
	if !ok {
		return failed(errors.New("neither QueueId nor AgentId is set"))
	}
	r.c.Queue = t
	return proceed()
}

// TransferContactToQueue hands the contact to its working queue; the run
// ends with OutcomeTransferToQueue. A full queue (Metrics.AtCapacity) takes
// QueueAtCapacity; a disabled one NoMatchingError.
func actTransferContactToQueue(r *run, a *flow.Action) step {
	if r.c.Queue == nil {
		return failed(errors.New("no working queue is set (UpdateContactTargetQueue)"))
	}
	return r.transferTo(r.c.Queue)
}

func (r *run) transferTo(t *QueueTarget) step {
	if q := t.Queue; q != nil {
		if q.Status == core.StatusDisabled {
			return failed(fmt.Errorf("queue %q is disabled", q.Name))
		}
		if m := r.e.env.Metrics; m != nil {
			full, err := m.AtCapacity(r.ctx, q)
			if err != nil {
				return failed(fmt.Errorf("queue %q capacity: %w", q.Name, err))
			}
			if full {
				return errStep("QueueAtCapacity", fmt.Errorf("queue %q is at capacity", q.Name))
			}
		}
	}
	return end(Outcome{Type: OutcomeTransferToQueue, Queue: t})
}

// DequeueContactAndTransferToQueue (queue flows) moves the contact to
// another queue.
func actDequeueContactAndTransferToQueue(r *run, a *flow.Action) step {
	t, ok, err := r.queueTarget(a)
	if err != nil {
		return failed(err)
	}
	if !ok {
		return failed(errors.New("neither QueueId nor AgentId is set"))
	}
	st := r.transferTo(t)
	if st.kind == stepEnd {
		r.c.Queue = t
	}
	return st
}

// TransferContactToAgent (agent transfer flows) hands the contact to the
// agent of its working queue, which must be an agent queue.
func actTransferContactToAgent(r *run, a *flow.Action) step {
	if r.c.Queue == nil || r.c.Queue.Agent == nil {
		return failed(errors.New("the working queue is not an agent queue"))
	}
	return end(Outcome{Type: OutcomeTransferToAgent, Queue: r.c.Queue})
}

// UpdateContactRecordingBehavior sets recording and analytics.
func actUpdateContactRecordingBehavior(r *run, a *flow.Action) step {
	if rb := a.MapParam("RecordingBehavior"); rb != nil {
		rec := Recording{}
		if list, ok := rb["RecordedParticipants"].([]any); ok {
			for _, p := range list {
				switch scalar(p) {
				case "Agent":
					rec.Agent = true
				case "Customer":
					rec.Customer = true
				}
			}
		}
		if list, ok := rb["ScreenRecordedParticipants"].([]any); ok {
			rec.Screen = len(list) > 0
		}
		rec.IVR = field(rb, "IVRRecordingBehavior") == "Enabled"
		r.c.Recording = rec
		if rc, ok := r.p.(RecordingController); ok {
			if err := rc.SetRecording(r.ctx, rec); err != nil {
				r.warn(a, "recording not applied", err)
			}
		}
	}
	if ab := a.MapParam("AnalyticsBehavior"); ab != nil {
		r.c.Analytics = Analytics{
			Enabled:          isTrue(field(ab, "Enabled")),
			Mode:             field(ab, "AnalyticsMode"),
			Language:         field(ab, "AnalyticsLanguage"),
			Redaction:        field(ab, "AnalyticsRedactionBehavior") == "Enabled",
			RedactionResults: field(ab, "AnalyticsRedactionResults"),
		}
	}
	return proceed()
}

// UpdateContactEventHooks sets the flows run on events (CustomerQueue,
// CustomerHold, AgentWhisper...). Each flow must resolve; an empty value
// removes the hook.
func actUpdateContactEventHooks(r *run, a *flow.Action) step {
	hooks := a.MapParam("EventHooks")
	if len(hooks) == 0 {
		return failed(errors.New("no EventHooks"))
	}
	config := a.MapParam("EventHooksConfiguration")
	set := map[string]EventHook{}
	for name, v := range hooks {
		raw := scalar(v)
		if strings.TrimSpace(raw) == "" {
			set[name] = EventHook{}
			continue
		}
		ref, err := r.ref(a, "EventHooks."+name, raw)
		if err != nil {
			return failed(err)
		}
		lf, err := r.e.env.Resources.Flow(r.ctx, ref)
		if err != nil {
			return failed(fmt.Errorf("%s flow %s: %w", name, ref, err))
		}
		h := EventHook{FlowID: lf.ID, FlowName: lf.Name, Ref: ref.Value}
		if c, ok := config[name].(map[string]any); ok {
			h.Disabled = isTrue(field(c, "DisableExecution"))
		}
		set[name] = h
	}
	for name, h := range set {
		if h.Ref == "" {
			delete(r.c.EventHooks, name)
		} else {
			r.c.EventHooks[name] = h
		}
	}
	return proceed()
}

// UpdateContactTextToSpeechVoice sets the voice, engine and style.
func actUpdateContactTextToSpeechVoice(r *run, a *flow.Action) step {
	if v, ok := r.dynamic(a.StringParam("TextToSpeechVoice")); ok && strings.TrimSpace(v) != "" {
		r.c.Voice.Name = strings.TrimSpace(v)
	} else {
		r.warn(a, "text-to-speech voice resolves to nothing; voice unchanged", nil)
	}
	if e := a.StringParam("TextToSpeechEngine"); e != "" {
		r.c.Voice.Engine = e
	}
	if s := a.StringParam("TextToSpeechStyle"); s != "" {
		r.c.Voice.Style = s
	}
	return proceed()
}

var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// UpdateContactData sets the language, the name and description, the
// customer ID and the Voice ID settings. With TargetContact "Related" the
// name and description are not the current contact's, and only the
// attributes of the related contact are kept by the engine, so they are
// stored as related attributes "Name" and "Description".
func actUpdateContactData(r *run, a *flow.Action) step {
	if raw := a.StringParam("LanguageCode"); raw != "" {
		lang, _ := r.dynamic(raw)
		lang = strings.TrimSpace(lang)
		if !languageCode.MatchString(lang) {
			return failed(fmt.Errorf("LanguageCode %q is not a language tag such as en-US", lang))
		}
		r.c.Voice.Language = lang
	}
	related := a.StringParam("TargetContact") == "Related"
	for _, name := range []string{"Name", "Description"} {
		raw, ok := a.Parameters[name]
		if !ok {
			continue
		}
		v := r.text(scalar(raw))
		switch {
		case related:
			r.c.RelatedAttributes[name] = v
		case name == "Name":
			r.c.Name = v
		default:
			r.c.Description = v
		}
	}
	if raw := a.StringParam("CustomerId"); raw != "" {
		r.c.CustomerID, _ = r.dynamic(raw)
	}
	for _, k := range []string{"IsVoiceIdStreamingEnabled", "IsVoiceAuthenticationEnabled", "VoiceAuthenticationThreshold",
		"VoiceAuthenticationResponseTime", "IsFraudDetectionEnabled", "FraudDetectionThreshold", "WatchlistId"} {
		if raw := a.StringParam(k); raw != "" {
			r.c.VoiceID[k], _ = r.dynamic(raw)
		}
	}
	return proceed()
}

// UpdateContactRoutingBehavior sets the priority in queue, the age
// adjustment, or the routing proficiencies. The action has no error branch
// in the language: a value that does not resolve to a valid number is
// logged and ignored.
func actUpdateContactRoutingBehavior(r *run, a *flow.Action) step {
	if raw := a.StringParam("QueuePriority"); raw != "" {
		if n, err := r.integer(raw, 1, 0); err != nil {
			r.warn(a, "QueuePriority ignored", err)
		} else {
			r.c.Routing.Priority = n
		}
	}
	if raw := a.StringParam("QueueTimeAdjustmentSeconds"); raw != "" {
		if f, err := r.number(raw); err != nil {
			r.warn(a, "QueueTimeAdjustmentSeconds ignored", err)
		} else {
			r.c.Routing.TimeAdjustment = time.Duration(f * float64(time.Second))
		}
	}
	if p, ok := a.Parameters["RoutingProficiencies"]; ok {
		r.c.Routing.Proficiencies = p
	}
	return proceed()
}

// UpdateContactRoutingCriteria keeps the routing criteria for the router.
func actUpdateContactRoutingCriteria(r *run, a *flow.Action) step {
	c, ok := a.Parameters["RoutingCriteria"]
	if !ok || c == nil {
		return failed(errors.New("no RoutingCriteria"))
	}
	r.c.Routing.Criteria = c
	return proceed()
}

// UpdateContactMediaStreamingBehavior starts or stops streaming the
// customer's audio.
func actUpdateContactMediaStreamingBehavior(r *run, a *flow.Action) step {
	switch a.StringParam("MediaStreamingState") {
	case "Enabled":
		ms := MediaStreaming{Enabled: true, Participants: map[string][]string{}}
		for _, p := range a.ListParam("Participants") {
			m, _ := p.(map[string]any)
			typ := field(m, "ParticipantType")
			if typ == "" {
				continue
			}
			dirs, _ := m["MediaDirections"].([]any)
			for _, d := range dirs {
				ms.Participants[typ] = append(ms.Participants[typ], scalar(d))
			}
		}
		if len(ms.Participants) == 0 {
			ms.Participants["Customer"] = []string{"From", "To"}
		}
		r.c.MediaStreaming = ms
	case "Disabled":
		r.c.MediaStreaming = MediaStreaming{}
	default:
		return failed(fmt.Errorf("MediaStreamingState %q is neither Enabled nor Disabled", a.StringParam("MediaStreamingState")))
	}
	return proceed()
}

// UpdateContactCallbackNumber sets the number a callback dials.
func actUpdateContactCallbackNumber(r *run, a *flow.Action) step {
	v, _ := r.dynamic(a.StringParam("CallbackNumber"))
	n := core.NormalizeE164(v)
	if !core.ValidE164(n) {
		return errStep("InvalidCallbackNumber", fmt.Errorf("%q is not an E.164 number", v))
	}
	r.c.CallbackNumber = n
	return proceed()
}

// TagContact sets tags, each value interpolated.
func actTagContact(r *run, a *flow.Action) step {
	tags := a.StringMapParam("Tags")
	added := 0
	for k, v := range tags {
		if _, exists := r.c.Tags[k]; !exists {
			added++
		}
		switch {
		case k == "" || len(k) > maxTagKey:
			return failed(fmt.Errorf("tag key %q must be 1 to %d characters", k, maxTagKey))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return failed(fmt.Errorf("tag key %q: the aws: prefix is reserved", k))
		case len(r.text(v)) > maxTagValue:
			return failed(fmt.Errorf("tag %q: value longer than %d characters", k, maxTagValue))
		}
	}
	if len(r.c.Tags)+added > maxTags {
		return failed(fmt.Errorf("a contact has at most %d tags", maxTags))
	}
	for k, v := range tags {
		r.c.Tags[k] = r.text(v)
	}
	return proceed()
}

// UnTagContact removes tags by key.
func actUnTagContact(r *run, a *flow.Action) step {
	keys := a.ListParam("TagKeys")
	if len(keys) == 0 {
		return failed(errors.New("no TagKeys"))
	}
	for _, k := range keys {
		delete(r.c.Tags, r.text(scalar(k)))
	}
	return proceed()
}

// CreateCallbackContact asks for a callback to the contact's callback
// number (UpdateContactCallbackNumber) or the customer's number, in the
// given queue or the working queue. The request is in Result.Callbacks for
// the routing layer; the flow goes on.
func actCreateCallbackContact(r *run, a *flow.Action) step {
	t, ok, err := r.queueTarget(a)
	if err != nil {
		return failed(err)
	}
	if !ok {
		t = r.c.Queue
	}
	if t == nil {
		return failed(errors.New("no queue for the callback: set QueueId or a working queue"))
	}
	number := r.c.CallbackNumber
	if raw := a.StringParam("CallbackNumber"); raw != "" {
		v, _ := r.dynamic(raw)
		number = core.NormalizeE164(v)
	}
	if number == "" && r.c.CustomerEndpoint != nil {
		number = core.NormalizeE164(r.c.CustomerEndpoint.Address)
	}
	if !core.ValidE164(number) {
		return failed(fmt.Errorf("no callback number: %q is not an E.164 number", number))
	}
	req := CallbackRequest{Number: number, Queue: t, MaxAttempts: 1}
	if s := a.StringParam("InitialCallDelaySeconds"); s != "" {
		if req.InitialDelay, err = r.seconds(s, 0, 0); err != nil {
			return failed(fmt.Errorf("InitialCallDelaySeconds: %w", err))
		}
	}
	if s := a.StringParam("MaximumConnectionAttempts"); s != "" {
		if req.MaxAttempts, err = r.integer(s, 1, 0); err != nil {
			return failed(fmt.Errorf("MaximumConnectionAttempts: %w", err))
		}
	}
	if s := a.StringParam("RetryDelaySeconds"); s != "" {
		if req.RetryDelay, err = r.seconds(s, 0, 0); err != nil {
			return failed(fmt.Errorf("RetryDelaySeconds: %w", err))
		}
	}
	r.res.Callbacks = append(r.res.Callbacks, req)
	return proceed()
}
