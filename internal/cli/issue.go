package cli

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
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/verify"
)

func newIssueCmd(io *streams) *cobra.Command {
	var config, out, at, format, from, draft, passFile string
	var dryRun, unsigned, publishSite, yes bool
	var web webFlags // fetch.go: --proxy and --timeout of the freshness requests
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

Before anything is signed it shows how the statements differ from the
current canary (DIR/canary.txt), and warns when readers comparing the two
would be alarmed: a statement removed, reworded or given another id (this
trips the canary), the signers changed (issue one transition canary signed
by the old and the new keys), or the threshold lowered. Such a canary is
issued only with --yes. --dry-run shows the same warnings, refuses nothing
and exits 0; it reads no secret key and no passphrase.

When the signers are in different places (m of n), make a draft with
--unsigned (signer keys may then be public keys). The draft is written to
drafts/OUT.draft.txt in the definition's folder, never into DIR, which is
what gets uploaded (--draft FILE to choose). Let each signer add their
signature with "canary cosign DRAFT --key KEY", and publish it with --from
(the same draft; --from FILE for another) once enough have signed. --from
publishes only a draft whose text is exactly what the definition gives for
its serial and issue time, and names every difference otherwise.

A canary issued within the same second as the previous one (a corrected
canary right after a mistake) is dated one second after it. A clock more
than 2 seconds behind the previous canary's issue time is refused.

When DIR/canary.txt is missing or older than the newest canary in
DIR/archive/, nothing is issued: the error says which file to restore.

The definition's freshness sources and time-stamp authorities are its only
network requests; all of them go through --proxy (Tor:
socks5://127.0.0.1:9050, which also resolves their names), or HTTPS_PROXY
without it, and each is cut off after --timeout.`,
		Example: `  canary issue --config canary.yaml --out public
  canary issue --config canary.yaml --out public --dry-run
  canary issue --config canary.yaml --out public --publish --passphrase-file ~/.canary-pass
  canary issue --config canary.yaml --out public --unsigned
  canary cosign drafts/public.draft.txt --key keys/bob.sec.asc
  canary issue --config canary.yaml --out public --from`,
		Args: func(cmd *cobra.Command, args []string) error {
			// "--from FILE": the flag's value is optional, so FILE
			// arrives as an argument.
			if from == fromDraft && len(args) == 1 {
				from = args[0]
				return nil
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if err := checkFormat(format); err != nil {
				return err
			}
			if draft != "" && !unsigned && from == "" {
				return errors.New("--draft names the draft of --unsigned or --from; use it with one of them")
			}
			if dryRun && unsigned || from != "" && (dryRun || unsigned) {
				return errors.New("--dry-run, --unsigned and --from do not go together; use one")
			}
			if publishSite && (dryRun || unsigned) {
				return errors.New("--publish needs a signed canary; it does not go with --dry-run or --unsigned")
			}
			// Refused before anything is read, asked or prompted for: a
			// --proxy that does not parse must not let a request go
			// without it.
			fetcher, err := web.get()
			if err != nil {
				return err
			}
			// A draft is not signed here: no passphrase is read for it.
			var pass signer.PassphraseFunc
			if !dryRun && !unsigned {
				if pass, err = passphraseFrom(io, passFile); err != nil { // publish.go
					return err
				}
			}
			now := io.Now()
			if at != "" {
				var err error
				if now, err = parseTime("at", at); err != nil {
					return err
				}
			}
			def, err := issue.LoadDefinition(config)
			if err != nil {
				return err
			}
			if def.Freshness != nil {
				// Every freshness source and TSA is asked with the
				// command's one Fetcher; freshness has no client of its
				// own to fall back on.
				def.Freshness.Client = fetcher.Client()
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
			if draft == "" {
				draft = defaultDraft(def, out)
			}
			if from == fromDraft {
				from = draft
			}
			rv := &review{io: io, dir: out, yes: yes, dryRun: dryRun}
			if from != "" {
				return publishDraft(io, def, out, from, now, format, rv)
			}
			res, err := issue.Issue(def, out, now, issue.IssueOptions{Passphrase: pass, Draft: dryRun || unsigned, Review: rv.check})
			if err != nil {
				return err
			}
			if unsigned {
				res.Path = draft
				if err := os.MkdirAll(filepath.Dir(draft), 0o755); err != nil {
					return err
				}
				if err := atomicfile.Create(res.Path, res.Text, 0o644); errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("%s exists: a draft is already being signed; publish it with canary issue --config %s --out %s --from %s, or remove it to start again", res.Path, config, out, res.Path)
				} else if err != nil {
					return err
				}
			}
			rv.dated(res.Canary, now)
			freshnessNotes(io, def, res, dryRun || unsigned) // freshness.go
			c := res.Canary
			if format == "json" {
				return json.NewEncoder(io.Out).Encode(map[string]any{
					"path": res.Path, "canary": c, "digest": canary.Digest(res.Text), "dry_run": dryRun, "unsigned": unsigned,
					"changes": rv.changes, "warnings": rv.alarms,
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
				c.Serial, c.Issuer.Name, res.Path, c.Issued.Format(canary.ShownTime), c.Expires.Format(canary.ShownTime), len(c.Signers), res.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "canary.yaml", "the canary definition")
	cmd.Flags().StringVar(&out, "out", "public", "the publication directory")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the unsigned text of the next canary; write nothing")
	cmd.Flags().BoolVar(&unsigned, "unsigned", false, "write the next canary unsigned to the draft file (drafts/OUT.draft.txt beside the definition), for its signers to cosign")
	cmd.Flags().StringVar(&draft, "draft", "", "the draft file of --unsigned and --from (default drafts/OUT.draft.txt in the definition's folder)")
	cmd.Flags().StringVar(&from, "from", "", "publish this cosigned draft (without FILE: the --draft file) once enough signers have signed it")
	cmd.Flags().Lookup("from").NoOptDefVal = fromDraft
	cmd.Flags().BoolVar(&yes, "yes", false, "issue even though a statement is removed or reworded, or the signers change (readers will be alarmed)")
	cmd.Flags().BoolVar(&publishSite, "publish", false, "then make the web page, canary.json and feed.atom in DIR (canary publish)")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "read the signers' passphrase from the first line of this file (mode 0600)")
	cmd.Flags().StringVar(&at, "at", "", "issue as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	addNetFlags(cmd.Flags(), &web, "the freshness sources and time-stamp authorities")
	return cmd
}

// publishDraft publishes a cosigned draft only if readers would accept it:
// signed by enough of the definition's signers, chained to the current
// canary, not expired.
func publishDraft(io *streams, def *issue.Definition, dir, draft string, now time.Time, format string, rv *review) error {
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
	if _, err := issue.Successor(dir, data); err != nil {
		return err
	}
	// A draft made in the second of the previous canary is dated one
	// second after it (issue.Next).
	if dc.Issued.After(now.Add(issue.ClockSlack + time.Second)) {
		return fmt.Errorf("%s says it was issued at %s, after now (%s); is the clock right? make a new draft with canary issue --unsigned",
			draft, dc.Issued.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	diffs, err := issue.DraftDifferences(def, dir, dc)
	if err != nil {
		return err
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s does not match the definition, so it was not published: %s; make a new draft with canary issue --unsigned and have it signed again",
			draft, strings.Join(diffs, "; "))
	}
	prev, _, err := issue.ReadCurrent(dir)
	if err != nil {
		return err
	}
	if err := rv.check(prev, dc); err != nil {
		return err
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
	if err := os.MkdirAll(dir, 0o755); err != nil { // the draft is not in it
		return err
	}
	c, err := issue.PublishSigned(dir, data)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, issue.CurrentFile)
	if format == "json" {
		return json.NewEncoder(io.Out).Encode(map[string]any{"path": path, "canary": c, "digest": r.Digest, "changes": rv.changes, "warnings": rv.alarms})
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

// fromDraft is --from's value when it is given without a file: the draft
// file (--draft, or its default).
const fromDraft = "DRAFT"

// defaultDraft is where issue --unsigned writes the draft for the
// publication folder out: drafts/OUT.draft.txt in the definition's folder,
// which holds the keys and is never uploaded, unlike out.
func defaultDraft(def *issue.Definition, out string) string {
	base := filepath.Base(filepath.Clean(out))
	if abs, err := filepath.Abs(out); err == nil {
		base = filepath.Base(abs)
	}
	return filepath.Join(def.Dir, "drafts", base+".draft.txt")
}

// review shows how the next canary differs from the current one and
// refuses, without --yes, what would alarm its readers.
type review struct {
	io      *streams
	dir     string
	yes     bool
	dryRun  bool
	prev    *canary.Canary
	changes []issue.StatementChange
	alarms  []string
}

func (rv *review) check(prev, next *canary.Canary) error {
	if prev == nil {
		return nil
	}
	rv.prev = prev
	w := rv.io.Err
	cur := filepath.Join(rv.dir, issue.CurrentFile)
	rv.changes = issue.StatementChanges(prev.Statements, next.Statements)
	if len(rv.changes) == 0 {
		fmt.Fprintf(w, "Statements: all %d unchanged since canary %d (%s)\n", len(next.Statements), prev.Serial, cur)
	} else {
		fmt.Fprintf(w, "Statements compared with canary %d (%s):\n", prev.Serial, cur)
		for _, ch := range rv.changes {
			switch ch.Kind {
			case "removed":
				fmt.Fprintf(w, "  - removed  [%s] %s\n", ch.ID, verify.Display(ch.Old))
			case "reworded":
				fmt.Fprintf(w, "  ~ reworded [%s] %s\n             now: %s\n", ch.ID, verify.Display(ch.Old), verify.Display(ch.New))
			case "added":
				fmt.Fprintf(w, "  + added    [%s] %s\n", ch.ID, verify.Display(ch.New))
			}
		}
	}
	rv.alarms = issue.Alarms(prev, next)
	for _, a := range rv.alarms {
		fmt.Fprintf(w, "WARNING: %s\n", a)
	}
	switch {
	case len(rv.alarms) == 0 || rv.yes:
		return nil
	case rv.dryRun:
		fmt.Fprintf(w, "note: without --yes, canary issue refuses to issue this canary (%d warning(s) above)\n", len(rv.alarms))
		return nil
	}
	return fmt.Errorf("not issued: %d warning(s) above would alarm your readers; if the change is meant, run the same command again with --yes", len(rv.alarms))
}

// dated says when the canary is dated after the clock: issued in the
// second of the previous canary, it is dated one second after it.
func (rv *review) dated(c *canary.Canary, now time.Time) {
	if rv.prev != nil && c.Issued.After(now.UTC().Truncate(time.Second)) {
		fmt.Fprintf(rv.io.Err, "note: canary %d was issued at %s, not before now (%s); this one is dated %s, one second after it\n",
			rv.prev.Serial, rv.prev.Issued.Format(time.RFC3339), now.UTC().Truncate(time.Second).Format(time.RFC3339), c.Issued.Format(time.RFC3339))
	}
}
