package keys

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/canarykit/canarykit/canary"
)

// MaxKeyFileBytes bounds what is read from a key file, so that a wrong path
// (a disk image, /dev/zero) fails fast instead of filling memory.
const MaxKeyFileBytes = 16 << 20

// Fingerprint formats an OpenPGP fingerprint the way gpg prints it without
// spaces: uppercase hex.
func Fingerprint(fp []byte) string { return strings.ToUpper(fmt.Sprintf("%x", fp)) }

// ReadKeyFile reads a file of armored or binary OpenPGP keys (one key, or a
// whole keyring, public or secret).
func ReadKeyFile(path string) (openpgp.EntityList, error) {
	data, err := canary.ReadLimited(path, MaxKeyFileBytes)
	if err != nil {
		return nil, err
	}
	el, err := ReadKeys(data)
	var wrapped *WrappedKeyError
	if errors.As(err, &wrapped) {
		wrapped.File = path
		return nil, wrapped
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return el, nil
}

// A WrappedKeyError says that what was read as a key is an OpenPGP
// message (clearsigned, or a signed or plain literal-data message) whose
// content is a key. It is not unwrapped here: the signature around the
// key would go unchecked, and it says who vouches for the key.
type WrappedKeyError struct {
	File   string // the file read, if it was one
	Signed bool   // whether the message is signed
}

func (e *WrappedKeyError) Error() string {
	what, check := "an OpenPGP message that contains a key, not a key", ""
	if e.Signed {
		what, check = "a signed message that contains a key, not a key", " (and check who signed it)"
	}
	if e.File == "" {
		return fmt.Sprintf("this is %s: save it to a file FILE, unwrap it with gpg --decrypt FILE > key.asc%s, then pass key.asc", what, check)
	}
	return fmt.Sprintf("%s is %s: unwrap it with gpg --decrypt %s > key.asc%s, then pass key.asc", e.File, what, shellQuote(e.File), check)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/-+:@,=%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// wrappedKey says whether data, in which no key block was found, is an
// OpenPGP message holding a key: a clearsigned text that is a key block,
// or a message (armored or binary) whose literal data is a key.
func wrappedKey(data []byte) error {
	if i := bytes.Index(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")); i >= 0 {
		if b, _ := clearsign.Decode(data[i:]); b != nil {
			if el, err := readKeys(b.Plaintext); err == nil && len(el) > 0 {
				return &WrappedKeyError{Signed: true}
			}
		}
	}
	body := data
	if i := bytes.Index(data, []byte("-----BEGIN PGP MESSAGE-----")); i >= 0 {
		block, err := armor.Decode(bytes.NewReader(data[i:]))
		if err != nil {
			return nil
		}
		raw, err := io.ReadAll(io.LimitReader(block.Body, MaxKeyFileBytes))
		if err != nil {
			return nil
		}
		body = raw
	} else if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN ")) {
		return nil
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(body), openpgp.EntityList{}, nil, nil)
	if err != nil || md.IsEncrypted {
		return nil
	}
	// The limit stops a compressed message that inflates without bound.
	content, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, MaxKeyFileBytes))
	if err != nil && len(content) == 0 {
		return nil
	}
	if el, err := readKeys(content); err == nil && len(el) > 0 {
		return &WrappedKeyError{Signed: md.IsSigned}
	}
	return nil
}

// ReadKeys parses armored or binary OpenPGP keys. Armored input may hold
// several blocks one after the other, as a hand-made keyring file often does.
// Input that is a message holding a key, not a key, is refused with a
// *WrappedKeyError.
func ReadKeys(data []byte) (openpgp.EntityList, error) {
	el, err := readKeys(data)
	if err != nil {
		if w := wrappedKey(data); w != nil {
			return nil, w
		}
	}
	return el, err
}

func readKeys(data []byte) (openpgp.EntityList, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("no OpenPGP key found (the file is empty)")
	}
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) && !bytes.Contains(trimmed, []byte("\n-----BEGIN PGP")) {
		el, err := openpgp.ReadKeyRing(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not an OpenPGP key: %v", err)
		}
		if len(el) == 0 {
			// go-crypto skips packets it cannot use and may find nothing.
			return nil, errors.New("not an OpenPGP key: no key packet found")
		}
		return el, nil
	}
	var all openpgp.EntityList
	rest := data
	for {
		i := bytes.Index(rest, []byte("-----BEGIN PGP"))
		if i < 0 {
			break
		}
		rest = rest[i:]
		block, err := armor.Decode(bytes.NewReader(rest))
		if err != nil {
			return nil, fmt.Errorf("bad armor: %v", err)
		}
		// armor.Decode does not say how much it consumed; find the end line.
		end := bytes.Index(rest, []byte("\n-----END PGP"))
		if end < 0 {
			return nil, errors.New("armored key has no END line; is the file truncated?")
		}
		rest = rest[end+1:]
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		} else {
			rest = nil
		}
		switch block.Type {
		case "PGP PUBLIC KEY BLOCK", "PGP PRIVATE KEY BLOCK":
		default:
			continue // e.g. a signature kept beside the key
		}
		el, err := openpgp.ReadKeyRing(block.Body)
		if err != nil {
			return nil, fmt.Errorf("bad key: %v", err)
		}
		all = append(all, el...)
	}
	if len(all) == 0 {
		return nil, errors.New("no OpenPGP public or secret key block found")
	}
	return all, nil
}

