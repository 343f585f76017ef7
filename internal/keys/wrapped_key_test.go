package keys_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/gpgtest"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

// Some publishers publish their key clearsigned, or as a signed message
// holding it. Such a --key file is not a key: reading it must say what it
// is and how to unwrap it, not "no key block found", and must not unwrap
// it (the signature around it would go unchecked).

func wrappedKeyFixture(t *testing.T) (pub []byte, sg *signer.Signer) {
	t.Helper()
	now := time.Now().Add(-time.Hour)
	sec, pub, _, err := keys.GenerateKey("Publisher <pub@example.org>", nil, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	el, err := keys.ReadKeys(sec)
	if err != nil {
		t.Fatal(err)
	}
	return pub, &signer.Signer{Entity: el[0], Source: "test"}
}

// signedMessage wraps content in an OpenPGP message: literal data, signed
// by sg when it is not nil, armored when armored is set.
func signedMessage(t *testing.T, content []byte, sg *signer.Signer, armored bool) []byte {
	t.Helper()
	var out bytes.Buffer
	var w io.WriteCloser = nopCloser{&out}
	if armored {
		a, err := armor.Encode(&out, "PGP MESSAGE", nil)
		if err != nil {
			t.Fatal(err)
		}
		w = a
	}
	var in io.WriteCloser
	var err error
	if sg != nil {
		in, err = openpgp.Sign(w, []*openpgp.Entity{sg.Entity}, &openpgp.FileHints{FileName: "key.asc"}, nil)
	} else {
		in, err = packet.SerializeLiteral(w, true, "key.asc", 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if armored {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantWrapped(t *testing.T, path string, signed bool) {
	t.Helper()
	el, err := keys.ReadKeyFile(path)
	if err == nil {
		t.Fatalf("%s read as %d key(s); a message holding a key must not be unwrapped unchecked", path, len(el))
	}
	var w *keys.WrappedKeyError
	if !errors.As(err, &w) || w.Signed != signed {
		t.Fatalf("reading %s: %v; want a WrappedKeyError (signed %v)", path, err, signed)
	}
	msg := err.Error()
	want := path + " is a signed message that contains a key, not a key: unwrap it with gpg --decrypt " + path + " > key.asc (and check who signed it), then pass key.asc"
	if !signed {
		want = path + " is an OpenPGP message that contains a key, not a key: unwrap it with gpg --decrypt " + path + " > key.asc, then pass key.asc"
	}
	if msg != want {
		t.Errorf("reading %s:\n got %s\nwant %s", path, msg, want)
	}
	if strings.Contains(msg, "no OpenPGP") || strings.Contains(msg, "no key") {
		t.Errorf("reading %s says %q", path, msg)
	}
}

func TestClearsignedKeyIsNamed(t *testing.T) {
	pub, sg := wrappedKeyFixture(t)
	clear, err := signer.Sign(pub, []*signer.Signer{sg}, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(clear, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) || !bytes.Contains(clear, []byte("\n- -----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		t.Fatalf("not a clearsigned key:\n%s", clear)
	}
	wantWrapped(t, writeTemp(t, "clear.asc", clear), true)
}

func TestSignedMessageKeyIsNamed(t *testing.T) {
	pub, sg := wrappedKeyFixture(t)
	wantWrapped(t, writeTemp(t, "signed.asc", signedMessage(t, pub, sg, true)), true)
	wantWrapped(t, writeTemp(t, "signed.gpg", signedMessage(t, pub, sg, false)), true)
	// The key inside may be binary too.
	el, err := keys.ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	var bin bytes.Buffer
	if err := el[0].Serialize(&bin); err != nil {
		t.Fatal(err)
	}
	wantWrapped(t, writeTemp(t, "signed-binary-key.asc", signedMessage(t, bin.Bytes(), sg, true)), true)
}

func TestLiteralMessageKeyIsNamed(t *testing.T) {
	pub, _ := wrappedKeyFixture(t)
	wantWrapped(t, writeTemp(t, "literal.asc", signedMessage(t, pub, nil, true)), false)
}

// A message that holds no key is still just "no key".
func TestSignedMessageWithoutKeyIsNotAWrappedKey(t *testing.T) {
	_, sg := wrappedKeyFixture(t)
	for name, data := range map[string][]byte{
		"signed.asc": signedMessage(t, []byte("hello\n"), sg, true),
		"signed.gpg": signedMessage(t, []byte("hello\n"), sg, false),
	} {
		_, err := keys.ReadKeyFile(writeTemp(t, name, data))
		var w *keys.WrappedKeyError
		if err == nil || errors.As(err, &w) {
			t.Errorf("%s: %v, want an error that is not about a wrapped key", name, err)
		}
	}
	clear, err := signer.Sign([]byte("hello\n"), []*signer.Signer{sg}, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	_, err = keys.ReadKeyFile(writeTemp(t, "clear.asc", clear))
	var w *keys.WrappedKeyError
	if err == nil || errors.As(err, &w) {
		t.Errorf("clearsigned text: %v, want an error that is not about a wrapped key", err)
	}
}

// A path that needs quoting is quoted in the command given.
func TestWrappedKeyCommandIsQuoted(t *testing.T) {
	msg := (&keys.WrappedKeyError{File: "my keys/it's.asc", Signed: true}).Error()
	if !strings.Contains(msg, `gpg --decrypt 'my keys/it'\''s.asc' > key.asc`) {
		t.Errorf("command not quoted for the shell: %s", msg)
	}
}

// What gpg makes is recognised, and the advice given works: gpg --decrypt
// unwraps a key canarykit reads.
func TestWrappedKeyFromGPG(t *testing.T) {
	h := gpgtest.NewHome(t)
	fpr := h.GenKey("Publisher <pub@example.org>", "ed25519", "pw")
	key := h.ExportPublic(fpr)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"clearsigned.asc", []string{"--clearsign"}},
		{"signed.asc", []string{"--sign", "--armor"}},
		{"signed.gpg", []string{"--sign"}},
	} {
		wrapped := h.Must(key, "pw", append(tc.args, "--local-user", fpr)...)
		path := writeTemp(t, tc.name, wrapped)
		wantWrapped(t, path, true)
		unwrapped := h.Must(wrapped, "", "--decrypt")
		el, err := keys.ReadKeys(unwrapped)
		if err != nil || len(el) != 1 || keys.Fingerprint(el[0].PrimaryKey.Fingerprint) != fpr {
			t.Errorf("%s: gpg --decrypt gave no readable key %s: %v", tc.name, fpr, err)
		}
	}
}
