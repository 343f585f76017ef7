// Package keys finds the publisher keys a reader names with --key: a key
// file, a Web Key Directory address (wkd:), a key server fingerprint (vks:),
// or a bare fingerprint that the keys from the other sources must match.
// It also reads key files and keyrings (ReadKeyFile, ReadKeys), names
// keys by fingerprint, and generates the Ed25519 key a signer starts with
// (GenerateKey): the key handling readers and publishers share.
package keys

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/verdict"
)

// ErrUnreachable is wrapped by errors that mean a key could not be fetched
// at all (DNS, connection, TLS, timeout, a server error): the reader learns
// nothing about the canary from them, so the verdict is UNKNOWN and a
// monitor may simply try again later.
var ErrUnreachable = errors.New("key server unreachable")

// DefaultVKS is the key server asked for vks: specs and bare fingerprints.
const DefaultVKS = "https://keys.openpgp.org"

// Options say where and how keys are fetched. The zero value is usable.
type Options struct {
	// HTTPClient fetches WKD and VKS keys. It is required for wkd: and
	// vks: specs and bare fingerprints, and there is no default: give the
	// client of the command's fetch.Fetcher (Fetcher.Client), so that the
	// keys are asked for through the same proxy as the canary and a
	// reader's network does not learn whose canary they check.
	HTTPClient *http.Client
	// VKS is the base URL of a keys.openpgp.org-style key server
	// (Verifying Key Service); empty means DefaultVKS.
	VKS string
	// MaxBytes bounds a fetched response; 0 means 1 MiB, far more than
	// any real certificate, so a wrong URL cannot fill memory.
	MaxBytes int64
	// Timeout bounds each HTTP request; 0 means 20 seconds.
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.VKS == "" {
		o.VKS = DefaultVKS
	}
	o.VKS = strings.TrimRight(o.VKS, "/")
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	return o
}

// Resolve returns the keys that specs name. A spec is one of:
//
//	wkd:user@domain   the key the domain publishes for that address in its
//	                  Web Key Directory; it must carry that user ID
//	vks:FINGERPRINT   the key with that fingerprint from the VKS key server
//	FINGERPRINT       40 or 64 hex digits (spaces and 0x allowed): a
//	                  constraint, not a source; see below
//	anything else     a key file, armored or binary (a keyring works)
//
// Fingerprints restrict the keys from the other specs to those whose
// primary fingerprint is listed, and each listed fingerprint must match one
// of them: a key file swapped on disk or a WKD answer re-keyed by whoever
// controls the domain then fails instead of passing. Fingerprints alone are
// fetched from the VKS server, which cannot serve a different key unnoticed
// because the fetched key must have that fingerprint.
//
// A key is what its fingerprint says (binding.go): a key fetched with
// vks: or wkd: keeps only the subkeys its primary key validly binds, and a
// subkey's fingerprint names a key only if that key binds it as a signing
// subkey with the subkey's own back-signature, so that a key holding a
// copy of someone else's subkey is never taken for theirs.
//
// No specs means no keys and no error. A file whose name looks like a
// fingerprint or starts with wkd: or vks: can be given as ./NAME.
func Resolve(ctx context.Context, specs []string, opts Options) (openpgp.EntityList, error) {
	o := opts.withDefaults()
	var all, fetched openpgp.EntityList
	var want []string
	sources := 0
	for _, spec := range specs {
		var el openpgp.EntityList
		var err error
		switch {
		case strings.HasPrefix(spec, "wkd:"):
			el, err = o.wkd(ctx, strings.TrimPrefix(spec, "wkd:"))
			fetched = append(fetched, el...)
		case strings.HasPrefix(spec, "vks:"):
			fp, ok := parseFingerprint(strings.TrimPrefix(spec, "vks:"))
			if !ok {
				return nil, fmt.Errorf("%s: give the full fingerprint after vks: (40 or 64 hex digits, as `gpg --fingerprint` prints it)", spec)
			}
			el, err = o.vks(ctx, fp)
			fetched = append(fetched, el...)
		default:
			if fp, ok := parseFingerprint(spec); ok {
				want = append(want, fp)
				continue
			}
			el, err = readFile(spec)
		}
		if err != nil {
			return nil, err
		}
		sources++
		all = append(all, el...)
	}
	if len(want) > 0 && sources == 0 {
		for _, fp := range want {
			el, err := o.vks(ctx, fp)
			if err != nil {
				return nil, err
			}
			all = append(all, el...)
			fetched = append(fetched, el...)
		}
	}
	kept := all
	if len(want) > 0 {
		var err error
		if kept, err = restrict(all, want); err != nil {
			return nil, err
		}
	}
	// A key from the network holds only the subkeys it validly binds
	// (binding.go); restrict has seen the unbound ones first, to say why
	// one of them does not satisfy a fingerprint.
	for _, e := range fetched {
		dropUnbound(e)
	}
	return kept, nil
}

