// Package demo is canary demo: a canary's whole life, offline.
package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	issuing "github.com/canarykit/canarykit/internal/issue"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/verify"
)

// Options are canary demo's command line.
type Options struct {
	IO   *cmdutil.Factory
	Keep bool
}

// NewCmd is canary demo; runF, when not nil, runs instead of the
// command, for tests of the flags.
func NewCmd(ios *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show the whole life of a canary in a temporary directory",
		Long: `Run a publisher and a reader side by side, offline, in a temporary
directory: make a key and a definition, issue a canary, catch a stale one,
renew it, and catch a tripped one (a statement removed). Nothing outside
the temporary directory is touched.`,
		Example: "  go run ./cmd/canary demo\n  canary demo --keep",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the temporary directory to look at the files")
	return cmd
}

func run(opts *Options) error {
	dir, err := os.MkdirTemp("", "canary-demo-")
	if err != nil {
		return err
	}
	if opts.Keep {
		fmt.Fprintf(opts.IO.Out, "Working in %s (kept afterwards)\n\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	return runDemo(opts.IO, dir)
}

func runDemo(ios *cmdutil.Factory, dir string) error {
	now := ios.Now().UTC().Truncate(time.Second)
	day := 24 * time.Hour
	out := ios.Out
	step := func(n int, title string) { fmt.Fprintf(out, "\n== %d. %s\n", n, title) }

	step(1, "The publisher makes a signing key and a definition")
	// The key is dated a year back so that it predates the canaries this
	// demo backdates to show a stale one.
	sec, pub, fp, err := pgpkeys.GenerateKey("Example Org canary <canary@example.org>", nil, 0, now.Add(-365*day))
	if err != nil {
		return err
	}
	keyDir := filepath.Join(dir, "keys")
	pubDir := filepath.Join(dir, "public")
	for _, d := range []string{keyDir, pubDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(keyDir, "alice.sec.asc"), sec, 0o600); err != nil {
		return err
	}
	pubFile := filepath.Join(keyDir, "alice.pub.asc")
	if err := os.WriteFile(pubFile, pub, 0o644); err != nil {
		return err
	}
	defFile := filepath.Join(dir, "canary.yaml")
	starter := issuing.StarterDefinition(defFile, "Example Org", "https://example.org")
	if err := os.WriteFile(defFile, starter, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "key %s, definition %s (cadence 90d, grace 7d, 3 statements)\n", fp, defFile)

	issue := func(at time.Time) (*issuing.Issued, error) {
		def, err := issuing.LoadDefinition(defFile)
		if err != nil {
			return nil, err
		}
		return issuing.Issue(def, pubDir, at, issuing.IssueOptions{})
	}
	keys, err := pgpkeys.ReadKeyFile(pubFile)
	if err != nil {
		return err
	}
	check := func(file string, previous []byte, want verify.Status) error {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		r := verify.Verify(data, verify.Options{Keys: keys, At: now, Previous: previous})
		fmt.Fprintf(out, "$ canary verify %s --key keys/alice.pub.asc", rel(dir, file))
		if previous != nil {
			fmt.Fprint(out, " --previous last-trusted.txt")
		}
		fmt.Fprintln(out)
		verify.WriteText(out, r)
		if r.Status != want {
			return fmt.Errorf("demo went wrong: expected %s, got %s", want, r.Status)
		}
		return nil
	}

	step(2, "120 days ago, the publisher issued canary 1")
	first, err := issue(now.Add(-120 * day))
	if err != nil {
		return err
	}
	firstCopy := filepath.Join(dir, "canary-1.txt")
	if err := os.WriteFile(firstCopy, first.Signed, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s:\n%s", rel(dir, first.Path), indent(string(first.Signed)))

	step(3, "Today a reader checks it: the canary was not renewed in time")
	if err := check(firstCopy, nil, verify.Critical); err != nil {
		return err
	}

	step(4, "The publisher renews it (canary 2); the reader compares it with canary 1")
	second, err := issue(now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if err := check(second.Path, first.Signed, verify.OK); err != nil {
		return err
	}

	step(5, "The publisher is served a gag order and drops that statement (canary 3)")
	gag := regexp.MustCompile(`(?m)^  - id: no-gag-orders\n    text: .*\n`)
	if err := os.WriteFile(defFile, gag.ReplaceAll(starter, nil), 0o644); err != nil {
		return err
	}
	if _, err := issue(now); err != nil {
		return err
	}
	if err := check(filepath.Join(pubDir, issuing.CurrentFile), second.Signed, verify.Critical); err != nil {
		return err
	}

	fmt.Fprintf(out, "\nEvery canary here also verifies without canarykit: gpg --import keys/alice.pub.asc; gpg --verify public/canary.txt\n")
	return nil
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}
