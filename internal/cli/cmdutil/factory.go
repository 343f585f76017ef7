// Package cmdutil holds what every canary command is built from: the
// Factory (streams, clock, environment, and the paths and network client
// derived from them) and the few argument rules all commands share. It is
// cli/cli's cmdutil in small: a command takes a *Factory, so that a test
// drives it without a terminal, a network or the user's home directory.
package cmdutil

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/canarykit/canarykit/internal/trust"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// Factory is a command's outside world, injected so that tests can drive
// commands without a terminal. Fields are read when a command runs, never
// when it is built: a test may swap them between runs.
type Factory struct {
	In         io.Reader
	Out, Err   io.Writer
	IsTerminal bool // stdin and stderr are a terminal: prompts are possible
	Getenv     func(string) string
	Now        func() time.Time
}

// System is the Factory of a real run: the process's streams, environment
// and clock.
func System() *Factory {
	return &Factory{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		IsTerminal: term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:     os.Getenv,
		Now:        time.Now,
	}
}

// TrustStorePath is where verify --pin and canary trust keep the pinned
// signers: $CANARY_TRUST_STORE, else under $XDG_STATE_HOME or ~/.local/state.
func (f *Factory) TrustStorePath() (string, error) { return trust.DefaultPath(f.Getenv) }

// DBPath is the watchdog's history: flag (--db) when given, else the
// default place under the user's state directory.
func (f *Factory) DBPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return store.DefaultPath(f.Getenv)
}

// ExitError carries an exit code other than the UNKNOWN given to errors:
// a verdict (WARNING, CRITICAL) that is not a failure of the command.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// ParseTime reads the RFC 3339 time of --flag.
func ParseTime(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q is not an RFC 3339 time like 2026-01-31T12:00:00Z", flag, s)
	}
	return t, nil
}

// CheckFormat accepts the output formats every command offers.
func CheckFormat(f string) error {
	switch f {
	case "text", "json":
		return nil
	}
	return fmt.Errorf("--format %q: use text or json", f)
}

// At is the moment a command judges or writes as of: --at when given (an
// RFC 3339 time), else now.
func (f *Factory) At(at string) (time.Time, error) {
	if at == "" {
		return f.Now(), nil
	}
	return ParseTime("at", at)
}

// OpenHistory opens the history a watchdog already wrote (flag, else the
// default), for the commands that read or amend it; it never makes one.
func (f *Factory) OpenHistory(ctx context.Context, flag string) (*store.DB, error) {
	path, err := f.DBPath(flag)
	if err != nil {
		return nil, err
	}
	return store.OpenExisting(ctx, path)
}
