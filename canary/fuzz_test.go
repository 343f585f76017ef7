package canary

import (
	"bytes"
	"testing"

	"github.com/canarykit/canarykit/internal/corpustest"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleText))
	f.Add(sample().Render())
	f.Add(sampleWithFreshness().Render())
	f.Add([]byte("Format: canarykit/1\n"))
	corpustest.Seeds(f)
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
	corpustest.Seeds(f)
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
