// Package kmsproto is the protocol between canary and canary-kms, the
// program that holds sigstore's KMS providers, so that canary itself links
// no sigstore package (docs/SIGNING.md, "The canary-kms protocol").
//
// canary runs canary-kms with no arguments and writes requests to its
// standard input, one JSON object a line; canary-kms answers each with one
// JSON object a line on its standard output, in order, and exits at the
// end of its input. Standard error is free text for people. Version 1 has
// three operations:
//
//	{"v":1,"op":"hello"}
//	  -> {"v":1,"ok":true,"program":"canary-kms","version":"v0.4.0","protocols":[1],"providers":["awskms://",...]}
//	{"v":1,"op":"public-key","ref":"awskms:///arn:...","hash":"SHA-256"}
//	  -> {"v":1,"ok":true,"public_key":"<base64 DER SubjectPublicKeyInfo>","hash":"SHA-256"}
//	{"v":1,"op":"sign","ref":"awskms:///arn:...","hash":"SHA-256","digest":"<base64>"}
//	  -> {"v":1,"ok":true,"signature":"<base64>"}
//
// A failure is {"v":1,"ok":false,"error":{"code":CODE,"message":TEXT}}
// with one of the codes below. The signature is what Go's crypto.Signer
// returns for the key: ASN.1 DER (r, s) for ECDSA, PKCS #1 v1.5 for RSA.
// The hash of public-key is the one asked for; the answer's is the one the
// provider signs with, which canary then names in sign.
package kmsproto

import (
	"crypto"
	"fmt"
)

// Version is the protocol version this package speaks.
const Version = 1

// Program is the name of the program, without ".exe".
const Program = "canary-kms"

// The operations.
const (
	OpHello     = "hello"
	OpPublicKey = "public-key"
	OpSign      = "sign"
)

// Request is one line canary writes.
type Request struct {
	V      int    `json:"v"`
	Op     string `json:"op"`
	Ref    string `json:"ref,omitempty"`    // a sigstore KMS reference, without canary's kms://
	Hash   string `json:"hash,omitempty"`   // SHA-256, SHA-384 or SHA-512
	Digest []byte `json:"digest,omitempty"` // sign: the digest to sign, base64 in JSON
}

// Response is one line canary-kms writes.
type Response struct {
	V     int    `json:"v"`
	OK    bool   `json:"ok"`
	Error *Error `json:"error,omitempty"`

	// hello
	Program   string   `json:"program,omitempty"`
	Version   string   `json:"version,omitempty"`
	Protocols []int    `json:"protocols,omitempty"`
	Providers []string `json:"providers,omitempty"`

	// public-key
	PublicKey []byte `json:"public_key,omitempty"`
	Hash      string `json:"hash,omitempty"`

	// sign
	Signature []byte `json:"signature,omitempty"`
}

// Error codes.
const (
	// CodeBadRequest: the line is not a request of this protocol (not
	// JSON, a missing or malformed field).
	CodeBadRequest = "bad-request"
	// CodeUnsupportedVersion: the request's "v" is one this canary-kms
	// does not speak; its hello answer lists those it does.
	CodeUnsupportedVersion = "unsupported-version"
	// CodeUnknownOp: an operation this version does not have.
	CodeUnknownOp = "unknown-op"
	// CodeUnsupportedHash: a hash other than SHA-256, SHA-384 or SHA-512.
	CodeUnsupportedHash = "unsupported-hash"
	// CodeNoProvider: no provider built into canary-kms claims the
	// reference, and there is no sigstore-kms-NAME plugin on PATH.
	CodeNoProvider = "no-provider"
	// CodeKMS: the provider or the KMS refused or failed (credentials,
	// permissions, no such key, the network).
	CodeKMS = "kms"
)

// Error is a failure canary-kms reports.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s)", e.Message, e.Code) }

// Hashes are the hashes the protocol names, by name.
var hashes = map[string]crypto.Hash{
	crypto.SHA256.String(): crypto.SHA256,
	crypto.SHA384.String(): crypto.SHA384,
	crypto.SHA512.String(): crypto.SHA512,
}

// ParseHash reads a hash name of the protocol.
func ParseHash(name string) (crypto.Hash, error) {
	if h, ok := hashes[name]; ok {
		return h, nil
	}
	return 0, &Error{Code: CodeUnsupportedHash, Message: fmt.Sprintf("hash %q: the protocol names SHA-256, SHA-384 or SHA-512", name)}
}

// HashName is h's name in the protocol, or "" for a hash it has none for.
func HashName(h crypto.Hash) string {
	if _, ok := hashes[h.String()]; ok {
		return h.String()
	}
	return ""
}
