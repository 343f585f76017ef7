package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/build"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch"
	"github.com/canarykit/canarykit/internal/watch/metrics"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

type watchFlags struct {
	config      string
	db          string
	at          string
	format      string
	parallel    int
	targets     []string
	wait        bool
	every       string
	listen      string
	metricsFile string
	html        string
}

func newWatchCmd(ios *streams) *cobra.Command {
	f := &watchFlags{}
	cmd := &cobra.Command{
		Use:   "watch [--config watch.yaml]",
		Short: "Check many canaries, keep their history, and alert on lapses",
		Long: `Check every canary in a watch list, compare each with its history, record
what was seen, and alert on what changed: a new or renewed canary, one that
expires soon or has expired, a statement removed or reworded, a new signing
key, an old canary served again, a canary that vanished, a site that stays
unreachable.

A site that cannot be reached is UNKNOWN, never CRITICAL, and is reported
only after several failures in a row over some time (unreachable_after,
unreachable_for): a site being down is not a dead canary.

The watch list is --config, else $XDG_CONFIG_HOME/canarykit/watch.yaml,
else ~/.config/canarykit/watch.yaml.

Prints a table, or every verdict with --format json, and exits with the
worst status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (as canary verify).
Alerts go out on changes, not on every run; one that cannot be delivered
is retried on the next run.

Exit code 4 is the watchdog's own failure, whatever the canaries' verdicts:
history that could not be written, an alert or heartbeat not delivered, a
metrics file or dashboard not written. The reason is on standard error. A unit or cron
job that treats 1, 2 and 3 as verdicts must treat 4 as a failure.

History is kept in SQLite (--db, default ~/.local/state/canarykit/watch.db).
Only one canary watch runs on a database at a time; a second one exits
at once, or waits with --wait.

With --every the watchdog runs as a service: a round of checks every
interval (with a random jitter of up to a tenth of it), until SIGTERM,
with Prometheus metrics on --listen and /healthz, and the dashboard at /.

--html DIR writes a dashboard after each round: DIR/index.html lists every
watched canary with its status, DIR/targets/ID.html shows one with its
statements, a timeline of its canaries, lapses and events, and links to
every canary stored (DIR/archive/, files gpg can check). See docs/WATCH.md.`,
		Example: `  canary watch --config watch.yaml
  canary watch --config watch.yaml --format json
  canary watch --config watch.yaml --every 1h --listen 127.0.0.1:9464
  canary watch --config watch.yaml --metrics-file /var/lib/node_exporter/canary.prom   # from cron
  canary watch --config watch.yaml --html /var/www/canaries       # and a dashboard
  canary watch accept example-org          # accept a new key or a reworded statement`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatch(cmd.Context(), ios, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "the watch list (YAML; see docs/WATCH.md) (default $XDG_CONFIG_HOME/canarykit/watch.yaml)")
	fl.StringVar(&f.db, "db", "", "the history database (default $XDG_STATE_HOME/canarykit/watch.db)")
	fl.StringVar(&f.at, "at", "", "judge as of this RFC 3339 time instead of now (for tests and replays)")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	fl.IntVar(&f.parallel, "parallel", 32, "hosts checked at once (targets on one host are checked one after the other)")
	fl.StringArrayVar(&f.targets, "target", nil, "check only this target; repeatable")
	fl.BoolVar(&f.wait, "wait", false, "if another canary watch is running on the database, wait for it instead of exiting")
	fl.StringVar(&f.every, "every", "", "run as a service: a round of checks this often, e.g. 1h")
	fl.StringVar(&f.listen, "listen", "", "with --every: serve Prometheus metrics and /healthz on this address, e.g. 127.0.0.1:9464")
	fl.StringVar(&f.metricsFile, "metrics-file", "", "write metrics in the node_exporter textfile format to this file after each round")
	fl.StringVar(&f.html, "html", "", "write the dashboard (static HTML, no JavaScript) to this directory after each round")
	cmd.AddCommand(newWatchAcceptCmd(ios))
	return cmd
}

// exitWatchdog is the exit code of a run whose watchdog itself failed
// (history, alert delivery, metrics file, dashboard): distinct from the
// verdicts 1-3, so that a unit that counts those as success still fails.
const exitWatchdog = 4

// watchConfigPath is --config, or the default watch list when it exists.
func watchConfigPath(ios *streams, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	var p string
	if d := ios.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		p = filepath.Join(d, "canarykit", "watch.yaml")
	} else if h := ios.Getenv("HOME"); filepath.IsAbs(h) {
		p = filepath.Join(h, ".config", "canarykit", "watch.yaml")
	} else {
		return "", errors.New("no watch list: give --config FILE (or set HOME or XDG_CONFIG_HOME for the default, ~/.config/canarykit/watch.yaml)")
	}
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no watch list at %s: give --config FILE, or write one there (see docs/WATCH.md)", p)
	}
	return p, nil
}

