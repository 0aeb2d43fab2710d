// Command setup prepares a running switchboard for the voice benchmarks
// (bench/voice/cps.sh and queue_hold.sh): an instance "voice-bench" with a
// trunk admitting 127.0.0.1, a queue nobody serves, and two numbers:
//
//	+15550900  a prompt, one key, goodbye, hang up  (cps.sh)
//	+15550901  "please hold", then the queue         (queue_hold.sh)
//
// Usage: go run ./bench/voice/setup -url http://127.0.0.1:8080 -token-file data/admin.token
// It is idempotent only in the sense that a second run fails on the
// existing alias: use a fresh data directory per benchmark run.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/switchboard-cc/switchboard/bench/internal/benchapi"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "switchboard HTTP base URL")
	tokenFile := flag.String("token-file", "data/admin.token", "file holding the deployment admin token")
	flag.Parse()
	tok, err := os.ReadFile(*tokenFile)
	if err != nil {
		fail(err)
	}
	c := client{base: strings.TrimRight(*base, "/"), token: strings.TrimSpace(string(tok))}

	var inst, hours, queue benchapi.IDName
	c.post("/api/v1/instances", map[string]any{"alias": "voice-bench"}, &inst)
	p := func(parts ...string) string { return "/api/v1/instances/" + inst.ID + "/" + strings.Join(parts, "/") }
	c.post(p("hours-of-operation"), map[string]any{"name": "24x7", "timeZone": "UTC", "config": benchapi.AllWeek()}, &hours)
	c.post(p("queues"), map[string]any{"name": "Bench", "hoursOfOperationId": hours.ID}, &queue)
	c.post(p("trunks"), map[string]any{"name": "bench", "allowedSources": []string{"127.0.0.1/32"}}, nil)
	for number, content := range map[string]map[string]any{"+15550900": ivr(), "+15550901": benchapi.HoldFlow(queue.ID)} {
		var f benchapi.IDName
		c.post(p("flows"), map[string]any{"name": "bench " + number, "type": "CONTACT_FLOW", "content": content}, &f)
		c.post(p("flows", f.ID, "publish"), nil, nil)
		c.post(p("phone-numbers"), map[string]any{"number": number, "flowId": f.ID}, nil)
	}
	fmt.Printf("instance %s: +15550900 (prompt, key, hang up), +15550901 (queue with music)\n", inst.ID)
}

func ivr() map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	return map[string]any{"Version": "2019-10-30", "StartAction": "menu", "Actions": []any{
		map[string]any{"Identifier": "menu", "Type": "GetParticipantInput",
			"Parameters": map[string]any{"Text": "Welcome to Switchboard. For sales, press 1.", "StoreInput": "False", "InputTimeLimitSeconds": "8"},
			"Transitions": map[string]any{"NextAction": "end", "Conditions": []any{map[string]any{"NextAction": "set",
				"Condition": map[string]any{"Operator": "Equals", "Operands": []string{"1"}}}},
				"Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "InputTimeLimitExceeded"},
					map[string]any{"NextAction": "end", "ErrorType": "NoMatchingCondition"},
					map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
		map[string]any{"Identifier": "set", "Type": "UpdateContactAttributes",
			"Parameters":  map[string]any{"Attributes": map[string]any{"department": "sales"}},
			"Transitions": map[string]any{"NextAction": "end", "Errors": errs}},
		map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
	}}
}

// client posts to the admin API and ends the command on the first failure:
// a half-made setup is of no use to the benchmark scripts.
type client struct{ base, token string }

func (c client) post(path string, body, out any) {
	resp, err := benchapi.Do(context.Background(), http.DefaultClient, benchapi.Request{Method: "POST", URL: c.base + path,
		Header: "Authorization", Value: "Bearer " + c.token, Body: body})
	if err != nil {
		fail(err)
	}
	if resp.Code/100 != 2 {
		fail(fmt.Errorf("POST %s: %s\n%s", path, resp.Status, resp.Body))
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "setup:", err)
	os.Exit(1)
}
