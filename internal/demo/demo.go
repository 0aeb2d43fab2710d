// Package demo seeds the "demo" instance that `switchboard serve --demo`
// shows a newcomer: a queue, hours, a routing profile, an agent and a
// supervisor, a sample inbound flow, the number +15550100 mapped to it and
// a SIP trunk, demo-local, admitting calls from this host (127.0.0.1, ::1).
// Seeding is idempotent: what exists is left as it is.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Alias of the demo instance, its phone number and its SIP trunk.
const (
	Alias      = "demo"
	Number     = "+15550100"
	LocalTrunk = "demo-local"
)

// Result tells the operator what the demo holds.
type Result struct {
	InstanceID string
	Agent      Credentials
	Supervisor Credentials
	FlowID     string
	QueueID    string
	TrunkID    string
}

// Credentials of a demo user.
type Credentials struct {
	Username, Password string
}

// Seed creates whatever part of the demo is missing. Passwords are random
// on first seed and kept in DATA/demo-credentials.json (mode 0600), so a
// demo left running on a reachable host does not have a guessable login.
func Seed(ctx context.Context, st *store.Store, dataDir string) (*Result, error) {
	inst, err := st.GetInstanceByAlias(ctx, Alias)
	if errors.Is(err, store.ErrNotFound) {
		inst = &core.Instance{Alias: Alias, Description: "Demo contact center seeded by switchboard serve --demo"}
		err = st.CreateInstance(ctx, inst)
	}
	if err != nil {
		return nil, fmt.Errorf("demo instance: %w", err)
	}
	id := inst.ID
	res := &Result{InstanceID: id}

	hoo, err := ensure(ctx, st.Hours, id, "Always open", func() *core.HoursOfOperation {
		return &core.HoursOfOperation{Name: "Always open", Description: "24 hours a day, 7 days a week",
			Schedule: hours.AlwaysOpen("UTC")}
	})
	if err != nil {
		return nil, err
	}
	q, err := ensure(ctx, st.Queues, id, "Support", func() *core.Queue {
		return &core.Queue{Name: "Support", Description: "General support", HoursOfOperationID: hoo.ID}
	})
	if err != nil {
		return nil, err
	}
	res.QueueID = q.ID
	if err := ensureQueueQuickConnect(ctx, st, id, q); err != nil {
		return nil, err
	}
	rp, err := ensure(ctx, st.RoutingProfiles, id, "Support agents", func() *core.RoutingProfile {
		return &core.RoutingProfile{Name: "Support agents", DefaultOutboundQueueID: q.ID,
			Queues: []core.RoutingQueue{
				{QueueID: q.ID, Channel: core.ChannelVoice, Priority: 1},
				{QueueID: q.ID, Channel: core.ChannelChat, Priority: 1},
			},
			MediaConcurrencies: []core.Concurrency{{Channel: core.ChannelVoice, Concurrency: 1}, {Channel: core.ChannelChat, Concurrency: 3}}}
	})
	if err != nil {
		return nil, err
	}
	creds, err := credentials(dataDir)
	if err != nil {
		return nil, err
	}
	res.Agent, res.Supervisor = creds["agent"], creds["supervisor"]
	for _, u := range []struct {
		c       Credentials
		profile string
	}{{res.Agent, "Agent"}, {res.Supervisor, "Supervisor"}} {
		sp, err := st.SecurityProfiles.GetByName(ctx, id, u.profile)
		if err != nil {
			return nil, fmt.Errorf("demo security profile %s: %w", u.profile, err)
		}
		if _, err := ensure(ctx, st.Users, id, u.c.Username, func() *core.User {
			h, _ := auth.HashPassword(u.c.Password)
			return &core.User{Username: u.c.Username, FirstName: strings.ToUpper(u.c.Username[:1]) + u.c.Username[1:],
				LastName: "Demo", SecurityProfileIDs: []string{sp.ID}, RoutingProfileID: rp.ID, PasswordHash: h,
				AfterContactWorkTimeoutSeconds: 30}
		}); err != nil {
			return nil, err
		}
	}
	fl, err := ensure(ctx, st.Flows, id, "Demo inbound", func() *core.Flow {
		return &core.Flow{Name: "Demo inbound", Type: core.FlowContact, Description: "Greets, offers a menu and queues to Support",
			Content: SampleFlow(q.ID)}
	})
	if err != nil {
		return nil, err
	}
	if fl.PublishedVersion == 0 {
		if fl, err = st.PublishFlow(ctx, id, fl.ID, 0); err != nil {
			return nil, fmt.Errorf("publish demo flow: %w", err)
		}
	}
	res.FlowID = fl.ID
	if _, err := ensure(ctx, st.PhoneNumbers, id, Number, func() *core.PhoneNumber {
		return &core.PhoneNumber{Number: Number, Description: "Demo number", FlowID: fl.ID}
	}); err != nil {
		return nil, err
	}
	// A trunk for a softphone or SIP tester on this host; no credentials.
	tr, err := ensure(ctx, st.Trunks, id, LocalTrunk, func() *core.Trunk {
		return &core.Trunk{Name: LocalTrunk, Description: "Calls from this host (a softphone or SIP tester)",
			AllowedSources: []string{"127.0.0.1/32", "::1/128"}}
	})
	if err != nil {
		return nil, err
	}
	res.TrunkID = tr.ID
	// Custom agent statuses for the CCP (Available and Offline come with the instance).
	for i, name := range []string{"Lunch", "Training", "Meeting"} {
		if _, err := ensure(ctx, st.AgentStatuses, id, name, func() *core.AgentStatus {
			return &core.AgentStatus{Name: name, Type: core.AgentStatusCustom, DisplayOrder: 3 + i}
		}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

type getCreator[T any, P interface {
	*T
	core.Resource
}] interface {
	GetByName(ctx context.Context, instanceID, name string) (P, error)
	Create(ctx context.Context, instanceID string, v P) error
}

// demoQuickConnect is the demo's quick connect: a transfer to the Support
// queue, listed by that queue so its agents are offered it in the CCP.
const demoQuickConnect = "Support queue"

// ensureQueueQuickConnect creates the demo's quick connect and lists it on
// q, once: a quick connect that exists already (or that an admin removed
// from the queue) is left as it is.
func ensureQueueQuickConnect(ctx context.Context, st *store.Store, instanceID string, q *core.Queue) error {
	_, err := st.QuickConnects.GetByName(ctx, instanceID, demoQuickConnect)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	qc := &core.QuickConnect{Name: demoQuickConnect, Description: "Transfer to the Support queue",
		Type: core.QuickConnectQueue, QueueID: q.ID}
	if err := st.QuickConnects.Create(ctx, instanceID, qc); err != nil {
		return fmt.Errorf("demo quick connect %q: %w", demoQuickConnect, err)
	}
	q.QuickConnectIDs = append(q.QuickConnectIDs, qc.ID)
	if err := st.Queues.Update(ctx, instanceID, q, q.Version); err != nil {
		return fmt.Errorf("demo queue %q: list quick connect %q: %w", q.Name, demoQuickConnect, err)
	}
	return nil
}

func ensure[T any, P interface {
	*T
	core.Resource
}](ctx context.Context, repo getCreator[T, P], instanceID, name string, mk func() P) (P, error) {
	v, err := repo.GetByName(ctx, instanceID, name)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	v = mk()
	if err := repo.Create(ctx, instanceID, v); err != nil {
		return nil, fmt.Errorf("demo %s %q: %w", v.GetMeta().ID, name, err)
	}
	return v, nil
}

func credentials(dataDir string) (map[string]Credentials, error) {
	path := filepath.Join(dataDir, "demo-credentials.json")
	creds := map[string]Credentials{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &creds); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if creds["agent"].Password != "" && creds["supervisor"].Password != "" {
			return creds, nil
		}
	}
	creds = map[string]Credentials{
		"agent":      {Username: "agent", Password: randomPassword()},
		"supervisor": {Username: "supervisor", Password: randomPassword()},
	}
	b, _ := json.MarshalIndent(creds, "", "  ")
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return creds, nil
}

func randomPassword() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// SampleFlow is the demo's inbound flow in the Amazon Connect flow language:
// greet, ask for 1 (sales) or 2 (support), remember the choice in an
// attribute, and transfer to the queue.
func SampleFlow(queueID string) json.RawMessage {
	doc := map[string]any{
		"Version":     "2019-10-30",
		"StartAction": "greeting",
		"Metadata":    map[string]any{"name": "Demo inbound"},
		"Actions": []any{
			map[string]any{"Identifier": "greeting", "Type": "MessageParticipant",
				"Parameters":  map[string]any{"Text": "Thank you for calling the Switchboard demo."},
				"Transitions": map[string]any{"NextAction": "menu", "Errors": []any{map[string]any{"NextAction": "menu", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "menu", "Type": "GetParticipantInput",
				"Parameters": map[string]any{"Text": "For sales, press 1. For support, press 2.", "InputTimeLimitSeconds": "5"},
				"Transitions": map[string]any{"NextAction": "set-support",
					"Conditions": []any{
						map[string]any{"NextAction": "set-sales", "Condition": map[string]any{"Operator": "Equals", "Operands": []any{"1"}}},
						map[string]any{"NextAction": "set-support", "Condition": map[string]any{"Operator": "Equals", "Operands": []any{"2"}}},
					},
					"Errors": []any{
						map[string]any{"NextAction": "set-support", "ErrorType": "InputTimeLimitExceeded"},
						map[string]any{"NextAction": "set-support", "ErrorType": "NoMatchingCondition"},
						map[string]any{"NextAction": "set-support", "ErrorType": "NoMatchingError"},
					}}},
			map[string]any{"Identifier": "set-sales", "Type": "UpdateContactAttributes",
				"Parameters":  map[string]any{"Attributes": map[string]any{"department": "sales"}},
				"Transitions": map[string]any{"NextAction": "set-queue", "Errors": []any{map[string]any{"NextAction": "set-queue", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "set-support", "Type": "UpdateContactAttributes",
				"Parameters":  map[string]any{"Attributes": map[string]any{"department": "support"}},
				"Transitions": map[string]any{"NextAction": "set-queue", "Errors": []any{map[string]any{"NextAction": "set-queue", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "set-queue", "Type": "UpdateContactTargetQueue",
				"Parameters":  map[string]any{"QueueId": queueID},
				"Transitions": map[string]any{"NextAction": "transfer", "Errors": []any{map[string]any{"NextAction": "sorry", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": map[string]any{},
				"Transitions": map[string]any{"Errors": []any{
					map[string]any{"NextAction": "sorry", "ErrorType": "QueueAtCapacity"},
					map[string]any{"NextAction": "sorry", "ErrorType": "NoMatchingError"},
				}}},
			map[string]any{"Identifier": "sorry", "Type": "MessageParticipant",
				"Parameters":  map[string]any{"Text": "Sorry, nobody can take your call right now. Goodbye."},
				"Transitions": map[string]any{"NextAction": "end", "Errors": []any{map[string]any{"NextAction": "end", "ErrorType": "NoMatchingError"}}}},
			map[string]any{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": map[string]any{}, "Transitions": map[string]any{}},
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}
