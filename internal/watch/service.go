package watch

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/internal/watch/dashboard"
	"github.com/canarykit/canarykit/internal/watch/metrics"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// A Service runs rounds of checks: one for a run from cron, one per
// interval as a long-running service.
type Service struct {
	Watcher  *Watcher
	Channels []alert.Channel
	Now      func() time.Time
	Only     []string // target names; nil for all
	// MetricsFile, if set, gets the node_exporter textfile after each round.
	MetricsFile string
	// HTMLDir, if set, gets the dashboard (package dashboard) after each
	// round.
	HTMLDir string
	// Log gets one line per round in service mode.
	Log io.Writer

	once    sync.Once
	metrics *metrics.Metrics
	mu      sync.Mutex
	last    time.Time // when the last round ended
	pruned  time.Time // when retention was last started (Serve)
	pruning bool
	logMu   sync.Mutex
	// prune is DB.Prune; tests replace it.
	prune func(ctx context.Context, r store.Retention, now time.Time) (store.PruneStats, error)
}

// pruneEvery is how often Serve applies the watch list's retention.
const pruneEvery = 24 * time.Hour

// A Round is the outcome of one round.
type Round struct {
	Report     *Report
	Deliveries []Delivery
	// Heartbeats are the heartbeats sent this round (alerts.heartbeat).
	Heartbeats []Delivery
	MetricsErr error
	HTMLErr    error
}

// alertBudget bounds the sending of a round's alerts when the service is
// stopping: enough for a webhook and a mail server to answer.
const alertBudget = 30 * time.Second

// Round checks the targets, sends the alerts pending (this round's and
// any left over), and writes the metrics file.
func (s *Service) Round(ctx context.Context) (*Round, error) {
	s.once.Do(func() { s.metrics = metrics.New(s.Watcher.Channels...) })
	at := s.Now()
	rep, err := s.Watcher.Run(ctx, at, s.Only)
	if err != nil {
		return nil, err
	}
	out := &Round{Report: rep}
	// Alerts go out even when the service is stopping: they are what the
	// round was for.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), alertBudget)
	defer cancel()
	if out.Deliveries, err = s.Watcher.SendAlerts(actx, s.Channels, at); err != nil {
		return nil, err
	}
	// Not when stopping: a heartbeat says the watchdog runs.
	if ctx.Err() == nil {
		if out.Heartbeats, err = s.Watcher.SendHeartbeats(actx, s.Channels, at, rep); err != nil {
			return nil, err
		}
	}
	end := time.Now()
	var failed []string
	for _, d := range append(out.Deliveries[:len(out.Deliveries):len(out.Deliveries)], out.Heartbeats...) {
		if d.Error != "" {
			failed = append(failed, d.Channel)
		}
	}
	targets := make([]metrics.Target, len(rep.Targets))
	for i, v := range rep.Targets {
		targets[i] = metrics.Target{Name: v.Name, ID: v.ID, Status: int(v.Status), Expires: v.Expires, LastCheck: at,
			Failures: v.Failures, Failed: v.Failures > 0}
	}
	s.metrics.Observe(targets, at, end, rep.Duration, failed)
	if s.MetricsFile != "" {
		if err := s.metrics.WriteFile(s.MetricsFile); err != nil {
			out.MetricsErr = fmt.Errorf("cannot write the metrics file: %v", err)
		}
	}
	if s.HTMLDir != "" {
		// Written also when stopping: it shows what the round recorded.
		if err := dashboard.Write(context.WithoutCancel(ctx), s.Watcher.DB, s.HTMLDir, at); err != nil {
			out.HTMLErr = fmt.Errorf("cannot write the dashboard: %v", err)
		}
	}
	s.mu.Lock()
	s.last = end
	s.mu.Unlock()
	return out, nil
}

// Serve runs a round every interval, each after a random jitter of up to
// a tenth of it (so that many watchdogs, or many restarts, do not knock
// on the same sites at the same second), until ctx is done. With listen,
// it serves /metrics, /healthz and the dashboard at /. A round under way when ctx is done is
// cut short: checks already made are recorded, and the alerts sent.
//
// The watch list's retention is applied after the first round and then
// at most once a day, in the background: rounds go on meanwhile (Prune
// writes in short transactions), and Serve returns only once it has
// stopped.
func (s *Service) Serve(ctx context.Context, every time.Duration, listen string) error {
	s.once.Do(func() { s.metrics = metrics.New(s.Watcher.Channels...) })
	var bg sync.WaitGroup
	defer bg.Wait()
	pctx, stopPrune := context.WithCancel(ctx)
	defer stopPrune() // before bg.Wait: defers run last first
	var srv *http.Server
	if listen != "" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return fmt.Errorf("--listen %s: %v", listen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.metrics.Handler())
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { s.health(w, every) })
		mux.Handle("/", dashboard.Handler(s.Watcher.DB, s.Now))
		srv = newServer(mux)
		go srv.Serve(ln)
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
		s.logf("canary watch: serving metrics on http://%s/metrics and the dashboard on http://%s/", ln.Addr(), ln.Addr())
	}
	for {
		r, err := s.Round(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// History could not be written: stop, rather than go on
			// checking and alerting without a record.
			return err
		}
		s.logRound(r)
		s.maybePrune(pctx, &bg)
		wait := every + time.Duration(rand.Int64N(int64(every/10)+1))
		select {
		case <-ctx.Done():
			s.logf("canary watch: stopping")
			return nil
		case <-time.After(wait):
		}
	}
}

