package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	verifycmd "github.com/canarykit/canarykit/internal/cli/verify"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/trust"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/verify"
)

// Options are canary trust's command line. Verify holds what the canary
// is judged with, as canary verify judges it, and --format.
type Options struct {
	IO     *cmdutil.Factory
	Args   []string // SOURCE, unless --list
	List   bool
	Remove bool
	Verify verifycmd.Options
}

// NewCmd is canary trust; runF, when not nil, runs instead of the command,
// for tests of the flags.
func NewCmd(ios *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	// The defaults verifycmd.Judge needs; trust judges the canary as verify does.
	opts := &Options{IO: ios, Verify: verifycmd.Options{IO: ios, Threshold: 1, WarnBefore: "7d", Format: "text"}}
	f := &opts.Verify
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
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.Keys, "key", nil, verifycmd.KeyFlagHelp)
	fl.StringVar(&f.VKS, "vks", keys.DefaultVKS, "key server for vks: keys and bare fingerprints")
	fl.StringArrayVar(&f.Sigs, "sig", nil, "detached signature file over SOURCE; repeatable")
	cmdutil.AddWebFlags(fl, &f.Web) // the keys and a SOURCE URL are read through --proxy
	fl.BoolVar(&opts.Remove, "remove", false, "forget the pin for SOURCE")
	fl.BoolVar(&opts.List, "list", false, "print every pinned source")
	fl.StringVarP(&f.Format, "format", "f", "text", "output format: text or json")
	cmd.MarkFlagsMutuallyExclusive("list", "remove")
	return cmd
}

func run(opts *Options) error {
	ios, f, args := opts.IO, &opts.Verify, opts.Args
	list, remove := opts.List, opts.Remove
	if err := cmdutil.CheckFormat(f.Format); err != nil {
		return err
	}
	path, err := ios.TrustStorePath()
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
		return listPins(ios, st, f.Format)
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
		return report(ios, f.Format, e.Source, path, nil, nil, e.Fingerprints,
			fmt.Sprintf("Removed the pin for %s (it was %s); the next `canary verify --pin` pins whoever signs it then.\n", e.Source, strings.Join(e.Fingerprints, ", ")))
	}
	source := args[0]
	r := verifycmd.Judge(ios, source, f)
	if r.Status != verify.OK && r.Status != verify.Warning {
		return fmt.Errorf("not trusting the signers of %s: the canary does not verify (%s: %s)", source, r.Status, r.Summary)
	}
	signers := verifycmd.GoodSigners(r)
	fps := fingerprints(signers)
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
		return report(ios, f.Format, key, path, fps, nil, nil,
			fmt.Sprintf("No change: %s is already pinned to %s.\n", key, trust.Describe(signers)))
	}
	if _, err := st.Accept(source, fps, ios.Now()); err != nil {
		return err
	}
	if err := st.Save(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Pinned for %s:\n", key)
	for _, sg := range signers {
		mark := "="
		if slices.Contains(added, sg.Fingerprint) {
			mark = "+"
		}
		fmt.Fprintf(&b, "  %s %s\n", mark, trust.Describe([]trust.Signer{sg}))
	}
	for _, fp := range removed {
		fmt.Fprintf(&b, "  - %s (no longer accepted)\n", fp)
	}
	return report(ios, f.Format, key, path, fps, added, removed, b.String())
}

func fingerprints(signers []trust.Signer) []string {
	fps := make([]string, len(signers))
	for i, s := range signers {
		fps[i] = s.Fingerprint
	}
	return fps
}

func report(ios *cmdutil.Factory, format, source, store string, fps, added, removed []string, text string) error {
	if format == "json" {
		return json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(map[string]any{
			"source": source, "store": store, "fingerprints": nonNil(fps), "added": nonNil(added), "removed": nonNil(removed),
		})
	}
	_, err := fmt.Fprint(verdict.Writer(ios.Out), text) // sources and signers' names escaped
	return err
}

func listPins(ios *cmdutil.Factory, st *trust.Store, format string) error {
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
