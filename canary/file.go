package canary

import (
	"fmt"
	"io"
	"os"
)

// ReadLimited reads the file at path (or "-" for standard input) and fails,
// rather than filling memory, when it holds more than max bytes: a wrong
// path (a disk image, /dev/zero) must fail fast. Every bounded read of a
// file the user names goes through it.
func ReadLimited(path string, max int64) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes; is it the right file?", path, max)
	}
	return data, nil
}

// ReadFile reads a canary or key file (or "-" for standard input) with the
// size bound that protects the verifier.
func ReadFile(path string) ([]byte, error) { return ReadLimited(path, MaxCanaryBytes) }
