// Package status is canary status: when a publisher's next canary is due.
package status

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/verify"
)

// Options are canary status's command line.
type Options struct {
	IO         *cmdutil.Factory
	Config     string
	Dir        string
	At         string
	WarnBefore string
	Format     string
}

// NewCmd is canary status; runF, when not nil, runs instead of the
// command, for tests of the flags.
func NewCmd(io *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "status --config canary.yaml --out DIR",
		Short: "Tell a publisher when the next canary is due",
		Long: `Tell a publisher where their canary stands: when the next one is due (the
last one's Issued time plus the cadence) and on which weekday, how many days
are left, until when the current one holds, whether every signer's key can
still sign on the due date, and when the time-stamp authorities'
certificates expire.

Run it daily from cron or a monitor: the exit code follows the
monitoring-plugin convention, so it reminds you before the deadline,
weekends included.
  0 OK        nothing to do yet
  1 WARNING   the next canary is due within --warn-before (default 14d), or a
              key or TSA certificate expires before it is due
  2 CRITICAL  the next canary is overdue, the current one has expired, or
              too few signers can still sign
  3 UNKNOWN   could not tell: no canary in DIR, a bad definition, a key
              that cannot be read`,
		Example: `  canary status --config canary.yaml --out public
  canary status --config canary.yaml --out public --format json
  canary status --config canary.yaml --out public --at 2027-02-15T09:00:00Z
  # crontab: cron mails what it prints, so print only when it is not OK
  0 9 * * * s=$(canary status --config /srv/canary/canary.yaml --out /srv/canary/public) || echo "$s"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Config, "config", "canary.yaml", "the canary definition")
	cmd.Flags().StringVar(&opts.Dir, "out", "public", "the publication directory canary issue writes")
	cmd.Flags().StringVar(&opts.At, "at", "", "judge as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&opts.WarnBefore, "warn-before", "14d", "WARNING this long before the next canary is due")
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: text or json")
	return cmd
}

func run(opts *Options) error {
	if err := cmdutil.CheckFormat(opts.Format); err != nil {
		return err
	}
	now, err := opts.IO.At(opts.At)
	if err != nil {
		return err
	}
	before, err := duration.Parse(opts.WarnBefore)
	if err != nil || before <= 0 {
		return fmt.Errorf("--warn-before %q: give a duration such as 14d or 3w", opts.WarnBefore)
	}
	def, err := issue.LoadDefinition(opts.Config)
	if err != nil {
		return err
	}
	s, err := issue.Check(issue.StatusOptions{Def: def, Dir: opts.Dir, At: now, WarnBefore: before})
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		err = json.NewEncoder(verdict.JSONWriter(opts.IO.Out)).Encode(s)
	} else {
		err = writeStatus(opts.IO, s)
	}
	if err != nil {
		return err
	}
	if s.Status != verify.OK {
		return cmdutil.ExitError{Code: int(s.Status)}
	}
	return nil
}

func writeStatus(io *cmdutil.Factory, s *issue.Status) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", s.Summary)
	width := 0
	for _, c := range s.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range s.Checks {
		fmt.Fprintf(&b, "  %-8s  %-*s  %s\n", c.Status, width, c.Name, c.Message)
	}
	fmt.Fprintf(&b, "\nCanary %d: issued %s, next due %s, valid until %s.\n",
		s.Serial, s.Issued.Format(time.RFC3339), s.Due.Format(time.RFC3339), s.Expires.Format(time.RFC3339))
	_, err := fmt.Fprint(verdict.Writer(io.Out), b.String()) // key paths, issuer escaped
	return err
}
