// Package version is canary version: which build this binary is.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/build"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
)

// Options are canary version's command line.
type Options struct {
	IO     *cmdutil.Factory
	Format string
}

// NewCmd is canary version; runF, when not nil, runs instead of the
// command, for tests of the flags.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go toolchain of this binary",
		Long: `Print canary's version, the commit it was built from and the Go toolchain
that built it; "canary --version" prints the same line.

Release binaries carry the version of their git tag. A binary built with
go install module@version carries that module version; one built in a git
checkout carries the commit, marked "dirty" when the tree had uncommitted
changes. A build with neither says "(devel)" and "commit unknown": canary
never invents a version.

--format json prints version, commit, commit_time, dirty, go, platform and
module, for inventories and bug reports.`,
		Example: `  canary version
  canary version --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: text or json")
	return cmd
}

func run(opts *Options) error {
	if err := cmdutil.CheckFormat(opts.Format); err != nil {
		return err
	}
	v := build.Current()
	if opts.Format == "json" {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(opts.IO.Out, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintf(opts.IO.Out, "canary version %s\n", v)
	return err
}
