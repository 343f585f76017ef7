// Command canary-kms signs with keys held in a KMS for canary: canary runs
// it for kms://REF signers (canary issue, canary cosign, canary key
// export-kms) and speaks a small line protocol with it on standard input
// and output (internal/kmsproto, docs/SIGNING.md). It holds sigstore's KMS
// providers and their cloud SDKs, so that canary itself links none of
// them. A reference that no provider built in here claims, NAME://..., is
// signed by sigstore's plugin program sigstore-kms-NAME on PATH.
//
// Install it beside canary:
//
//	go install github.com/canarykit/canarykit/cmd/...@latest
package main

import (
	"os"
	"runtime/debug"

	"github.com/canarykit/canarykit/internal/kmsserver"
)

// version is set by release builds (release/build.sh) with -ldflags
// "-X main.version=v0.3.0"; without it, the module version go install
// records, or (devel).
var version = ""

func main() {
	os.Exit(kmsserver.Main(os.Args[1:], buildVersion()))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
