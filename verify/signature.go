package verify

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"time"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
)

// Signature statuses, as printed in JSON.
const (
	SigGood        = "good"
	SigBad         = "bad"
	SigUnknownKey  = "unknown-key"
	SigExpiredKey  = "expired-key"
	SigRevokedKey  = "revoked-key"
	SigWeakHash    = "weak-hash"
	SigNotYetValid = "not-yet-valid"
)

// A Signature is the verdict on one signature of a canary.
type Signature struct {
	// Fingerprint is the signer's primary key fingerprint when the key is
	// known, else the issuer fingerprint the signature carries (if any).
	Fingerprint string    `json:"fingerprint"`
	KeyID       string    `json:"key_id"`
	Created     time.Time `json:"created"`
	Status      string    `json:"status"`
	Signer      string    `json:"signer,omitempty"` // primary user ID
	Hash        string    `json:"hash"`
	Message     string    `json:"message"`

	// weakName, on a good signature, is the hash of the self-signature
	// that binds Signer to the key when no user ID of the key is bound by a
	// strong one: the name is then shown with that said.
	weakName string
}

// clockSkew is how far in the future a signature may be dated before it is
// refused: publishers' clocks drift, but not by more than minutes.
const clockSkew = 5 * time.Minute

// A document is what signatures are checked over: the canonical text of a
// clearsigned block, or the bytes of a file with detached signatures.
type document struct {
	data     []byte
	detached bool
	// crlf is set when every line break of data is CRLF and data holds
	// no other CR: canonicalising it for a text signature changes nothing.
	crlf bool
}

func newDocument(data []byte, detached bool) document {
	lf, cr, crlf := bytes.Count(data, []byte("\n")), bytes.Count(data, []byte("\r")), bytes.Count(data, []byte("\r\n"))
	return document{data: data, detached: detached, crlf: lf == crlf && cr == crlf}
}

// sameForLibrary says whether go-crypto, verifying a signature of type t
// over d.data, hashes the same bytes as hash does: it canonicalises the
// line ends of every text signature, hash only those of a detached file.
func (d document) sameForLibrary(t packet.SignatureType) bool {
	return d.detached || t != packet.SigTypeText || d.crlf
}

// hash feeds the document to h the way a signature of type t covers it.
func (d document) hash(h hash.Hash, t packet.SignatureType) {
	if d.detached && t == packet.SigTypeText {
		// A text signature covers the text with CRLF line endings.
		h = openpgp.NewCanonicalTextHash(h)
	}
	h.Write(d.data)
}

// checkSignatures judges every signature packet in sigs over the document.
// A packet that cannot be parsed ends the list with an error, since what
// follows it cannot be trusted to be read correctly.
func checkSignatures(sigs []byte, doc document, keys openpgp.EntityList, at time.Time) ([]Signature, error) {
	var out []Signature
	r := packet.NewReader(bytes.NewReader(sigs))
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		var unsupported pgperrors.UnsupportedError
		if errors.As(err, &unsupported) {
			out = append(out, Signature{Status: SigBad, Message: "a signature of a kind this tool does not support: " + err.Error()})
			continue
		}
		if err != nil {
			return out, fmt.Errorf("the signature data is damaged: %v", err)
		}
		sig, ok := p.(*packet.Signature)
		if !ok {
			return out, fmt.Errorf("the signature block holds a %T packet, not only signatures", p)
		}
		if len(out) == MaxSignatures {
			return out, fmt.Errorf("the signature block holds more than %d signatures, far more than any canary is signed with; it is refused", MaxSignatures)
		}
		out = append(out, checkSignature(sig, doc, keys, at))
	}
	if len(out) == 0 {
		return nil, errors.New("the signature block holds no signature")
	}
	return out, nil
}

