// Command gen writes the fixtures bench/compare.sh measures: for each key
// algorithm, a signing key, its public key in the forms each verifier
// reads, and N distinct canarykit canaries of about 3 KB, clearsigned by
// that key.
//
//	go run ./bench/gen -out DIR -n 1000
//
// DIR/ALG/ (ALG is ed25519 or rsa4096) then holds:
//
//	pub.asc            the armored public key (canary verify --key)
//	pub.gpg            the binary public key (gpgv and sqv --keyring)
//	c/NNNN.txt         the clearsigned canaries
//	sqv/NNNN.body      the signed text as the signature covers it, and
//	sqv/NNNN.sig       the signature, detached: sqv 1.1 reads no clearsigned files
//
// Keys are made once and kept (an RSA-4096 key takes seconds to make);
// canaries are re-made when N changes or when they would expire within a
// day, so that every one of them verifies OK when measured.
package main

import (
	"bytes"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

func main() {
	out := flag.String("out", "", "directory to write to")
	n := flag.Int("n", 1000, "canaries per key")
	algs := flag.String("algs", "ed25519,rsa4096", "key algorithms")
	flag.Parse()
	if *out == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: gen -out DIR [-n 1000] [-algs ed25519,rsa4096]")
		os.Exit(2)
	}
	for _, alg := range strings.Split(*algs, ",") {
		if err := gen(filepath.Join(*out, alg), alg, *n); err != nil {
			fmt.Fprintf(os.Stderr, "gen %s: %v\n", alg, err)
			os.Exit(1)
		}
	}
}

// epoch dates the keys, well before any canary.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func gen(dir, alg string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "c"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "sqv"), 0o755); err != nil {
		return err
	}
	e, err := loadOrMakeKey(dir, alg)
	if err != nil {
		return err
	}
	// Canaries are dated a day back and hold 90 days; re-made when stale.
	issued := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour)
	stamp := filepath.Join(dir, "c", "STAMP")
	want := fmt.Sprintf("%d %s\n", n, issued.Format(time.RFC3339))
	if old, err := os.ReadFile(stamp); err == nil {
		f := strings.Fields(string(old))
		if len(f) == 2 && f[0] == strconv.Itoa(n) {
			if t, err := time.Parse(time.RFC3339, f[1]); err == nil && time.Since(t) < 30*24*time.Hour {
				return nil // still fresh
			}
		}
	}
	old, _ := filepath.Glob(filepath.Join(dir, "c", "*.txt"))
	for _, f := range old {
		os.Remove(f)
	}
	sg := &signer.Signer{Entity: e, Source: alg}
	for i := 1; i <= n; i++ {
		c := sample(uint64(i), issued.Add(time.Duration(i)*time.Second), keys.Fingerprint(e.PrimaryKey.Fingerprint))
		text := c.Render()
		signed, err := signer.Sign(text, []*signer.Signer{sg}, c.Issued)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%04d", i)
		if err := os.WriteFile(filepath.Join(dir, "c", name+".txt"), signed, 0o644); err != nil {
			return err
		}
		s, err := canary.Open(signed)
		if err != nil {
			return err
		}
		// A text signature covers the text without its last line break.
		if err := os.WriteFile(filepath.Join(dir, "sqv", name+".body"), bytes.TrimSuffix(s.Text, []byte("\n")), 0o644); err != nil {
			return err
		}
		if err := writeArmor(filepath.Join(dir, "sqv", name+".sig"), "PGP SIGNATURE", s.Signatures); err != nil {
			return err
		}
	}
	return os.WriteFile(stamp, []byte(want), 0o644)
}