// watchDBPath is --db or the default place.
func watchDBPath(ios *streams, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return store.DefaultPath(ios.Getenv)
}

// openWatchDB opens the history a watchdog already wrote (--db, else the
// default), for the commands that read or amend it.
func openWatchDB(ctx context.Context, ios *streams, flag string) (*store.DB, error) {
	path, err := watchDBPath(ios, flag)
	if err != nil {
		return nil, err
	}
	return store.OpenExisting(ctx, path)
}

func runWatch(ctx context.Context, ios *streams, f *watchFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := checkFormat(f.format); err != nil {
		return err
	}
	if f.parallel < 1 || f.parallel > 4096 {
		return fmt.Errorf("--parallel %d: give 1 to 4096", f.parallel)
	}
	var every time.Duration
	if f.every != "" {
		d, err := duration.Parse(f.every)
		if err != nil || d < time.Minute {
			return fmt.Errorf("--every %q: give a duration of a minute or more, like 1h", f.every)
		}
		if f.at != "" {
			return errors.New("--at judges one run as of a fixed time; it cannot be used with --every")
		}
		every = d
	} else if f.listen != "" {
		return errors.New("--listen serves metrics while canary watch runs as a service: add --every, e.g. --every 1h; from cron, use --metrics-file")
	}
	now := ios.Now
	if f.at != "" {
		t, err := parseTime("at", f.at)
		if err != nil {
			return err
		}
		now = func() time.Time { return t }
	}
	cfgPath, err := watchConfigPath(ios, f.config)
	if err != nil {
		return err
	}
	cfg, err := watch.LoadConfig(cfgPath)
	if err != nil {
		return err
	}
	for _, n := range f.targets {
		if !slices.ContainsFunc(cfg.Targets, func(t watch.Target) bool { return t.Name == n }) {
			return fmt.Errorf("no target %q in the watch list", n)
		}
	}
	channels, err := watch.Channels(cfg.Alerts, ios.Getenv, cmdutil.UserAgent())
	if err != nil {
		return err
	}
	path, err := watchDBPath(ios, f.db)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the directory for the history database: %v", err)
	}
	lock, err := store.Acquire(ctx, path, f.wait)
	if err != nil {
		return err
	}
	defer lock.Release()
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()

	w := &watch.Watcher{
		DB: db, Config: cfg, Parallel: f.parallel, Channels: watch.ChannelNames(cfg.Alerts),
		FetchOptions: fetch.Options{UserAgent: cmdutil.UserAgent()},
	}
	svc := &watch.Service{Watcher: w, Channels: channels, Now: now, Only: f.targets, MetricsFile: f.metricsFile, HTMLDir: f.html, Log: ios.Err}
	v := build.Current()
	metrics.SetBuild(v.Version, v.Commit)
	if every > 0 {
		if err := svc.Serve(ctx, every, f.listen); err != nil {
			verdict.Fprintf(ios.Err, "canary: %v\n", err)
			return cmdutil.ExitError{Code: exitWatchdog}
		}
		return nil
	}
	if ios.IsTerminal && f.format == "text" {
		w.Progress = func(done, total int) {
			fmt.Fprintf(ios.Err, "\rchecked %d of %d targets", done, total)
		}
	}
	round, err := svc.Round(ctx)
	if w.Progress != nil {
		fmt.Fprint(ios.Err, "\r\033[K")
	}
	if err != nil {
		// History not written: the watchdog failed, not a canary.
		verdict.Fprintf(ios.Err, "canary: %v\n", err)
		return cmdutil.ExitError{Code: exitWatchdog}
	}
	applyRetention(ctx, ios, db, cfg, now()) // db.go
	rep := redactReport(round.Report)
	if f.format == "json" {
		err = watch.WriteJSON(verdict.JSONWriter(ios.Out), rep)
	} else {
		err = watch.WriteTable(verdict.Writer(ios.Out), rep) // names, events, summaries escaped
	}
	if err != nil {
		return err
	}
	status := rep.Status
	broken := false // the watchdog's own failure: exit 4
	for _, d := range round.Deliveries {
		if d.Error != "" {
			verdict.Fprintf(ios.Err, "canary: alert for %s not delivered on %s: %s\n", d.Target, redact.Text(d.Channel), redact.Text(d.Error))
			broken = true
		}
	}
	for _, d := range round.Heartbeats {
		if d.Error != "" {
			verdict.Fprintf(ios.Err, "canary: heartbeat not delivered on %s: %s\n", redact.Text(d.Channel), redact.Text(d.Error))
			broken = true
		}
	}
	if round.MetricsErr != nil {
		verdict.Fprintf(ios.Err, "canary: %v\n", round.MetricsErr)
		broken = true
	}
	if round.HTMLErr != nil {
		verdict.Fprintf(ios.Err, "canary: %v\n", round.HTMLErr)
		broken = true
	}
	if ctx.Err() != nil {
		fmt.Fprintln(ios.Err, "canary: stopped before every target was checked; what was checked is recorded")
		status = verify.Worse(status, verify.Unknown)
	}
	if broken {
		return cmdutil.ExitError{Code: exitWatchdog}
	}
	if status != verify.OK {
		return cmdutil.ExitError{Code: int(status)}
	}
	return nil
}

