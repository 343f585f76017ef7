package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/kmsproto"
)

// A KMS key signs through sigstore's kms.SignerVerifier, which canary-kms
// runs for canary (kmsSigner): canarykit gets a crypto.Signer from it and
// wraps that as the primary key of an OpenPGP key.
// An OpenPGP key is its public key material plus a creation time (both go
// into the fingerprint) plus a self-signed user ID; the KMS only has the
// first, so the OpenPGP key is made once by ExportKMSKey, published, and
// named by the signer's "public" file, from which every later signature
// takes its fingerprint.

// kmsContext bounds every call to a KMS, so that a provider that hangs
// cannot hold a cron job forever.
func kmsContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// OpenKMS reads the published public key of the KMS key key (kms://REF)
// from the file public and, unless publicOnly, attaches the KMS key to it
// after checking that they are the same key.
func OpenKMS(key, public string, publicOnly bool) (*Signer, error) {
	if public == "" {
		return nil, fmt.Errorf("signer %s: a kms:// key needs \"public\": the OpenPGP public key file that `canary key export-kms` wrote for it", key)
	}
	p := public
	s, err := ReadKey(p)
	if err != nil {
		return nil, fmt.Errorf("signer %s: %v", key, err)
	}
	if s.Entity.PrivateKey != nil {
		return nil, fmt.Errorf("signer %s: %s holds a secret key; for a kms:// key it must hold only the public key", key, p)
	}
	s.Source = key
	if publicOnly {
		return s, nil
	}
	signer, hash, err := kmsSigner(strings.TrimPrefix(key, KMSPrefix))
	if err != nil {
		return nil, fmt.Errorf("signer %s: %v", key, err)
	}
	pub, err := openpgpPublicKey(signer.Public(), s.Entity.PrimaryKey.CreationTime)
	if err != nil {
		return nil, fmt.Errorf("signer %s: %v", key, err)
	}
	if !bytes.Equal(pub.Fingerprint, s.Entity.PrimaryKey.Fingerprint) {
		return nil, fmt.Errorf("signer %s: the KMS key is not the key in %s (that one is %s, the KMS key would be %s); export it again with canary key export-kms, or fix the reference",
			key, p, s.Fingerprint(), keys.Fingerprint(pub.Fingerprint))
	}
	s.Entity.PrivateKey = &packet.PrivateKey{PublicKey: *s.Entity.PrimaryKey, PrivateKey: signer}
	s.hash = hash
	return s, nil
}

// kmsSigner gets the crypto.Signer of a sigstore KMS reference from
// canary-kms, the program that holds sigstore and its providers
// (internal/kmsproto), so that canary links none of them. The hash is the
// one the provider signs with: canarykit asks for SHA-256, which every KMS
// offers for ECDSA P-256 and RSA keys, and takes what the provider answers.
func kmsSigner(ref string) (crypto.Signer, crypto.Hash, error) {
	prog, err := kmsproto.Find()
	if err != nil {
		return nil, 0, err
	}
	s := &kmsRemote{c: &kmsproto.Client{Program: prog}, ref: ref}
	ctx, cancel := kmsContext()
	defer cancel()
	if s.pub, s.hash, err = s.c.PublicKey(ctx, ref, crypto.SHA256); err != nil {
		return nil, 0, kmsError(ref, err)
	}
	return s, s.hash, nil
}

// kmsError words an error of canary-kms for the signer's owner.
func kmsError(ref string, err error) error {
	var e *kmsproto.Error
	if errors.As(err, &e) {
		if e.Code == kmsproto.CodeKMS {
			return errors.New(e.Message)
		}
		return fmt.Errorf("%s: %s", kmsproto.Program, e.Message)
	}
	return fmt.Errorf("KMS key %s: %v", ref, err)
}

// kmsRemote is a KMS key as a crypto.Signer: each signature is one run of
// canary-kms.
type kmsRemote struct {
	c    *kmsproto.Client
	ref  string
	pub  crypto.PublicKey
	hash crypto.Hash
}

func (s *kmsRemote) Public() crypto.PublicKey { return s.pub }

func (s *kmsRemote) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	ctx, cancel := kmsContext()
	defer cancel()
	sig, err := s.c.Sign(ctx, s.ref, digest, opts.HashFunc())
	if err != nil {
		return nil, kmsError(s.ref, err)
	}
	return sig, nil
}

