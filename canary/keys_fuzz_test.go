package canary_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/corpustest"
	"github.com/canarykit/canarykit/verify"
)

// FuzzReadKeys: key files come from the reader's disk, a web key
// directory or a key server. Any input gives keys or an error, never a
// panic; keys within verify's limits can be checked (their self-signatures
// verified) without a panic either.
func FuzzReadKeys(f *testing.F) {
	_, pub, _, err := canary.GenerateKey("Alice <alice@example.org>", nil, 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pub)
	f.Add(append(append([]byte("junk\n"), pub...), pub...))
	f.Add([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	f.Add([]byte{0x99, 0x00, 0x01, 0x04})
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := canary.ReadKeys(data)
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		if verify.CheckKeys(keys) != nil {
			return
		}
		for _, e := range keys {
			if e.PrimaryKey == nil {
				t.Fatal("a key without a primary key")
			}
			_ = canary.Fingerprint(e.PrimaryKey.Fingerprint)
			e.VerifyPrimaryKey(time.Time{}, nil)
			e.PrimaryIdentity(time.Time{}, nil)
			for i := range e.Subkeys {
				e.Subkeys[i].Verify(time.Time{}, nil)
			}
		}
	})
}

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
