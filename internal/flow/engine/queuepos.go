package engine

import (
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
)

// Live $.Queue values: where the contact running the flow waits in its
// working queue, asked of Metrics (when it implements ContactQueueMetrics)
// each time a flow reads them, so a customer queue flow that loops sees
// them change. Amazon Connect has no such values.
const (
	// QueuePositionInQueue ($.Queue.PositionInQueue) is the contact's
	// place in line: 1 is next.
	QueuePositionInQueue = "PositionInQueue"
	// QueueEstimatedWaitTime ($.Queue.EstimatedWaitTime) is the estimated
	// wait in whole seconds, rounded up; 0 when there is no estimate yet.
	QueueEstimatedWaitTime = "EstimatedWaitTime"
	// QueueEstimatedWaitMinutes ($.Queue.EstimatedWaitMinutes) is the same
	// in whole minutes, rounded up; 0 when there is no estimate yet.
	QueueEstimatedWaitMinutes = "EstimatedWaitMinutes"
)

// lookup is Contact.Lookup plus the live $.Queue values. They resolve to
// nothing when the contact has no working queue, the Metrics cannot tell,
// or the contact is not waiting in that queue.
func (r *run) lookup(p jsonpath.Path) (any, bool) {
	if p.Len() == 2 && p.Root() == "Queue" && r.c.Queue != nil {
		if seg := p.Segment(1); !seg.IsIndex {
			switch seg.Key {
			case QueuePositionInQueue, QueueEstimatedWaitTime, QueueEstimatedWaitMinutes:
				return r.queuePosition(seg.Key)
			}
		}
	}
	return r.c.Lookup(p)
}

// queuePosition returns one live $.Queue value.
func (r *run) queuePosition(key string) (any, bool) {
	m, ok := r.e.env.Metrics.(ContactQueueMetrics)
	if !ok {
		return nil, false
	}
	t := r.c.Queue
	q := MetricsQuery{Queue: t.Queue, Channel: r.c.Channel}
	if t.Agent != nil {
		q.AgentID = t.Agent.ID
	}
	pos, ok, err := m.ContactPosition(r.ctx, q, r.c.ContactID)
	if err != nil {
		r.e.log.LogAttrs(r.ctx, slog.LevelWarn, "queue position",
			slog.String("contact_id", r.c.ContactID), slog.String("flow", r.fr.name), slog.Any("err", err))
		return nil, false
	}
	if !ok {
		return nil, false
	}
	switch key {
	case QueuePositionInQueue:
		return pos.Position, true
	case QueueEstimatedWaitTime:
		return ceilUnits(pos, time.Second), true
	default:
		return ceilUnits(pos, time.Minute), true
	}
}

// ceilUnits is the estimated wait in whole units, rounded up: at least 1
// when there is an estimate, 0 when there is none.
func ceilUnits(p QueuePosition, unit time.Duration) int64 {
	if !p.EstimateKnown {
		return 0
	}
	n := int64(p.EstimatedWait / unit)
	if p.EstimatedWait%unit != 0 || n == 0 {
		n++
	}
	return n
}
