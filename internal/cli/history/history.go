// Package history is canary history and canary archive export: what
// canary watch recorded, read back.
package history

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

// Options are canary history's command line.
type Options struct {
	IO     *cmdutil.Factory
	Args   []string
	DB     string
	Format string
	Limit  int
}

// NewCmd is canary history; runF, when not nil, runs instead of the
// command, for tests of the flags.
func NewCmd(ios *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "history [TARGET]",
		Short: "Show a watched canary's timeline: the canaries seen and what happened",
		Long: `Show what canary watch recorded for TARGET (a name, or an ID or its first 8
or more digits): every distinct canary seen, and every event, oldest first.
Without TARGET, list the targets in the database with their last status.

A target's identity is fixed when it is first watched: if the URL of a name
changes, the old history stays with the old target (listed as retired), and
is never shown as the new one's.`,
		Example: `  canary history
  canary history example-org
  canary history example-org --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.DB, "db", "", "the history database (default $XDG_STATE_HOME/canarykit/watch.db)")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text or json")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "show only the last N events (default all)")
	return cmd
}

func run(opts *Options) error {
	if err := cmdutil.CheckFormat(opts.Format); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := opts.IO.OpenHistory(ctx, opts.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(opts.Args) == 0 {
		return listTargets(ctx, opts.IO, db, opts.Format)
	}
	return showHistory(ctx, opts.IO, db, opts.Args[0], opts.Format, opts.Limit)
}

func listTargets(ctx context.Context, ios *cmdutil.Factory, db *store.DB, format string) error {
	list, err := db.Targets(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		if list == nil {
			list = []store.Summary{}
		}
		return json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(map[string]any{"targets": list})
	}
	// Names and locations are escaped before the columns are measured;
	// the writer escapes whatever else would reach the terminal raw.
	tw := tabwriter.NewWriter(verdict.Writer(ios.Out), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tID\tSTATUS\tLAST CHECK\tCANARIES\tEVENTS\tLOCATION")
	for _, s := range list {
		name := verdict.Display(s.Name)
		if !s.Retired.IsZero() {
			name += " (retired)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", name, s.ID[:12], s.Status, stampOr(s.LastCheck), s.Canaries, s.Events, verdict.Display(redact.URL(s.Location)))
	}
	return tw.Flush()
}

// timelineEntry is one line of a history: a canary first seen, an event,
// or checks in a row that read no canary.
type timelineEntry struct {
	At     time.Time     `json:"at"`
	Canary *store.Canary `json:"canary,omitempty"`
	Event  *store.Event  `json:"event,omitempty"`
	Failed *failedChecks `json:"failed_checks,omitempty"`
}

// failedChecks is a run of checks in a row that read no canary: a site
// down, a canary gone. Soft ones (not reported yet) are in no event, and
// would otherwise be nowhere in the history.
type failedChecks struct {
	Count   int           `json:"count"`
	Until   time.Time     `json:"until"`
	Status  verify.Status `json:"status"` // of the last one
	Soft    bool          `json:"soft,omitempty"`
	Summary string        `json:"summary"` // of the last one
}

// failedRuns groups checks (oldest first, as the store lists them) that
// read no canary into runs.
func failedRuns(checks []store.Check) []timelineEntry {
	var out []timelineEntry
	var cur *failedChecks
	for _, c := range checks {
		if c.CanaryID != 0 {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, timelineEntry{At: c.At, Failed: &failedChecks{}})
			cur = out[len(out)-1].Failed
		}
		cur.Count++
		cur.Until, cur.Status, cur.Soft, cur.Summary = c.At, c.Status, c.Soft, c.Summary
	}
	return out
}

func showHistory(ctx context.Context, ios *cmdutil.Factory, db *store.DB, name, format string, limit int) error {
	t, err := db.FindTarget(ctx, name)
	if err != nil {
		return err
	}
	canaries, err := db.Canaries(ctx, t.ID)
	if err != nil {
		return err
	}
	events, err := db.Events(ctx, t.ID, limit)
	if err != nil {
		return err
	}
	checks, err := db.Checks(ctx, t.ID, math.MaxInt32) // every check, oldest first
	if err != nil {
		return err
	}
	var last *store.Check
	if len(checks) > 0 {
		last = &checks[len(checks)-1]
	}
	var tl []timelineEntry
	for _, c := range canaries {
		tl = append(tl, timelineEntry{At: c.FirstSeen, Canary: c})
	}
	for i := range events {
		tl = append(tl, timelineEntry{At: events[i].At, Event: &events[i]})
	}
	tl = append(tl, failedRuns(checks)...)
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].At.Before(tl[j].At) })
	if format == "json" {
		if tl == nil {
			tl = []timelineEntry{}
		}
		out := map[string]any{"target": t, "timeline": tl}
		if last != nil {
			out["last_check"] = last
		}
		return json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(out)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n  %s\n  watched since %s", verdict.Display(t.Name), t.ID, verdict.Display(redact.URL(t.Location)), stampOr(t.Created))
	if !t.Retired.IsZero() {
		fmt.Fprintf(&b, ", retired %s", stampOr(t.Retired))
	}
	b.WriteString("\n")
	if last != nil {
		fmt.Fprintf(&b, "  last check %s: %s: %s\n", stampOr(last.At), last.Status, verdict.Display(last.Summary))
	}
	b.WriteString("\n")
	for _, e := range tl {
		if c := e.Canary; c != nil {
			what := verdict.Display(c.Kind) + " canary"
			if c.Kind == "canarykit" {
				what = fmt.Sprintf("canary serial %d", c.Serial)
			}
			fmt.Fprintf(&b, "%s  canary   %s (%s), issued %s, expires %s, %s when first seen; last seen %s\n",
				stampOr(e.At), what, c.Fingerprint[:12], stampOr(c.Issued), stampOr(c.Expires), c.Status, stampOr(c.LastSeen))
			continue
		}
		if f := e.Failed; f != nil {
			status := fmt.Sprint(f.Status)
			if f.Soft {
				status += "?"
			}
			if f.Count == 1 {
				fmt.Fprintf(&b, "%s  %-8s check failed: %s\n", stampOr(e.At), status, verdict.Display(redact.Text(f.Summary)))
			} else {
				fmt.Fprintf(&b, "%s  %-8s %d checks failed in a row, until %s; the last: %s\n", stampOr(e.At), status, f.Count, stampOr(f.Until), verdict.Display(redact.Text(f.Summary)))
			}
			continue
		}
		ev := e.Event
		fmt.Fprintf(&b, "%s  %-8s %s: %s\n", stampOr(e.At), ev.Status, verdict.Display(ev.Type), verdict.Display(ev.Message))
	}
	if len(tl) == 0 {
		b.WriteString("nothing recorded yet\n")
	}
	_, err = fmt.Fprint(verdict.Writer(ios.Out), b.String())
	return err
}

func stampOr(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// ExportOptions are canary archive export's command line.
type ExportOptions struct {
	IO     *cmdutil.Factory
	Args   []string
	DB     string
	Target string
}

// NewArchiveCmd is canary archive; runF, when not nil, runs instead of
// archive export, for tests of the flags.
func NewArchiveCmd(ios *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Export the canaries canary watch has stored",
	}
	export := &cobra.Command{
		Use:   "export DIR",
		Short: "Write every stored canary as files that gpg can verify",
		Long: `Write every canary canary watch has stored, exactly as it was published, to
DIR/NAME-ID/000001.txt, 000002.txt, ... with their detached signatures
(.sig, .sig.2, ...) and timestamp tokens (.tsr, .2.tsr, ...), and an
index.json per target saying when each was seen and how it was judged.
They verify without canarykit:

  gpg --verify DIR/example-org-1a2b3c4d/000001.txt
  gpg --verify DIR/example-org-1a2b3c4d/000002.txt.sig DIR/example-org-1a2b3c4d/000002.txt

Export again into the same DIR to add what is new: files already there are
kept, and one with other content stops the export rather than being
replaced.`,
		Example: `  canary archive export canary-archive
  canary archive export canary-archive --target example-org`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runExport(opts)
		},
	}
	export.Flags().StringVar(&opts.DB, "db", "", "the history database (default $XDG_STATE_HOME/canarykit/watch.db)")
	export.Flags().StringVar(&opts.Target, "target", "", "export only this target")
	cmd.AddCommand(export)
	return cmd
}

func runExport(opts *ExportOptions) error {
	ctx := context.Background()
	db, err := opts.IO.OpenHistory(ctx, opts.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	id := ""
	if opts.Target != "" {
		t, err := db.FindTarget(ctx, opts.Target)
		if err != nil {
			return err
		}
		id = t.ID
	}
	n, err := watch.Export(ctx, db, opts.Args[0], id)
	if err != nil {
		return err
	}
	verdict.Fprintf(opts.IO.Out, "exported %d canaries to %s\n", n, opts.Args[0])
	return nil
}
