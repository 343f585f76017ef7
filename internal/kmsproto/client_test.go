package kmsproto

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindOverride(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "my-kms")
	os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)
	t.Setenv(EnvProgram, p)
	if got, err := Find(); err != nil || got != p {
		t.Errorf("Find() = %q, %v; want %q", got, err, p)
	}
	t.Setenv(EnvProgram, filepath.Join(dir, "nosuch"))
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), "CANARY_KMS=") {
		t.Errorf("a missing $CANARY_KMS: err = %v", err)
	}
}

// Without canary-kms beside the executable (the test binary) or on PATH,
// the error says what to install.
func TestFindMissing(t *testing.T) {
	t.Setenv(EnvProgram, "")
	t.Setenv("PATH", t.TempDir())
	_, err := Find()
	var ni *NotInstalledError
	if !errors.As(err, &ni) || len(ni.Looked) != 2 || ni.Looked[1] != "PATH" {
		t.Fatalf("err = %#v", err)
	}
	for _, want := range []string{"go install github.com/canarykit/canarykit/cmd/canary-kms@latest", "set CANARY_KMS", "docs/SIGNING.md"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	bin := t.TempDir()
	p := filepath.Join(bin, Program)
	os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)
	t.Setenv("PATH", bin)
	if got, err := Find(); err != nil || got != p {
		t.Errorf("on PATH: Find() = %q, %v; want %q", got, err, p)
	}
}

// A program that does not answer the protocol is refused, not believed.
func TestClientRefusesOtherPrograms(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"cat", "refused hello"},
		{"true", "answered nothing"},
		{"echo not json", "not of its protocol"},
		{`echo '{"v":1,"ok":true,"program":"other"}'`, `it says it is "other"`},
		{`echo '{"v":1,"ok":true,"program":"canary-kms"}'`, "stopped before answering public-key"},
		{`echo '{"v":1,"ok":false,"protocols":[2],"error":{"code":"unsupported-version","message":"no"}}'`, "speaks protocol [2], this canary speaks 1"},
		{`echo '{"v":1,"ok":true,"program":"canary-kms"}'; echo '{"v":1,"ok":false,"error":{"code":"kms","message":"denied"}}'; echo oops >&2; exit 0`, "denied (kms)"},
		{`echo failing >&2; exit 1`, "answered nothing (exit status 1): failing"},
	} {
		if _, err := exec.LookPath("sh"); err != nil {
			t.Skip("no sh")
		}
		p := filepath.Join(t.TempDir(), "prog")
		os.WriteFile(p, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755)
		c := &Client{Program: p}
		_, _, err := c.PublicKey(context.Background(), "x://y", 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.script, err, tc.want)
		}
	}
}
