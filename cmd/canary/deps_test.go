package main

import (
	"os/exec"
	"strings"
	"testing"
)

// canary links no sigstore package, nor what sigstore brings (protobuf,
// genproto, go-containerregistry, go-digest): KMS signing runs in the
// separate program canary-kms (docs/SIGNING.md), so that every other
// canary process, above all a cold canary verify, starts without their
// package initialisation.
func TestLinksNoSigstore(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	banned := []string{
		"github.com/sigstore/",
		"google.golang.org/protobuf/",
		"google.golang.org/genproto/",
		"github.com/google/go-containerregistry/",
		"github.com/opencontainers/go-digest",
		"github.com/secure-systems-lab/",
	}
	var found []string
	for _, p := range strings.Fields(string(out)) {
		for _, b := range banned {
			if strings.HasPrefix(p+"/", b) || strings.HasPrefix(p, b) {
				found = append(found, p)
				break
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("canary links %d package(s) that belong in canary-kms only, among them %s; `go list -deps ./cmd/canary | grep sigstore` should print nothing (find who imports them with go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./cmd/canary)",
			len(found), strings.Join(found[:min(len(found), 5)], ", "))
	}
}
