//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/app"
	"github.com/switchboard-cc/switchboard/internal/bus"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestAgentEventsOnTheStream: what happens to an agent — state changes, the
// contact offered and connected, after-contact work — is published on the
// AGENT_EVENTS stream in order, on every backend.
func TestAgentEventsOnTheStream(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			args := withNATSListen(b.args(t))
			s := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "agent events"})
			c := newClient(t, s, s.AdminToken())
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cc := setupChatCenter(t, c, chatCenterOptions{Alias: "agent-events", AutoAccept: true, Flow: restartFlow})
			ag, _ := cc.agentWS(ctx, t, s, 0)
			ag.setState(ctx, t, "Available")
			cu := startCustomer(ctx, t, s, c, cc, "Jo")
			ag.awaitEvent(ctx, t, "contactConnected", cu.ContactID)
			ag.request(ctx, t, "endContact", map[string]any{"contactId": cu.ContactID})
			ag.request(ctx, t, "completeAcw", map[string]any{"contactId": cu.ContactID})
			ag.awaitEvent(ctx, t, "acwEnded", cu.ContactID)
			ag.setState(ctx, t, "Offline")

			es := openEventStream(ctx, t, s, args)
			es.stream = strings.Replace(es.stream, "_CONTACT_EVENTS", "_AGENT_EVENTS", 1)
			want := []string{"STATE_CHANGE Available", "CONTACT_OFFERED", "CONTACT_CONNECTED", "ACW_STARTED", "ACW_ENDED", "STATE_CHANGE Offline"}
			var got []string
			if err := e2etest.Poll(20*time.Second, 50*time.Millisecond, func() (bool, error) {
				got = nil
				for _, e := range readAgentEvents(ctx, t, es) {
					if e.InstanceID != cc.Inst.ID || e.Data.AgentID != cc.Agents[0].UserID || e.Data.Username != cc.Agents[0].Username {
						t.Fatalf("agent event of another agent or instance: %+v", e)
					}
					if e.Data.ContactID != "" && e.Data.ContactID != cu.ContactID {
						t.Fatalf("agent event about another contact: %+v", e)
					}
					if e.Type == "STATE_CHANGE" {
						got = append(got, e.Type+" "+e.Data.Status)
					} else {
						got = append(got, e.Type)
					}
				}
				return slices.Equal(got, want), nil
			}); err != nil {
				t.Fatalf("agent events on the stream: %v, want %v", got, want)
			}
		})
	}
}

// readAgentEvents reads every message of the agent events stream.
func readAgentEvents(ctx context.Context, t *testing.T, es *eventStream) []bus.Envelope[app.AgentEvent] {
	t.Helper()
	st, err := es.js.Stream(ctx, es.stream)
	if err != nil {
		t.Fatalf("stream %s: %v", es.stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []bus.Envelope[app.AgentEvent]
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		msg, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("stream %s message %d: %v", es.stream, seq, err)
		}
		var env bus.Envelope[app.AgentEvent]
		if err := json.Unmarshal(msg.Data, &env); err != nil {
			t.Fatalf("agent event %d: %v: %s", seq, err, msg.Data)
		}
		out = append(out, env)
	}
	return out
}
