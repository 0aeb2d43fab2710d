package engine

import (
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
)

func inQueue(p *QueuePosition) func(*harness, *Contact) {
	return func(h *harness, c *Contact) {
		h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q"}, Name: "Support"})
		c.Queue = &QueueTarget{ID: "q", Name: "Support", Queue: &core.Queue{Meta: core.Meta{ID: "q"}, Name: "Support"}}
		if p != nil {
			h.metrics.SetPosition("q", c.ContactID, *p)
		}
	}
}

const positionText = `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"You are number $.Queue.PositionInQueue in line for $.Queue.Name; wait about $.Queue.EstimatedWaitMinutes min ($.Queue.EstimatedWaitTime s)."},` + okOrErr + `}`

func queueCompare(path, op, operand string) string {
	return `{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"` + path + `"},"Transitions":{"NextAction":"nmc","Conditions":[{"NextAction":"yes","Condition":{"Operator":"` + op + `","Operands":["` + operand + `"]}}],"Errors":[{"NextAction":"nmc","ErrorType":"NoMatchingCondition"}]}}`
}

func TestQueuePositionValues(t *testing.T) {
	saysText := func(want string) func(*testing.T, *Result, *Contact, *harness) {
		return func(t *testing.T, r *Result, _ *Contact, _ *harness) {
			t.Helper()
			if got := said(r); len(got) != 1 || got[0] != want {
				t.Errorf("said %q, want %q", got, want)
			}
		}
	}
	runActionCases(t, []actionCase{
		{
			name: "text renders position and estimate", action: positionText, channel: ChannelChat,
			setup: inQueue(&QueuePosition{Position: 3, EstimatedWait: 150 * time.Second, EstimateKnown: true}),
			want:  "next",
			check: saysText("You are number 3 in line for Support; wait about 3 min (150 s)."),
		},
		{
			name: "estimate rounds up and is at least 1", action: positionText,
			setup: inQueue(&QueuePosition{Position: 1, EstimatedWait: 200 * time.Millisecond, EstimateKnown: true}),
			want:  "next",
			check: saysText("You are number 1 in line for Support; wait about 1 min (1 s)."),
		},
		{
			name: "no estimate yet is 0", action: positionText,
			setup: inQueue(&QueuePosition{Position: 2}),
			want:  "next",
			check: saysText("You are number 2 in line for Support; wait about 0 min (0 s)."),
		},
		{
			name: "not queued: the values resolve to nothing", action: positionText,
			setup: inQueue(nil),
			want:  "next",
			check: saysText("You are number  in line for Support; wait about  min ( s)."),
		},
		{
			name: "no working queue", action: positionText,
			want:  "next",
			check: saysText("You are number  in line for ; wait about  min ( s)."),
		},
		{
			name: "compare on the position", action: queueCompare("$.Queue.PositionInQueue", "NumberLessOrEqualTo", "3"),
			setup: inQueue(&QueuePosition{Position: 2}), want: "yes",
		},
		{
			name: "compare on the estimate", action: queueCompare("$.Queue.EstimatedWaitTime", "NumberGreaterThan", "60"),
			setup: inQueue(&QueuePosition{Position: 4, EstimatedWait: 4 * time.Minute, EstimateKnown: true}), want: "yes",
		},
		{
			name: "compare when not queued", action: queueCompare("$.Queue.PositionInQueue", "NumberGreaterThan", "0"),
			setup: inQueue(nil), want: "nmc",
		},
		{
			name: "dynamic parameter", action: `{"Identifier":"a","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"pos":"$.Queue.PositionInQueue"}},` + okOrErr + `}`,
			setup: inQueue(&QueuePosition{Position: 7}), want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Attributes["pos"] != "7" {
					t.Errorf("pos = %q", c.Attributes["pos"])
				}
			},
		},
	})

	// A position set for another queue is not the working queue's.
	h := newHarness()
	c := testContact(ChannelChat)
	inQueue(nil)(h, c)
	h.metrics.SetPosition("other", c.ContactID, QueuePosition{Position: 1})
	if got := said(h.run(t, single(t, positionText), c, NewScript())); got[0] != "You are number  in line for Support; wait about  min ( s)." {
		t.Errorf("other queue: said %q", got)
	}
	// Without a Metrics, or one without positions, the values are empty.
	h = newHarness()
	h.noMetr = true
	c = testContact(ChannelChat)
	inQueue(nil)(h, c)
	if got := said(h.run(t, single(t, positionText), c, NewScript())); got[0] != "You are number  in line for Support; wait about  min ( s)." {
		t.Errorf("no metrics: said %q", got)
	}
}

// positionQueueFlow is the example of docs/flows.md ("Position in queue
// and expected wait"); keep the two the same.
const positionQueueFlow = `{
  "Version": "2019-10-30",
  "StartAction": "check-wait",
  "Actions": [
    {"Identifier": "check-wait", "Type": "Compare",
     "Parameters": {"ComparisonValue": "$.Queue.EstimatedWaitMinutes"},
     "Transitions": {"NextAction": "position-only",
       "Conditions": [{"NextAction": "position-and-wait",
         "Condition": {"Operator": "NumberGreaterThan", "Operands": ["0"]}}],
       "Errors": [{"NextAction": "position-only", "ErrorType": "NoMatchingCondition"}]}},
    {"Identifier": "position-and-wait", "Type": "MessageParticipant",
     "Parameters": {"Text": "You are number $.Queue.PositionInQueue in line for $.Queue.Name. Your expected wait is about $.Queue.EstimatedWaitMinutes minutes."},
     "Transitions": {"NextAction": "hold", "Errors": [{"NextAction": "hold", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "position-only", "Type": "MessageParticipant",
     "Parameters": {"Text": "You are number $.Queue.PositionInQueue in line for $.Queue.Name."},
     "Transitions": {"NextAction": "hold", "Errors": [{"NextAction": "hold", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "hold", "Type": "MessageParticipantIteratively",
     "Parameters": {"Messages": [{"Text": "Thank you for waiting, an agent will be with you shortly."}],
                    "InterruptFrequencySeconds": "60"},
     "Transitions": {"NextAction": "check-wait",
       "Conditions": [{"NextAction": "check-wait",
         "Condition": {"Operator": "Equals", "Operands": ["MessagesInterrupted"]}}],
       "Errors": [{"NextAction": "check-wait", "ErrorType": "NoMatchingError"}]}}
  ]
}`

func TestPositionQueueFlowExample(t *testing.T) {
	f, err := flow.Parse([]byte(positionQueueFlow))
	if err != nil {
		t.Fatal(err)
	}
	if probs := flow.Validate(f, "queue"); len(probs) != 0 {
		t.Errorf("validator: %v", probs)
	}
	for _, tc := range []struct {
		pos  QueuePosition
		want string
	}{
		{QueuePosition{Position: 4, EstimatedWait: 5*time.Minute + 10*time.Second, EstimateKnown: true},
			"You are number 4 in line for Support. Your expected wait is about 6 minutes."},
		{QueuePosition{Position: 2}, "You are number 2 in line for Support."},
	} {
		h := newHarness()
		h.limits = Limits{MaxSteps: 4} // one pass through the loop
		c := testContact(ChannelChat)
		inQueue(&tc.pos)(h, c)
		r := h.run(t, f, c, NewScript())
		if got := said(r); len(got) < 2 || got[0] != tc.want || got[1] != "Thank you for waiting, an agent will be with you shortly." {
			t.Errorf("said %q, want %q first", got, tc.want)
		}
	}
}
