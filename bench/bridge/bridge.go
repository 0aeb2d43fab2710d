package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/bench/internal/benchapi"
	"github.com/switchboard-cc/switchboard/bench/internal/benchserver"
)

// bridgeConfig is bridge mode's.
type bridgeConfig struct {
	Calls    int
	Rate     float64       // calls placed per second
	Warmup   time.Duration // after every desk phone answered, before the window
	Duration time.Duration // the steady window
}

// bridgeResult is bridge mode's outcome.
type bridgeResult struct {
	Mode          string    `json:"mode"`
	Start         time.Time `json:"start"`
	Calls         int       `json:"calls"`
	Placed        int       `json:"placed"`
	Failed        int       `json:"failed"`
	Bridged       int64     `json:"bridged"`
	EndedEarly    int       `json:"endedEarly"`
	SetupSeconds  float64   `json:"setupSeconds"`
	RampSeconds   float64   `json:"rampSeconds"`
	WindowSeconds float64   `json:"windowSeconds"`
	// Answer is call placed → the desk phone's INVITE answered (flow,
	// queue, routing and the dial), per call.
	Answer        dist      `json:"placedToDeskAnswerMs"`
	CallerToAgent direction `json:"callerToAgent"`
	AgentToCaller direction `json:"agentToCaller"`
	ServerCores   float64   `json:"serverCores"`
	ServerPctCall float64   `json:"serverPctOfCorePerCall"`
	ServerRSSMiB  float64   `json:"serverRssMiB"`
	ServerHWMMiB  float64   `json:"serverPeakRssMiB"`
	ServerThreads int       `json:"serverThreads"`
	ToolCores     float64   `json:"toolCores"`
	// AgentEvents counts the agents' events that mean trouble (contactError,
	// missed, offerWithdrawn, Error states).
	AgentEvents map[string]int `json:"agentEvents,omitempty"`
	Errors      []string       `json:"errors,omitempty"`
}

