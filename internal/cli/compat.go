package cli

import (
	"github.com/spf13/pflag"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/fetch"
)

// The commands still in this package (the publisher's, whose move belongs
// to the split of package canary) reach the Factory through these names,
// so that their bodies need not change while they wait.

// streams is the Factory under the name these commands know it by.
type streams = cmdutil.Factory

// webFlags is cmdutil.WebFlags under the name issue knows.
type webFlags struct{ cmdutil.WebFlags }

func (w *webFlags) get() (*fetch.Fetcher, error) { return w.Get() }

func addNetFlags(fl *pflag.FlagSet, w *webFlags, reads string) {
	cmdutil.AddNetFlags(fl, &w.WebFlags, reads)
}
