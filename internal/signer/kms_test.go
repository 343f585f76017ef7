package signer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/gpgtest"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/kmstest"
	"github.com/canarykit/canarykit/internal/signer"
)

// The test binary is also the canary-kms that kmstest.Use points canary
// to, so that KMS keys are reached through the protocol as in use.
func TestMain(m *testing.M) {
	kmstest.ServeIfAsked()
	os.Exit(m.Run())
}

// kmsDefinition exports the OpenPGP key of the KMS key pubRef and writes a
// definition whose signer is keyRef with that public key.
func kmsDefinition(t *testing.T, pubRef, keyRef string, created time.Time) (*issue.Definition, []byte, string) {
	t.Helper()
	kmstest.Use(t)
	pub, fpr, err := signer.ExportKMSKey(pubRef, "Canary KMS <canary@example.org>", created, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "keys"), 0o755)
	writeFile(t, filepath.Join(dir, "keys"), "kms.pub.asc", pub)
	yaml := `issuer: {name: Example Org, url: https://example.org}
cadence: 30d
statements: [{id: no-warrants, text: "No warrants."}]
signers: [{key: "` + keyRef + `", public: keys/kms.pub.asc}]
`
	def, err := issue.LoadDefinition(writeFile(t, dir, "canary.yaml", []byte(yaml)))
	if err != nil {
		t.Fatal(err)
	}
	return def, pub, fpr
}

// A canary signed by a key held in a KMS, reached through canary-kms and
// sigstore's kms.SignerVerifier, is an ordinary canary to gpg.
func TestInteropKMSSignedCanaryVerifiesWithGPG(t *testing.T) {
	gpgtest.Need(t, "gpg")
	now := time.Now().UTC().Truncate(time.Second)
	for _, key := range []string{"ecdsa-p256", "rsa-2048"} {
		t.Run(key, func(t *testing.T) {
			ref := "kms://testkms://" + key
			def, pub, fpr := kmsDefinition(t, ref, ref, now.Add(-time.Hour))
			res, err := issue.Issue(def, filepath.Join(def.Dir, "public"), now, issue.IssueOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Canary.Signers) != 1 || res.Canary.Signers[0] != fpr {
				t.Errorf("canary lists signers %v, want %s", res.Canary.Signers, fpr)
			}
			h := gpgtest.NewHome(t)
			h.Import(pub, "")
			st, err := h.Verify(res.Signed)
			wantGoodSigs(t, "gpg --verify", st, err, fpr)
			if !strings.Contains(string(res.Signed), "\nHash: SHA256\n") {
				t.Errorf("the block's Hash header does not name the KMS key's hash:\n%s", res.Signed)
			}
		})
	}
}

func TestKMSRefusals(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	t.Run("another key", func(t *testing.T) {
		def, _, fpr := kmsDefinition(t, "kms://testkms://ecdsa-p256", "kms://testkms://other-p256", now.Add(-time.Hour))
		_, err := issue.Issue(def, filepath.Join(def.Dir, "public"), now, issue.IssueOptions{})
		if err == nil || !strings.Contains(err.Error(), "the KMS key is not the key in") || !strings.Contains(err.Error(), fpr) {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(def.Dir, "public", issue.CurrentFile)); err == nil {
			t.Error("a canary was written")
		}
	})
	t.Run("draft needs no KMS", func(t *testing.T) {
		def, _, fpr := kmsDefinition(t, "kms://testkms://ecdsa-p256", "kms://nosuch://key", now.Add(-time.Hour))
		res, err := issue.Issue(def, filepath.Join(def.Dir, "public"), now, issue.IssueOptions{Draft: true})
		if err != nil || res.Canary.Signers[0] != fpr {
			t.Fatalf("draft: %v", err)
		}
		_, err = issue.Issue(def, filepath.Join(def.Dir, "public"), now, issue.IssueOptions{})
		if err == nil || !strings.Contains(err.Error(), "put sigstore's plugin sigstore-kms-nosuch on PATH") {
			t.Fatalf("unknown provider: %v", err)
		}
	})
	t.Run("ed25519", func(t *testing.T) {
		kmstest.Use(t)
		_, _, err := signer.ExportKMSKey("kms://testkms://ed25519", "Canary <c@example.org>", now, 0)
		if err == nil || !strings.Contains(err.Error(), "ECDSA P-256, P-384, P-521 or RSA") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad user ID", func(t *testing.T) {
		kmstest.Use(t)
		if _, _, err := signer.ExportKMSKey("kms://testkms://ecdsa-p256", "no mail", now, 0); err == nil {
			t.Fatal("no error")
		}
	})
}

// The fingerprint depends on the creation time, so the same KMS key
// exported twice at the same time is the same OpenPGP key.
func TestKMSExportIsStable(t *testing.T) {
	kmstest.Use(t)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, a, err := signer.ExportKMSKey("kms://testkms://ecdsa-p256", "Canary <c@example.org>", created, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := signer.ExportKMSKey("kms://testkms://ecdsa-p256", "Other <o@example.org>", created, 0)
	_, c, _ := signer.ExportKMSKey("kms://testkms://ecdsa-p256", "Canary <c@example.org>", created.Add(time.Second), 0)
	if a != b || a == c {
		t.Errorf("fingerprints %s %s %s: want the first two equal, the third different", a, b, c)
	}
}
