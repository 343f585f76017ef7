// Package metrics exposes a watchdog's state to Prometheus: served over
// HTTP by a long-running canary watch, or written in node_exporter's
// textfile format by one run from cron.
//
// It writes the Prometheus text exposition format (version 0.0.4) itself
// rather than through prometheus/client_golang: that library registers
// its collectors and protobuf descriptors at package init, about 1 ms that
// every canary process paid, `canary verify` included, for nine gauges and
// counters that only the watchdog uses. metrics_test.go parses the output
// with Prometheus's own parser.
package metrics

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/atomicfile"
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

// A family is one metric: its name, help, type and samples by label set.
type family struct {
	name, help, typ string
	labels          []string          // label names, in order
	samples         map[string]sample // by the rendered label set
}

type sample struct {
	labels string // rendered: {a="x",b="y"}, or empty
	value  float64
}

func newFamily(name, typ, help string, labels ...string) *family {
	return &family{name: name, typ: typ, help: help, labels: labels, samples: map[string]sample{}}
}

func (f *family) key(values []string) string {
	if len(f.labels) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range f.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func (f *family) set(v float64, values ...string) {
	k := f.key(values)
	f.samples[k] = sample{labels: k, value: v}
}

func (f *family) add(v float64, values ...string) {
	k := f.key(values)
	s := f.samples[k]
	f.samples[k] = sample{labels: k, value: s.value + v}
}

func (f *family) reset() { clear(f.samples) }

// write appends the family in the text format; a family with labels and
// no sample is left out, as client_golang does.
func (f *family) write(b *bytes.Buffer) {
	if len(f.labels) > 0 && len(f.samples) == 0 {
		return
	}
	b.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
	b.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
	keys := make([]string, 0, len(f.samples))
	for k := range f.samples {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(f.name)
		b.WriteString(k)
		b.WriteByte(' ')
		b.WriteString(formatValue(f.samples[k].value))
		b.WriteByte('\n')
	}
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Metrics holds the gauges and counters of one watchdog.
type Metrics struct {
	mu          sync.Mutex
	status      *family
	expiry      *family // deprecated: relative, stale as soon as written
	expiresAt   *family
	build       *family
	lastCheck   *family
	failures    *family
	fetchErrors *family
	deliveries  *family
	lastRound   *family
	roundSecs   *family
	targets     *family
	channels    []string
	seeded      bool // the counters went on from the metrics file
}

// New makes the metrics of one watchdog process, whose alerts go to
// channels: each channel's delivery counter is there, at 0, from the
// start, so that the first failure is an increase rate() sees.
func New(channels ...string) *Metrics {
	m := &Metrics{
		status: newFamily("canary_target_status", "gauge",
			"Status of the target's canary at the last check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (could not check).", "target", "target_id"),
		expiry: newFamily("canary_target_expiry_seconds", "gauge",
			"Deprecated, use canary_target_expiry_timestamp_seconds (this one is removed in the next release): seconds until the target's current canary expires, as of the last check; negative once it has expired.", "target", "target_id"),
		expiresAt: newFamily("canary_target_expiry_timestamp_seconds", "gauge",
			"Unix time at which the target's current canary expires (time() - this > 0: expired). Absent when no expiry is known.", "target", "target_id"),
		build: newFamily("canary_build_info", "gauge",
			"Always 1: the canarykit build this watchdog runs.", "version", "commit", "goversion"),
		lastCheck: newFamily("canary_target_last_check_timestamp_seconds", "gauge",
			"Unix time of the target's last check.", "target", "target_id"),
		failures: newFamily("canary_target_consecutive_failures", "gauge",
			"Checks in a row that could not read the target's canary (unreachable, vanished).", "target", "target_id"),
		fetchErrors: newFamily("canary_target_fetch_errors_total", "counter",
			"Checks that could not read the target's canary. A run from cron goes on from the count in the metrics file it replaces.", "target", "target_id"),
		deliveries: newFamily("canary_alert_delivery_failures_total", "counter",
			"Alert deliveries that failed, by channel. A run from cron goes on from the count in the metrics file it replaces.", "channel"),
		lastRound: newFamily("canary_watch_last_round_timestamp_seconds", "gauge",
			"Unix time at which the last round of checks ended."),
		roundSecs: newFamily("canary_watch_round_duration_seconds", "gauge",
			"How long the last round of checks took."),
		targets: newFamily("canary_watch_targets", "gauge",
			"Targets checked in the last round."),
		channels: channels,
	}
	v, c := Build()
	m.build.set(1, v, c, runtime.Version())
	for _, ch := range channels {
		m.deliveries.add(0, ch)
	}
	return m
}

var buildVersion, buildCommit string

// SetBuild sets the version and commit canary_build_info reports, for a
// binary that knows them better than its build information (a release
// build given them with -ldflags). Call it before New.
func SetBuild(version, commit string) { buildVersion, buildCommit = version, commit }

// Build is the version and commit of the running binary: those given to
// SetBuild, else what the Go toolchain recorded (the module version, the
// VCS revision), else "(devel)" and "".
func Build() (version, commit string) {
	version, commit = buildVersion, buildCommit
	if info, ok := debug.ReadBuildInfo(); ok {
		if version == "" && info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	return version, commit
}

// Observe records a round. at is the time the canaries were judged at,
// end when the round ended.
func (m *Metrics) Observe(targets []Target, at, end time.Time, took time.Duration, failedChannels []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Targets that left the watch list must not linger as if checked.
	m.status.reset()
	m.expiry.reset()
	m.expiresAt.reset()
	m.lastCheck.reset()
	m.failures.reset()
	for _, t := range targets {
		m.status.set(float64(t.Status), t.Name, t.ID)
		if !t.Expires.IsZero() {
			m.expiry.set(t.Expires.Sub(at).Seconds(), t.Name, t.ID)
			m.expiresAt.set(float64(t.Expires.Unix()), t.Name, t.ID)
		}
		m.lastCheck.set(float64(t.LastCheck.Unix()), t.Name, t.ID)
		m.failures.set(float64(t.Failures), t.Name, t.ID)
		// A counter is there from the first check on, at 0 until the
		// first failure, so that rate() sees the first increase.
		var inc float64
		if t.Failed {
			inc = 1
		}
		m.fetchErrors.add(inc, t.Name, t.ID)
	}
	for _, ch := range failedChannels {
		m.deliveries.add(1, ch)
	}
	m.lastRound.set(float64(end.Unix()))
	m.roundSecs.set(took.Seconds())
	m.targets.set(float64(len(targets)))
}

// text is the metrics in the text exposition format, families sorted by
// name as Prometheus's own encoder writes them.
func (m *Metrics) text() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	fams := []*family{m.status, m.expiry, m.expiresAt, m.build, m.lastCheck, m.failures, m.fetchErrors, m.deliveries, m.lastRound, m.roundSecs, m.targets}
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	var b bytes.Buffer
	for _, f := range fams {
		f.write(&b)
	}
	return b.Bytes()
}

// contentType is the text exposition format's.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body := m.text()
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodGet {
			w.Write(body)
		}
	})
}