func runBridge(ctx context.Context, log *slog.Logger, srv *server, cfg bridgeConfig) (*bridgeResult, error) {
	res := &bridgeResult{Mode: "bridge", Start: time.Now(), Calls: cfg.Calls}
	var errMu sync.Mutex
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(res.Errors) < 20 {
			res.Errors = append(res.Errors, err.Error())
		}
		log.Warn("bridge", "err", err)
	}

	ph, c, err := prepare(ctx, log, srv)
	if err != nil {
		return nil, err
	}
	defer ph.close()

	// Agents: created and logged in two at a time (argon2id costs ~0.1 s of
	// CPU per hash).
	t0 := time.Now()
	log.Info("creating agents", "n", cfg.Calls, "desk_phones", ph.addr.String())
	agents := make([]*agentConn, cfg.Calls)
	defer func() {
		var wg sync.WaitGroup
		for _, ag := range agents {
			if ag != nil {
				wg.Add(1)
				go func() { defer wg.Done(); ag.close() }()
			}
		}
		wg.Wait()
	}()
	err = benchapi.ForEach(ctx, cfg.Calls, 2, func(i int) error {
		name := fmt.Sprintf("agent%d", i)
		tok, err := c.createAgent(ctx, name, map[string]any{"autoAccept": true, "phoneType": "DESK_PHONE",
			"deskPhoneNumber": ph.deskURI(name)})
		if err != nil {
			return err
		}
		ag, err := dialAgent(ctx, srv.URL, name, tok)
		if err != nil {
			return err
		}
		agents[i] = ag
		if _, err := ag.request(ctx, "setState", map[string]any{"status": "Available"}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	res.SetupSeconds = time.Since(t0).Seconds()
	log.Info("agents Available", "n", cfg.Calls, "took", time.Since(t0).Round(time.Millisecond))

	// Calls, at cfg.Rate.
	t1 := time.Now()
	callers := make([]*caller, cfg.Calls)
	var wg sync.WaitGroup
	var placed atomic.Int64
	gap := time.Duration(float64(time.Second) / cfg.Rate)
	defer func() {
		// Hang up whatever is still up, whatever happened.
		var hw sync.WaitGroup
		for _, cl := range callers {
			if cl != nil {
				hw.Add(1)
				go func() { defer hw.Done(); cl.hangup() }()
			}
		}
		hw.Wait()
		for _, cl := range callers {
			if cl != nil {
				cl.rtp.close()
			}
		}
		ph.hangupDesks()
	}()
	for i := range cfg.Calls {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := ph.call(ctx, srv.SIP, c.number, i)
			if err != nil {
				fail(err)
				return
			}
			placed.Add(1)
			callers[i] = cl
		}()
		sleepCtx(ctx, gap)
	}
	wg.Wait()
	res.Placed = int(placed.Load())
	res.Failed = cfg.Calls - res.Placed
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	// Every answered call is connected to a desk phone: wait for them.
	deadline := time.Now().Add(60*time.Second + 5*time.Second*time.Duration(cfg.Calls/50+1))
	for ph.answered.Load() < placed.Load() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	res.Bridged = ph.answered.Load()
	res.RampSeconds = time.Since(t1).Seconds()
	if res.Bridged < placed.Load() {
		fail(fmt.Errorf("%d of %d answered calls reached a desk phone within %v", res.Bridged, placed.Load(),
			time.Until(deadline)+time.Since(t1)))
	}
	if res.Bridged == 0 {
		return res, errors.New("no call was connected to a desk phone: see the server log (-keep)")
	}
	log.Info("calls bridged", "bridged", res.Bridged, "placed", placed.Load(), "took", time.Since(t1).Round(time.Millisecond))

	// The steady window.
	if !sleepCtx(ctx, cfg.Warmup) {
		return res, ctx.Err()
	}
	from := time.Now()
	s0, err0 := benchserver.ReadProc(srv.PID)
	me0, _ := benchserver.ReadProc(0)
	log.Info("measuring", "window", cfg.Duration)
	if !sleepCtx(ctx, cfg.Duration) {
		return res, ctx.Err()
	}
	s1, err1 := benchserver.ReadProc(srv.PID)
	me1, _ := benchserver.ReadProc(0)
	to := time.Now()
	res.WindowSeconds = to.Sub(from).Seconds()
	if err0 == nil && err1 == nil && srv.PID != 0 {
		res.ServerCores = (s1.CPU - s0.CPU).Seconds() / s1.At.Sub(s0.At).Seconds()
		res.ServerPctCall = 100 * res.ServerCores / float64(res.Bridged)
		res.ServerRSSMiB, res.ServerHWMMiB, res.ServerThreads = float64(s1.RSS)/(1<<20), float64(s1.HWM)/(1<<20), s1.Threads
	}
	res.ToolCores = (me1.CPU - me0.CPU).Seconds() / me1.At.Sub(me0.At).Seconds()
	for _, cl := range callers {
		if cl != nil && cl.ended() {
			res.EndedEarly++
		}
	}
	time.Sleep(300 * time.Millisecond) // packets in flight at the end of the window

	// Stats over the packets sent in the window.
	callerSent, deskSent := map[uint32][]int64{}, map[uint32][]int64{}
	var atCallers, atDesks [][]arrival
	for _, cl := range callers {
		if cl == nil {
			continue
		}
		s, got, _ := cl.rtp.snapshot()
		callerSent[cl.rtp.stream] = s
		atCallers = append(atCallers, got)
	}
	ph.desks.Range(func(_, v any) bool {
		d := v.(*deskCall)
		s, got, _ := d.rtp.snapshot()
		deskSent[d.rtp.stream] = s
		atDesks = append(atDesks, got)
		return true
	})
	res.CallerToAgent = measure(callerSent, atDesks, from, to)
	res.AgentToCaller = measure(deskSent, atCallers, from, to)
	var answers []float64
	ph.desks.Range(func(_, v any) bool {
		d := v.(*deskCall)
		if st, ok := firstStream(d.rtp, kindCaller); ok && int(st) <= len(callers) && callers[st-1] != nil {
			answers = append(answers, durMS(d.answered.Sub(callers[st-1].placed)))
		}
		return true
	})
	res.Answer = summarize(answers)
	res.AgentEvents = agentEvents(agents)
	if srv.proc.Exited() {
		return res, fmt.Errorf("the server exited during the run: %s", srv.proc.LogTail(2000))
	}
	return res, nil
}

// agentEvents sums the agents' trouble counts.
func agentEvents(agents []*agentConn) map[string]int {
	out := map[string]int{}
	for _, a := range agents {
		if a == nil {
			continue
		}
		a.mu.Lock()
		for k, v := range a.trouble {
			out[k] += v
		}
		a.mu.Unlock()
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// firstStream is the stream of the first bench packet of kind e received.
func firstStream(e *rtpEnd, kind byte) (uint32, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.got {
		if a.Kind == kind {
			return a.Stream, true
		}
	}
	return 0, false
}

// sleepCtx sleeps d, or less when ctx ends (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
