package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/keys"
	"github.com/canarykit/canarykit/trust"
	"github.com/canarykit/canarykit/verify"
)

const keyFlagHelp = "publisher's key: a key FILE (armored or binary; a keyring works), wkd:user@domain,\nvks:FINGERPRINT, or a FINGERPRINT the other keys must match; repeatable"

// resolveKeys turns the --key specs into keys. Its errors become an UNKNOWN
// verdict: a key that could not be found says nothing about the canary.
//
// wkd: and vks: keys are fetched with the client of the run's Fetcher, so
// through --proxy like the canary: a reader using Tor must not tell their
// network whose canary they check by asking the key server directly.
func resolveKeys(f *verifyFlags) (openpgp.EntityList, error) {
	fetcher, err := f.web.get()
	if err != nil {
		return nil, err
	}
	return keys.Resolve(context.Background(), f.keys, keys.Options{HTTPClient: fetcher.Client(), VKS: f.vks})
}

// goodSigners are the distinct primary fingerprints of the good signatures,
// in order, with a name for each to show.
func goodSigners(r *verify.Result) (fps []string, names map[string]string) {
	names = map[string]string{}
	for _, s := range r.Signatures {
		if s.Status == verify.SigGood && s.Fingerprint != "" && !slices.Contains(fps, s.Fingerprint) {
			fps = append(fps, s.Fingerprint)
			names[s.Fingerprint] = s.Signer
		}
	}
	return fps, names
}

func signerList(fps []string, names map[string]string) string {
	var out []string
	for _, fp := range fps {
		if n := names[fp]; n != "" {
			out = append(out, n+" ("+fp+")")
		} else {
			out = append(out, fp)
		}
	}
	return strings.Join(out, ", ")
}

