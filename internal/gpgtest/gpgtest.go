// Package gpgtest lets tests check canarykit against the OpenPGP tools
// people really use: GnuPG (gpg, gpgv) and Sequoia (sq, sqv).
//
// Every test gets its own throwaway GNUPGHOME, so nothing touches the
// user's keyrings, and every gpg call runs in batch mode with the
// passphrase given on the command line (loopback pinentry), so no prompt
// ever appears.
package gpgtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Need skips the test when tool (gpg, gpgv, sq, sqv...) is not on PATH.
// When the environment variable CI is set, a missing tool fails the test
// instead: CI exists to run the interop tests, so it must not pass by
// skipping them.
func Need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not on PATH; CI must run interop tests: install gnupg sq sqv", tool)
		return // only reached with a fake testing.TB
	}
	t.Skipf("%s is not on PATH; install it to run this interop test", tool)
}

// sockMax is how long GNUPGHOME may be: gpg-agent puts its sockets there
// (S.gpg-agent.browser is the longest name), and a unix socket path is at
// most 108 bytes including the final NUL.
const sockMax = 107 - len("/S.gpg-agent.browser")

// A Home is a throwaway GNUPGHOME.
type Home struct {
	t   testing.TB
	Dir string
	// now, when not zero, is the time every gpg call believes it is
	// (--faked-system-time, frozen), so a test can make keys and
	// signatures in the past.
	now time.Time
}

