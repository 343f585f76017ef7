package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/verify"
)

func newIssueCmd(io *streams) *cobra.Command {
	var config, out, at, format, from, passFile string
	var dryRun, unsigned, publishSite bool
	cmd := &cobra.Command{
		Use:   "issue --config canary.yaml --out DIR",
		Short: "Issue and sign the next canary",
		Long: `Issue the next canary of a definition: read the previous one from
DIR/canary.txt (if any), chain to it, increment the serial, sign the new one
with every configured signer (all signatures in one clearsigned block), and
write DIR/canary.txt and DIR/archive/NNNNNN.txt. Writes are atomic: a failure
never leaves a half-written or unsigned canary.

The result verifies with stock "gpg --verify DIR/canary.txt".
Passphrases come from --passphrase-file, CANARY_PASSPHRASE or a prompt.
Signers may also be gpg:FINGERPRINT (your gpg-agent, smartcards) or
kms://REF keys (docs/SIGNING.md). --publish then makes the web page, JSON and
feed in DIR, as "canary publish" does.

When the signers are in different places (m of n), make a draft with
--unsigned (signer keys may then be public keys), let each signer add their
signature with "canary cosign DIR/draft.txt --key KEY", and publish it with
--from DIR/draft.txt once enough have signed. --from publishes only a draft
whose text is exactly what the definition gives for its serial and issue
time, and names every difference otherwise.

When DIR/canary.txt is missing or older than the newest canary in
DIR/archive/, nothing is issued: the error says which file to restore.`,
		Example: `  canary issue --config canary.yaml --out public
  canary issue --config canary.yaml --out public --dry-run
  canary issue --config canary.yaml --out public --publish --passphrase-file ~/.canary-pass
  canary issue --config canary.yaml --out public --unsigned
  canary cosign public/draft.txt --key keys/bob.sec.asc
  canary issue --config canary.yaml --out public --from public/draft.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if err := checkFormat(format); err != nil {
				return err
			}
			if dryRun && unsigned || from != "" && (dryRun || unsigned) {
				return errors.New("--dry-run, --unsigned and --from do not go together; use one")
			}
			if publishSite && (dryRun || unsigned) {
				return errors.New("--publish needs a signed canary; it does not go with --dry-run or --unsigned")
			}
			pass, err := passphraseFrom(io, passFile) // publish.go
			if err != nil {
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
			if publishSite {
				// Refused before anything is written: the folder is
				// to be copied to the web server whole.
				if err := checkSiteFolder(def, config, out, ""); err != nil {
					return err
				}
				// The site is made once the canary is in place; an error
				// there leaves the new canary published and says so.
				defer func() {
					if err != nil {
						return
					}
					site, serr := buildSite(def, out, "", "", now)
					if serr != nil {
						err = fmt.Errorf("the canary was issued, but the site was not made: %v; fix it and run canary publish --config %s --out %s", serr, config, out)
						return
					}
					for _, n := range site.Notes {
						fmt.Fprintln(io.Err, "note: "+n)
					}
					fmt.Fprintf(io.Err, "Site: %s (%d files); copy %s to your web server\n", filepath.Join(out, "index.html"), len(site.Files), out)
				}()
			}
			if from != "" {
				return publishDraft(io, def, out, from, now, format)
			}
			res, err := canary.Issue(def, out, now, canary.IssueOptions{Passphrase: pass, Draft: dryRun || unsigned})
			if err != nil {
				return err
			}
			if unsigned {
				res.Path = filepath.Join(out, canary.DraftFile)
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				if err := atomicfile.Create(res.Path, res.Text, 0o644); errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("%s exists: a draft is already being signed; publish it with --from, or remove it to start again", res.Path)
				} else if err != nil {
					return err
				}
			}
			freshnessNotes(io, def, res, dryRun || unsigned) // freshness.go
			c := res.Canary
			if format == "json" {
				return json.NewEncoder(io.Out).Encode(map[string]any{
					"path": res.Path, "canary": c, "digest": canary.Digest(res.Text), "dry_run": dryRun, "unsigned": unsigned,
				})
			}
			switch {
			case dryRun:
				_, err := io.Out.Write(res.Text)
				return err
			case unsigned:
				fmt.Fprintf(io.Out, "Draft of canary %d of %s: %s\n  %d of these signers must sign it (threshold %d):\n", c.Serial, c.Issuer.Name, res.Path, c.Threshold, c.Threshold)
				for _, fp := range c.Signers {
					fmt.Fprintf(io.Out, "    %s\n", fp)
				}
				fmt.Fprintf(io.Out, "Each signer runs: canary cosign %s --key THEIR.sec.asc\nThen publish it: canary issue --config %s --out %s --from %s\n", res.Path, config, out, res.Path)
				return nil
			}
			fmt.Fprintf(io.Out, "Issued canary %d of %s: %s\n  issued %s, expires %s, signed by %d key(s)\nCheck it with: gpg --verify %s\n",
				c.Serial, c.Issuer.Name, res.Path, c.Issued.Format("2006-01-02 15:04 UTC"), c.Expires.Format("2006-01-02 15:04 UTC"), len(c.Signers), res.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "canary.yaml", "the canary definition")
	cmd.Flags().StringVar(&out, "out", "public", "the publication directory")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the unsigned text of the next canary; write nothing")
	cmd.Flags().BoolVar(&unsigned, "unsigned", false, "write the next canary unsigned to DIR/draft.txt, for its signers to cosign")
	cmd.Flags().StringVar(&from, "from", "", "publish this cosigned draft once enough signers have signed it")
	cmd.Flags().BoolVar(&publishSite, "publish", false, "then make the web page, canary.json and feed.atom in DIR (canary publish)")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "read the signers' passphrase from the first line of this file (mode 0600)")
	cmd.Flags().StringVar(&at, "at", "", "issue as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// publishDraft publishes a cosigned draft only if readers would accept it:
// signed by enough of the definition's signers, chained to the current
// canary, not expired.
func publishDraft(io *streams, def *canary.Definition, dir, draft string, now time.Time, format string) error {
	data, err := canary.ReadFile(draft)
	if err != nil {
		return err
	}
	// Cosigners see only what cosign shows them; the draft may have been
	// changed on its way between them. Publish only what the definition
	// itself gives for this serial and issue time.
	signed, err := canary.Open(data)
	if err != nil {
		return fmt.Errorf("%s: %v", draft, err)
	}
	dc, err := canary.Parse(signed.Text)
	if err != nil {
		return fmt.Errorf("%s: not a canarykit canary: %v", draft, err)
	}
	if _, err := canary.Successor(dir, data); err != nil {
		return err
	}
	if dc.Issued.After(now) {
		return fmt.Errorf("%s says it was issued at %s, after now (%s); is the clock right? make a new draft with canary issue --unsigned",
			draft, dc.Issued.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	diffs, err := canary.DraftDifferences(def, dir, dc)
	if err != nil {
		return err
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s does not match the definition, so it was not published: %s; make a new draft with canary issue --unsigned and have it signed again",
			draft, strings.Join(diffs, "; "))
	}
	var keys openpgp.EntityList
	for _, ref := range def.Signers {
		el, err := def.SignerKeys(ref)
		if err != nil {
			return err
		}
		keys = append(keys, el...)
	}
	r := verify.Verify(data, verify.Options{Keys: keys, Threshold: def.Threshold, At: now})
	for _, c := range r.Checks {
		if c.Status != verify.OK && c.Name != "expiry" || c.Status == verify.Critical || c.Status == verify.Unknown {
			return fmt.Errorf("%s is not ready to publish: %s", draft, c.Message)
		}
	}
	c, err := canary.PublishSigned(dir, data)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, canary.CurrentFile)
	if format == "json" {
		return json.NewEncoder(io.Out).Encode(map[string]any{"path": path, "canary": c, "digest": r.Digest})
	}
	var who []string
	for _, s := range r.Signatures {
		if s.Status == verify.SigGood {
			who = append(who, s.Signer)
		}
	}
	fmt.Fprintf(io.Out, "Published canary %d of %s: %s\n  signed by %s\nYou can delete %s now.\n", c.Serial, c.Issuer.Name, path, strings.Join(who, ", "), draft)
	return nil
}
