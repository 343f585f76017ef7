package verify_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/gpgtest"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/verify"
)

// interopCanary returns a valid canarykit/1 text issued at issued and
// listing signers (uppercase fingerprints) with the given threshold.
func interopCanary(t *testing.T, issued time.Time, threshold int, signers ...string) []byte {
	t.Helper()
	issued = issued.UTC().Truncate(time.Second)
	c := &canary.Canary{
		Format:    canary.FormatV1,
		Issuer:    canary.Issuer{Name: "Example Org", URL: "https://example.org/canary"},
		Serial:    1,
		Issued:    issued,
		Expires:   issued.Add(365 * 24 * time.Hour),
		Threshold: threshold,
		Signers:   signers,
		Statements: []canary.Statement{
			{ID: "no-warrants", Text: "We have not received any warrant for user data."},
			{ID: "no-gag", Text: "We are not under any gag order."},
		},
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c.Render()
}

func interopKeys(t *testing.T, armored ...[]byte) openpgp.EntityList {
	t.Helper()
	el, err := pgpkeys.ReadKeys(bytes.Join(armored, nil))
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// wantVerdict checks the overall status and the status of each signature,
// found by the fingerprint of the key that made it.
func wantVerdict(t *testing.T, r *verify.Result, status verify.Status, sigs map[string]string) {
	t.Helper()
	var log strings.Builder
	verify.WriteText(&log, r)
	for _, s := range r.Signatures {
		log.WriteString("  signature " + s.Fingerprint + " " + s.Status + " " + s.Hash + ": " + s.Message + "\n")
	}
	if r.Status != status {
		t.Errorf("status %s, want %s", r.Status, status)
	}
	if len(r.Signatures) != len(sigs) {
		t.Errorf("%d signatures, want %d", len(r.Signatures), len(sigs))
	}
	for _, s := range r.Signatures {
		want, ok := sigs[s.Fingerprint]
		if !ok {
			t.Errorf("signature by unexpected key %q", s.Fingerprint)
		} else if s.Status != want {
			t.Errorf("signature by %s: status %q, want %q", s.Fingerprint, s.Status, want)
		}
	}
	if t.Failed() {
		t.Logf("verdict:\n%s", log.String())
	}
}

func TestInteropGPGClearsigned(t *testing.T) {
	gpgtest.Need(t, "gpg")
	t.Parallel()
	h := gpgtest.NewHome(t)
	ed := h.GenKey("Ed Signer <ed@example.org>", "ed25519", "")
	rsa := h.GenKey("Rsa Signer <rsa@example.org>", "rsa2048", "pw")
	edPub, rsaPub := h.ExportPublic(ed), h.ExportPublic(rsa)
	issued := time.Now().Add(-time.Minute)

	edSigned := h.ClearSign(interopCanary(t, issued, 1, ed), gpgtest.SignOptions{Keys: []string{ed}})
	rsaSigned := h.ClearSign(interopCanary(t, issued, 1, rsa), gpgtest.SignOptions{Keys: []string{rsa}, Passphrase: "pw"})
	// Both keys in one block; the unprotected key ignores the passphrase.
	bothSigned := h.ClearSign(interopCanary(t, issued, 2, ed, rsa), gpgtest.SignOptions{Keys: []string{ed, rsa}, Passphrase: "pw"})

	t.Run("ed25519", func(t *testing.T) {
		r := verify.Verify(edSigned, verify.Options{Keys: interopKeys(t, edPub)})
		wantVerdict(t, r, verify.OK, map[string]string{ed: verify.SigGood})
	})
	t.Run("rsa2048", func(t *testing.T) {
		r := verify.Verify(rsaSigned, verify.Options{Keys: interopKeys(t, rsaPub)})
		wantVerdict(t, r, verify.OK, map[string]string{rsa: verify.SigGood})
	})
	t.Run("two signers", func(t *testing.T) {
		r := verify.Verify(bothSigned, verify.Options{Keys: interopKeys(t, edPub, rsaPub), Threshold: 2})
		wantVerdict(t, r, verify.OK, map[string]string{ed: verify.SigGood, rsa: verify.SigGood})
	})
	t.Run("two signers, one key given", func(t *testing.T) {
		// The other signature is by a key not given: not checked (issue 15).
		r := verify.Verify(bothSigned, verify.Options{Keys: interopKeys(t, edPub), Threshold: 2})
		wantVerdict(t, r, verify.Unknown, map[string]string{ed: verify.SigGood, rsa: verify.SigUnknownKey})
	})
	t.Run("SHA1", func(t *testing.T) {
		signed := h.ClearSign(interopCanary(t, issued, 1, rsa), gpgtest.SignOptions{Keys: []string{rsa}, Passphrase: "pw", DigestAlgo: "SHA1"})
		if !bytes.Contains(signed, []byte("\nHash: SHA1\n")) {
			t.Fatalf("gpg did not sign with SHA1:\n%s", signed)
		}
		r := verify.Verify(signed, verify.Options{Keys: interopKeys(t, rsaPub)})
		wantVerdict(t, r, verify.Critical, map[string]string{rsa: verify.SigWeakHash})
	})
	t.Run("tampered", func(t *testing.T) {
		tampered := bytes.Replace(edSigned, []byte("Serial: 1\n"), []byte("Serial: 2\n"), 1)
		if bytes.Equal(tampered, edSigned) {
			t.Fatal("nothing was changed")
		}
		r := verify.Verify(tampered, verify.Options{Keys: interopKeys(t, edPub)})
		wantVerdict(t, r, verify.Critical, map[string]string{ed: verify.SigBad})
		// gpg agrees.
		if st, err := h.Verify(tampered); err == nil || len(gpgtest.Status(st, "BADSIG")) != 1 {
			t.Errorf("gpg --verify of the tampered canary: %v\n%s", err, st)
		}
	})
	t.Run("signing subkey", func(t *testing.T) {
		primary := h.GenKey("Sub Signer <sub@example.org>", "ed25519", "")
		sub := h.AddSubkey(primary, "rsa2048", "", "1y")
		signed := h.ClearSign(interopCanary(t, issued, 1, primary), gpgtest.SignOptions{Keys: []string{sub}})
		r := verify.Verify(signed, verify.Options{Keys: interopKeys(t, h.ExportPublic(primary))})
		// The signature is reported under the primary key, the one a
		// canary lists and readers pin.
		wantVerdict(t, r, verify.OK, map[string]string{primary: verify.SigGood})
		if len(r.Signatures) == 1 && r.Signatures[0].KeyID != sub[24:] {
			t.Errorf("key ID %s, want the subkey's %s", r.Signatures[0].KeyID, sub[24:])
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		r := verify.Verify(edSigned, verify.Options{Keys: interopKeys(t, rsaPub)})
		wantVerdict(t, r, verify.Critical, map[string]string{ed: verify.SigUnknownKey})
	})
}

func TestInteropGPGRevokedKey(t *testing.T) {
	gpgtest.Need(t, "gpg")
	t.Parallel()
	h := gpgtest.NewHome(t)
	issued := time.Now().Add(-time.Minute)
	for _, tc := range []struct {
		name   string
		revoke func(fpr string) []byte
	}{
		{"gen-revoke, compromised", func(fpr string) []byte { return h.GenRevoke(fpr, "pw", 1, "the key leaked") }},
		{"generated at key creation", h.AutoRevocation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fpr := h.GenKey("Revoked <"+strings.ReplaceAll(tc.name, " ", "")+"@example.org>", "ed25519", "pw")
			signed := h.ClearSign(interopCanary(t, issued, 1, fpr), gpgtest.SignOptions{Keys: []string{fpr}, Passphrase: "pw"})
			before := h.ExportPublic(fpr)
			r := verify.Verify(signed, verify.Options{Keys: interopKeys(t, before)})
			wantVerdict(t, r, verify.OK, map[string]string{fpr: verify.SigGood})

			h.Import(tc.revoke(fpr), "")
			after := h.ExportPublic(fpr)
			r = verify.Verify(signed, verify.Options{Keys: interopKeys(t, after)})
			wantVerdict(t, r, verify.Critical, map[string]string{fpr: verify.SigRevokedKey})
			if st, _ := h.Verify(signed); len(gpgtest.Status(st, "REVKEYSIG")) != 1 {
				t.Errorf("gpg does not see the key as revoked:\n%s", st)
			}
		})
	}
}

func TestInteropGPGExpiredKey(t *testing.T) {
	gpgtest.Need(t, "gpg")
	t.Parallel()
	h := gpgtest.NewHome(t)
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	created, early, late := day("2025-01-01"), day("2025-02-01"), day("2025-07-01")
	fpr := h.At(created).GenKey("Expiring <expiring@example.org>", "ed25519", "pw")
	opts := gpgtest.SignOptions{Keys: []string{fpr}, Passphrase: "pw"}
	// gpg will not sign with an expired key, so the late canary is signed
	// first, while the key has no expiry. Then the key is set to expire on
	// 2025-06-01 by a self-signature dated an hour after its creation (gpg replaces
	// the old self-signature, and a self-signature made after a signature
	// does not vouch for the key at that signature's time; see
	// TestInteropGPGExpiryChangedLater), and the early canary is signed.
	lateSigned := h.At(late).ClearSign(interopCanary(t, late, 1, fpr), opts)
	h.At(created.Add(time.Hour)).SetExpire(fpr, "pw", "2025-06-01")
	earlySigned := h.At(early).ClearSign(interopCanary(t, early, 1, fpr), opts)
	pub := interopKeys(t, h.ExportPublic(fpr))
	at := day("2025-08-01")

	t.Run("signed before expiry", func(t *testing.T) {
		r := verify.Verify(earlySigned, verify.Options{Keys: pub, At: at})
		wantVerdict(t, r, verify.OK, map[string]string{fpr: verify.SigGood})
	})
	t.Run("signed after expiry", func(t *testing.T) {
		r := verify.Verify(lateSigned, verify.Options{Keys: pub, At: at})
		wantVerdict(t, r, verify.Critical, map[string]string{fpr: verify.SigExpiredKey})
	})
}

func TestInteropSequoiaClearsigned(t *testing.T) {
	gpgtest.Need(t, "sq")
	t.Parallel()
	dir := t.TempDir()
	key, cert, doc := filepath.Join(dir, "key.pgp"), filepath.Join(dir, "cert.pgp"), filepath.Join(dir, "canary.txt")
	sq := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command("sq", args...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("sq %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.Bytes()
	}
	// sq makes a certification-only primary key and a signing subkey.
	sq("key", "generate", "--userid", "Sequoia Signer <sq@example.org>", "--export", key)
	sq("key", "extract-cert", "--output", cert, key)
	keys, err := pgpkeys.ReadKeyFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	fpr := pgpkeys.Fingerprint(keys[0].PrimaryKey.Fingerprint)
	if len(keys[0].Subkeys) == 0 {
		t.Errorf("sq made no subkey; this test means to check a signing subkey")
	}
	if err := os.WriteFile(doc, interopCanary(t, time.Now().Add(-time.Minute), 1, fpr), 0o600); err != nil {
		t.Fatal(err)
	}
	signed := sq("sign", "--cleartext-signature", "--signer-key", key, doc)
	r := verify.Verify(signed, verify.Options{Keys: keys})
	wantVerdict(t, r, verify.OK, map[string]string{fpr: verify.SigGood})
}

// When a publisher changes the expiry of a key (gpg --quick-set-expire,
// typically to extend it), gpg replaces the key's self-signature with one
// dated then. A canary signed before that date has no self-signature
// vouching for its key at the time it was signed: gpg still accepts it,
// Sequoia refuses it ("No binding signature at time ..."), and so does
// canarykit, with go-crypto. This test pins canarykit to Sequoia's reading.
func TestInteropGPGExpiryChangedLater(t *testing.T) {
	gpgtest.Need(t, "gpg")
	gpgtest.Need(t, "sq")
	t.Parallel()
	h := gpgtest.NewHome(t)
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	signedAt := created.AddDate(0, 1, 0)
	fpr := h.At(created).GenKey("Extended <extended@example.org>", "ed25519", "")
	signed := h.At(signedAt).ClearSign(interopCanary(t, signedAt, 1, fpr), gpgtest.SignOptions{Keys: []string{fpr}})
	h.At(created.AddDate(0, 2, 0)).SetExpire(fpr, "", "2030-01-01")
	pub := h.ExportPublic(fpr)

	r := verify.Verify(signed, verify.Options{Keys: interopKeys(t, pub), At: signedAt.AddDate(0, 3, 0)})
	// Not "bad": the text was not altered, the key just cannot vouch for
	// that moment any more.
	if r.Status != verify.Critical || len(r.Signatures) != 1 || r.Signatures[0].Status != verify.SigNotYetValid ||
		!strings.Contains(r.Signatures[0].Message, "re-sign") {
		t.Errorf("verdict %s, signatures %+v; want CRITICAL and not-yet-valid", r.Status, r.Signatures)
	}
	dir := t.TempDir()
	cert, doc := filepath.Join(dir, "cert.asc"), filepath.Join(dir, "canary.txt")
	os.WriteFile(cert, pub, 0o600)
	os.WriteFile(doc, signed, 0o600)
	if out, err := exec.Command("sq", "verify", "--signer-cert", cert, doc).CombinedOutput(); err == nil {
		t.Errorf("sq now accepts a signature made before the key's only self-signature:\n%s", out)
	}
}