func issuerKeyID(sig *packet.Signature) uint64 {
	if sig.IssuerKeyId != nil {
		return *sig.IssuerKeyId
	}
	// v4 key IDs are the low 64 bits of the fingerprint; v6 the high ones.
	switch len(sig.IssuerFingerprint) {
	case 20:
		return binary.BigEndian.Uint64(sig.IssuerFingerprint[12:])
	case 32:
		return binary.BigEndian.Uint64(sig.IssuerFingerprint[:8])
	}
	return 0
}

func checkSignature(sig *packet.Signature, doc document, ring openpgp.EntityList, at time.Time) Signature {
	id := issuerKeyID(sig)
	res := Signature{
		KeyID:   fmt.Sprintf("%016X", id),
		Created: sig.CreationTime.UTC(),
		Hash:    hashName(sig.Hash),
	}
	if len(sig.IssuerFingerprint) > 0 {
		res.Fingerprint = keys.Fingerprint(sig.IssuerFingerprint)
	}
	fail := func(status, format string, a ...any) Signature {
		res.Status = status
		res.Message = fmt.Sprintf(format, a...)
		return res
	}
	if sig.SigType != packet.SigTypeText && sig.SigType != packet.SigTypeBinary {
		return fail(SigBad, "signature of type %#x is not a document signature", sig.SigType)
	}
	cands := findKeys(ring, id, sig.IssuerFingerprint)
	if len(cands) == 0 {
		return fail(SigUnknownKey, "made by key %s, which is not among the ring you gave", keyName(res))
	}
	// A reader may give several versions of one key (say, the one
	// published in 2021 and today's, each with its own self-signatures):
	// the signature counts if any version shows the key valid when it
	// signed, as a keyring holding all self-signatures would. When none
	// does, the most definite reason is reported, whatever the order the
	// versions were given in: a version whose self-signatures are all
	// newer than the signature (not-yet-valid) says less than one that
	// shows the key expired or revoked then.
	// Among the versions that show the key bound then, the one whose
	// self-signature is the newest as of the signature is the one that
	// speaks for that date: an older version's expiry was superseded by
	// its renewal, so "expired" from it would be false when the renewed
	// version refuses the signature for another reason.
	var best Signature
	var bestCover time.Time
	for i, k := range cands {
		v := checkWith(sig, doc, k, cands, res, at)
		cover := coverage(k, sig.CreationTime)
		if i == 0 || v.Status == SigGood || moreDefinite(v.Status, cover, best.Status, bestCover) {
			best, bestCover = v, cover
		}
		if v.Status == SigGood {
			break
		}
	}
	return best
}

// refusalRank orders the reasons one version of a key refuses a signature,
// the most definite last.
var refusalRank = map[string]int{SigNotYetValid: 1, SigWeakHash: 2, SigExpiredKey: 3, SigRevokedKey: 4, SigBad: 5}

// moreDefinite says whether refusal a, from a key version whose newest
// self-signature as of the signature was made at aCover, is to be reported
// rather than b, from one covering the date from bCover. A bad signature
// or a revoked key is decisive whatever the version; otherwise the version
// covering the date most recently speaks for it, and between versions
// covering it from the same moment, the more definite reason wins.
func moreDefinite(a string, aCover time.Time, b string, bCover time.Time) bool {
	if refusalRank[a] >= refusalRank[SigRevokedKey] || refusalRank[b] >= refusalRank[SigRevokedKey] {
		return refusalRank[a] > refusalRank[b]
	}
	if !aCover.Equal(bCover) {
		return aCover.After(bCover)
	}
	return refusalRank[a] > refusalRank[b]
}

// coverage is when the newest valid self-signature of k (of any user ID,
// a direct-key signature, or the binding of the subkey that signed) made
// no later than t was made: the zero time when there is none.
func coverage(k candidate, t time.Time) time.Time {
	var newest time.Time
	note := func(s *packet.Signature) {
		if s != nil && s.CreationTime.After(newest) {
			newest = s.CreationTime
		}
	}
	for _, id := range k.entity.Identities {
		if s, err := id.LatestValidSelfCertification(t, nil); err == nil {
			note(s)
		}
	}
	if s, err := k.entity.LatestValidDirectSignature(t, nil); err == nil {
		note(s)
	}
	if k.sub != nil {
		if s, err := k.sub.LatestValidBindingSignature(t, nil); err == nil {
			note(s)
		}
	}
	return newest
}

