// Package tsa asks RFC 3161 time-stamp authorities for tokens and checks
// them completely. The CMS library only checks the signature; a token is
// worth something only when it also covers the right data, comes from a
// certificate made for time-stamping that chains to a root the reader
// trusts, and was made while that certificate was valid.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// MaxTokenBytes bounds a reply: a token with its certificate chain is a
// few KiB.
const MaxTokenBytes = 256 << 10

// ErrUntrusted marks a token whose certificate does not chain to any of
// the given roots: nothing is wrong with it that the reader's roots could
// not fix, but it proves nothing to this reader.
var ErrUntrusted = errors.New("the TSA certificate does not chain to a root you trust")

var (
	oidTSTInfo           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidSigningCert       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertV2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidExtKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidSHA256            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidKPTimeStamping    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	errNoTimeStampingEKU = errors.New("the TSA certificate is not for time-stamping: RFC 3161 requires a critical extended key usage of timeStamping alone")
)

// A Token is a checked time-stamp token.
type Token struct {
	Time     time.Time     // genTime: when the TSA saw the data
	Accuracy time.Duration // how far Time may be off, if the TSA says
	Policy   string        // the TSA policy OID
	Serial   string        // the token's serial number, hex
	Nonce    *big.Int
	Hash     crypto.Hash // of the message imprint
	// TSA is the signing certificate's subject.
	TSA string

	imprint       []byte
	cert          *x509.Certificate
	intermediates []*x509.Certificate
}

// NotAfter is the latest moment the data can have been made: the token's
// time plus its accuracy.
func (t *Token) NotAfter() time.Time { return t.Time.Add(t.Accuracy) }

// Options say what a token must match beyond the data.
type Options struct {
	// Roots are the trusted TSA roots; nil means the system's roots.
	Roots *x509.CertPool
	// Nonce, when known (to the requester), must be the token's.
	Nonce *big.Int
	// Policy, when set, must be the token's policy.
	Policy asn1.ObjectIdentifier
}

// Parse reads a .tsr file: a DER TimeStampResp, as a TSA sends it and as
// `openssl ts -reply` writes it, or a bare TimeStampToken. It checks the
// CMS structure and signature and the signed attributes that bind the
// token to its certificate, but not the data, the certificate's purpose or
// its trust: Verify does.
func Parse(data []byte) (tok *Token, err error) {
	if len(data) > MaxTokenBytes {
		return nil, fmt.Errorf("the timestamp is larger than %d bytes", MaxTokenBytes)
	}
	// A library bug on hostile input must be an error, not a crash of
	// the verifier.
	defer func() {
		if r := recover(); r != nil {
			tok, err = nil, fmt.Errorf("the timestamp is malformed (%v)", r)
		}
	}()
	raw, err := tokenBytes(data)
	if err != nil {
		return nil, err
	}
	ts, err := timestamp.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the timestamp token is malformed or its signature does not verify: %v", err)
	}
	if len(ts.Certificates) == 0 {
		return nil, errors.New("the timestamp token carries no TSA certificate, so its signature cannot be checked; ask the TSA with certReq set")
	}
	p7, err := pkcs7.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the timestamp token is malformed: %v", err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("the timestamp token has %d signers; RFC 3161 tokens have one", len(p7.Signers))
	}
	si := p7.Signers[0]
	var cert *x509.Certificate
	var others []*x509.Certificate
	for _, c := range p7.Certificates {
		if cert == nil && bytes.Equal(c.RawIssuer, si.IssuerAndSerialNumber.IssuerName.FullBytes) &&
			c.SerialNumber.Cmp(si.IssuerAndSerialNumber.SerialNumber) == 0 {
			cert = c
		} else {
			others = append(others, c)
		}
	}
	if cert == nil {
		return nil, errors.New("the timestamp token does not carry the certificate that signed it")
	}
	var contentType asn1.ObjectIdentifier
	var essV1, essV2 []byte
	for _, a := range si.AuthenticatedAttributes {
		switch {
		case a.Type.Equal(oidContentType):
			if _, err := asn1.Unmarshal(a.Value.Bytes, &contentType); err != nil {
				return nil, fmt.Errorf("the timestamp token's content-type attribute is malformed: %v", err)
			}
		case a.Type.Equal(oidSigningCert):
			essV1 = a.Value.Bytes
		case a.Type.Equal(oidSigningCertV2):
			essV2 = a.Value.Bytes
		}
	}
	if !contentType.Equal(oidTSTInfo) {
		return nil, errors.New("the signed content is not a timestamp (TSTInfo)")
	}
	if err := checkSigningCert(cert, essV1, essV2); err != nil {
		return nil, err
	}
	tok = &Token{
		Time:          ts.Time.UTC(),
		Accuracy:      ts.Accuracy,
		Policy:        ts.Policy.String(),
		Nonce:         ts.Nonce,
		Hash:          ts.HashAlgorithm,
		TSA:           cert.Subject.String(),
		imprint:       ts.HashedMessage,
		cert:          cert,
		intermediates: others,
	}
	if ts.SerialNumber != nil {
		tok.Serial = ts.SerialNumber.Text(16)
	}
	if len(ts.Policy) == 0 {
		return nil, errors.New("the timestamp token names no TSA policy")
	}
	if tok.Accuracy < 0 || tok.Accuracy > 24*time.Hour {
		return nil, fmt.Errorf("the timestamp token's accuracy %v is out of range", tok.Accuracy)
	}
	return tok, nil
}

