package main

import (
	"fmt"
	"io"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/verify"
)

// input is what a SOURCE argument yields: the canary as published and,
// where they sit beside it, its detached signatures and timestamp tokens.
type input struct {
	data   []byte
	sigs   [][]byte
	tokens [][]byte
	source *verify.Source
}

// readInput reads SOURCE: a file, or - for standard input.
func readInput(ios *streams, src string, f *verifyFlags) (*input, error) {
	var data []byte
	var err error
	if src == "-" {
		data, err = io.ReadAll(io.LimitReader(ios.In, canary.MaxCanaryBytes+1))
		if err == nil && len(data) > canary.MaxCanaryBytes {
			err = fmt.Errorf("standard input is larger than %d bytes; a canary is a few KiB", canary.MaxCanaryBytes)
		}
	} else {
		data, err = canary.ReadFile(src)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the canary: %v", err)
	}
	return &input{
		data:   data,
		source: &verify.Source{Location: src, FetchedAt: ios.Now().UTC().Truncate(time.Second), Digest: canary.Digest(data)},
	}, nil
}
