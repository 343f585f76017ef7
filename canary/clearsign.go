package canary

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
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
	// ArmorProblem says what is wrong with the signature armor that did
	// not stop it from being read, or is empty: a CRC-24 line that does
	// not match the signatures (GnuPG refuses such a block; go-crypto and
	// RFC 9580 ignore the checksum), or text after it that was ignored.
	ArmorProblem string
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
	b, rest := decodeClearsigned(data[start:])
	if b == nil {
		return nil, errors.New("the signed block is damaged or cut short: its header, its text or its signature armor cannot be read")
	}
	sigs, err := io.ReadAll(io.LimitReader(b.signature.Body, maxSignatureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("the signature armor is damaged: %v", err)
	}
	if len(sigs) > maxSignatureBytes {
		return nil, fmt.Errorf("the signature block is larger than %d bytes", maxSignatureBytes)
	}
	if b.signature.Type != "PGP SIGNATURE" {
		return nil, fmt.Errorf("the signed block ends in a %q armor, not a PGP SIGNATURE", b.signature.Type)
	}
	s := &Signed{
		Text:         b.text,
		Signatures:   sigs,
		HashHeader:   b.hash,
		Outside:      len(bytes.TrimSpace(data[:start])),
		Blocks:       1,
		ArmorProblem: armorProblem(b.armored, sigs),
	}
	for len(rest) > 0 {
		i := markerIndex(rest, beginSigned)
		if i < 0 {
			s.Outside += len(bytes.TrimSpace(rest))
			break
		}
		s.Outside += len(bytes.TrimSpace(rest[:i]))
		s.Blocks++
		_, next := decodeClearsigned(rest[i:])
		if len(next) >= len(rest[i:]) {
			s.Outside += len(bytes.TrimSpace(rest[i:]))
			break
		}
		rest = next
	}
	return s, nil
}

// A clearBlock is a clearsigned block taken apart by decodeClearsigned.
type clearBlock struct {
	text      []byte       // the signed text, lines ending in LF (Signed.Text)
	hash      []string     // the Hash header's values, upper case
	signature *armor.Block // the signature armor
	armored   []byte       // the signature armor as written
}

var (
	startMarker  = []byte("\n-----BEGIN PGP SIGNED MESSAGE-----")
	endMarker    = []byte("\n-----END PGP SIGNATURE-----")
	hashValues   = []string{"MD5", "SHA1", "RIPEMD160", "SHA224", "SHA256", "SHA384", "SHA512", "SHA3-256", "SHA3-512"}
	dashEscaped  = []byte("- ")
	blanksAtEnd  = " \t"
	noClearBlock = (*clearBlock)(nil)
)

// decodeClearsigned takes apart the first clearsigned block of data, and
// returns what follows it; on failure, nil and data. It reads exactly
// what go-crypto's clearsign.Decode reads, with the same result (the
// differential test FuzzDecodeClearsigned holds it to that), but builds
// the text in one allocation: clearsign.Decode grows two copies of it
// line by line, which cost more than everything else canary.Open does.
func decodeClearsigned(data []byte) (*clearBlock, []byte) {
	var rest []byte
	if bytes.HasPrefix(data, startMarker[1:]) {
		rest = data[len(startMarker)-1:]
	} else if i := bytes.Index(data, startMarker); i >= 0 {
		rest = data[i+len(startMarker):]
	} else {
		return noClearBlock, data
	}
	suffix, rest := clearLine(rest)
	if len(suffix) != 0 {
		return noClearBlock, data
	}
	b := &clearBlock{}
	for {
		if len(rest) == 0 {
			return noClearBlock, data
		}
		var line []byte
		if line, rest = clearLine(rest); len(bytes.TrimSpace(line)) == 0 {
			break
		}
		// Headers are printable ASCII; only Hash is allowed.
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				return noClearBlock, data
			}
		}
		i := bytes.IndexByte(line, ':')
		if i < 0 || strings.TrimSpace(string(line[:i])) != "Hash" {
			return noClearBlock, data
		}
		for _, v := range strings.Split(string(line[i+1:]), ",") {
			v = strings.ToUpper(strings.TrimSpace(v))
			if !slices.Contains(hashValues, v) {
				return noClearBlock, data
			}
			b.hash = append(b.hash, v)
		}
	}
	// The text: measured first, then copied once.
	body, size, lines := rest, 0, 0
	for {
		start := rest
		var line []byte
		line, rest = clearLine(rest)
		if len(line) == 0 && len(rest) == 0 {
			return noClearBlock, data // no signature follows
		}
		if bytes.Equal(line, beginSignature) {
			rest = start
			break
		}
		size += len(textLine(line)) + 1
		lines++
	}
	b.text = make([]byte, 0, max(size, 1))
	for range lines {
		var line []byte
		line, body = clearLine(body)
		b.text = append(append(b.text, textLine(line)...), '\n')
	}
	if lines == 0 {
		b.text = append(b.text, '\n')
	}
	i := bytes.Index(rest, endMarker)
	if i < 0 {
		return noClearBlock, data
	}
	i += len(endMarker)
	for i < len(rest) && (rest[i] == '\r' || rest[i] == '\n') {
		i++
	}
	armored := rest[:i]
	rest = rest[i:]
	sig, err := armor.Decode(bytes.NewBuffer(armored))
	if err != nil {
		return noClearBlock, data
	}
	b.signature, b.armored = sig, armored
	return b, rest
}