// WriteFile writes the metrics in the textfile format node_exporter's
// textfile collector reads; the file is replaced atomically, so the
// collector never reads half of it.
//
// The counters of a run from cron would start at 0 in every process, and
// a counter that is 0 or 1 on every scrape never increases: the first
// write of a process therefore goes on from the counts in the file it
// replaces, for the targets and channels observed now (a target that
// left the watch list is dropped). A missing or damaged file starts them
// at 0, which Prometheus reads as a counter reset.
func (m *Metrics) WriteFile(path string) error {
	if err := m.seed(path); err != nil {
		return err
	}
	return atomicfile.Write(path, m.text(), 0o644)
}

// seed adds the counts of the counters in the metrics file at path to
// those of this process, once.
func (m *Metrics) seed(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seeded {
		return nil
	}
	m.seeded = true
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	old := map[string]map[string]float64{}
	for _, f := range []*family{m.fetchErrors, m.deliveries} {
		old[f.name] = map[string]float64{}
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil // not a file this package wrote: start again
		}
		series := line[:i]
		j := strings.IndexByte(series, '{')
		if j < 0 {
			continue
		}
		if o, ok := old[series[:j]]; ok {
			o[series[j:]] = v
		}
	}
	for _, f := range []*family{m.fetchErrors, m.deliveries} {
		for k, s := range f.samples {
			f.samples[k] = sample{labels: k, value: s.value + old[f.name][k]}
		}
	}
	return nil
}
