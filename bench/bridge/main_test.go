package main

import (
	"context"
	"log/slog"
	"math"
	"os"
	"testing"
	"time"
)

func TestStampRoundTrip(t *testing.T) {
	p := newPayload()
	at := time.Unix(1700000000, 123456789)
	stamp(p, kindDesk, 42, at, 7)
	s, ok := readStamp(p)
	if !ok || s.Kind != kindDesk || s.Stream != 42 || s.Sent != at.UnixNano() || s.N != 7 {
		t.Fatalf("readStamp = %+v, %v", s, ok)
	}
	for i, b := range p {
		if b == 0xFF {
			t.Fatalf("byte %d is 0xFF (PCMU silence): the payload must not look like the server's silence", i)
		}
	}
	silence := make([]byte, frameBytes)
	for i := range silence {
		silence[i] = 0xFF
	}
	if _, ok := readStamp(silence); ok {
		t.Fatal("a silent PCMU frame read as a bench packet")
	}
}

func TestSummarize(t *testing.T) {
	var v []float64
	for i := 1; i <= 100; i++ {
		v = append(v, float64(i))
	}
	d := summarize(v)
	if d.N != 100 || d.P50 != 50 || d.P95 != 95 || d.P99 != 99 || d.Max != 100 {
		t.Fatalf("summarize 1..100 = %+v", d)
	}
	if summarize(nil).N != 0 {
		t.Fatal("summarize(nil) has samples")
	}
}

// TestMeasure checks loss, duplicates, the window, jitter and a crossed
// receiver on made-up packets.
func TestMeasure(t *testing.T) {
	base := time.Unix(1000, 0)
	at := func(ms float64) int64 { return base.Add(time.Duration(ms * float64(time.Millisecond))).UnixNano() }
	// Stream 1: 10 packets every 20 ms; packet 3 lost, packet 5 twice,
	// transit 1 ms except packet 8 (5 ms).
	var sent1 []int64
	var got1 []arrival
	for n := range 10 {
		s := at(float64(20 * n))
		sent1 = append(sent1, s)
		if n == 3 {
			continue
		}
		transit := 1.0
		if n == 8 {
			transit = 5
		}
		a := arrival{Kind: kindCaller, Stream: 1, N: uint32(n), Sent: s, At: s + int64(transit*1e6)}
		got1 = append(got1, a)
		if n == 5 {
			got1 = append(got1, a)
		}
	}
	// Stream 2 arrives at its own receiver, all packets, transit 2 ms; one
	// stray packet of stream 1 reaches it too (crossed).
	var sent2 []int64
	var got2 []arrival
	for n := range 10 {
		s := at(float64(20 * n))
		sent2 = append(sent2, s)
		got2 = append(got2, arrival{Kind: kindCaller, Stream: 2, N: uint32(n), Sent: s, At: s + 2e6})
	}
	stray := arrival{Kind: kindCaller, Stream: 1, N: 100, Sent: at(-500), At: at(-499)} // outside the window
	got2 = append(got2, stray)
	d := measure(map[uint32][]int64{1: sent1, 2: sent2}, [][]arrival{got1, got2}, base, base.Add(200*time.Millisecond))
	if d.Streams != 2 || d.Sent != 20 || d.Received != 19 || d.Duplicate != 1 {
		t.Fatalf("streams %d sent %d received %d duplicate %d; want 2, 20, 19, 1", d.Streams, d.Sent, d.Received, d.Duplicate)
	}
	if math.Abs(d.LossPct-5) > 1e-9 {
		t.Errorf("loss %.3f %%, want 5", d.LossPct)
	}
	if d.Crossed != 1 {
		t.Errorf("crossed %d, want 1", d.Crossed)
	}
	if math.Abs(d.Jitter.Max-4) > 1e-6 || d.Jitter.P50 != 0 {
		t.Errorf("jitter %+v; want max 4 ms (packet 8), median 0", d.Jitter)
	}
	if math.Abs(d.Transit.Max-5) > 1e-6 || math.Abs(d.Transit.P50-2) > 1e-6 {
		t.Errorf("transit %+v; want max 5, p50 2", d.Transit)
	}
	if d.RFC3550.Max <= 0 || d.RFC3550.N != 2 {
		t.Errorf("RFC 3550 jitter %+v; want two streams, one above 0", d.RFC3550)
	}
}

// TestAgainstBinary runs both modes small against the binary named by
// SWITCHBOARD_E2E_BIN (skipped without it, as bench/chatload's test is):
// every call must be bridged with audio both ways.
func TestAgainstBinary(t *testing.T) {
	bin := os.Getenv("SWITCHBOARD_E2E_BIN")
	if bin == "" {
		t.Skip("SWITCHBOARD_E2E_BIN is not set")
	}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := startServer(ctx, serverConfig{Bin: bin, RTPPorts: "30000-30999", LogLevel: "info"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.stop(15 * time.Second); err != nil {
			t.Error(err)
		}
	}()

	t.Run("bridge", func(t *testing.T) {
		r, err := runBridge(ctx, log, srv, bridgeConfig{Calls: 3, Rate: 10, Warmup: time.Second, Duration: 2 * time.Second})
		if err != nil {
			t.Fatalf("%v\n%s", err, srv.proc.LogTail(3000))
		}
		if r.Bridged != 3 || r.Failed != 0 || r.EndedEarly != 0 {
			t.Fatalf("bridged %d, failed %d, ended early %d; want 3, 0, 0: %v", r.Bridged, r.Failed, r.EndedEarly, r.Errors)
		}
		for name, d := range map[string]direction{"caller → agent": r.CallerToAgent, "agent → caller": r.AgentToCaller} {
			// 3 calls × 2 s at 50 packets/s; loopback loses nothing.
			if d.Streams != 3 || d.Sent < 250 || d.LossPct > 1 || d.Crossed != 0 {
				t.Errorf("%s: %+v", name, d)
			}
		}
		if r.ServerCores <= 0 {
			t.Errorf("server CPU %.3f cores: not measured", r.ServerCores)
		}
	})
	t.Run("softphone", func(t *testing.T) {
		r, err := runSoftphone(ctx, log, srv, softConfig{Calls: 2, Talk: 200 * time.Millisecond})
		if err != nil {
			t.Fatalf("%v\n%s", err, srv.proc.LogTail(3000))
		}
		if len(r.Runs) != 2 {
			t.Fatalf("%d series, want 2", len(r.Runs))
		}
		for _, run := range r.Runs {
			if run.OK != 2 || run.AcceptToAgentAudio.N != 2 || run.AcceptToCallerAudio.N != 2 {
				t.Errorf("%s session: %d ok, %+v, %+v; errors %v", run.Session, run.OK, run.AcceptToAgentAudio, run.AcceptToCallerAudio, run.Errors)
			}
		}
	})
}
