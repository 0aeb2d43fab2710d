package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
)

// newFlowCmd groups the commands that work on flows in the Amazon Connect
// flow language: validate works on files alone; import and export talk to a
// running server's API.
func newFlowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flow",
		Short: "Validate, import, export and run flows (the Amazon Connect flow language)",
	}
	cmd.AddCommand(newFlowValidateCmd(), newFlowImportCmd(), newFlowExportCmd(), newFlowRunCmd())
	return cmd
}

func newFlowValidateCmd() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check flow exports (current or old format) and print every problem",
		Long: `Parse and validate each file, a flow as Amazon Connect exports it ("-" reads standard
input), and print each problem as

  FILE: flow "NAME": action "ID" (TYPE): parameter "P": message

Warnings are printed with "warning:" after the file name. The exit status is 1 when
any file has an error. Placeholders and ARNs in resource parameters are not errors:
import binds them to local resources.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			var errs, warns int
			for _, path := range args {
				e, w := validateFile(out, cmd.InOrStdin(), path, quiet)
				errs += e
				warns += w
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s, %s\n", plural(len(args), "file"), plural(errs, "error"), plural(warns, "warning"))
			if errs > 0 {
				return exitError(1)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print errors only, not warnings")
	return cmd
}

// validateFile prints the problems of one file and counts them.
func validateFile(out io.Writer, stdin io.Reader, path string, quiet bool) (errs, warns int) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		fmt.Fprintf(out, "%s: %v\n", path, err)
		return 1, 0
	}
	f, err := flow.Parse(data)
	if err != nil {
		fmt.Fprintf(out, "%s: %v\n", path, err)
		return 1, 0
	}
	for _, p := range flow.Validate(f, flowName(f, path)) {
		if p.Severity == flow.SeverityError {
			errs++
			fmt.Fprintf(out, "%s: %s\n", path, p.Error())
			continue
		}
		warns++
		if !quiet {
			fmt.Fprintf(out, "%s: warning: %s\n", path, p.Error())
		}
	}
	return errs, warns
}

// flowName is the name the export gives the flow, or else the file's name.
func flowName(f *flow.Flow, path string) string {
	if n := strings.TrimSpace(f.Metadata.Name); n != "" {
		return n
	}
	if path == "-" {
		return "stdin"
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// ---- talking to a server ----

// remote holds the flags that reach a server's API.
type remote struct {
	server, token, data, instance string
}

func (r *remote) bind(fs *pflag.FlagSet) {
	server := os.Getenv(config.EnvName("server"))
	if server == "" {
		server = "http://" + config.Default().HTTPAddr
	}
	data := os.Getenv(config.EnvName("data"))
	if data == "" {
		data = config.Default().DataDir
	}
	fs.StringVar(&r.server, "server", server, "base URL of the Switchboard server (env "+config.EnvName("server")+")")
	fs.StringVar(&r.token, "token", "", "API key; default: env "+config.EnvName("token")+", then "+
		config.EnvName("admin-token")+", then the admin.token file in --data")
	fs.StringVar(&r.data, "data", data, "data directory of a local server, to read its admin.token")
	fs.StringVar(&r.instance, "instance", "", "instance ID or alias (required)")
}

// client checks the flags and returns an API client.
func (r *remote) client() (*apiClient, error) {
	if r.instance == "" {
		return nil, errors.New(`required flag "instance" not set`)
	}
	u, err := url.Parse(r.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want an http:// or https:// URL", r.server)
	}
	tok := r.token
	for _, env := range []string{config.EnvName("token"), config.EnvName("admin-token")} {
		if tok == "" {
			tok = os.Getenv(env)
		}
	}
	if tok == "" {
		b, err := os.ReadFile(filepath.Join(r.data, "admin.token"))
		if err != nil {
			return nil, fmt.Errorf("no API key: pass --token, set %s, or point --data at the server's data directory (%v)",
				config.EnvName("token"), err)
		}
		tok = strings.TrimSpace(string(b))
	}
	return &apiClient{base: strings.TrimRight(r.server, "/"), token: tok, http: &http.Client{Timeout: time.Minute}}, nil
}

// apiClient calls the native REST API.
type apiClient struct {
	base, token string
	http        *http.Client
}

// problemError is an API error response.
type problemError struct {
	method, path string
	api.Problem
}

func (e *problemError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.method, e.path, e.Status, e.Code)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// do sends body (nil, or a value to encode as JSON) and decodes the answer
// into out: a *[]byte takes the raw body.
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s (is switchboard serve running? see --server): %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		pe := &problemError{method: method, path: path}
		if json.Unmarshal(b, &pe.Problem) != nil || pe.Status == 0 {
			pe.Status, pe.Code, pe.Detail = resp.StatusCode, "http_error", strings.TrimSpace(string(b))
		}
		return pe
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = b
		return nil
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
		}
	}
	return nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// instanceID resolves an instance ID or alias.
func (c *apiClient) instanceID(ctx context.Context, ref string) (string, error) {
	if uuidRE.MatchString(ref) {
		return ref, nil
	}
	var list api.ListResponse[core.Instance]
	if err := c.do(ctx, "GET", "/api/v1/instances?name="+url.QueryEscape(ref), nil, &list); err != nil {
		return "", err
	}
	for _, in := range list.Items { // an instance key lists its own instance whatever the name
		if in.Alias == ref {
			return in.ID, nil
		}
	}
	return "", fmt.Errorf("no instance with the alias %q", ref)
}

// flowID resolves a flow ID or name in an instance.
func (c *apiClient) flowID(ctx context.Context, inst, ref string) (string, error) {
	if uuidRE.MatchString(ref) {
		return ref, nil
	}
	var list api.ListResponse[core.Flow]
	if err := c.do(ctx, "GET", "/api/v1/instances/"+inst+"/flows?name="+url.QueryEscape(ref), nil, &list); err != nil {
		return "", err
	}
	if len(list.Items) == 0 {
		return "", fmt.Errorf("no flow named %q in the instance", ref)
	}
	return list.Items[0].ID, nil
}

// ---- import ----

func newFlowImportCmd() *cobra.Command {
	var (
		r        remote
		in       api.FlowImport
		bindings []string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE --instance ID|ALIAS",
		Short: "Import a flow export into an instance of a running server, binding its resources",
		Long: `Send a flow as Amazon Connect exports it (current or old format; "-" reads standard input)
