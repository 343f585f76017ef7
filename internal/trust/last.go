package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
)

// The last canary trusted from each source is kept beside the store, so
// that `canary verify --pin` can compare the next canary from that source
// with it without --previous: a site that drops a statement, or serves an
// older canary again, is caught even when it has no archive or rewrote it.
//
// Each is a file of its own in the directory STORE.last/ (for the default
// store, ~/.local/state/canarykit/trust.json.last/), named by the SHA-256
// of the normalised source (Normalize) and holding the canary exactly as
// judged: the clearsigned block, or the signed text of a canary published
// with detached signatures. It is what the reader already trusted, so
// verify reads it as it reads --previous. Files are replaced atomically;
// the trust file itself, and its lock, are not involved: removing the
// directory only forgets what to compare with.

// maxLastTrusted bounds what is read back: a canary is a few KiB.
const maxLastTrusted = 1 << 20

// LastTrustedPath is the file that holds the last canary trusted from
// source, for the store at store.
func LastTrustedPath(store, source string) string {
	sum := sha256.Sum256([]byte(Normalize(source)))
	return filepath.Join(store+".last", hex.EncodeToString(sum[:16])+".txt")
}

// ReadLastTrusted returns the last canary trusted from source, or nil when
// none was remembered.
func ReadLastTrusted(store, source string) ([]byte, error) {
	f, err := os.Open(LastTrustedPath(store, source))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := canary.ReadAtMost(f, f.Name(), maxLastTrusted)
	if tooLarge := (*canary.TooLargeError)(nil); errors.As(err, &tooLarge) {
		return nil, fmt.Errorf("%s is larger than %d bytes; it is not a canary canarykit kept", f.Name(), maxLastTrusted)
	}
	return data, err
}

// WriteLastTrusted remembers data as the last canary trusted from source.
func WriteLastTrusted(store, source string, data []byte) error {
	p := LastTrustedPath(store, source)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(p, data, 0o600)
}
