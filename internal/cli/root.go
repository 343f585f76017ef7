package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/canarykit/canarykit/internal/cli/build"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	democmd "github.com/canarykit/canarykit/internal/cli/demo"
	historycmd "github.com/canarykit/canarykit/internal/cli/history"
	notifycmd "github.com/canarykit/canarykit/internal/cli/notify"
	schemacmd "github.com/canarykit/canarykit/internal/cli/schema"
	statuscmd "github.com/canarykit/canarykit/internal/cli/status"
	trustcmd "github.com/canarykit/canarykit/internal/cli/trust"
	verifycmd "github.com/canarykit/canarykit/internal/cli/verify"
	versioncmd "github.com/canarykit/canarykit/internal/cli/version"
	signing "github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/internal/verdict"
)

// Main runs canary with the process's streams; its result is the exit code.
func Main(args []string) int { return Run(args, cmdutil.System()) }

// Run runs canary with args and f: the whole program, in-process, for
// main and for tests. It returns the exit code.
func Run(args []string, f *cmdutil.Factory) int {
	cmd := NewRootCmd(f, args)
	cmd.SetArgs(args)
	cmd.SetIn(f.In)
	cmd.SetOut(f.Out)
	cmd.SetErr(f.Err)
	err := cmd.Execute()
	var ee cmdutil.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	// An error quotes what it could not use: a file name, a URL, a key's
	// user ID, a server's answer. It is printed by the one escaping rule,
	// lines kept, so that none of that reaches the terminal raw.
	verdict.Fprintf(f.Err, "canary: %v\n", err)
	// Anything that stopped a command is "could not check" in the
	// monitoring convention, never a verdict about a canary.
	return int(verdict.Unknown)
}

// CommandNames are the top-level commands, in the order help lists them.
func CommandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
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
	{"status", func(f *cmdutil.Factory) *cobra.Command { return statuscmd.NewCmd(f, nil) }},
	{"verify", func(f *cmdutil.Factory) *cobra.Command { return verifycmd.NewCmd(f, nil) }},
	{"trust", func(f *cmdutil.Factory) *cobra.Command { return trustcmd.NewCmd(f, nil) }},
	{"schema", func(f *cmdutil.Factory) *cobra.Command { return schemacmd.NewCmd(f, nil) }},
	{"demo", func(f *cmdutil.Factory) *cobra.Command { return democmd.NewCmd(f, nil) }},
	{"watch", newWatchCmd},
	{"history", func(f *cmdutil.Factory) *cobra.Command { return historycmd.NewCmd(f, nil) }},
	{"archive", func(f *cmdutil.Factory) *cobra.Command { return historycmd.NewArchiveCmd(f, nil) }},
	{"db", newDBCmd},
	{"notify", func(f *cmdutil.Factory) *cobra.Command { return notifycmd.NewCmd(f, nil) }},
	{"version", func(f *cmdutil.Factory) *cobra.Command { return versioncmd.NewCmd(f, nil) }},
}

// NewRootCmd is the canary command; with args, only the command args
// name is built under it (see below), and with none the whole tree.
func NewRootCmd(io *streams, args []string) *cobra.Command {
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
		Version:       build.Current().String(),
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
func passphrase(io *streams) signing.PassphraseFunc {
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

func parseTime(flag, s string) (time.Time, error) { return cmdutil.ParseTime(flag, s) }

func checkFormat(f string) error { return cmdutil.CheckFormat(f) }
