package layout

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/canarykit/canarykit/"

// The reader's packages (the document model, key discovery, verification,
// fetching, watching) must not link the signer or the publisher's
// workflow: a cold canary verify pays at start-up for every package it
// links, and code that makes signatures has no business in a verifier.
// Below them, keys must not import signer or issue, and signer must not
// import issue, or the arrows would run in a circle.
func TestImportArrowsRunOneWay(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	reader := []string{"signer", "issue", "publish"}
	for pkg, banned := range map[string][]string{
		"canary":    reader,
		"keys":      reader,
		"verify":    reader,
		"source":    reader,
		"fetch":     reader,
		"freshness": reader,
		"trust":     reader,
		"watch":     reader,
		"signer":    {"issue", "publish"},
		"issue":     {"publish"},
	} {
		out, err := exec.Command("go", "list", "-deps", pkgPath(pkg)).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, b := range banned {
			if slices.Contains(deps, pkgPath(b)) {
				t.Errorf("%s imports %s (directly or through another package); find the path with go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./%s", pkg, b, pkg)
			}
		}
	}
}

// pkgPath is the import path of a package named as above: canary and
// verify are the public API, every other package is internal.
func pkgPath(name string) string {
	if name == "canary" || name == "verify" {
		return module + name
	}
	return module + "internal/" + name
}
