package verify

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/gpgtest"
	"github.com/canarykit/canarykit/internal/keys"
)

// Issue 14, item 5: a key whose primary user ID carries only SHA-1
// self-signatures, but whose other user ID carries SHA-256 ones, is bound
// by a strong hash (GnuPG and Sequoia accept it), and the reason a version
// of a key refuses a signature is the real one.

var (
	uidMade    = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)  // the key, and its first self-signatures
	uidOldEnd  = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)  // when the first version expires
	uidRenewed = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)  // the second version's self-signatures
	uidNewEnd  = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)  // when the second version expires
	uidSigned  = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) // the canary's signature
	uidAt      = uidSigned.Add(24 * time.Hour)
)

const (
	weakUID   = "Weak Primary <weak@example.org>"
	strongUID = "Strong Second <strong@example.org>"
)

type uidSpec struct {
	name    string
	hash    crypto.Hash
	primary bool
	made    time.Time
	until   time.Time
}

var (
	uidKeyOnce sync.Once
	uidKey     *packet.PrivateKey
)

// sha1UIDKey is one RSA key, always the same within a run, so that every
// version built by keyVersion is a version of the same key.
func sha1UIDKey(t *testing.T) *packet.PrivateKey {
	t.Helper()
	uidKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		uidKey = packet.NewRSAPrivateKey(uidMade, k)
	})
	if uidKey == nil {
		t.Fatal("no key")
	}
	return uidKey
}

