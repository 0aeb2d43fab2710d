package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/function"
)

// flowRunOptions are the flags of `switchboard flow run`.
type flowRunOptions struct {
	channel   string
	inputs    []string
	attrs     []string
	functions []string
	from, to  string
	asJSON    bool
}

func newFlowRunCmd() *cobra.Command {
	var o flowRunOptions
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a flow in the terminal, without a server",
		Long: `Run a flow export (current or old format; "-" reads standard input) as one contact,
without a server, and print the conversation and how the contact left the flow:

  bot: Thanks for calling. Press 1 for sales.
  caller: 1
  outcome: TransferToQueue queue "Sales" (flow "main", action "transfer")

Each --input answers one request for input, in order: a DTMF string on VOICE (a menu
takes its first key), a text message on CHAT, an utterance for a bot. "(timeout)" or
"" stands for no answer; when the inputs run out, every request times out. An input
named after a Wait event ("CustomerReturned") ends a Wait that awaits it. Without
--input, on a terminal, the command asks for each input instead (an empty line is a
timeout).

Resources are not looked up anywhere: every queue, flow, module, prompt, hours of
operation, bot and agent the flow refers to resolves to a stand-in named after the
reference (queues are open around the clock and never full, transferred-to flows
end at once, bots take the utterance as the intent). Functions are called only when
bound with --function NAME=URL, NAME being the function's name in a Lambda ARN or
its display name in the export; they may be on localhost. Unbound functions take
the action's error branch.

With --json the command prints exactly one JSON object:
{"messages":[...],"steps":[...],"attributes":{...},"outcome":{...}}.
The exit status is 1 when the run ends in error (a step limit, a missing action).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFlowFile(cmd, args[0], o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.channel, "channel", engine.ChannelVoice, "channel of the contact: VOICE or CHAT")
	fs.StringArrayVar(&o.inputs, "input", nil, "an answer to the next input request (repeatable, in order)")
	fs.StringArrayVar(&o.attrs, "attr", nil, "K=V: a contact attribute set before the flow starts (repeatable)")
	fs.StringArrayVar(&o.functions, "function", nil, "NAME=URL: call URL for the Lambda function NAME (repeatable)")
	fs.StringVar(&o.from, "from", "+15550100", "the customer's number ($.CustomerEndpoint.Address)")
	fs.StringVar(&o.to, "to", "+15550199", "the number dialled ($.SystemEndpoint.Address)")
	fs.BoolVar(&o.asJSON, "json", false, "print the run as one JSON object")
	return cmd
}

// flowRunJSON is the --json output.
type flowRunJSON struct {
	Messages   []flowRunMessage  `json:"messages"`
	Steps      []flowRunStep     `json:"steps"`
	Attributes map[string]string `json:"attributes"`
	Outcome    flowRunOutcome    `json:"outcome"`
	// Stubbed lists the references that resolved to stand-ins.
	Stubbed []string `json:"stubbed,omitempty"`
}

type flowRunMessage struct {
	Role string `json:"role"` // bot or caller
	Kind string `json:"kind"`
	Text string `json:"text"`
}

type flowRunStep struct {
	Flow       string `json:"flow"`
	Identifier string `json:"identifier"`
	Type       string `json:"type"`
	Branch     string `json:"branch"`
	Result     string `json:"result,omitempty"`
}

type flowRunOutcome struct {
	Type        string `json:"type"`
	Flow        string `json:"flow"`
	Action      string `json:"action,omitempty"`
	Queue       string `json:"queue,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Error       string `json:"error,omitempty"`
}

