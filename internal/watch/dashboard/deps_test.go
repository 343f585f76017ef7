package dashboard

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDoesNotLinkVerifier checks that the dashboard speaks of statuses
// through the leaf package internal/verdict, not verify: a process that
// renders pages need not link the verifier.
func TestDoesNotLinkVerifier(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/canarykit/canarykit/"+"verify" {
			t.Errorf("watch/dashboard links %s", p)
		}
	}
}
