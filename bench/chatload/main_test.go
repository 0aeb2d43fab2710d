package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// TestChatLoadSmall runs the load generator end to end against the binary
// named by SWITCHBOARD_E2E_BIN (make build; SWITCHBOARD_E2E_BIN=$PWD/bin/switchboard):
// 5 agents × 4 = 20 chats, then 3 s at 40 round trips/s. Every chat must
// reach an agent and every round trip must come back.
func TestChatLoadSmall(t *testing.T) {
	bin := os.Getenv("SWITCHBOARD_E2E_BIN")
	if bin == "" {
		t.Skip("SWITCHBOARD_E2E_BIN is not set")
	}
	var log bytes.Buffer
	cfg := Config{
		Bin: bin, Agents: 5, PerAgent: 4, StartRate: 50, SetupTimeout: 20 * time.Second,
		Rates: []float64{40}, Warmup: 500 * time.Millisecond, Duration: 3 * time.Second, Timeout: 5 * time.Second,
		CustomerHeartbeat: 2 * time.Second, Log: &log,
	}
	if url := os.Getenv("SWITCHBOARD_TEST_DATABASE_URL"); url != "" && !testing.Short() {
		cfg.DatabaseURL = url
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, cfg)
	var out bytes.Buffer
	if res != nil {
		Report(&out, cfg, res)
	}
	t.Logf("progress:\n%s\nresult:\n%s", log.String(), out.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Setup.Connected != 20 {
		t.Errorf("%d of 20 chats reached an agent", res.Setup.Connected)
	}
	if n := res.TotalErrors(); n != 0 {
		t.Errorf("%d errors: %v %v", n, res.Errors, res.ErrorSample)
	}
	if res.ServerLogWarn != 0 {
		t.Errorf("the server logged %d warnings or errors: %v", res.ServerLogWarn, res.ServerLogTail)
	}
	p := res.Phases[0]
	if p.OK == 0 || p.OK != p.Sent || p.Failed != 0 || p.Skipped != 0 {
		t.Errorf("round trips: sent %d, ok %d, failed %d, skipped %d", p.Sent, p.OK, p.Failed, p.Skipped)
	}
	if want := int64(40 * 3 * 0.8); p.OK < want {
		t.Errorf("only %d round trips in 3 s at 40/s", p.OK)
	}
}
