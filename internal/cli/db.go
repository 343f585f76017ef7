package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch"
	"github.com/canarykit/canarykit/internal/watch/store"
)

func newDBCmd(ios *streams) *cobra.Command {
	var dbFlag, format string
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Check or back up canary watch's history database",
	}
	cmd.PersistentFlags().StringVar(&dbFlag, "db", "", "the history database (default $XDG_STATE_HOME/canarykit/watch.db)")
	// Both subcommands only read the history: they open it read-only, and
	// refuse a missing, empty or foreign file instead of making one.
	open := func() (*store.DB, error) {
		path, err := watchDBPath(ios, dbFlag)
		if err != nil {
			return nil, err
		}
		return store.OpenReadOnly(context.Background(), path)
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Check the history database for damage",
		Long: `Run SQLite's integrity and foreign key checks, and check that every stored
canary and signature still has the SHA-256 it was stored with. Exits 0 when
the database is sound, 3 with one line per problem otherwise. Safe to run
while canary watch is running.

The database is opened read-only and never written: not upgraded, not
checkpointed. A file that is empty or not canary watch's history is an
error, not a sound database.`,
		Example: "  canary db check\n  canary db check --db /var/lib/canary/watch.db --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			db, err := open()
			if err != nil {
				return err
			}
			defer db.Close()
			problems, err := db.Check(context.Background())
			if err != nil {
				return err
			}
			counts, err := db.Count(context.Background())
			if err != nil {
				return err
			}
			version, err := db.SchemaVersion(context.Background())
			if err != nil {
				return err
			}
			if format == "json" {
				if problems == nil {
					problems = []string{}
				}
				json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(map[string]any{"ok": len(problems) == 0, "problems": problems, "path": db.Path,
					"schema_version": version, "targets": counts.Targets, "canaries": counts.Canaries,
					"checks": counts.Checks, "events": counts.Events, "alerts": counts.Alerts})
			} else if len(problems) == 0 {
				verdict.Fprintf(ios.Out, "OK: %s is sound: %d targets, %d canaries, %d checks, %d events, %d alerts (schema version %d)\n",
					db.Path, counts.Targets, counts.Canaries, counts.Checks, counts.Events, counts.Alerts, version)
			} else {
				verdict.Fprintf(ios.Out, "DAMAGED: %s has %d problem(s):\n", db.Path, len(problems))
				for _, p := range problems {
					verdict.Fprintf(ios.Out, "  %s\n", p)
				}
				fmt.Fprintln(ios.Out, "Restore it from a backup (canary db backup), or keep a copy and ask for help; do not delete it.")
			}
			if len(problems) > 0 {
				return cmdutil.ExitError{Code: 3}
			}
			return nil
		},
	}
	check.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	backup := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the history database",
		Long: `Write a consistent copy of the history database to FILE, while canary watch
may be running (SQLite's VACUUM INTO reads one snapshot). FILE appears only
once the copy is complete and has passed canary db check (it is written
under a temporary name beside FILE first, so a kill leaves no partial
FILE); an existing FILE is never replaced. The database is opened
read-only. To restore, stop canary watch and copy FILE over the
database (and remove its -wal and -shm files).`,
		Example: "  canary db backup watch-$(date +%F).db",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := open()
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.Backup(context.Background(), args[0]); err != nil {
				return err
			}
			verdict.Fprintf(ios.Out, "backed up %s to %s\n", db.Path, args[0])
			return nil
		},
	}
	cmd.AddCommand(check, backup, newDBPruneCmd(ios, &dbFlag))
	return cmd
}

// newDBPruneCmd is canary db prune: the watch list's retention, applied
// now (canary watch applies it after each run from cron, and once a day as a service).
func newDBPruneCmd(ios *streams, dbFlag *string) *cobra.Command {
	var config, checks string
	var batch int
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Thin repeated identical checks in the history database",
		Long: `Thin the history as the watch list's retention says (or --checks): checks
older than that are thinned to one per target, day (UTC), status, summary
and canary: a target that was OK all day keeps one check for the day.
Every distinct canary, its signatures and timestamps, every event and
every alert are kept for ever; so are all recent checks.

It works in transactions of at most --batch removed checks, beside a
running canary watch. Killed, it leaves a sound database (canary db
check), and running it again goes on where it stopped. SQLite reuses the
freed space; canary db backup writes a compacted copy.`,
		Example: "  canary db prune --config watch.yaml\n  canary db prune --checks 90d",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var r store.Retention
			switch {
			case checks != "":
				d, err := duration.Parse(checks)
				if err != nil || d < 24*time.Hour {
					return fmt.Errorf("--checks %q: give a duration of a day or more, like 90d", checks)
				}
				r.Checks = d
			case config != "":
				cfg, err := watch.LoadConfig(config)
				if err != nil {
					return err
				}
				if cfg.Retention.Checks == 0 {
					verdict.Fprintf(ios.Out, "%s has no retention: every check is kept; nothing to do\n", config)
					return nil
				}
				r.Checks = cfg.Retention.Checks
			default:
				return errors.New("give --config WATCHLIST (its retention: setting) or --checks, e.g. --checks 90d")
			}
			r.Batch = batch
			path, err := watchDBPath(ios, *dbFlag)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			// Takes the watchdog's lock when free; see store.OpenToAmend.
			db, lock, err := store.OpenToAmend(ctx, path)
			if err != nil {
				return err
			}
			defer lock.Release() // after db.Close: defers run last first
			defer db.Close()
			st, err := db.Prune(ctx, r, ios.Now())
			verdict.Fprintf(ios.Out, "pruned %s: removed %d repeated checks older than %s of %d targets in %d transactions; every canary and event is kept\n",
				db.Path, st.Removed, duration.Format(r.Checks), st.Targets, st.Batches)
			return err
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "", "the watch list whose retention: to apply")
	cmd.Flags().StringVar(&checks, "checks", "", "thin repeated checks older than this, e.g. 90d (instead of the watch list's retention)")
	cmd.Flags().IntVar(&batch, "batch", store.DefaultPruneBatch, "the most checks one transaction removes")
	return cmd
}

// applyRetention is canary watch's retention, after a run: problems are
// reported, not fatal (the run itself is recorded).
func applyRetention(ctx context.Context, ios *streams, db *store.DB, cfg *watch.Config, now time.Time) {
	if cfg.Retention.Checks == 0 || ctx.Err() != nil {
		return
	}
	if _, err := db.Prune(ctx, store.Retention{Checks: cfg.Retention.Checks}, now); err != nil && ctx.Err() == nil {
		verdict.Fprintf(ios.Err, "canary: retention: %v\n", err)
	}
}
