package function

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// newMetrics returns the latency histogram, registered with reg if it is
// not nil. The outcome label is "ok" or the Kind of the failure; function
// names are left out on purpose, as every instance brings its own.
func newMetrics(reg prometheus.Registerer, log *slog.Logger) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_function_invoke_seconds",
		Help:    "Time to invoke a flow function (InvokeLambdaFunction), by outcome (ok or the failure kind).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 4, 8},
	}, []string{"outcome"})
	if reg == nil {
		return h
	}
	if err := reg.Register(h); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.HistogramVec); ok {
				return existing
			}
		}
		// Invocations work without metrics; do not fail for them.
		log.Warn("function: cannot register metric", "err", err)
	}
	return h
}