to a running server, which validates it, binds the queues, flows, prompts and functions it
names to the instance's own (by ID, ARN, name, display name or placeholder name), stores it
and, with --publish, publishes it. References it cannot bind are reported, not fatal:
bind them with --bind, repeated, e.g.

  --bind '${SalesQueueArn}=Sales' --bind 'ENTER LAMBDA HERE=crm-lookup'

The key is what the export says (the raw value, a placeholder or its inner name, or a
display name); the value is a local resource's name or ID.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r.client()
			if err != nil {
				return err
			}
			data, err := readInput(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			if json.Valid(data) {
				in.Content = data
			} else {
				// Let the server say where the JSON is broken.
				in.Content, _ = json.Marshal(string(data))
			}
			if in.Name == "" {
				if f, err := flow.Parse(data); err == nil {
					in.Name = flowName(f, args[0])
				}
			}
			for _, b := range bindings {
				k, v, ok := strings.Cut(b, "=")
				if !ok || k == "" || v == "" {
					return fmt.Errorf("--bind %q: want RAW=LOCAL", b)
				}
				if in.Bindings == nil {
					in.Bindings = map[string]string{}
				}
				in.Bindings[k] = v
			}
			ctx := cmd.Context()
			inst, err := c.instanceID(ctx, r.instance)
			if err != nil {
				return err
			}
			var raw []byte
			if err := c.do(ctx, "POST", "/api/v1/instances/"+inst+"/flows:import", &in, &raw); err != nil {
				return err
			}
			if asJSON {
				_, err := cmd.OutOrStdout().Write(raw)
				return err
			}
			var res api.FlowImportResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return fmt.Errorf("unexpected answer: %w", err)
			}
			printImport(cmd.OutOrStdout(), &res)
			return nil
		},
	}
	fs := cmd.Flags()
	r.bind(fs)
	fs.StringVar(&in.Name, "name", "", "name of the new flow (default: the export's name, else the file name)")
	fs.StringVar(&in.Description, "description", "", "description of the new flow")
	fs.StringVar(&in.Type, "type", "", "flow type, e.g. CONTACT_FLOW or CUSTOMER_QUEUE (default: what the export says)")
	fs.BoolVar(&in.Publish, "publish", false, "publish the flow once imported")
	fs.BoolVar(&in.Replace, "replace", false, "replace the draft of an existing flow of the same name")
	fs.StringArrayVar(&bindings, "bind", nil, "RAW=LOCAL: bind what the export says to a local resource name or ID (repeatable)")
	fs.BoolVar(&asJSON, "json", false, "print the server's answer as JSON")
	return cmd
}