type candidate struct {
	entity *openpgp.Entity
	pub    *packet.PublicKey
	sub    *openpgp.Subkey
}

func checkWith(sig *packet.Signature, doc document, k candidate, versions []candidate, res Signature, at time.Time) Signature {
	entity, pub, sub := k.entity, k.pub, k.sub
	fail := func(status, format string, a ...any) Signature {
		res.Status = status
		res.Message = fmt.Sprintf(format, a...)
		return res
	}
	res.Fingerprint = keys.Fingerprint(entity.PrimaryKey.Fingerprint)
	name, nameHash := namedUID(entity)
	if nameHash != "" {
		// This version binds no name strongly; another version of the same
		// key may.
		for _, v := range versions {
			if !bytes.Equal(v.entity.PrimaryKey.Fingerprint, entity.PrimaryKey.Fingerprint) {
				continue
			}
			if n, h := namedUID(v.entity); n != "" && h == "" {
				name, nameHash = n, ""
				break
			}
		}
	}
	res.Signer = name
	who := signerName(res)

	// go-crypto's own verification (libraryVerify) checks the signature's
	// cryptography as well as its policy. When it accepts the signature
	// with this very key over the very bytes hashed below, the signature
	// matches the text, and checking it a second time would only double
	// the costliest step of verifying a canary (an RSA-4096 signature).
	// Its verdict still counts only at the end, after every check of ours.
	libKey, libErr := libraryVerify(entity, sig, doc, at)
	if libErr != nil || libKey != pub || !doc.sameForLibrary(sig.SigType) {
		h, err := sig.PrepareVerify()
		if err != nil {
			return fail(SigBad, "signature by %s uses an unsupported hash: %v", who, err)
		}
		doc.hash(h, sig.SigType)
		if err := pub.VerifySignature(h, sig); err != nil {
			return fail(SigBad, "signature by %s does not match the text: this file differs from what that signer signed (it was changed after they signed it, or the signature is damaged)", who)
		}
	}
	if weakHash(sig.Hash) {
		return fail(SigWeakHash, "signature by %s uses %s, which can be forged; ask the publisher to sign with SHA-256 or better", who, res.Hash)
	}
	if sig.CreationTime.Before(pub.CreationTime) {
		return fail(SigNotYetValid, "signature by %s is dated %s, before its key was made (%s)", who, stamp(sig.CreationTime), stamp(pub.CreationTime))
	}
	if sig.CreationTime.After(at.Add(clockSkew)) {
		return fail(SigNotYetValid, "signature by %s is dated %s, in the future", who, stamp(sig.CreationTime))
	}
	if entity.Revoked(sig.CreationTime) || (sub != nil && subRevoked(sub, sig.CreationTime)) {
		return fail(SigRevokedKey, "key %s of %s is revoked; its signatures no longer count", res.KeyID, who)
	}
	// The key is bound at signature time by the self-signature that
	// applies then (selfBinding): a strong one of any user ID if there is
	// one, and its expiry is the key's; else a weak one, whose expiry
	// counts too (weakBinding judges below whether it binds at all).
	if strong, weak := selfBinding(entity, sig.CreationTime); strong != nil || weak != nil {
		bound := strong
		if bound == nil {
			bound = weak
		}
		if primaryExpired(entity, bound, sig.CreationTime) {
			return fail(SigExpiredKey, "key of %s had expired when it signed on %s", who, stamp(sig.CreationTime))
		}
	} else {
		if s, w := selfBinding(entity, time.Time{}); s != nil || w != nil {
			// The key is fine today but its self-signatures are all newer
			// than this signature: gpg replaces the self-signature when a
			// key's expiry is changed. Nothing proves the key was bound
			// when it signed, so it does not count, but nor was the text
			// altered.
			return fail(SigNotYetValid, "the key of %s carries no self-signature as old as this signature (%s), so nothing shows the key was bound then (its owner may have renewed it since); GnuPG accepts this, canarykit and Sequoia do not. Ask the publisher to re-sign the canary",
				who, stamp(sig.CreationTime))
		}
		return fail(SigBad, "key of %s has no valid self-signature at %s", who, stamp(sig.CreationTime))
	}
	if sub != nil {
		if _, err := sub.Verify(sig.CreationTime, nil); errors.Is(err, pgperrors.ErrKeyExpired) {
			return fail(SigExpiredKey, "subkey %s of %s had expired when it signed on %s", res.KeyID, who, stamp(sig.CreationTime))
		}
	}
	if sig.SigExpired(at) {
		return fail(SigExpiredKey, "signature by %s has expired", who)
	}
	// Last, let go-crypto's own policy (binding signatures, key flags,
	// algorithms, critical notations) have the final word, so that no
	// check above can pass what the library would refuse.
	if uid, msg := weakBinding(entity, sub, versions, sig.CreationTime, at); msg != "" {
		// Name the key by the user ID whose weak binding is at fault.
		bound := who
		if uid != "" {
			bound = signerName(Signature{Signer: uid, Fingerprint: res.Fingerprint})
		}
		return fail(SigWeakHash, "the key of %s %s", bound, msg)
	}
	if libErr != nil {
		return fail(SigBad, "signature by %s is refused: %v", who, libErr)
	}
	res.Status = SigGood
	res.weakName = nameHash
	res.Message = fmt.Sprintf("good signature by %s, made %s", signerName(res), stamp(sig.CreationTime))
	return res
}

