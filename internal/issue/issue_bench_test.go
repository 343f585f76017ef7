package issue

import (
	"bytes"
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// BenchmarkIssue issues the next canary of a definition with 26
// statements (about 3 KB), as `canary issue` does each quarter: read the
// definition and the previous canary, sign, write the canary and the
// archive atomically. Each iteration issues one more canary in the same
// directory, a minute after the last.
func BenchmarkIssue(b *testing.B) {
	for _, alg := range []string{"ed25519", "rsa4096"} {
		b.Run(alg, func(b *testing.B) {
			dir := b.TempDir()
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			writeBenchKey(b, filepath.Join(dir, "signer.sec.asc"), alg, start.Add(-time.Hour))
			var def strings.Builder
			def.WriteString("issuer: {name: Example Org, url: https://example.org}\ncadence: 90d\ngrace: 7d\nsigners: [{key: signer.sec.asc}]\nstatements:\n")
			for i := range 26 {
				fmt.Fprintf(&def, "  - {id: s%02d, text: \"Example Org has not received any warrant, subpoena, gag order or National Security Letter of kind %d.\"}\n", i+1, i+1)
			}
			defFile := filepath.Join(dir, "canary.yaml")
			if err := os.WriteFile(defFile, []byte(def.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "public")
			now := start
			for b.Loop() {
				d, err := LoadDefinition(defFile)
				if err != nil {
					b.Fatal(err)
				}
				now = now.Add(time.Minute)
				if _, err := Issue(d, out, now, IssueOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func writeBenchKey(b *testing.B, path, alg string, created time.Time) {
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return created }}
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
	var sec bytes.Buffer
	w, err := armor.Encode(&sec, "PGP PRIVATE KEY BLOCK", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.SerializePrivateWithoutSigning(w, cfg); err != nil {
		b.Fatal(err)
	}
	w.Close()
	if err := os.WriteFile(path, sec.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
}
