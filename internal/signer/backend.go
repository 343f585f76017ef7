package signer

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/canarykit/canarykit/canary"
)

// A signer's key in a definition is one of (docs/SIGNING.md):
//
//	keys/alice.sec.asc   an OpenPGP secret key file, relative to the definition
//	gpg:FINGERPRINT      a key in the user's own GnuPG, used through gpg-agent
//	                     (so smartcards and YubiKeys work)
//	kms://REF            a key held in a KMS, through sigstore's signer
//	                     interfaces; its OpenPGP public key is the file in
//	                     the signer's "public" entry
const (
	GPGPrefix = "gpg:"
	KMSPrefix = "kms://"
)

// A backend makes a Signer's signatures: inProcess for a key file and for
// a KMS key (a crypto.Signer answered by canary-kms), gpgAgent for a key
// in the user's GnuPG. Whatever it returns is checked (Signer.sign) before
// it goes into a canary.
type backend interface {
	// signText returns one binary signature packet of type 0x01 over
	// canonical, dated t.
	signText(canonical []byte, t time.Time) ([]byte, error)
}

// inProcess signs with the secret key in the Signer's Entity: a decrypted
// key file, or a KMS key attached as its private key (OpenKMS).
type inProcess struct{ s *Signer }

func (b inProcess) signText(canonical []byte, t time.Time) ([]byte, error) {
	sig, _, err := b.s.signLocal(canonical, t)
	if err != nil {
		return nil, err
	}
	var pkt bytes.Buffer
	if err := sig.Serialize(&pkt); err != nil {
		return nil, err
	}
	return pkt.Bytes(), nil
}

// Expiry says until when s's key can sign as of at: the earlier of the
// expiry of its primary key and of the signing subkey it would use. ok is
// false when no key of s can sign at at (expired, revoked or not a
// signing key); a zero expiry means it never expires.
func (s *Signer) Expiry(at time.Time) (expires time.Time, ok bool) {
	k, ok := s.Entity.SigningKey(at, nil)
	if !ok {
		return time.Time{}, false
	}
	earliest := func(pub *packet.PublicKey, sig *packet.Signature) {
		if sig == nil || sig.KeyLifetimeSecs == nil || *sig.KeyLifetimeSecs == 0 {
			return
		}
		t := pub.CreationTime.Add(time.Duration(*sig.KeyLifetimeSecs) * time.Second)
		if expires.IsZero() || t.Before(expires) {
			expires = t
		}
	}
	earliest(s.Entity.PrimaryKey, k.PrimarySelfSignature)
	if k.PublicKey != s.Entity.PrimaryKey {
		earliest(k.PublicKey, k.SelfSignature)
	}
	return expires, true
}

// signatureHash is the hash s signs with: SHA-512 unless its key only
// signs with another (a KMS key bound to SHA-256, say).
func (s *Signer) signatureHash() crypto.Hash {
	if s.hash != 0 {
		return s.hash
	}
	return crypto.SHA512
}

// sign makes s's signature over canonical, dated t, and checks it against
// s's public key before anyone sees it: a key that makes bad signatures (a
// damaged file, a faulty card, a KMS key that is not the one published)
// must be caught before the canary is published.
func (s *Signer) sign(canonical []byte, t time.Time) (pkt []byte, sig *packet.Signature, err error) {
	var b backend = inProcess{s}
	if s.backend != nil {
		b = s.backend
	}
	if pkt, err = b.signText(canonical, t); err != nil {
		return nil, nil, err
	}
	sig, pub, err := s.parseOwn(pkt, t)
	if err != nil {
		return nil, nil, err
	}
	check, err := sig.PrepareVerify()
	if err != nil {
		return nil, nil, err
	}
	check.Write(canonical)
	if err := pub.VerifySignature(check, sig); err != nil {
		return nil, nil, fmt.Errorf("%s: key %s made a signature that does not verify: %v", s.Source, s.Fingerprint(), err)
	}
	return pkt, sig, nil
}

