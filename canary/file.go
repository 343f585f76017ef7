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
	if path == "-" {
		return ReadAtMost(os.Stdin, path, max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A regular file is read into a buffer of its size (plus the byte that
	// catches one that grew), not grown from 512 bytes: verify reads
	// thousands of canaries in one run.
	size := int64(512)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < max {
		size = st.Size() + 1
	}
	return readAtMost(f, path, max, size)
}

// A TooLargeError says that what was read (Name: a file, standard input)
// holds more than Max bytes. Callers that know what the input should be
// say so by catching it with errors.As.
type TooLargeError struct {
	Name string
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes; is it the right file?", e.Name, e.Max)
}

// ReadAtMost reads r to its end, or fails with a *TooLargeError as soon as
// it has read more than max bytes.
func ReadAtMost(r io.Reader, name string, max int64) ([]byte, error) {
	return readAtMost(r, name, max, 512)
}

// readAtMost is io.ReadAll through the limit, starting from a buffer of
// size bytes.
func readAtMost(r io.Reader, name string, max, size int64) ([]byte, error) {
	lr := io.LimitReader(r, max+1)
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(buf)) > max {
		return nil, &TooLargeError{Name: name, Max: max}
	}
	return buf, nil
}

// ReadFile reads a canary or key file (or "-" for standard input) with the
// size bound that protects the verifier.
func ReadFile(path string) ([]byte, error) { return ReadLimited(path, MaxCanaryBytes) }
