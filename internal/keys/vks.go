package keys

import (
	"context"
	"fmt"
	"strings"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// vks fetches the key with fingerprint fp (uppercase hex) from a
// keys.openpgp.org-style server. The server is not trusted: only a key whose
// primary key has exactly that fingerprint, or which proves a subkey with
// that fingerprint its own (a valid binding with the subkey's back-signature:
// binding.go), is kept; Resolve then drops the subkeys it does not bind.
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
	el, err := ReadKeys(data)
	if err != nil {
		if strings.Contains(err.Error(), "without any identities") {
			// keys.openpgp.org strips user IDs whose address the owner has
			// not confirmed, and a v4 key without one cannot be read.
			return nil, fmt.Errorf("%s: %s serves this key without a user ID (its owner has not confirmed their address there), and canarykit cannot use a key without one; ask the publisher to confirm it, or pass their key as a file with --key FILE", spec, o.VKS)
		}
		return nil, fmt.Errorf("%s: %s did not serve an OpenPGP key: %v", spec, u, err)
	}
	// Keep only a key that is what fp says: its primary fingerprint, or a
	// signing subkey it validly binds, back-signature and all. A copy of
	// someone else's subkey attached to another key names nothing.
	var kept openpgp.EntityList
	var got, ignored []string
	for _, e := range el {
		got = append(got, Fingerprint(e.PrimaryKey.Fingerprint))
		ok, why := claims(e, fp)
		if !ok {
			if why != "" {
				ignored = append(ignored, fmt.Sprintf("key %s, which holds subkey %s but does not prove it is its own (%s)", describe(e), fp, why))
			}
			continue
		}
		kept = append(kept, e)
	}
	if len(kept) == 0 && len(ignored) > 0 {
		it := "it was"
		if len(ignored) > 1 {
			it = "they were"
		}
		return nil, fmt.Errorf("%s: the key server's answer held %s; %s ignored, and no key proven to have this fingerprint was served: the key server is wrong or compromised, so get the key from the publisher or name it by its primary key's fingerprint", spec, strings.Join(ignored, "; "), it)
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("%s: %s answered with a different key (%s); the key server is wrong or compromised, so get the key from the publisher", spec, o.VKS, strings.Join(got, ", "))
	}
	return kept, nil
}
