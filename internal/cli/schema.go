package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/schema"
)

func newSchemaCmd(io *streams) *cobra.Command {
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
			var k schema.Kind
			switch args[0] {
			case "definition":
				k = schema.Definition
			case "canary":
				k = schema.Canary
			case "watch":
				k = schema.Watch
			default:
				return fmt.Errorf("unknown schema %q: use definition, canary or watch", args[0])
			}
			_, err := io.Out.Write(schema.JSON(k))
			return err
		},
	}
}
