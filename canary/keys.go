package canary

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// MaxKeyFileBytes bounds what is read from a key file, so that a wrong path
// (a disk image, /dev/zero) fails fast instead of filling memory.
const MaxKeyFileBytes = 16 << 20

// Fingerprint formats an OpenPGP fingerprint the way gpg prints it without
// spaces: uppercase hex.
func Fingerprint(fp []byte) string { return strings.ToUpper(fmt.Sprintf("%x", fp)) }

// ReadKeyFile reads a file of armored or binary OpenPGP keys (one key, or a
// whole keyring, public or secret).
func ReadKeyFile(path string) (openpgp.EntityList, error) {
	data, err := readLimited(path, MaxKeyFileBytes)
	if err != nil {
		return nil, err
	}
	el, err := ReadKeys(data)
	var wrapped *WrappedKeyError
	if errors.As(err, &wrapped) {
		wrapped.File = path
		return nil, wrapped
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return el, nil
}

// A WrappedKeyError says that what was read as a key is an OpenPGP
// message (clearsigned, or a signed or plain literal-data message) whose
// content is a key. It is not unwrapped here: the signature around the
// key would go unchecked, and it says who vouches for the key.
type WrappedKeyError struct {
	File   string // the file read, if it was one
	Signed bool   // whether the message is signed
}

func (e *WrappedKeyError) Error() string {
	what, check := "an OpenPGP message that contains a key, not a key", ""
	if e.Signed {
		what, check = "a signed message that contains a key, not a key", " (and check who signed it)"
	}
	if e.File == "" {
		return fmt.Sprintf("this is %s: save it to a file FILE, unwrap it with gpg --decrypt FILE > key.asc%s, then pass key.asc", what, check)
	}
	return fmt.Sprintf("%s is %s: unwrap it with gpg --decrypt %s > key.asc%s, then pass key.asc", e.File, what, shellQuote(e.File), check)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/-+:@,=%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// wrappedKey says whether data, in which no key block was found, is an
// OpenPGP message holding a key: a clearsigned text that is a key block,
// or a message (armored or binary) whose literal data is a key.
func wrappedKey(data []byte) error {
	if i := bytes.Index(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")); i >= 0 {
		if b, _ := clearsign.Decode(data[i:]); b != nil {
			if el, err := readKeys(b.Plaintext); err == nil && len(el) > 0 {
				return &WrappedKeyError{Signed: true}
			}
		}
	}
	body := data
	if i := bytes.Index(data, []byte("-----BEGIN PGP MESSAGE-----")); i >= 0 {
		block, err := armor.Decode(bytes.NewReader(data[i:]))
		if err != nil {
			return nil
		}
		raw, err := io.ReadAll(io.LimitReader(block.Body, MaxKeyFileBytes))
		if err != nil {
			return nil
		}
		body = raw
	} else if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN ")) {
		return nil
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(body), openpgp.EntityList{}, nil, nil)
	if err != nil || md.IsEncrypted {
		return nil
	}
	// The limit stops a compressed message that inflates without bound.
	content, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, MaxKeyFileBytes))
	if err != nil && len(content) == 0 {
		return nil
	}
	if el, err := readKeys(content); err == nil && len(el) > 0 {
		return &WrappedKeyError{Signed: md.IsSigned}
	}
	return nil
}

// ReadKeys parses armored or binary OpenPGP keys. Armored input may hold
// several blocks one after the other, as a hand-made keyring file often does.
// Input that is a message holding a key, not a key, is refused with a
// *WrappedKeyError.
func ReadKeys(data []byte) (openpgp.EntityList, error) {
	el, err := readKeys(data)
	if err != nil {
		if w := wrappedKey(data); w != nil {
			return nil, w
		}
	}
	return el, err
}

func readKeys(data []byte) (openpgp.EntityList, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("no OpenPGP key found (the file is empty)")
	}
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) && !bytes.Contains(trimmed, []byte("\n-----BEGIN PGP")) {
		el, err := openpgp.ReadKeyRing(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not an OpenPGP key: %v", err)
		}
		if len(el) == 0 {
			// go-crypto skips packets it cannot use and may find nothing.
			return nil, errors.New("not an OpenPGP key: no key packet found")
		}
		return el, nil
	}
	var all openpgp.EntityList
	rest := data
	for {
		i := bytes.Index(rest, []byte("-----BEGIN PGP"))
		if i < 0 {
			break
		}
		rest = rest[i:]
		block, err := armor.Decode(bytes.NewReader(rest))
		if err != nil {
			return nil, fmt.Errorf("bad armor: %v", err)
		}
		// armor.Decode does not say how much it consumed; find the end line.
		end := bytes.Index(rest, []byte("\n-----END PGP"))
		if end < 0 {
			return nil, errors.New("armored key has no END line; is the file truncated?")
		}
		rest = rest[end+1:]
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		} else {
			rest = nil
		}
		switch block.Type {
		case "PGP PUBLIC KEY BLOCK", "PGP PRIVATE KEY BLOCK":
		default:
			continue // e.g. a signature kept beside the key
		}
		el, err := openpgp.ReadKeyRing(block.Body)
		if err != nil {
			return nil, fmt.Errorf("bad key: %v", err)
		}
		all = append(all, el...)
	}
	if len(all) == 0 {
		return nil, errors.New("no OpenPGP public or secret key block found")
	}
	return all, nil
}

