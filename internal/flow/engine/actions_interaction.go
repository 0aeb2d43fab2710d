package engine

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/function"
)

// Interactions: side effects outside the contact.

// InvokeLambdaFunction calls a function (internal/function) with the
// Lambda-shaped event built from the contact and the action's
// LambdaInvocationAttributes (interpolated). The response replaces
// $.External. Any failure — unresolved function, no invoker, timeout, bad
// status or response — takes the error branch and leaves $.External as it
// was. The time limit is InvocationTimeLimitSeconds clamped to 1-8 s (and
// to the function's own limit). ASYNCHRONOUS invocations are run
// synchronously within the same limit: Switchboard has no way to collect a
// result later yet.
func actInvokeLambdaFunction(r *run, a *flow.Action) step {
	ref, err := r.ref(a, "LambdaFunctionARN", a.StringParam("LambdaFunctionARN"))
	if err != nil {
		return failed(err)
	}
	fn, err := r.e.env.Resources.Function(r.ctx, ref)
	if err != nil {
		return failed(fmt.Errorf("function %s: %w", ref, err))
	}
	if r.e.env.Functions == nil {
		return failed(errors.New("no function invoker"))
	}
	opts := function.InvokeOptions{ResponseType: function.StringMap}
	if s := a.StringParam("InvocationTimeLimitSeconds"); s != "" {
		d, err := r.seconds(s, 1, 60)
		if err != nil {
			return failed(fmt.Errorf("InvocationTimeLimitSeconds: %w", err))
		}
		opts.TimeLimit = min(max(d, function.MinTimeLimit), function.MaxTimeLimit)
	}
	if rv := a.MapParam("ResponseValidation"); strings.EqualFold(field(rv, "ResponseType"), "JSON") {
		opts.ResponseType = function.JSON
	}
	params := map[string]string{}
	for k, v := range a.StringMapParam("LambdaInvocationAttributes") {
		params[k] = r.text(v)
	}
	res, err := r.e.env.Functions.Invoke(r.ctx, *fn, function.Event{
		Details: function.Details{ContactData: r.contactData(), Parameters: params},
	}, opts)
	if err != nil {
		return failed(err)
	}
	ext := res.External
	if ext == nil {
		ext = map[string]any{}
	}
	r.c.External = ext
	return proceed()
}

// contactData is the contact as a function sees it.
func (r *run) contactData() function.ContactData {
	c := r.c
	d := function.ContactData{
		Attributes:        maps.Clone(c.Attributes),
		Channel:           c.Channel,
		ContactID:         c.ContactID,
		CustomerID:        c.CustomerID,
		Description:       c.Description,
		InitialContactID:  c.InitialContactID,
		InitiationMethod:  c.InitiationMethod,
		InstanceARN:       c.InstanceARN,
		LanguageCode:      c.Voice.Language,
		Name:              c.Name,
		PreviousContactID: c.PreviousContactID,
		RelatedContactID:  c.RelatedContactID,
	}
	if len(c.Tags) > 0 {
		d.Tags = maps.Clone(c.Tags)
	}
	if e := c.CustomerEndpoint; e != nil {
		d.CustomerEndpoint = &function.Endpoint{Address: e.Address, Type: e.Type}
	}
	if e := c.SystemEndpoint; e != nil {
		d.SystemEndpoint = &function.Endpoint{Address: e.Address, Type: e.Type}
	}
	if q := c.Queue; q != nil {
		d.Queue = &function.Queue{ARN: q.ARN, Name: q.Name}
		if q.Queue != nil && q.Queue.OutboundCallerID != nil && q.Queue.OutboundCallerID.Number != "" {
			d.Queue.OutboundCallerID = &function.Endpoint{Address: q.Queue.OutboundCallerID.Number, Type: "TELEPHONE_NUMBER"}
		}
	}
	return d
}