// NewHome makes an empty GNUPGHOME that is removed, and its gpg-agent
// stopped, when the test ends. It calls Need for gpg and gpgconf.
func NewHome(t testing.TB) *Home {
	t.Helper()
	Need(t, "gpg")
	Need(t, "gpgconf")
	dir := t.TempDir()
	if len(dir) > sockMax {
		d, err := os.MkdirTemp("/tmp", "gpg")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
		t.Cleanup(func() { os.RemoveAll(d) })
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The agent would otherwise spend seconds calibrating how hard to make
	// each passphrase; a test key needs no such protection.
	conf := "allow-loopback-pinentry\ns2k-count 65536\n"
	if err := os.WriteFile(filepath.Join(dir, "gpg-agent.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &Home{t: t, Dir: dir}
	// Registered after the directory, so it runs before its removal.
	t.Cleanup(func() {
		cmd := h.Cmd("gpgconf", "--kill", "all")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("gpgconf --kill all: %v: %s", err, out)
		}
	})
	return h
}

// At returns a view of the same home in which gpg believes the time is
// now (with whole seconds): keys it makes and signatures it writes carry
// that date.
func (h *Home) At(now time.Time) *Home {
	c := *h
	c.now = now.UTC().Truncate(time.Second)
	return &c
}

// Cmd returns a command for any tool (gpg, gpgv, gpgconf...) with
// GNUPGHOME set to the home.
func (h *Home) Cmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GNUPGHOME="+h.Dir, "LC_ALL=C", "LANGUAGE=")
	return cmd
}

// Run runs gpg in batch mode with stdin as its input and returns what it
// wrote. passphrase is handed to gpg through loopback pinentry; "" means
// none (and makes new keys unprotected). err is non-nil when gpg exits
// non-zero.
func (h *Home) Run(stdin []byte, passphrase string, args ...string) (stdout, stderr []byte, err error) {
	h.t.Helper()
	all := []string{"--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", passphrase}
	if !h.now.IsZero() {
		all = append(all, "--faked-system-time", h.now.Format("20060102T150405")+"!")
	}
	return h.exec(stdin, append(all, args...)...)
}

func (h *Home) exec(stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	cmd := h.Cmd("gpg", args...)
	var out, errb bytes.Buffer
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

// Must is Run that fails the test when gpg fails, and returns its output.
func (h *Home) Must(stdin []byte, passphrase string, args ...string) []byte {
	h.t.Helper()
	out, errb, err := h.Run(stdin, passphrase, args...)
	if err != nil {
		h.t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, errb)
	}
	return out
}

// GenKey makes a signing-only primary key without expiry with
// `gpg --quick-gen-key UID ALGO sign never` and returns its fingerprint.
// algo is a gpg algorithm name such as "ed25519" or "rsa2048" (RSA keys
// take a second or so). An empty passphrase leaves the key unprotected.
func (h *Home) GenKey(uid, algo, passphrase string) string {
	h.t.Helper()
	out := h.Must(nil, passphrase, "--status-fd", "1", "--quick-gen-key", uid, algo, "sign", "never")
	// KEY_CREATED <type> <fingerprint>
	for _, f := range Status(out, "KEY_CREATED") {
		if len(f) >= 3 {
			return f[2]
		}
	}
	h.t.Fatalf("gpg --quick-gen-key %q %s: no KEY_CREATED status in %q", uid, algo, out)
	return ""
}

// AddSubkey adds a subkey to key fpr with `gpg --quick-add-key FPR ALGO
// sign EXPIRE` (expire as gpg takes it: "never", "1y", "2026-01-01") and
// returns the subkey's fingerprint. gpg signs with the newest signing
// subkey unless told otherwise.
func (h *Home) AddSubkey(fpr, algo, passphrase, expire string) string {
	h.t.Helper()
	out := h.Must(nil, passphrase, "--status-fd", "1", "--quick-add-key", fpr, algo, "sign", expire)
	for _, f := range Status(out, "KEY_CREATED") {
		if len(f) >= 3 && f[1] == "S" {
			return f[2]
		}
	}
	h.t.Fatalf("gpg --quick-add-key %s %s: no KEY_CREATED status in %q", fpr, algo, out)
	return ""
}

// ExportPublic returns the armored public keys with the given fingerprints.
func (h *Home) ExportPublic(fprs ...string) []byte {
	h.t.Helper()
	return h.Must(nil, "", append([]string{"--armor", "--export"}, fprs...)...)
}

// ExportSecret returns the armored secret key fpr, as
// `gpg --export-secret-keys --armor` writes it: still protected by its
// passphrase, which gpg needs to export it.
func (h *Home) ExportSecret(fpr, passphrase string) []byte {
	h.t.Helper()
	return h.Must(nil, passphrase, "--armor", "--export-secret-keys", fpr)
}

// Import imports keys, secret keys or revocation certificates and returns
// gpg's status lines (IMPORT_OK, IMPORT_RES...).
func (h *Home) Import(data []byte, passphrase string) []byte {
	h.t.Helper()
	return h.Must(data, passphrase, "--status-fd", "1", "--import")
}

// SignOptions say how to clearsign.
type SignOptions struct {
	// Keys are the fingerprints of the signing keys, all in one block.
	// Each is used exactly (gpg's "FPR!"): give a subkey's fingerprint to
	// sign with that subkey.
	Keys []string
	// Passphrase unlocks the keys (they share it).
	Passphrase string
	// DigestAlgo, if set, is passed as --digest-algo (e.g. "SHA1").
	DigestAlgo string
}

// ClearSign runs `gpg --clearsign` with one --local-user per key and
// returns the signed document.
func (h *Home) ClearSign(text []byte, o SignOptions) []byte {
	h.t.Helper()
	args := []string{"--clearsign"}
	if o.DigestAlgo != "" {
		// gpg refuses to sign with a weak hash unless told that it may.
		args = append(args, "--digest-algo", o.DigestAlgo, "--allow-weak-digest-algos")
	}
	for _, k := range o.Keys {
		// "!" makes gpg use this very key, not a subkey it would prefer.
		args = append(args, "--local-user", k+"!")
	}
	return h.Must(text, o.Passphrase, args...)
}

// Verify runs `gpg --verify` on a signed document and returns the status
// lines (see Status); err is non-nil when gpg exits non-zero.
func (h *Home) Verify(signed []byte) (status []byte, err error) {
	h.t.Helper()
	out, errb, err := h.Run(signed, "", "--status-fd", "1", "--verify")
	if err != nil {
		return out, fmt.Errorf("gpg --verify: %v\n%s", err, errb)
	}
	return out, nil
}

// Decrypt returns the text of a signed document as
// `gpg --decrypt canary.txt` prints it.
func (h *Home) Decrypt(signed []byte) []byte {
	h.t.Helper()
	return h.Must(signed, "", "--decrypt")
}

// Dearmor turns armored keys into the binary keyring gpgv wants.
func (h *Home) Dearmor(armored []byte) []byte {
	h.t.Helper()
	return h.Must(armored, "", "--dearmor")
}

// GenRevoke makes a revocation certificate for fpr with
// `gpg --gen-revoke`, answering its questions: reason is gpg's code (0 no
// reason, 1 compromised, 2 superseded, 3 no longer used). It does not
// import it; see Import.
func (h *Home) GenRevoke(fpr, passphrase string, reason int, text string) []byte {
	h.t.Helper()
	// gen-revoke refuses --batch, so drive it through --command-fd; an
	// empty line ends the description.
	answers := fmt.Sprintf("y\n%d\n%s\n\ny\n", reason, text)
	args := []string{"--no-tty", "--pinentry-mode", "loopback", "--passphrase", passphrase,
		"--command-fd", "0", "--armor", "--gen-revoke", fpr}
	if !h.now.IsZero() {
		args = append([]string{"--faked-system-time", h.now.Format("20060102T150405") + "!"}, args...)
	}
	out, errb, err := h.exec([]byte(answers), args...)
	if err != nil || !bytes.Contains(out, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		h.t.Fatalf("gpg --gen-revoke %s: %v\n%s", fpr, err, errb)
	}
	return out
}

// AutoRevocation returns the revocation certificate gpg wrote when it
// made key fpr (openpgp-revocs.d/FPR.rev, reason "no reason"), with the
// colon that guards its armor line removed so that it can be imported.
func (h *Home) AutoRevocation(fpr string) []byte {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.Dir, "openpgp-revocs.d", fpr+".rev"))
	if err != nil {
		h.t.Fatal(err)
	}
	return bytes.Replace(data, []byte("\n:-----BEGIN"), []byte("\n-----BEGIN"), 1)
}

// SetExpire sets the expiry of key fpr with `gpg --quick-set-expire`:
// expire is what gpg takes ("2025-06-01", "1y", "never"), counted from
// the home's time (see At).
func (h *Home) SetExpire(fpr, passphrase, expire string) {
	h.t.Helper()
	h.Must(nil, passphrase, "--quick-set-expire", fpr, expire)
}

// Status returns the fields of each "[GNUPG:] KEYWORD ..." line of gpg's
// --status-fd output, the keyword first.
func Status(out []byte, keyword string) [][]string {
	var found [][]string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "[GNUPG:] "))
		if strings.HasPrefix(line, "[GNUPG:] ") && len(f) > 0 && f[0] == keyword {
			found = append(found, f)
		}
	}
	return found
}
