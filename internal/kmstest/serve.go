package kmstest

import (
	"os"
	"testing"

	"github.com/canarykit/canarykit/internal/kmsproto"
	"github.com/canarykit/canarykit/internal/kmsserver"
)

// envServe tells a test binary started by Use to be canary-kms.
const envServe = "CANARYKIT_KMSTEST_SERVE"

// ServeIfAsked makes a test binary also a canary-kms with the stand-in
// provider: call it first in TestMain. When the binary was started as
// canary-kms (by Use), it serves the protocol and exits; otherwise it
// returns at once.
func ServeIfAsked() {
	if os.Getenv(envServe) != "1" {
		return
	}
	os.Exit(Main())
}

// Main is the main of a canary-kms with the stand-in provider; it returns
// the exit code.
func Main() int {
	Register()
	return kmsserver.Main(os.Args[1:], "test")
}

// Use makes canary, for the rest of t, sign kms:// keys through the
// running test binary as its canary-kms (see ServeIfAsked), which knows
// the stand-in testkms:// keys. Tests that call it cannot run in parallel.
func Use(t testing.TB) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(kmsproto.EnvProgram, exe)
	t.Setenv(envServe, "1")
}
