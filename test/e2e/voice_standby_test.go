//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
	"github.com/switchboard-cc/switchboard/test/e2e/voicepeer"
)

// TestVoiceStandbyListensOnlyAfterTakeover runs an active and a standby
// process on PostgreSQL and an external NATS: only the lease holder listens
// for SIP. A call waits in the queue; the active process is killed; the
// standby takes the lease, starts listening, and ends the lost call's
// contact (its media died with the process) as TELECOM_PROBLEM.
func TestVoiceStandbyListensOnlyAfterTakeover(t *testing.T) {
	var shared *backend
	for _, b := range backends() {
		if strings.HasSuffix(b.name, "external-nats") {
			shared = &b
		}
	}
	if shared == nil {
		t.Skip("needs PostgreSQL and an external NATS (SWITCHBOARD_TEST_DATABASE_URL, SWITCHBOARD_TEST_NATS_URL)")
	}
	args := shared.args(t)
	active := e2etest.Start(t, bin, e2etest.Options{Args: args, Name: "active"})
	c := newClient(t, active, active.AdminToken())
	vc := setupVoiceCenter(t, c, active)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	standby := e2etest.StartNoWait(t, bin, e2etest.Options{Args: args, Name: "standby"})
	if err := e2etest.Poll(20*time.Second, 20*time.Millisecond, func() (bool, error) {
		return httpStatus(standby.URL+"/healthz") == http.StatusOK, nil
	}); err != nil {
		t.Fatalf("the standby does not come up: %v", err)
	}

	held := voicepeer.StartSipp(ctx, t, voicepeer.SippOptions{Scenario: "queue_hold_bench.xml", Target: vc.SIP, Service: queueNumber,
		Vars: map[string]string{"from": "+15550401"}, ExtraArgs: []string{"-d", "60000"}, Timeout: 80 * time.Second})
	defer held.Stop()
	awaitQueuedCall(ctx, t, c, vc.Inst.ID, held)
	if strings.Contains(standby.Log(), "sip listening") {
		t.Fatal("the standby listens for SIP while the other process holds the lease")
	}

	active.Kill()
	standby.WaitReady(e2etest.ReadyTimeout)
	addr := standby.SIPAddr(10 * time.Second) // it listens now
	if addr == vc.SIP {
		t.Logf("the standby got the same SIP port %s", addr)
	}
	sc := newClient(t, standby, active.AdminToken())
	rec := callRecord(ctx, t, sc, vc.Inst.ID, "+15550401")
	if rec.DisconnectReason != contact.TelecomProblem || rec.Voice == nil || rec.Voice.HangupCause != "process-stopped" {
		t.Errorf("the lost call's record: reason %s, voice %+v; want TELECOM_PROBLEM (process-stopped)", rec.DisconnectReason, rec.Voice)
	}
	// The new holder answers calls.
	vc.SIP = addr
	r := sippCall(ctx, t, vc, "dtmf_branch.xml", ivrNumber, "+15550402", voicepeer.SippOptions{})
	voicepeer.RequireOK(t, r)
	if rec := callRecord(ctx, t, sc, vc.Inst.ID, "+15550402"); rec.Attributes["department"] != "sales" {
		t.Errorf("a call to the new holder did not branch: %v", rec.Attributes)
	}
}
