package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/schema"
)

// schemaFile is the definition's JSON Schema, which canary init writes
// beside the definition: the modeline names it by a relative path, so that
// editors validate offline and against the schema of this canary version,
// not whatever a web site serves.
const schemaFile = "definition.schema.json"

// offlineModeline points the YAML language server at schemaFile.
func offlineModeline(def []byte) []byte {
	first, rest, _ := bytes.Cut(def, []byte("\n"))
	if !bytes.HasPrefix(first, []byte("# yaml-language-server:")) {
		return def
	}
	return append([]byte("# yaml-language-server: $schema="+schemaFile+"\n"), rest...)
}

// writeSchema writes the definition schema beside file, leaving an existing
// one alone; it says which.
func writeSchema(file string) (string, error) {
	p := filepath.Join(filepath.Dir(file), schemaFile)
	if _, err := os.Lstat(p); err == nil {
		return fmt.Sprintf("kept the existing %s (refresh it with canary schema definition > %s)", p, p), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := atomicfile.Create(p, schema.JSON(schema.Definition), 0o644); err != nil {
		return "", err
	}
	return "wrote its JSON Schema to " + p + ", for editors", nil
}

func newInitCmd(io *streams) *cobra.Command {
	var name, url string
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter definition",
		Long: `Write a starter canary definition (default canary.yaml), with every key
explained. It refuses to overwrite an existing file.

The first line points editors that speak the YAML language server at the
definition's JSON Schema, so they validate and complete it. The schema is
written beside the definition as definition.schema.json (an existing one is
kept) and named by that relative path, so that it works offline and matches
this version of canary; "canary schema definition" prints it again.`,
		Example: `  canary init --name "Example Org" --url https://example.org
  canary key generate --uid "Alice <alice@example.org>" --out keys/alice
  canary issue --config canary.yaml --out public`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := "canary.yaml"
			if len(args) == 1 {
				file = args[0]
			}
			if err := atomicfile.Create(file, offlineModeline(issue.StarterDefinition(file, name, url)), 0o644); err != nil {
				return fmt.Errorf("%v; choose another file name or move the old one away", err)
			}
			note, err := writeSchema(file)
			if err != nil {
				return fmt.Errorf("wrote %s, but not its schema: %v", file, err)
			}
			fmt.Fprintf(io.Out, "Wrote %s; %s. Next:\n  edit it (issuer, statements, signers)\n  canary key generate --uid \"Name <mail>\" --out keys/alice\n  canary issue --config %s --out public\n", file, note, file)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "Example Org", "the issuer's name, as readers should see it")
	cmd.Flags().StringVar(&url, "url", "https://example.org", "the issuer's web site")
	return cmd
}