// A Signer is a decrypted secret key ready to sign canaries, or a key
// whose secret stays elsewhere (gpg-agent, a KMS: backend.go).
type Signer struct {
	Entity *openpgp.Entity
	Source string // where the key came from, for messages

	backend backend     // signs in place of Entity's secret key, if set
	hash    crypto.Hash // the hash the key signs with, if not SHA-512
}

// Fingerprint is the primary key's fingerprint: the one readers pin.
func (s *Signer) Fingerprint() string { return Fingerprint(s.Entity.PrimaryKey.Fingerprint) }

// signingKey picks the key that signs at t: a signing subkey if there is one,
// or the primary key, as gpg does.
func (s *Signer) signingKey(t time.Time) (*packet.PrivateKey, error) {
	if created := s.Entity.PrimaryKey.CreationTime; t.Before(created) {
		return nil, fmt.Errorf("%s: cannot sign as of %s: key %s was only made on %s",
			s.Source, t.UTC().Format(time.RFC3339), s.Fingerprint(), created.UTC().Format(time.RFC3339))
	}
	k, ok := s.Entity.SigningKey(t, nil)
	if !ok || k.PrivateKey == nil {
		return nil, fmt.Errorf("%s: key %s has no key that can sign at %s (expired, revoked, or not a signing key)",
			s.Source, s.Fingerprint(), t.UTC().Format(time.RFC3339))
	}
	if k.PrivateKey.Dummy() {
		return nil, fmt.Errorf("%s: the secret part of key %s is not in this file (it lives on a smartcard or was exported with --export-secret-subkeys)", s.Source, s.Fingerprint())
	}
	return k.PrivateKey, nil
}

// PassphraseFunc is asked for a passphrase when a secret key is encrypted.
// It gets the key file and fingerprint to show in a prompt.
type PassphraseFunc func(source, fingerprint string) ([]byte, error)

// LoadSigner reads one secret key from path and decrypts it with the
// passphrase from pass (which may be nil when no prompt is possible).
// path may also be gpg:FINGERPRINT, a key in the user's GnuPG.
func LoadSigner(path string, pass PassphraseFunc) (*Signer, error) {
	if strings.HasPrefix(path, GPGPrefix) {
		return openGPG(path)
	}
	s, err := ReadSigner(path)
	if err != nil {
		return nil, err
	}
	return s, s.Unlock(pass)
}

// ReadSigner reads one secret key from path without decrypting it: its
// fingerprint is enough for a draft.
func ReadSigner(path string) (*Signer, error) {
	el, err := ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	var secret []*openpgp.Entity
	for _, e := range el {
		if e.PrivateKey != nil {
			secret = append(secret, e)
		}
	}
	switch {
	case len(secret) == 0:
		return nil, fmt.Errorf("%s holds no secret key; a signer needs the file written by `canary key generate` (NAME.sec.asc) or `gpg --export-secret-keys --armor`", path)
	case len(secret) > 1:
		return nil, fmt.Errorf("%s holds %d secret keys; give each signer its own file", path, len(secret))
	}
	return &Signer{Entity: secret[0], Source: path}, nil
}

// Unlock decrypts the secret key with a passphrase from pass, if it needs one.
func (s *Signer) Unlock(pass PassphraseFunc) error {
	if !encrypted(s.Entity) {
		return nil
	}
	if pass == nil {
		return fmt.Errorf("%s: key %s is protected by a passphrase; set CANARY_PASSPHRASE or run in a terminal to be asked", s.Source, s.Fingerprint())
	}
	pw, err := pass(s.Source, s.Fingerprint())
	if err != nil {
		return err
	}
	if err := s.Entity.DecryptPrivateKeys(pw); err != nil {
		var kerr pgperrors.KeyInvalidError
		if errors.As(err, &kerr) || strings.Contains(err.Error(), "incorrect key") || strings.Contains(err.Error(), "checksum") {
			return fmt.Errorf("%s: wrong passphrase for key %s", s.Source, s.Fingerprint())
		}
		return fmt.Errorf("%s: cannot unlock key %s: %v", s.Source, s.Fingerprint(), err)
	}
	return nil
}

