package gpgtest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeT records how Need ends a test instead of ending it.
type fakeT struct {
	testing.TB
	fatal, skip string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }
func (f *fakeT) Skipf(format string, a ...any)  { f.skip = fmt.Sprintf(format, a...) }

func TestInteropNeed(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no tool can be found

	t.Setenv("CI", "")
	f := &fakeT{TB: t}
	Need(f, "gpg")
	if f.skip == "" || f.fatal != "" {
		t.Errorf("without CI: skip %q, fatal %q; want a skip only", f.skip, f.fatal)
	}

	t.Setenv("CI", "1")
	f = &fakeT{TB: t}
	Need(f, "sq")
	if f.fatal == "" || f.skip != "" || !strings.Contains(f.fatal, "CI must run interop tests: install gnupg sq sqv") {
		t.Errorf("with CI: skip %q, fatal %q; want the CI failure", f.skip, f.fatal)
	}
}

func TestInteropHome(t *testing.T) {
	h := NewHome(t)
	if len(h.Dir) > sockMax {
		t.Errorf("GNUPGHOME %s is %d bytes, too long for gpg-agent's sockets", h.Dir, len(h.Dir))
	}
	if fi, err := os.Stat(h.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("GNUPGHOME %s: %v, %v; want mode 0700", h.Dir, fi.Mode(), err)
	}
	past := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fpr := h.At(past).GenKey("Test <test@example.org>", "ed25519", "secret")
	if len(fpr) != 40 {
		t.Fatalf("fingerprint %q", fpr)
	}
	signed := h.At(past.Add(time.Hour)).ClearSign([]byte("hello\n"), SignOptions{Keys: []string{fpr}, Passphrase: "secret"})
	st, err := h.Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	good := Status(st, "GOODSIG")
	valid := Status(st, "VALIDSIG")
	if len(good) != 1 || len(valid) != 1 || valid[0][1] != fpr {
		t.Fatalf("status:\n%s", st)
	}
	// VALIDSIG <fpr> <date> <timestamp> ...: the faked time was used.
	if valid[0][3] != fmt.Sprint(past.Add(time.Hour).Unix()) {
		t.Errorf("signature made at %s, want %d", valid[0][3], past.Add(time.Hour).Unix())
	}
	if got := h.Decrypt(signed); !bytes.Equal(got, []byte("hello\n")) {
		t.Errorf("decrypt: %q", got)
	}
	if _, _, err := h.Run(nil, "wrong", "--armor", "--export-secret-keys", fpr); err == nil {
		t.Errorf("export with a wrong passphrase succeeded")
	}
	if !bytes.Contains(h.ExportSecret(fpr, "secret"), []byte("PRIVATE KEY BLOCK")) {
		t.Errorf("no secret key exported")
	}
	rev := h.AutoRevocation(fpr)
	if !bytes.Contains(rev, []byte("\n-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		t.Errorf("revocation certificate still guarded:\n%s", rev)
	}
	h.Import(rev, "")
	st, err = h.Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if len(Status(st, "REVKEYSIG")) != 1 {
		t.Errorf("after revocation, status:\n%s", st)
	}
}
