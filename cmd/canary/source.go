package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/canarykit/canarykit/source"
	"github.com/canarykit/canarykit/verify"
)

// input is what a SOURCE argument yields (package source reads it): the
// canary as published and, where they sit beside it, its detached
// signatures and timestamp tokens.
type input struct {
	data   []byte
	sigs   [][]byte
	tokens [][]byte
	source *verify.Source
	// page is set for a web page: blocks holds the signed blocks found on
	// it, each judged on its own (fetch.go).
	page   bool
	blocks [][]byte
	// notes are checks about the fetch, added to the verdict.
	notes []verify.Check
}

// readInput reads SOURCE: a file, - for standard input, or a URL.
func readInput(ios *streams, src string, f *verifyFlags) (*input, error) {
	if source.IsURL(src) {
		if _, err := f.web.get(); err != nil { // sets f.web.limit
			return nil, err
		}
	}
	in, err := source.Read(context.Background(), src, source.Options{
		Fetcher: f.web.get,
		Timeout: f.web.limit,
		Sigs:    f.sigs,
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
			return nil, explain(se.Err) // fetch.go: the flag that moves a limit
		}
		return nil, err
	}
	return &input{data: in.Data, sigs: in.Sigs, tokens: in.Tokens, source: in.Source,
		page: in.Page, blocks: in.Blocks, notes: in.Notes}, nil
}