// restrict keeps the keys whose primary fingerprint is wanted, and fails
// unless every wanted fingerprint was found: the reader named that key, so
// its absence is a reason to stop, not to carry on with the others. A
// subkey fingerprint never matches: the message then names the key that
// proves that subkey its own (binding.go), never a key holding a copy.
func restrict(all openpgp.EntityList, want []string) (openpgp.EntityList, error) {
	var kept openpgp.EntityList
	for _, e := range all {
		for _, fp := range want {
			if Fingerprint(e.PrimaryKey.Fingerprint) == fp {
				kept = append(kept, e)
				break
			}
		}
	}
	for _, fp := range want {
		found := false
		for _, e := range kept {
			if Fingerprint(e.PrimaryKey.Fingerprint) == fp {
				found = true
				break
			}
		}
		if found {
			continue
		}
		// A subkey's fingerprint is refused, pointing at the primary key
		// to name instead; but only a key that proves the subkey its own
		// is named, never one that merely holds a copy of it.
		var ignored []string
		for _, e := range all {
			ok, why := claims(e, fp)
			if ok {
				return nil, fmt.Errorf("fingerprint %s is a subkey of %s; give the primary key's fingerprint", fp, describe(e))
			}
			if why != "" {
				ignored = append(ignored, fmt.Sprintf("; key %s holds a subkey with this fingerprint but does not prove it is its own (%s), so it was ignored", describe(e), why))
			}
		}
		var have []string
		for _, e := range all {
			have = append(have, describe(e))
		}
		return nil, fmt.Errorf("no key given matches fingerprint %s (the keys given are %s)%s; the key may have been replaced: check the fingerprint with the publisher", fp, strings.Join(have, ", "), strings.Join(ignored, ""))
	}
	return kept, nil
}

// parseFingerprint accepts a v4 (40 hex digits) or v6 (64) fingerprint the
// way people paste it: gpg's spaced groups, lower case, a 0x prefix.
func parseFingerprint(s string) (string, bool) {
	t := strings.Join(strings.Fields(s), "")
	if len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X") {
		t = t[2:]
	}
	if len(t) != 40 && len(t) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(t); err != nil {
		return "", false
	}
	return strings.ToUpper(t), true
}

func readFile(path string) (openpgp.EntityList, error) {
	el, err := ReadKeyFile(path)
	if err == nil {
		return el, nil
	}
	// A short hex string that is not a file is almost surely a key ID,
	// which anyone can forge a key for.
	if t := strings.Join(strings.Fields(strings.TrimPrefix(path, "0x")), ""); (len(t) == 8 || len(t) == 16) && errors.Is(err, os.ErrNotExist) {
		if _, herr := hex.DecodeString(t); herr == nil {
			return nil, fmt.Errorf("cannot read key file %q: it is not a file, and a key ID is not enough to name a key (anyone can make a key with a given ID); give the full fingerprint", path)
		}
	}
	return nil, fmt.Errorf("cannot read key file: %v", err)
}

// describe names a key for messages: fingerprint and primary user ID.
func describe(e *openpgp.Entity) string {
	fp := Fingerprint(e.PrimaryKey.Fingerprint)
	if _, id := e.PrimaryIdentity(time.Time{}, nil); id != nil {
		// A user ID is the key maker's text: shown by the one escaping
		// rule, a line break in it cannot forge a second line in a
		// one-line message, nor an escape sequence drive a terminal.
		return verdict.Display(id.Name) + " (" + fp + ")"
	}
	return fp
}
