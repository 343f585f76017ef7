package signer_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/gpgtest"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

// interopText returns a valid canarykit/1 text listing signers.
func interopText(t *testing.T, issued time.Time, signers ...string) []byte {
	t.Helper()
	issued = issued.UTC().Truncate(time.Second)
	c := &canary.Canary{
		Format:    canary.FormatV1,
		Issuer:    canary.Issuer{Name: "Example Org", URL: "https://example.org/canary"},
		Serial:    3,
		Issued:    issued,
		Expires:   issued.Add(30 * 24 * time.Hour),
		Threshold: max(len(signers), 1),
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

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func passphrase(pw string) signer.PassphraseFunc {
	return func(source, fingerprint string) ([]byte, error) { return []byte(pw), nil }
}

// wantGoodSigs checks gpg --verify status output: exit 0, one GOODSIG per
// signer, and a VALIDSIG naming each signer's primary key.
func wantGoodSigs(t *testing.T, tool string, status []byte, err error, fprs ...string) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v\n%s", tool, err, status)
		return
	}
	var valid []string
	for _, f := range gpgtest.Status(status, "VALIDSIG") {
		valid = append(valid, f[len(f)-1]) // the primary key fingerprint
	}
	slices.Sort(valid)
	want := slices.Sorted(slices.Values(fprs))
	if n := len(gpgtest.Status(status, "GOODSIG")); n != len(fprs) || !slices.Equal(valid, want) {
		t.Errorf("%s: %d GOODSIG, VALIDSIG by %v; want %d, by %v\n%s", tool, n, valid, len(fprs), want, status)
	}
}

func TestInteropSignVerifiesWithGPGAndSequoia(t *testing.T) {
	gpgtest.Need(t, "gpg")
	gpgtest.Need(t, "gpgv")
	gpgtest.Need(t, "sq")
	t.Parallel()
	h := gpgtest.NewHome(t)
	dir := t.TempDir()
	now := time.Now().UTC().Truncate(time.Second)

	type key struct {
		signer        *signer.Signer
		fpr, pub, bin string // bin: binary keyring for gpgv
	}
	newKey := func(uid, pw string) key {
		sec, pub, fpr, err := keys.GenerateKey(uid, []byte(pw), 0, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		k := key{fpr: fpr, pub: writeFile(t, dir, fpr+".pub.asc", pub), bin: writeFile(t, dir, fpr+".gpg", h.Dearmor(pub))}
		path := writeFile(t, dir, fpr+".sec.asc", sec)
		if k.signer, err = signer.LoadSigner(path, passphrase(pw)); err != nil {
			t.Fatal(err)
		}
		h.Import(pub, "")
		return k
	}
	alice := newKey("Alice <alice@example.org>", "")
	bob := newKey("Bob <bob@example.org>", "bob's passphrase")

	for _, tc := range []struct {
		name string
		keys []key
	}{
		{"no passphrase", []key{alice}},
		{"passphrase", []key{bob}},
		{"two signers", []key{alice, bob}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var signers []*signer.Signer
			var fprs []string
			gpgvArgs := []string{"--status-fd", "1"}
			sqArgs := []string{"verify", "--signatures", strconv.Itoa(len(tc.keys))}
			for _, k := range tc.keys {
				signers = append(signers, k.signer)
				fprs = append(fprs, k.fpr)
				gpgvArgs = append(gpgvArgs, "--keyring", k.bin)
				sqArgs = append(sqArgs, "--signer-cert", k.pub)
			}
			signed, err := signer.Sign(interopText(t, now.Add(-time.Minute), fprs...), signers, now)
			if err != nil {
				t.Fatal(err)
			}
			doc := writeFile(t, t.TempDir(), "canary.txt", signed)

			st, err := h.Verify(signed)
			wantGoodSigs(t, "gpg --verify", st, err, fprs...)

			cmd := h.Cmd("gpgv", append(gpgvArgs, doc)...)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			st, err = cmd.Output()
			if err != nil {
				err = errors.New(err.Error() + "\n" + errb.String())
			}
			wantGoodSigs(t, "gpgv", st, err, fprs...)

			cmd = exec.Command("sq", append(sqArgs, doc)...)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("sq %s: %v\n%s", strings.Join(sqArgs, " "), err, out)
			}
		})
	}
}

