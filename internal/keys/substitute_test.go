package keys_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/verify"
)

// Issue 12 item 3: a key is what its fingerprint says. A hostile key server
// asked for a signing subkey's fingerprint (the one `gpg --verify` prints)
// must not get its own key accepted by attaching a copy of that subkey.

var (
	subOnce sync.Once
	subSet  substitution
)

type substitution struct {
	t0       time.Time
	victim   *openpgp.Entity // primary + signing subkey, the publisher
	attacker *openpgp.Entity // the key server's own key
	victimFP string          // primary fingerprint
	subFP    string          // the victim's signing subkey's fingerprint
	victimPk []byte          // the victim's public key, binary
	// The attacker's public key with the victim's subkey attached, each a
	// different way of trying to make it look bound.
	copied   []byte // the victim's subkey packet and its binding signature, as is
	rebound  []byte // bound by the attacker's primary, but marked for encryption only (no back-signature needed)
	backsig  []byte // bound by the attacker's primary as a signing subkey, with the victim's back-signature copied
	noBack   []byte // bound by the attacker's primary as a signing subkey, without a back-signature
	combined []byte // rebound, and an unbound second copy of an attacker-made subkey, beside the victim's real key
	canary   []byte // a canary signed by the attacker's primary key
}

func substitutionKeys(t *testing.T) substitution {
	t.Helper()
	subOnce.Do(func() {
		s := &subSet
		s.t0 = time.Now().Add(-2 * time.Hour).Truncate(time.Second)
		cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Curve: packet.Curve25519, DefaultHash: crypto.SHA512,
			Time: func() time.Time { return s.t0 }}
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		var err error
		s.victim, err = openpgp.NewEntity("Victim", "", "victim@example.org", cfg)
		must(err)
		s.victim.Subkeys = nil
		must(s.victim.AddSigningSubkey(cfg))
		s.attacker, err = openpgp.NewEntity("Victim", "", "victim@example.org", cfg)
		must(err)
		s.attacker.Subkeys = nil
		s.victimFP = keys.Fingerprint(s.victim.PrimaryKey.Fingerprint)
		vsub := s.victim.Subkeys[0]
		s.subFP = keys.Fingerprint(vsub.PublicKey.Fingerprint)

		pub := func(e *openpgp.Entity) []byte {
			var b bytes.Buffer
			must(e.Serialize(&b))
			return b.Bytes()
		}
		s.victimPk = pub(s.victim)
		attackerPk := pub(s.attacker)

		var copied bytes.Buffer
		copied.Write(attackerPk)
		must(vsub.Serialize(&copied, false))
		s.copied = copied.Bytes()

		// bind has the attacker's primary sign a binding for the victim's
		// subkey public key.
		bind := func(sign bool, embedded *packet.Signature) []byte {
			sig := &packet.Signature{
				Version:      4,
				SigType:      packet.SigTypeSubkeyBinding,
				PubKeyAlgo:   s.attacker.PrimaryKey.PubKeyAlgo,
				Hash:         crypto.SHA512,
				CreationTime: s.t0,
				IssuerKeyId:  &s.attacker.PrimaryKey.KeyId,
				FlagsValid:   true,
			}
			if sign {
				sig.FlagSign = true
				sig.EmbeddedSignature = embedded
			} else {
				sig.FlagEncryptCommunications = true
				sig.FlagEncryptStorage = true
			}
			must(sig.SignKey(vsub.PublicKey, s.attacker.PrivateKey, cfg))
			var b bytes.Buffer
			b.Write(attackerPk)
			must(vsub.PublicKey.Serialize(&b))
			must(sig.Serialize(&b))
			return b.Bytes()
		}
		s.rebound = bind(false, nil)
		s.backsig = bind(true, vsub.Bindings[0].Packet.EmbeddedSignature)
		s.noBack = bind(true, nil)
		s.combined = append(append([]byte(nil), s.rebound...), s.victimPk...)

		c := &canary.Canary{
			Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Victim", URL: "https://example.org"},
			Serial: 1, Issued: s.t0, Expires: s.t0.Add(97 * 24 * time.Hour), Threshold: 1,
			Statements: []canary.Statement{{ID: "no-warrants", Text: "We have received no warrant."}},
		}
		s.canary, err = signer.Sign(c.Render(), []*signer.Signer{{Entity: s.attacker, Source: "attacker"}}, s.t0.Add(time.Minute))
		must(err)
	})
	return subSet
}

// verifies reports whether any key in el makes the attacker's canary pass.
func verifies(t *testing.T, s substitution, el openpgp.EntityList) bool {
	t.Helper()
	r := verify.Verify(s.canary, verify.Options{Keys: el, At: s.t0.Add(time.Hour)})
	return r.Status == verify.OK
}

