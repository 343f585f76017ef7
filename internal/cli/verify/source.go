package verify

import (
	"context"
	"errors"
	"fmt"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/source"
)

// input is what a SOURCE argument yields: package source reads it (the
// canary as published, or a web page and its signed blocks, and the
// signatures and timestamp tokens beside it, with notes about the read).
type input = source.Input

// readInput reads SOURCE: a file, - for standard input, or a URL.
func readInput(ios *cmdutil.Factory, src string, f *Options) (*input, error) {
	if source.IsURL(src) {
		if _, err := f.Web.Get(); err != nil { // sets f.Web.Limit
			return nil, err
		}
	}
	in, err := source.Read(context.Background(), src, source.Options{
		Fetcher: f.Web.Get,
		Timeout: f.Web.Limit,
		Sigs:    f.Sigs,
		Stdin:   ios.In,
		Now:     ios.Now(),
	})
	if err != nil {
		var se *source.Error
		var many *source.TooManyError
		if errors.As(err, &many) {
			return nil, fmt.Errorf("%v with --sig", many)
		}
		if source.IsURL(src) && errors.As(err, &se) && !se.Signature && se.Err != nil {
			return nil, cmdutil.Explain(se.Err) // fetch.go: the flag that moves a limit
		}
		return nil, err
	}
	return in, nil
}