// newServer is the HTTP server of service mode. Its timeouts bound what
// a client that is slow, or never reads, or keeps a connection open, can
// hold: a connection and a goroutine for a while, never the dashboard's
// render slots (dashboard.Handler gives them back before writing).
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Covers the wait for a render slot, rendering and sending.
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
}

// health is 200 while rounds complete on time, 503 before the first and
// after a round is overdue: a stuck watchdog must not look alive.
func (s *Service) health(w http.ResponseWriter, every time.Duration) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	switch {
	case last.IsZero():
		http.Error(w, "starting: no round of checks has finished yet", http.StatusServiceUnavailable)
	case time.Since(last) > 2*every+time.Minute:
		http.Error(w, fmt.Sprintf("stuck: the last round of checks ended at %s", last.UTC().Format(time.RFC3339)), http.StatusServiceUnavailable)
	default:
		fmt.Fprintf(w, "ok: last round ended at %s\n", last.UTC().Format(time.RFC3339))
	}
}

func (s *Service) logRound(r *Round) {
	counts := map[verdict.Status]int{}
	for _, v := range r.Report.Targets {
		counts[v.Status]++
	}
	failed := 0
	for _, d := range r.Deliveries {
		if d.Error != "" {
			failed++
		}
	}
	s.logf("canary watch: %s: %d targets (%d OK, %d WARNING, %d CRITICAL, %d UNKNOWN) in %s; %d alert(s) sent, %d failed",
		r.Report.Status, len(r.Report.Targets), counts[verdict.OK], counts[verdict.Warning], counts[verdict.Critical], counts[verdict.Unknown],
		r.Report.Duration.Round(time.Millisecond), len(r.Deliveries)-failed, failed)
	for _, d := range r.Deliveries {
		if d.Error != "" {
			s.logf("canary watch: alert for %s not delivered on %s: %s", d.Target, redact.Text(d.Channel), redact.Text(d.Error))
		}
	}
	for _, d := range r.Heartbeats {
		if d.Error != "" {
			s.logf("canary watch: heartbeat not delivered on %s: %s", verdict.Display(redact.Text(d.Channel)), verdict.Display(redact.Text(d.Error)))
		} else {
			s.logf("canary watch: heartbeat delivered on %s", verdict.Display(redact.Text(d.Channel)))
		}
	}
	if r.MetricsErr != nil {
		s.logf("canary watch: %v", r.MetricsErr)
	}
	if r.HTMLErr != nil {
		s.logf("canary watch: %v", r.HTMLErr)
	}
}

// logf writes a line to the log by the one escaping rule: what it quotes
// (a target, a channel's error, a file name) is never written raw.
func (s *Service) logf(format string, a ...any) {
	if s.Log != nil {
		s.logMu.Lock()
		defer s.logMu.Unlock()
		verdict.Fprintf(s.Log, format+"\n", a...)
	}
}

// maybePrune starts applying the watch list's retention in the
// background, unless it is running or was started less than pruneEvery
// ago (by the service's clock), or the watch list has none.
func (s *Service) maybePrune(ctx context.Context, bg *sync.WaitGroup) {
	r := store.Retention{Checks: s.Watcher.Config.Retention.Checks}
	if r.Checks <= 0 || ctx.Err() != nil {
		return
	}
	now := s.Now()
	s.mu.Lock()
	if s.pruning || !s.pruned.IsZero() && now.Sub(s.pruned) < pruneEvery {
		s.mu.Unlock()
		return
	}
	s.pruning, s.pruned = true, now
	s.mu.Unlock()
	prune := s.prune
	if prune == nil {
		prune = s.Watcher.DB.Prune
	}
	bg.Add(1)
	go func() {
		defer bg.Done()
		st, err := prune(ctx, r, now)
		s.mu.Lock()
		s.pruning = false
		s.mu.Unlock()
		switch {
		case err != nil && ctx.Err() == nil:
			s.logf("canary watch: retention: %v", verdict.Display(err.Error()))
		case err == nil:
			s.logf("canary watch: retention: removed %d repeated checks older than %s of %d targets; every canary and event is kept",
				st.Removed, duration.Format(r.Checks), st.Targets)
		}
	}()
}
