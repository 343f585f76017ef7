package keys

import (
	"strings"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// A key is what its fingerprint says. go-crypto reads a subkey and its
// binding signatures without checking them (it checks lazily, when a key is
// chosen to sign or verify), so anyone can append a copy of someone else's
// subkey packet to their own key. A copy proves nothing: only a binding
// signature by the primary key ties a subkey to it, and only the subkey's
// own back-signature (embedded in a signing subkey's binding) shows that
// the subkey's owner agrees. The checks here are made explicitly, with
// go-crypto's own rules, before a key from the network is believed.

// bindingProblem says why subkey sk is not bound to the primary key it is
// attached to, or "" when it is: go-crypto finds a valid binding signature
// by that primary key, which for a signing subkey includes a valid
// back-signature. Dates are not considered: an expired binding still binds.
func bindingProblem(sk *openpgp.Subkey) string {
	if _, err := sk.LatestValidBindingSignature(time.Time{}, nil); err == nil {
		return ""
	}
	for _, b := range sk.Bindings {
		err := sk.Primary.PrimaryKey.VerifyKeySignature(sk.PublicKey, b.Packet)
		if err != nil && strings.Contains(err.Error(), "cross-signature") {
			return "its binding has no valid back-signature from the subkey, which a signing subkey must carry"
		}
	}
	return "no valid binding signature by that key"
}

// claimProblem says why sk does not show that it belongs to the key it is
// attached to, or "" when it does. That takes more than a binding: any key
// can bind any public key it likes as an encryption subkey. Only a signing
// subkey's back-signature, made with the subkey's own secret, proves the
// subkey's owner put it there; so a subkey fingerprint names a key only if
// it is a signing subkey (the one `gpg --verify` prints).
func claimProblem(sk *openpgp.Subkey) string {
	if p := bindingProblem(sk); p != "" {
		return p
	}
	sig, err := sk.LatestValidBindingSignature(time.Time{}, nil)
	if err != nil || !sig.FlagsValid || !sig.FlagSign {
		// go-crypto verified an embedded back-signature only if FlagSign.
		return "it is bound only as a non-signing subkey, with no back-signature from the subkey"
	}
	return ""
}

// dropUnbound removes from e every subkey that its primary key does not
// validly bind. Verification would not use them anyway, but a key fetched
// from the network should hold only what it says.
func dropUnbound(e *openpgp.Entity) {
	kept := e.Subkeys[:0:0]
	for i := range e.Subkeys {
		if bindingProblem(&e.Subkeys[i]) == "" {
			kept = append(kept, e.Subkeys[i])
		}
	}
	e.Subkeys = kept
}

// subkeysWith returns e's subkeys with fingerprint fp (an answer may hold
// the same subkey more than once).
func subkeysWith(e *openpgp.Entity, fp string) []*openpgp.Subkey {
	var out []*openpgp.Subkey
	for i := range e.Subkeys {
		if Fingerprint(e.Subkeys[i].PublicKey.Fingerprint) == fp {
			out = append(out, &e.Subkeys[i])
		}
	}
	return out
}

// claims reports whether e shows fp as its own: its primary fingerprint,
// or a subkey with that fingerprint whose claim holds (claimProblem). When
// it does not but holds a subkey with that fingerprint, why says what is
// wrong with it.
func claims(e *openpgp.Entity, fp string) (ok bool, why string) {
	if Fingerprint(e.PrimaryKey.Fingerprint) == fp {
		return true, ""
	}
	for _, sk := range subkeysWith(e, fp) {
		p := claimProblem(sk)
		if p == "" {
			return true, ""
		}
		why = p
	}
	return false, why
}