// keyVersion builds a version of the test key with one self-signature per
// user ID as specified, and returns it with its secret key and as its
// public key file reads back.
func keyVersion(t *testing.T, uids ...uidSpec) (*openpgp.Entity, openpgp.EntityList) {
	t.Helper()
	priv := sha1UIDKey(t)
	e := &openpgp.Entity{PrimaryKey: &priv.PublicKey, PrivateKey: priv, Identities: map[string]*openpgp.Identity{}}
	for _, u := range uids {
		life := uint32(u.until.Sub(uidMade) / time.Second)
		kid := priv.KeyId
		sig := &packet.Signature{
			Version:         4,
			SigType:         packet.SigTypePositiveCert,
			PubKeyAlgo:      priv.PubKeyAlgo,
			Hash:            u.hash,
			CreationTime:    u.made,
			IssuerKeyId:     &kid,
			KeyLifetimeSecs: &life,
			FlagsValid:      true,
			FlagSign:        true,
			FlagCertify:     true,
		}
		if u.primary {
			yes := true
			sig.IsPrimaryId = &yes
		}
		// go-crypto's salt notation has no SHA-1 size; old keys carry none.
		no := false
		if err := sig.SignUserId(u.name, &priv.PublicKey, priv, &packet.Config{NonDeterministicSignaturesViaNotation: &no}); err != nil {
			t.Fatal(err)
		}
		i := strings.Index(u.name, " <")
		id := packet.NewUserId(u.name[:i], "", strings.TrimSuffix(u.name[i+2:], ">"))
		if id == nil || id.Id != u.name {
			t.Fatalf("cannot make user ID %q", u.name)
		}
		e.Identities[u.name] = &openpgp.Identity{
			Primary: e, Name: u.name, UserId: id,
			SelfCertifications: []*packet.VerifiableSignature{packet.NewVerifiableSig(sig)},
		}
	}
	var pub bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	el, err := keys.ReadKeys(pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return e, el
}

// The versions of the test key. The first expired before the canary was
// signed; the others were renewed before it, and differ in how they bind
// the key then.
func oldVersion(t *testing.T) (*openpgp.Entity, openpgp.EntityList) {
	return keyVersion(t,
		uidSpec{weakUID, crypto.SHA1, true, uidMade, uidOldEnd},
		uidSpec{strongUID, crypto.SHA256, false, uidMade, uidOldEnd})
}

// renewed: SHA-1 on the primary user ID, SHA-256 on the other, same expiry.
func renewedVersion(t *testing.T) (*openpgp.Entity, openpgp.EntityList) {
	return keyVersion(t,
		uidSpec{weakUID, crypto.SHA1, true, uidRenewed, uidNewEnd},
		uidSpec{strongUID, crypto.SHA256, false, uidRenewed, uidNewEnd})
}

// renewedWeak: SHA-1 on both user IDs.
func renewedWeakVersion(t *testing.T) (*openpgp.Entity, openpgp.EntityList) {
	return keyVersion(t,
		uidSpec{weakUID, crypto.SHA1, true, uidRenewed, uidNewEnd},
		uidSpec{strongUID, crypto.SHA1, false, uidRenewed, uidNewEnd})
}

// renewedStrongExpired: the strong self-signature says the key expired
// before the canary was signed; only the SHA-1 one says it had not.
func renewedStrongExpiredVersion(t *testing.T) (*openpgp.Entity, openpgp.EntityList) {
	return keyVersion(t,
		uidSpec{weakUID, crypto.SHA1, true, uidRenewed, uidNewEnd},
		uidSpec{strongUID, crypto.SHA256, false, uidRenewed, uidRenewed.AddDate(0, 6, 0)})
}

// uidCanary is a canarykit canary signed by signer at uidSigned, with a
// detached signature.
func uidCanary(t *testing.T, signer *openpgp.Entity) (text, sig []byte) {
	t.Helper()
	c := &canary.Canary{
		Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example Org", URL: "https://example.org"},
		Serial: 1, Issued: uidSigned, Expires: uidSigned.Add(90 * 24 * time.Hour), Threshold: 1, Statements: statements(),
		Signers: []string{keys.Fingerprint(signer.PrimaryKey.Fingerprint)},
	}
	text = c.Render()
	var out bytes.Buffer
	cfg := &packet.Config{DefaultHash: crypto.SHA256, Time: func() time.Time { return uidSigned }}
	if err := openpgp.ArmoredDetachSign(&out, []*openpgp.Entity{signer}, bytes.NewReader(text), &openpgp.SignParams{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	return text, out.Bytes()
}

func verifyUID(t *testing.T, text, sig []byte, versions ...openpgp.EntityList) (*Result, Signature) {
	t.Helper()
	var keys openpgp.EntityList
	for _, v := range versions {
		keys = append(keys, v...)
	}
	r := Verify(text, Options{Keys: keys, At: uidAt, Signatures: [][]byte{sig}})
	if len(r.Signatures) != 1 {
		var out bytes.Buffer
		WriteText(&out, r)
		t.Fatalf("%d signatures judged, want 1\n%s", len(r.Signatures), out.String())
	}
	return r, r.Signatures[0]
}

func wantSig(t *testing.T, r *Result, s Signature, status string, has []string, hasNot []string) {
	t.Helper()
	var out bytes.Buffer
	WriteText(&out, r)
	if s.Status != status {
		t.Fatalf("signature %s (%s), want %s\n%s", s.Status, s.Message, status, out.String())
	}
	for _, f := range has {
		if !strings.Contains(s.Message, f) {
			t.Errorf("message %q does not say %q", s.Message, f)
		}
	}
	for _, f := range hasNot {
		if strings.Contains(s.Message, f) || strings.Contains(out.String(), f) {
			t.Errorf("verdict says %q, which is false:\n%s", f, out.String())
		}
	}
}

// The key is bound by its second user ID's SHA-256 self-signature: the
// signature counts, and the key is named by that user ID, not by the
// primary one, which only SHA-1 binds.
func TestStrongSecondUserIDBindsKey(t *testing.T) {
	sec, pub := renewedVersion(t)
	text, sig := uidCanary(t, sec)
	r, s := verifyUID(t, text, sig, pub)
	wantSig(t, r, s, SigGood, nil, []string{"SHA1"})
	if r.Status != OK {
		t.Errorf("verdict %s, want OK", r.Status)
	}
	if s.Signer != strongUID {
		t.Errorf("signer named %q, want the strongly bound %q", s.Signer, strongUID)
	}
}

// With the expired first version given too, in either order, the renewed
// version covers the date and the signature counts; it is never said that
// the key "had expired when it signed".
func TestRenewedVersionWithStrongSecondUserID(t *testing.T) {
	_, old := oldVersion(t)
	sec, renewed := renewedVersion(t)
	text, sig := uidCanary(t, sec)
	for _, order := range [][]openpgp.EntityList{{old, renewed}, {renewed, old}} {
		r, s := verifyUID(t, text, sig, order...)
		wantSig(t, r, s, SigGood, nil, []string{"had expired"})
	}
}

// When the version covering the date refuses the signature (its user IDs
// are all bound by SHA-1), that is the reason given, not the expiry of an
// older version its renewal superseded.
func TestRefusalIsTheCoveringVersions(t *testing.T) {
	_, old := oldVersion(t)
	sec, weak := renewedWeakVersion(t)
	text, sig := uidCanary(t, sec)
	for _, order := range [][]openpgp.EntityList{{old, weak}, {weak, old}} {
		r, s := verifyUID(t, text, sig, order...)
		wantSig(t, r, s, SigWeakHash, []string{"only by a SHA1 self-signature"}, []string{"had expired"})
		if r.Status != Critical {
			t.Errorf("verdict %s, want CRITICAL", r.Status)
		}
	}
	// Alone, the weak version is refused for the same reason.
	r, s := verifyUID(t, text, sig, weak)
	wantSig(t, r, s, SigWeakHash, []string{weakUID, "only by a SHA1 self-signature"}, nil)
}

// The key's expiry is the strong self-signature's: a SHA-1 self-signature
// that claims a later one cannot keep the key alive.
func TestStrongSelfSignatureGivesExpiry(t *testing.T) {
	sec, pub := renewedStrongExpiredVersion(t)
	text, sig := uidCanary(t, sec)
	r, s := verifyUID(t, text, sig, pub)
	wantSig(t, r, s, SigExpiredKey, []string{"had expired when it signed"}, nil)
	if r.Status != Critical {
		t.Errorf("verdict %s, want CRITICAL", r.Status)
	}
}

// A strongly bound primary user ID names the key, whatever the others.
func TestStrongPrimaryUserIDNamesKey(t *testing.T) {
	sec, pub := keyVersion(t,
		uidSpec{weakUID, crypto.SHA256, true, uidRenewed, uidNewEnd},
		uidSpec{strongUID, crypto.SHA256, false, uidRenewed.Add(time.Hour), uidNewEnd})
	text, sig := uidCanary(t, sec)
	r, s := verifyUID(t, text, sig, pub)
	wantSig(t, r, s, SigGood, nil, nil)
	if s.Signer != weakUID {
		t.Errorf("signer named %q, want the primary user ID %q", s.Signer, weakUID)
	}
}

// A name that only a SHA-1 self-signature binds is shown saying so.
func TestSHA1BoundNameIsQualified(t *testing.T) {
	_, pub := renewedWeakVersion(t)
	name, weak := namedUID(pub[0])
	if name != weakUID || weak != "SHA1" {
		t.Fatalf("named %q (weak %q), want %q bound by SHA1", name, weak, weakUID)
	}
	got := signerName(Signature{Signer: name, Fingerprint: "F00", weakName: weak})
	if !strings.Contains(got, "only by a SHA1 self-signature") || !strings.Contains(got, "F00") {
		t.Errorf("named %q, which does not say the name is bound only by SHA-1", got)
	}
}

// GnuPG and Sequoia agree: the renewed key with a strong second user ID
// validates the signature (sqv, gpgv); Sequoia refuses the version whose
// strong self-signature has expired.
func TestSHA1PrimaryUserIDInterop(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	serialize := func(el openpgp.EntityList) []byte {
		var b bytes.Buffer
		for _, e := range el {
			if err := e.Serialize(&b); err != nil {
				t.Fatal(err)
			}
		}
		return b.Bytes()
	}
	sec, renewed := renewedVersion(t)
	_, expired := renewedStrongExpiredVersion(t)
	text, sig := uidCanary(t, sec)
	textPath, sigPath := write("canary.txt", text), write("canary.txt.asc", sig)
	goodKey, expiredKey := write("renewed.pgp", serialize(renewed)), write("expired.pgp", serialize(expired))

	t.Run("sqv", func(t *testing.T) {
		gpgtest.Need(t, "sqv")
		if out, err := exec.Command("sqv", "--keyring", goodKey, sigPath, textPath).CombinedOutput(); err != nil {
			t.Errorf("sqv refuses what canarykit accepts: %v\n%s", err, out)
		}
		if out, err := exec.Command("sqv", "--keyring", expiredKey, sigPath, textPath).CombinedOutput(); err == nil {
			t.Errorf("sqv accepts what canarykit refuses as expired-key:\n%s", out)
		}
	})
	t.Run("gpgv", func(t *testing.T) {
		gpgtest.Need(t, "gpgv")
		h := gpgtest.NewHome(t)
		keyring := filepath.Join(h.Dir, "trusted.gpg")
		if err := os.WriteFile(keyring, serialize(renewed), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := h.Cmd("gpgv", "--status-fd", "1", "--keyring", keyring, sigPath, textPath)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("[GNUPG:] GOODSIG")) {
			t.Errorf("gpgv refuses what canarykit accepts: %v\n%s", err, out)
		}
	})
}
