package kmsproto

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvProgram names the canary-kms program to run, overriding the search
// (tests, or a build kept elsewhere): a path, or a name looked up on PATH.
const EnvProgram = "CANARY_KMS"

// NotInstalledError says that no canary-kms was found.
type NotInstalledError struct {
	Looked []string // where it was looked for, in order
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("a kms:// key is signed by the program %s, which is not installed (looked in %s): install it with go install github.com/canarykit/canarykit/cmd/%s@latest beside canary (or put it on PATH, or set %s to its path); docs/SIGNING.md",
		Program, strings.Join(e.Looked, ", then "), Program, EnvProgram)
}

// Find returns the canary-kms to run: $CANARY_KMS if set; else the one
// next to the running executable (a release, a .deb and go install put
// both programs in one folder, so the two come from the same build); else
// the first on PATH.
func Find() (string, error) {
	name := Program
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if p := os.Getenv(EnvProgram); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %v", EnvProgram, p, err)
		}
		return found, nil
	}
	var looked []string
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dir := filepath.Dir(exe)
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && (runtime.GOOS == "windows" || st.Mode()&0o111 != 0) {
			return p, nil
		}
		looked = append(looked, dir)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", &NotInstalledError{Looked: append(looked, "PATH")}
}

// Client runs a canary-kms. Each call is one run of the program: hello,
// then the operation, then the end of its input, so that no process
// outlives the call; its context bounds the run.
type Client struct {
	Program string
}

// Hello asks canary-kms who it is.
func (c *Client) Hello(ctx context.Context) (*Response, error) {
	rs, err := c.run(ctx, nil)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// PublicKey asks for the public key of ref and the hash its provider
// signs with, asking for hash.
func (c *Client) PublicKey(ctx context.Context, ref string, hash crypto.Hash) (crypto.PublicKey, crypto.Hash, error) {
	rs, err := c.run(ctx, &Request{Op: OpPublicKey, Ref: ref, Hash: HashName(hash)})
	if err != nil {
		return nil, 0, err
	}
	r := rs[1]
	pub, err := x509.ParsePKIXPublicKey(r.PublicKey)
	if err != nil {
		return nil, 0, fmt.Errorf("%s answered a public key that does not parse: %v", c.Program, err)
	}
	h, err := ParseHash(r.Hash)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %v", c.Program, err)
	}
	return pub, h, nil
}

// Sign asks ref's KMS to sign digest, a hash made with hash.
func (c *Client) Sign(ctx context.Context, ref string, digest []byte, hash crypto.Hash) ([]byte, error) {
	name := HashName(hash)
	if name == "" {
		return nil, fmt.Errorf("cannot ask a KMS to sign a %v digest: the protocol names SHA-256, SHA-384 or SHA-512", hash)
	}
	rs, err := c.run(ctx, &Request{Op: OpSign, Ref: ref, Hash: name, Digest: digest})
	if err != nil {
		return nil, err
	}
	if len(rs[1].Signature) == 0 {
		return nil, fmt.Errorf("%s answered an empty signature", c.Program)
	}
	return rs[1].Signature, nil
}

// run sends hello and op (unless nil) and returns their answers, each
// checked to be a success: a failure is returned as an *Error.
func (c *Client) run(ctx context.Context, op *Request) ([]*Response, error) {
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	reqs := []*Request{{Op: OpHello}}
	if op != nil {
		reqs = append(reqs, op)
	}
	for _, r := range reqs {
		r.V = Version
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.Program)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = &in, &out, &stderr
	runErr := cmd.Run()
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if runErr != nil {
			msg += fmt.Sprintf(" (%v)", runErr)
		}
		if s := strings.TrimSpace(stderr.String()); s != "" {
			msg += ": " + lastLines(s, 5)
		}
		return errors.New(msg)
	}
	if ctx.Err() != nil {
		return nil, fail("%s did not answer in time", c.Program)
	}
	var rs []*Response
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(rs) < len(reqs) {
		r := new(Response)
		if err := json.Unmarshal(sc.Bytes(), r); err != nil {
			return nil, fail("%s answered a line that is not of its protocol: %.80q", c.Program, sc.Bytes())
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, fail("%s answered nothing", c.Program)
	}
	if h := rs[0]; !h.OK {
		if h.Error != nil && h.Error.Code == CodeUnsupportedVersion {
			return nil, fmt.Errorf("%s speaks protocol %v, this canary speaks %d: install the two from the same release", c.Program, h.Protocols, Version)
		}
		return nil, fail("%s refused hello: %v", c.Program, h.Error)
	} else if h.Program != Program {
		return nil, fail("%s is not canary-kms: it says it is %q", c.Program, h.Program)
	}
	if len(rs) < len(reqs) {
		return nil, fail("%s stopped before answering %s", c.Program, op.Op)
	}
	if r := rs[len(rs)-1]; !r.OK {
		if r.Error == nil {
			return nil, fail("%s failed without saying why", c.Program)
		}
		return nil, r.Error
	}
	return rs, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