// selfBinding returns the self-signatures that bind e's primary key at t
// (the zero time: at any time): strong, the one that applies among those
// made with SHA-256 or better, and weak, among the weaker ones. For a v4
// key these are user ID self-signatures, valid, not expired and not
// revoked at t, each user ID's newest; among user IDs, as OpenPGP picks
// the primary one: the one marked primary, else the newest, ties going to
// the first in byte order. A v6 key is bound by its direct-key signature.
// A key is bound by a strong hash if any user ID is: a SHA-1 self-signature
// on the primary user ID beside a SHA-256 one on another does not make the
// key weak (GnuPG and Sequoia accept it too).
func selfBinding(e *openpgp.Entity, t time.Time) (strong, weak *packet.Signature) {
	strong, weak, _ = selfBindingNamed(e, t)
	return strong, weak
}

// selfBindingNamed is selfBinding, and also says which user ID the weak
// self-signature binds ("" for a direct-key signature).
func selfBindingNamed(e *openpgp.Entity, t time.Time) (strong, weak *packet.Signature, weakName string) {
	if e.PrimaryKey.Version == 6 {
		s, err := e.LatestValidDirectSignature(t, nil)
		if err != nil {
			return nil, nil, ""
		}
		if weakHash(s.Hash) {
			return nil, s, ""
		}
		return s, nil, ""
	}
	prefer := func(best, s *packet.Signature) bool {
		if best == nil {
			return true
		}
		bp, sp := best.IsPrimaryId != nil && *best.IsPrimaryId, s.IsPrimaryId != nil && *s.IsPrimaryId
		if bp != sp {
			return sp
		}
		return s.CreationTime.After(best.CreationTime)
	}
	for _, name := range sortedNames(e) {
		s, err := e.Identities[name].Verify(t, nil)
		if err != nil {
			continue
		}
		if weakHash(s.Hash) {
			if prefer(weak, s) {
				weak, weakName = s, name
			}
		} else if prefer(strong, s) {
			strong = s
		}
	}
	return strong, weak, weakName
}

