//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// TestConfigChangesReachTheRunningRouter changes routing configuration over
// the API while an agent is connected, and requires the router to follow
// without a reconnect: a routing profile's chat concurrency raised from 1 to
// 2 lets the agent take a second chat; a user's auto-accept turned off makes
// the next contact an offer to accept; a user who loses its routing profile
// is no longer an agent; a custom agent status created over the API can be
// set at once.
func TestConfigChangesReachTheRunningRouter(t *testing.T) {
	b := backends()[0]
	s := e2etest.Start(t, bin, e2etest.Options{Args: b.args(t), Name: "config"})
	c := newClient(t, s, s.AdminToken())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cc := setupChatCenter(t, c, chatCenterOptions{Alias: "config", AutoAccept: true, Flow: restartFlow})

	ag, _ := cc.agentWS(ctx, t, s, 0)
	ag.setState(ctx, t, "Available")
	first := startCustomer(ctx, t, s, c, cc, "Jo")
	ag.awaitEvent(ctx, t, "contactConnected", first.ContactID)

	// At concurrency 1 a second chat waits.
	second := startCustomer(ctx, t, s, c, cc, "Max")
	awaitContactStateIs(t, c, cc, second.ContactID, "QUEUED")

	// Concurrency 2: the waiting chat comes to the agent at once.
	var rp core.RoutingProfile
	c.call(t, "GET", instancePath(cc.Inst.ID, "routing-profiles", cc.Profile.ID), nil, http.StatusOK, &rp)
	rp.MediaConcurrencies = []core.Concurrency{{Channel: core.ChannelChat, Concurrency: 2}}
	c.call(t, "PUT", instancePath(cc.Inst.ID, "routing-profiles", rp.ID), rp, http.StatusOK, nil)
	ag.awaitEvent(ctx, t, "contactConnected", second.ContactID)

	// Auto-accept off: the next contact (once a slot is free) is an offer.
	var u core.User
	c.call(t, "GET", instancePath(cc.Inst.ID, "users", cc.Agents[0].UserID), nil, http.StatusOK, &u)
	u.AutoAccept = false
	c.call(t, "PUT", instancePath(cc.Inst.ID, "users", u.ID), u, http.StatusOK, &u)
	// The sync is asynchronous: the connected chats keep the agent busy
	// until it has surely happened (the offer below proves it did).
	third := startCustomer(ctx, t, s, c, cc, "Sam")
	awaitContactStateIs(t, c, cc, third.ContactID, "QUEUED")
	ag.request(ctx, t, "endContact", map[string]any{"contactId": first.ContactID})
	ag.request(ctx, t, "completeAcw", map[string]any{"contactId": first.ContactID})
	offer := ag.awaitEvent(ctx, t, "offer", third.ContactID)
	if offer["autoAccepted"] == true {
		t.Fatalf("the offer was auto-accepted after auto-accept was turned off: %v", offer)
	}
	if r := ag.request(ctx, t, "accept", map[string]any{"contactId": third.ContactID}); r["type"] != "ack" {
		t.Fatalf("accept: %v", r)
	}
	ag.awaitEvent(ctx, t, "contactConnected", third.ContactID)
	for _, id := range []string{second.ContactID, third.ContactID} {
		ag.request(ctx, t, "endContact", map[string]any{"contactId": id})
		ag.request(ctx, t, "completeAcw", map[string]any{"contactId": id})
	}

	// A custom status exists for agents as soon as it is created.
	if r := ag.request(ctx, t, "setState", map[string]any{"status": "Coaching"}); r["type"] != "error" || r["code"] != "invalid_status" {
		t.Fatalf("setState to a status that does not exist: %v", r)
	}
	c.call(t, "POST", instancePath(cc.Inst.ID, "agent-statuses"), map[string]any{"name": "Coaching"}, http.StatusCreated, nil)
	if err := e2etest.Poll(10*time.Second, 50*time.Millisecond, func() (bool, error) {
		r := ag.request(ctx, t, "setState", map[string]any{"status": "Coaching"})
		return r["type"] == "ack", nil
	}); err != nil {
		t.Fatalf("the new custom status is refused: %v", err)
	}
	ag.await(ctx, t, "Coaching", func(m map[string]any) bool { return m["type"] == "state" && m["status"] == "Coaching" })

	// No routing profile: no longer an agent; a new console is refused.
	u.RoutingProfileID = ""
	c.call(t, "PUT", instancePath(cc.Inst.ID, "users", u.ID), u, http.StatusOK, nil)
	if err := e2etest.Poll(10*time.Second, 50*time.Millisecond, func() (bool, error) {
		var login struct{ Token string }
		newClient(t, s, "").call(t, "POST", "/api/v1/auth/login",
			map[string]any{"instanceId": cc.Inst.ID, "username": u.Username, "password": agentPassword}, http.StatusOK, &login)
		ws := dialJSON(ctx, t, wsURL(s, "/api/v1/agent"))
		defer ws.close()
		ws.send(ctx, t, map[string]any{"v": 1, "type": "hello", "id": "h", "token": login.Token})
		m := ws.await(ctx, t, "hello's answer", func(m map[string]any) bool { return m["re"] == "h" })
		return m["type"] == "error" && m["code"] == "unauthenticated", nil
	}); err != nil {
		t.Fatalf("a user without a routing profile still says hello as an agent: %v", err)
	}
}

// awaitContactStateIs polls the contacts API until the contact's state is state.
func awaitContactStateIs(t *testing.T, c *client, cc *chatCenter, contactID, state string) {
	t.Helper()
	var got struct{ State string }
	if err := e2etest.Poll(20*time.Second, 20*time.Millisecond, func() (bool, error) {
		c.call(t, "GET", instancePath(cc.Inst.ID, "contacts", contactID), nil, http.StatusOK, &got)
		return got.State == state, nil
	}); err != nil {
		t.Fatalf("contact %s is %s, want %s", contactID, got.State, state)
	}
}
