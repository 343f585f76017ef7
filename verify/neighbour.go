package verify

import (
	"fmt"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/freshness/tsa"
)

// MaxNeighbourBytes bounds a file found by its name beside a fetched
// canary (URL.asc, URL.sig, URL.tsr, ...). A real detached signature is
// well under 2 KiB per signer and a timestamp token with its certificate
// chain 2 to 8 KiB; a hostile or careless server that answers every path
// with a page or with noise must not fill the history with it.
const MaxNeighbourBytes = 16 << 10

// NeighbourSignature says whether data, found at URL.asc or URL.sig, is
// what that name claims: a detached OpenPGP signature of a sensible size.
// A file that is not is never used, stored or counted: single-page sites
// and CMS fallbacks answer 200 with their start page for any path.
func NeighbourSignature(data []byte) error {
	if len(data) > MaxNeighbourBytes {
		return fmt.Errorf("%d bytes, larger than the %d a signature file is read up to", len(data), MaxNeighbourBytes)
	}
	if _, err := canary.ReadSignatures(data); err != nil {
		return err
	}
	return nil
}

// NeighbourToken says whether data, found at URL.tsr, URL.2.tsr, ..., is
// what that name claims: an RFC 3161 timestamp (a TimeStampResp or a bare
// TimeStampToken) whose own signature holds, of a sensible size. Whether it
// covers this canary's signatures is judged later, with the canary.
func NeighbourToken(data []byte) error {
	if len(data) > MaxNeighbourBytes {
		return fmt.Errorf("%d bytes, larger than the %d a timestamp file is read up to", len(data), MaxNeighbourBytes)
	}
	if _, err := tsa.Parse(data); err != nil {
		return err
	}
	return nil
}

// NotToken is the note for a file at a timestamp's name that is not a
// timestamp: the reader and the watchdog stop looking for more there.
func NotToken(name string, err error) Check {
	return Note("source", fmt.Sprintf("%s is not a timestamp token (%v), so it was ignored, and no further timestamp files were looked for", name, err))
}
