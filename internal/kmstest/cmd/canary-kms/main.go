// Command canary-kms is a canary-kms for tests: the real program's server
// with only the stand-in provider, testkms:// (internal/kmstest), built by
// the end-to-end tests (cmd/canary-kms) and put beside a canary built from
// cmd/canary.
package main

import (
	"os"

	"github.com/canarykit/canarykit/internal/kmstest"
)

func main() { os.Exit(kmstest.Main()) }
