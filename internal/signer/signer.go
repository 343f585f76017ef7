// Package signer makes the signatures on a canary. A Signer is an OpenPGP
// key whose secret is a decrypted key file, the user's gpg-agent (gpg:)
// or a KMS reached through the canary-kms program (kms://). Each signs
// through one small interface (backend: a key file and a KMS key's
// crypto.Signer in process, the agent through gpg), and every signature
// packet a backend returns is checked against the signer's public key
// before it is used (docs/SIGNING.md).
package signer

import (
	"crypto"
	"errors"
	"fmt"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/canarykit/canarykit/internal/keys"
)

// A Signer is a decrypted secret key ready to sign canaries, or a key
// whose secret stays elsewhere (gpg-agent, a KMS: backend.go).
type Signer struct {
	Entity *openpgp.Entity
	Source string // where the key came from, for messages

	backend backend     // how it signs; nil is inProcess, with Entity's secret key
	hash    crypto.Hash // the hash the key signs with, if not SHA-512
}

// Fingerprint is the primary key's fingerprint: the one readers pin.
func (s *Signer) Fingerprint() string { return keys.Fingerprint(s.Entity.PrimaryKey.Fingerprint) }

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
		return OpenGPG(path)
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
	el, err := keys.ReadKeyFile(path)
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

// ReadKey reads the one key, public or secret, in path.
func ReadKey(path string) (*Signer, error) {
	el, err := keys.ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("%s holds %d keys; give each signer its own file", path, len(el))
	}
	return &Signer{Entity: el[0], Source: path}, nil
}
