package keys

import (
	"context"
	"fmt"
	"strings"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
)

// vks fetches the key with fingerprint fp (uppercase hex) from a
// keys.openpgp.org-style server. The server is not trusted: only a key whose
// primary key or a subkey has exactly that fingerprint is kept.
func (o Options) vks(ctx context.Context, fp string) (openpgp.EntityList, error) {
	spec := "vks:" + fp
	u := o.VKS + "/vks/v1/by-fingerprint/" + fp
	data, err := o.fetch(ctx, u)
	if isNotFound(err) {
		return nil, fmt.Errorf("%s: %s has no key with this fingerprint: check the fingerprint with the publisher, or pass their key as a file with --key FILE", spec, o.VKS)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	el, err := canary.ReadKeys(data)
	if err != nil {
		if strings.Contains(err.Error(), "without any identities") {
			// keys.openpgp.org strips user IDs whose address the owner has
			// not confirmed, and a v4 key without one cannot be read.
			return nil, fmt.Errorf("%s: %s serves this key without a user ID (its owner has not confirmed their address there), and canarykit cannot use a key without one; ask the publisher to confirm it, or pass their key as a file with --key FILE", spec, o.VKS)
		}
		return nil, fmt.Errorf("%s: %s did not serve an OpenPGP key: %v", spec, u, err)
	}
	var kept openpgp.EntityList
	var got []string
	for _, e := range el {
		got = append(got, canary.Fingerprint(e.PrimaryKey.Fingerprint))
		if hasFingerprint(e, fp) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("%s: %s answered with a different key (%s); the key server is wrong or compromised, so get the key from the publisher", spec, o.VKS, strings.Join(got, ", "))
	}
	return kept, nil
}

func hasFingerprint(e *openpgp.Entity, fp string) bool {
	if canary.Fingerprint(e.PrimaryKey.Fingerprint) == fp {
		return true
	}
	for _, sk := range e.Subkeys {
		if canary.Fingerprint(sk.PublicKey.Fingerprint) == fp {
			return true
		}
	}
	return false
}
