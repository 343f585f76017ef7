package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/build"
)

func newVersionCmd(io *streams) *cobra.Command {
	var format string
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
			if err := checkFormat(format); err != nil {
				return err
			}
			v := build.Current()
			if format == "json" {
				b, err := json.Marshal(v)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(io.Out, "%s\n", b)
				return err
			}
			_, err := fmt.Fprintf(io.Out, "canary version %s\n", v)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
