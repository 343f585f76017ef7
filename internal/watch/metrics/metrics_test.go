package metrics

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// parse reads the text with Prometheus's own parser: what it refuses,
// a Prometheus server or node_exporter would refuse too.
func parse(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("Prometheus's parser refuses the metrics: %v\n%s", err, text)
	}
	return fams
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.Metric {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch f.GetType() {
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue(), true
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue(), true
		}
		t.Fatalf("%s has type %v", name, f.GetType())
	}
	return 0, false
}

func TestObserveParsesWithPrometheus(t *testing.T) {
	m := New()
	// A hostile name: quotes, backslashes and a newline must not break the
	// format (a watch list's names are free text).
	hostile := "evil\"} 1\ncanary_watch_targets 99\\"
	targets := []Target{
		{Name: "site", ID: "aa", Status: 0, Expires: t0.Add(30 * 24 * time.Hour), LastCheck: t0},
		{Name: "gone", ID: "bb", Status: 3, LastCheck: t0, Failures: 2, Failed: true},
		{Name: hostile, ID: "cc", Status: 2, LastCheck: t0},
	}
	m.Observe(targets, t0, t0.Add(3*time.Second), 1500*time.Millisecond, []string{"mail"})
	m.Observe(targets, t0, t0.Add(4*time.Second), 2*time.Second, []string{"mail", "hook"})
	text := m.text()
	fams := parse(t, text)

	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"canary_target_status", []string{"target", "site", "target_id", "aa"}, 0},
		{"canary_target_status", []string{"target", "gone", "target_id", "bb"}, 3},
		{"canary_target_status", []string{"target", hostile, "target_id", "cc"}, 2},
		{"canary_target_expiry_seconds", []string{"target", "site"}, 2.592e6},
		{"canary_target_consecutive_failures", []string{"target", "gone"}, 2},
		{"canary_target_last_check_timestamp_seconds", []string{"target", "site"}, float64(t0.Unix())},
		{"canary_target_fetch_errors_total", []string{"target", "gone"}, 2},
		{"canary_target_fetch_errors_total", []string{"target", "site"}, 0},
		{"canary_alert_delivery_failures_total", []string{"channel", "mail"}, 2},
		{"canary_alert_delivery_failures_total", []string{"channel", "hook"}, 1},
		{"canary_watch_targets", nil, 3},
		{"canary_watch_round_duration_seconds", nil, 2},
		{"canary_watch_last_round_timestamp_seconds", nil, float64(t0.Add(4 * time.Second).Unix())},
	}
	for _, c := range checks {
		got, ok := value(t, fams, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%q = %v (present %v), want %v\n%s", c.name, c.labels, got, ok, c.want, text)
		}
	}
	if _, ok := value(t, fams, "canary_target_expiry_seconds", "target", "gone"); ok {
		t.Errorf("expiry reported for a target with no known expiry")
	}
	if f := fams["canary_target_status"]; f.GetHelp() == "" || f.GetType() != dto.MetricType_GAUGE {
		t.Errorf("status family: help %q, type %v", f.GetHelp(), f.GetType())
	}
	if len(fams) != 11 {
		t.Errorf("%d families, want 11", len(fams))
	}

	// A target that left the watch list no longer appears as checked.
	m.Observe(targets[:1], t0, t0.Add(5*time.Second), time.Second, nil)
	fams = parse(t, m.text())
	if _, ok := value(t, fams, "canary_target_status", "target", "gone"); ok {
		t.Errorf("a target that left the watch list still has a status")
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 3: "3", -1.5: "-1.5", 2.592e6: "2.592e+06", 1.7e9: "1.7e+09",
		math.Inf(1): "+Inf", math.Inf(-1): "-Inf",
	} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
	if got := formatValue(math.NaN()); got != "NaN" {
		t.Errorf("formatValue(NaN) = %q", got)
	}
}