func readInput(stdin io.Reader, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

// printImport prints the flow imported and the binding report.
func printImport(w io.Writer, res *api.FlowImportResult) {
	f := res.Flow
	verb := "imported"
	if res.Replaced {
		verb = "replaced the draft of"
	}
	fmt.Fprintf(w, "%s %q, flow %s (%s, %s format)", verb, f.Name, f.ID, f.Type, res.Format)
	if f.PublishedVersion > 0 {
		fmt.Fprintf(w, "; published version %d", f.PublishedVersion)
	}
	fmt.Fprintln(w)
	rep := res.Binding
	if rep == nil {
		return
	}
	total := len(rep.Bound) + len(rep.Unbound) + len(rep.Dynamic)
	fmt.Fprintf(w, "references: %d, bound %d, chosen at run time %d, unbound %d\n", total, len(rep.Bound), len(rep.Dynamic), len(rep.Unbound))
	for _, b := range rep.Bound {
		to := fmt.Sprintf("%q", b.To)
		if b.Kind != "" {
			to = fmt.Sprintf("%s %q (%s)", b.Kind, b.ToName, b.To)
		}
		fmt.Fprintf(w, "  bound    action %q (%s) %s: %q -> %s by %s\n", b.Action, b.ActionType, b.Parameter, b.From, to, b.By)
	}
	for _, u := range rep.Unbound {
		fmt.Fprintf(w, "  UNBOUND  action %q (%s) %s: %q: %s\n", u.Action, u.ActionType, u.Parameter, u.Value, u.Reason)
	}
	if len(rep.Unbound) > 0 {
		fmt.Fprintln(w, "  bind them with --bind 'VALUE=LOCAL-NAME-OR-ID' and import again with --replace")
	}
	for _, k := range rep.UnusedBindings {
		fmt.Fprintf(w, "  unused binding %q: it matched no reference\n", k)
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "warning: %s: %s\n", warn.Field, warn.Message)
	}
}

// ---- export ----

func newFlowExportCmd() *cobra.Command {
	var (
		r       remote
		flowRef string
		version int
		output  string
	)
	cmd := &cobra.Command{
		Use:   "export --instance ID|ALIAS --flow ID|NAME",
		Short: "Print a flow of a running server as flow-language JSON",
		Long: `Print a flow's draft, or with --version one of its published versions, as flow-language
JSON (current format) that import, flow validate and Amazon Connect read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if flowRef == "" {
				return errors.New(`required flag "flow" not set`)
			}
			c, err := r.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			inst, err := c.instanceID(ctx, r.instance)
			if err != nil {
				return err
			}
			id, err := c.flowID(ctx, inst, flowRef)
			if err != nil {
				return err
			}
			path := "/api/v1/instances/" + inst + "/flows/" + id + "/export"
			if version > 0 {
				path += "?version=" + strconv.Itoa(version)
			}
			var raw []byte
			if err := c.do(ctx, "GET", path, nil, &raw); err != nil {
				return err
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, bytes.TrimSpace(raw), "", "  "); err != nil {
				return fmt.Errorf("unexpected answer: %w", err)
			}
			pretty.WriteByte('\n')
			if output != "" && output != "-" {
				return os.WriteFile(output, pretty.Bytes(), 0o644)
			}
			_, err = cmd.OutOrStdout().Write(pretty.Bytes())
			return err
		},
	}
	fs := cmd.Flags()
	r.bind(fs)
	fs.StringVar(&flowRef, "flow", "", "flow ID or name (required)")
	fs.IntVar(&version, "version", 0, "a published version (default: the draft)")
	fs.StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}