// primaryExpired says whether e's primary key had expired at t by the
// self-signature self that binds it then, or by its direct-key signature.
func primaryExpired(e *openpgp.Entity, self *packet.Signature, t time.Time) bool {
	if e.PrimaryKey.KeyExpired(self, t) || self.SigExpired(t) {
		return true
	}
	if e.PrimaryKey.Version != 6 && len(e.DirectSignatures) > 0 {
		if d, err := e.LatestValidDirectSignature(t, nil); err == nil && e.PrimaryKey.KeyExpired(d, t) {
			return true
		}
	}
	return false
}

func sortedNames(e *openpgp.Entity) []string {
	names := make([]string, 0, len(e.Identities))
	for name := range e.Identities {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// libraryVerify is go-crypto's verdict on sig by e over the document, as
// of at, and the key it verified the signature with.
func libraryVerify(e *openpgp.Entity, sig *packet.Signature, doc document, at time.Time) (*packet.PublicKey, error) {
	var pkt bytes.Buffer
	if err := sig.Serialize(&pkt); err != nil {
		return nil, err
	}
	cfg := &packet.Config{Time: func() time.Time { return at }}
	md, err := openpgp.VerifyDetachedSignatureReader(openpgp.EntityList{e}, bytes.NewReader(doc.data), &pkt, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, md.UnverifiedBody); err != nil {
		return nil, err
	}
	if md.SignatureError != nil {
		return nil, md.SignatureError
	}
	if md.SignedBy == nil || md.SignedBy.PublicKey == nil {
		return nil, errors.New("go-crypto named no key that made the signature")
	}
	return md.SignedBy.PublicKey, nil
}

// findKeys returns every given key (primary or subkey) that matches the
// signature's issuer.
func findKeys(keys openpgp.EntityList, id uint64, fp []byte) []candidate {
	if id == 0 && len(fp) == 0 {
		return nil
	}
	match := func(pk *packet.PublicKey) bool {
		if len(fp) > 0 {
			return bytes.Equal(pk.Fingerprint, fp)
		}
		return pk.KeyId == id
	}
	var out []candidate
	for _, e := range keys {
		if match(e.PrimaryKey) {
			out = append(out, candidate{e, e.PrimaryKey, nil})
			continue
		}
		for i := range e.Subkeys {
			if match(e.Subkeys[i].PublicKey) {
				out = append(out, candidate{e, e.Subkeys[i].PublicKey, &e.Subkeys[i]})
				break
			}
		}
	}
	return out
}

func subRevoked(s *openpgp.Subkey, t time.Time) bool {
	sig, err := s.LatestValidBindingSignature(t, nil)
	if err != nil {
		sig = nil
	}
	return s.Revoked(sig, t)
}

// primaryUID names a key by a user ID: the primary one among those bound
// by a strong self-signature (namedUID).
func primaryUID(e *openpgp.Entity) string {
	name, _ := namedUID(e)
	return name
}

// namedUID names a key by the user ID its valid self-signatures mark
// primary, else the newest; ties go to the first name in byte order.
// go-crypto's PrimaryIdentity breaks ties by map order, so a key with two
// user IDs certified in the same second (Kicksecure's) was named
// differently from one run to the next. Only user IDs bound by a strong
// self-signature are considered, when there is one: a SHA-1 binding can
// be forged, so it proves no name. When none is, the name is chosen among
// all, and weak is the hash of the self-signature binding it.
func namedUID(e *openpgp.Entity) (name, weak string) {
	names := sortedNames(e)
	type pick struct {
		name    string
		primary bool
		t       int64
		hash    crypto.Hash
	}
	var strong, any pick
	better := func(best pick, p pick) bool {
		return best.name == "" || (p.primary && !best.primary) || (p.primary == best.primary && p.t > best.t)
	}
	for _, name := range names {
		sig, err := e.Identities[name].Verify(time.Time{}, nil)
		if err != nil {
			continue
		}
		p := pick{name, sig.IsPrimaryId != nil && *sig.IsPrimaryId, sig.CreationTime.Unix(), sig.Hash}
		if better(any, p) {
			any = p
		}
		if !weakHash(sig.Hash) && better(strong, p) {
			strong = p
		}
	}
	switch {
	case strong.name != "":
		return strong.name, ""
	case any.name != "":
		return any.name, hashName(any.hash)
	case len(names) > 0:
		return names[0], ""
	}
	return "", ""
}

func signerName(s Signature) string {
	if s.Signer != "" && s.weakName != "" {
		return s.Signer + " (" + s.Fingerprint + "; that name is bound to the key only by a " + s.weakName + " self-signature, which can be forged: rely on the fingerprint)"
	}
	if s.Signer != "" {
		return s.Signer + " (" + s.Fingerprint + ")"
	}
	return keyName(s)
}

func keyName(s Signature) string {
	if s.Fingerprint != "" {
		return s.Fingerprint
	}
	return s.KeyID
}

func weakHash(h crypto.Hash) bool {
	return h == crypto.MD5 || h == crypto.SHA1 || h == crypto.RIPEMD160
}

func hashName(h crypto.Hash) string {
	if name := canary.HashName(h); name != "" {
		return name
	}
	return fmt.Sprintf("hash #%d", h)
}

func stamp(t time.Time) string { return t.UTC().Format(canary.ShownTime) }

// weakBinding says why a key's binding at signature time rests on a weak
// hash, or "" if it does not, and names the user ID that weak binding
// binds, if it is one ("" otherwise). A SHA-1 self-signature can be forged, so it
// binds nothing on its own; but when the owner has since re-signed the key
// with a strong hash, that newer signature vouches for the same binding,
// and old canaries signed under the SHA-1 one keep counting. The newer
// signature may sit in another version of the same key given beside this
// one (gpg drops superseded self-signatures when it exports a key, so the
// SHA-1 one and its strong successor often live in different files):
// versions are all the given keys the signature's issuer matched.
func weakBinding(e *openpgp.Entity, sub *openpgp.Subkey, versions []candidate, signedAt, at time.Time) (name, why string) {
	if strong, self, name := selfBindingNamed(e, signedAt); strong == nil && self != nil {
		// No user ID is bound by a strong hash then. The binding of the
		// key as of at, in whichever version holds the newest, must be.
		var newest *packet.Signature
		for _, v := range versions {
			if !bytes.Equal(v.entity.PrimaryKey.Fingerprint, e.PrimaryKey.Fingerprint) {
				continue
			}
			s, w := selfBinding(v.entity, at)
			if s == nil {
				s = w
			}
			if s != nil && (newest == nil || s.CreationTime.After(newest.CreationTime)) {
				newest = s
			}
		}
		if newest == nil || weakHash(newest.Hash) {
			return name, fmt.Sprintf("is bound to its user ID only by a %s self-signature, which can be forged; ask its owner to re-sign the key with SHA-256 or better", hashName(self.Hash))
		}
	}
	if sub == nil {
		return "", ""
	}
	bind, err := sub.LatestValidBindingSignature(signedAt, nil)
	if err == nil && weakHash(bind.Hash) {
		var strong *packet.Signature
		for _, v := range versions {
			if v.sub == nil || !bytes.Equal(v.sub.PublicKey.Fingerprint, sub.PublicKey.Fingerprint) ||
				!bytes.Equal(v.entity.PrimaryKey.Fingerprint, e.PrimaryKey.Fingerprint) {
				continue
			}
			if s, err := v.sub.LatestValidBindingSignature(at, nil); err == nil && (strong == nil || s.CreationTime.After(strong.CreationTime)) {
				strong = s
			}
		}
		if strong == nil || weakHash(strong.Hash) {
			return "", fmt.Sprintf("has its signing subkey bound only by a %s signature, which can be forged", hashName(bind.Hash))
		}
	}
	return "", ""
}