// redactReport is a copy of rep for printing, with the credentials in
// its URLs (a target's basic-auth password, a ?key=) redacted, in the
// locations and in every message that may quote one (package redact).
func redactReport(rep *watch.Report) *watch.Report {
	out := *rep
	out.Targets = make([]*watch.Verdict, len(rep.Targets))
	for i, v := range rep.Targets {
		c := *v
		c.Location = redact.URL(c.Location)
		c.Summary = redact.Text(c.Summary)
		c.Events = slices.Clone(v.Events) // nil stays nil, [] stays []
		for j := range c.Events {
			c.Events[j].Message = redact.Text(c.Events[j].Message)
		}
		if v.Result != nil {
			r := *v.Result
			r.Summary = redact.Text(r.Summary)
			r.Checks = slices.Clone(r.Checks)
			for j := range r.Checks {
				r.Checks[j].Message = redact.Text(r.Checks[j].Message)
			}
			if r.Source != nil {
				src := *r.Source
				src.Location, src.FinalURL = redact.URL(src.Location), redact.URL(src.FinalURL)
				src.Redirects = slices.Clone(src.Redirects)
				for j := range src.Redirects {
					src.Redirects[j] = redact.URL(src.Redirects[j])
				}
				r.Source = &src
			}
			c.Result = &r
		}
		out.Targets[i] = &c
	}
	return &out
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			if i == 0 {
				return "/"
			}
			return path[:i]
		}
	}
	return "."
}

func newWatchAcceptCmd(ios *streams) *cobra.Command {
	var dbFlag, note string
	cmd := &cobra.Command{
		Use:   "accept TARGET",
		Short: "Accept a target's current canary as the new baseline",
		Long: `Accept the canary a target serves now as the one the next canaries are
compared with: after a new signing key, or a statement reworded or removed,
that you have checked with the publisher. Until then the target stays
CRITICAL. The acceptance is recorded as an event in the history.`,
		Example: `  canary watch accept example-org --note "new key confirmed by phone with Alice"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := context.Background()
			path, err := watchDBPath(ios, dbFlag)
			if err != nil {
				return err
			}
			// Takes the watchdog's lock when free; see store.OpenToAmend.
			db, lock, err := store.OpenToAmend(ctx, path)
			if err != nil {
				return err
			}
			defer lock.Release() // after db.Close: defers run last first
			defer db.Close()
			t, err := db.FindTarget(ctx, args[0])
			if err != nil {
				return err
			}
			c, err := db.Accept(ctx, t, ios.Now(), note)
			if err != nil {
				return err
			}
			verdict.Fprintf(ios.Out, "accepted the canary of %s first seen %s (%s) as the baseline\n", t.Name, c.FirstSeen.Format("2006-01-02 15:04 UTC"), c.Fingerprint[:12])
			return nil
		},
	}
	cmd.Flags().StringVar(&dbFlag, "db", "", "the history database (default $XDG_STATE_HOME/canarykit/watch.db)")
	cmd.Flags().StringVar(&note, "note", "", "why, for the history")
	return cmd
}
