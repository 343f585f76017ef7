// Command sign clearsigns a release's SHA256SUMS with canarykit's own
// OpenPGP code (package canary), so that the release is signed by the tool
// it ships, and gpg --verify, sqv and canary verify all accept it.
//
//	go run ./release/sign -key release.sec.asc -public release-key.asc SHA256SUMS SHA256SUMS.asc
//
// The secret key may be passphrase-protected: the passphrase comes from
// CANARY_PASSPHRASE, as for canary issue. The signature is dated at
// SOURCE_DATE_EPOCH (the commit time, set by release/build.sh), or at the
// key's creation if that is later, never at the wall clock, so that it
// says when the release was made rather than when it was rebuilt. (It is
// still not the same bytes twice: the OpenPGP library salts every
// signature with a random notation.)
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/canarykit/canarykit/internal/signer"
)

func main() {
	key := flag.String("key", "", "armored OpenPGP secret key file (required)")
	public := flag.String("public", "", "also write the key's public part, armored, to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./release/sign -key SECRET.asc [-public PUBLIC.asc] IN OUT")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *key == "" || flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*key, *public, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintf(os.Stderr, "sign: %v\n", err)
		os.Exit(1)
	}
}

func run(keyFile, publicFile, in, out string) error {
	var pass signer.PassphraseFunc
	if pw := os.Getenv("CANARY_PASSPHRASE"); pw != "" {
		pass = func(string, string) ([]byte, error) { return []byte(pw), nil }
	}
	s, err := signer.LoadSigner(keyFile, pass)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	t, err := signingTime(s.Entity)
	if err != nil {
		return err
	}
	signed, err := signer.Sign(text, []*signer.Signer{s}, t)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, signed, 0o644); err != nil {
		return err
	}
	if publicFile != "" {
		var b bytes.Buffer
		w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
		if err != nil {
			return err
		}
		if err := s.Entity.Serialize(w); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		b.WriteByte('\n')
		if err := os.WriteFile(publicFile, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "signed %s with key %s at %s\n", out, s.Fingerprint(), t.UTC().Format(time.RFC3339))
	return nil
}

// signingTime is SOURCE_DATE_EPOCH, moved forward to the newest of the key's
// creation and binding signatures when the key is younger than the commit
// (a throwaway key): a signature older than its key would not verify.
func signingTime(e *openpgp.Entity) (time.Time, error) {
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		return time.Time{}, errors.New("SOURCE_DATE_EPOCH is not set: give the commit time, e.g. $(git log -1 --format=%ct)")
	}
	n, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %v", epoch, err)
	}
	t := time.Unix(n, 0).UTC()
	later := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	sigs := func(vs []*packet.VerifiableSignature) {
		for _, v := range vs {
			if v != nil && v.Packet != nil {
				later(v.Packet.CreationTime)
			}
		}
	}
	later(e.PrimaryKey.CreationTime)
	for _, id := range e.Identities {
		sigs(id.SelfCertifications)
	}
	for _, sk := range e.Subkeys {
		later(sk.PublicKey.CreationTime)
		sigs(sk.Bindings)
	}
	return t, nil
}