// signLocal signs with a secret key canarykit holds: a decrypted key file,
// or a crypto.Signer (KMS) wrapped as an OpenPGP key.
func (s *Signer) signLocal(canonical []byte, t time.Time) (*packet.Signature, *packet.PublicKey, error) {
	k, err := s.signingKey(t)
	if err != nil {
		return nil, nil, err
	}
	h := s.signatureHash()
	cfg := &packet.Config{DefaultHash: h, Time: func() time.Time { return t }}
	sig := &packet.Signature{
		Version:           k.Version,
		SigType:           packet.SigTypeText,
		PubKeyAlgo:        k.PubKeyAlgo,
		Hash:              h,
		CreationTime:      t,
		IssuerKeyId:       &k.KeyId,
		IssuerFingerprint: k.Fingerprint,
		IssuerKeyVersion:  uint8(k.Version),
	}
	if k.Version == 6 {
		salt, err := packet.SignatureSaltForHash(sig.Hash, cfg.Random())
		if err != nil {
			return nil, nil, err
		}
		if err := sig.SetSalt(salt); err != nil {
			return nil, nil, err
		}
	}
	hh, err := sig.PrepareVerify()
	if err != nil {
		return nil, nil, err
	}
	hh.Write(canonical)
	if err := sig.Sign(hh, k, cfg); err != nil {
		return nil, nil, fmt.Errorf("%s: signing failed: %v", s.Source, err)
	}
	return sig, &k.PublicKey, nil
}

// parseOwn reads the one signature packet a backend made and makes sure it
// is what canarykit itself would have written: a canonical-text signature
// dated t by a key of s, with a strong hash.
func (s *Signer) parseOwn(pkt []byte, t time.Time) (*packet.Signature, *packet.PublicKey, error) {
	r := packet.NewReader(bytes.NewReader(pkt))
	p, err := r.Next()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the signature made is unreadable: %v", s.Source, err)
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		return nil, nil, fmt.Errorf("%s: expected one signature packet, got %T", s.Source, p)
	}
	if _, err := r.Next(); err != io.EOF {
		return nil, nil, fmt.Errorf("%s: expected one signature packet, got more", s.Source)
	}
	switch {
	case sig.SigType != packet.SigTypeText:
		return nil, nil, fmt.Errorf("%s: made a signature of type %#x, not a canonical-text signature (0x01)", s.Source, sig.SigType)
	case sig.CreationTime.Unix() != t.Unix(): // OpenPGP dates signatures to the second
		return nil, nil, fmt.Errorf("%s: the signature is dated %s, not %s as the canary's Issued time", s.Source,
			sig.CreationTime.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	case sig.Hash != crypto.SHA512 && sig.Hash != crypto.SHA384 && sig.Hash != crypto.SHA256:
		return nil, nil, fmt.Errorf("%s: the signature uses hash %v; canarykit publishes only SHA-256 or stronger", s.Source, sig.Hash)
	}
	var id uint64
	if sig.IssuerKeyId != nil {
		id = *sig.IssuerKeyId
	}
	if s.Entity.PrimaryKey.KeyId == id {
		return sig, s.Entity.PrimaryKey, nil
	}
	for _, sk := range s.Entity.Subkeys {
		if sk.PublicKey.KeyId == id {
			return sig, sk.PublicKey, nil
		}
	}
	return nil, nil, fmt.Errorf("%s: the signature was made by key ID %016X, which is not part of key %s", s.Source, id, s.Fingerprint())
}

// normaliseFingerprint accepts a fingerprint as gpg prints it, in groups
// with blanks, and refuses short key IDs, which anyone can collide.
func normaliseFingerprint(s string) (string, error) {
	fp := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	fp = strings.TrimPrefix(fp, "0X")
	if !canary.IsFingerprint(fp) {
		return "", errors.New("a full fingerprint is needed: 40 hex digits (64 for a v6 key), as `gpg --list-keys --with-colons` prints on its fpr: line")
	}
	return fp, nil
}

// CheckRef refuses a signer spec (a key file, gpg:FINGERPRINT or
// kms://REF, with the public key file a kms:// key needs) that could
// never work, before anything is asked of an agent or a KMS.
func CheckRef(key, public string) error {
	switch {
	case strings.HasPrefix(key, GPGPrefix):
		if _, err := normaliseFingerprint(strings.TrimPrefix(key, GPGPrefix)); err != nil {
			return fmt.Errorf("key %q: %v", key, err)
		}
	case strings.HasPrefix(key, KMSPrefix):
		if ref := strings.TrimPrefix(key, KMSPrefix); ref == "" || strings.ContainsFunc(ref, unicode.IsSpace) {
			return fmt.Errorf("key %q: write kms:// and a sigstore KMS reference without blanks, e.g. kms://awskms:///arn:aws:kms:...", key)
		}
		if public == "" {
			return fmt.Errorf("key %q needs \"public\": the OpenPGP public key file that canary key export-kms wrote for it", key)
		}
	case strings.HasPrefix(key, "kms:") || strings.HasPrefix(key, "gpg://"):
		return fmt.Errorf("key %q: write gpg:FINGERPRINT or kms://REF", key)
	}
	if public != "" && !strings.HasPrefix(key, KMSPrefix) {
		return fmt.Errorf("key %q: \"public\" goes only with a kms:// key; a key file or gpg: key holds its own public key", key)
	}
	return nil
}
