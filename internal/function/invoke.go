package function

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/internal/core"
)

// Bounds of an invocation's time limit, as on Connect.
const (
	MinTimeLimit = 1 * time.Second
	MaxTimeLimit = 8 * time.Second
)

// DefaultMaxResponseBytes is the default response limit: Connect's 32 KB.
const DefaultMaxResponseBytes = 32 << 10

// Options configure an Invoker. The zero value works.
type Options struct {
	// Version goes into the User-Agent, "Switchboard/<Version>"; "dev" if empty.
	Version string
	// Logger receives a Debug line per invocation and a Warn line per
	// failure; slog.Default() if nil.
	Logger *slog.Logger
	// Registerer, if set, receives switchboard_function_invoke_seconds.
	Registerer prometheus.Registerer
	// MaxResponseBytes limits the response body; DefaultMaxResponseBytes if 0.
	MaxResponseBytes int64
	// MaxIdleConnsPerHost is the idle connection pool per function host;
	// 32 if 0.
	MaxIdleConnsPerHost int
}

// InvokeOptions are the InvokeLambdaFunction action's parameters that shape
// the call.
type InvokeOptions struct {
	// TimeLimit is the action's InvocationTimeLimitSeconds. The call is
	// bounded by the smaller of it and the function's TimeoutSeconds, each
	// clamped to [MinTimeLimit, MaxTimeLimit]; 0 means the function's.
	TimeLimit time.Duration
	// ResponseType is the action's ResponseValidation.ResponseType;
	// empty (no ResponseValidation, older flows) means StringMap.
	ResponseType ResponseType
}

// Result is a successful invocation.
type Result struct {
	// External is the response object, for $.External. Never nil. With
	// StringMap every value is a string; with JSON values are string,
	// json.Number, bool, nil, []any or map[string]any.
	External map[string]any
	// StatusCode is the HTTP status, 2xx.
	StatusCode int
	// Duration is the time from sending the request to reading the body.
	Duration time.Duration
}

// Invoker calls functions. It is safe for concurrent use and meant to be
// shared: it keeps connections to function hosts open between calls.
type Invoker struct {
	public, internal *http.Client
	guard            *guard
	userAgent        string
	maxBody          int64
	log              *slog.Logger
	metrics          *prometheus.HistogramVec
	closeOnce        sync.Once
}

// New returns an Invoker. Call Close when done with it.
func New(opts Options) *Invoker {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 32
	}
	inv := &Invoker{
		guard:     &guard{},
		userAgent: "Switchboard/" + opts.Version,
		maxBody:   opts.MaxResponseBytes,
		log:       opts.Logger,
		metrics:   newMetrics(opts.Registerer, opts.Logger),
	}
	inv.public = newClient(inv.guard.control, opts.MaxIdleConnsPerHost)
	inv.internal = newClient(nil, opts.MaxIdleConnsPerHost)
	return inv
}