func encrypted(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted {
		return true
	}
	for _, sk := range e.Subkeys {
		if sk.PrivateKey != nil && sk.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

var uidRE = regexp.MustCompile(`^([^()<>\x00]*?)\s*<([^()<>\x00\s]+@[^()<>\x00\s]+)>$`)

// GenerateKey makes a v4 Ed25519 signing key (legacy EdDSA encoding, so gpg
// 2.2 and every other OpenPGP tool in use reads it) for the user ID uid, in
// the form "Name <mail>". A non-empty passphrase encrypts the secret key.
// lifetime 0 means the key does not expire.
func GenerateKey(uid string, passphrase []byte, lifetime time.Duration, now time.Time) (secret, public []byte, fingerprint string, err error) {
	m := uidRE.FindStringSubmatch(strings.TrimSpace(uid))
	if m == nil || m[1] == "" {
		return nil, nil, "", fmt.Errorf("user ID %q must look like \"Name <mail@example.org>\"", uid)
	}
	if lifetime < 0 || lifetime.Seconds() > float64(^uint32(0)) {
		return nil, nil, "", fmt.Errorf("key lifetime %v is out of range", lifetime)
	}
	cfg := &packet.Config{
		Algorithm:       packet.PubKeyAlgoEdDSA,
		Curve:           packet.Curve25519,
		DefaultHash:     crypto.SHA512,
		KeyLifetimeSecs: uint32(lifetime.Seconds()),
		Time:            func() time.Time { return now },
	}
	e, err := openpgp.NewEntity(m[1], "", m[2], cfg)
	if err != nil {
		return nil, nil, "", err
	}
	// A canary key only signs; an encryption subkey would invite people to
	// send mail to a key that may live offline.
	e.Subkeys = nil
	if len(passphrase) > 0 {
		if err := e.EncryptPrivateKeys(passphrase, cfg); err != nil {
			return nil, nil, "", err
		}
	}
	var sec, pub bytes.Buffer
	if err := writeArmored(&sec, "PGP PRIVATE KEY BLOCK", func(w io.Writer) error { return e.SerializePrivateWithoutSigning(w, cfg) }); err != nil {
		return nil, nil, "", err
	}
	if err := writeArmored(&pub, "PGP PUBLIC KEY BLOCK", e.Serialize); err != nil {
		return nil, nil, "", err
	}
	return sec.Bytes(), pub.Bytes(), Fingerprint(e.PrimaryKey.Fingerprint), nil
}

// writeArmored always adds the CRC-24 line: RFC 9580 makes it optional, but
// GnuPG 2.2 cannot find the end of an armored key without it.
func writeArmored(out *bytes.Buffer, blockType string, body func(io.Writer) error) error {
	w, err := armor.EncodeWithChecksumOption(out, blockType, nil, true)
	if err != nil {
		return err
	}
	if err := body(w); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	out.WriteByte('\n')
	return nil
}

func readLimited(path string, max int64) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes; is it the right file?", path, max)
	}
	return data, nil
}

// ReadFile reads a canary or key file (or "-" for standard input) with the
// size bound that protects the verifier.
func ReadFile(path string) ([]byte, error) { return readLimited(path, MaxCanaryBytes) }

// CloneKeys returns a copy of keys that shares no memory with them.
// go-crypto caches whether each self-signature is valid inside the
// entity, the first time a check needs it; two goroutines verifying with
// one entity would race on that cache. Each goroutine gets its own copy
// instead: written out and read back, which keeps every packet that
// verification reads (keys, user IDs, subkeys, all their signatures).
func CloneKeys(keys openpgp.EntityList) (openpgp.EntityList, error) {
	var buf bytes.Buffer
	out := make(openpgp.EntityList, 0, len(keys))
	for _, e := range keys {
		buf.Reset()
		if err := e.Serialize(&buf); err != nil {
			return nil, fmt.Errorf("cannot copy key %s: %v", Fingerprint(e.PrimaryKey.Fingerprint), err)
		}
		el, err := openpgp.ReadKeyRing(bytes.NewReader(buf.Bytes()))
		if err != nil || len(el) != 1 {
			return nil, fmt.Errorf("cannot copy key %s: %v", Fingerprint(e.PrimaryKey.Fingerprint), err)
		}
		out = append(out, el[0])
	}
	return out, nil
}
