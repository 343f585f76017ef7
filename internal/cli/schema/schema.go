// Package schema is canary schema: the JSON Schemas of what canary reads
// and writes.
package schema

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/schema"
)

// Options are canary schema's command line.
type Options struct {
	IO   *cmdutil.Factory
	Kind string // definition, canary or watch
}

// NewCmd is canary schema; runF, when not nil, runs instead of the
// command, for tests of the arguments.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f}
	return &cobra.Command{
		Use:   "schema definition|canary|watch",
		Short: "Print a JSON Schema",
		Long: `Print the JSON Schema of a canary definition (the YAML a publisher writes)
of a canary (the parsed form that "canary verify --format json" prints), or
of a watch list (canary watch --config),
for editors and other tools to validate against.`,
		Example:   "  canary schema definition > definition.schema.json",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"definition", "canary", "watch"},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kind = args[0]
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
}

func run(opts *Options) error {
	var k schema.Kind
	switch opts.Kind {
	case "definition":
		k = schema.Definition
	case "canary":
		k = schema.Canary
	case "watch":
		k = schema.Watch
	default:
		return fmt.Errorf("unknown schema %q: use definition, canary or watch", opts.Kind)
	}
	_, err := opts.IO.Out.Write(schema.JSON(k))
	return err
}