func TestInteropGPGKeysAsSigners(t *testing.T) {
	gpgtest.Need(t, "gpg")
	t.Parallel()
	h := gpgtest.NewHome(t)
	dir := t.TempDir()
	for _, algo := range []string{"ed25519", "rsa2048"} {
		for _, pw := range []string{"", "gpg passphrase"} {
			name := algo + ", no passphrase"
			if pw != "" {
				name = algo + ", passphrase"
			}
			t.Run(name, func(t *testing.T) {
				uid := strings.ReplaceAll(name, ", ", "-")
				fpr := h.GenKey("GnuPG "+uid+" <"+strings.ReplaceAll(uid, " ", "")+"@example.org>", algo, pw)
				path := writeFile(t, dir, fpr+".sec.asc", h.ExportSecret(fpr, pw))
				if pw != "" {
					_, err := signer.LoadSigner(path, passphrase("not "+pw))
					if err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
						t.Errorf("LoadSigner with a wrong passphrase: %v; want a wrong passphrase error", err)
					}
					if _, err := signer.LoadSigner(path, nil); err == nil {
						t.Errorf("LoadSigner without a passphrase unlocked a protected key")
					}
				}
				s, err := signer.LoadSigner(path, passphrase(pw))
				if err != nil {
					t.Fatal(err)
				}
				if s.Fingerprint() != fpr {
					t.Errorf("signer fingerprint %s, gpg says %s", s.Fingerprint(), fpr)
				}
				now := time.Now().UTC().Truncate(time.Second) // not before the key was made
				signed, err := signer.Sign(interopText(t, now, fpr), []*signer.Signer{s}, now)
				if err != nil {
					t.Fatal(err)
				}
				st, err := h.Verify(signed)
				wantGoodSigs(t, "gpg --verify", st, err, fpr)
			})
		}
	}
}

// Keys whose signing key is a subkey, as gpg and sq users often have: the
// canary is signed by the subkey, and the signer is named by the primary.
func TestInteropSubkeySigners(t *testing.T) {
	gpgtest.Need(t, "gpg")
	gpgtest.Need(t, "sq")
	t.Parallel()
	h := gpgtest.NewHome(t)
	dir := t.TempDir()

	primary := h.GenKey("GnuPG Subkey <gnupg-subkey@example.org>", "ed25519", "pw")
	sub := h.AddSubkey(primary, "ed25519", "pw", "1y")
	gpgKey := writeFile(t, dir, "gpg.sec.asc", h.ExportSecret(primary, "pw"))

	sqKey, sqCert := filepath.Join(dir, "sq.sec.pgp"), filepath.Join(dir, "sq.pub.pgp")
	for _, args := range [][]string{
		{"key", "generate", "--userid", "Sequoia <sequoia@example.org>", "--export", sqKey},
		{"key", "extract-cert", "--output", sqCert, sqKey},
	} {
		cmd := exec.Command("sq", args...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sq %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cert, err := os.ReadFile(sqCert)
	if err != nil {
		t.Fatal(err)
	}
	h.Import(cert, "")

	for _, tc := range []struct {
		name, path, pw string
	}{
		{"gpg", gpgKey, "pw"},
		{"sq", sqKey, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signer.LoadSigner(tc.path, passphrase(tc.pw))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Entity.Subkeys) == 0 {
				t.Fatalf("%s made no subkey", tc.name)
			}
			fpr := s.Fingerprint()
			now := time.Now().UTC().Truncate(time.Second)
			signed, err := signer.Sign(interopText(t, now, fpr), []*signer.Signer{s}, now)
			if err != nil {
				t.Fatal(err)
			}
			st, err := h.Verify(signed)
			wantGoodSigs(t, "gpg --verify", st, err, fpr)
			if tc.name == "gpg" {
				// VALIDSIG <signing key fpr> ... <primary fpr>
				if v := gpgtest.Status(st, "VALIDSIG"); len(v) != 1 || v[0][1] != sub {
					t.Errorf("signed by %v, want the subkey %s", v, sub)
				}
			}
			doc := writeFile(t, t.TempDir(), "canary.txt", signed)
			cmd := exec.Command("sq", "verify", "--signer-cert", sqCert, doc)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			out, err := cmd.CombinedOutput()
			if (err == nil) != (tc.name == "sq") {
				t.Errorf("sq verify with the Sequoia cert: %v\n%s", err, out)
			}
		})
	}
}