func runFlowFile(cmd *cobra.Command, path string, o flowRunOptions) error {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("flow run: %w", err)
	}
	f, err := flow.Parse(data)
	if err != nil {
		return fmt.Errorf("flow run: %s: %w", path, err)
	}
	name := strings.TrimSpace(f.Metadata.Name)
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if problems := flow.Validate(f, name).Errors(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", path, p.Error())
		}
		return fmt.Errorf("flow run: %s has %d errors; see switchboard flow validate", path, len(problems))
	}

	channel := strings.ToUpper(strings.TrimSpace(o.channel))
	if channel != engine.ChannelVoice && channel != engine.ChannelChat {
		return fmt.Errorf("flow run: --channel must be VOICE or CHAT, not %q", o.channel)
	}
	c := engine.NewContact(uuid.NewString(), channel)
	c.InstanceID = "local"
	c.InstanceARN = "arn:aws:connect:local:000000000000:instance/local"
	c.AwsRegion = "local"
	c.Voice.Language = "en-US"
	endpointType := "TELEPHONE_NUMBER"
	if channel == engine.ChannelChat {
		endpointType = "CHAT"
	}
	c.CustomerEndpoint = &engine.Endpoint{Address: o.from, Type: endpointType}
	c.SystemEndpoint = &engine.Endpoint{Address: o.to, Type: endpointType}
	for _, kv := range o.attrs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("flow run: --attr %q: want KEY=VALUE", kv)
		}
		c.Attributes[k] = v
	}

	mem := &engine.Memory{StubResources: true}
	for _, nu := range o.functions {
		n, u, ok := strings.Cut(nu, "=")
		if !ok || strings.TrimSpace(n) == "" || strings.TrimSpace(u) == "" {
			return fmt.Errorf("flow run: --function %q: want NAME=URL", nu)
		}
		fn := core.Function{Name: strings.TrimSpace(n), URL: strings.TrimSpace(u), TimeoutSeconds: 8, Internal: true}
		fn.Normalize()
		if err := fn.Validate(); err != nil {
			return fmt.Errorf("flow run: --function %q: %w", nu, err)
		}
		mem.AddFunction(fn)
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	inv := function.New(function.Options{Logger: log})
	defer inv.Close()
	e := engine.New(engine.Env{Resources: mem, Functions: inv, Metrics: &engine.MemoryMetrics{}, Logger: log})

	out := cmd.OutOrStdout()
	var p engine.Participant
	live := false
	if len(o.inputs) == 0 && !o.asJSON && isTerminal(cmd.InOrStdin()) {
		p = newTerminalParticipant(cmd.InOrStdin(), out, channel)
		live = true
	} else {
		p = engine.NewScript(o.inputs...)
	}

	res, runErr := e.RunLoaded(cmd.Context(), &engine.LoadedFlow{ID: name, Name: name, Flow: f}, c, p)
	if o.asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(flowRunResult(res, mem.Stubbed())); err != nil {
			return fmt.Errorf("flow run: %w", err)
		}
	} else {
		if !live {
			for _, m := range res.Messages {
				fmt.Fprintf(out, "%s: %s\n", m.Role, m.Text)
			}
		}
		fmt.Fprintln(out, describeOutcome(res.Outcome))
		if stubs := mem.Stubbed(); len(stubs) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: stand-ins used for %s\n", strings.Join(stubs, ", "))
		}
	}
	if runErr != nil {
		return fmt.Errorf("flow run: %w", runErr)
	}
	return nil
}

func flowRunResult(res *engine.Result, stubbed []string) flowRunJSON {
	j := flowRunJSON{
		Messages:   []flowRunMessage{},
		Steps:      []flowRunStep{},
		Attributes: maps.Clone(res.Contact.Attributes),
		Stubbed:    stubbed,
	}
	for _, m := range res.Messages {
		j.Messages = append(j.Messages, flowRunMessage{Role: m.Role, Kind: m.Kind, Text: m.Text})
	}
	for _, s := range res.Steps {
		j.Steps = append(j.Steps, flowRunStep{Flow: s.Flow, Identifier: s.Identifier, Type: s.Type, Branch: s.Branch, Result: s.Result})
	}
	o := res.Outcome
	j.Outcome = flowRunOutcome{Type: string(o.Type), Flow: o.Flow, Action: o.Action, Reason: o.Reason}
	if o.Queue != nil {
		j.Outcome.Queue = o.Queue.Name
	}
	if o.ThirdParty != nil {
		j.Outcome.PhoneNumber = o.ThirdParty.PhoneNumber
	}
	if o.Err != nil {
		j.Outcome.Error = o.Err.Error()
	}
	return j
}

