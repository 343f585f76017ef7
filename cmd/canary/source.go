package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
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
	// page is set for a web page: blocks holds the signed blocks found on
	// it, each judged on its own (fetch.go).
	page   bool
	blocks [][]byte
	// notes are checks about the fetch, added to the verdict.
	notes []verify.Check
}

// readInput reads SOURCE: a file, - for standard input, or a URL.
func readInput(ios *streams, src string, f *verifyFlags) (*input, error) {
	if isURL(src) {
		return readURL(ios, src, f)
	}
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
	in := &input{
		data:   data,
		source: &verify.Source{Location: src, FetchedAt: ios.Now().UTC().Truncate(time.Second), Digest: canary.Digest(data)},
	}
	for _, p := range f.sigs {
		sig, err := readSig(f, p) // a file or a URL
		if err != nil {
			return nil, err
		}
		in.sigs = append(in.sigs, sig)
	}
	if len(f.sigs) == 0 && src != "-" && !bytes.Contains(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		if in.sigs, err = neighbourSignatures(src); err != nil {
			return nil, err
		}
	}
	if src != "-" {
		if in.tokens, err = neighbourTokens(src); err != nil { // freshness.go
			return nil, err
		}
	}
	return in, nil
}

// neighbourSignatures finds the detached OpenPGP signatures published next
// to a file the usual ways: FILE.asc, FILE.sig, and one per signer as
// FILE.sig.NAME or FILE.asc.NAME (Qubes, Namecoin). Files that are not
// OpenPGP signatures (signify's FILE.sig, say) are skipped.
func neighbourSignatures(file string) ([][]byte, error) {
	var names []string
	for _, pattern := range []string{file + ".asc", file + ".sig", file + ".sig.*", file + ".asc.*"} {
		m, err := filepath.Glob(globEscape(pattern))
		if err != nil {
			return nil, err
		}
		names = append(names, m...)
	}
	var sigs [][]byte
	for _, n := range names {
		data, err := canary.ReadFile(n)
		if err != nil {
			continue
		}
		if _, err := canary.ReadSignatures(data); err != nil {
			continue
		}
		sigs = append(sigs, data)
	}
	return sigs, nil
}

// globEscape quotes the glob metacharacters of a file name, keeping the
// final "*" of the pattern.
func globEscape(pattern string) string {
	star := strings.HasSuffix(pattern, ".*")
	if star {
		pattern = strings.TrimSuffix(pattern, "*")
	}
	r := strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, `\`, `\\`)
	pattern = r.Replace(pattern)
	if star {
		pattern += "*"
	}
	return pattern
}
