package canary

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// maxSignatureBytes bounds the signature block: 20 RSA-4096 signatures fit
// in a few KiB, so anything near this is hostile.
const maxSignatureBytes = 1 << 20

var (
	beginSigned    = []byte("-----BEGIN PGP SIGNED MESSAGE-----")
	beginSignature = []byte("-----BEGIN PGP SIGNATURE-----")
)

// A Signed is a clearsigned document taken apart: the text every signature
// covers, and the signature packets. Nothing outside the signed block is
// kept, so nothing unsigned can be mistaken for canary content.
type Signed struct {
	// Text is the signed text with LF line endings and a final LF: what
	// `gpg --decrypt` prints, and what Parse and Digest take.
	Text []byte
	// Signatures holds the binary OpenPGP signature packets, in order.
	Signatures []byte
	// HashHeader lists the hash names of the block's Hash: armor header;
	// they are not signed, so a reader compares them with the signatures.
	HashHeader []string
	// Outside counts bytes of non-blank text before or after the block:
	// a reader should know that part of the file was not signed.
	Outside int
	// Blocks counts the clearsigned blocks in the input; only the first is
	// taken apart.
	Blocks int
}

// Canonical returns the bytes the signatures are computed over: the text
// with CRLF line endings and without the final line break (RFC 4880 7.1).
func (s *Signed) Canonical() []byte {
	t := bytes.TrimSuffix(s.Text, []byte("\n"))
	return bytes.ReplaceAll(t, []byte("\n"), []byte("\r\n"))
}

