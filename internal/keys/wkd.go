package keys

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// wkd fetches the key for addr from its domain's Web Key Directory
// (draft-koch-openpgp-webkey-service): the advanced method on
// openpgpkey.DOMAIN first, then the direct method on DOMAIN itself when the
// advanced host does not exist, cannot be reached, fails (5xx) or has no
// such key (404): many domains point openpgpkey.* at a site without a
// directory. Any other answer (a 403, a key without the address) is final,
// since that host is the one the domain chose to answer for it.
// Only keys with a valid user ID for exactly addr are kept: a directory
// that serves someone else's key for the address must not pass. Resolve
// then drops the subkeys each key does not validly bind (binding.go).
func (o Options) wkd(ctx context.Context, addr string) (openpgp.EntityList, error) {
	spec := "wkd:" + addr
	local, domain, err := splitAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", spec, err)
	}
	sum := sha1.Sum([]byte(asciiLower(local)))
	hu := zbase32(sum[:]) + "?l=" + url.QueryEscape(local)
	advanced := "https://openpgpkey." + domain + "/.well-known/openpgpkey/" + domain + "/hu/" + hu
	direct := "https://" + domain + "/.well-known/openpgpkey/hu/" + hu

	from := advanced
	data, err := o.fetch(ctx, advanced)
	if advErr := err; err != nil && (isNotFound(err) || errors.Is(err, ErrUnreachable)) {
		from = direct
		data, err = o.fetch(ctx, direct)
		if err != nil && isNotFound(err) {
			// The key may still be on an advanced host that is down: that is
			// "could not check", not "no key". A host that does not exist at
			// all is the usual sign of a domain using the direct method.
			if errors.Is(advErr, ErrUnreachable) && !hostMissing(advErr) {
				return nil, fmt.Errorf("%s: %w (and %s has no key for the address)", spec, advErr, direct)
			}
			return nil, fmt.Errorf("%s: the domain publishes no key for this address (tried %s and %s): check the address with the publisher, or pass the key as a file with --key FILE", spec, advanced, direct)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	el, err := ReadKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s did not serve an OpenPGP key: %v", spec, from, err)
	}
	var kept openpgp.EntityList
	var others []string
	for _, e := range el {
		if hasAddress(e, addr) {
			kept = append(kept, e)
		} else {
			others = append(others, describe(e))
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("%s: %s served %s, which has no valid user ID for %s; the domain's key directory is wrong or has been tampered with, so ask the publisher", spec, from, strings.Join(others, ", "), addr)
	}
	return kept, nil
}

// splitAddress checks addr strictly, since its parts become a URL.
func splitAddress(addr string) (local, domain string, err error) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", fmt.Errorf("%q is not a mail address; write wkd:user@example.org", addr)
	}
	local, domain = addr[:at], asciiLower(addr[at+1:])
	for _, r := range local {
		if r <= ' ' || r == 0x7f {
			return "", "", fmt.Errorf("the address %q has a space or control character in it", addr)
		}
	}
	for i, r := range domain {
		switch {
		case r >= 0x80:
			return "", "", fmt.Errorf("the domain %q is not ASCII; write it in its xn-- (IDNA) form", domain)
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
		case r == '.' && i > 0 && domain[i-1] != '.':
		default:
			return "", "", fmt.Errorf("%q is not a domain name", domain)
		}
	}
	if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", "", fmt.Errorf("%q is not a full domain name", domain)
	}
	return local, domain, nil
}

// hasAddress reports whether e has a valid, unrevoked user ID whose mail
// address is addr. Case is ignored in the local part too: WKD lower-cases
// it before hashing, so the directory itself cannot tell Joe from joe.
func hasAddress(e *openpgp.Entity, addr string) bool {
	for _, id := range e.Identities {
		if !strings.EqualFold(mailOf(id.Name), addr) {
			continue
		}
		if _, err := id.Verify(time.Time{}, nil); err == nil {
			return true
		}
	}
	return false
}

// mailOf extracts the addr-spec of a user ID: what is inside the last <>,
// or the whole ID when it is a bare address.
func mailOf(uid string) string {
	if i := strings.LastIndexByte(uid, '<'); i >= 0 {
		if j := strings.IndexByte(uid[i:], '>'); j > 0 {
			return uid[i+1 : i+j]
		}
		return ""
	}
	uid = strings.TrimSpace(uid)
	if strings.Contains(uid, "@") && !strings.ContainsAny(uid, " \t") {
		return uid
	}
	return ""
}

func hostMissing(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// asciiLower lower-cases A-Z only, as the WKD draft and GnuPG do; Unicode
// case folding would hash some addresses differently from everyone else.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// zbase32 encodes as RFC 6189 z-base-32, the alphabet WKD names files in.
func zbase32(b []byte) string {
	const alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"
	var out strings.Builder
	var acc, bits uint
	for _, c := range b {
		acc = acc<<8 | uint(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out.WriteByte(alphabet[(acc>>bits)&31])
		}
	}
	if bits > 0 {
		out.WriteByte(alphabet[(acc<<(5-bits))&31])
	}
	return out.String()
}