// ExportKMSKey makes the OpenPGP key of a KMS key: the KMS public key as
// an OpenPGP primary key created at created, with the user ID uid
// ("Name <mail>") self-signed by the KMS. lifetime 0 means it does not
// expire. It returns the armored public key to publish and to name in the
// definition's "public" entry.
func ExportKMSKey(ref, uid string, created time.Time, lifetime time.Duration) (public []byte, fingerprint string, err error) {
	name, mail, err := keys.ParseUID(uid)
	if err != nil {
		return nil, "", err
	}
	if lifetime < 0 || lifetime.Seconds() > float64(^uint32(0)) {
		return nil, "", fmt.Errorf("key lifetime %v is out of range", lifetime)
	}
	created = created.UTC().Truncate(time.Second)
	signer, hash, err := kmsSigner(strings.TrimPrefix(ref, KMSPrefix))
	if err != nil {
		return nil, "", err
	}
	pub, err := openpgpPublicKey(signer.Public(), created)
	if err != nil {
		return nil, "", err
	}
	priv := &packet.PrivateKey{PublicKey: *pub, PrivateKey: signer}
	e := &openpgp.Entity{
		PrimaryKey: &priv.PublicKey,
		PrivateKey: priv,
		Identities: map[string]*openpgp.Identity{},
	}
	cfg := &packet.Config{DefaultHash: hash, KeyLifetimeSecs: uint32(lifetime.Seconds()), Time: func() time.Time { return created }}
	if err := e.AddUserId(name, "", mail, cfg); err != nil {
		return nil, "", fmt.Errorf("the KMS could not sign the key's user ID: %v", err)
	}
	var out bytes.Buffer
	if err := keys.WriteArmored(&out, "PGP PUBLIC KEY BLOCK", e.Serialize); err != nil {
		return nil, "", err
	}
	// Read back as a verifier will, so that a KMS answer that does not
	// verify is found now, not by the first reader.
	el, err := keys.ReadKeys(out.Bytes())
	if err != nil || len(el) != 1 {
		return nil, "", fmt.Errorf("the exported key does not read back: %v", err)
	}
	if _, ok := el[0].SigningKey(created, nil); !ok {
		return nil, "", errors.New("the KMS made a self-signature that does not verify; is the reference the key you meant?")
	}
	return out.Bytes(), keys.Fingerprint(pub.Fingerprint), nil
}

// openpgpPublicKey writes a KMS public key as a v4 OpenPGP public key
// packet (RFC 4880 5.5.2) and reads it back: go-crypto builds ECDSA keys
// only from its own key types, and the packet is the same either way.
func openpgpPublicKey(pk crypto.PublicKey, created time.Time) (*packet.PublicKey, error) {
	var body bytes.Buffer
	body.WriteByte(4)
	binary.Write(&body, binary.BigEndian, uint32(created.Unix()))
	switch k := pk.(type) {
	case *ecdsa.PublicKey:
		var oid []byte
		switch k.Curve {
		case elliptic.P256():
			oid = []byte{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07}
		case elliptic.P384():
			oid = []byte{0x2B, 0x81, 0x04, 0x00, 0x22}
		case elliptic.P521():
			oid = []byte{0x2B, 0x81, 0x04, 0x00, 0x23}
		default:
			return nil, fmt.Errorf("the KMS key is ECDSA on %s; OpenPGP keys from a KMS can be ECDSA P-256, P-384, P-521 or RSA", k.Curve.Params().Name)
		}
		point, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("the KMS public key is not a valid ECDSA key: %v", err)
		}
		body.WriteByte(byte(packet.PubKeyAlgoECDSA))
		body.WriteByte(byte(len(oid)))
		body.Write(oid)
		writeMPI(&body, new(big.Int).SetBytes(point))
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("the KMS key is RSA-%d; use at least 2048 bits", k.N.BitLen())
		}
		body.WriteByte(byte(packet.PubKeyAlgoRSA))
		writeMPI(&body, k.N)
		writeMPI(&body, big.NewInt(int64(k.E)))
	default:
		return nil, fmt.Errorf("the KMS key is a %T; OpenPGP keys from a KMS can be ECDSA P-256, P-384, P-521 or RSA (go-crypto signs Ed25519 only with its own key type)", pk)
	}
	var pkt bytes.Buffer
	pkt.WriteByte(0x99) // old format, tag 6 (public key), two-octet length
	binary.Write(&pkt, binary.BigEndian, uint16(body.Len()))
	pkt.Write(body.Bytes())
	p, err := packet.Read(&pkt)
	if err != nil {
		return nil, fmt.Errorf("cannot make an OpenPGP key of the KMS key: %v", err)
	}
	pub, ok := p.(*packet.PublicKey)
	if !ok {
		return nil, fmt.Errorf("cannot make an OpenPGP key of the KMS key: got %T", p)
	}
	return pub, nil
}

func writeMPI(b *bytes.Buffer, n *big.Int) {
	binary.Write(b, binary.BigEndian, uint16(n.BitLen()))
	b.Write(n.Bytes())
}
