package bus

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Results recorded in switchboard_bus_handled_total{result}.
const (
	resultOK      = "ok"      // handler succeeded, message acked
	resultRetry   = "retry"   // handler failed, message naked for redelivery
	resultFailed  = "failed"  // handler failed on the last allowed delivery, message terminated
	resultInvalid = "invalid" // payload could not be decoded, message terminated
)

type metrics struct {
	published     *prometheus.CounterVec
	publishErrors *prometheus.CounterVec
	publishTime   prometheus.Histogram
	handled       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_bus_published_total",
			Help: "Events published to the bus and acknowledged by JetStream.",
		}, []string{"stream"}),
		publishErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_bus_publish_errors_total",
			Help: "Events that could not be published to the bus.",
		}, []string{"stream"}),
		publishTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_bus_publish_seconds",
			Help:    "Time to publish an event, including JetStream acknowledgement and retries.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_bus_handled_total",
			Help: "Events delivered to subscribers, by result (ok, retry, failed, invalid).",
		}, []string{"stream", "result"}),
	}
	if reg == nil {
		return m
	}
	m.published = register(reg, log, m.published)
	m.publishErrors = register(reg, log, m.publishErrors)
	m.publishTime = register(reg, log, m.publishTime)
	m.handled = register(reg, log, m.handled)
	return m
}

// register registers c, or returns the collector already registered under
// the same name (several buses may share one registry, e.g. in tests).
func register[C prometheus.Collector](reg prometheus.Registerer, log *slog.Logger, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// Incompatible collector with the same name: keep ours unregistered
		// rather than fail; the bus works without these metrics.
		log.Warn("bus: cannot register metric", "err", err)
	}
	return c
}
