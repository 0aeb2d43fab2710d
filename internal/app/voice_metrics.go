package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/internal/media"
)

// voiceMetrics are the voice channel's Prometheus figures: calls by how
// they ended, calls in progress, and the RTP counts of ended calls (late
// frames are the pacing quality the benchmarks report).
type voiceMetrics struct {
	calls   *prometheus.CounterVec // by result: answered calls by hang-up cause, or the SIP status of a refusal
	active  prometheus.Gauge
	packets *prometheus.CounterVec // by direction: sent, received
	late    prometheus.Counter
	invalid prometheus.Counter
}

func newVoiceMetrics(reg prometheus.Registerer) *voiceMetrics {
	m := &voiceMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_calls_total",
			Help: "Inbound calls by result: the hang-up cause of answered calls (bye, cancel, flow, no-ack, media-timeout, ...) or the SIP status of refused ones."},
			[]string{"result"}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "switchboard_calls_active",
			Help: "Calls in progress in this process."}),
		packets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_rtp_packets_total",
			Help: "RTP packets of ended calls, by direction (sent, received)."}, []string{"direction"}),
		late: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_rtp_frames_late_total",
			Help: "Audio frames of ended calls sent more than 10 ms after their 20 ms slot."}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_rtp_invalid_total",
			Help: "Datagrams dropped on RTP ports because they were not valid RTP for the call."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.calls, m.active, m.packets, m.late, m.invalid} {
			_ = reg.Register(c) // a second contact center in one process (tests) shares the first's
		}
	}
	return m
}

// ended adds an ended call's media figures.
func (m *voiceMetrics) ended(cause string, st media.Stats) {
	m.calls.WithLabelValues(cause).Inc()
	m.packets.WithLabelValues("sent").Add(float64(st.PacketsSent))
	m.packets.WithLabelValues("received").Add(float64(st.PacketsReceived))
	m.late.Add(float64(st.LateFrames))
	m.invalid.Add(float64(st.Invalid))
}
