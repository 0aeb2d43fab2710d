// Package flowtest builds small flows in the Amazon Connect flow language
// (the JSON documents the API takes) for end-to-end tests and load
// generators, so that they share one definition of the usual shapes.
package flowtest

import "fmt"

// Action is a step a flow takes before it queues the contact; it continues
// to the next step, and its errors end the contact.
type Action struct {
	Type       string
	Parameters map[string]any
}

// GreetAndQueue is a flow that sends greeting, takes the steps in order,
// sets queueID as the target queue and transfers the contact to it. Any
// error (a full queue included) disconnects the contact.
func GreetAndQueue(greeting, queueID string, steps ...Action) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	step := func(id, typ string, params map[string]any, next string) map[string]any {
		if params == nil {
			params = map[string]any{}
		}
		return map[string]any{"Identifier": id, "Type": typ, "Parameters": params,
			"Transitions": map[string]any{"NextAction": next, "Errors": errs}}
	}
	next := func(i int) string {
		if i < len(steps) {
			return fmt.Sprintf("step-%d", i)
		}
		return "set-queue"
	}
	actions := []any{step("greet", "MessageParticipant", map[string]any{"Text": greeting}, next(0))}
	for i, s := range steps {
		actions = append(actions, step(fmt.Sprintf("step-%d", i), s.Type, s.Parameters, next(i+1)))
	}
	actions = append(actions,
		step("set-queue", "UpdateContactTargetQueue", map[string]any{"QueueId": queueID}, "transfer"),
		map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
			"Transitions": map[string]any{"Errors": []any{
				map[string]any{"NextAction": "end", "ErrorType": "QueueAtCapacity"},
				map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
		map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
	)
	return map[string]any{"Version": "2019-10-30", "StartAction": "greet", "Actions": actions}
}