// tokenBytes takes the TimeStampToken out of a TimeStampResp, or returns
// data when it already is a token (a CMS ContentInfo).
func tokenBytes(data []byte) ([]byte, error) {
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(data, &outer)
	if err != nil || len(rest) > 0 || outer.Class != asn1.ClassUniversal || outer.Tag != asn1.TagSequence {
		return nil, errors.New("not an RFC 3161 timestamp: expected a DER TimeStampResp or TimeStampToken")
	}
	var first asn1.RawValue
	if _, err := asn1.Unmarshal(outer.Bytes, &first); err != nil {
		return nil, errors.New("not an RFC 3161 timestamp: the structure is empty or damaged")
	}
	if first.Class == asn1.ClassUniversal && first.Tag == asn1.TagOID {
		return data, nil
	}
	var resp struct {
		Status struct {
			Status       int
			StatusString []string       `asn1:"optional,utf8"`
			FailInfo     asn1.BitString `asn1:"optional"`
		}
		Token asn1.RawValue `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(data, &resp); err != nil || len(rest) > 0 {
		return nil, errors.New("not an RFC 3161 timestamp: expected a DER TimeStampResp or TimeStampToken")
	}
	if resp.Status.Status > 1 {
		return nil, fmt.Errorf("the TSA refused the request (status %d%s)", resp.Status.Status, statusText(resp.Status.StatusString))
	}
	if len(resp.Token.FullBytes) == 0 {
		return nil, errors.New("the TSA's reply holds no timestamp token")
	}
	return resp.Token.FullBytes, nil
}

func statusText(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return ": " + strings.Join(s, "; ")
}

// checkSigningCert enforces the ESS signing-certificate attribute RFC 3161
// requires: it names, by hash, the certificate the TSA signed with, so a
// token cannot be re-attributed to another certificate with the same key.
func checkSigningCert(cert *x509.Certificate, v1, v2 []byte) error {
	switch {
	case v2 != nil:
		var sc struct {
			Certs []struct {
				HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
				CertHash      []byte
				IssuerSerial  asn1.RawValue `asn1:"optional"`
			}
			Policies asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(v2, &sc); err != nil || len(sc.Certs) == 0 {
			return errors.New("the timestamp token's signing-certificate-v2 attribute is malformed")
		}
		id := sc.Certs[0]
		var sum []byte
		switch alg := id.HashAlgorithm.Algorithm; {
		case len(alg) == 0 || alg.Equal(oidSHA256):
			s := sha256.Sum256(cert.Raw)
			sum = s[:]
		case alg.Equal(oidSHA384):
			s := sha512.Sum384(cert.Raw)
			sum = s[:]
		case alg.Equal(oidSHA512):
			s := sha512.Sum512(cert.Raw)
			sum = s[:]
		default:
			return fmt.Errorf("the timestamp token names its certificate with an unsupported hash (%v)", alg)
		}
		if !bytes.Equal(sum, id.CertHash) {
			return errors.New("the timestamp token's signing-certificate attribute names another certificate than the one that signed it")
		}
	case v1 != nil:
		var sc struct {
			Certs []struct {
				CertHash     []byte
				IssuerSerial asn1.RawValue `asn1:"optional"`
			}
			Policies asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(v1, &sc); err != nil || len(sc.Certs) == 0 {
			return errors.New("the timestamp token's signing-certificate attribute is malformed")
		}
		sum := sha1.Sum(cert.Raw)
		if !bytes.Equal(sum[:], sc.Certs[0].CertHash) {
			return errors.New("the timestamp token's signing-certificate attribute names another certificate than the one that signed it")
		}
	default:
		return errors.New("the timestamp token lacks the signing-certificate attribute RFC 3161 requires")
	}
	return nil
}

// Verify checks a .tsr file completely against data, the bytes that were
// time-stamped: the CMS signature, the message imprint, the nonce and
// policy when opts give them, a signing certificate with the critical
// timeStamping extended key usage alone, chaining to opts.Roots at the
// token's time, and the token's time inside the certificate's validity.
// An error wrapping ErrUntrusted means only the chain to a trusted root
// is missing.
func Verify(tsr, data []byte, opts Options) (*Token, error) {
	tok, err := Parse(tsr)
	if err != nil {
		return nil, err
	}
	var sum []byte
	switch tok.Hash {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
		h := tok.Hash.New()
		h.Write(data)
		sum = h.Sum(nil)
	default:
		return nil, fmt.Errorf("the timestamp uses the hash %v, which canarykit does not accept", tok.Hash)
	}
	if !bytes.Equal(tok.imprint, sum) {
		return nil, errors.New("the timestamp covers other data than this canary's signatures (message imprint mismatch)")
	}
	if opts.Nonce != nil && (tok.Nonce == nil || tok.Nonce.Cmp(opts.Nonce) != 0) {
		return nil, errors.New("the timestamp's nonce is not the one requested: the reply is not for this request (replayed or mixed up)")
	}
	if opts.Policy != nil && tok.Policy != opts.Policy.String() {
		return nil, fmt.Errorf("the timestamp's policy is %s, not the %s required", tok.Policy, opts.Policy)
	}
	if err := checkEKU(tok.cert); err != nil {
		return nil, err
	}
	c := tok.cert
	if tok.Time.Before(c.NotBefore) || tok.Time.After(c.NotAfter) {
		return nil, fmt.Errorf("the timestamp says %s, outside its TSA certificate's validity (%s to %s)",
			tok.Time.Format(time.RFC3339), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	}
	inter := x509.NewCertPool()
	for _, ic := range tok.intermediates {
		inter.AddCert(ic)
	}
	_, err = c.Verify(x509.VerifyOptions{
		Roots:         opts.Roots,
		Intermediates: inter,
		CurrentTime:   tok.Time,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	var ua x509.UnknownAuthorityError
	switch {
	case errors.As(err, &ua):
		return nil, fmt.Errorf("%w (%s, issued by %s)", ErrUntrusted, c.Subject, c.Issuer)
	case err != nil:
		return nil, fmt.Errorf("the TSA certificate chain is not valid at the timestamp's time: %v", err)
	}
	return tok, nil
}

// checkEKU enforces RFC 3161 section 2.3: the extended key usage extension
// is critical and names timeStamping and nothing else.
func checkEKU(c *x509.Certificate) error {
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidExtKeyUsage) {
			continue
		}
		var kps []asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(e.Value, &kps); err != nil || !e.Critical || len(kps) != 1 || !kps[0].Equal(oidKPTimeStamping) {
			return errNoTimeStampingEKU
		}
		return nil
	}
	return errNoTimeStampingEKU
}

// Request asks the TSA at url for a token over data (SHA-256 of it, with a
// fresh nonce and the TSA's certificate requested), checks the reply with
// Verify, and returns it as it came: the bytes to store as a .tsr file.
// client is required: give a fetch.Fetcher's Client, so that the request
// takes the command's proxy.
func Request(ctx context.Context, client *http.Client, url string, data []byte, opts Options) ([]byte, *Token, error) {
	if client == nil {
		return nil, nil, errors.New("tsa: no HTTP client given to ask the TSA with")
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(data)
	q, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Certificates: true, Nonce: nonce, TSAPolicyOID: opts.Policy}).Marshal()
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(q))
	if err != nil {
		return nil, nil, fmt.Errorf("TSA %s: %v", url, err)
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	req.Header.Set("User-Agent", "canarykit (warrant canary timestamps)")
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach the TSA %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("the TSA %s answered HTTP %d; check its URL", url, resp.StatusCode)
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the TSA %s: %v", url, err)
	}
	opts.Nonce = nonce
	tok, err := Verify(reply, data, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("the TSA %s: %w", url, err)
	}
	return reply, tok, nil
}

// LoadRoots reads trusted TSA root certificates from a PEM file.
func LoadRoots(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: a certificate cannot be read: %v", path, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path)
	}
	return pool, nil
}

// Describe names the token for a reader.
func (t *Token) Describe() string {
	return fmt.Sprintf("RFC 3161 timestamp by %s at %s", shortName(t.TSA), t.Time.Format("2006-01-02 15:04:05 UTC"))
}

func shortName(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if v, ok := strings.CutPrefix(part, "CN="); ok {
			return v
		}
	}
	return dn
}
