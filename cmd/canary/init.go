package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
)

func newInitCmd(io *streams) *cobra.Command {
	var name, url string
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter definition",
		Long: `Write a starter canary definition (default canary.yaml), with every key
explained. It refuses to overwrite an existing file.

The first line points editors that speak the YAML language server at the
definition's JSON Schema, so they validate and complete it.`,
		Example: `  canary init --name "Example Org" --url https://example.org
  canary key generate --uid "Alice <alice@example.org>" --out keys/alice
  canary issue --config canary.yaml --out public`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := "canary.yaml"
			if len(args) == 1 {
				file = args[0]
			}
			if err := atomicfile.Create(file, canary.StarterDefinition(file, name, url), 0o644); err != nil {
				return fmt.Errorf("%v; choose another file name or move the old one away", err)
			}
			fmt.Fprintf(io.Out, "Wrote %s. Next:\n  edit it (issuer, statements, signers)\n  canary key generate --uid \"Name <mail>\" --out keys/alice\n  canary issue --config %s --out public\n", file, file)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "Example Org", "the issuer's name, as readers should see it")
	cmd.Flags().StringVar(&url, "url", "https://example.org", "the issuer's web site")
	return cmd
}
