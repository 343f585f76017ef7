package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/canary"
)

func newCosignCmd(io *streams) *cobra.Command {
	var key, at, format, passFile string
	cmd := &cobra.Command{
		Use:   "cosign FILE --key KEY.sec.asc",
		Short: "Add your signature to a canary or a draft",
		Long: `Add a signature to a canary: an unsigned draft from "canary issue --unsigned"
or an already clearsigned canary. The signed text and the signatures already
there are kept byte for byte, so they stay valid; the file is replaced
atomically. Cosigning DIR/canary.txt also updates its copy in DIR/archive/.

A key that the canary does not list among its signers, or that has already
signed, is refused.`,
		Example: `  canary cosign public/draft.txt --key keys/bob.sec.asc
  canary cosign public/draft.txt --key gpg:F70D56C58248D1DD19D39559C9A3B83994E18046
  CANARY_PASSPHRASE=... canary cosign public/canary.txt --key keys/carol.sec.asc`,
		Args: cobra.ExactArgs(1),
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
			pass, err := passphraseFrom(io, passFile) // publish.go
			if err != nil {
				return err
			}
			s, err := canary.LoadSigner(key, pass)
			if err != nil {
				return err
			}
			out, err := canary.CosignFile(args[0], s, now.UTC().Truncate(1e9))
			if err != nil {
				return fmt.Errorf("%s: %v", args[0], err)
			}
			signed, err := canary.Open(out)
			if err != nil {
				return err
			}
			n := canary.CountSignatures(signed.Signatures)
			status := ""
			if c, err := canary.Parse(signed.Text); err == nil {
				if n >= c.Threshold {
					status = fmt.Sprintf("enough for its threshold of %d", c.Threshold)
				} else {
					status = fmt.Sprintf("%d more needed for its threshold of %d", c.Threshold-n, c.Threshold)
				}
			}
			if format == "json" {
				return json.NewEncoder(io.Out).Encode(map[string]any{"path": args[0], "signer": s.Fingerprint(), "signatures": n})
			}
			fmt.Fprintf(io.Out, "Signed %s with key %s: it now has %d signature(s)", args[0], s.Fingerprint(), n)
			if status != "" {
				fmt.Fprintf(io.Out, ", %s", status)
			}
			fmt.Fprintln(io.Out)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "your armored OpenPGP secret key, or gpg:FINGERPRINT for a key in your GnuPG (required)")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "read the key's passphrase from the first line of this file (mode 0600)")
	cmd.Flags().StringVar(&at, "at", "", "sign as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.MarkFlagRequired("key")
	return cmd
}
