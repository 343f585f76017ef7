package cli

import (
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
)

// TestCommandTable: every command is built under its own name, so that the
// shortcut in NewRootCmd never hides one or builds the wrong one, and the
// full tree (help) lists them all.
func TestCommandTable(t *testing.T) {
	ios := cmdutil.System()
	full := NewRootCmd(ios, nil)
	if got, want := len(full.Commands()), len(commands); got != want {
		t.Fatalf("full tree has %d commands, table %d", got, want)
	}
	for _, c := range commands {
		root := NewRootCmd(ios, []string{c.name, "--help"})
		subs := root.Commands()
		if len(subs) != 1 || subs[0].Name() != c.name {
			t.Errorf("canary %s builds %v", c.name, subs)
		}
		if name := strings.Fields(c.new(ios).Use)[0]; name != c.name {
			t.Errorf("table entry %q builds the command %q", c.name, name)
		}
	}
	// A mistyped name gets cobra's suggestion, which needs the full tree.
	var out strings.Builder
	ios.Err = &out
	if code := Run([]string{"verfy"}, ios); code != 3 || !strings.Contains(out.String(), "verify") {
		t.Errorf("canary verfy: exit %d, %q", code, out.String())
	}
}
