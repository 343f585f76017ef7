package signer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/keys"
)

// gpgProgram is the GnuPG executable the gpg: backend runs; the
// environment's GNUPGHOME and GPG_TTY reach it unchanged, so it talks to
// the user's own agent, pinentry and smartcard.
var gpgProgram = "gpg"

// gpgAgent signs through the user's GnuPG: the secret key stays in
// gpg-agent (or on a card behind it), and canarykit only ever sees the
// signature packet, which it checks and puts in its own clearsigned block.
type gpgAgent struct {
	fpr string
}

// OpenGPG reads the public key of spec ("gpg:FINGERPRINT") from the
// user's keyring.
func OpenGPG(spec string) (*Signer, error) {
	fpr, err := normaliseFingerprint(strings.TrimPrefix(spec, GPGPrefix))
	if err != nil {
		return nil, fmt.Errorf("signer %s: %v", spec, err)
	}
	out, err := runGPG(nil, "--export", "--export-options", "export-minimal", fpr)
	if err != nil {
		return nil, fmt.Errorf("signer %s: %v", spec, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("signer %s: GnuPG has no key %s%s; import it, or check the fingerprint with gpg --list-secret-keys", spec, fpr, gpgHomeHint())
	}
	el, err := keys.ReadKeys(out)
	if err != nil {
		return nil, fmt.Errorf("signer %s: gpg --export: %v", spec, err)
	}
	for _, e := range el {
		match := keys.Fingerprint(e.PrimaryKey.Fingerprint) == fpr
		for _, sk := range e.Subkeys {
			match = match || keys.Fingerprint(sk.PublicKey.Fingerprint) == fpr
		}
		if match {
			return &Signer{Entity: e, Source: spec, backend: &gpgAgent{fpr: fpr}}, nil
		}
	}
	return nil, fmt.Errorf("signer %s: gpg --export gave no key with that fingerprint", spec)
}

// signText asks gpg for a detached canonical-text signature. gpg's text
// mode turns LF into CRLF and hashes a last line without its line break
// as it is, so the text minus its final LF hashes exactly as Canonical.
// The signature is dated t (gpg's --faked-system-time, frozen), as every
// canarykit signature is dated the canary's Issued time.
func (g *gpgAgent) signText(canonical []byte, t time.Time) ([]byte, error) {
	text := bytes.ReplaceAll(canonical, []byte("\r\n"), []byte("\n"))
	out, err := runGPG(text, "--detach-sign", "--textmode", "--digest-algo", "SHA512",
		"--faked-system-time", t.UTC().Format("20060102T150405")+"!",
		"--local-user", g.fpr, "--output", "-")
	if err != nil {
		return nil, fmt.Errorf("gpg:%s: %v; check that the key's secret part is in gpg-agent or on the card (gpg --card-status)", g.fpr, err)
	}
	return out, nil
}

// runGPG runs gpg in batch mode. Pinentry is still asked for a PIN or
// passphrase: --batch only stops gpg itself from asking questions.
func runGPG(stdin []byte, args ...string) ([]byte, error) {
	path, err := exec.LookPath(gpgProgram)
	if err != nil {
		return nil, errors.New("gpg: keys need GnuPG, and gpg is not on PATH: install gnupg")
	}
	cmd := exec.Command(path, append([]string{"--batch", "--no-tty", "--yes"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gpg %s failed (%v): %s", args[0], err, gpgErrors(errb.String()))
	}
	return out.Bytes(), nil
}

// gpgErrors keeps what gpg said about the failure, not the warning that
// the clock is faked.
func gpgErrors(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" && !strings.Contains(l, "faked system time") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	if len(keep) == 0 {
		return "no message"
	}
	return strings.Join(keep, "; ")
}

func gpgHomeHint() string {
	if h := os.Getenv("GNUPGHOME"); h != "" {
		return " (GNUPGHOME=" + h + ")"
	}
	return ""
}
