package chat

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

func inputReq(d time.Duration) engine.InputRequest {
	return engine.InputRequest{Kind: engine.InputMenu, Timeout: d}
}

// TestFlowRunsOverChat runs a real flow with the engine against a chat
// customer who answers through the participant API.
func TestFlowRunsOverChat(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.start()
	c := ts.connect(p)
	tok := c.ConnectionCredentials.ConnectionToken
	ws := ts.dial(c.Websocket.URL)
	ws.subscribe()

	f, err := flow.Parse([]byte(`{"Version":"2019-10-30","StartAction":"hello","Actions":[
	 {"Identifier":"hello","Type":"MessageParticipant","Parameters":{"SSML":"<speak>Welcome to <emphasis>Acme</emphasis> &amp; co.</speak>"},"Transitions":{"NextAction":"menu","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
	 {"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Type 1 for sales, 2 for support","StoreInput":"False","InputTimeLimitSeconds":"5"},
	  "Transitions":{"NextAction":"bye","Conditions":[
	   {"NextAction":"sales","Condition":{"Operator":"Equals","Operands":["1"]}},
	   {"NextAction":"support","Condition":{"Operator":"Equals","Operands":["2"]}}],
	   "Errors":[{"NextAction":"bye","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"bye","ErrorType":"NoMatchingCondition"},{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
	 {"Identifier":"sales","Type":"MessageParticipant","Parameters":{"Text":"Sales it is."},"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"}]}},
	 {"Identifier":"support","Type":"MessageParticipant","Parameters":{"Text":"Support it is."},"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"}]}},
	 {"Identifier":"bye","Type":"MessageParticipant","Parameters":{"Text":"Sorry."},"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"}]}},
	 {"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	res := make(chan *engine.Result, 1)
	go func() {
		r, err := engine.New(engine.Env{Resources: &engine.Memory{}, Logger: testLogger(t)}).Run(ctx, f, engine.NewContact(p.ContactID, core.ChannelChat), fp)
		if err != nil {
			t.Error(err)
		}
		res <- r
	}()

	for _, want := range []string{"Welcome to Acme & co.", "Type 1 for sales, 2 for support"} {
		it := ws.item()
		if it.Content != want || it.ParticipantRole != RoleSystem || it.DisplayName != DisplayNameSystem || it.ContentType != ContentTextPlain {
			t.Fatalf("got %+v, want the flow saying %q", it, want)
		}
	}
	if r := ts.send(tok, " 2 "); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	if it := ws.item(); it.Content != " 2 " { // the customer's own message comes back
		t.Fatalf("got %+v", it)
	}
	if it := ws.item(); it.Content != "Support it is." {
		t.Fatalf("got %+v, want the support branch", it)
	}
	r := <-res
	if r.Outcome.Type != engine.OutcomeDisconnect {
		t.Errorf("outcome %+v", r.Outcome)
	}
	// The wiring ends the chat on a Disconnect outcome.
	if err := ts.svc.EndChat(ctx, p.ContactID, ReasonFlowDisconnect); err != nil {
		t.Fatal(err)
	}
	if it := ws.item(); !it.Is(EventChatEnded) {
		t.Errorf("got %+v, want chat.ended", it)
	}
	if err := ts.svc.EndChat(ctx, p.ContactID, ReasonAPI); err != nil {
		t.Errorf("ending twice: %v", err)
	}
	if reason, _ := ts.rec.endReason(p.ContactID); reason != ReasonFlowDisconnect {
		t.Errorf("reason %q", reason)
	}
}

func TestFlowInput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	setup := func(t *testing.T) (*testServer, StartChatResult, string, *FlowParticipant) {
		ts := newTestServer(t, Config{RateLimit: -1})
		p := ts.start()
		tok := ts.connect(p).ConnectionCredentials.ConnectionToken
		fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(fp.Close)
		return ts, p, tok, fp
	}

	t.Run("times out", func(t *testing.T) {
		_, _, _, fp := setup(t)
		start := time.Now()
		if _, err := fp.Input(ctx, inputReq(100*time.Millisecond)); !errors.Is(err, engine.ErrInputTimeout) {
			t.Fatalf("got %v, want ErrInputTimeout", err)
		}
		if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("an answer typed before Input counts, one from before the question does not", func(t *testing.T) {
		ts, _, tok, fp := setup(t)
		ts.send(tok, "too early")
		if err := fp.Play(ctx, engine.Message{Kind: engine.MessageText, Text: "Your name?"}); err != nil {
			t.Fatal(err)
		}
		ts.send(tok, "Pat")
		got, err := fp.Input(ctx, inputReq(time.Second))
		if err != nil || got != "Pat" {
			t.Fatalf("Input = %q, %v", got, err)
		}
	})
	t.Run("the prompt is posted first", func(t *testing.T) {
		ts, p, tok, fp := setup(t)
		go func() {
			checkFor(t, 2*time.Second, "the prompt", func() bool {
				tr := ts.mustTranscript(p.ContactID)
				return tr[len(tr)-1].Content == "Order number?"
			})
			ts.send(tok, "A-1")
		}()
		got, err := fp.Input(ctx, engine.InputRequest{Kind: engine.InputMenu, Timeout: 2 * time.Second, Prompt: &engine.Message{Kind: engine.MessageText, Text: "Order number?"}})
		if err != nil || got != "A-1" {
			t.Fatalf("Input = %q, %v", got, err)
		}
	})
	t.Run("the customer leaving", func(t *testing.T) {
		ts, _, tok, fp := setup(t)
		go func() {
			time.Sleep(50 * time.Millisecond)
			ts.post("/participant/disconnect", tok, nil)
		}()
		if _, err := fp.Input(ctx, inputReq(5*time.Second)); !errors.Is(err, engine.ErrParticipantNotFound) {
			t.Fatalf("Input = %v, want ErrParticipantNotFound", err)
		}
		if err := fp.Play(ctx, engine.Message{Text: "hello?"}); !errors.Is(err, engine.ErrParticipantNotFound) {
			t.Fatalf("Play = %v, want ErrParticipantNotFound", err)
		}
		if _, err := fp.Wait(ctx, engine.WaitRequest{Timeout: time.Second}); !errors.Is(err, engine.ErrParticipantNotFound) {
			t.Fatalf("Wait = %v, want ErrParticipantNotFound", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		_, _, _, fp := setup(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := fp.Input(cctx, inputReq(time.Second)); !errors.Is(err, context.Canceled) {
			t.Fatalf("Input = %v, want context.Canceled", err)
		}
	})
}

func TestFlowWait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ts := newTestServer(t, Config{})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	if ev, err := fp.Wait(ctx, engine.WaitRequest{Timeout: 50 * time.Millisecond, Events: []string{"CustomerReturned"}}); err != nil || ev != "" {
		t.Fatalf("silent wait = %q, %v", ev, err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		ts.send(tok, "I'm back")
	}()
	if ev, err := fp.Wait(ctx, engine.WaitRequest{Timeout: 5 * time.Second, Events: []string{"CustomerReturned"}}); err != nil || ev != "CustomerReturned" {
		t.Fatalf("wait = %q, %v", ev, err)
	}
	// Without CustomerReturned among the events a message does not end
	// the wait.
	go func() {
		time.Sleep(20 * time.Millisecond)
		ts.send(tok, "hello?")
	}()
	start := time.Now()
	if ev, err := fp.Wait(ctx, engine.WaitRequest{Timeout: 200 * time.Millisecond}); err != nil || ev != "" || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("wait = %q, %v after %v", ev, err, time.Since(start))
	}
}

func TestFlowMessages(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t, Config{})
	p := ts.start()
	fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	if err := fp.Play(ctx, engine.Message{Kind: engine.MessagePrompt, Prompt: &core.Prompt{Name: "hold-music"}}); !errors.Is(err, ErrNotShowable) {
		t.Errorf("audio prompt: %v", err)
	}
	if err := fp.Play(ctx, engine.Message{Kind: engine.MessageText, Text: "  "}); err != nil {
		t.Errorf("empty text: %v", err)
	}
	if err := fp.Send(ctx, ContentInteractive, `{"templateType":"QuickReply"}`); err != nil {
		t.Errorf("interactive: %v", err)
	}
	if err := fp.Send(ctx, "text/html", "<p>"); err == nil {
		t.Error("html accepted")
	}
	fp2, err := ts.svc.FlowParticipant(ctx, p.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	defer fp2.Close()
	fp2.Play(ctx, engine.Message{Text: "from the second flow"})
	var sys []string
	for _, it := range ts.mustTranscript(p.ContactID) {
		if it.ParticipantRole == RoleSystem {
			sys = append(sys, it.ParticipantID)
		}
		if it.Is(EventParticipantJoined) && it.ParticipantRole == RoleSystem {
			t.Error("the flow's SYSTEM participant joined visibly")
		}
	}
	if len(sys) != 2 || sys[0] != sys[1] {
		t.Errorf("flow messages come from %v, want one SYSTEM participant", sys)
	}
}

// systemMessages is what the flow posted to the chat, in order.
func systemMessages(ts *testServer, contactID string) []string {
	var out []string
	for _, it := range ts.mustTranscript(contactID) {
		if it.ParticipantRole == RoleSystem && it.Type == TypeMessage {
			out = append(out, it.Content)
		}
	}
	return out
}

func TestFlowPlayIteratively(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	setup := func(t *testing.T) (*testServer, StartChatResult, string, *FlowParticipant) {
		ts := newTestServer(t, Config{RateLimit: -1})
		p := ts.start()
		tok := ts.connect(p).ConnectionCredentials.ConnectionToken
		fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(fp.Close)
		return ts, p, tok, fp
	}
	msgs := []engine.Message{
		{Kind: engine.MessageText, Text: "Thanks for waiting."},
		{Kind: engine.MessagePrompt, Prompt: &core.Prompt{Name: "hold-music"}},
		{Kind: engine.MessageSSML, Text: "<speak>You are <emphasis>next</emphasis>.</speak>"},
		{Kind: engine.MessageText, Text: "  "},
	}

	t.Run("one pass per interrupt period", func(t *testing.T) {
		ts, p, tok, fp := setup(t)
		start := time.Now()
		go func() {
			// The customer writing does not interrupt the loop.
			time.Sleep(30 * time.Millisecond)
			ts.send(tok, "still there?")
		}()
		interrupted, err := fp.PlayIteratively(ctx, msgs, 200*time.Millisecond)
		if err != nil || !interrupted {
			t.Fatalf("PlayIteratively = %v, %v; want interrupted", interrupted, err)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 3*time.Second {
			t.Errorf("interrupted after %v, want 200ms", d)
		}
		want := []string{"Thanks for waiting.", "You are next."}
		if got := systemMessages(ts, p.ContactID); !slices.Equal(got, want) {
			t.Errorf("posted %q, want %q (text and SSML once each, audio and empty text skipped)", got, want)
		}
		if _, err := fp.PlayIteratively(ctx, msgs, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if got := systemMessages(ts, p.ContactID); len(got) != 4 {
			t.Errorf("after a second pass posted %q, want the messages twice", got)
		}
	})
	t.Run("audio only is a silent pass", func(t *testing.T) {
		ts, p, _, fp := setup(t)
		start := time.Now()
		interrupted, err := fp.PlayIteratively(ctx, msgs[1:2], 100*time.Millisecond)
		if err != nil || !interrupted || time.Since(start) < 100*time.Millisecond {
			t.Fatalf("PlayIteratively = %v, %v after %v", interrupted, err, time.Since(start))
		}
		if got := systemMessages(ts, p.ContactID); len(got) != 0 {
			t.Errorf("posted %q", got)
		}
	})
	t.Run("no interrupt timer: once, then until the contact leaves the queue", func(t *testing.T) {
		ts, p, _, fp := setup(t)
		cctx, ccancel := context.WithCancel(ctx)
		go func() {
			checkFor(t, 2*time.Second, "the messages", func() bool { return len(systemMessages(ts, p.ContactID)) == 2 })
			time.Sleep(100 * time.Millisecond)
			ccancel()
		}()
		interrupted, err := fp.PlayIteratively(cctx, msgs, 0)
		if interrupted || !errors.Is(err, context.Canceled) {
			t.Fatalf("PlayIteratively = %v, %v; want false, context.Canceled", interrupted, err)
		}
		if got := systemMessages(ts, p.ContactID); len(got) != 2 {
			t.Errorf("posted %q, want each message once", got)
		}
	})
	t.Run("cancelled while waiting for the timer", func(t *testing.T) {
		_, _, _, fp := setup(t)
		cctx, ccancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, ccancel)
		start := time.Now()
		interrupted, err := fp.PlayIteratively(cctx, msgs, time.Minute)
		if interrupted || !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
			t.Fatalf("PlayIteratively = %v, %v after %v", interrupted, err, time.Since(start))
		}
	})
	t.Run("cancelled before: nothing posted", func(t *testing.T) {
		ts, p, _, fp := setup(t)
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if interrupted, err := fp.PlayIteratively(cctx, msgs, time.Second); interrupted || !errors.Is(err, context.Canceled) {
			t.Fatalf("PlayIteratively = %v, %v", interrupted, err)
		}
		if got := systemMessages(ts, p.ContactID); len(got) != 0 {
			t.Errorf("posted %q", got)
		}
	})
	t.Run("the customer leaving", func(t *testing.T) {
		ts, _, tok, fp := setup(t)
		time.AfterFunc(50*time.Millisecond, func() { ts.post("/participant/disconnect", tok, nil) })
		interrupted, err := fp.PlayIteratively(ctx, msgs, time.Minute)
		if interrupted || !errors.Is(err, engine.ErrParticipantNotFound) {
			t.Fatalf("PlayIteratively = %v, %v; want ErrParticipantNotFound", interrupted, err)
		}
		if _, err := fp.PlayIteratively(ctx, msgs, time.Minute); !errors.Is(err, engine.ErrParticipantNotFound) {
			t.Fatalf("after the end: %v, want ErrParticipantNotFound", err)
		}
	})
}

// TestQueueFlowLoopsOverChat runs a customer queue flow's loop with the
// engine: the message goes out once per interrupt period, the
// MessagesInterrupted branch loops back, and EndFlowExecution ends the run.
func TestQueueFlowLoopsOverChat(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2 s: the interrupt timer counts whole seconds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ts := newTestServer(t, Config{})
	p := ts.start()
	f, err := flow.Parse([]byte(`{"Version":"2019-10-30","StartAction":"loop","Actions":[
	 {"Identifier":"loop","Type":"MessageParticipantIteratively","Parameters":{"Messages":[{"Text":"Your call matters, $.Attributes.name."}],"InterruptFrequencySeconds":"1"},
	  "Transitions":{"NextAction":"end","Conditions":[{"NextAction":"count","Condition":{"Operator":"Equals","Operands":["MessagesInterrupted"]}}],
	   "Errors":[{"NextAction":"end","ErrorType":"NoMatchingError"}]}},
	 {"Identifier":"count","Type":"Loop","Parameters":{"LoopCount":"1"},"Transitions":{"Conditions":[
	   {"NextAction":"loop","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},
	   {"NextAction":"end","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]}},
	 {"Identifier":"end","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := ts.svc.FlowParticipant(ctx, p.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	c := engine.NewContact(p.ContactID, core.ChannelChat)
	c.Attributes["name"] = "Pat"
	start := time.Now()
	res, err := engine.New(engine.Env{Resources: &engine.Memory{}, Logger: testLogger(t)}).Run(ctx, f, c, fp)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome.Type != engine.OutcomeEndFlow {
		t.Errorf("outcome %+v, want EndFlow", res.Outcome)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("two passes took %v, want 2 interrupt periods of 1 s", d)
	}
	want := []string{"Your call matters, Pat.", "Your call matters, Pat."}
	if got := systemMessages(ts, p.ContactID); !slices.Equal(got, want) {
		t.Errorf("posted %q, want %q", got, want)
	}
}
