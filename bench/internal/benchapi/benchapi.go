// Package benchapi is what the bench tools (chatload, bridge, voice/setup)
// share to talk to a switchboard server over its HTTP APIs: one JSON
// request read whole, and the pieces of configuration each of them creates
// (a 24x7 schedule, the "please hold, then the queue" flow, the Agent
// security profile).
//
// Each tool keeps its own policy on top of Do: which status counts as
// success, how an error reads, what timeout applies. Those differ on
// purpose (chatload times the participant API's POST; setup fails the
// command on the first error) and are part of each tool's output.
package benchapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
)

// Request is one HTTP call.
type Request struct {
	Method string
	URL    string
	// Header and Value authenticate the call: "Authorization" with
	// "Bearer <token>" for the admin and agent APIs, "X-Amz-Bearer" for the
	// participant API. An empty Header sends none.
	Header, Value string
	// Body is sent as JSON (a []byte as it is); nil sends no body.
	Body any
}

// Bearer is the Header and Value of a bearer token ("" when token is
// empty: an unauthenticated call such as the login).
func Bearer(token string) (header, value string) {
	if token == "" {
		return "", ""
	}
	return "Authorization", "Bearer " + token
}

// Response is an answer, its body read whole (the tools decode it or quote
// it in an error).
type Response struct {
	Status string // "201 Created"
	Code   int
	Body   []byte
}

// Do sends r with hc and reads the answer. It fails only when no answer
// could be read; the status is for the caller to judge.
func Do(ctx context.Context, hc *http.Client, r Request) (Response, error) {
	var rd io.Reader
	if r.Body != nil {
		b, ok := r.Body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(r.Body); err != nil {
				return Response{}, err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, rd)
	if err != nil {
		return Response{}, err
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Header != "" {
		req.Header.Set(r.Header, r.Value)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.Status, Code: resp.StatusCode, Body: b}, nil
}

// IDName is the part of a created or listed resource the tools use.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AllWeek is the config of an hours-of-operation open around the clock
// every day: a queue closed by the clock would end the tools' contacts in
// the flow instead of routing them.
func AllWeek() []map[string]string {
	var days []map[string]string
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		days = append(days, map[string]string{"day": d, "start": "00:00", "end": "24:00"})
	}
	return days
}

// AgentProfile is the ID of the "Agent" security profile among a new
// instance's profiles (GET …/security-profiles): every instance is created
// with one, and the tools' agents need it to use the agent API.
func AgentProfile(items []IDName) (string, error) {
	id := ""
	for _, p := range items {
		if p.Name == "Agent" {
			id = p.ID
		}
	}
	if id == "" {
		return "", errors.New("the instance has no Agent security profile")
	}
	return id, nil
}

// HoldFlow is a contact flow that says "Please hold." and transfers the
// contact to the queue queueID: the voice benchmarks' way into a queue
// (bench/voice/setup's +15550901, bench/bridge's number).
func HoldFlow(queueID string) map[string]any {
	errs := []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}
	return map[string]any{"Version": "2019-10-30", "StartAction": "greet", "Actions": []any{
		map[string]any{"Identifier": "greet", "Type": "MessageParticipant", "Parameters": map[string]any{"Text": "Please hold."},
			"Transitions": map[string]any{"NextAction": "set-queue", "Errors": errs}},
		map[string]any{"Identifier": "set-queue", "Type": "UpdateContactTargetQueue", "Parameters": map[string]any{"QueueId": queueID},
			"Transitions": map[string]any{"NextAction": "transfer", "Errors": errs}},
		map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
			"Transitions": map[string]any{"Errors": errs}},
		map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
	}}
}

// ForEach runs fn(0..n-1) on workers goroutines, stops handing out work at
// the first error, and returns that error (or ctx's). The tools create
// their agents through it a few at a time: each user's password is hashed
// with argon2id (~0.1 s of CPU and 64 MiB each), so more at once only
// queues on the server's cores and memory.
func ForEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}