func TestSubstitutedSubkeyVKS(t *testing.T) {
	s := substitutionKeys(t)
	// Sanity: with the attacker's own key the canary verifies, so the
	// refusals below are about the key, not a broken canary.
	if !verifies(t, s, openpgp.EntityList{s.attacker}) {
		t.Fatal("the attacker's canary does not verify even with the attacker's key")
	}
	for name, answer := range map[string][]byte{
		"copied subkey and binding":             s.copied,
		"rebound for encryption":                s.rebound,
		"rebound for signing, copied back-sig":  s.backsig,
		"rebound for signing without back-sig":  s.noBack,
		"armored copy":                          armored(t, s.copied),
		"two keys, both carrying copies of sub": append(append([]byte(nil), s.copied...), s.rebound...),
	} {
		t.Run(name, func(t *testing.T) {
			ks := keys.NewKeyServer(t, "keys.example.net")
			ks.Handle("keys.example.net/vks/v1/by-fingerprint/"+s.subFP, string(answer))
			for _, spec := range []string{"vks:" + s.subFP, s.subFP} {
				el, err := keys.Resolve(context.Background(), []string{spec}, ks.Opts())
				if err == nil {
					t.Errorf("%s: the attacker's key %v was accepted for the victim's subkey", spec, keys.Fingerprints(el))
					if verifies(t, s, el) {
						t.Errorf("%s: the attacker's canary verifies OK", spec)
					}
					continue
				}
				msg := err.Error()
				if strings.Contains(msg, "\n") {
					t.Errorf("%s: message is not one line: %q", spec, msg)
				}
				if !strings.Contains(msg, s.subFP) || !strings.Contains(msg, "ignored") {
					t.Errorf("%s: message %q does not say which subkey was ignored", spec, msg)
				}
				// The attacker's primary must never be offered as "the
				// primary key's fingerprint to use instead".
				if strings.Contains(msg, "give the primary key's fingerprint") {
					t.Errorf("%s: message %q points the reader to the attacker's key", spec, msg)
				}
			}
		})
	}
}

