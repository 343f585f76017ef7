package canary

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/canarykit/canarykit/internal/corpustest"
)

// clearsignSeeds are blocks with every feature the decoder handles: CRLF,
// dash-escapes, blanks at line ends, Hash headers, several blocks, text
// before and after, and the ways a block can be cut short.
var clearsignSeeds = []string{
	"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nhi\n-----BEGIN PGP SIGNATURE-----\n\nwnUEARYKAB0WIQQ=\n=AAAA\n-----END PGP SIGNATURE-----\n",
	"intro\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256, sha512\r\n\r\n- -dash\r\nline  \t\r\n\r\n- \r\n-----BEGIN PGP SIGNATURE-----\r\n\r\nAAAA\r\n-----END PGP SIGNATURE-----\r\n\r\nafter",
	"-----BEGIN PGP SIGNED MESSAGE-----\n\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----",
	"-----BEGIN PGP SIGNED MESSAGE-----\nHash: MD4\n\nx\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n",
	"-----BEGIN PGP SIGNED MESSAGE-----\nComment: x\n\nx\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n",
	"-----BEGIN PGP SIGNED MESSAGE----- trailing\n\nx\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n",
	"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nx\r\r\n-----BEGIN PGP SIGNATURE-----  \n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n",
	"-----BEGIN PGP SIGNED MESSAGE-----\n\u00a0\nx\n-----BEGIN PGP SIGNATURE-----\n",
	"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n-----BEGIN PGP SIGNATURE-----\nVersion: 1\n\nAAAA\n=AAAA\n-----END PGP SIGNATURE-----\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\ny\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n",
	"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n-----BEGIN PGP SIGNATURE-----\n\nA A A\n=====\n-----END PGP SIGNATURE-----",
	"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n-----BEGIN PGP SIGNATURE-----\n\nAA\x00AA\n-----END PGP MESSAGE-----\n-----END PGP SIGNATURE-----\n",
}

// FuzzDecodeClearsigned holds decodeClearsigned to go-crypto's
// clearsign.Decode: the same blocks found, the same text, headers and
// signature, the same remainder, on any input.
func FuzzDecodeClearsigned(f *testing.F) {
	for _, s := range clearsignSeeds {
		f.Add([]byte(s))
	}
	f.Add(sample().Render())
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantRest := clearsign.Decode(data)
		got, gotRest := decodeClearsigned(data)
		if (want == nil) != (got == nil) {
			t.Fatalf("go-crypto found a block: %v; decodeClearsigned: %v", want != nil, got != nil)
		}
		if !bytes.Equal(wantRest, gotRest) {
			t.Fatalf("rest differs:\ngo-crypto: %q\nours:      %q", wantRest, gotRest)
		}
		if want == nil {
			return
		}
		if text := append(want.Plaintext[:len(want.Plaintext):len(want.Plaintext)], '\n'); !bytes.Equal(text, got.text) {
			t.Fatalf("text differs:\ngo-crypto: %q\nours:      %q", text, got.text)
		}
		if canonical := (&Signed{Text: got.text}).Canonical(); !bytes.Equal(canonical, want.Bytes) {
			t.Fatalf("signed bytes differ:\ngo-crypto: %q\nours:      %q", want.Bytes, canonical)
		}
		if !reflect.DeepEqual(want.Headers.Values("Hash"), got.hash) {
			t.Fatalf("Hash headers differ: %q, %q", want.Headers.Values("Hash"), got.hash)
		}
		if want.ArmoredSignature.Type != got.signature.Type || !reflect.DeepEqual(want.ArmoredSignature.Header, got.signature.Header) {
			t.Fatalf("armor differs: %q %v, %q %v", want.ArmoredSignature.Type, want.ArmoredSignature.Header, got.signature.Type, got.signature.Header)
		}
		wb, werr := io.ReadAll(io.LimitReader(want.ArmoredSignature.Body, 1<<20))
		gb, gerr := io.ReadAll(io.LimitReader(got.signature.Body, 1<<20))
		if !bytes.Equal(wb, gb) || fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("signature differs: %x %v, %x %v", wb, werr, gb, gerr)
		}
	})
}

func TestDecodeClearsignedSeeds(t *testing.T) {
	// The seeds above must cover both outcomes.
	found, refused := 0, 0
	for _, s := range clearsignSeeds {
		if b, _ := decodeClearsigned([]byte(s)); b != nil {
			found++
		} else {
			refused++
		}
	}
	if found < 3 || refused < 3 {
		t.Fatalf("seeds: %d decoded, %d refused; want both kinds", found, refused)
	}
	if b, _ := decodeClearsigned([]byte(strings.Repeat("-----BEGIN PGP SIGNED MESSAGE-----\n", 3))); b != nil {
		t.Fatal("decoded a block without text or signature")
	}
}
