// Command canary issues, signs and verifies warrant canaries. The commands
// live in internal/cli; this is only the way in.
package main

import (
	"os"

	canarycli "github.com/canarykit/canarykit/internal/cli"
	"github.com/canarykit/canarykit/internal/cli/build"
)

// version and commit are set by release builds (release/build.sh) with
//
//	-ldflags "-X main.version=v0.3.0 -X main.commit=0123456789ab"
var (
	version = ""
	commit  = ""
)

func main() {
	build.Version, build.Commit = version, commit
	os.Exit(canarycli.Main(os.Args[1:]))
}
