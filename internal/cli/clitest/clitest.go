// Package clitest parses a command line the way canary does, into the
// command's Options, without running it: flag parsing is tested apart from
// what a command does (cli/cli's runF pattern).
package clitest

import (
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
)

// Parse builds the command with newCmd, gives it argv and returns the
// Options its run function would have been called with; err is the
// parsing error, and then the Options are nil.
func Parse[O any](t testing.TB, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, argv ...string) (*O, error) {
	t.Helper()
	var got *O
	cmd := newCmd(&cmdutil.Factory{}, func(o *O) error { got = o; return nil })
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if _, err := cmd.ExecuteC(); err != nil {
		return nil, err
	}
	if got == nil {
		t.Fatalf("%v: the command did not reach its run function", argv)
	}
	return got, nil
}
