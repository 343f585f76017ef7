package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
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
		data, err = readFile(src)
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

// maxNeighbourSignatures bounds the signature files read beside a SOURCE:
// real canaries have one per signer, at most a handful.
const maxNeighbourSignatures = 64

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
	if len(names) > maxNeighbourSignatures {
		return nil, fmt.Errorf("%d files beside %s look like its signatures (%s.sig.*, ...), more than the %d verify reads; give the right ones with --sig", len(names), file, file, maxNeighbourSignatures)
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

// readFile is canary.ReadFile for a SOURCE: a regular file is read in one
// go into a buffer of its size (verify reads thousands of them in one
// run); anything else (a pipe, a device) through the same size limit.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() > canary.MaxCanaryBytes {
		return canary.ReadFile(path)
	}
	// One byte more than the size, so that a file that grew since is
	// still caught by the limit below.
	buf := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			// It grew: read the rest with the limit.
			rest, err := io.ReadAll(io.LimitReader(f, canary.MaxCanaryBytes+1-int64(len(buf))))
			if err != nil {
				return nil, err
			}
			buf = append(buf, rest...)
			if len(buf) > canary.MaxCanaryBytes {
				return nil, fmt.Errorf("%s is larger than %d bytes; is it the right file?", path, canary.MaxCanaryBytes)
			}
			return buf, nil
		}
	}
}