// describeOutcome is the last line of the text output.
func describeOutcome(o engine.Outcome) string {
	var b strings.Builder
	b.WriteString("outcome: ")
	b.WriteString(string(o.Type))
	switch {
	case o.Queue != nil:
		fmt.Fprintf(&b, " queue %q", o.Queue.Name)
	case o.ThirdParty != nil:
		fmt.Fprintf(&b, " %s", o.ThirdParty.PhoneNumber)
		if o.ThirdParty.ContinueFlow {
			b.WriteString(" (the flow continues after the call)")
		}
	}
	fmt.Fprintf(&b, " (flow %q", o.Flow)
	if o.Action != "" {
		fmt.Fprintf(&b, ", action %q", o.Action)
	}
	b.WriteString(")")
	if o.Reason != "" {
		b.WriteString(": " + o.Reason)
	}
	if o.Err != nil {
		b.WriteString(": " + o.Err.Error())
	}
	return b.String()
}

// isTerminal reports whether r is a character device (a terminal).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalParticipant plays messages by printing them and asks for input
// on the terminal, one line per input; an empty line or the end of input
// is a timeout.
type terminalParticipant struct {
	mu      sync.Mutex
	in      *bufio.Scanner
	out     io.Writer
	channel string
	eof     bool
}

func newTerminalParticipant(in io.Reader, out io.Writer, channel string) *terminalParticipant {
	return &terminalParticipant{in: bufio.NewScanner(in), out: out, channel: channel}
}

func (t *terminalParticipant) Play(ctx context.Context, msg engine.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "bot: %s\n", msg)
	return nil
}

func (t *terminalParticipant) Input(ctx context.Context, req engine.InputRequest) (string, error) {
	if req.Prompt != nil {
		if err := t.Play(ctx, *req.Prompt); err != nil {
			return "", err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	hint := "text"
	switch {
	case req.Kind == engine.InputUtterance:
		hint = "say something"
	case t.channel == engine.ChannelVoice && req.Kind == engine.InputMenu:
		hint = "one key"
	case t.channel == engine.ChannelVoice:
		hint = "digits"
	}
	fmt.Fprintf(t.out, "caller (%s; empty for no input)> ", hint)
	line, ok := t.readLine(ctx)
	if !ok || strings.TrimSpace(line) == "" {
		if !ok {
			fmt.Fprintln(t.out)
		}
		return "", engine.ErrInputTimeout
	}
	return strings.TrimSpace(line), nil
}

// readLine reads a line unless ctx ends first. The scanner keeps running in
// its goroutine if ctx ends; the process is about to exit then.
func (t *terminalParticipant) readLine(ctx context.Context) (string, bool) {
	if t.eof {
		return "", false
	}
	type line struct {
		s  string
		ok bool
	}
	ch := make(chan line, 1)
	go func() {
		ok := t.in.Scan()
		ch <- line{t.in.Text(), ok}
	}()
	select {
	case l := <-ch:
		if !l.ok {
			t.eof = true
		}
		return l.s, l.ok
	case <-ctx.Done():
		return "", false
	}
}

func (t *terminalParticipant) Wait(ctx context.Context, req engine.WaitRequest) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if len(req.Events) == 0 {
		return "", nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "wait (%s; type one of %s, or empty to let the wait complete)> ", req.Timeout, strings.Join(req.Events, ", "))
	line, ok := t.readLine(ctx)
	line = strings.TrimSpace(line)
	if ok {
		for _, e := range req.Events {
			if strings.EqualFold(line, e) {
				return e, nil
			}
		}
	}
	return "", nil
}