// ParseUID splits a user ID of the form "Name <mail>", the only form a
// canary key (generated, or exported from a KMS) is given.
func ParseUID(uid string) (name, mail string, err error) {
	m := uidRE.FindStringSubmatch(strings.TrimSpace(uid))
	if m == nil || m[1] == "" {
		return "", "", fmt.Errorf("user ID %q must look like \"Name <mail@example.org>\"", uid)
	}
	return m[1], m[2], nil
}

var uidRE = regexp.MustCompile(`^([^()<>\x00]*?)\s*<([^()<>\x00\s]+@[^()<>\x00\s]+)>$`)

// GenerateKey makes a v4 Ed25519 signing key (legacy EdDSA encoding, so gpg
// 2.2 and every other OpenPGP tool in use reads it) for the user ID uid, in
// the form "Name <mail>". A non-empty passphrase encrypts the secret key.
// lifetime 0 means the key does not expire.
func GenerateKey(uid string, passphrase []byte, lifetime time.Duration, now time.Time) (secret, public []byte, fingerprint string, err error) {
	name, mail, err := ParseUID(uid)
	if err != nil {
		return nil, nil, "", err
	}
	if lifetime < 0 || lifetime.Seconds() > float64(^uint32(0)) {
		return nil, nil, "", fmt.Errorf("key lifetime %v is out of range", lifetime)
	}
	cfg := &packet.Config{
		Algorithm:       packet.PubKeyAlgoEdDSA,
		Curve:           packet.Curve25519,
		DefaultHash:     crypto.SHA512,
		KeyLifetimeSecs: uint32(lifetime.Seconds()),
		Time:            func() time.Time { return now },
	}
	e, err := openpgp.NewEntity(name, "", mail, cfg)
	if err != nil {
		return nil, nil, "", err
	}
	// A canary key only signs; an encryption subkey would invite people to
	// send mail to a key that may live offline.
	e.Subkeys = nil
	if len(passphrase) > 0 {
		if err := e.EncryptPrivateKeys(passphrase, cfg); err != nil {
			return nil, nil, "", err
		}
	}
	var sec, pub bytes.Buffer
	if err := WriteArmored(&sec, "PGP PRIVATE KEY BLOCK", func(w io.Writer) error { return e.SerializePrivateWithoutSigning(w, cfg) }); err != nil {
		return nil, nil, "", err
	}
	if err := WriteArmored(&pub, "PGP PUBLIC KEY BLOCK", e.Serialize); err != nil {
		return nil, nil, "", err
	}
	return sec.Bytes(), pub.Bytes(), Fingerprint(e.PrimaryKey.Fingerprint), nil
}

// WriteArmored always adds the CRC-24 line: RFC 9580 makes it optional, but
// GnuPG 2.2 cannot find the end of an armored key without it.
func WriteArmored(out *bytes.Buffer, blockType string, body func(io.Writer) error) error {
	w, err := armor.EncodeWithChecksumOption(out, blockType, nil, true)
	if err != nil {
		return err
	}
	if err := body(w); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	out.WriteByte('\n')
	return nil
}

// CloneKeys returns a copy of keys that shares no memory with them.
// go-crypto caches whether each self-signature is valid inside the
// entity, the first time a check needs it; two goroutines verifying with
// one entity would race on that cache. Each goroutine gets its own copy
// instead: written out and read back, which keeps every packet that
// verification reads (keys, user IDs, subkeys, all their signatures).
func CloneKeys(keys openpgp.EntityList) (openpgp.EntityList, error) {
	var buf bytes.Buffer
	out := make(openpgp.EntityList, 0, len(keys))
	for _, e := range keys {
		buf.Reset()
		if err := e.Serialize(&buf); err != nil {
			return nil, fmt.Errorf("cannot copy key %s: %v", Fingerprint(e.PrimaryKey.Fingerprint), err)
		}
		el, err := openpgp.ReadKeyRing(bytes.NewReader(buf.Bytes()))
		if err != nil || len(el) != 1 {
			return nil, fmt.Errorf("cannot copy key %s: %v", Fingerprint(e.PrimaryKey.Fingerprint), err)
		}
		out = append(out, el[0])
	}
	return out, nil
}
