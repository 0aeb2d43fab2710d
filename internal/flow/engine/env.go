package engine

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/function"
)

// Env is what the engine needs from the rest of Switchboard. Only Resources
// is required; every other field has a default or, for a missing backend,
// sends the actions that need it down their error branch.
type Env struct {
	// Resources finds queues, flows, prompts, functions, hours, bots and
	// agents by reference.
	Resources Resources
	// Functions calls InvokeLambdaFunction endpoints; *function.Invoker
	// implements it. Nil: the action takes its error branch.
	Functions FunctionInvoker
	// Metrics answers CheckMetricData, GetMetricData and the queue
	// capacity check of TransferContactToQueue. Nil: metrics actions take
	// their error branch and queues are never at capacity.
	Metrics Metrics
	// Clock gives the time for CheckHoursOfOperation; the system clock if nil.
	Clock Clock
	// Rand draws DistributeByPercentage's number; math/rand/v2 if nil.
	Rand Rand
	// Logger receives flow logs (when a flow enables them) and warnings;
	// slog.Default() if nil.
	Logger *slog.Logger
	// Limits bound a run; zero fields take DefaultLimits' values.
	Limits Limits
}

// Limits keep a bad flow from running forever.
type Limits struct {
	// MaxSteps bounds the actions run for one contact.
	MaxSteps int
	// MaxSilentSteps bounds the actions run in a row without talking to the
	// participant (playing, asking, waiting): a flow that loops over
	// Compare and attribute updates is stopped long before MaxSteps.
	MaxSilentSteps int
	// MaxFlowTransfers bounds TransferToFlow per contact.
	MaxFlowTransfers int
	// MaxModuleDepth bounds modules invoked from modules.
	MaxModuleDepth int
}

// DefaultLimits are the limits used where Env.Limits leaves a zero.
var DefaultLimits = Limits{MaxSteps: 10000, MaxSilentSteps: 2000, MaxFlowTransfers: 50, MaxModuleDepth: 10}

func (l Limits) withDefaults() Limits {
	if l.MaxSteps <= 0 {
		l.MaxSteps = DefaultLimits.MaxSteps
	}
	if l.MaxSilentSteps <= 0 {
		l.MaxSilentSteps = DefaultLimits.MaxSilentSteps
	}
	if l.MaxFlowTransfers <= 0 {
		l.MaxFlowTransfers = DefaultLimits.MaxFlowTransfers
	}
	if l.MaxModuleDepth <= 0 {
		l.MaxModuleDepth = DefaultLimits.MaxModuleDepth
	}
	return l
}

// Ref is a reference to a resource as a flow writes it: Value is the
// parameter's value once any JSONPath is resolved (an ID, an ARN, a name, or
// an unbound export placeholder such as "${QueueArn}"), Name the display
// name the editor recorded for it in the flow's Metadata ("" if none).
//
// Resources resolve a Ref by ID, by the last segment of an ARN
// (arn:aws:connect:...:instance/X/queue/Y is queue Y; a Lambda ARN's function
// name), and by name, trying Value and then Name.
type Ref struct {
	Value string
	Name  string
}

func (r Ref) String() string {
	if r.Name != "" && r.Name != r.Value {
		return r.Value + " (" + r.Name + ")"
	}
	return r.Value
}

// Resources finds the resources flows refer to. Each method returns an
// error wrapping ErrNotFound when the reference names nothing.
type Resources interface {
	Queue(ctx context.Context, ref Ref) (*core.Queue, error)
	// Flow returns a flow to transfer to (TransferToFlow, event hooks).
	Flow(ctx context.Context, ref Ref) (*LoadedFlow, error)
	// Module returns a flow module (InvokeFlowModule).
	Module(ctx context.Context, ref Ref) (*LoadedFlow, error)
	Prompt(ctx context.Context, ref Ref) (*core.Prompt, error)
	Function(ctx context.Context, ref Ref) (*core.Function, error)
	Hours(ctx context.Context, ref Ref) (*core.HoursOfOperation, error)
	Bot(ctx context.Context, ref Ref) (Bot, error)
	// Agent returns the agent of an agent queue (AgentId parameters).
	Agent(ctx context.Context, ref Ref) (*core.User, error)
}

// LoadedFlow is a parsed flow with its identity.
type LoadedFlow struct {
	ID, Name string
	Flow     *flow.Flow
}

// FunctionInvoker calls a function; *function.Invoker implements it.
type FunctionInvoker interface {
	Invoke(ctx context.Context, fn core.Function, event function.Event, opts function.InvokeOptions) (function.Result, error)
}

var _ FunctionInvoker = (*function.Invoker)(nil)

// MetricsQuery selects what Metrics reports on: a queue, or an agent's
// queue, and optionally one channel.
type MetricsQuery struct {
	Queue   *core.Queue // nil for an agent queue
	AgentID string
	// Channel is VOICE, CHAT or TASK; "" for all.
	Channel string
}

// QueueMetrics are a queue's real-time figures.
type QueueMetrics struct {
	ContactsInQueue  int
	OldestContactAge time.Duration
	AgentsOnline     int
	AgentsAvailable  int
	AgentsStaffed    int
	AgentsAfterWork  int
	AgentsBusy       int
	AgentsMissed     int
	AgentsOther      int // in a custom unavailable status
}

// Metrics is the routing layer's view of its queues.
type Metrics interface {
	QueueMetrics(ctx context.Context, q MetricsQuery) (QueueMetrics, error)
	// AtCapacity reports whether q takes no more contacts
	// (TransferContactToQueue's QueueAtCapacity branch).
	AtCapacity(ctx context.Context, q *core.Queue) (bool, error)
}

// QueuePosition is where one contact waits in its queue.
type QueuePosition struct {
	// Position is the contact's place among the contacts waiting in its
	// queue on its channel, in the order they are served: 1 is next. A
	// contact being offered to an agent is at 1.
	Position int
	// EstimatedWait is how long the contact may still wait; it means
	// something only when EstimateKnown is true (there is no estimate
	// before the queue has answered a contact, or while no agent is
	// staffed for it).
	EstimatedWait time.Duration
	EstimateKnown bool
}

// ContactQueueMetrics is an optional interface of Metrics: the position
// and estimated wait of one queued contact, for $.Queue.PositionInQueue,
// $.Queue.EstimatedWaitTime and $.Queue.EstimatedWaitMinutes. ok is false
// when the contact is not waiting in the queue q names (q.Channel, if set,
// must be the contact's channel too). The engine calls it each time a flow
// reads one of those values, so it must be cheap.
type ContactQueueMetrics interface {
	ContactPosition(ctx context.Context, q MetricsQuery, contactID string) (pos QueuePosition, ok bool, err error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Rand draws random numbers; *rand.Rand from math/rand/v2 implements it.
type Rand interface{ IntN(n int) int }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

type globalRand struct{}

func (globalRand) IntN(n int) int { return rand.IntN(n) }

// FixedClock is a Clock that always says T; tests use it.
type FixedClock struct{ T time.Time }

// Now returns T.
func (c FixedClock) Now() time.Time { return c.T }
