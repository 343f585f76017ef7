package canary

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/atomicfile"
)

// DraftFile is where `canary issue --unsigned` leaves the next canary for
// its signers to pass around.
const DraftFile = "draft.txt"

// Cosign adds s's signature, dated t, to a canary file: an unsigned draft
// or a clearsigned canary. The signed text and the signatures already there
// are kept byte for byte, so earlier signatures stay valid.
func Cosign(data []byte, s *Signer, t time.Time) ([]byte, error) {
	var signed *Signed
	if markerIndex(data, beginSigned) >= 0 {
		var err error
		if signed, err = Open(data); err != nil {
			return nil, err
		}
		if signed.Outside > 0 || signed.Blocks > 1 {
			return nil, errors.New("the file holds text outside its signed block; cosign only a file written by canary")
		}
	} else {
		if len(data) == 0 || data[len(data)-1] != '\n' {
			return nil, errors.New("an unsigned draft must be text ending with a line break")
		}
		signed = &Signed{Text: data}
	}
	if c, err := Parse(signed.Text); err == nil {
		if len(c.Signers) > 0 && !contains(c.Signers, s.Fingerprint()) {
			return nil, fmt.Errorf("key %s is not one of the signers this canary lists (%d listed); readers would not count its signature", s.Fingerprint(), len(c.Signers))
		}
		if !t.Before(c.Expires) {
			return nil, fmt.Errorf("the canary expired on %s; issue a new one instead of signing this one", c.Expires.Format(time.RFC3339))
		}
	}
	signedBy, err := signatureIssuers(signed.Signatures)
	if err != nil {
		return nil, err
	}
	if hasKey(s.Entity, signedBy) {
		return nil, fmt.Errorf("key %s has already signed this canary", s.Fingerprint())
	}
	if err := signed.AddSignatures([]*Signer{s}, t); err != nil {
		return nil, err
	}
	return signed.Encode()
}

// CosignFile cosigns path in place. When path is the current canary of a
// publication directory, its archive copy is updated with it, so that the
// archive never disagrees with what is published.
func CosignFile(path string, s *Signer, t time.Time) ([]byte, error) {
	old, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := Cosign(old, s, t)
	if err != nil {
		return nil, err
	}
	var archived string
	if filepath.Base(path) == CurrentFile {
		if sg, err := Open(old); err == nil {
			if c, err := Parse(sg.Text); err == nil {
				p := filepath.Join(filepath.Dir(path), ArchiveDir, ArchiveName(c.Serial))
				if b, err := os.ReadFile(p); err == nil && bytes.Equal(b, old) {
					archived = p
				}
			}
		}
	}
	if err := atomicfile.Write(path, out, 0o644); err != nil {
		return nil, err
	}
	if archived != "" {
		if err := atomicfile.Write(archived, out, 0o644); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// signatureIssuers lists the key IDs and fingerprints of signature packets.
func signatureIssuers(sigs []byte) (ids []uint64, err error) {
	r := packet.NewReader(bytes.NewReader(sigs))
	for {
		p, err := r.Next()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("the existing signatures are damaged: %v", err)
		}
		if sig, ok := p.(*packet.Signature); ok {
			var id uint64
			if sig.IssuerKeyId != nil {
				id = *sig.IssuerKeyId
			}
			ids = append(ids, id)
		}
	}
}

// CountSignatures counts the signature packets in sigs.
func CountSignatures(sigs []byte) int {
	ids, err := signatureIssuers(sigs)
	if err != nil {
		return 0
	}
	return len(ids)
}

func hasKey(e *openpgp.Entity, ids []uint64) bool {
	for _, id := range ids {
		if e.PrimaryKey.KeyId == id {
			return true
		}
		for _, sk := range e.Subkeys {
			if sk.PublicKey.KeyId == id {
				return true
			}
		}
	}
	return false
}

// Successor checks that signed (a clearsigned canary) is the next canary of
// the publication directory dir: the serial after the current one, chained
// to it by digest.
func Successor(dir string, signed []byte) (*Canary, error) {
	s, err := Open(signed)
	if err != nil {
		return nil, err
	}
	c, err := Parse(s.Text)
	if err != nil {
		return nil, fmt.Errorf("not a canarykit canary: %v", err)
	}
	prev, prevSigned, err := ReadCurrent(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case prev == nil && (c.Serial != 1 || c.Previous != ""):
		return nil, fmt.Errorf("the draft is serial %d, but %s has no canary yet", c.Serial, dir)
	case prev != nil && c.Serial != prev.Serial+1:
		return nil, fmt.Errorf("the draft is serial %d, but the current canary is serial %d; it must be %d", c.Serial, prev.Serial, prev.Serial+1)
	case prev != nil && c.Previous != Digest(prevSigned.Text):
		return nil, errors.New("the draft does not chain to the current canary (its Previous digest differs); make a new draft")
	}
	return c, nil
}

// PublishSigned writes an already signed canary as the current one of dir
// and into its archive, after checking it is the successor. Checking its
// signatures is the caller's job (package verify).
func PublishSigned(dir string, signed []byte) (*Canary, error) {
	c, err := Successor(dir, signed)
	if err != nil {
		return nil, err
	}
	if prev, _, _ := ReadCurrent(dir); prev != nil {
		if err := archive(dir, prev.Serial, mustRead(filepath.Join(dir, CurrentFile))); err != nil {
			return nil, err
		}
	}
	if err := writeTokens(dir, c.Serial, nil); err != nil { // the previous canary's
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, CurrentFile), signed, 0o644); err != nil {
		return nil, err
	}
	return c, archive(dir, c.Serial, signed)
}
