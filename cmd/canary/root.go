package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/signer"
)

// streams are the command's input and output, injected so that tests can
// drive commands without a terminal.
type streams struct {
	In         io.Reader
	Out, Err   io.Writer
	IsTerminal bool // stdin and stderr are a terminal: prompts are possible
	Getenv     func(string) string
	Now        func() time.Time
}

func systemStreams() *streams {
	return &streams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		IsTerminal: term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:     os.Getenv,
		Now:        time.Now,
	}
}

// exitError carries an exit code other than the UNKNOWN given to errors.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(args []string, io *streams) int {
	cmd := newRootCmd(io, args)
	cmd.SetArgs(args)
	cmd.SetIn(io.In)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.Err)
	err := cmd.Execute()
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	// An error quotes what it could not use: a file name, a URL, a key's
	// user ID, a server's answer. It is printed by the one escaping rule,
	// lines kept, so that none of that reaches the terminal raw.
	verdict.Fprintf(io.Err, "canary: %v\n", err)
	// Anything that stopped a command is "could not check" in the
	// monitoring convention, never a verdict about a canary.
	return int(verdict.Unknown)
}

// commands are the top-level commands, in the order help lists them.
var commands = []struct {
	name string
	new  func(*streams) *cobra.Command
}{
	{"init", newInitCmd},
	{"key", newKeyCmd},
	{"issue", newIssueCmd},
	{"cosign", newCosignCmd},
	{"publish", newPublishCmd},
	{"status", newStatusCmd},
	{"verify", newVerifyCmd},
	{"trust", newTrustCmd},
	{"schema", newSchemaCmd},
	{"demo", newDemoCmd},
	{"watch", newWatchCmd},
	{"history", newHistoryCmd},
	{"archive", newArchiveCmd},
	{"db", newDBCmd},
	{"notify", newNotifyCmd},
	{"version", newVersionCmd},
}

func newRootCmd(io *streams, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "canary",
		Short: "Issue, sign and verify warrant canaries",
		Long: `canary issues, signs and verifies warrant canaries: dated, signed statements
that an organisation renews on a schedule, so that readers notice when one
lapses or a statement disappears.

Publishers:  canary init, canary key generate, canary issue, canary cosign,
             canary publish, canary status
Readers:     canary verify, canary trust
Try it:      canary demo

Exit codes follow the monitoring-plugin convention:
  0 OK, 1 WARNING, 2 CRITICAL (invalid, expired, tripped), 3 UNKNOWN (could not check).`,
		Version:       currentVersion().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// canary --version prints what canary version prints.
	root.SetVersionTemplate("canary version {{.Version}}\n")
	// canary completion bash|zsh|fish|powershell is listed in help: shells
	// complete commands, flags, schema kinds and file names from it.
	// A process builds only the command it runs: constructing all fifteen
	// with their flags and help texts is a measurable part of a cold
	// canary verify (bench/RESULTS.md). Help, completion, suggestions for
	// a mistyped name and the bare root still see every command.
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				root.AddCommand(c.new(io))
				return root
			}
		}
	}
	for _, c := range commands {
		root.AddCommand(c.new(io))
	}
	return root
}

// passphrase returns the function that unlocks secret keys: from
// CANARY_PASSPHRASE, else from a prompt when there is a terminal.
func passphrase(io *streams) signer.PassphraseFunc {
	if pw := io.Getenv("CANARY_PASSPHRASE"); pw != "" {
		return func(string, string) ([]byte, error) { return []byte(pw), nil }
	}
	if !io.IsTerminal {
		return nil
	}
	return func(source, fp string) ([]byte, error) {
		fmt.Fprintf(io.Err, "Passphrase for %s (%s): ", source, fp)
		pw, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(io.Err)
		return pw, err
	}
}

func parseTime(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q is not an RFC 3339 time like 2026-01-31T12:00:00Z", flag, s)
	}
	return t, nil
}

func checkFormat(f string) error {
	switch f {
	case "text", "json":
		return nil
	}
	return fmt.Errorf("--format %q: use text or json", f)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}
