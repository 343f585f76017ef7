// Package kmsserver is the canary-kms end of the kmsproto protocol: it
// answers canary's requests with sigstore's KMS providers
// (kms.Get, then CryptoSigner). It is the only package of canarykit that
// links sigstore; cmd/canary-kms and the test stand-in (internal/kmstest)
// are its two mains.
package kmsserver

import (
	"bufio"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature/kms"

	"github.com/canarykit/canarykit/internal/kmsproto"
)

// Timeout bounds each request, so that a provider that hangs cannot hold
// a cron job forever; canary bounds the whole run as well.
const Timeout = 2 * time.Minute

// Providers lists the reference prefixes of the providers built in,
// sorted. sigstore-kms-NAME plugins on PATH are not listed: they are
// found when a reference names them.
func Providers() []string {
	p := kms.SupportedProviders()
	sort.Strings(p)
	return p
}

// Serve answers the requests read from in on out until in ends. version
// is what hello reports as the program's version.
func Serve(in io.Reader, out io.Writer, version string) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		r := answer(line, version)
		r.V = kmsproto.Version
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return sc.Err()
}

func fail(code, format string, args ...any) *kmsproto.Response {
	return &kmsproto.Response{Error: &kmsproto.Error{Code: code, Message: fmt.Sprintf(format, args...)}}
}

func answer(line []byte, version string) *kmsproto.Response {
	var req kmsproto.Request
	if err := json.Unmarshal(line, &req); err != nil {
		return fail(kmsproto.CodeBadRequest, "not a JSON request: %v", err)
	}
	if req.V != kmsproto.Version {
		r := fail(kmsproto.CodeUnsupportedVersion, "protocol version %d; this %s speaks %d", req.V, kmsproto.Program, kmsproto.Version)
		r.Protocols = []int{kmsproto.Version}
		return r
	}
	switch req.Op {
	case kmsproto.OpHello:
		return &kmsproto.Response{OK: true, Program: kmsproto.Program, Version: version,
			Protocols: []int{kmsproto.Version}, Providers: Providers()}
	case kmsproto.OpPublicKey, kmsproto.OpSign:
	default:
		return fail(kmsproto.CodeUnknownOp, "no operation %q in protocol %d (hello, public-key, sign)", req.Op, kmsproto.Version)
	}
	if req.Ref == "" {
		return fail(kmsproto.CodeBadRequest, "%s needs ref", req.Op)
	}
	hash, err := kmsproto.ParseHash(req.Hash)
	if err != nil {
		var e *kmsproto.Error
		errors.As(err, &e)
		return &kmsproto.Response{Error: e}
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	// A provider's crypto.Signer reports through errFunc what Public
	// cannot return (sigstore's plugin client does).
	var lastErr error
	signer, opts, errResp := open(ctx, req.Ref, hash, func(err error) { lastErr = err })
	if errResp != nil {
		return errResp
	}
	if req.Op == kmsproto.OpPublicKey {
		pub := signer.Public()
		if pub == nil && lastErr != nil {
			return fail(kmsproto.CodeKMS, "KMS: %v", lastErr)
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return fail(kmsproto.CodeKMS, "the KMS public key of %s cannot be written: %v", req.Ref, err)
		}
		h := hash
		if opts != nil && opts.HashFunc() != 0 {
			h = opts.HashFunc()
		}
		name := kmsproto.HashName(h)
		if name == "" {
			return fail(kmsproto.CodeUnsupportedHash, "the provider of %s signs with %v; canarykit signs with SHA-256, SHA-384 or SHA-512", req.Ref, h)
		}
		return &kmsproto.Response{OK: true, PublicKey: der, Hash: name}
	}
	if len(req.Digest) != hash.Size() {
		return fail(kmsproto.CodeBadRequest, "a %v digest is %d bytes, not %d", hash, hash.Size(), len(req.Digest))
	}
	sig, err := signer.Sign(rand.Reader, req.Digest, hash)
	if err != nil {
		return fail(kmsproto.CodeKMS, "KMS: %v", err)
	}
	return &kmsproto.Response{OK: true, Signature: sig}
}

// open gets the crypto.Signer of a sigstore KMS reference, asking for
// hash; opts says which hash the provider signs with.
func open(ctx context.Context, ref string, hash crypto.Hash, errFunc func(error)) (crypto.Signer, crypto.SignerOpts, *kmsproto.Response) {
	sv, err := kms.Get(ctx, ref, hash)
	if err != nil {
		var nf *kms.ProviderNotFoundError
		if errors.As(err, &nf) {
			name, _, _ := strings.Cut(ref, "://")
			return nil, nil, fail(kmsproto.CodeNoProvider, "no KMS provider for %q: this %s has %s built in; for another, put sigstore's plugin sigstore-kms-%s on PATH (docs/SIGNING.md)",
				ref, kmsproto.Program, builtIn(), name)
		}
		return nil, nil, fail(kmsproto.CodeKMS, "KMS: %v", err)
	}
	signer, opts, err := sv.CryptoSigner(ctx, errFunc)
	if err != nil {
		return nil, nil, fail(kmsproto.CodeKMS, "KMS: %v", err)
	}
	return signer, opts, nil
}

func builtIn() string {
	p := Providers()
	if len(p) == 0 {
		return "no provider"
	}
	return strings.Join(p, ", ")
}

// Main is a canary-kms main: with no arguments it serves the protocol on
// standard input and output; --version prints version and providers. It
// returns the exit code.
func Main(args []string, version string) int {
	switch {
	case len(args) == 0:
	case len(args) == 1 && (args[0] == "--version" || args[0] == "version"):
		fmt.Printf("%s %s, protocol %d, providers: %s; other NAME://... references through sigstore-kms-NAME on PATH\n",
			kmsproto.Program, version, kmsproto.Version, builtIn())
		return 0
	default:
		fmt.Fprintf(os.Stderr, `usage: %[1]s [--version]

%[1]s signs with keys held in a KMS for canary (kms://REF signers, canary
key export-kms). canary runs it; it reads one JSON request a line on
standard input and answers each on standard output (docs/SIGNING.md).
`, kmsproto.Program)
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return 0
		}
		return 2
	}
	// The protocol owns standard output: anything a provider prints goes
	// to standard error instead.
	out := os.Stdout
	os.Stdout = os.Stderr
	if err := Serve(os.Stdin, out, version); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", kmsproto.Program, err)
		return 1
	}
	return 0
}
