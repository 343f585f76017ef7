package canary_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/corpustest"
	"github.com/canarykit/canarykit/verify"
)

// FuzzReadSignatures: detached signature files come from beside a canary
// or from a URL. Any input gives signature packets or an error; what it
// gives is bounded and can be read packet by packet without a panic.
func FuzzReadSignatures(f *testing.F) {
	f.Add([]byte("-----BEGIN PGP SIGNATURE-----\n\nwnUEARYKAB0WIQQ=\n=AAAA\n-----END PGP SIGNATURE-----\n"))
	f.Add([]byte{0xc2, 0x00})
	f.Add([]byte("-----BEGIN PGP MESSAGE-----\n\n-----END PGP MESSAGE-----\n"))
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		sigs, err := canary.ReadSignatures(data)
		if err != nil {
			return
		}
		if len(sigs) == 0 || len(sigs) > 1<<20 {
			t.Fatalf("%d bytes of signatures", len(sigs))
		}
		r := packet.NewReader(bytes.NewReader(sigs))
		for range verify.MaxSignatures + 1 {
			if _, err := r.Next(); err == io.EOF || err != nil {
				break
			}
		}
	})
}
