package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/verify"
)

func newCosignCmd(io *streams) *cobra.Command {
	var key, at, format, passFile, config string
	var freeText bool
	cmd := &cobra.Command{
		Use:   "cosign FILE --key KEY.sec.asc",
		Short: "Add your signature to a canary or a draft",
		Long: `Add a signature to a canary: an unsigned draft from "canary issue --unsigned"
or an already clearsigned canary. The signed text and the signatures already
there are kept byte for byte, so they stay valid; the file is replaced
atomically. Cosigning DIR/canary.txt also updates its copy in DIR/archive/.

Before signing, it shows what you are signing: the issuer, serial, issue and
expiry dates, the statements, and what changed since the published canary
it follows (OUT/canary.txt for drafts/OUT.draft.txt, as canary issue
--unsigned names drafts; canary.txt beside any other draft; for
DIR/canary.txt, its predecessor in DIR/archive/). Read it: the draft may have been changed on
its way to you. Afterwards it counts the signatures that verify over the
text, with your key and the signers' public keys of the definition
(--config, canary.yaml by default when there is one).

A file that is not a canarykit canary, a key that the canary does not list
among its signers, or one that has already signed, is refused.`,
		Example: `  canary cosign drafts/public.draft.txt --key keys/bob.sec.asc
  canary cosign drafts/public.draft.txt --key gpg:F70D56C58248D1DD19D39559C9A3B83994E18046
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
			path := args[0]
			data, err := canary.ReadFile(path)
			if err != nil {
				return err
			}
			signed, c, err := issue.Cosignable(data)
			if err != nil && !(freeText && signed != nil) {
				return fmt.Errorf("%s: %v", path, err)
			}
			var others openpgp.EntityList
			if _, err := os.Stat(config); err == nil || cmd.Flags().Changed("config") {
				if others, err = definitionKeys(config); err != nil {
					return fmt.Errorf("--config %s: %v", config, err)
				}
			}
			var prev *canary.Canary
			var prevText []byte
			var where string
			var perr error
			var changes []string
			if c != nil {
				prev, prevText, where, perr = issue.PublishedBefore(path, c)
				if prev != nil {
					changes = issue.Changes(prev, prevText, c)
				}
			}
			switch {
			case format == "json":
			case c == nil:
				fmt.Fprintf(io.Out, "%s is a free-text canary, not in the canarykit format, so canary cannot check it; read what you are signing:\n", path)
				for _, line := range strings.Split(strings.TrimSuffix(string(signed.Text), "\n"), "\n") {
					fmt.Fprintf(io.Out, "  | %s\n", verify.Display(line))
				}
			default:
				showCanary(io, path, c, prev, where, perr, changes)
			}
			pass, err := passphraseFrom(io, passFile) // publish.go
			if err != nil {
				return err
			}
			s, err := signer.LoadSigner(key, pass)
			if err != nil {
				return err
			}
			out, err := issue.CosignFileWith(path, s, now.UTC().Truncate(1e9), issue.CosignOptions{FreeText: freeText})
			if err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			if c != nil && strings.HasPrefix(key, signer.GPGPrefix) {
				// A signer who signs through GnuPG keeps the others' keys there.
				for _, fp := range c.Signers {
					if o, err := signer.LoadSigner(signer.GPGPrefix+fp, nil); err == nil && fp != s.Fingerprint() {
						others = append(others, o.Entity)
					}
				}
			}
			threshold := 1
			if c != nil {
				threshold = c.Threshold
			}
			keys := append(openpgp.EntityList{s.Entity}, others...)
			r := verify.Verify(out, verify.Options{Keys: keys, Threshold: threshold, At: now})
			n := len(r.Signatures)
			valid, listed := map[string]bool{}, map[string]bool{}
			unchecked, bad := 0, 0
			for _, sig := range r.Signatures {
				switch sig.Status {
				case verify.SigGood:
					valid[sig.Fingerprint] = true
					if c == nil || len(c.Signers) == 0 || slices.Contains(c.Signers, sig.Fingerprint) {
						listed[sig.Fingerprint] = true
					}
				case verify.SigUnknownKey:
					unchecked++
				default:
					bad++
				}
			}
			if format == "json" {
				return json.NewEncoder(io.Out).Encode(map[string]any{
					"path": path, "signer": s.Fingerprint(), "signatures": n, "valid": len(valid),
					"unchecked": unchecked, "invalid": bad, "threshold": threshold, "canary": c,
					"previous": where, "changes": changes,
				})
			}
			fmt.Fprintf(io.Out, "Signed %s with key %s: it now has %d signature(s)", path, s.Fingerprint(), n)
			if c != nil {
				switch need := c.Threshold - len(listed); {
				case need <= 0:
					fmt.Fprintf(io.Out, ", enough for its threshold of %d", c.Threshold)
				case unchecked > 0:
					fmt.Fprintf(io.Out, ", %d more valid needed for its threshold of %d unless the unchecked ones are valid", need, c.Threshold)
				default:
					fmt.Fprintf(io.Out, ", %d more needed for its threshold of %d", need, c.Threshold)
				}
			}
			fmt.Fprintf(io.Out, ": %d valid", len(valid))
			if bad > 0 {
				fmt.Fprintf(io.Out, ", %d that do NOT verify over this text", bad)
			}
			if unchecked > 0 {
				fmt.Fprintf(io.Out, ", %d not checked (no public key for it: give the definition with --config)", unchecked)
			}
			fmt.Fprintln(io.Out)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "your armored OpenPGP secret key, or gpg:FINGERPRINT for a key in your GnuPG (required)")
	cmd.Flags().StringVar(&config, "config", "canary.yaml", "the canary definition, whose signers' public keys check the other signatures (used when it exists)")
	cmd.Flags().BoolVar(&freeText, "free-text", false, "also sign a free-text canary (not in the canarykit format), which canary cannot check")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "read the key's passphrase from the first line of this file (mode 0600)")
	cmd.Flags().StringVar(&at, "at", "", "sign as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.MarkFlagRequired("key")
	return cmd
}

// definitionKeys are the public keys of a definition's signers.
func definitionKeys(config string) (openpgp.EntityList, error) {
	def, err := issue.LoadDefinition(config)
	if err != nil {
		return nil, err
	}
	var keys openpgp.EntityList
	for _, ref := range def.Signers {
		el, err := def.SignerKeys(ref)
		if err != nil {
			return nil, err
		}
		keys = append(keys, el...)
	}
	return keys, nil
}

// showCanary prints what a cosigner is about to sign, and how it differs
// from the published canary it follows.
func showCanary(io *streams, path string, c *canary.Canary, prev *canary.Canary, where string, perr error, changes []string) {
	const day = canary.ShownTime
	w := io.Out
	fmt.Fprintf(w, "%s is canary %d of %s (%s):\n", path, c.Serial, verify.Display(c.Issuer.Name), verify.Display(c.Issuer.URL))
	valid := c.Expires.Sub(c.Issued)
	fmt.Fprintf(w, "  issued %s, expires %s (%s later)\n", c.Issued.UTC().Format(day), c.Expires.UTC().Format(day), duration.Format(valid.Truncate(time.Second)))
	fmt.Fprintf(w, "  threshold %d of %d listed signer(s)\n", c.Threshold, len(c.Signers))
	fmt.Fprintf(w, "  %d statement(s):\n", len(c.Statements))
	for _, st := range c.Statements {
		fmt.Fprintf(w, "    [%s] %s\n", st.ID, verify.Display(st.Text))
	}
	switch {
	case perr != nil:
		fmt.Fprintf(w, "  %s could not be read to compare with (%v)\n", where, perr)
	case prev == nil && c.Serial == 1:
		fmt.Fprintf(w, "  it is serial 1: there is no earlier canary to compare it with\n")
	case prev == nil:
		fmt.Fprintf(w, "  no published canary was found beside it to compare with; check the changes yourself\n")
	case len(changes) == 0:
		fmt.Fprintf(w, "  compared with %s (serial %d): same issuer, validity, threshold, signers and statements\n", where, prev.Serial)
	default:
		fmt.Fprintf(w, "  changes since %s (serial %d):\n", where, prev.Serial)
		for _, ch := range changes {
			fmt.Fprintf(w, "    %s\n", verify.Display(ch))
		}
	}
}