// checkPin compares the canary's good signers with the trust store and adds
// a "pin" check. With --pin the first signers seen for a source are pinned.
// Without it a source pinned before is still checked: a reader who pinned
// once stays protected even when a script forgets the flag.
func checkPin(ios *streams, r *verify.Result, source string, f *verifyFlags) {
	if f.pin && source == "-" {
		r.Add("pin", verify.Unknown, "--pin needs a file or URL to remember the signers of; standard input has no name")
		return
	}
	fps, names := goodSigners(r)
	if len(fps) == 0 || source == "-" {
		return // no good signature: the verdict already says so, and nothing is pinned
	}
	path, err := trust.DefaultPath(ios.Getenv)
	if err != nil {
		if f.pin {
			r.Add("pin", verify.Unknown, err.Error())
		}
		return
	}
	if !f.pin {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
	st, err := trust.Open(path)
	if err != nil {
		r.Add("pin", verify.Unknown, err.Error())
		return
	}
	// Pins follow only canaries that verified: a broken one must not
	// establish trust, nor count as seen.
	verified := r.Status == verify.OK || r.Status == verify.Warning
	v := st.Check(source, fps)
	switch v.Decision {
	case trust.FirstUse:
		if !f.pin {
			return
		}
		if !verified {
			r.Add("pin", verify.Unknown, "nothing pinned: the canary did not verify")
			return
		}
		// (err, not a new one scoped to the if: Save's error must be seen.)
		err := st.Record(source, fps, ios.Now())
		if err == nil {
			err = st.Save()
		}
		if ce, ok := errors.AsType[*trust.ConflictError](err); ok {
			// Another run pinned other signers first: theirs is kept.
			keyChanged(r, source, ce.Verdict, fps, names)
			return
		}
		if err != nil {
			r.Add("pin", verify.Warning, fmt.Sprintf("could not pin the signers: %v", err))
			return
		}
		r.Add("pin", verify.OK, fmt.Sprintf("first use: pinned signer(s) %s for %s", signerList(fps, names), source))
	case trust.Pinned:
		msg := fmt.Sprintf("signed by pinned key(s) %s, pinned %s", signerList(fps, names), v.Entry.Pinned.Format("2006-01-02"))
		if len(v.Absent) > 0 {
			msg += fmt.Sprintf("; pinned key(s) %s did not sign this one", strings.Join(v.Absent, ", "))
		}
		if f.pin && verified {
			err := st.Record(source, fps, ios.Now())
			if err == nil {
				err = st.Save()
			}
			if ce, ok := errors.AsType[*trust.ConflictError](err); ok {
				// `canary trust` replaced the pin meanwhile.
				keyChanged(r, source, ce.Verdict, fps, names)
				return
			}
			if err != nil {
				r.Add("pin", verify.Warning, msg+fmt.Sprintf("; could not update the trust store: %v", err))
				return
			}
		}
		r.Add("pin", verify.OK, msg)
	case trust.Changed:
		keyChanged(r, source, v, fps, names)
	}
}

// keyChanged adds the CRITICAL "pin" check for signers fps that the pin in
// v does not hold.
func keyChanged(r *verify.Result, source string, v trust.Verdict, fps []string, names map[string]string) {
	now := signerList(fps, names)
	if len(v.Unpinned) < len(fps) {
		now += "; not pinned: " + strings.Join(v.Unpinned, ", ")
	}
	r.Add("pin", verify.Critical, fmt.Sprintf("key changed: %s was signed by %s before, now by %s; if this is expected, run `canary trust %s` with the keys you trust",
		source, strings.Join(v.Entry.Fingerprints, ", "), now, source))
}

func newTrustCmd(ios *streams) *cobra.Command {
	// The defaults runVerify needs; trust judges the canary as verify does.
	f := &verifyFlags{threshold: 1, warnBefore: "7d", format: "text"}
	var list, remove bool
	cmd := &cobra.Command{
		Use:   "trust SOURCE --key KEY",
		Short: "Accept the current signers of a canary source (after a key change)",
		Long: `Pin the keys that sign SOURCE now, replacing those pinned before.

"canary verify --pin" pins the signers of a source the first time it is
verified, and from then on a canary from that source signed by any other key
is CRITICAL ("key changed"): the publisher's domain or key may have been
taken over. When you have made sure the change is genuine (ask the publisher
through another channel), run canary trust with the keys you now trust. The
canary is verified first; only a canary that verifies is trusted.

The store is $CANARY_TRUST_STORE, else $XDG_STATE_HOME/canarykit/trust.json,
else ~/.local/state/canarykit/trust.json.`,
		Example: `  canary trust canary.txt --key wkd:canary@example.org
  canary trust canary.txt --key new-key.pub.asc
  canary trust canary.txt --remove
  canary trust --list --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(f.format); err != nil {
				return err
			}
			path, err := trust.DefaultPath(ios.Getenv)
			if err != nil {
				return err
			}
			st, err := trust.Open(path)
			if err != nil {
				return err
			}
			switch {
			case list:
				if len(args) > 0 {
					return errors.New("--list takes no SOURCE")
				}
				return listPins(ios, st, f.format)
			case len(args) == 0:
				return errors.New("give the SOURCE whose signers to trust, or --list")
			case args[0] == "-":
				return errors.New("standard input has no name to pin keys to; give the file or URL")
			case remove:
				e, ok := st.Remove(args[0])
				if !ok {
					return fmt.Errorf("%s is not pinned in %s; `canary trust --list` shows what is", trust.Normalize(args[0]), path)
				}
				if err := st.Save(); err != nil {
					return err
				}
				return report(ios, f.format, e.Source, path, nil, nil, e.Fingerprints,
					fmt.Sprintf("Removed the pin for %s (it was %s); the next `canary verify --pin` pins whoever signs it then.\n", e.Source, strings.Join(e.Fingerprints, ", ")))
			}
			source := args[0]
			r := runVerify(ios, source, f)
			if r.Status != verify.OK && r.Status != verify.Warning {
				return fmt.Errorf("not trusting the signers of %s: the canary does not verify (%s: %s)", source, r.Status, r.Summary)
			}
			fps, names := goodSigners(r)
			if len(fps) == 0 {
				return fmt.Errorf("not trusting the signers of %s: no good signature by a key you gave", source)
			}
			old, _ := st.Lookup(source)
			var added, removed []string
			for _, fp := range fps {
				if !slices.Contains(old.Fingerprints, fp) {
					added = append(added, fp)
				}
			}
			for _, fp := range old.Fingerprints {
				if !slices.Contains(fps, fp) {
					removed = append(removed, fp)
				}
			}
			key := trust.Normalize(source)
			if len(added) == 0 && len(removed) == 0 {
				return report(ios, f.format, key, path, fps, nil, nil,
					fmt.Sprintf("No change: %s is already pinned to %s.\n", key, signerList(fps, names)))
			}
			if _, err := st.Accept(source, fps, ios.Now()); err != nil {
				return err
			}
			if err := st.Save(); err != nil {
				return err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Pinned for %s:\n", key)
			for _, fp := range fps {
				mark := "="
				if slices.Contains(added, fp) {
					mark = "+"
				}
				fmt.Fprintf(&b, "  %s %s\n", mark, signerList([]string{fp}, names))
			}
			for _, fp := range removed {
				fmt.Fprintf(&b, "  - %s (no longer accepted)\n", fp)
			}
			return report(ios, f.format, key, path, fps, added, removed, b.String())
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.keys, "key", nil, keyFlagHelp)
	fl.StringVar(&f.vks, "vks", keys.DefaultVKS, "key server for vks: keys and bare fingerprints")
	fl.StringArrayVar(&f.sigs, "sig", nil, "detached signature file over SOURCE; repeatable")
	cmdutil.AddWebFlags(fl, &f.web.WebFlags) // the keys and a SOURCE URL are read through --proxy
	fl.BoolVar(&remove, "remove", false, "forget the pin for SOURCE")
	fl.BoolVar(&list, "list", false, "print every pinned source")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	cmd.MarkFlagsMutuallyExclusive("list", "remove")
	return cmd
}

func report(ios *streams, format, source, store string, fps, added, removed []string, text string) error {
	if format == "json" {
		return json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(map[string]any{
			"source": source, "store": store, "fingerprints": nonNil(fps), "added": nonNil(added), "removed": nonNil(removed),
		})
	}
	_, err := fmt.Fprint(verdict.Writer(ios.Out), text) // sources and signers' names escaped
	return err
}

func listPins(ios *streams, st *trust.Store, format string) error {
	entries := st.Entries()
	if format == "json" {
		return json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(map[string]any{"store": st.Path(), "sources": entries})
	}
	if len(entries) == 0 {
		_, err := verdict.Fprintf(ios.Out, "No source is pinned (store %s).\n", st.Path())
		return err
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s\n  %s\n  pinned %s, first seen %s, last seen %s\n", e.Source, strings.Join(e.Fingerprints, ", "),
			e.Pinned.Format("2006-01-02 15:04 UTC"), e.FirstSeen.Format("2006-01-02 15:04 UTC"), e.LastSeen.Format("2006-01-02 15:04 UTC"))
	}
	_, err := fmt.Fprint(verdict.Writer(ios.Out), b.String()) // sources escaped
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