func TestInteropGeneratedKeyImportsIntoGPG(t *testing.T) {
	gpgtest.Need(t, "gpg")
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	for _, pw := range []string{"", "generated passphrase"} {
		name := map[bool]string{true: "no passphrase", false: "passphrase"}[pw == ""]
		t.Run(name, func(t *testing.T) {
			h := gpgtest.NewHome(t)
			sec, pub, fpr, err := keys.GenerateKey("Generated <generated@example.org>", []byte(pw), 0, now.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			// IMPORT_RES count no_user_id imported imported_rsa unchanged
			// n_uids n_subk n_sigs n_revoc sec_read sec_imported sec_dups
			// skipped_new_keys not_imported skipped_v3_keys
			res := gpgtest.Status(h.Import(pub, ""), "IMPORT_RES")
			if len(res) != 1 || res[0][3] != "1" || res[0][14] != "0" {
				t.Errorf("public key import: %v", res)
			}
			res = gpgtest.Status(h.Import(sec, pw), "IMPORT_RES")
			if len(res) != 1 || res[0][10] != "1" || res[0][11] != "1" || res[0][14] != "0" {
				t.Errorf("secret key import: %v", res)
			}
			// gpg can use the imported secret key: it signs, and with the
			// passphrase keys.GenerateKey protected it with.
			if pw != "" {
				if _, errb, err := h.Run(interopText(t, now, fpr), "not "+pw, "--clearsign", "--local-user", fpr); err == nil {
					t.Errorf("gpg signed with a wrong passphrase:\n%s", errb)
				}
			}
			signed := h.ClearSign(interopText(t, now, fpr), gpgtest.SignOptions{Keys: []string{fpr}, Passphrase: pw})
			st, err := h.Verify(signed)
			wantGoodSigs(t, "gpg --verify", st, err, fpr)
		})
	}
}

func TestInteropDigestIsSHA256OfGPGDecrypt(t *testing.T) {
	gpgtest.Need(t, "gpg")
	t.Parallel()
	h := gpgtest.NewHome(t)
	now := time.Now().UTC().Truncate(time.Second)
	dir := t.TempDir()
	sec, pub, fpr, err := keys.GenerateKey("Digest <digest@example.org>", nil, 0, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.LoadSigner(writeFile(t, dir, "digest.sec.asc", sec), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Import(pub, "")
	ours, err := signer.Sign(interopText(t, now, fpr), []*signer.Signer{s}, now)
	if err != nil {
		t.Fatal(err)
	}
	gpgFpr := h.GenKey("GnuPG <gnupg@example.org>", "ed25519", "")
	theirs := h.ClearSign(interopText(t, now, gpgFpr), gpgtest.SignOptions{Keys: []string{gpgFpr}})

	for name, signed := range map[string][]byte{"signer.Sign": ours, "gpg --clearsign": theirs} {
		t.Run(name, func(t *testing.T) {
			o, err := canary.Open(signed)
			if err != nil {
				t.Fatal(err)
			}
			out := h.Decrypt(signed)
			sum := sha256.Sum256(out)
			if got, want := canary.Digest(o.Text), "sha256:"+hex.EncodeToString(sum[:]); got != want {
				t.Errorf("Digest %s, sha256 of gpg --decrypt %s\nText:\n%q\ngpg:\n%q", got, want, o.Text, out)
			}
		})
	}
}
