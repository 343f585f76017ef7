package mangen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func tree() *cobra.Command {
	root := &cobra.Command{Use: "canary", Short: "Issue, sign and verify warrant canaries", Long: "Long text."}
	verify := &cobra.Command{Use: "verify FILE", Short: "Verify a canary", Run: func(*cobra.Command, []string) {}}
	verify.Flags().String("key", "", "the `KEY` to trust")
	key := &cobra.Command{Use: "key", Short: "Manage keys"}
	key.AddCommand(&cobra.Command{Use: "generate", Short: "Make a key", Run: func(*cobra.Command, []string) {}})
	root.AddCommand(verify, key,
		&cobra.Command{Use: "secret", Short: "hidden", Hidden: true, Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "old", Short: "deprecated", Deprecated: "gone", Run: func(*cobra.Command, []string) {}})
	return root
}

var opts = Options{Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Source: "canarykit", Manual: "canarykit manual"}

func TestPages(t *testing.T) {
	dir := t.TempDir()
	pages, err := Write(tree(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pages {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "canary.1 canary-key.1 canary-key-generate.1 canary-verify.1"; got != want {
		t.Fatalf("pages %s, want %s (no hidden, deprecated or help pages)", got, want)
	}
	for _, p := range pages {
		b, err := os.ReadFile(filepath.Join(dir, p.Name))
		if err != nil || !bytes.Equal(b, p.Roff) {
			t.Fatalf("%s not written: %v", p.Name, err)
		}
		s := string(b)
		if !strings.HasPrefix(s, `.nh`) && !strings.Contains(s, `.TH "`) {
			t.Errorf("%s has no .TH header:\n%s", p.Name, s)
		}
		if !strings.Contains(s, `"Dec 2026" "canarykit" "canarykit manual"`) {
			t.Errorf("%s header lacks the fixed date and source:\n%s", p.Name, s)
		}
		es, sa := strings.Index(s, ".SH EXIT STATUS\n"), strings.Index(s, ".SH SEE ALSO\n")
		if es < 0 || sa < 0 || es > sa {
			t.Errorf("%s: EXIT STATUS at %d, SEE ALSO at %d:\n%s", p.Name, es, sa, s)
		}
	}
	root := string(pages[0].Roff)
	for _, code := range []string{"\\fB0\\fP\nOK", "\\fB1\\fP\nWARNING", "\\fB2\\fP\nCRITICAL", "\\fB3\\fP\nUNKNOWN"} {
		if !strings.Contains(root, code) {
			t.Errorf("canary(1) lacks %q", code)
		}
	}
	if v := string(pages[3].Roff); !strings.Contains(v, "worst status") {
		t.Errorf("canary-verify(1) lacks its own exit codes:\n%s", v)
	}
	if g := string(pages[2].Roff); !strings.Contains(g, "\\fB3\\fP\nUNKNOWN") || strings.Contains(g, "CRITICAL") {
		t.Errorf("canary-key-generate(1) should say 0 or 3:\n%s", g)
	}
}

func TestInsertSectionWithoutSeeAlso(t *testing.T) {
	if got := string(insertSection([]byte(".TH X\nbody"), ".SH EXIT STATUS\n")); got != ".TH X\nbody\n.SH EXIT STATUS\n" {
		t.Errorf("got %q", got)
	}
}

func TestRoffEscape(t *testing.T) {
	if got := roffEscape(`.warn-before \n`); got != `\&.warn\-before \en` {
		t.Errorf("got %q", got)
	}
}

func TestPreformat(t *testing.T) {
	in := "Prose that\nreflows.\n\nExit codes:\n  0 OK\n  1 WARNING\n\n  canary verify"
	want := "Prose that\nreflows.\n\n```\nExit codes:\n  0 OK\n  1 WARNING\n```\n\n```\n  canary verify\n```"
	if got := preformat(in); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