// newClient builds a client with its own pool. control, if set, vets each
// address before connecting.
func newClient(control func(context.Context, string, string, syscall.RawConn) error, idlePerHost int) *http.Client {
	d := &net.Dialer{Timeout: MaxTimeLimit, KeepAlive: 30 * time.Second, ControlContext: control}
	t := &http.Transport{
		Proxy:                  nil, // see the package doc: the guard must see the real address
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    idlePerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    MaxTimeLimit,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: t,
		// Redirects are not followed; the 3xx becomes a KindStatus error.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Close closes idle connections. Calls in flight are not interrupted (cancel
// their contexts for that). Safe to call more than once.
func (inv *Invoker) Close() {
	inv.closeOnce.Do(func() {
		inv.public.CloseIdleConnections()
		inv.internal.CloseIdleConnections()
	})
}

// TimeLimit returns the time limit of a call to fn with the action's limit
// (0 if the action has none): the smaller of the two, each clamped to
// [MinTimeLimit, MaxTimeLimit].
func TimeLimit(fn core.Function, action time.Duration) time.Duration {
	limit := clampLimit(time.Duration(fn.TimeoutSeconds) * time.Second)
	if action > 0 {
		limit = min(limit, clampLimit(action))
	}
	return limit
}

func clampLimit(d time.Duration) time.Duration {
	if d <= 0 {
		return MaxTimeLimit
	}
	return max(MinTimeLimit, min(d, MaxTimeLimit))
}

// Invoke calls fn with event and returns the response for $.External. Every
// failure is an *Error whose Kind tells timeout, status, bad response,
// blocked address and network failure apart; ctx's cancellation stops the
// call (KindCanceled).
func (inv *Invoker) Invoke(ctx context.Context, fn core.Function, event Event, opts InvokeOptions) (Result, error) {
	start := time.Now()
	res, err := inv.invoke(ctx, fn, event, opts)
	took := time.Since(start)
	res.Duration = took

	// Logged: the function's name and ID, never its URL (the query string
	// may hold a key), secret or signature.
	if err != nil {
		e := err.(*Error)
		inv.log.LogAttrs(ctx, slog.LevelWarn, "function invocation failed",
			slog.String("function", fn.Name), slog.String("function_id", fn.ID),
			slog.String("kind", string(e.Kind)), slog.Int("status", e.StatusCode),
			slog.Duration("took", took), slog.Any("err", err))
		inv.metrics.WithLabelValues(string(e.Kind)).Observe(took.Seconds())
		return res, err
	}
	inv.log.LogAttrs(ctx, slog.LevelDebug, "function invoked",
		slog.String("function", fn.Name), slog.String("function_id", fn.ID),
		slog.Int("status", res.StatusCode), slog.Duration("took", took))
	inv.metrics.WithLabelValues("ok").Observe(took.Seconds())
	return res, nil
}

func (inv *Invoker) invoke(ctx context.Context, fn core.Function, event Event, opts InvokeOptions) (Result, error) {
	fail := func(k Kind, err error) (Result, error) {
		return Result{}, &Error{Kind: k, Function: fn.Name, Err: err}
	}
	u, err := url.Parse(fn.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		// Not the parse error itself: it quotes the URL.
		return fail(KindConfig, errors.New("URL must be an absolute http or https URL without credentials"))
	}
	client := inv.internal
	if !fn.Internal {
		client = inv.public
		if err := inv.guard.checkURL(u); err != nil {
			return fail(KindBlocked, err)
		}
	}

	if event.Name == "" {
		event.Name = EventName
	}
	if event.Details.Parameters == nil {
		event.Details.Parameters = map[string]string{}
	}
	if event.Details.ContactData.Attributes == nil {
		event.Details.ContactData.Attributes = map[string]string{}
	}
	body, err := json.Marshal(event)
	if err != nil {
		return fail(KindConfig, fmt.Errorf("encode event: %w", err))
	}

	callCtx, cancel := context.WithTimeout(ctx, TimeLimit(fn, opts.TimeLimit))
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fail(KindConfig, errors.New("cannot build request"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", inv.userAgent)
	if fn.Secret != "" {
		ts := time.Now().Unix()
		req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
		req.Header.Set(SignatureHeader, Sign(fn.Secret, ts, body))
	}

	resp, err := client.Do(req)
	if err != nil {
		k, cause := classify(ctx, callCtx, err)
		return fail(k, cause)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Read a little so that the connection can be reused; never report it.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return Result{}, &Error{Kind: KindStatus, Function: fn.Name, StatusCode: resp.StatusCode, Err: statusCause(resp)}
	}
	if resp.ContentLength > inv.maxBody {
		return fail(KindTooLarge, fmt.Errorf("response of %d bytes exceeds the limit of %d", resp.ContentLength, inv.maxBody))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, inv.maxBody+1))
	if err != nil {
		k, cause := classify(ctx, callCtx, err)
		return fail(k, cause)
	}
	if int64(len(data)) > inv.maxBody {
		return fail(KindTooLarge, fmt.Errorf("response exceeds the limit of %d bytes", inv.maxBody))
	}
	rt := opts.ResponseType
	if rt == "" {
		rt = StringMap
	}
	ext, err := parseResponse(data, rt)
	if err != nil {
		return fail(KindInvalidResponse, err)
	}
	return Result{External: ext, StatusCode: resp.StatusCode}, nil
}

// statusCause explains a non-2xx status, for 3xx that it was a redirect.
func statusCause(resp *http.Response) error {
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return errors.New("redirects are not followed")
	}
	return nil
}

// classify maps a transport error to a Kind and a cause that is safe to
// show: net/http's *url.Error quotes the whole URL, query string included,
// so it is replaced by what it wraps.
func classify(parent, call context.Context, err error) (Kind, error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var be *blockedError
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return KindCanceled, context.Canceled
	case call.Err() != nil:
		return KindTimeout, context.DeadlineExceeded
	case errors.As(err, &be):
		return KindBlocked, be
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout, err
	}
	return KindNetwork, err
}
