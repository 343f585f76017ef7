package keys_test

import (
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/corpustest"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/verify"
)

// FuzzReadKeys: key files come from the reader's disk, a web key
// directory or a key server. Any input gives keys or an error, never a
// panic; keys within verify's limits can be checked (their self-signatures
// verified) without a panic either.
func FuzzReadKeys(f *testing.F) {
	_, pub, _, err := pgpkeys.GenerateKey("Alice <alice@example.org>", nil, 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pub)
	f.Add(append(append([]byte("junk\n"), pub...), pub...))
	f.Add([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	f.Add([]byte{0x99, 0x00, 0x01, 0x04})
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := pgpkeys.ReadKeys(data)
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
			_ = pgpkeys.Fingerprint(e.PrimaryKey.Fingerprint)
			e.VerifyPrimaryKey(time.Time{}, nil)
			e.PrimaryIdentity(time.Time{}, nil)
			for i := range e.Subkeys {
				e.Subkeys[i].Verify(time.Time{}, nil)
			}
		}
	})
}
