package verify

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	signing "github.com/canarykit/canarykit/internal/signer"
)

// Benchmarks of verifying one canary of about 3 KB, as bench/compare.sh
// measures the command: keys are parsed once, then each canary is opened,
// parsed, its signature checked and the verdict written. The floor is
// go-crypto alone decoding the block and checking the signature; the
// goal (bench/RESULTS.md) is at most 1.5 times the floor per canary.
//
//	go test -run '^$' -bench . ./verify

type benchFixture struct {
	keys     openpgp.EntityList
	armored  []byte // the public key, armored
	canaries [][]byte
}

var (
	benchOnce     sync.Map // algorithm -> *benchFixture
	benchFixtures sync.Mutex
)

// fixture makes a key of alg (ed25519 or rsa4096) and n canaries it signed.
func fixture(b *testing.B, alg string, n int) *benchFixture {
	b.Helper()
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	key := fmt.Sprint(alg, n)
	if f, ok := benchOnce.Load(key); ok {
		return f.(*benchFixture)
	}
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return t0.Add(-365 * 24 * time.Hour) }}
	switch alg {
	case "ed25519":
		cfg.Algorithm, cfg.Curve = packet.PubKeyAlgoEdDSA, packet.Curve25519
	case "rsa4096":
		cfg.Algorithm, cfg.RSABits = packet.PubKeyAlgoRSA, 4096
	}
	e, err := openpgp.NewEntity("Bench", "", "bench@example.org", cfg)
	if err != nil {
		b.Fatal(err)
	}
	e.Subkeys = nil
	var pub bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		b.Fatal(err)
	}
	keys, err := pgpkeys.ReadKeys(pub.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	f := &benchFixture{keys: keys, armored: pub.Bytes()}
	signer := &signing.Signer{Entity: e, Source: alg}
	for i := range n {
		c := benchCanary(uint64(i+1), t0.Add(time.Duration(i)*time.Second), pgpkeys.Fingerprint(e.PrimaryKey.Fingerprint))
		signed, err := signing.Sign(c.Render(), []*signing.Signer{signer}, c.Issued)
		if err != nil {
			b.Fatal(err)
		}
		f.canaries = append(f.canaries, signed)
	}
	benchOnce.Store(key, f)
	return f
}

// benchCanary is about 3 KB of canary text.
func benchCanary(serial uint64, issued time.Time, fp string) *canary.Canary {
	c := &canary.Canary{
		Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example Org", URL: "https://example.org/canary"},
		Serial: serial, Issued: issued, Expires: issued.Add(90 * 24 * time.Hour), Threshold: 1, Signers: []string{fp},
		Previous: canary.Digest([]byte(fmt.Sprint(serial))),
	}
	for i := range 26 {
		c.Statements = append(c.Statements, canary.Statement{
			ID:   fmt.Sprintf("s%02d", i+1),
			Text: fmt.Sprintf("Example Org has not received any warrant, subpoena, gag order or National Security Letter of kind %d.", i+1),
		})
	}
	return c
}

var algs = []string{"ed25519", "rsa4096"}

// BenchmarkVerify is one canary judged and its verdict written as JSON,
// the per-canary work of `canary verify FILE...`.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			f := fixture(b, alg, 1)
			opts := Options{Keys: f.keys, At: t0.Add(time.Hour)}
			b.SetBytes(int64(len(f.canaries[0])))
			b.ReportAllocs()
			for b.Loop() {
				r := Verify(f.canaries[0], opts)
				if r.Status != OK {
					b.Fatalf("%v: %s", r.Status, r.Summary)
				}
				if err := WriteJSON(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFloor is go-crypto alone: decode the block, check the
// signature. Nothing is judged or reported.
func BenchmarkFloor(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			f := fixture(b, alg, 1)
			b.ReportAllocs()
			for b.Loop() {
				floor(b, f.keys, f.canaries[0])
			}
		})
	}
}

func floor(b *testing.B, keys openpgp.EntityList, data []byte) {
	block, _ := clearsign.Decode(data)
	if block == nil {
		b.Fatal("no block")
	}
	cfg := &packet.Config{Time: func() time.Time { return t0.Add(time.Hour) }}
	if _, _, err := openpgp.VerifyDetachedSignature(keys, bytes.NewReader(block.Bytes), block.ArmoredSignature.Body, cfg); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerifyVsFloor runs both on the same canaries, interleaved, and
// reports how many times the floor one verdict costs (x-floor); the goal
// is at most 1.5.
func BenchmarkVerifyVsFloor(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			f := fixture(b, alg, 1)
			opts := Options{Keys: f.keys, At: t0.Add(time.Hour)}
			var ours, theirs time.Duration
			for b.Loop() {
				start := time.Now()
				floor(b, f.keys, f.canaries[0])
				mid := time.Now()
				r := Verify(f.canaries[0], opts)
				if err := WriteJSON(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				ours += time.Since(mid)
				theirs += mid.Sub(start)
			}
			b.ReportMetric(float64(ours)/float64(theirs), "x-floor")
		})
	}
}

// BenchmarkVerify1000 judges 1000 distinct canaries with keys parsed once.
func BenchmarkVerify1000(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			f := fixture(b, alg, 1000)
			opts := Options{Keys: f.keys, At: t0.Add(time.Hour)}
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range f.canaries {
					if err := WriteJSON(io.Discard, Verify(c, opts)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkReadKeys parses the public key: why keys are parsed once, not
// per canary.
func BenchmarkReadKeys(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			f := fixture(b, alg, 1)
			for b.Loop() {
				keys, err := pgpkeys.ReadKeys(f.armored)
				if err != nil {
					b.Fatal(err)
				}
				// Self-signatures are checked lazily, on first use.
				if _, err := keys[0].VerifyPrimaryKey(t0, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