// armorProblem checks what the armor decoder does not: that the CRC-24
// line, when there is one, matches the signature data, and that nothing
// follows it but the END line (the decoder stops reading at the checksum,
// so whatever follows it is silently dropped).
func armorProblem(armored, data []byte) string {
	var crcLine []byte
	after := 0
	inBody := false
	for rest := armored; len(rest) > 0; {
		var line []byte
		line, rest = clearLine(rest)
		line = bytes.TrimSpace(line)
		switch {
		case bytes.HasPrefix(line, []byte("-----END ")):
			rest = nil
		case !inBody:
			inBody = len(line) == 0 // the blank line after the armor headers
		case crcLine != nil:
			after += len(line)
		case len(line) == 5 && line[0] == '=':
			crcLine = line
		}
	}
	if after > 0 {
		return fmt.Sprintf("%d characters after its checksum line were ignored", after)
	}
	if crcLine == nil {
		return ""
	}
	want, err := base64.StdEncoding.DecodeString(string(crcLine[1:]))
	if err != nil || len(want) != 3 {
		return "its checksum line is not valid base64; GnuPG refuses such a block"
	}
	got := crc24(data)
	if want[0] != byte(got>>16) || want[1] != byte(got>>8) || want[2] != byte(got) {
		return "its CRC-24 checksum does not match the signature data, so the armor was altered or damaged; GnuPG refuses such a block"
	}
	return ""
}

// crc24 is the OpenPGP armor checksum (RFC 9580, section 6.1).
func crc24(data []byte) uint32 {
	table := crc24Table()
	crc := uint32(0xB704CE)
	for _, b := range data {
		crc = (crc<<8 ^ table[byte(crc>>16)^b]) & 0xFFFFFF
	}
	return crc
}

// crc24Table is made on first use, not at start-up.
var crc24Table = sync.OnceValue(func() *[256]uint32 {
	var t [256]uint32
	for i := range t {
		crc := uint32(i) << 16
		for range 8 {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864CFB
			}
		}
		t[i] = crc & 0xFFFFFF
	}
	return &t
})

// clearLine splits off the first line of data, without its LF or CRLF.
func clearLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return data, data[len(data):]
	}
	j := i + 1
	if i > 0 && data[i-1] == '\r' {
		i--
	}
	return data[:i], data[j:]
}

// textLine is a line of the signed text as it was signed: without its
// dash-escape and without blanks at its end.
func textLine(line []byte) []byte {
	line = bytes.TrimPrefix(line, dashEscaped)
	return bytes.TrimRight(line, blanksAtEnd)
}

// HasSignedBlock says whether data holds the start of a clearsigned block
// at the beginning of a line; Open says whether it is a good one.
func HasSignedBlock(data []byte) bool { return markerIndex(data, beginSigned) >= 0 }

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

// HashName is the name of h as a clearsigned block's Hash: header writes
// it (RFC 9580 section 7), or "" for a hash that has none.
func HashName(h crypto.Hash) string {
	switch h {
	case crypto.MD5:
		return "MD5"
	case crypto.SHA1:
		return "SHA1"
	case crypto.RIPEMD160:
		return "RIPEMD160"
	case crypto.SHA224:
		return "SHA224"
	case crypto.SHA256:
		return "SHA256"
	case crypto.SHA384:
		return "SHA384"
	case crypto.SHA512:
		return "SHA512"
	case crypto.SHA3_256:
		return "SHA3-256"
	case crypto.SHA3_512:
		return "SHA3-512"
	}
	return ""
}