// Open finds the clearsigned block in data and takes it apart.
func Open(data []byte) (*Signed, error) {
	if len(data) > MaxCanaryBytes {
		return nil, fmt.Errorf("input is larger than %d bytes; a canary is a few KiB", MaxCanaryBytes)
	}
	start := markerIndex(data, beginSigned)
	if start < 0 {
		if d := dedentBlock(data); d != nil {
			s, err := Open(d)
			if err == nil {
				// The page around the block was dropped by dedenting.
				s.Outside = max(s.Outside, len(bytes.TrimSpace(data))-len(bytes.TrimSpace(d)))
			}
			return s, err
		}
		if markerIndex(data, beginSignature) >= 0 {
			return nil, errors.New("this is a detached signature, not a signed canary; give the signed file instead")
		}
		return nil, errors.New("no signed canary found: the input has no \"-----BEGIN PGP SIGNED MESSAGE-----\" block")
	}
	b, rest := clearsign.Decode(data[start:])
	if b == nil {
		return nil, errors.New("the signed block is damaged or cut short: its header, its text or its signature armor cannot be read")
	}
	sigs, err := io.ReadAll(io.LimitReader(b.ArmoredSignature.Body, maxSignatureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("the signature armor is damaged: %v", err)
	}
	if len(sigs) > maxSignatureBytes {
		return nil, fmt.Errorf("the signature block is larger than %d bytes", maxSignatureBytes)
	}
	if b.ArmoredSignature.Type != "PGP SIGNATURE" {
		return nil, fmt.Errorf("the signed block ends in a %q armor, not a PGP SIGNATURE", b.ArmoredSignature.Type)
	}
	s := &Signed{
		Text:       append(b.Plaintext, '\n'),
		Signatures: sigs,
		HashHeader: b.Headers.Values("Hash"),
		Outside:    len(bytes.TrimSpace(data[:start])),
		Blocks:     1,
	}
	for len(rest) > 0 {
		i := markerIndex(rest, beginSigned)
		if i < 0 {
			s.Outside += len(bytes.TrimSpace(rest))
			break
		}
		s.Outside += len(bytes.TrimSpace(rest[:i]))
		s.Blocks++
		_, next := clearsign.Decode(rest[i:])
		if len(next) >= len(rest[i:]) {
			s.Outside += len(bytes.TrimSpace(rest[i:]))
			break
		}
		rest = next
	}
	return s, nil
}

// markerIndex finds an armor line that starts at the beginning of a line.
func markerIndex(data, marker []byte) int {
	for off := 0; ; {
		i := bytes.Index(data[off:], marker)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || data[i-1] == '\n' {
			return i
		}
		off = i + 1
	}
}

// Encode writes s as a clearsigned document that gpg, sq and go-crypto all
// read. It is deterministic, so adding a signature never changes the text.
func (s *Signed) Encode() ([]byte, error) {
	if len(s.Text) == 0 || s.Text[len(s.Text)-1] != '\n' {
		return nil, errors.New("signed text must end with a line break")
	}
	var b bytes.Buffer
	b.Write(beginSigned)
	b.WriteByte('\n')
	if len(s.HashHeader) > 0 {
		b.WriteString("Hash: " + strings.Join(s.HashHeader, ",") + "\n")
	}
	b.WriteByte('\n')
	for _, line := range strings.SplitAfter(string(s.Text), "\n") {
		if strings.HasPrefix(line, "-") {
			b.WriteString("- ")
		}
		b.WriteString(line)
	}
	// The armor writer puts its own line break before the END line and
	// none after it.
	w, err := armor.EncodeWithChecksumOption(&b, "PGP SIGNATURE", nil, true)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(s.Signatures); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Sign clearsigns text with every signer, all signatures in one block, each
// dated t. text must end with a line break and have no blanks at line ends
// (OpenPGP would strip them, and the canary would no longer hash the same).
func Sign(text []byte, signers []*Signer, t time.Time) ([]byte, error) {
	s := &Signed{Text: text}
	for _, line := range bytes.Split(text, []byte("\n")) {
		if len(bytes.TrimRight(line, " \t\r")) != len(line) {
			return nil, errors.New("text has blanks at the end of a line; OpenPGP would not sign them")
		}
	}
	if len(signers) == 0 {
		return nil, errors.New("no signer configured")
	}
	if err := s.AddSignatures(signers, t); err != nil {
		return nil, err
	}
	return s.Encode()
}

// AddSignatures signs s's text with each signer and appends the signatures
// after the ones it already has; the text and earlier signatures stay as
// they are.
func (s *Signed) AddSignatures(signers []*Signer, t time.Time) error {
	canonical := s.Canonical()
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return t }}
	for _, sg := range signers {
		k, err := sg.signingKey(t)
		if err != nil {
			return err
		}
		sig := &packet.Signature{
			Version:           k.Version,
			SigType:           packet.SigTypeText,
			PubKeyAlgo:        k.PubKeyAlgo,
			Hash:              crypto.SHA512,
			CreationTime:      t,
			IssuerKeyId:       &k.KeyId,
			IssuerFingerprint: k.Fingerprint,
			IssuerKeyVersion:  uint8(k.Version),
		}
		if k.Version == 6 {
			salt, err := packet.SignatureSaltForHash(sig.Hash, cfg.Random())
			if err != nil {
				return err
			}
			if err := sig.SetSalt(salt); err != nil {
				return err
			}
		}
		h, err := sig.PrepareVerify()
		if err != nil {
			return err
		}
		h.Write(canonical)
		if err := sig.Sign(h, k, cfg); err != nil {
			return fmt.Errorf("%s: signing failed: %v", sg.Source, err)
		}
		var pkt bytes.Buffer
		if err := sig.Serialize(&pkt); err != nil {
			return err
		}
		// A key that makes bad signatures (a damaged file, a faulty card)
		// must be caught before the canary is published.
		check, err := sig.PrepareVerify()
		if err != nil {
			return err
		}
		check.Write(canonical)
		if err := k.PublicKey.VerifySignature(check, sig); err != nil {
			return fmt.Errorf("%s: key %s made a signature that does not verify: %v", sg.Source, sg.Fingerprint(), err)
		}
		s.Signatures = append(s.Signatures, pkt.Bytes()...)
		if name := hashName(sig.Hash); name != "" && !contains(s.HashHeader, name) {
			s.HashHeader = append(s.HashHeader, name)
		}
	}
	return nil
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA256:
		return "SHA256"
	case crypto.SHA384:
		return "SHA384"
	case crypto.SHA512:
		return "SHA512"
	case crypto.SHA224:
		return "SHA224"
	case crypto.SHA1:
		return "SHA1"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ReadSignatures turns a detached signature file, armored or binary, into
// its binary signature packets. Several armored blocks one after another
// are accepted, as people concatenate the signatures of several signers.
func ReadSignatures(data []byte) ([]byte, error) {
	if len(data) > maxSignatureBytes {
		return nil, fmt.Errorf("signature file is larger than %d bytes", maxSignatureBytes)
	}
	if markerIndex(data, beginSignature) < 0 {
		if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN ")) {
			return nil, errors.New("not an OpenPGP signature: the armor is not a PGP SIGNATURE block")
		}
		if len(data) == 0 || data[0]&0x80 == 0 {
			return nil, errors.New("not an OpenPGP signature (neither armored nor binary OpenPGP)")
		}
		return data, nil
	}
	var out []byte
	rest := data
	for {
		i := markerIndex(rest, beginSignature)
		if i < 0 {
			break
		}
		rest = rest[i:]
		block, err := armor.Decode(bytes.NewReader(rest))
		if err != nil {
			return nil, fmt.Errorf("the signature armor is damaged: %v", err)
		}
		body, err := io.ReadAll(io.LimitReader(block.Body, maxSignatureBytes+1))
		if err != nil {
			return nil, fmt.Errorf("the signature armor is damaged: %v", err)
		}
		out = append(out, body...)
		if len(out) > maxSignatureBytes {
			return nil, fmt.Errorf("signatures are larger than %d bytes", maxSignatureBytes)
		}
		end := bytes.Index(rest, []byte("\n-----END PGP SIGNATURE-----"))
		if end < 0 {
			break
		}
		rest = rest[end+1:]
	}
	if len(out) == 0 {
		return nil, errors.New("the signature block is empty")
	}
	return out, nil
}

// dedentBlock finds a clearsigned block indented as a whole, as in a
// markdown code block, and returns just that block with the indentation
// taken off every line, or nil. Only the exact indentation of the BEGIN
// line is removed, so the signed text is recovered as it was signed.
func dedentBlock(data []byte) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, l := range lines {
		t := bytes.TrimLeft(l, " \t")
		if len(t) == len(l) || !bytes.HasPrefix(t, beginSigned) {
			continue
		}
		indent := l[:len(l)-len(t)]
		var out []byte
		for _, l := range lines[i:] {
			switch {
			case bytes.HasPrefix(l, indent):
				l = l[len(indent):]
			case len(bytes.TrimSpace(l)) == 0:
				l = bytes.TrimLeft(l, " \t")
			default:
				return nil // the block's indentation stops before its end
			}
			out = append(out, l...)
			if bytes.HasPrefix(l, []byte("-----END PGP SIGNATURE-----")) {
				return out
			}
		}
		return nil
	}
	return nil
}
