package issue

import (
	"path/filepath"
	"strings"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

// OpenSigner opens the signer ref names. With publicOnly, only its public
// key is read (for a draft, or to list it): no agent, card or KMS is asked
// anything. Otherwise the signer is ready to sign once unlocked (Unlock).
func (d *Definition) OpenSigner(ref SignerRef, publicOnly bool) (*signer.Signer, error) {
	switch {
	case strings.HasPrefix(ref.Key, signer.GPGPrefix):
		return signer.OpenGPG(ref.Key)
	case strings.HasPrefix(ref.Key, signer.KMSPrefix):
		p := ref.Public
		if p != "" && !filepath.IsAbs(p) {
			p = filepath.Join(d.Dir, p)
		}
		return signer.OpenKMS(ref.Key, p, publicOnly)
	case publicOnly:
		return signer.ReadKey(d.KeyPath(ref))
	}
	return signer.ReadSigner(d.KeyPath(ref))
}

// SignerKeys returns the public keys of the signer ref, to check what it
// signed: a key file may hold a whole keyring, as a publisher who only
// holds the signers' public keys keeps them.
func (d *Definition) SignerKeys(ref SignerRef) (openpgp.EntityList, error) {
	if strings.HasPrefix(ref.Key, signer.GPGPrefix) || strings.HasPrefix(ref.Key, signer.KMSPrefix) {
		s, err := d.OpenSigner(ref, true)
		if err != nil {
			return nil, err
		}
		return openpgp.EntityList{s.Entity}, nil
	}
	return keys.ReadKeyFile(d.KeyPath(ref))
}

// check refuses a signer spec that could never work, before anything is
// asked of an agent or a KMS.
func (r SignerRef) check() error { return signer.CheckRef(r.Key, r.Public) }