// The victim's real key, served beside a substitute, is the only one kept,
// and the attacker's canary does not verify with what is kept.
func TestSubstitutedSubkeyBesideRealKey(t *testing.T) {
	s := substitutionKeys(t)
	ks := keys.NewKeyServer(t, "keys.example.net")
	ks.Handle("keys.example.net/vks/v1/by-fingerprint/"+s.subFP, string(s.combined))
	el, err := keys.Resolve(context.Background(), []string{"vks:" + s.subFP}, ks.Opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := keys.Fingerprints(el); len(got) != 1 || got[0] != s.victimFP {
		t.Errorf("kept %v, want only the victim's %s", got, s.victimFP)
	}
	if verifies(t, s, el) {
		t.Errorf("the attacker's canary verifies OK with the keys kept")
	}
	// The genuine subkey of the victim's key is still there.
	if len(el) == 1 && (len(el[0].Subkeys) != 1 || keys.Fingerprint(el[0].Subkeys[0].PublicKey.Fingerprint) != s.subFP) {
		t.Errorf("the victim's own signing subkey was dropped")
	}
}

// The victim's genuine key answers for its subkey's fingerprint, and for
// its primary one; a subkey fingerprint named by the true owner is fine.
func TestGenuineSubkeyVKS(t *testing.T) {
	s := substitutionKeys(t)
	ks := keys.NewKeyServer(t, "keys.example.net")
	ks.Handle("keys.example.net/vks/v1/by-fingerprint/"+s.subFP, string(s.victimPk))
	ks.Handle("keys.example.net/vks/v1/by-fingerprint/"+s.victimFP, string(s.victimPk))
	for _, spec := range []string{"vks:" + s.subFP, "vks:" + s.victimFP} {
		el, err := keys.Resolve(context.Background(), []string{spec}, ks.Opts())
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if got := keys.Fingerprints(el); len(got) != 1 || got[0] != s.victimFP {
			t.Errorf("%s: got %v", spec, got)
		}
	}
	// A bare subkey fingerprint is still refused as a constraint, naming
	// the true owner's primary fingerprint.
	_, err := keys.Resolve(context.Background(), []string{s.subFP}, ks.Opts())
	if err == nil || !strings.Contains(err.Error(), "is a subkey of") || !strings.Contains(err.Error(), s.victimFP) {
		t.Errorf("bare subkey fingerprint: err = %v", err)
	}
}

// Unbound subkeys in a key that is kept are dropped: the key the victim's
// primary fingerprint fetches carries only what its primary key bound.
func TestUnboundSubkeysDropped(t *testing.T) {
	s := substitutionKeys(t)
	// The victim's key with an attacker-made subkey appended, bound by the
	// attacker's primary (which does not verify for the victim's).
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Curve: packet.Curve25519, DefaultHash: crypto.SHA512,
		Time: func() time.Time { return s.t0 }}
	extra, err := openpgp.NewEntity("X", "", "x@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	extra.Subkeys = nil
	if err := extra.AddSigningSubkey(cfg); err != nil {
		t.Fatal(err)
	}
	var answer bytes.Buffer
	answer.Write(s.victimPk)
	if err := extra.Subkeys[0].Serialize(&answer, false); err != nil {
		t.Fatal(err)
	}
	extraFP := keys.Fingerprint(extra.Subkeys[0].PublicKey.Fingerprint)

	ks := keys.NewKeyServer(t, "keys.example.net", "example.org")
	ks.Handle("keys.example.net/vks/v1/by-fingerprint/"+s.victimFP, answer.String())
	hash := zbase32Of("victim")
	ks.Handle("example.org/.well-known/openpgpkey/hu/"+hash+"?l=victim", answer.String())
	for _, spec := range []string{"vks:" + s.victimFP, "wkd:victim@example.org"} {
		el, err := keys.Resolve(context.Background(), []string{spec}, ks.Opts())
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if len(el) != 1 {
			t.Fatalf("%s: %d keys", spec, len(el))
		}
		var subs []string
		for _, sk := range el[0].Subkeys {
			subs = append(subs, keys.Fingerprint(sk.PublicKey.Fingerprint))
		}
		if len(subs) != 1 || subs[0] != s.subFP {
			t.Errorf("%s: subkeys %v, want only the bound %s (not %s)", spec, subs, s.subFP, extraFP)
		}
	}
	// Asking the key server for the unbound subkey finds nothing usable.
	ks.Handle("keys.example.net/vks/v1/by-fingerprint/"+extraFP, answer.String())
	if el, err := keys.Resolve(context.Background(), []string{"vks:" + extraFP}, ks.Opts()); err == nil {
		t.Errorf("vks: for a subkey bound to no key in the answer gave %v", keys.Fingerprints(el))
	}
}

// WKD: the attacker's key carries the address, and a fingerprint constraint
// names the victim's signing subkey. The attacker's copy of that subkey must
// not satisfy the constraint, nor may the message name the attacker's key as
// the one to use.
func TestSubstitutedSubkeyWKDConstraint(t *testing.T) {
	s := substitutionKeys(t)
	ks := keys.NewKeyServer(t, "example.org")
	hash := zbase32Of("victim")
	path := "example.org/.well-known/openpgpkey/hu/" + hash + "?l=victim"
	for name, answer := range map[string][]byte{"copied": s.copied, "rebound": s.rebound, "backsig": s.backsig, "noback": s.noBack} {
		t.Run(name, func(t *testing.T) {
			ks.Handle(path, string(answer))
			el, err := keys.Resolve(context.Background(), []string{"wkd:victim@example.org", s.subFP}, ks.Opts())
			if err == nil {
				t.Fatalf("the attacker's key %v passed the constraint %s", keys.Fingerprints(el), s.subFP)
			}
			msg := err.Error()
			if strings.Contains(msg, "give the primary key's fingerprint") {
				t.Errorf("message %q points the reader to the attacker's key", msg)
			}
			if !strings.Contains(msg, "no key given matches fingerprint "+s.subFP) {
				t.Errorf("message %q does not say the fingerprint was not found", msg)
			}
			// Without the constraint the WKD answer is the attacker's key,
			// which is what WKD alone can prove (whoever holds the domain);
			// its copy of the victim's subkey is dropped.
			el, err = keys.Resolve(context.Background(), []string{"wkd:victim@example.org"}, ks.Opts())
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range el {
				for _, sk := range e.Subkeys {
					if keys.Fingerprint(sk.PublicKey.Fingerprint) == s.subFP && name != "rebound" {
						t.Errorf("the ill-bound copy of %s was kept", s.subFP)
					}
				}
			}
		})
	}
}

// A key file given with a bare subkey fingerprint: a foreign key holding a
// copy of the subkey does not pass, and is not named as the key to use.
func TestSubstitutedSubkeyFileConstraint(t *testing.T) {
	s := substitutionKeys(t)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"copied": s.copied, "rebound": s.rebound, "backsig": s.backsig, "noback": s.noBack} {
		file := filepath.Join(dir, name+".pgp")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		el, err := keys.Resolve(context.Background(), []string{file, s.subFP}, keys.Options{})
		if err == nil {
			t.Errorf("%s: the attacker's key %v passed the constraint", name, keys.Fingerprints(el))
			continue
		}
		if strings.Contains(err.Error(), "give the primary key's fingerprint") {
			t.Errorf("%s: message %q points the reader to the attacker's key", name, err)
		}
	}
	// The victim's own key file with its subkey fingerprint: refused as
	// before, pointing at the victim's primary.
	file := filepath.Join(dir, "victim.pgp")
	if err := os.WriteFile(file, s.victimPk, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := keys.Resolve(context.Background(), []string{file, s.subFP}, keys.Options{})
	if err == nil || !strings.Contains(err.Error(), "is a subkey of") || !strings.Contains(err.Error(), s.victimFP) {
		t.Errorf("victim's file with its subkey fingerprint: err = %v", err)
	}
}

func armored(t *testing.T, bin []byte) []byte {
	t.Helper()
	if el, err := openpgp.ReadKeyRing(bytes.NewReader(bin)); err != nil || len(el) == 0 {
		t.Fatalf("spliced key does not parse: %v", err) // keep the test honest
	}
	var out bytes.Buffer
	w, err := armor.Encode(&out, "PGP PUBLIC KEY BLOCK", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bin)
	w.Close()
	return out.Bytes()
}

func zbase32Of(local string) string {
	sum := sha1.Sum([]byte(local))
	return keys.Zbase32(sum[:])
}
