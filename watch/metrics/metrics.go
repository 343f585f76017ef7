// Package metrics exposes a watchdog's state to Prometheus: served over
// HTTP by a long-running canary watch, or written in node_exporter's
// textfile format by one run from cron.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// A Target is one target's state after a round.
type Target struct {
	Name, ID  string
	Status    int       // 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
	Expires   time.Time // zero when no expiry is known
	LastCheck time.Time
	Failures  int  // checks in a row that read no canary
	Failed    bool // this check read no canary
}

// Metrics holds the gauges and counters of one watchdog.
type Metrics struct {
	reg         *prometheus.Registry
	status      *prometheus.GaugeVec
	expiry      *prometheus.GaugeVec
	lastCheck   *prometheus.GaugeVec
	failures    *prometheus.GaugeVec
	fetchErrors *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
	lastRound   prometheus.Gauge
	roundSecs   prometheus.Gauge
	targets     prometheus.Gauge

	mu   sync.Mutex
	seen map[[2]string]bool
}

// New makes the metrics, in a registry of their own.
func New() *Metrics {
	labels := []string{"target", "target_id"}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "canary_target_status",
			Help: "Status of the target's canary at the last check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (could not check)."}, labels),
		expiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "canary_target_expiry_seconds",
			Help: "Seconds until the target's current canary expires; negative once it has expired. Absent when no expiry is known."}, labels),
		lastCheck: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "canary_target_last_check_timestamp_seconds",
			Help: "Unix time of the target's last check."}, labels),
		failures: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "canary_target_consecutive_failures",
			Help: "Checks in a row that could not read the target's canary (unreachable, vanished)."}, labels),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canary_target_fetch_errors_total",
			Help: "Checks that could not read the target's canary, since this process started."}, labels),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canary_alert_delivery_failures_total",
			Help: "Alert deliveries that failed, by channel, since this process started."}, []string{"channel"}),
		lastRound: prometheus.NewGauge(prometheus.GaugeOpts{Name: "canary_watch_last_round_timestamp_seconds",
			Help: "Unix time at which the last round of checks ended."}),
		roundSecs: prometheus.NewGauge(prometheus.GaugeOpts{Name: "canary_watch_round_duration_seconds",
			Help: "How long the last round of checks took."}),
		targets: prometheus.NewGauge(prometheus.GaugeOpts{Name: "canary_watch_targets",
			Help: "Targets checked in the last round."}),
		seen: map[[2]string]bool{},
	}
	m.reg.MustRegister(m.status, m.expiry, m.lastCheck, m.failures, m.fetchErrors, m.deliveries, m.lastRound, m.roundSecs, m.targets)
	return m
}

// Observe records a round. at is the time the canaries were judged at,
// end when the round ended.
func (m *Metrics) Observe(targets []Target, at, end time.Time, took time.Duration, failedChannels []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Targets that left the watch list must not linger as if checked.
	m.status.Reset()
	m.expiry.Reset()
	m.lastCheck.Reset()
	m.failures.Reset()
	for _, t := range targets {
		l := prometheus.Labels{"target": t.Name, "target_id": t.ID}
		m.status.With(l).Set(float64(t.Status))
		if !t.Expires.IsZero() {
			m.expiry.With(l).Set(t.Expires.Sub(at).Seconds())
		}
		m.lastCheck.With(l).Set(float64(t.LastCheck.Unix()))
		m.failures.With(l).Set(float64(t.Failures))
		c := m.fetchErrors.With(l)
		if t.Failed {
			c.Inc()
		}
	}
	for _, ch := range failedChannels {
		m.deliveries.WithLabelValues(ch).Inc()
	}
	m.lastRound.Set(float64(end.Unix()))
	m.roundSecs.Set(took.Seconds())
	m.targets.Set(float64(len(targets)))
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// WriteFile writes the metrics in the textfile format node_exporter's
// textfile collector reads; the file is replaced atomically.
func (m *Metrics) WriteFile(path string) error {
	return prometheus.WriteToTextfile(path, m.reg)
}
