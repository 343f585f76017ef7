package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/canary"
)

func newIssueCmd(io *streams) *cobra.Command {
	var config, out, at, format string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "issue --config canary.yaml --out DIR",
		Short: "Issue and sign the next canary",
		Long: `Issue the next canary of a definition: read the previous one from
DIR/canary.txt (if any), chain to it, increment the serial, sign the new one
with every configured signer (all signatures in one clearsigned block), and
write DIR/canary.txt and DIR/archive/NNNNNN.txt. Writes are atomic: a failure
never leaves a half-written or unsigned canary.

The result verifies with stock "gpg --verify DIR/canary.txt".
Passphrases come from CANARY_PASSPHRASE or a prompt.`,
		Example: `  canary issue --config canary.yaml --out public
  canary issue --config canary.yaml --out public --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			now := io.Now()
			if at != "" {
				var err error
				if now, err = parseTime("at", at); err != nil {
					return err
				}
			}
			def, err := canary.LoadDefinition(config)
			if err != nil {
				return err
			}
			res, err := canary.Issue(def, out, now, canary.IssueOptions{Passphrase: passphrase(io), Draft: dryRun})
			if err != nil {
				return err
			}
			c := res.Canary
			if format == "json" {
				return json.NewEncoder(io.Out).Encode(map[string]any{
					"path": res.Path, "canary": c, "digest": canary.Digest(res.Text), "dry_run": dryRun,
				})
			}
			if dryRun {
				_, err := io.Out.Write(res.Text)
				return err
			}
			fmt.Fprintf(io.Out, "Issued canary %d of %s: %s\n  issued %s, expires %s, signed by %d key(s)\nCheck it with: gpg --verify %s\n",
				c.Serial, c.Issuer.Name, res.Path, c.Issued.Format("2006-01-02 15:04 UTC"), c.Expires.Format("2006-01-02 15:04 UTC"), len(c.Signers), res.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "canary.yaml", "the canary definition")
	cmd.Flags().StringVar(&out, "out", "public", "the publication directory")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the unsigned text of the next canary; write nothing")
	cmd.Flags().StringVar(&at, "at", "", "issue as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
