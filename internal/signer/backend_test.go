package signer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/canarykit/canarykit/internal/keys"
)

// fakeBackend stands in for gpg: it answers with whatever packet make
// returns, so that every way a backend can go wrong is tried.
type fakeBackend struct {
	make func(canonical []byte, t time.Time) ([]byte, error)
}

func (f fakeBackend) signText(c []byte, t time.Time) ([]byte, error) { return f.make(c, t) }

func testSigner(t *testing.T, uid string) *Signer {
	t.Helper()
	sec, _, _, err := keys.GenerateKey(uid, nil, 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	el, err := keys.ReadKeys(sec)
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{Entity: el[0], Source: uid}
}

// A backend's signature goes into the canary only if it is what canarykit
// would have made itself: by the key named, canonical text, dated the
// Issued time, and valid over the text.
func TestBackendSignaturesAreChecked(t *testing.T) {
	alice, bob := testSigner(t, "Alice <a@example.org>"), testSigner(t, "Bob <b@example.org>")
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	text := []byte("Format: canarykit/1\nline two\n")
	local := func(s *Signer, typ packet.SignatureType, when time.Time, corrupt bool) func([]byte, time.Time) ([]byte, error) {
		return func(c []byte, _ time.Time) ([]byte, error) {
			sig, _, err := s.signLocal(c, when)
			if err != nil {
				return nil, err
			}
			if typ != sig.SigType { // re-sign as another type
				k, _ := s.signingKey(when)
				sig.SigType = typ
				h, _ := sig.PrepareVerify()
				h.Write(c)
				if err := sig.Sign(h, k, &packet.Config{Time: func() time.Time { return when }}); err != nil {
					return nil, err
				}
			}
			var b bytes.Buffer
			sig.Serialize(&b)
			out := b.Bytes()
			if corrupt {
				out[len(out)-3] ^= 0xff
			}
			return out, nil
		}
	}
	for _, tc := range []struct {
		name, want string
		make       func([]byte, time.Time) ([]byte, error)
	}{
		{"good", "", local(alice, packet.SigTypeText, at, false)},
		{"another key", "which is not part of key", local(bob, packet.SigTypeText, at, false)},
		{"binary signature", "not a canonical-text signature", local(alice, packet.SigTypeBinary, at, false)},
		{"another time", "not 2026-11-22T12:00:00Z as the canary's Issued time", local(alice, packet.SigTypeText, at.Add(time.Minute), false)},
		{"bad signature", "does not verify", local(alice, packet.SigTypeText, at, true)},
		{"no packet", "unreadable", func([]byte, time.Time) ([]byte, error) { return []byte("gpg: oops"), nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Signer{Entity: alice.Entity, Source: "gpg:test", backend: fakeBackend{tc.make}}
			signed, err := Sign(text, []*Signer{s}, at)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(signed, []byte("Hash: SHA512")) {
					t.Errorf("signed:\n%s", signed)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheckRef(t *testing.T) {
	for _, tc := range []struct {
		ref  struct{ Key, Public string }
		want string
	}{
		{struct{ Key, Public string }{Key: "keys/a.sec.asc"}, ""},
		{struct{ Key, Public string }{Key: "gpg:F70D 56C5 8248 D1DD 19D3  9559 C9A3 B839 94E1 8046"}, ""},
		{struct{ Key, Public string }{Key: "gpg:0xf70d56c58248d1dd19d39559c9a3b83994e18046"}, ""},
		{struct{ Key, Public string }{Key: "gpg:94E18046"}, "a full fingerprint is needed"},
		{struct{ Key, Public string }{Key: "kms://awskms:///arn:aws:kms:x", Public: "k.asc"}, ""},
		{struct{ Key, Public string }{Key: "kms://awskms:///arn"}, `needs "public"`},
		{struct{ Key, Public string }{Key: "kms:// x", Public: "k.asc"}, "without blanks"},
		{struct{ Key, Public string }{Key: "kms:awskms", Public: "k.asc"}, "write gpg:FINGERPRINT or kms://REF"},
		{struct{ Key, Public string }{Key: "keys/a.sec.asc", Public: "k.asc"}, `"public" goes only with a kms:// key`},
	} {
		err := CheckRef(tc.ref.Key, tc.ref.Public)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: err %v, want %q", tc.ref, err, tc.want)
		}
	}
}