func TestHandlerAndFile(t *testing.T) {
	m := New()
	m.Observe([]Target{{Name: "site", ID: "aa", LastCheck: t0}}, t0, t0, time.Second, nil)

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	if got, ok := value(t, parse(t, body), "canary_watch_targets"); !ok || got != 1 {
		t.Errorf("served canary_watch_targets = %v, %v", got, ok)
	}
	res, err = http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", res.StatusCode)
	}

	path := filepath.Join(t.TempDir(), "canary.prom")
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, body) {
		t.Errorf("file and /metrics differ:\n%s\n---\n%s", data, body)
	}
	if err := m.WriteFile(filepath.Join(t.TempDir(), "missing", "canary.prom")); err == nil {
		t.Errorf("writing into a missing directory succeeded")
	}
}

// TestOperatorMetrics: what a run from cron writes must mean the same as
// what a service serves.
func TestOperatorMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canary.prom")
	targets := []Target{
		{Name: "site", ID: "aa", Status: 0, Expires: t0.Add(30 * 24 * time.Hour), LastCheck: t0},
		{Name: "gone", ID: "bb", Status: 3, LastCheck: t0, Failures: 1, Failed: true},
	}
	// Three runs from cron, three processes: the counter goes on from the
	// file the last one wrote.
	for i := range 3 {
		m := New("mail", "hook")
		var failed []string
		if i == 1 {
			failed = []string{"mail"}
		}
		m.Observe(targets, t0, t0, time.Second, failed)
		if err := m.WriteFile(path); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fams := parse(t, data)
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"canary_target_fetch_errors_total", []string{"target", "gone", "target_id", "bb"}, 3},
		{"canary_target_fetch_errors_total", []string{"target", "site", "target_id", "aa"}, 0},
		{"canary_alert_delivery_failures_total", []string{"channel", "mail"}, 1},
		{"canary_alert_delivery_failures_total", []string{"channel", "hook"}, 0},
		{"canary_target_expiry_timestamp_seconds", []string{"target", "site"}, float64(t0.Add(30 * 24 * time.Hour).Unix())},
		{"canary_build_info", []string{"goversion", runtime.Version()}, 1},
	}
	for _, c := range checks {
		got, ok := value(t, fams, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%q = %v (present %v), want %v\n%s", c.name, c.labels, got, ok, c.want, data)
		}
	}
	if _, ok := value(t, fams, "canary_target_expiry_timestamp_seconds", "target", "gone"); ok {
		t.Errorf("expiry timestamp for a target with no known expiry")
	}
	if !strings.Contains(fams["canary_target_expiry_seconds"].GetHelp(), "Deprecated") {
		t.Errorf("canary_target_expiry_seconds is not marked deprecated: %q", fams["canary_target_expiry_seconds"].GetHelp())
	}
	for _, m := range fams["canary_build_info"].GetMetric() {
		var names []string
		for _, l := range m.Label {
			names = append(names, l.GetName())
		}
		if strings.Join(names, ",") != "version,commit,goversion" {
			t.Errorf("canary_build_info labels %q", names)
		}
	}

	// A fresh process with no channel failures yet still shows every
	// channel's counter, at 0.
	m := New("mail")
	m.Observe(targets, t0, t0, time.Second, nil)
	if got, ok := value(t, parse(t, m.text()), "canary_alert_delivery_failures_total", "channel", "mail"); !ok || got != 0 {
		t.Errorf("delivery counter before any failure: %v, present %v", got, ok)
	}

	// A target that left the watch list is not carried over from the file.
	m = New()
	m.Observe(targets[:1], t0, t0, time.Second, nil)
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if _, ok := value(t, parse(t, data), "canary_target_fetch_errors_total", "target", "gone"); ok {
		t.Errorf("a target that left the watch list kept its counter:\n%s", data)
	}
	// A damaged file is not an error: the counters start again (a reset,
	// which rate() and increase() understand).
	os.WriteFile(path, []byte("canary_target_fetch_errors_total{target=\"site\",target_id=\"aa\"} bogus\n"), 0o644)
	m = New()
	m.Observe(targets[:1], t0, t0, time.Second, nil)
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if got, ok := value(t, parse(t, data), "canary_target_fetch_errors_total", "target", "site"); !ok || got != 0 {
		t.Errorf("after a damaged file: %v, present %v", got, ok)
	}
}