// sample is a canary of about 3 KB, each serial different.
func sample(serial uint64, issued time.Time, fp string) *canary.Canary {
	c := &canary.Canary{
		Format:    canary.FormatV1,
		Issuer:    canary.Issuer{Name: "Example Org", URL: "https://example.org/canary"},
		Serial:    serial,
		Issued:    issued,
		Expires:   issued.Add(90 * 24 * time.Hour),
		Previous:  canary.Digest([]byte(strconv.FormatUint(serial, 10))),
		Threshold: 1,
		Signers:   []string{fp},
	}
	for i, s := range []string{
		"Example Org has not received any warrant, subpoena or court order for user data.",
		"Example Org has not been placed under any gag order or National Security Letter.",
		"Example Org has not been compelled to modify its systems to allow access to user data.",
		"Example Org has not received any request to hand over encryption keys or to weaken encryption.",
		"Example Org has not been subject to any search or seizure of its servers or premises.",
		"Example Org has not received any order under FISA section 702 or any similar law.",
		"Example Org has not been asked to install any software, hardware or backdoor on its systems.",
		"Example Org has not disclosed any user data to any government agency of any country.",
		"Example Org has not been forbidden by any authority from publishing this canary.",
		"Example Org has not received any secret order that it is prevented from disclosing.",
		"Example Org has not been asked to retain data about its users beyond its published policy.",
		"Example Org has not been asked to monitor the communications of any of its users.",
		"No member of Example Org staff has been compelled to act against the interests of users.",
		"Example Org has not transferred control of its domains or certificates to any third party.",
		"Example Org has not received any request to modify or withhold software updates.",
		"Example Org has not received any National Security Letter or equivalent foreign order.",
		"Example Org has not been compelled to provide access to its source code or build systems.",
		"Example Org has not been involved in any legal proceeding concerning user data.",
		"Example Org has not been asked to identify the users of its services.",
		"Example Org has not had any of its signing keys seized, copied or compromised.",
		"Example Org remains in control of every key that has signed this canary.",
		"Example Org will publish a new canary before this one expires, as it always has.",
		"Example Org publishes this canary every quarter, and a missing canary means what it says.",
		"Example Org has received no request of any kind that it would be unable to disclose here.",
		"Example Org has not been compelled to alter or remove any statement of this canary.",
		"Serial " + strconv.FormatUint(serial, 10) + " of this canary, issued " + issued.Format(time.RFC3339) + ".",
	} {
		c.Statements = append(c.Statements, canary.Statement{ID: fmt.Sprintf("s%02d", i+1), Text: s})
	}
	return c
}

func loadOrMakeKey(dir, alg string) (*openpgp.Entity, error) {
	secFile := filepath.Join(dir, "sec.asc")
	if data, err := os.ReadFile(secFile); err == nil {
		el, err := keys.ReadKeys(data)
		if err != nil {
			return nil, err
		}
		return el[0], nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return epoch }}
	switch alg {
	case "ed25519":
		cfg.Algorithm, cfg.Curve = packet.PubKeyAlgoEdDSA, packet.Curve25519
	case "rsa4096":
		cfg.Algorithm, cfg.RSABits = packet.PubKeyAlgoRSA, 4096
	default:
		return nil, fmt.Errorf("unknown algorithm %q (ed25519, rsa4096)", alg)
	}
	e, err := openpgp.NewEntity("Bench "+alg, "", "bench-"+alg+"@example.org", cfg)
	if err != nil {
		return nil, err
	}
	e.Subkeys = nil // a signing key only, as canary key generate makes
	var sec, pub bytes.Buffer
	if err := e.SerializePrivateWithoutSigning(&sec, cfg); err != nil {
		return nil, err
	}
	if err := e.Serialize(&pub); err != nil {
		return nil, err
	}
	if err := writeArmor(secFile, "PGP PRIVATE KEY BLOCK", sec.Bytes()); err != nil {
		return nil, err
	}
	if err := writeArmor(filepath.Join(dir, "pub.asc"), "PGP PUBLIC KEY BLOCK", pub.Bytes()); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pub.gpg"), pub.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return e, nil
}

func writeArmor(path, blockType string, body []byte) error {
	var b bytes.Buffer
	w, err := armor.EncodeWithChecksumOption(&b, blockType, nil, true)
	if err != nil {
		return err
	}
	w.Write(body)
	if err := w.Close(); err != nil {
		return err
	}
	b.WriteByte('\n')
	return os.WriteFile(path, b.Bytes(), 0o644)
}
