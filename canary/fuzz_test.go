package canary

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// corpusSeeds adds the real canaries of the shared corpus, so the fuzzer
// starts from what publishers actually write.
func corpusSeeds(f *testing.F) {
	dir := os.Getenv("CANARY_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
				f.Add(b)
			}
		}
		return nil
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleText))
	f.Add(sample().Render())
	f.Add(sampleWithFreshness().Render())
	f.Add([]byte("Format: canarykit/1\n"))
	corpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		// Only the canonical form is accepted: what parses renders back
		// to the same bytes, and is valid.
		if got := c.Render(); !bytes.Equal(got, data) {
			t.Fatalf("Render(Parse(t)) != t:\n%q\n%q", got, data)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid canary: %v", err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	corpusSeeds(f)
	f.Add([]byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nhi\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Open(data)
		if err != nil {
			return
		}
		if len(s.Text) == 0 || s.Text[len(s.Text)-1] != '\n' {
			t.Fatalf("Open returned text without a final line break: %q", s.Text)
		}
		// Re-encoding keeps the signed text.
		enc, err := s.Encode()
		if err != nil {
			return
		}
		back, err := Open(enc)
		if err != nil {
			t.Fatalf("Open(Encode()) failed: %v\n%s", err, enc)
		}
		if !bytes.Equal(back.Text, s.Text) || !bytes.Equal(back.Signatures, s.Signatures) {
			t.Fatalf("Open(Encode(s)) changed the text or signatures")
		}
	})
}

func FuzzParseDefinition(f *testing.F) {
	f.Add(StarterDefinition("canary.yaml", "Example Org", "https://example.org"))
	f.Add([]byte("issuer: {name: a, url: https://a}\ncadence: 90d\nstatements: [{id: a, text: b}]\nsigners: [{key: k}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("issuer: {name: a, url: https://a}\ncadence: 90d\nstatements: [{id: a, text: b}]\nsigners: [{key: k}]\n" +
		"freshness: {drand: {}, bitcoin: {depth: 2}, news: {feeds: [https://n/f]}, tsa: [{url: https://t, policy: 1.2.3}]}\n"))
	corpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDefinition("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ParseDefinition accepted an invalid definition: %v", err)
		}
	})
}
